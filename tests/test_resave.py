"""A results file re-saved by another tool merges with the values it holds, or is refused for the real cause.

tests/resave.py makes the re-saves (pandas, spreadsheets, editors) and says, for each, what the loader must do.
Every example draws one valid file (a measured file of any schema layout, or an old wide file), re-saves it once
for each transformation in resave.FEATURES, each with others drawn around it, and twice more at random, and
loads them all in one call. A re-save that is accepted must merge exactly the values the tool wrote (the
original's, or its numbers rounded by a display format); one that is refused must be refused for its causes
only, each named at one of the cells where it is.

`make test` runs a few derandomised examples (each covers every transformation); a longer random run:

    DEVICEBENCH_EXAMPLES=300 .venv/bin/python -m pytest -p no:cacheprovider tests/test_resave.py
"""

from __future__ import annotations

import csv
import io
import re
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from resave import FEATURES, Resave, Saved, Table, resaved, resaves, table_of
from results_files import ENV, bounded, legacy_file, measured_file

from collect.contract import record as r
from collect.dataset.loader import discover, load

# What a refusal must say for each cause (the reason matches every pattern): the cause, and how to fix it.
CAUSES = {
    "encoding": (r"^byte 0x[0-9a-f]{2} is not UTF-8: the file is in an 8-bit encoding such as Windows-1252",
                 r"; save it as UTF-8 \(Excel: \"CSV UTF-8\""),
    "thousands": (r"but '[^']*' was found: '[,.]' (is|may be) a thousands separator",
                  r"; save the numbers without thousands separators"),
    "decimal comma": (r"but '[^']*' was found: (it has a decimal comma|',' may be a thousands separator or a decimal comma)",
                      r"; save (it|the numbers) .*with '\.' as the decimal mark"),
}


def _written(folder: Path, name: str, data: bytes) -> Path:
    folder.mkdir()
    (folder / name).write_bytes(data)
    return folder / name


