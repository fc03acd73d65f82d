"""Load every results CSV into one tidy, validated DataFrame.

Each file is valid or invalid as a whole: an invalid file contributes problems,
no rows. Nothing here writes anything. Files that share a header (all files a
runner wrote) are parsed and validated in one go, which is what keeps 10,000
files fast; every row keeps its file and line so problems point at them.
"""

from __future__ import annotations

import csv
import importlib.util
import io
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from pandas.api.types import union_categoricals

from collect.contract import record as r
from collect.contract.csvio import FileProblem, read_text
from collect.dataset.validate import Problem, reason_with_value, validate_strings

NAME_RE = re.compile(r"^results_(.+)\.csv$")
MAX_PROBLEMS_PER_FILE = 20
CHUNK_CHARS = 64 * 1024 * 1024
# pyarrow's CSV reader is multi-threaded C++; without it pandas parses the same text, slower.
USE_ARROW = importlib.util.find_spec("pyarrow") is not None


@dataclass
class Loaded:
    frame: pd.DataFrame  # valid rows only; typed; with `file` and `line` columns
    problems: list[Problem] = field(default_factory=list)
    files_ok: list[str] = field(default_factory=list)
    files_bad: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


@dataclass
class _Part:
    path: str
    env: str  # from the file name; "" where the rows carry their own (legacy files)
    header: tuple[str, ...]
    body: str  # the data lines, "\n"-separated, no trailing newline
    line_numbers: np.ndarray  # the file line of each data line


def discover(results_dir: str | Path) -> list[Path]:
    """Every *.csv directly in results_dir, sorted; a missing folder is an empty list."""
    folder = Path(results_dir)
    return sorted(p for p in folder.glob("*.csv") if p.is_file()) if folder.is_dir() else []


def load(paths: list[Path]) -> Loaded:
    problems: list[Problem] = []
    parts: list[_Part] = []
    for path in paths:
        try:
            parts.append(_read_part(Path(path)))
        except FileProblem as exc:
            problems.append(Problem(str(path), exc.line, exc.column, exc.reason))
    for part in parts:
        problems.extend(_header_warnings(part))
    groups: dict[tuple[str, ...], list[_Part]] = {}
    for part in parts:
        groups.setdefault(part.header, []).append(part)
    frames = []
    bad: set[str] = {p.path for p in problems if p.level == "error"}
    for header, members in groups.items():
        for chunk in _chunks(members):
            frame, found = _validate_chunk(header, chunk)
            problems.extend(found)
            bad.update(p.path for p in found if p.level == "error")
            frames.append(_keep(frame, ~np.asarray(frame["file"].isin(list(bad)))) if bad else frame)
    frame = _concat(frames)
    ok = sorted({str(p) for p in paths} - bad)
    return Loaded(frame, problems, ok, sorted(bad))


def _keep(columns: dict[str, object], mask: np.ndarray) -> dict[str, object]:
    return {name: (value[mask] if isinstance(value, np.ndarray) else pd.Categorical(value)[mask]) for name, value in columns.items()}


def _chunks(members: list[_Part]):
    """Groups of files of about CHUNK_CHARS text: bounds the memory one parse needs."""
    chunk, size = [], 0
    for part in members:
        chunk.append(part)
        size += len(part.body)
        if size >= CHUNK_CHARS:
            yield chunk
            chunk, size = [], 0
    if chunk:
        yield chunk


