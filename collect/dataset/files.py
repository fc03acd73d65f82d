"""Finding results files and reading each one into a `Part`, with the checks that judge a file as a whole.

A file that fails here (its name, header, encoding, a cell count) raises FileProblem and
contributes nothing; its rows are never parsed. A file whose first line is not a plain comma
header (another separator, pandas' index, unnamed or padded columns: a re-save by another
tool) is read by dialects.py, which lists what is accepted; the old wide format goes to legacy.py.
"""

from __future__ import annotations

import csv
import os
import re
from pathlib import Path

import numpy as np

from collect.contract import record as r
from collect.contract.csvio import MAX_FILE_BYTES, FileProblem, read_text
from collect.dataset import dialects
from collect.dataset.cells import Part
from collect.dataset.legacy import legacy_part

NAME_RE = re.compile(r"^results_(.+)\.csv$")
BOM = "\ufeff".encode()
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")  # Excel's "Unicode Text"


def discover(results_dir: str | Path) -> list[Path]:
    """Every *.csv directly in results_dir, sorted; a missing folder is an empty list."""
    folder = Path(results_dir)
    if not folder.is_dir():
        return []
    with os.scandir(folder) as entries:  # no stat per file: 10,000 files cost a directory read
        return sorted(folder / e.name for e in entries if e.name.endswith(".csv") and e.is_file())


def read_bytes(path: Path) -> bytes:
    """The file as read_text gives it (BOM dropped, CRLF and CR as LF, one final LF), UTF-16 as UTF-8, rows of
    separators only at the end dropped, but still bytes: the body is not decoded here, the CSV parser checks it
    is UTF-8, and a file it refuses is decoded again, to name the line of the first bad byte. Raises
    FileProblem for files over the size limit or empty."""
    if path.stat().st_size > MAX_FILE_BYTES:
        read_text(path)  # raises, saying how large the file is
    data = path.read_bytes()
    if data[:2] in UTF16_BOMS:
        try:
            data = data.decode("utf-16").encode("utf-8")
        except UnicodeDecodeError:
            raise FileProblem(0, "file", "the file begins with a UTF-16 byte order mark but is not UTF-16; "
                                         "save it as UTF-8") from None
    while data.startswith(BOM):
        data = data[len(BOM):]
    if b"\r" in data:
        data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    data = data.rstrip(b"\n")
    while b"\n" in data and not data[data.rindex(b"\n") + 1:].strip(b",;\t| "):  # a spreadsheet's empty rows
        data = data[:data.rindex(b"\n")].rstrip(b"\n")
    if not data.strip():
        read_text(path)  # raises: empty (or only a BOM and line breaks)
    return data + b"\n"


def decoded(path: Path, data: bytes) -> str:
    """Bytes of the file as text; a byte that is not UTF-8 raises a FileProblem naming its line and column."""
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise dialects.not_utf8(read_bytes(path)) or FileProblem(0, "file", "the file is not UTF-8; save it as UTF-8") from None


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
    header, sep = tuple(next(csv.reader([first]), [])), ","
    if len(header) == 1 and dialects.separator(first) != ",":
        sep = dialects.separator(first)
        header = tuple(next(csv.reader([first], delimiter=sep), []))
    if not any(name.strip(" ") for name in header):
        raise FileProblem(1, "file", "the first line holds no column names; the header must be the first line")
    if sep != "," or not dialects.plain(header) or dialects.padded_quotes(body):  # re-saved by another tool: the slow path
        plain = dialects.normalised(decoded(path, data[:-1]), sep)  # read_bytes ends data with one LF
        if plain.legacy:
            return legacy_part(path, plain.header, plain.records, plain.notes)
        lines = np.array([line for line, _ in plain.records], dtype=np.int64)
        multiline = any("\n" in cell for _, cells in plain.records for cell in cells)
        return _measured(path, match, plain.header, plain.body() + b"\n", (lines, multiline, plain.notes))
    if dialects.unnamed(header[0]) and len(header) > 1:  # the old wide format: env rows, depth columns
        return legacy_part(path, header, dialects.records(decoded(path, body[:-1]), len(header)))
    return _measured(path, match, header, body, None)


def _measured(path: Path, match: re.Match, header: tuple[str, ...], body: bytes, read) -> Part:
    """A file of the current layout (any schema); `read`: (lines, multiline, notes) where the records were
    read already, else None."""
    env = match.group(1)
    if not r.ENV_RE.match(env):
        raise FileProblem(0, "file", f"<env> in the file name must be 1-64 of a-z 0-9 . _ -, but {env!r} was found")
    _check_header(header)
    if not body.strip(b"\n"):
        raise FileProblem(0, "file", "file has a header but no rows")
    body = body[:-1]
    if read is not None:
        lines, multiline, notes = read
        return Part(str(path), env, header, body, lines, multiline=multiline, notes=notes)
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
    """The file line each record starts on (dialects.records: cell counts, closed quotes, no blank lines)."""
    return np.array(dialects.record_starts(body, width), dtype=np.int64)


def check_cell_counts(part: Part) -> None:
    """Raise FileProblem at the first record whose cell count differs from the header's (or at a byte that is not UTF-8)."""
    record_lines(decoded(Path(part.path), part.body), len(part.header))
