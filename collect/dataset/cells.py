"""Text cells into typed columns: the parsing every other dataset module stands on.

`Part` is the text of one file's rows, as files.py and legacy.py read it; `USE_ARROW` is the
one switch saying whether pyarrow parses (tests turn it off to compare both paths). Nothing
here validates: validate.py decides which cells are wrong, using the numbers parsed here.
Spaces around a cell are no part of its value (strip_spaces), and a number written as a
spreadsheet shows it (1,234.5) gets its cause named (number_hint).
"""

from __future__ import annotations

import importlib.util
import io
import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collect.contract import record as r

# pyarrow's CSV reader is multi-threaded C++; without it pandas parses the same text, slower.
NUMERIC = frozenset(r.NUMERIC_COLUMNS)
USE_ARROW = importlib.util.find_spec("pyarrow") is not None


@dataclass
class Part:
    """The rows of one file, still text: what the loader parses and validates, many files at once."""

    path: str
    env: str  # from the file name; "" where the rows carry their own (legacy files)
    header: tuple[str, ...]
    body: bytes  # the data lines, UTF-8 (checked by the parser), "\n"-separated, no trailing newline
    line_numbers: np.ndarray  # the file line each record starts on
    multiline: bool = False  # a quoted cell holds a line break: records and lines differ
    notes: tuple[tuple[int, str, str], ...] = ()  # warnings about the file as read: (line, column, reason)


def parse(header: tuple[str, ...], text: bytes, multiline: bool = False) -> pd.DataFrame:
    """All cells as text, empty cells missing. Raises when a line has too few or too many cells, or is not UTF-8."""
    if not USE_ARROW:
        return pd.read_csv(io.BytesIO(text), header=None, names=list(header), dtype=str, engine="c", encoding="utf-8",
                           keep_default_na=False, na_values=[""], skip_blank_lines=False)
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        io.BytesIO(text),
        read_options=pacsv.ReadOptions(column_names=list(header), block_size=1 << 20),  # blocks for every core
        parse_options=pacsv.ParseOptions(newlines_in_values=multiline),
        # Text columns arrive dictionary-encoded (pandas categoricals: a few distinct names, not a million strings);
        # numbers stay text here, parse_numbers reads them and the validator quotes a bad one as written.
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() if c in NUMERIC else pa.dictionary(pa.int32(), pa.string())
                                                           for c in header},
                                             strings_can_be_null=True, quoted_strings_can_be_null=True,
                                             null_values=[""]))
    return table.to_pandas()


def parse_numbers(column: pd.Series) -> pd.Series:
    """Text cells as float64; NaN where empty or not a number."""
    values = _cast(column)
    # a cell that is not a number (or no pyarrow): the slower, forgiving parser
    return values if values is not None else pd.to_numeric(column, errors="coerce").astype(float)


def _cast(column: pd.Series) -> pd.Series | None:
    """pyarrow's cast of every cell to float64; None where one cell is no number as pyarrow reads them."""
    if not USE_ARROW:
        return None
    try:
        import pyarrow as pa
        import pyarrow.compute as pc

        values = pc.cast(pa.array(column, type=pa.string(), from_pandas=True), pa.float64())
        return pd.Series(values.to_numpy(zero_copy_only=False), index=column.index)
    except Exception:
        return None


def numbers(frame: pd.DataFrame) -> dict[str, pd.Series]:
    """The numeric columns parsed. A column pyarrow cannot cast (a padded cell, or one that is no number) has
    the spaces around its cells stripped in `frame` first, so a cell of spaces is empty, as in text columns."""
    out = {}
    for name in r.NUMERIC_COLUMNS:
        values = _cast(frame[name])
        if values is None:
            if _textual(frame[name].dtype):
                frame[name] = _stripped(frame[name])
            values = pd.to_numeric(frame[name], errors="coerce").astype(float)
        out[name] = values
    return out


