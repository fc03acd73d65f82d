from collect.cli import main

raise SystemExit(main())
