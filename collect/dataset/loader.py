"""Load every results CSV into one tidy, validated DataFrame.

Each file is valid or invalid as a whole: an invalid file contributes problems,
no rows. Nothing here writes anything. Files that share a header (all files a
runner wrote) are parsed and validated in one go, which is what keeps 10,000
files fast; every row keeps its file and line so problems point at them.
"""

from __future__ import annotations

import os
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
KNOWN = frozenset(r.FIELDS)  # a set: 10,000 headers of 60 names looked up in a tuple took 0.2 s
CHUNK_CHARS = 64 * 1024 * 1024


@dataclass
class Loaded:
    frame: pd.DataFrame  # valid rows only; typed; with `file` and `line` columns
    problems: list[Problem] = field(default_factory=list)
    files_ok: list[str] = field(default_factory=list)
    files_bad: list[str] = field(default_factory=list)


def load(paths: list[Path]) -> Loaded:
    """Read, validate and merge the files. Files sharing a header are parsed together in chunks of about
    CHUNK_CHARS; a chunk is parsed as soon as it is full, so no more than a chunk per header is held as text."""
    paths = unique(paths)
    order = {str(p): i for i, p in enumerate(paths)}
    problems: list[Problem] = []
    pending: dict[tuple[str, ...], list[Part]] = {}
    size: dict[tuple[str, ...], int] = {}
    frames, bad = [], set()

    def parse(header: tuple[str, ...]) -> None:
        size.pop(header)
        frame, found = _validate_chunk(header, pending.pop(header))
        problems.extend(found)
        mine = {p.path for p in found if p.level == "error"}
        bad.update(mine)
        frames.append(cells.keep(frame, ~np.asarray(frame["file"].isin(list(mine)))) if mine else frame)

    for path in paths:
        try:
            part = read_part(Path(path))
        except FileProblem as exc:
            problems.append(Problem(str(path), exc.line or 0, exc.column, exc.reason))
            bad.add(str(path))
            continue
        problems.extend(_header_warnings(part))
        pending.setdefault(part.header, []).append(part)
        size[part.header] = size.get(part.header, 0) + len(part.body)
        if size[part.header] >= CHUNK_CHARS:
            parse(part.header)
    for header in list(pending):
        parse(header)
    problems.sort(key=lambda p: order.get(p.path, len(order)))  # file by file, in the order given; stable within
    frame = cells.concat(frames)
    ok = sorted({str(p) for p in paths} - bad)
    return Loaded(frame, problems, ok, sorted(bad))


def unique(paths: list[Path]) -> list[Path]:
    """Each file once, even when it is both in the folder and named on the command line."""
    seen: dict[str, Path] = {}
    for path in paths:
        seen.setdefault(os.path.normcase(os.path.abspath(path)), Path(path))
    return list(seen.values())


def _header_warnings(part: Part) -> list[Problem]:
    unknown = [c for c in part.header if c not in KNOWN]
    notes = [Problem(part.path, line, column, reason, level="warning") for line, column, reason in part.notes]
    return notes + [Problem(part.path, 1, c, "unknown column, ignored", level="warning") for c in unknown]


def _validate_chunk(header: tuple[str, ...], members: list[Part], fallback: bool = True) -> tuple[dict[str, object], list[Problem]]:
    counts = [len(m.line_numbers) for m in members]
    try:
        frame = cells.parse(header, b"\n".join(m.body for m in members), any(m.multiline for m in members))
        if len(frame) != sum(counts):
            raise ValueError("the parser found other records than the reader")
    except Exception as exc:  # a row with too few or too many cells: find it, set its file aside, parse the rest
        if not fallback:
            raise
        return _without_bad_rows(header, members, exc)
    frame = frame[[c for c in header if c in r.FIELDS]]
    cells.strip_spaces(frame)
    for name in r.FIELDS:
        if name not in frame.columns:  # a file of an older schema: the column's meaning there, else empty
            default = r.DEFAULTS_FOR_OLDER.get(name) or np.nan
            frame[name] = pd.Series(default, index=frame.index, dtype=object)
    _fill_backend(frame)
    _fill_protocol(frame)
    member_of = np.repeat(np.arange(len(members)), counts)
    env_codes, envs = pd.factorize(np.array([m.env for m in members], dtype=object))  # legacy members share ""
    file_env = pd.Series(pd.Categorical.from_codes(env_codes[member_of], envs), index=frame.index)
    lines = np.concatenate([m.line_numbers for m in members])
    frame = frame[list(r.FIELDS)]
    numbers = cells.numbers(frame)  # a column with a padded cell is stripped here: a cell of spaces is empty
    failures, numbers = validate_strings(frame, file_env.astype(str), member_of, numbers)
    columns = cells.typed(frame, numbers)
    columns["file"] = pd.Categorical.from_codes(member_of, [m.path for m in members])
    columns["line"] = lines
    return columns, _problems(failures, members, member_of, lines)