def _read_part(path: Path) -> _Part:
    match = NAME_RE.match(path.name)
    if not match:
        raise FileProblem(None, "file", "name must be results_<env>.csv")
    text = read_text(path)
    first, _, body = text.partition("\n")
    header = tuple(next(csv.reader([first])))
    if len(header) == 1:
        for sep, name in ((";", "';'"), ("\t", "tabs"), ("|", "'|'")):
            if sep in first:
                raise FileProblem(1, "file", f"columns are separated by {name}; results files use commas")
    if header and header[0] in ("", "Unnamed: 0") and len(header) > 1:
        from collect.dataset.legacy import legacy_part  # the old wide format: one env row, depth columns

        return legacy_part(path, header, body)
    env = match.group(1)
    if not r.ENV_RE.match(env):
        raise FileProblem(None, "file", f"<env> in the file name must be 1-64 of a-z 0-9 . _ -, but {env!r} was found")
    missing = [c for c in r.REQUIRED if c not in header]
    if missing:
        raise FileProblem(1, missing[0], "required column is missing" + (f" (also {', '.join(missing[1:])})" if missing[1:] else ""))
    if len(set(header)) != len(header):
        dupes = sorted({c for c in header if header.count(c) > 1})
        raise FileProblem(1, dupes[0], "column appears more than once in the header")
    if not body:
        raise FileProblem(None, "file", "file has a header but no rows")
    body = body[:-1]
    count = body.count("\n") + 1
    if '"' in body or "\n\n" in body or body.startswith("\n"):
        _check_cell_counts(body, count, len(header))  # quoted cells or blank lines: look at each line now
    # Otherwise the parser rejects a wrong cell count, and _validate_chunk then finds the line.
    return _Part(str(path), env, header, body, np.arange(2, count + 2))


def _check_cell_counts(body: str, count: int, width: int) -> None:
    """Every line must be one record with as many cells as the header, with no cell spanning lines."""
    for number, line in enumerate(body.split("\n"), start=2):
        if line.count('"') % 2:
            raise FileProblem(number, "row", "a quoted cell spans lines; cells must not contain line breaks")
        if line == "":
            raise FileProblem(number, "row", "blank line inside the file")
        cells = len(next(csv.reader([line]))) if '"' in line else line.count(",") + 1
        if cells != width:
            raise FileProblem(number, "row", f"has {cells} cells but the header has {width}")


def _header_warnings(part: _Part) -> list[Problem]:
    unknown = [c for c in part.header if c not in r.FIELDS]
    return [Problem(part.path, 1, c, "unknown column, ignored", level="warning") for c in unknown]


def _parse(header: tuple[str, ...], text: str) -> pd.DataFrame:
    """All cells as text, empty cells missing."""
    if not USE_ARROW:
        return pd.read_csv(io.StringIO(text), header=None, names=list(header), dtype=str,
                           keep_default_na=False, na_values=[""], skip_blank_lines=False)
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pacsv.read_csv(
        io.BytesIO(text.encode("utf-8")),
        read_options=pacsv.ReadOptions(column_names=list(header), block_size=16 << 20),
        parse_options=pacsv.ParseOptions(newlines_in_values=False),
        convert_options=pacsv.ConvertOptions(column_types={c: pa.string() for c in header},
                                             strings_can_be_null=True, quoted_strings_can_be_null=True,
                                             null_values=[""]))
    return table.to_pandas()


def _validate_chunk(header: tuple[str, ...], members: list[_Part]) -> tuple[dict[str, object], list[Problem]]:
    try:
        frame = _parse(header, "\n".join(m.body for m in members))
    except Exception:  # a row with too few or too many cells: find it, set its file aside, parse the rest
        problems, good = [], []
        for m in members:
            try:
                _check_cell_counts(m.body, len(m.line_numbers), len(header))
                good.append(m)
            except FileProblem as exc:
                problems.append(Problem(m.path, exc.line, exc.column, exc.reason))
        if len(good) == len(members):
            raise
        columns, found = _validate_chunk(header, good) if good else (_empty_columns(), [])
        return columns, problems + found
    frame = frame[[c for c in header if c in r.FIELDS]]
    for name in r.FIELDS:
        if name not in frame.columns:  # a file of an older schema: the column's meaning there, else empty
            default = r.DEFAULTS_FOR_OLDER.get(name) or np.nan
            frame[name] = pd.Series(default, index=frame.index, dtype=object)
    _fill_backend(frame)
    counts = [len(m.line_numbers) for m in members]
    member_of = np.repeat(np.arange(len(members)), counts)
    file_env = pd.Series(pd.Categorical.from_codes(member_of, [m.env for m in members]), index=frame.index)
    lines = np.concatenate([m.line_numbers for m in members])
    failures, numbers = validate_strings(frame[list(r.FIELDS)], file_env.astype(str))
    columns = _typed(frame, numbers)
    columns["file"] = pd.Categorical.from_codes(member_of, [m.path for m in members])
    columns["line"] = lines
    return columns, _problems(failures, members, member_of, lines)


