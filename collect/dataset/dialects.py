"""Files other tools re-saved, read back as the results file they were: the slow path of files.py.

files.py reads a file whose first line is a comma-separated header of plain column names on its fast path.
Any other file is read here record by record (Python's csv module) and handed on as that plain CSV.

Accepted, with the values the tool holds (pandas, Excel, LibreOffice, Numbers, a text editor):
  - pandas `to_csv` with its index: leading columns named "" or "Unnamed: 0" are dropped (a warning says so);
  - ';', tab or '|' separators, and in such files decimal commas (1,5 or 1,2E+03): a spreadsheet in a
    decimal-comma locale saves ';' with them;
  - spaces around column names, columns with no name and no cells, rows of empty cells at the end (a
    spreadsheet's used range); spaces around cells are stripped for every file (cells.strip_spaces);
  - spaces around the separators outside quoted cells (`a , "b, c" , d`), whatever the quoted cells hold
    (separators, doubled quotes, line breaks): read as the unpadded file;
  - and on the fast path too: a UTF-8 or UTF-16 byte order mark, CRLF or CR line ends, no final newline or
    blank lines at the end, every cell quoted, columns in any order, exponents in any case (1.2E+03), numbers
    rounded by a display format (read as written).
Refused at the line and column where the cause is, saying how to fix it:
  - a byte that is not UTF-8: an 8-bit encoding such as Windows-1252, as Excel's plain "CSV" saves;
  - thousands separators (1,234.5; 1.234,5), a decimal comma between comma separators, and a number that is
    either (1,234) where no other number in the file shows the decimal mark: a guess could be off 1000-fold;
  - a column with no name that holds values.
"""

from __future__ import annotations

import csv
import functools
import io
import re
from dataclasses import dataclass

from collect.contract import record as r
from collect.contract.csvio import FileProblem
from collect.dataset.cells import AMBIGUOUS, GROUPED, THOUSANDS

UNNAMED = re.compile(r"Unnamed: \d+(?:\.\d+)?")  # what pandas calls a column without a name (.1: a second one)
SEPARATORS = (";", "\t", "|")
INDEX_NOTE = "a column with no name before the others (the index pandas writes without index=False), ignored"
NUMBERISH = re.compile(r"[+-]?[\d.,]*\d[\d.,]*(?:[eE][+-]?\d+)?")  # digits and marks, perhaps an exponent
PADDED_QUOTE = re.compile(rb'(?:^|,) +"|" +(?:,|$)', re.MULTILINE)
MIXED = "the file's numbers use both ',' and '.' as the decimal mark; save them with one ('.')"


def separator(first: str) -> str:
    """The separator of a header line: ',' unless the line holds none and one of SEPARATORS."""
    if len(next(csv.reader([first]), [])) > 1:
        return ","
    counts = {sep: first.count(sep) for sep in SEPARATORS}
    best = max(counts, key=counts.get)
    return best if counts[best] else ","


def padded_quotes(body: bytes) -> bool:
    """True where a quote may open a cell after spaces (`, "b, c"`) or a space may follow one that closes it: a
    parser that takes only a quote at the cell's first byte as one would split such a cell, so records() reads
    the file. A match inside a quoted cell (a doubled quote after a comma) costs only that slower reading."""
    return b'"' in body and bool(PADDED_QUOTE.search(body))


def unnamed(name: str) -> bool:
    name = name.strip(" ")
    return not name or bool(UNNAMED.fullmatch(name))


def label(names, k: int) -> str:
    """A column as problems name it: its name, or its position where it has none."""
    return names[k].strip(" ") or f"column {k + 1}"


@functools.lru_cache(maxsize=256)  # 10,000 files share a few headers
def plain(header: tuple[str, ...]) -> bool:
    """True for a comma header the fast path reads as it is: names without spaces around them, none unnamed
    but the first of an old wide (legacy) file, whose other names are depths."""
    if any(name != name.strip(" ") for name in header) or any(unnamed(name) for name in header[1:]):
        return False
    return not (header and unnamed(header[0])) or not any(name in r.FIELDS for name in header[1:])


class _Lenient(Exception):
    """Strict reading failed on something a lenient reading accepts."""


