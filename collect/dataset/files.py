"""Finding results files and reading each one into a `Part`, with the checks that judge a file as a whole.

A file that fails here (its name, header, separator, a cell count) raises FileProblem and
contributes nothing; its rows are never parsed. The old wide format goes to legacy.py.
"""

from __future__ import annotations

import csv
import io
import os
import re
from pathlib import Path

import numpy as np

from collect.contract import record as r
from collect.contract.csvio import MAX_FILE_BYTES, FileProblem, read_text
from collect.dataset.cells import Part
from collect.dataset.legacy import legacy_part

NAME_RE = re.compile(r"^results_(.+)\.csv$")
BOM = "\ufeff".encode()


def discover(results_dir: str | Path) -> list[Path]:
    """Every *.csv directly in results_dir, sorted; a missing folder is an empty list."""
    folder = Path(results_dir)
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:  # no stat per file: 10,000 files cost a directory read
        return sorted(folder / e.name for e in entries if e.name.endswith(".csv") and e.is_file())


def read_bytes(path: Path) -> bytes:
    """The file as read_text gives it (BOM dropped, CRLF and CR as LF, one final LF), but still bytes: the body is
    not decoded here, the CSV parser checks it is UTF-8, and a file it refuses is read again with read_text, whose
    FileProblem names the line of the first bad byte. Raises FileProblem for files over the size limit or empty."""
    if path.stat().st_size > MAX_FILE_BYTES:
        read_text(path)  # raises, saying how large the file is
    data = path.read_bytes()
    while data.startswith(BOM):
        data = data[len(BOM):]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    if not data.strip():
        read_text(path)  # raises: empty (or only a BOM and line breaks)
    return data.rstrip(b"\n") + b"\n"


def decoded(path: Path, data: bytes) -> str:
    """Bytes of the file as text; a byte that is not UTF-8 raises read_text's FileProblem (with its line)."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        read_text(path)
        raise FileProblem(0, "file", "the file is not UTF-8; save the file as UTF-8") from None


def read_part(path: Path) -> Part:
    """One file's rows as text, after the whole-file checks; raises FileProblem saying what is wrong (a byte that
    is not UTF-8 first: a binary file is named as one, not as a file lacking columns)."""
    match = NAME_RE.match(path.name)
    if not match:
        raise FileProblem(0, "file", "name must be results_<env>.csv")
    data = read_bytes(path)
    try:
        return _part(path, match, data)
    except FileProblem:
        decoded(path, data)  # the whole file is decoded only when it is refused anyway
        raise


def _part(path: Path, match: re.Match, data: bytes) -> Part:
    first, _, body = data.partition(b"\n")
    first = decoded(path, first)
    header = tuple(next(csv.reader([first])))
    if len(header) == 1:
        for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if sep in first:
                raise FileProblem(1, "file", f"columns are separated by {name}; results files use commas")
    if header and header[0] in ("", "Unnamed: 0") and len(header) > 1:
        return legacy_part(path, header, decoded(path, body))  # the old wide format: one env row, depth columns
    env = match.group(1)
    if not r.ENV_RE.match(env):
        raise FileProblem(0, "file", f"<env> in the file name must be 1-64 of a-z 0-9 . _ -, but {env!r} was found")
    _check_header(header)
    if not body:
        raise FileProblem(0, "file", "file has a header but no rows")
    body = body[:-1]
    if b'"' in body or b"\n\n" in body or body.startswith(b"\n"):
        # Quoted cells (which may hold commas and line breaks) or blank lines: look at each record now.
        lines = record_lines(decoded(path, body), len(header))
        return Part(str(path), env, header, body, lines, multiline=len(lines) != body.count(b"\n") + 1)
    # Otherwise the parser rejects a wrong cell count, and the loader then finds the line.
    rows = body.count(b"\n") + 1
    return Part(str(path), env, header, body, np.arange(2, rows + 2))  # line 1 is the header


def _check_header(header: tuple[str, ...]) -> None:
    missing = [c for c in r.REQUIRED if c not in header]
    if missing:
        raise FileProblem(1, missing[0], "required column is missing" + (f" (also {', '.join(missing[1:])})" if missing[1:] else ""))
    if len(set(header)) != len(header):
        dupes = sorted({c for c in header if header.count(c) > 1})
        raise FileProblem(1, dupes[0], "column appears more than once in the header")


def record_lines(body: str, width: int) -> np.ndarray:
    """The file line each record starts on. Every record must have as many cells as the header; a quoted
    cell may hold commas, quotes and line breaks, but must be closed; blank lines are refused."""
    try:
        return _record_lines(body, width, strict=True)
    except _Lenient:  # a quote inside an unquoted cell (a"b): read it literally, as the CSV parser does
        return _record_lines(body, width, strict=False)


class _Lenient(Exception):
    """Strict reading failed on something a lenient reading accepts."""


def _record_lines(body: str, width: int, strict: bool) -> np.ndarray:
    reader = csv.reader(io.StringIO(body + "\n"), strict=strict)
    starts, last = [], 1  # the header is line 1
    while True:
        start = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise FileProblem(start, "row", "a quoted cell is never closed") from None
            if strict and "field larger" not in str(exc):
                raise _Lenient from None
            raise FileProblem(start, "row", f"cannot be read as CSV: {exc}") from None
        last = reader.line_num + 1
        if not cells:
            raise FileProblem(start, "row", "blank line inside the file")
        if len(cells) != width:
            raise FileProblem(start, "row", f"has {len(cells)} cells but the header has {width}")
        starts.append(start)
    return np.array(starts, dtype=np.int64)


def check_cell_counts(part: Part) -> None:
    """Raise FileProblem at the first record whose cell count differs from the header's (or at a byte that is not UTF-8)."""
    record_lines(decoded(Path(part.path), part.body), len(part.header))
