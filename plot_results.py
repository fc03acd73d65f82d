"""Validate and merge every results/*.csv; draw results.png and write results.md.

    python plot_results.py                 # validate, merge, write results.png + results.md
    python plot_results.py --check         # validate only; exit 1 if any file is invalid
    python plot_results.py old/results_M1.csv   # add files from elsewhere (e.g. legacy CSVs)

Each file is valid or invalid as a whole. Problems are printed one per line as
FILE:LINE: column: reason. Nothing under the results folder is ever written.
Imports neither torch nor TensorFlow.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import pandas as pd

from collect.contract import cli_args
from collect.dataset.loader import Loaded, discover, load


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plot_results.py", description=__doc__.split("\n\n")[0],
        formatter_class=cli_args.HelpFormatter)
    parser.add_argument("files", nargs="*", type=Path,
                        help="extra results_<env>.csv files to include (e.g. legacy files kept elsewhere)")
    parser.add_argument("--results-dir", type=Path, default=Path("results"),
                        help="folder whose *.csv files are merged")
    parser.add_argument("--out", type=Path, default=Path("results.png"), help="headline chart to write")
    parser.add_argument("--markdown", type=Path, default=Path("results.md"), help="tables to write")
    parser.add_argument("--figures", type=Path, default=Path("figures"),
                        help="folder for the detail figures (e.g. figures/matmul.png)")
    parser.add_argument("--check", action="store_true",
                        help="validate only: print problems, write nothing, exit 1 if any file is invalid")
    return parser


def subtitle(frame: pd.DataFrame, loaded: Loaded) -> str:
    stamps = pd.Series(frame["timestamp_utc"].astype("category").cat.categories.astype(str))  # distinct values only
    times = pd.to_datetime(stamps, errors="coerce", utc=True, format="ISO8601").dropna()
    dates = f" · {times.min():%Y-%m-%d} to {times.max():%Y-%m-%d}" if len(times) else ""
    return (f"{frame['env'].nunique()} environments · {len(frame):,} rows from "
            f"{len(loaded.files_ok):,} files{dates}")


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    # A misspelt flag is argparse's error (exit 2); in a notebook kernel, the kernel's own arguments are not ours.
    args = build_parser().parse_args(cli_args.arguments(argv))
    try:
        return _run(args)
    except Exception as exc:  # a bug must still not greet a contributor with a traceback
        print(f"plot_results.py: error: {type(exc).__name__}: {exc}", file=sys.stderr)
        return 2


def _run(args) -> int:
    paths = discover(args.results_dir) + list(args.files)
    if not paths:
        print(f"no results files: {args.results_dir}/ holds no *.csv", file=sys.stderr)
        return 1
    loaded = load(paths)
    report = sys.stdout if args.check else sys.stderr
    for problem in loaded.problems:
        print(problem, file=report)
    frame = loaded.frame
    print(f"{len(paths)} files: {len(loaded.files_ok)} valid, {len(loaded.files_bad)} invalid; "
          f"{len(frame):,} valid rows", file=report)
    if args.check:
        from collect.dataset.review import review

        for flag in review(frame):
            print(flag, file=report)
        return 1 if loaded.files_bad else 0
    if frame.empty or (frame["status"] == "ok").sum() == 0:
        print("no valid rows to plot", file=sys.stderr)
        return 1
    for target in (args.out, args.markdown, args.figures):
        if _inside(target, args.results_dir):
            print(f"refusing to write {target}: nothing under {args.results_dir}/ is rewritten", file=sys.stderr)
            return 1
    # matplotlib is imported only when drawing: --check stays light.
    from collect.present.details import backends_figure, matmul_figure, power_figure, scaling_figure
    from collect.present.headline import headline_figure
    from collect.present.report import render
    from collect.present.summary import summarize

    text = subtitle(frame, loaded)
    summary = summarize(frame)  # each table once: the figures and results.md show the same numbers
    headline_figure(summary, text).savefig(args.out, dpi=110)
    args.markdown.write_text(render(summary, text) + "\n", encoding="utf-8")
    details = {"matmul.png": matmul_figure, "scaling.png": scaling_figure,
               "backends.png": backends_figure, "power.png": power_figure}
    for name, draw in details.items():
        figure = draw(summary)
        if figure is not None:
            args.figures.mkdir(parents=True, exist_ok=True)
            figure.savefig(args.figures / name, dpi=110)
    print(f"wrote {args.out} and {args.markdown} ({text})", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