def _values(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    """A file's merged rows in file order, text as str and numbers as float, without the file's path."""
    mine = frame[frame["file"].astype(str) == str(path)]
    mine = mine.sort_values(["line", "model"], kind="stable").reset_index(drop=True)
    out = {name: (mine[name].to_numpy(dtype=float) if name in r.NUMERIC_COLUMNS else mine[name].astype(str).to_numpy())
           for name in r.FIELDS}
    return pd.DataFrame({**out, "line": mine["line"].to_numpy()})


def _errors(loaded, path: Path) -> list:
    return [p for p in loaded.problems if p.path == str(path) and p.level == "error"]


def _verdict(feature: str, how: Resave, saved: Saved, path: Path, expected: Path, loaded) -> str | None:
    """None where the loader did what `saved` says; else what went wrong."""
    errors, where = _errors(loaded, path), f"{feature}: {how}"
    if saved.refusals:
        if not errors:
            return f"{where}: merged, but must be refused for {sorted(saved.refusals)}"
        for problem in errors:
            if problem.line == 0 and problem.reason.endswith("more problems not shown"):
                continue
            if not any((problem.line, problem.column) in cells and all(re.search(p, problem.reason) for p in CAUSES[cause])
                       for cause, cells in saved.refusals.items()):
                return f"{where}: {problem} is not the cause ({saved.refusals})"
        return None
    wanted = [(p.line, p.column, p.reason) for p in _errors(loaded, expected)]
    if [(p.line, p.column, p.reason) for p in errors] != wanted:  # the rounded values alone may be refused
        return f"{where}: {[str(p) for p in errors]} but the values it holds give {wanted}"
    try:
        pd.testing.assert_frame_equal(_values(loaded.frame, path), _values(loaded.frame, expected), check_dtype=False)
    except AssertionError as exc:
        return f"{where}: merged other values: {exc}"
    return None


def _check(table: Table, original: bytes, name: str, jobs: list[tuple[str, Resave]]) -> list[str]:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        first = _written(root / "original", name, original)
        runs = []
        for k, (feature, how) in enumerate(jobs):
            saved = resaved(table, how)
            path = _written(root / f"resave-{k}", name, saved.data)
            same = saved.expected.header == table.header and saved.expected.rows == table.rows
            expected = first if same else _written(root / f"expected-{k}", name, saved.expected.csv())
            runs.append((feature, how, saved, path, expected))
        loaded = load(sorted(p for folder in root.iterdir() for p in discover(folder)))
        assert not _errors(loaded, first), [str(p) for p in _errors(loaded, first)]
        return [v for v in (_verdict(*run, loaded) for run in runs) if v]


@pytest.mark.parametrize("kind", ["measured", "legacy"])
@bounded(3, shrink=False)  # a failure names each re-save that went wrong; shrinking 27 of them takes minutes
@given(data=st.data())
def test_a_resaved_file_merges_the_same_values_or_is_refused_for_its_cause(kind, data):
    env = data.draw(ENV)
    original = data.draw(measured_file(env) if kind == "measured" else legacy_file(f"results_{env}.csv"))
    table = table_of(original.data)
    jobs = [(feature, data.draw(resaves(table, feature))) for feature in [*FEATURES, None, None]]
    failures = _check(table, original.data, original.name, [(f or "random", how) for f, how in jobs])
    assert not failures, "\n".join(failures)


def test_every_transformation_is_exercised_and_some_are_refused():
    """The generator covers what it claims: each feature forces its fields, and refusals have cells."""
    table = Table(["schema_version", "env", "samples_per_s"], [["4", "x", "1234.5"], ["4", "x", "0.125"]], legacy=False)
    saved = resaved(table, Resave(grouping=True))
    assert saved.refusals == {"thousands": {(2, "samples_per_s")}}
    assert resaved(table, Resave(sep=";", decimal=",")).refusals == {}
    assert b"1234,5" in resaved(table, Resave(sep=";", decimal=",")).data
    assert len(FEATURES) >= 20



def _load_one(path: Path):
    loaded = load([path])
    return loaded, [str(p).replace(f"{path}:", "") for p in loaded.problems]


def test_pandas_to_csv_with_its_index_is_a_results_file_not_the_old_wide_format(results_dir, valid_file):
    """The case that blamed the legacy format: `pd.read_csv(f).to_csv(f)` writes a first column named ""."""
    before = load([valid_file]).frame
    pd.read_csv(valid_file).to_csv(valid_file)
    loaded, problems = _load_one(valid_file)
    assert problems == ["1: column 1: warning: a column with no name before the others (the index pandas writes "
                        "without index=False), ignored"]
    assert _values(loaded.frame, valid_file).equals(_values(before, valid_file))


def test_a_spreadsheet_in_a_decimal_comma_locale_merges_with_the_same_numbers(results_dir, valid_file):
    before = load([valid_file]).frame
    table = table_of(valid_file.read_bytes())
    valid_file.write_bytes(resaved(table, Resave(sep=";", decimal=",", encoding="utf-8-sig", newline="\r\n")).data)
    assert b";1000,0;" in valid_file.read_bytes()
    loaded, problems = _load_one(valid_file)
    assert problems == [] and _values(loaded.frame, valid_file).equals(_values(before, valid_file))


@pytest.mark.parametrize("cells, expected", [
    ('"1,000.5"', "2: samples_per_s: must be a finite number >= 0, but '1,000.5' was found: ',' is a thousands separator here"),
    ('"1,000"', "2: samples_per_s: must be a finite number >= 0, but '1,000' was found: ',' may be a thousands separator or a decimal comma"),
    ('"1000,5"', "2: samples_per_s: must be a finite number >= 0, but '1000,5' was found: it has a decimal comma, but the file's columns are separated by commas"),
])
def test_a_number_as_a_spreadsheet_shows_it_is_refused_for_that_cause(results_dir, valid_file, cells, expected):
    valid_file.write_text(valid_file.read_text().replace(",1000.0,", f",{cells},", 1))
    _, problems = _load_one(valid_file)
    assert problems[0].startswith(expected)


def test_one_thousand_alone_in_a_semicolon_file_is_refused_not_guessed(results_dir, valid_file):
    text = valid_file.read_text().replace(".0,", ",")  # 64.0 would show '.' as the decimal mark
    valid_file.write_text(text.replace(",1000,", ",1.000,").replace(",1100,", ",1.100,").replace(",", ";"))
    _, problems = _load_one(valid_file)
    assert problems == ["2: samples_per_s: must be a number, but '1.000' was found: '.' may be a thousands separator "
                        "or a decimal mark, and no other number in the file shows which; save the numbers without "
                        "thousands separators"]


def test_windows_1252_is_named_at_its_cell_with_the_fix(results_dir, valid_file):
    valid_file.write_bytes(valid_file.read_text().replace("Test CPU", "Test CPU ® ünï").encode("cp1252"))
    _, problems = _load_one(valid_file)
    assert problems == ["2: device_name: byte 0xae is not UTF-8: the file is in an 8-bit encoding such as Windows-1252 "
                        "(where it is '®'), as Excel's plain \"CSV\" saves; save it as UTF-8 (Excel: \"CSV UTF-8\"; "
                        "LibreOffice: character set Unicode (UTF-8))"]


def test_a_column_with_no_name_may_be_empty_but_not_hold_values(results_dir, valid_file):
    lines = valid_file.read_text().splitlines()
    valid_file.write_text("\n".join([lines[0] + ",,", lines[1] + ",,", lines[2] + ",,x"]) + "\n,,\n")
    _, problems = _load_one(valid_file)
    width = len(lines[0].split(","))
    assert problems == [f"3: column {width + 2}: holds a value, but its column has no name in the header; name the "
                        "column or delete it"]


def test_an_old_wide_file_resaved_by_pandas_with_its_index_stays_an_old_wide_file(tmp_path):
    path = tmp_path / "results_old.csv"
    pd.DataFrame({5: {"M1 GPU": 60.0}, 10: {"M1 GPU": 90.0}}).to_csv(path)
    before = load([path]).frame
    pd.read_csv(path).to_csv(path, sep=";", decimal=",")  # ",Unnamed: 0,5,10": the index, then the env names
    loaded, problems = _load_one(path)
    assert len(before) == 2 and problems == ["1: column 1: warning: a column with no name before the others (the "
                                             "index pandas writes without index=False), ignored"]
    assert _values(loaded.frame, path).equals(_values(before, path))


def _padded(text: str, sep: str = ",") -> str:
    """Each record of a comma file (cells as csv.writer wrote them) with `sep` and a space after it, outside quotes."""
    out = io.StringIO()
    for row in csv.reader(io.StringIO(text)):
        out.write(f"{sep} ".join(_one(cell, sep) for cell in row) + "\n")
    return out.getvalue()


def _one(cell: str, sep: str) -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=sep, lineterminator="\n").writerow([cell])
    return buf.getvalue()[:-1] if cell else ""


