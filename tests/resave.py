"""Re-saves of a valid results file as other tools write them, and what the loader must make of each.

A `Resave` is one way a file comes back from a tool: pandas itself (`read_csv`, then `to_csv` with or without
its index, a float format, another separator or decimal mark, quoting) or a spreadsheet or text editor, emulated
with the csv module (Excel, LibreOffice, Numbers: display formats with upper-case exponents or fewer digits,
thousands separators, ';', tabs or '|' with decimal commas, every cell quoted, reordered and padded columns, spaces
around the separators outside quoted cells (`a , "b, c" , d`), trailing
empty columns and rows, CR or CRLF line ends, a BOM, Windows-1252 or UTF-16, no final newline or blank lines at
the end). `resaved(table, resave)` returns a `Saved`: the bytes, and what the loader must do with them: merge
exactly the values of `expected` (the original's, or its numbers as the tool rounded them), or refuse the file
for the causes in `refusals`, each with the cells (line, column) where it may be reported.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd
from hypothesis import strategies as st

from collect.contract import record as r

# Number display formats: `exponent` is lossless (upper-case E always: 1.2000000000000000E+03); `general` is
# Excel's General (10 significant digits), `short` pandas' common float_format: both round, and the loader
# must read the rounded values.
FORMATS = {"as is": None, "exponent": "%.16E", "general": "%.10G", "short": "%.6g"}
LOSSY = {"general", "short"}
GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*")  # 1,234 or 1.234.567: a group or a decimal?


@dataclass
class Table:
    """A file's cells as the loader reads them (BOM dropped, line breaks as LF)."""

    header: list[str]
    rows: list[list[str]]
    legacy: bool

    def numeric(self, name: str, position: int) -> bool:
        return position > 0 if self.legacy else name in r.NUMERIC_COLUMNS

    def csv(self) -> bytes:
        buf = io.StringIO()
        csv.writer(buf, lineterminator="\n").writerows([self.header, *self.rows])
        return buf.getvalue().encode("utf-8")


def table_of(data: bytes) -> Table:
    text = data.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    records = [row for row in csv.reader(io.StringIO(text)) if row]  # valid files have blank lines only at the end
    return Table(records[0], records[1:], legacy=records[0][0] in ("", "Unnamed: 0"))


@dataclass(frozen=True)
class Resave:
    tool: str = "sheet"  # "sheet": a spreadsheet or editor (the csv module); "pandas": read_csv then to_csv
    index: str = "none"  # "blank": to_csv(index=True); "unnamed": that file read and saved with index=False; "both"
    order: tuple[int, ...] | None = None  # a permutation of the columns (legacy files keep their first)
    numbers: str = "as is"  # a key of FORMATS
    grouping: bool = False  # thousands separators (sheet)
    sep: str = ","
    decimal: str = "."
    quote_all: bool = False
    pad: str = ""  # (sheet) "cells": a space each side of every cell's text, inside its quotes; "after": a space
    # after each separator, outside quotes (`a, "b, c"`); "before": one before it (`"b, c" ,d`); "around": spaces
    # either side of it (`a ,  "b, c" , d`)
    empty_columns: int = 0  # trailing columns with no name and no cells (sheet)
    empty_rows: int = 0  # trailing rows of separators only (sheet)
    encoding: str = "utf-8"  # "utf-8-sig" (BOM), "cp1252" (unencodable characters become '?'), "utf-16"
    newline: str = "\n"
    end: str = "\n"  # "" (no final newline) or "\n\n\n" (blank lines at the end)

    def __str__(self) -> str:  # what differs from a plain csv.writer file
        plain = Resave()
        return "Resave(" + ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if v != getattr(plain, k)) + ")"

    def consistent(self, keep_marks: bool = False) -> Resave:
        """The combination a tool writes: pandas neither pads nor groups nor leaves empty rows or columns; decimal
        commas come with ';' (pandas can write them between commas too: keep_marks, a file that is refused)."""
        out = self
        if out.tool == "pandas":
            out = replace(out, grouping=False, pad="", empty_columns=0, empty_rows=0)
        if out.decimal == "," and out.sep == "," and not keep_marks:
            out = replace(out, sep=";")
        return out


