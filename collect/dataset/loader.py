"""Load every results CSV into one tidy, validated DataFrame.

Each file is valid or invalid as a whole: an invalid file contributes problems,
no rows. Nothing here writes anything. Files that share a header (all files a
runner wrote) are parsed and validated in one go, which is what keeps 10,000
files fast; every row keeps its file and line so problems point at them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from collect.contract import record as r
from collect.contract.csvio import FileProblem
from collect.dataset import cells
from collect.dataset.cells import Part
from collect.dataset.files import check_cell_counts, discover, read_part
from collect.dataset.validate import Problem, reason_with_value, validate_strings

__all__ = ["Loaded", "discover", "load"]  # discover lives in files.py; callers find all three here

MAX_PROBLEMS_PER_FILE = 20
CHUNK_CHARS = 64 * 1024 * 1024


@dataclass
class Loaded:
    frame: pd.DataFrame  # valid rows only; typed; with `file` and `line` columns
    problems: list[Problem] = field(default_factory=list)
    files_ok: list[str] = field(default_factory=list)
    files_bad: list[str] = field(default_factory=list)


def load(paths: list[Path]) -> Loaded:
    problems: list[Problem] = []
    parts: list[Part] = []
    for path in paths:
        try:
            parts.append(read_part(Path(path)))
        except FileProblem as exc:
            problems.append(Problem(str(path), exc.line, exc.column, exc.reason))
    for part in parts:
        problems.extend(_header_warnings(part))
    groups: dict[tuple[str, ...], list[Part]] = {}
    for part in parts:
        groups.setdefault(part.header, []).append(part)
    frames = []
    bad: set[str] = {p.path for p in problems if p.level == "error"}
    for header, members in groups.items():
        for chunk in _chunks(members):
            frame, found = _validate_chunk(header, chunk)
            problems.extend(found)
            bad.update(p.path for p in found if p.level == "error")
            frames.append(cells.keep(frame, ~np.asarray(frame["file"].isin(list(bad)))) if bad else frame)
    frame = cells.concat(frames)
    ok = sorted({str(p) for p in paths} - bad)
    return Loaded(frame, problems, ok, sorted(bad))


def _chunks(members: list[Part]):
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


def _header_warnings(part: Part) -> list[Problem]:
    unknown = [c for c in part.header if c not in r.FIELDS]
    return [Problem(part.path, 1, c, "unknown column, ignored", level="warning") for c in unknown]


def _validate_chunk(header: tuple[str, ...], members: list[Part]) -> tuple[dict[str, object], list[Problem]]:
    try:
        frame = cells.parse(header, "\n".join(m.body for m in members))
    except Exception as exc:  # a row with too few or too many cells: find it, set its file aside, parse the rest
        return _without_bad_rows(header, members, exc)
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
    columns = cells.typed(frame, numbers)
    columns["file"] = pd.Categorical.from_codes(member_of, [m.path for m in members])
    columns["line"] = lines
    return columns, _problems(failures, members, member_of, lines)


def _without_bad_rows(header: tuple[str, ...], members: list[Part], error: Exception) -> tuple[dict[str, object], list[Problem]]:
    """The files whose every line has the header's cell count, validated; a problem for each other file."""
    problems, good = [], []
    for m in members:
        try:
            check_cell_counts(m.body, len(header))
            good.append(m)
        except FileProblem as exc:
            problems.append(Problem(m.path, exc.line, exc.column, exc.reason))
    if len(good) == len(members):
        raise error  # every line fits: the parser failed for another reason, which must surface
    columns, found = _validate_chunk(header, good) if good else (cells.empty_columns(), [])
    return columns, problems + found


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