def _without_bad_rows(header: tuple[str, ...], members: list[Part], error: Exception) -> tuple[dict[str, object], list[Problem]]:
    """The files whose every record has the header's cell count and parses alone, validated; a problem for each other."""
    problems, good = [], []
    for m in members:
        try:
            check_cell_counts(m)
            if len(members) == 1 or len(cells.parse(header, m.body, m.multiline)) != len(m.line_numbers):
                raise FileProblem(0, "file", f"cannot be read as CSV ({type(error).__name__}: {_first_line(error)})")
            good.append(m)
        except FileProblem as exc:
            problems.append(Problem(m.path, exc.line or 0, exc.column, exc.reason))
        except Exception as exc:
            problems.append(Problem(m.path, 0, "file", f"cannot be read as CSV ({type(exc).__name__}: {_first_line(exc)})"))
    if not good:
        return cells.empty_columns(), problems
    try:
        columns, found = _validate_chunk(header, good, fallback=False)
    except Exception:  # each parses alone but not together: validate them one by one
        results = [_validate_chunk(header, [m], fallback=False) for m in good]
        frame = cells.concat([columns for columns, _ in results])
        columns = {name: frame[name].array if isinstance(frame[name].dtype, pd.CategoricalDtype) else frame[name].to_numpy()
                   for name in frame.columns}
        found = [p for _, problems_of in results for p in problems_of]
    return columns, problems + found


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [""])[0][:200]


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


def _fill_protocol(frame: pd.DataFrame) -> None:
    """An empty protocol (files before schema 5) is what the row's source and note say (record.protocol_of): the
    source decides, and for measured rows whether the note starts as a classic-protocol row's does, looked at once
    per distinct note (a million rows cost what their distinct notes cost)."""
    missing = frame["protocol"].isna().to_numpy(dtype=bool)
    if not missing.any():
        return
    source = frame["source"].astype(object).to_numpy()
    note = frame["note"] if isinstance(frame["note"].dtype, pd.CategoricalDtype) else frame["note"].astype("category")
    starts = np.asarray([str(v).startswith(r.CLASSIC_NOTE) for v in note.cat.categories] + [False], dtype=bool)
    classic = starts[note.cat.codes.to_numpy()]
    # record.protocol_of decides, once per distinct (source, classic note or not): its rule lives in one place
    codes, sources = pd.factorize(source.astype(str))
    told = [r.protocol_of(str(name), r.CLASSIC_NOTE if note else "") for name in sources for note in (False, True)]
    derived = np.asarray(told, dtype=object)[codes * 2 + classic]
    column = frame["protocol"].astype(object).to_numpy(copy=True)
    column[missing] = derived[missing]
    frame["protocol"] = pd.Series(column, index=frame.index)


def _problems(failures: pd.DataFrame, members, member_of, lines) -> list[Problem]:
    out, per_file = [], {}
    for idx, column, reason, value in failures.itertuples(index=False):
        path = members[member_of[idx]].path
        per_file[path] = per_file.get(path, 0) + 1
        if per_file[path] <= MAX_PROBLEMS_PER_FILE:
            out.append(Problem(path, int(lines[idx]), column, reason_with_value(reason, value, column)))
    for path, count in per_file.items():
        if count > MAX_PROBLEMS_PER_FILE:
            out.append(Problem(path, 0, "file", f"{count - MAX_PROBLEMS_PER_FILE} more problems not shown"))
    return out
