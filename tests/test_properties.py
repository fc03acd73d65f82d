"""Property-based tests of the results side: whatever files a contributor makes, they merge or are named.

  - any 1-20 valid files (every schema layout, legacy wide files, BOM, CRLF, quoted commas and line breaks,
    formula-like and non-ASCII text, repeat run ids, published rows, an env in a legacy and a measured file)
    merge with exactly the sum of their rows;
  - every broken file is reported as FILE:LINE: column: reason (line 0: the whole file), at its first
    problem where that is known, and the valid files beside it still merge;
  - plot_results.py on such a mix never fails with an unexpected error, and writes every output;
  - a valid file padded as spreadsheets pad (spaces before or after the ',', ';' or tab separators, outside the
    quotes) whose quoted cells hold the separator, doubled quotes and line breaks merges with the same values.

In `make test` the examples are derived from a fixed seed and bounded (well under a minute together). A longer,
randomised run (docs/development.md, "Tests"):

    DEVICEBENCH_EXAMPLES=2000 .venv/bin/python -m pytest -p no:cacheprovider tests/test_properties.py --hypothesis-show-statistics

(DEVICEBENCH_NO_SHRINK=1 reports a failing example as found, without minutes of shrinking a slow one.)
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from resave import Resave, resaved, table_of
from results_files import BROKEN, ENV, File, bounded, broken_file, measured_file, valid_folder

import plot_results
from collect.contract import record as r
from collect.dataset.loader import load
from collect.dataset.validate import FREE_TEXT

LINE = re.compile(r"^(?P<path>.+?):(?P<line>\d+): (?P<column>.*?): (?P<reason>.+)$")


def written(folder: Path, files: list[File]) -> list[Path]:
    paths = []
    for file in files:
        (folder / file.name).write_bytes(file.data)
        paths.append(folder / file.name)
    return paths


@st.composite
def mixed_folder(draw, max_valid: int = 6, max_broken: int = 4, kinds: tuple[str, ...] = BROKEN):
    valid = draw(valid_folder(min_files=0, max_files=max_valid))
    taken = {f.name for f in valid} | {e for f in valid for e in f.envs}
    envs = draw(st.lists(ENV.filter(lambda e: e not in taken and f"results_{e}.csv" not in taken),
                         min_size=max_broken + 1, max_size=max_broken + 1, unique=True))
    count = draw(st.integers(1, max_broken))
    broken = [draw(broken_file(envs[i], other=envs[-1], kinds=kinds)) for i in range(count)]
    names = {f.name for f in valid}
    broken = [b for b in broken if b.name not in names and not names.add(b.name)]  # one file per name
    return valid, broken


@bounded(25)
@given(valid_folder())
def test_any_valid_files_merge_with_exactly_their_rows(files):
    with tempfile.TemporaryDirectory() as tmp:
        paths = written(Path(tmp), files)
        loaded = load(paths)
        errors = [str(p) for p in loaded.problems if p.level == "error"]
        assert errors == [], "valid files reported invalid:\n" + "\n".join(errors)
        assert loaded.files_bad == [] and len(loaded.files_ok) == len(files)
        per_file = loaded.frame["file"].astype(str).value_counts().to_dict()
        assert {str(p): f.rows for p, f in zip(paths, files, strict=True)} == {str(p): per_file.get(str(p), 0) for p in paths}
        assert len(loaded.frame) == sum(f.rows for f in files)


@bounded(25)  # every broken kind is drawn on its own too: test_each_broken_kind_is_named_where_it_breaks
@given(mixed_folder())
def test_every_broken_file_is_named_where_it_breaks_and_the_rest_still_merges(mix):
    valid, broken = mix
    check_named(valid, broken)


@pytest.mark.parametrize("kind", BROKEN)
def test_each_broken_kind_is_named_where_it_breaks(kind):
    """Each kind of breakage on its own, beside a valid file, a few examples each: none is left to the draws of the
    mixed folders above."""
    @bounded(2)
    @given(mixed_folder(max_valid=1, max_broken=1, kinds=(kind,)))
    def named(mix):
        check_named(*mix)

    named()


def check_named(valid: list, broken: list) -> None:
    """Each broken file is named at its line and column, and every valid row still merges."""
    with tempfile.TemporaryDirectory() as tmp:
        paths = written(Path(tmp), valid + broken)
        loaded = load(paths)
        bad = {str(p) for p, f in zip(paths, valid + broken, strict=True) if f in broken}
        assert set(loaded.files_bad) == bad, [str(p) for p in loaded.problems]
        for problem in loaded.problems:
            text = str(problem)
            match = LINE.match(text)
            assert match and "\n" not in text and match["path"] == problem.path, text
        for path, file in ((p, f) for p, f in zip(paths, valid + broken, strict=True) if f in broken):
            mine = [p for p in loaded.problems if p.path == str(path) and p.level == "error"]
            assert mine, f"{file.kind}: {path} is not named"
            assert any((file.line is None or (p.line or 0) == file.line) and (file.column is None or p.column == file.column)
                       for p in mine), f"{file.kind}: expected line {file.line}, column {file.column}; got {[str(p) for p in mine]}"
        assert len(loaded.frame) == sum(f.rows for f in valid)


@bounded(8)
@given(mixed_folder(max_valid=5, max_broken=2))
def test_plot_results_draws_what_is_valid_and_never_fails_unexpectedly(mix):
    valid, broken = mix
    with tempfile.TemporaryDirectory() as tmp:
        results, out = Path(tmp) / "results", Path(tmp) / "out"
        results.mkdir()
        written(results, valid + broken)
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            rc = plot_results.main(["-v", "--results-dir", str(results), "--out", str(out / "r.png"), "--markdown", str(out / "r.md")])
        frame = load(sorted(results.iterdir())).frame
        assert rc == (0 if (frame["status"] == "ok").any() else 1), err.getvalue()[-3000:]  # 2: an unexpected error
        if rc == 0:
            names = sorted(p.relative_to(out).as_posix() for p in out.rglob("*") if p.is_file())
            assert {"r.png", "r.md", "r.csv"} <= set(names) and all(n.startswith(("r.", "figures/", "site/")) for n in names)
            assert sorted(os.listdir(results)) == sorted(f.name for f in valid + broken)  # nothing written there


# Pieces of a quoted cell that a padded file must not split or change: every separator, quotes (doubled when
# written), line breaks (CRLF reads as LF), spaces next to them; each cell starts with a letter (cells.FORMULA).
PIECES = st.sampled_from([",", ";", "\t", '"', '""', '", "', "\n", "\r\n", " ", " , ", '" ;', "x", "ü", "'"])


@st.composite
def padded_file(draw):
    """(the plain file, its padded re-save as a Table and bytes): text cells holding separators, quotes and line
    breaks, written with `sep` and spaces around the separators outside the quotes."""
    env = draw(ENV)
    table = table_of(draw(measured_file(env)).data)
    text = [j for j, name in enumerate(table.header) if name in FREE_TEXT and name != "timestamp_utc"]
    for i, row in enumerate(table.rows):
        for j in draw(st.lists(st.sampled_from(text), min_size=1, max_size=3, unique=True)):
            row[j] = f"c{i}" + "".join(draw(st.lists(PIECES, min_size=1, max_size=6)))  # unique per row: no repeats
    how = Resave(sep=draw(st.sampled_from([",", ";", "\t"])), pad=draw(st.sampled_from(["after", "before", "around"])),
                 quote_all=draw(st.booleans()), newline=draw(st.sampled_from(["\n", "\r\n"])))
    saved = resaved(table, how)
    assume(not saved.refusals)  # a ';' file whose only marked number is 1.234: refused as ambiguous (test_resave)
    return f"results_{env}.csv", table, saved.data, how


def _rows(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A file's merged rows in file order, text as str and numbers as float, with their lines."""
    mine = frame[frame["file"].astype(str) == str(path)].sort_values("line", kind="stable").reset_index(drop=True)
    out = {name: (mine[name].to_numpy(dtype=float) if name in r.NUMERIC_COLUMNS else mine[name].astype(str).to_numpy())
           for name in r.FIELDS}
    return pd.DataFrame({**out, "line": mine["line"].to_numpy()})


@bounded(30)
@given(padded_file())
def test_a_padded_file_with_separators_quotes_and_line_breaks_in_its_cells_merges_the_same_values(case):
    name, table, data, how = case
    with tempfile.TemporaryDirectory() as tmp:
        plain, padded = Path(tmp) / "plain" / name, Path(tmp) / "padded" / name
        for path, content in ((plain, table.csv()), (padded, data)):
            path.parent.mkdir()
            path.write_bytes(content)
        loaded = load([plain, padded])
        errors = [str(p) for p in loaded.problems if p.level == "error"]
        assert errors == [], f"{how}: " + "\n".join(errors)
        want = _rows(loaded.frame, plain)
        assert len(want) == len(table.rows)
        pd.testing.assert_frame_equal(_rows(loaded.frame, padded), want, obj=str(how))  # the lines too