@pytest.mark.parametrize("sep", [",", ";", "\t"])
@pytest.mark.parametrize("header", ["plain", "padded"])
def test_padding_after_the_separator_with_the_separator_in_a_quoted_note_merges_the_same_values(results_dir, valid_file,
                                                                                               sep, header):
    """The issue's case: `, "a, b"` was read as an unquoted ' "a' and ' b"' ('row has 65 cells but the header has 63')."""
    rows = list(csv.reader(io.StringIO(valid_file.read_text())))
    rows[1][rows[0].index("note")] = 'one, two; three\tfour "five"'
    rows[2][rows[0].index("note")] = 'two\nlines, "quoted"'
    plain = io.StringIO()
    csv.writer(plain, lineterminator="\n").writerows(rows)
    valid_file.write_text(plain.getvalue())
    before = load([valid_file]).frame
    text = _padded(plain.getvalue(), sep)
    if header == "plain":  # the comma file's fast path: its header says nothing of the padding below it
        text = sep.join(rows[0]) + "\n" + text.partition("\n")[2]
    valid_file.write_text(text)
    loaded, problems = _load_one(valid_file)
    assert problems == [] and _values(loaded.frame, valid_file).equals(_values(before, valid_file))
    assert list(loaded.frame["note"].astype(str)) == ['one, two; three\tfour "five"', 'two\nlines, "quoted"']


def test_a_padded_file_with_a_quote_never_closed_is_named_at_its_record_not_by_its_cell_count(results_dir, valid_file):
    lines = valid_file.read_text().splitlines()
    lines[2] = lines[2].replace(",", ', "', 1)  # a quote opened after padding, never closed
    valid_file.write_text("\n".join(lines) + "\n")
    _, problems = _load_one(valid_file)
    assert problems == ["3: row: a quoted cell is never closed"]
