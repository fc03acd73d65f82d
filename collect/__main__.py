from collect.cli import main

try:
    code = main()
except KeyboardInterrupt:  # Ctrl-C in the instant after the run put the usual handlers back: it had ended anyway
    code = 130
raise SystemExit(code)
