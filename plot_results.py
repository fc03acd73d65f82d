"""Validate and merge every results/*.csv; draw results.png and figures/, write results.md and the merged data.

    python plot_results.py                 # validate, merge, write results.png, figures/*.png, results.md, results.csv
    python plot_results.py --check         # validate only; exit 1 if any file is invalid
    python plot_results.py old/results_M1.csv   # add files from elsewhere (e.g. legacy CSVs)

Each file is valid or invalid as a whole. Problems are printed one per line as
FILE:LINE: column: reason (line 0: the whole file). Figures and tables are bounded whatever the
number of files; every valid row is in the merged CSV (and Parquet) written beside the markdown.
Nothing is written but what the command line names or implies, and never under the results folder.
Imports neither torch nor TensorFlow.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback
import warnings
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pandas as pd

from collect.contract import cli_args
from collect.dataset.export import data_paths, write_merged
from collect.dataset.loader import Loaded, discover, load
from collect.dataset.prices import load_prices
from collect.present import licences


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="plot_results.py", description=__doc__.split("\n\n")[0],
        formatter_class=cli_args.HelpFormatter)
    parser.add_argument("files", nargs="*", type=Path,
                        help="extra results_<env>.csv files to include (e.g. legacy files kept elsewhere)")
    parser.add_argument("--results-dir", type=Path, default=Path("results"),
                        help="folder whose *.csv files are merged")
    parser.add_argument("--out", type=Path, default=Path("results.png"), help="headline chart to write")
    parser.add_argument("--markdown", type=Path, default=Path("results.md"),
                        help="tables to write; the merged data goes beside it (results.csv, results.parquet)")
    parser.add_argument("--figures", type=Path,
                        help="folder for the detail figures (e.g. matmul.png); default: figures/ beside --out")
    parser.add_argument("--site", type=Path,
                        help="folder for the results website (static pages: open index.html); default: site/ beside --out")
    parser.add_argument("--prices", type=Path, default=Path("prices") / "prices.csv",
                        help="prices of devices and rented machines (for samples per dollar on the site); a missing file "
                             "means no prices")
    parser.add_argument("--check", action="store_true",
                        help="validate only: print problems, write nothing, exit 1 if any file is invalid")
    parser.add_argument("-v", "--verbose", action="store_true", help="print the traceback of an unexpected error")
    return parser


def subtitle(frame: pd.DataFrame, loaded: Loaded) -> str:
    stamps = pd.Series(frame["timestamp_utc"].astype("category").cat.categories.astype(str))  # distinct values only
    times = pd.to_datetime(stamps, errors="coerce", utc=True, format="ISO8601").dropna()
    dates = f" · {times.min():%Y-%m-%d} to {times.max():%Y-%m-%d}" if len(times) else ""
    terms = licences.notice(frame)  # a ShareAlike figure's terms and credit travel with every output that holds it
    return (f"{frame['env'].nunique()} environments · {len(frame):,} rows from "
            f"{len(loaded.files_ok):,} files{dates}" + (f"\n{terms}" if terms else ""))


def _inside(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
        return True
    except ValueError:
        return False


def main(argv: list[str] | None = None) -> int:
    # A misspelt flag is argparse's error (exit 2); in a notebook kernel, the kernel's own arguments are not ours.
    args = build_parser().parse_args(cli_args.arguments(argv))
    if args.figures is None:
        args.figures = args.out.parent / "figures"  # beside the chart: never a folder the command line did not imply
    if args.site is None:
        args.site = args.out.parent / "site"
    try:
        return _run(args)
    except Exception as exc:  # a bug must still not greet a contributor with a traceback, unless asked for (-v)
        if args.verbose:
            traceback.print_exc()
        print(f"plot_results.py: error: {type(exc).__name__}: {exc}" + ("" if args.verbose else " (-v: traceback)"),
              file=sys.stderr)
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
    print(f"{len(loaded.files_ok) + len(loaded.files_bad)} files: {len(loaded.files_ok)} valid, {len(loaded.files_bad)} invalid; "
          f"{len(frame):,} valid rows", file=report)
    prices, price_problems = load_prices(args.prices)
    for problem in price_problems:  # a bad price line is named as a bad row is, and left out
        print(problem, file=report)
    if args.check:
        from collect.dataset.review import review

        for flag in review(frame):
            print(flag, file=report)
        return 1 if loaded.files_bad or price_problems else 0
    if frame.empty or (frame["status"] == "ok").sum() == 0:
        print("no valid rows to plot", file=sys.stderr)
        return 1
    data = data_paths(args.markdown)
    refused = _refused([args.out, args.markdown, args.figures, args.site, *data], args.results_dir, paths)
    if refused:
        print(refused, file=sys.stderr)
        return 1
    text = subtitle(frame, loaded)
    for folder in {args.out.parent, args.markdown.parent}:
        folder.mkdir(parents=True, exist_ok=True)
    with ThreadPoolExecutor(1) as pool:  # the merged data is written (by pyarrow, off the GIL) while the figures are drawn
        writing = pool.submit(write_merged, frame, data)
        with warnings.catch_warnings():  # names come from contributors' files: a glyph the font lacks is a box, no warning
            warnings.filterwarnings("ignore", message="Glyph .* missing from font", category=UserWarning)
            summary = _draw(args, frame, text, tuple(p.name for p in data))
        writing.result()
    _site(args, frame, summary, text, data, prices)
    print(f"wrote {args.out}, {args.markdown}, {', '.join(map(str, data))}, {args.figures}/ and {args.site}/ ({text})",
          file=sys.stderr)
    return 0


def _refused(targets: list[Path], results_dir: Path, inputs: list[Path]) -> str:
    """Why one of the outputs may not be written (inside the results folder, or onto an input file); "" if none."""
    sources = {os.path.abspath(p) for p in inputs}
    for target in targets:
        if _inside(target, results_dir) or os.path.abspath(target) in sources or str(target.resolve()) in sources:
            return f"refusing to write {target}: nothing under {results_dir}/ and no input file is rewritten"
    return ""


def _site(args, frame: pd.DataFrame, summary, text: str, data: list[Path], prices) -> None:
    """The results website from the same Summary, the merged data as its downloads and each env's file on its page,
    with the prices and where each results file came from (its commit, where the folder is a git checkout)."""
    from dataclasses import asdict

    from collect.dataset import provenance
    from collect.present.site import env_files, write_site

    added = provenance.added(args.results_dir)
    write_site(summary, args.site, subtitle=text, csv_paths=env_files(frame), downloads={p.name: p for p in data},
               prices=[asdict(p) for p in prices], repository=provenance.repository(args.results_dir),
               added=None if added is None else {name: asdict(a) for name, a in added.items()})


def _draw(args, frame: pd.DataFrame, text: str, data_names: tuple[str, ...]):
    # matplotlib is imported only when drawing: --check stays light.
    import matplotlib.pyplot as plt

    from collect.present.details import backends_figure, matmul_figure, power_figure, roofline_figure, scaling_figure
    from collect.present.headline import headline_figure
    from collect.present.report import render
    from collect.present.summary import summarize

    summary = summarize(frame)  # each table once: the figures and results.md show the same numbers
    figure = headline_figure(summary, text)
    figure.savefig(args.out, dpi=110)
    plt.close(figure)
    args.markdown.write_text(render(summary, text, data_names) + "\n", encoding="utf-8")
    details = {"matmul.png": matmul_figure, "scaling.png": scaling_figure,
               "backends.png": backends_figure, "power.png": power_figure, "roofline.png": roofline_figure}
    for name, draw in details.items():
        figure = draw(summary)
        if figure is not None:
            args.figures.mkdir(parents=True, exist_ok=True)
            figure.savefig(args.figures / name, dpi=110)
            plt.close(figure)
    return summary


if __name__ == "__main__":
    raise SystemExit(main())