def records(text: str, width: int | None, sep: str = ",", first: int = 2) -> list[tuple[int, list[str]]]:
    """(line it starts on, cells) of each record of text, whose first line is line `first`. Every record must
    have `width` cells (None: as many as the first); a quoted cell may hold separators, quotes and line breaks,
    but must be closed; blank lines are refused."""
    try:
        return list(_records(text, width, sep, first, strict=True))
    except _Lenient:  # a quote inside an unquoted cell (a"b): read it literally, as the CSV parser does
        return list(_records(text, width, sep, first, strict=False))


def record_starts(text: str, width: int) -> list[int]:
    """The line each record of a comma-separated body starts on (line 2 first), checked as `records` checks
    them, without keeping the cells of a large file."""
    try:
        return [line for line, _ in _records(text, width, ",", 2, strict=True)]
    except _Lenient:
        return [line for line, _ in _records(text, width, ",", 2, strict=False)]


def _records(text: str, width: int | None, sep: str, first: int, strict: bool):
    if not text:  # a header and no rows
        return
    # skipinitialspace: a spreadsheet that pads cells writes `a, "b, c"`; without it the quote is no quote there
    # and the cell's separators split it (a row "has 65 cells"). A space after a closing quote (`"b, c" ,`) is
    # read by the lenient pass; spaces around a cell are no part of its value either way.
    reader = csv.reader(io.StringIO(text + "\n"), delimiter=sep, strict=strict, skipinitialspace=True)
    last = first - 1
    while True:
        start = last + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            if "unexpected end of data" in str(exc):
                raise FileProblem(start, "row", "a quoted cell is never closed") from None
            if strict and "field larger" not in str(exc):
                raise _Lenient from None
            raise FileProblem(start, "row", f"cannot be read as CSV: {exc}") from None
        last = reader.line_num + first - 1
        if not cells:
            raise FileProblem(start, "row", "blank line inside the file")
        width = width or len(cells)
        if len(cells) != width:
            raise FileProblem(start, "row", f"has {len(cells)} cells but the header has {width}")
        yield start, cells


@dataclass
class Normalised:
    """A re-saved file as the plain CSV it stands for."""

    header: tuple[str, ...]
    records: list[tuple[int, list[str]]]  # (line in the file, cells)
    legacy: bool  # the old wide format: env names down the first column ("" in header), depths across
    notes: tuple[tuple[int, str, str], ...]  # warnings: (line, column, reason)

    def body(self) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows(cells for _, cells in self.records)
        return buf.getvalue()[:-1].encode("utf-8")


def normalised(text: str, sep: str) -> Normalised:
    """The file (header line first) as plain CSV; raises FileProblem where that cannot be done without a guess."""
    rows = records(text, None, sep, first=1)
    names = [name.strip(" ") for name in rows[0][1]]
    rows = [(line, [cell.strip(" ") for cell in cells]) for line, cells in rows[1:]]
    while rows and not any(rows[-1][1]):  # a spreadsheet's empty rows below the data
        rows.pop()
    keep, legacy, notes = _columns(names, rows)
    header = tuple("" if legacy and j == 0 else names[k] for j, k in enumerate(keep))
    rows = [(line, [cells[k] for k in keep]) for line, cells in rows]
    if sep != ",":
        numeric = [j for j, name in enumerate(header) if (j > 0 if legacy else name in r.NUMERIC_COLUMNS)]
        _read_marks(rows, numeric, header)
    return Normalised(header, rows, legacy, notes)


def _columns(names: list[str], rows) -> tuple[list[int], bool, tuple]:
    """Which columns to keep, whether the file is a legacy one, and the warnings. Leading unnamed columns are
    pandas' index (a legacy file keeps the last: its env names); other unnamed columns must be empty."""
    if not any(names):
        raise FileProblem(1, "file", "the first line holds no column names; the header must be the first line")
    lead = next((k for k, name in enumerate(names) if not unnamed(name)), len(names))
    legacy = lead > 0 and not any(name in r.FIELDS for name in names[lead:])
    index = range(lead - 1 if legacy else lead)
    keep = []
    for k, name in enumerate(names):
        if k in index:
            continue
        if k >= lead and unnamed(name):
            filled = next((line for line, cells in rows if cells[k]), None)
            if filled is not None:
                raise FileProblem(filled, label(names, k), "holds a value, but its column has no name in the header; "
                                                           "name the column or delete it")
            continue  # an empty column of a spreadsheet's used range
        keep.append(k)
    return keep, legacy, tuple((1, label(names, k), INDEX_NOTE) for k in index)