def strip_spaces(frame: pd.DataFrame) -> None:
    """Strip the spaces around text cells (a tool that pads cells, an editor aligning columns): on the categories
    of a column, a few names rather than a million cells. A cell of spaces only is empty."""
    for name in frame.columns:
        column = frame[name]
        if isinstance(column.dtype, pd.CategoricalDtype) and _textual(column.cat.categories.dtype):
            names = pd.Index(column.cat.categories.astype(str))
            if (names.str.startswith(" ") | names.str.endswith(" ")).any():
                frame[name] = _recoded(column, names.str.strip(" "))
        elif name not in NUMERIC and _textual(column.dtype):  # the parser without pyarrow: plain strings
            frame[name] = _stripped(column)


def _textual(dtype) -> bool:
    return pd.api.types.is_string_dtype(dtype)  # object (pandas 2) or str (pandas 3)


def _recoded(column: pd.Series, names: pd.Index) -> pd.Series:
    codes, unique = pd.factorize(np.asarray(names, dtype=object))
    old = column.cat.codes.to_numpy()
    new = np.where(old >= 0, codes[old], -1)
    new[np.isin(new, np.flatnonzero(unique == ""))] = -1  # a cell of spaces only is empty
    return pd.Series(pd.Categorical.from_codes(new, unique), index=column.index)


def _stripped(column: pd.Series) -> pd.Series:
    text = column.astype(object)
    present = text.notna().to_numpy()
    if not present.any():
        return column
    values = text.to_numpy(copy=True)
    values[present] = [str(v).strip(" ") or None for v in values[present]]
    return pd.Series(values, index=column.index, dtype=object)


# A number as a spreadsheet's number format shows it. GROUPED: 1,234 or 1.234.567, a thousands group or a decimal.
GROUPED = re.compile(r"[+-]?[1-9]\d{0,2}(?:([.,])\d{3})(?:\1\d{3})*")
SPACE_GROUPED = re.compile(r"[+-]?\d{1,3}(?:([ \u00a0\u202f'])\d{3})(?:\1\d{3})*(?:[.,]\d+)?")
THOUSANDS = ("{mark!r} is a thousands separator here, as a spreadsheet's number format shows one; save the numbers "
             "without thousands separators (number format General)")
AMBIGUOUS = ("{mark!r} may be a thousands separator or a decimal mark, and no other number in the file shows which; "
             "save the numbers without thousands separators")
AMBIGUOUS_COMMA = ("',' may be a thousands separator or a decimal comma; save the numbers without thousands "
                   "separators, with '.' as the decimal mark")
DECIMAL_COMMA = ("it has a decimal comma, but the file's columns are separated by commas; save it with '.' as the "
                 "decimal mark (or with ';' separators, as a spreadsheet in a decimal-comma locale does: those are "
                 "read with decimal commas)")


def number_hint(value: str) -> str:
    """Why a cell of a comma-separated file is no number, where a spreadsheet's number format is the cause; ""
    where it is not. Files separated otherwise have their marks read by dialects.py first."""
    text = value.strip(" ")
    if "," in text and "." in text:
        return THOUSANDS.format(mark=text[min(text.index(","), text.index("."))])
    spaced = SPACE_GROUPED.fullmatch(text)
    if spaced:
        return THOUSANDS.format(mark=spaced.group(1))
    if "," in text and re.search(r"\d,\d", text):
        return AMBIGUOUS_COMMA if GROUPED.fullmatch(text) else DECIMAL_COMMA
    return ""


# A text cell a spreadsheet opening the merged data (results.csv, a board's or an env's CSV) would run as a formula:
# CSV injection (OWASP). '=', '+' and '@' start one; a tab or a carriage return is skipped before them by some
# importers. The loader reads a CR inside a cell as LF, so a line break first is refused as a CR. '-' is allowed,
# though OWASP lists it too: "-", "- none" and "-2" are ordinary notes, and refusing them would turn away files a
# runner wrote; the site's and the report's downloads still put a ' before a '-' (csvCell, report.py).
FORMULA = re.compile(r"[=+@\t\r\n]")
FORMULA_REASON = ("must not start with '=', '+', '@', a tab or a line break: a spreadsheet opening the merged data would "
                  "run it as a formula")
