"""Finding results files and reading each one into a `Part`, with the checks that judge a file as a whole.

A file that fails here (its name, header, separator, a cell count) raises FileProblem and
contributes nothing; its rows are never parsed. The old wide format goes to legacy.py.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import numpy as np

from collect.contract import record as r
from collect.contract.csvio import FileProblem, read_text
from collect.dataset.cells import Part
from collect.dataset.legacy import legacy_part

NAME_RE = re.compile(r"^results_(.+)\.csv$")


def discover(results_dir: str | Path) -> list[Path]:
    """Every *.csv directly in results_dir, sorted; a missing folder is an empty list."""
    folder = Path(results_dir)
    return sorted(p for p in folder.glob("*.csv") if p.is_file()) if folder.is_dir() else []


def read_part(path: Path) -> Part:
    """One file's rows as text, after the whole-file checks; raises FileProblem saying what is wrong."""
    match = NAME_RE.match(path.name)
    if not match:
        raise FileProblem(None, "file", "name must be results_<env>.csv")
    first, _, body = read_text(path).partition("\n")
    header = tuple(next(csv.reader([first])))
    if len(header) == 1:
        for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if sep in first:
                raise FileProblem(1, "file", f"columns are separated by {name}; results files use commas")
    if header and header[0] in ("", "Unnamed: 0") and len(header) > 1:
        return legacy_part(path, header, body)  # the old wide format: one env row, depth columns
    env = match.group(1)
    if not r.ENV_RE.match(env):
        raise FileProblem(None, "file", f"<env> in the file name must be 1-64 of a-z 0-9 . _ -, but {env!r} was found")
    _check_header(header)
    if not body:
        raise FileProblem(None, "file", "file has a header but no rows")
    body = body[:-1]
    if '"' in body or "\n\n" in body or body.startswith("\n"):
        check_cell_counts(body, len(header))  # quoted cells or blank lines: look at each line now
    # Otherwise the parser rejects a wrong cell count, and the loader then finds the line.
    rows = body.count("\n") + 1
    return Part(str(path), env, header, body, np.arange(2, rows + 2))  # line 1 is the header


def _check_header(header: tuple[str, ...]) -> None:
    missing = [c for c in r.REQUIRED if c not in header]
    if missing:
        raise FileProblem(1, missing[0], "required column is missing" + (f" (also {', '.join(missing[1:])})" if missing[1:] else ""))
    if len(set(header)) != len(header):
        dupes = sorted({c for c in header if header.count(c) > 1})
        raise FileProblem(1, dupes[0], "column appears more than once in the header")


def check_cell_counts(body: str, width: int) -> None:
    """Every line must be one record with as many cells as the header, with no cell spanning lines."""
    for number, line in enumerate(body.split("\n"), start=2):
        if line.count('"') % 2:
            raise FileProblem(number, "row", "a quoted cell spans lines; cells must not contain line breaks")
        if line == "":
            raise FileProblem(number, "row", "blank line inside the file")
        cells = len(next(csv.reader([line]))) if '"' in line else line.count(",") + 1
        if cells != width:
            raise FileProblem(number, "row", f"has {cells} cells but the header has {width}")