# Each transformation on its own (the others drawn at random around it): the tests force every one in every example.
FEATURES: dict[str, dict] = {
    "pandas": {"tool": "pandas"},
    "pandas index": {"tool": "pandas", "index": "blank"},
    "pandas index read back": {"tool": "pandas", "index": "unnamed"},
    "pandas index twice": {"tool": "pandas", "index": "both"},
    "pandas decimal comma with commas": {"tool": "pandas", "sep": ",", "decimal": ","},
    "sheet index": {"tool": "sheet", "index": "blank"},
    "upper-case exponent": {"numbers": "exponent"},
    "general format": {"numbers": "general"},
    "short format": {"numbers": "short"},
    "thousands separators": {"tool": "sheet", "grouping": True},
    "semicolons": {"sep": ";"},
    "decimal comma": {"sep": ";", "decimal": ","},
    "tabs": {"sep": "\t"},
    "pipes": {"tool": "pandas", "sep": "|"},
    "quoted": {"quote_all": True},
    "reordered": {"order": ()},  # filled with a drawn permutation
    "padded": {"tool": "sheet", "pad": "cells"},
    "padded after separators": {"tool": "sheet", "pad": "after"},
    "padded before separators": {"tool": "sheet", "pad": "before"},
    "padded around separators": {"tool": "sheet", "pad": "around"},
    "padded around semicolons": {"tool": "sheet", "pad": "around", "sep": ";"},
    "padded around tabs": {"tool": "sheet", "pad": "around", "sep": "\t"},
    "empty columns": {"tool": "sheet", "empty_columns": 2},
    "empty rows": {"tool": "sheet", "empty_rows": 2},
    "bom": {"encoding": "utf-8-sig"},
    "windows-1252": {"encoding": "cp1252"},
    "utf-16": {"encoding": "utf-16"},
    "crlf": {"newline": "\r\n"},
    "cr": {"newline": "\r"},
    "no final newline": {"end": ""},
    "blank lines at end": {"end": "\n\n\n"},
}


@st.composite
def resaves(draw, table: Table, feature: str | None = None) -> Resave:
    """A re-save of `table`: `feature` on, each other transformation on with some chance."""
    rare = lambda values: st.sampled_from(values[:1] * 3 + values[1:])  # noqa: E731  mostly the first
    fields = dict(tool=draw(st.sampled_from(["sheet", "pandas"])), index=draw(rare(["none", "blank", "unnamed", "both"])),
                  numbers=draw(rare(list(FORMATS))), grouping=draw(rare([False, True])), sep=draw(rare([",", ";", "\t", "|"])),
                  decimal=draw(rare([".", ","])), quote_all=draw(rare([False, True])), pad=draw(rare(["", "cells", "after", "before", "around"])),
                  empty_columns=draw(rare([0, 1, 3])), empty_rows=draw(rare([0, 1, 2])),
                  encoding=draw(rare(["utf-8", "utf-8-sig", "cp1252", "utf-16"])), newline=draw(rare(["\n", "\r\n", "\r"])),
                  end=draw(rare(["\n", "", "\n\n\n"])))
    fields.update(FEATURES.get(feature, {}))
    if feature == "reordered" or draw(rare([False, True])):
        first = 1 if table.legacy else 0
        rest = draw(st.permutations(range(first, len(table.header))))
        fields["order"] = tuple(range(first)) + tuple(rest)
    return Resave(**fields).consistent(keep_marks=feature == "pandas decimal comma with commas")


@dataclass
class Saved:
    data: bytes
    expected: Table  # the values the loader must merge when nothing is refused
    refusals: dict[str, set[tuple[int, str]]] = field(default_factory=dict)  # cause -> cells where it may be named


def resaved(table: Table, how: Resave) -> Saved:
    order = list(how.order) if how.order else list(range(len(table.header)))
    moved = Table([table.header[j] for j in order], [[row[j] for j in order] for row in table.rows], table.legacy)
    text, expected, grouped = (_pandas if how.tool == "pandas" else _sheet)(moved, how)
    expected = Table(*_unmoved(expected, order), table.legacy)
    if how.end != "\n":
        text = text[: -len(how.newline)] + how.end.replace("\n", how.newline)
    written = _records(text, how.sep, INDEX_WIDTH[how.index])
    refusals = {"thousands": {written.where(i, j) for i, j in grouped} | _ambiguous(written, moved, how.sep)}
    if how.sep == "," and how.decimal == ",":
        refusals["decimal comma"] = {written.where(i, j) for i, j in written.numeric(moved) if "," in written.cell(i, j)}
    refusals["encoding"] = _unreadable(how.encoding, written)
    if how.encoding == "cp1252" and not refusals["encoding"]:  # characters it has not became '?': the values now
        expected.rows = [[cell.encode("cp1252", errors="replace").decode("utf-8") for cell in row] for row in expected.rows]
    data = text.encode(how.encoding, errors="replace")
    return Saved(data, expected, {cause: cells for cause, cells in refusals.items() if cells})


