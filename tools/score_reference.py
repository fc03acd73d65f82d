"""Print the reference medians of a score version, for collect/contract/scoring.py's `reference_values`.

    python tools/score_reference.py --env amd-epyc-2core-cpu --runs 20261202T101116Z-1ffd4a,20261202T101506Z-37c364

They are the medians of the named runs' rows of each member (the reference env's `--suite score` runs), in each
member's figure. A version's values are fixed once it is published: a new set of runs makes a new version.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args, scoring  # noqa: E402
from collect.dataset.loader import discover, load  # noqa: E402
from collect.present.score import reference_values  # noqa: E402
from collect.present.summary import aggregate  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--env", required=True, help="the reference env")
    parser.add_argument("--runs", required=True, help="comma list of its run ids that measured the set")
    parser.add_argument("--results-dir", default=str(ROOT / "results"), help="folder holding its results file")
    parser.add_argument("--version", default=scoring.CURRENT, help="the score version whose members to take")
    args = parser.parse_args(cli_args.arguments(argv))
    frame = load(discover(args.results_dir)).frame
    runs = {r.strip() for r in args.runs.split(",") if r.strip()}
    part = frame[(frame["env"].astype(str) == args.env).to_numpy() & frame["run_id"].astype(str).isin(runs).to_numpy()]
    values = reference_values(aggregate(part), scoring.SETS[args.version], args.env)
    print("reference_values={")
    for framework, members in values.items():
        print(f"    {framework!r}: {{" + ", ".join(f"{k!r}: {v:.6g}" for k, v in members.items()) + "},")
    print("}")
    return 0 if values else 1


if __name__ == "__main__":
    raise SystemExit(main())