def _read_marks(rows, numeric: list[int], header) -> None:
    """Decimal commas in the numeric cells of a file separated otherwise than by commas, as '.' (in place).
    The file's decimal mark is the one a number shows unambiguously (1,5; 0,125; 1,2E+03); 1,234 or 1.234 alone
    could be a thousands group, and is refused where no number shows the mark."""
    cells = [row[j] for _, row in rows for j in numeric if row[j]]
    shown = {_marks(cell) for cell in cells if _marks(cell) in (",", ".") and not GROUPED.fullmatch(cell)}
    decimal = shown.pop() if len(shown) == 1 else ("mixed" if shown else None)
    for line, row in rows:
        for j in numeric:
            mark = _marks(row[j])
            if not mark or mark == decimal == ".":
                continue  # no mark, or no number: the validator says what is wrong with it
            why = _why(row[j], mark, decimal)
            if why:
                raise FileProblem(line, header[j], f"must be a number, but {row[j]!r} was found: {why}")
            row[j] = row[j].replace(",", ".")


def _marks(cell: str) -> str:
    """The marks of a number: ',' or '.' (one of them, any number of times), "both", or "" where the cell holds
    none or is no number."""
    if not NUMBERISH.fullmatch(cell):
        return ""
    comma, dot = "," in cell, "." in cell
    return "both" if comma and dot else "," if comma else "." if dot else ""


def _why(cell: str, mark: str, decimal: str | None) -> str:
    if mark == "both":  # 1,234.5 or 1.234,5
        return THOUSANDS.format(mark=cell[min(cell.index(","), cell.index("."))])
    if decimal == "mixed":
        return MIXED
    if decimal is None:  # every marked number is 1,234 or 1.234.567
        return AMBIGUOUS.format(mark=mark)
    return "" if mark == decimal else THOUSANDS.format(mark=mark)


def not_utf8(data: bytes) -> FileProblem | None:
    """Where the first byte that is not UTF-8 is (line, and the column of its cell), and what the file is."""
    try:
        data.decode("utf-8")
        return None
    except UnicodeDecodeError as exc:
        start = exc.start
    line, byte = data[:start].count(b"\n") + 1, data[start]
    if b"\x00" in data:
        return FileProblem(line, "file", f"byte 0x{byte:02x} is not UTF-8 and the file holds NUL bytes: it is not "
                                         "text (or UTF-16 without a byte order mark); save it as UTF-8")
    char = bytes([byte]).decode("cp1252", errors="replace")
    line, column = _cell_at(data, line)
    return FileProblem(line, column,
                       f"byte 0x{byte:02x} is not UTF-8: the file is in an 8-bit encoding such as Windows-1252 "
                       f"(where it is {char!r}), as Excel's plain \"CSV\" saves; save it as UTF-8 (Excel: "
                       "\"CSV UTF-8\"; LibreOffice: character set Unicode (UTF-8))")


def _cell_at(data: bytes, line: int) -> tuple[int, str]:
    """(line the record starts on, column) of the first cell that is not UTF-8 in the record holding `line`;
    (line, "file") in the header or where the records cannot be told apart."""
    if line == 1:
        return line, "file"
    text = data.decode("latin-1")  # one character per byte: never fails
    reader = csv.reader(io.StringIO(text), delimiter=separator(text.partition("\n")[0]), strict=False,
                        skipinitialspace=True)
    try:
        header, start = next(reader), 2
        for cells in reader:
            if reader.line_num >= line:
                bad = [k for k, cell in enumerate(cells) if _latin1_not_utf8(cell)]
                return (start, label(header, bad[0])) if bad and bad[0] < len(header) else (line, "file")
            start = reader.line_num + 1
    except csv.Error:
        pass
    return line, "file"


def _latin1_not_utf8(cell: str) -> bool:
    try:
        cell.encode("latin-1").decode("utf-8")
        return False
    except UnicodeDecodeError:
        return True