def _unmoved(expected: Table, order: list[int]) -> tuple[list[str], list[list[str]]]:
    back = np.argsort(order)
    return [expected.header[j] for j in back], [[row[j] for j in back] for row in expected.rows]


def _formatted(value: float, how: Resave) -> str:
    form = FORMATS[how.numbers]
    return form % value if form else repr(value)


def _sheet(table: Table, how: Resave):
    """What a spreadsheet (or an editor) writes: display formats, grouping, marks, index, padding, empty cells."""
    cells = [list(row) for row in table.rows]
    expected = [list(row) for row in table.rows]
    grouped = set()
    for j, name in enumerate(table.header):
        if not table.numeric(name, j):
            continue
        for i, row in enumerate(table.rows):
            if row[j] == "":
                continue
            value = float(row[j])
            text = row[j] if how.numbers == "as is" else _formatted(value, how)
            if how.numbers in LOSSY:
                expected[i][j] = text
            if how.grouping and 1000 <= value < 1e15:
                text = f"{value:,.0f}" if name in r.INT_COLUMNS else f"{value:,.6f}"
                grouped.add((i, j))
            cells[i][j] = text.translate(str.maketrans(",.", ".,")) if how.decimal == "," else text
    header, rows = _indexed(list(table.header), cells, how.index)
    if how.pad == "cells":
        header, rows = [f" {c} " for c in header], [[f" {c} " for c in row] for row in rows]
    header += [""] * how.empty_columns
    rows = [row + [""] * how.empty_columns for row in rows]
    text = _ended(_sheet_text([header, *rows], how), how.newline) + (how.sep * (len(header) - 1) + how.newline) * how.empty_rows
    return text, Table(table.header, expected, table.legacy), grouped


JOINS = {"after": "{sep} ", "before": " {sep}", "around": " {sep}  "}  # what stands between two cells of a padded file


def _sheet_text(records: list[list[str]], how: Resave) -> str:
    """The records as the csv module writes them (CRLF ends); with pad "after" or "around", each cell is written
    alone, quoted as it would be in its row, and the cells joined by the separator with spaces outside the quotes."""
    quoting = csv.QUOTE_ALL if how.quote_all else csv.QUOTE_MINIMAL
    if how.pad not in JOINS:
        buf = io.StringIO()
        csv.writer(buf, delimiter=how.sep, lineterminator="\r\n", quoting=quoting).writerows(records)
        return buf.getvalue()

    def cell(value: str) -> str:
        if value == "" and not how.quote_all:  # the csv module writes a lone empty cell as "" to keep its row
            return ""
        buf = io.StringIO()
        csv.writer(buf, delimiter=how.sep, lineterminator="\r\n", quoting=quoting).writerow([value])
        return buf.getvalue()[:-2]

    join = JOINS[how.pad].format(sep=how.sep)
    return "".join(join.join(cell(value) for value in row) + "\r\n" for row in records)


INDEX_NAMES = {"none": [], "blank": [""], "unnamed": ["Unnamed: 0"], "both": ["", "Unnamed: 0"]}
INDEX_WIDTH = {index: len(names) for index, names in INDEX_NAMES.items()}


def _ended(text: str, newline: str) -> str:
    """Records written with CRLF ends (so a cell holding either character is quoted, as Excel does) ended with
    `newline`: table cells hold no CR, so every CRLF ends a record."""
    return text.replace("\r\n", newline)


def _indexed(header: list[str], rows: list[list[str]], index: str):
    names = INDEX_NAMES[index]
    return names + header, [[str(i)] * len(names) + row for i, row in enumerate(rows)]