FORMULA_FIX = ("start it otherwise, e.g. with an apostrophe (') as a spreadsheet marks text, or reword it; a leading "
               "space is not enough (spaces around a cell are dropped)")


def formula_like(column: pd.Series) -> pd.Series:
    """True for the text cells a spreadsheet would run as a formula (FORMULA); False where empty."""
    if isinstance(column.dtype, pd.CategoricalDtype):  # on the few categories, not on a million cells
        starts = np.append(_starts_formula(column.cat.categories.astype(str)), False)
        return pd.Series(starts[column.cat.codes.to_numpy()], index=column.index)
    present = column.notna().to_numpy()
    out = np.zeros(len(column), dtype=bool)
    out[present] = _starts_formula(column[present].astype(str))
    return pd.Series(out, index=column.index)


def _starts_formula(values) -> np.ndarray:
    return np.fromiter((bool(FORMULA.match(v)) for v in values), dtype=bool, count=len(values))


def formula_reason(value: str) -> str:
    """The whole reason for a formula-like cell: the rule, the cell as found, and the fix."""
    return f"{FORMULA_REASON}, but {value!r} was found; {FORMULA_FIX}"


def text(column: pd.Series) -> pd.Categorical:
    """Text as a categorical, empty cells as "" (filled on the codes, not on a million strings)."""
    cat = pd.Categorical(column)
    if cat.isna().any():
        cat = (cat if "" in cat.categories else cat.add_categories("")).fillna("")
    return cat


def typed(frame: pd.DataFrame, numbers: dict[str, pd.Series]) -> dict[str, object]:
    """Columns of a chunk: numbers as float (NaN = not measured); text as categories, which keeps
    1M rows small. Columns, not a frame: the frame is built once, after all chunks."""
    columns = {name: (numbers[name].to_numpy() if name in numbers else text(frame[name])) for name in r.FIELDS}
    columns["world_size"] = np.nan_to_num(columns["world_size"], nan=1.0)  # not stated: one device
    return columns


def empty_columns() -> dict[str, object]:
    out = {name: (np.array([], dtype=float) if name in r.NUMERIC_COLUMNS else pd.Categorical([])) for name in r.FIELDS}
    return {**out, "file": pd.Categorical([]), "line": np.array([], dtype=int)}


def keep(columns: dict[str, object], mask: np.ndarray) -> dict[str, object]:
    """The rows of a chunk's columns where mask is True."""
    return {name: (value[mask] if isinstance(value, np.ndarray) else pd.Categorical(value)[mask])
            for name, value in columns.items()}


def concat(chunks: list[dict[str, object]]) -> pd.DataFrame:
    """One frame from the chunks' columns; categories are unioned so text columns stay categorical."""
    chunks = [c for c in chunks if len(c["file"])] or [empty_columns()]
    out = {}
    for name in chunks[0]:
        parts = [c[name] for c in chunks]
        if isinstance(parts[0], (pd.Series, pd.Categorical)):
            out[name] = union([pd.Categorical(p) for p in parts])
        else:
            out[name] = parts[0] if len(parts) == 1 else np.concatenate(parts)
    frame = pd.DataFrame(out, copy=False)  # a block per column: no copy of a million rows into one 2-D block
    frame["line"] = frame["line"].astype(int)
    return frame


def union(parts: list[pd.Categorical]) -> pd.Categorical:
    """One categorical from several, recoded through their (few) categories: chunks from files of different
    schemas can hold categories of different dtypes (an all-empty column comes out as object), so all are str."""
    if len(parts) == 1:
        return parts[0]
    names = [np.asarray(p.categories.astype(str), dtype=object) for p in parts]
    categories = pd.Index(pd.unique(np.concatenate(names)), dtype=object)
    codes = [np.append(categories.get_indexer(n), -1)[p.codes] for n, p in zip(names, parts, strict=True)]
    return pd.Categorical.from_codes(np.concatenate(codes), categories)
