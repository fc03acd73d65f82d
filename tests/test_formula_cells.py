"""Text cells a spreadsheet would run as a formula (CSV injection) are refused where they are, with why and the fix.

A note beginning `=HYPERLINK(` used to pass validation and reach the merged CSV and the site's CSVs unchanged. A text
cell starting with '=', '+', '@', a tab or a line break (a carriage return reads as one) is now refused at its line and
column; numbers with a sign stay numbers, and '-' first is allowed (cells.FORMULA says why).
"""

from __future__ import annotations

import csv

import pandas as pd
import pytest
from conftest import record, write
from hypothesis import given
from hypothesis import strategies as st
from results_files import bounded

from collect.contract.record import FIELDS, to_row
from collect.dataset import cells, export
from collect.dataset.loader import load
from collect.dataset.validate import FREE_TEXT

WHY = ("must not start with '=', '+', '@', a tab or a line break: a spreadsheet opening the merged data would run "
       "it as a formula, but {value!r} was found; start it otherwise, e.g. with an apostrophe (') as a spreadsheet "
       "marks text, or reword it; a leading space is not enough (spaces around a cell are dropped)")


def _rows_file(results_dir, rows: list[dict], env: str = "test-env-cpu"):
    """rows (to_row dicts, edited) written whatever they hold; CRLF line ends, so a cell holding a CR is quoted."""
    path = results_dir / f"results_{env}.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.DictWriter(fh, fieldnames=FIELDS, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _errors(path):
    return [str(p).replace(f"{path}:", "") for p in load([path]).problems if p.level == "error"]


@pytest.mark.parametrize("value", ['=HYPERLINK("http://x", "y")', "+cmd", "@SUM(A1)", "\t=1+1", "\r=1+1", "\n=1",
                                   " =1+1", "+1.5", "=", "@"])
@pytest.mark.parametrize("column", ["note", "device_name", "run_id", "model", "reference", "cpu_name"])
def test_each_leading_character_is_refused_at_its_line_and_column(results_dir, column, value):
    rows = [to_row(record(run_id="a")), to_row(record(run_id="b"))]
    rows[1][column] = value
    path = _rows_file(results_dir, rows)
    problems = _errors(path)
    shown = value.replace("\r", "\n").strip(" ")  # as the loader reads the cell: CR as LF, spaces dropped
    line = 3  # the second row; a line break inside the first row's cells would move it, and there is none
    assert problems == [f"{line}: {column}: " + WHY.format(value=shown)]


def test_the_line_is_where_the_row_starts_after_a_quoted_line_break(results_dir):
    rows = [to_row(record(run_id="a")), to_row(record(run_id="b", note="@me"))]
    rows[0]["note"] = "two\nlines"  # to_row writes one line; a spreadsheet may not
    problems = _errors(_rows_file(results_dir, rows))
    assert [p.split(": ")[:2] for p in problems] == [["4", "note"]]


@pytest.mark.parametrize("cell", ["+1.5", "+1000", "1e+03", "+1"])
def test_numbers_with_a_leading_plus_are_numbers(results_dir, cell):
    rows = [to_row(record())]
    rows[0]["samples_per_s"], rows[0]["steps"] = cell, "+20"
    path = _rows_file(results_dir, rows)
    assert _errors(path) == []
    frame = load([path]).frame
    assert frame["samples_per_s"].iloc[0] == float(cell) and frame["steps"].iloc[0] == 20


@pytest.mark.parametrize("value", ["-", "-2", "- none", "'=1+1", "'+cmd", "a=1", "1+1", "x@y.z", "tab\there"])
def test_text_that_no_spreadsheet_runs_and_a_minus_first_are_accepted(results_dir, value):
    rows = [to_row(record(note=value, device_name=value))]
    path = _rows_file(results_dir, rows)
    assert _errors(path) == []
    assert load([path]).frame["note"].astype(str).iloc[0] == value


def test_a_choice_column_says_its_own_rule_once(results_dir):
    rows = [to_row(record())]
    rows[0]["framework"] = "=torch"
    problems = _errors(_rows_file(results_dir, rows))
    assert problems == ["2: framework: must be one of ('torch', 'tensorflow'), but '=torch' was found"]


def test_an_old_wide_file_names_a_formula_env_name_in_its_first_column(results_dir):
    path = results_dir / "results_old.csv"
    path.write_text(",5,10\nM1 GPU,60,90\n=cmd|' /C calc'!A0,61,91\n")
    assert _errors(path) == ["3: env: " + WHY.format(value="=cmd|' /C calc'!A0")]


def test_the_same_refusal_without_pyarrow(results_dir, monkeypatch):
    rows = [to_row(record(run_id="a")), to_row(record(run_id="b", note="@x"))]
    path = _rows_file(results_dir, rows)
    with_arrow = _errors(path)
    monkeypatch.setattr(cells, "USE_ARROW", False)
    assert _errors(path) == with_arrow and len(with_arrow) == 1


def test_plot_results_check_refuses_the_file_and_writes_nothing(results_dir, capsys):
    import plot_results

    write(results_dir, "test-env-cpu", [record(note='=HYPERLINK("x")')])
    before = sorted(p.name for p in results_dir.parent.rglob("*"))
    rc = plot_results.main(["--check", "--results-dir", str(results_dir)])
    out = capsys.readouterr().out
    assert rc == 1 and "results_test-env-cpu.csv:2: note: must not start with '='" in out
    assert sorted(p.name for p in results_dir.parent.rglob("*")) == before


def test_the_merged_csv_writer_puts_an_apostrophe_before_a_formula_it_is_handed(tmp_path):
    """Validation refuses these cells; the writer is the second guard, for a frame built another way."""
    frame = load([write(tmp_path, "test-env-cpu", [record(note="fine")])]).frame
    assert export.inert(frame) is frame  # loaded rows: nothing to change, no copy
    frame = frame.assign(note=pd.Categorical(["=1+1"]), device_name=["@x"])
    written = export.write_merged(frame, [tmp_path / "merged.csv"])[0]
    back = pd.read_csv(written, dtype=str, keep_default_na=False)
    assert back["note"].tolist() == ["'=1+1"] and back["device_name"].tolist() == ["'@x"]
    assert frame["note"].tolist() == ["=1+1"]  # the caller's frame is left as it was


FIRST = st.sampled_from(["=", "+", "@", "\t", "\r", "\n"])
REST = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10)


@bounded(25)
@given(first=FIRST, rest=REST, column=st.sampled_from([c for c in FREE_TEXT if c != "timestamp_utc"]),
       safe=st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=10))
def test_any_text_starting_so_is_refused_and_any_other_text_is_not(tmp_path_factory, first, rest, column, safe):
    folder = tmp_path_factory.mktemp("f")
    rows = [to_row(record(run_id="a")), to_row(record(run_id="b"))]
    rows[0][column] = "x" + safe  # a letter first: never refused, whatever follows
    rows[1][column] = first + rest
    path = _rows_file(folder, rows)
    line = 3 + rows[0][column].replace("\r\n", "\n").replace("\r", "\n").count("\n")  # the first row's line breaks
    problems = _errors(path)
    assert len(problems) == 1 and problems[0].startswith(f"{line}: {column}: must not start with"), problems