def _pandas(table: Table, how: Resave):
    """pandas itself: read_csv (text kept as text: no cell becomes NaN), numbers inferred as pandas does, to_csv."""
    frame = _numbers_inferred(pd.read_csv(io.BytesIO(table.csv()), dtype=str, keep_default_na=False), table)
    index = how.index in ("blank", "both")
    if how.index in ("unnamed", "both"):  # saved with its index, read back: the index is a column "Unnamed: 0"
        frame = _numbers_inferred(pd.read_csv(io.StringIO(frame.to_csv()), dtype=str, keep_default_na=False), table, shift=1)
    form = FORMATS[how.numbers]
    text = _ended(frame.to_csv(sep=how.sep, decimal=how.decimal, float_format=form, index=index, lineterminator="\r\n",
                               quoting=csv.QUOTE_ALL if how.quote_all else csv.QUOTE_MINIMAL), how.newline)
    expected = [list(row) for row in table.rows]
    if how.numbers in LOSSY:
        for j, name in enumerate(table.header):
            column = frame.iloc[:, j + (1 if how.index in ("unnamed", "both") else 0)]
            if table.numeric(name, j) and column.dtype.kind == "f":  # float_format touches float columns only
                for i, value in enumerate(column):
                    if not np.isnan(value):
                        expected[i][j] = form % value
    return text, Table(table.header, expected, table.legacy), set()


def _numbers_inferred(frame: pd.DataFrame, table: Table, shift: int = 0) -> pd.DataFrame:
    for j, name in enumerate(table.header):
        if table.numeric(name, j):
            column = frame.columns[j + shift]
            frame[column] = pd.to_numeric(frame[column].replace("", np.nan))
    return frame


@dataclass
class _Written:
    """The file's records as written (cells, separator), with the line each starts on."""

    header: list[str]
    rows: list[list[str]]
    lines: list[int]
    shift: int  # index columns in front of the table's

    def cell(self, i: int, j: int) -> str:
        return self.rows[i][j + self.shift].strip(" ")

    def where(self, i: int, j: int) -> tuple[int, str]:
        """(line, column as the loader names it) of the table's cell (i, j): an unnamed column by its position."""
        k = j + self.shift
        return self.lines[i], self.header[k].strip(" ") or f"column {k + 1}"

    def numeric(self, table: Table) -> list[tuple[int, int]]:
        return [(i, j) for j, name in enumerate(table.header) if table.numeric(name, j)
                for i in range(len(table.rows)) if self.cell(i, j)]


def _records(text: str, sep: str, shift: int) -> _Written:
    reader = csv.reader(io.StringIO(text.replace("\r\n", "\n").replace("\r", "\n")), delimiter=sep,
                        skipinitialspace=True)  # a padded file: `a, "b, c"` is two cells
    records, lines, last = [], [], 0
    for cells in reader:
        lines.append(last + 1)
        last = reader.line_num
        records.append(cells)
    return _Written(records[0], records[1:], lines[1:], shift)


def _ambiguous(written: _Written, table: Table, sep: str) -> set[tuple[int, str]]:
    """In a file separated by ';' or tabs, '1,234' or '1.234' is a decimal or a thousands group; it is read as a
    decimal only where another number shows the decimal mark (1,5 or 0,125 or 1234,5): otherwise it is refused."""
    if sep == ",":
        return set()
    cells = [(i, j, written.cell(i, j)) for i, j in written.numeric(table)]
    marked = [(i, j, c) for i, j, c in cells if ("," in c) != ("." in c)]
    if any(not GROUPED.fullmatch(c) for _, _, c in marked):
        return set()
    return {written.where(i, j) for i, j, _ in marked}


def _unreadable(encoding: str, written: _Written) -> set[tuple[int, str]]:
    """The cells a UTF-8 reader cannot read. Windows-1252 writes '?' for a character it has not; one it has is a
    byte that is not UTF-8 (where such bytes happen to be UTF-8, the loader reads what UTF-8 makes of them)."""
    if encoding != "cp1252":
        return set()
    out = set()
    for i, row in enumerate(written.rows):
        for k, cell in enumerate(row):
            try:
                cell.encode("cp1252", errors="replace").decode("utf-8")
            except UnicodeDecodeError:
                out.add((written.lines[i], written.header[k].strip(" ") or f"column {k + 1}"))
    return out
