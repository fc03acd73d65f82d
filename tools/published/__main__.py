"""Write the published rows of every vendored source to results files: `python -m tools.published`.

By default into results/, one file per env; a file that exists is left as it is (a maintainer re-running this
never overwrites a shipped file). `--results-dir DIR --replace` rewrites files in another folder (tests use it to
reproduce the shipped files byte for byte); --replace into results/ itself is refused.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from collect.contract import cli_args
from collect.contract.csvio import append_records, results_path

from . import dle, lambda_tf, mamf, ryujaehun, timm
from .common import ROOT

SOURCES = {"timm": timm, "lambda-tf": lambda_tf, "mamf": mamf, "dle": dle, "ryujaehun": ryujaehun}
SHIPPED = ROOT / "results"


def all_records(names=None) -> dict[str, list]:
    """env -> rows of the named sources (all by default), each env from one source only."""
    out: dict[str, list] = {}
    for name in names or SOURCES:
        for env, rows in SOURCES[name].records().items():
            if env in out:
                raise ValueError(f"env {env!r} comes from two sources; give one of them another name")
            out[env] = rows
    return out


def write(folder, names=None, replace: bool = False) -> dict[Path, int]:
    """Write each env's rows to folder/results_<env>.csv; an existing file is kept unless replace (never in the
    shipped results/). Returns the files written and their row counts."""
    folder = Path(folder)
    if replace and folder.resolve() == SHIPPED.resolve():
        raise ValueError(f"--replace rewrites files in another folder only, never in {SHIPPED}")
    written = {}
    for env, rows in all_records(names).items():
        path = results_path(folder, env)
        if path.exists():
            if not replace:
                print(f"{path} exists; left as it is", file=sys.stderr)
                continue
            path.unlink()
        append_records(path, rows)
        written[path] = len(rows)
    return written


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--results-dir", default=str(SHIPPED), help="folder the files are written to")
    parser.add_argument("--source", action="append", choices=sorted(SOURCES), help="only this source (repeatable)")
    parser.add_argument("--replace", action="store_true", help="rewrite existing files (not in results/)")
    args = parser.parse_args(cli_args.arguments(argv))
    try:
        written = write(args.results_dir, args.source, args.replace)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for path, count in written.items():
        print(f"wrote {count} rows to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