def _fill_backend(frame: pd.DataFrame) -> None:
    """An empty backend (files before schema 3) is the framework's default: record.default_backend, vectorised
    as category codes (a million Python strings would cost more than the rest of the column work)."""
    missing = frame["backend"].isna().to_numpy(dtype=bool)
    if not missing.any():
        return
    compiled = ((frame["framework"] == "tensorflow") & (frame["workload"] != "matmul")).fillna(False).to_numpy(dtype=bool)
    xla = (frame["xla"] == "on").fillna(False).to_numpy(dtype=bool)
    codes = np.where(compiled, np.where(xla, 2, 1), 0).astype(np.int8)
    derived = pd.Categorical.from_codes(codes, ["eager", "tf_function", "xla"])
    if missing.all():
        frame["backend"] = pd.Series(derived, index=frame.index)
    else:
        frame["backend"] = frame["backend"].astype(object).where(~missing, pd.Series(derived, index=frame.index).astype(object))


def _problems(failures: pd.DataFrame, members, member_of, lines) -> list[Problem]:
    out, per_file = [], {}
    for idx, column, reason, value in failures.itertuples(index=False):
        path = members[member_of[idx]].path
        per_file[path] = per_file.get(path, 0) + 1
        if per_file[path] <= MAX_PROBLEMS_PER_FILE:
            out.append(Problem(path, int(lines[idx]), column, reason_with_value(reason, value, column)))
    for path, count in per_file.items():
        if count > MAX_PROBLEMS_PER_FILE:
            out.append(Problem(path, None, "file", f"{count - MAX_PROBLEMS_PER_FILE} more problems not shown"))
    return out


def _empty_columns() -> dict[str, object]:
    out = {name: (np.array([], dtype=float) if name in r.NUMERIC_COLUMNS else pd.Categorical([])) for name in r.FIELDS}
    return {**out, "file": pd.Categorical([]), "line": np.array([], dtype=int)}


def _text(column: pd.Series) -> pd.Categorical:
    """Text as a categorical, empty cells as "" (filled on the codes, not on a million strings)."""
    cat = pd.Categorical(column)
    if cat.isna().any():
        cat = (cat if "" in cat.categories else cat.add_categories("")).fillna("")
    return cat


def _typed(frame: pd.DataFrame, numbers: dict[str, pd.Series]) -> dict[str, object]:
    """Columns of a chunk: numbers as float (NaN = not measured); text as categories, which keeps
    1M rows small. Columns, not a frame: the frame is built once, after all chunks."""
    columns = {name: (numbers[name].to_numpy() if name in numbers else _text(frame[name])) for name in r.FIELDS}
    columns["world_size"] = np.nan_to_num(columns["world_size"], nan=1.0)  # not stated: one device
    return columns


def _concat(chunks: list[dict[str, object]]) -> pd.DataFrame:
    """One frame from the chunks' columns; categories are unioned so text columns stay categorical."""
    chunks = [c for c in chunks if len(c["file"])] or [_empty_columns()]
    out = {}
    for name in chunks[0]:
        parts = [c[name] for c in chunks]
        if isinstance(parts[0], (pd.Series, pd.Categorical)):
            # Chunks from files of different schemas can hold categories of different dtypes (an all-empty
            # column comes out as object): give them one dtype before the union.
            cats = [pd.Categorical(p) for p in parts]
            cats = [pd.Categorical.from_codes(c.codes, c.categories.astype(object)) for c in cats] if len(cats) > 1 else cats
            out[name] = cats[0] if len(cats) == 1 else union_categoricals(cats)
        else:
            out[name] = parts[0] if len(parts) == 1 else np.concatenate(parts)
    frame = pd.DataFrame(out)
    frame["line"] = frame["line"].astype(int)
    return frame
