"""Every bad input named in the results contract gets one-line FILE:LINE: column: reason errors."""

from __future__ import annotations

import pytest
from conftest import record, write

import plot_results
from collect.contract.record import FIELDS, MODES, SCHEMA_VERSION

SV = SCHEMA_VERSION


def check(capsys, results_dir, *extra):
    rc = plot_results.main(["--check", "--results-dir", str(results_dir), *map(str, extra)])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    return rc, out


def rewrite(path, old, new, count=1):
    text = path.read_text(encoding="utf-8")
    assert old in text, f"test setup: {old!r} not in file"
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def test_valid_file_passes(capsys, valid_file, results_dir):
    rc, out = check(capsys, results_dir)
    assert rc == 0
    assert "1 valid, 0 invalid; 2 valid rows" in out


@pytest.mark.parametrize(
    "old, new, expected",
    [
        (",torch,", ",tourch,", ":2: framework: must be one of ('torch', 'tensorflow'), but 'tourch' was found"),
        (",1000.0,", ",fast,", ":2: samples_per_s: must be a finite number >= 0, but 'fast' was found"),
        (",1000.0,", ",-5,", ":2: samples_per_s: must be a finite number >= 0, but '-5' was found"),
        (",1000.0,", ",nan,", ":2: samples_per_s: must be a finite number >= 0, but 'nan' was found"),
        (",1000.0,", ",inf,", ":2: samples_per_s: must be a finite number >= 0, but 'inf' was found"),
        (",1000.0,", ",,", ":2: samples_per_s: must be a finite number > 0 when status is ok"),
        (",train,", ",eval,", f":2: mode: must be one of {MODES!r}, but 'eval' was found"),
        (",fp32,", ",fp8,", ":2: precision: must be one of"),
        (",64,", ",0,", ":2: batch_size: must be at least 1, but '0' was found"),
        (",64,", ",6.5,", ":2: batch_size: must be a whole number >= 0, but '6.5' was found"),
        (f"{SV},test-env-cpu,", f"{SV + 1},test-env-cpu,", f":2: schema_version: is newer than this code knows ({SV}); update devicebench"),
        (f"{SV},test-env-cpu,", f"{SV},other-env,", ":2: env: does not match the <env> in the file name, but 'other-env' was found"),
        ("2026-11-22T05:00:00+00:00", "yesterday", ":2: timestamp_utc: must be an ISO 8601 date or time, but 'yesterday' was found"),
        (",local,", ",laptop,", ":2: platform: must be one of ('local', 'colab', 'kaggle', 'ci', 'unknown')"),
    ],
)
def test_bad_cell_is_named_with_file_line_column(capsys, valid_file, results_dir, old, new, expected):
    rewrite(valid_file, old, new)
    rc, out = check(capsys, results_dir)
    assert rc == 1
    assert f"{valid_file}{expected}" in out
    assert "0 valid, 1 invalid" in out


def test_second_row_error_reports_line_3(capsys, valid_file, results_dir):
    rewrite(valid_file, ",1100.0,", ",-1,")
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:3: samples_per_s:" in out and ":2:" not in out


@pytest.mark.parametrize(
    "content, expected",
    [
        (b"", ":0: file: file is empty"),
        (b"\n\n", ":0: file: file is empty"),
        (b"schema_version,env,source\n", ":1: run_id: required column is missing"),
        (b"a;b;c\n1;2;3\n", ":1: schema_version: required column is missing"),  # ';' and tabs are read (dialects.py)
        (b"a\tb\tc\n1\t2\t3\n", ":1: schema_version: required column is missing"),
        (b"schema_version,env\n\xff\xfe,x\n", ":2: schema_version: byte 0xff is not UTF-8: the file is in an 8-bit encoding"),
        (b"\n,,\nschema_version,env\n", ":1: file: the first line holds no column names"),
    ],
)
def test_whole_file_problems(capsys, results_dir, content, expected):
    path = results_dir / "results_broken.csv"
    path.write_bytes(content)
    rc, out = check(capsys, results_dir)
    assert rc == 1
    assert f"{path}{expected}" in out


def test_header_only(capsys, valid_file, results_dir):
    valid_file.write_text(valid_file.read_text().splitlines()[0] + "\n")
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:0: file: file has a header but no rows" in out


def test_missing_required_column(capsys, valid_file, results_dir):
    lines = valid_file.read_text().splitlines()
    cells = [line.split(",") for line in lines]
    col = cells[0].index("status")
    valid_file.write_text("\n".join(",".join(c[:col] + c[col + 1:]) for c in cells) + "\n")
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:1: status: required column is missing" in out


def test_unknown_column_is_a_warning_not_an_error(capsys, valid_file, results_dir):
    lines = valid_file.read_text().splitlines()
    valid_file.write_text("\n".join([lines[0] + ",gpu_temp_c"] + [line + ",71" for line in lines[1:]]) + "\n")
    rc, out = check(capsys, results_dir)
    assert rc == 0
    assert f"{valid_file}:1: gpu_temp_c: warning: unknown column, ignored" in out


def test_duplicate_row(capsys, valid_file, results_dir):
    lines = valid_file.read_text().splitlines()
    valid_file.write_text("\n".join(lines + [lines[1]]) + "\n")
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:4: row: repeats an earlier row of this file exactly" in out


def test_wrong_cell_count(capsys, valid_file, results_dir):
    lines = valid_file.read_text().splitlines()
    valid_file.write_text("\n".join(lines + [lines[1] + ",extra"]) + "\n")
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:4: row: has {len(FIELDS) + 1} cells but the header has {len(FIELDS)}" in out


def test_bom_and_crlf_are_accepted(capsys, valid_file, results_dir):
    data = valid_file.read_bytes()
    valid_file.write_bytes(b"\xef\xbb\xbf" + data.replace(b"\n", b"\r\n"))
    rc, out = check(capsys, results_dir)
    assert rc == 0 and "2 valid rows" in out


def test_file_over_50_mb_is_refused(capsys, results_dir):
    path = results_dir / "results_huge.csv"
    with open(path, "wb") as fh:
        fh.truncate(50 * 1024 * 1024 + 1)
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{path}:0: file: file is 50.0 MiB; files over 50 MiB are refused" in out


@pytest.mark.parametrize("name", ["results-abc.csv", "my_results.csv", "results_Big Mac.csv"])
def test_bad_file_names(capsys, results_dir, valid_file, name):
    target = results_dir / name
    valid_file.rename(target)
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{target}:0: file: " in out


def test_a_quoted_cell_may_span_lines_and_later_lines_are_still_named_right(capsys, valid_file, results_dir):
    rewrite(valid_file, ",ok,", ',ok,"first, line\nsecond ""line""",', 1)  # row 1's note spans lines 2-3
    text = valid_file.read_text()
    valid_file.write_text(text.replace(',ok,"first, line\nsecond ""line""",,', ',ok,"first, line\nsecond ""line""",'))
    rc, out = check(capsys, results_dir)
    assert rc == 0 and "2 valid rows" in out
    from collect.dataset.loader import load

    assert load([valid_file]).frame["note"].tolist() == ['first, line\nsecond "line"', ""]
    rewrite(valid_file, ",1100.0,", ",-1,")
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:4: samples_per_s: must be a finite number >= 0, but '-1' was found" in out


def test_a_quoted_cell_never_closed(capsys, valid_file, results_dir):
    rewrite(valid_file, ",1100.0,", ',"1100.0,')
    rc, out = check(capsys, results_dir)
    assert rc == 1 and f"{valid_file}:3: row: a quoted cell is never closed" in out


def test_one_bad_file_does_not_hide_good_ones(capsys, valid_file, results_dir):
    bad = write(results_dir, "other", [record(env="other")])
    rewrite(bad, ",torch,", ",jax,")
    rc, out = check(capsys, results_dir)
    assert rc == 1
    assert "2 files: 1 valid, 1 invalid; 2 valid rows" in out


def test_formula_cells_are_refused_where_they_are(capsys, results_dir):
    """A spreadsheet opening the merged data would run them (tests/test_formula_cells.py has every case)."""
    path = write(results_dir, "test-env-cpu", [record(note="=HYPERLINK(\"x\")", device_name="@evil")])
    rc, out = check(capsys, results_dir)
    assert rc == 1
    assert f"{path}:2: device_name: must not start with '=', '+', '@', a tab or a line break" in out
    assert f"{path}:2: note: must not start with '=', '+', '@', a tab or a line break" in out
    assert "but '@evil' was found; start it otherwise, e.g. with an apostrophe (')" in out


def test_an_apostrophe_before_a_formula_and_a_minus_first_are_valid(capsys, results_dir):
    write(results_dir, "test-env-cpu", [record(note="'=HYPERLINK(\"x\")", device_name="-", run_id="-1")])
    rc, out = check(capsys, results_dir)
    assert rc == 0, out


def test_missing_results_dir(capsys, tmp_path):
    rc, _ = check(capsys, tmp_path / "nowhere")
    assert rc == 1


def test_same_problems_without_pyarrow(capsys, valid_file, results_dir, monkeypatch):
    rewrite(valid_file, ",1100.0,", ",slow,")
    _, with_arrow = check(capsys, results_dir)
    from collect.dataset import cells

    monkeypatch.setattr(cells, "USE_ARROW", False)  # as on a machine without pyarrow
    _, without = check(capsys, results_dir)
    assert with_arrow == without
    assert f"{valid_file}:3: samples_per_s: must be a finite number >= 0, but 'slow' was found" in without


def test_files_of_both_schemas_load_together(capsys, results_dir):
    import csv as csvmod

    from collect.contract.record import DEFAULTS_FOR_OLDER

    old = write(results_dir, "old-cpu", [record(env="old-cpu", schema_version=1)])
    v1 = [c for c in FIELDS if c not in DEFAULTS_FOR_OLDER]
    with open(old, newline="") as fh:
        kept = [{k: v for k, v in row.items() if k in v1} for row in csvmod.DictReader(fh)]
    with open(old, "w", newline="") as fh:  # as a schema-1 runner wrote it
        writer = csvmod.DictWriter(fh, fieldnames=v1, lineterminator="\n")
        writer.writeheader()
        writer.writerows(kept)
    write(results_dir, "new-cpu", [record(env="new-cpu", xla="off", world_size=2, distributed="ddp")])
    rc, out = check(capsys, results_dir)
    assert rc == 0 and "2 files: 2 valid, 0 invalid; 2 valid rows" in out
    assert plot_results.main(["--results-dir", str(results_dir), "--out", str(results_dir.parent / "r.png"),
                              "--markdown", str(results_dir.parent / "r.md"), "--figures", str(results_dir.parent / "f")]) == 0


@pytest.mark.parametrize("method", ["", "none"])
def test_measured_power_without_its_method_is_refused(results_dir, method):
    from collect.dataset.loader import load

    path = write(results_dir, "p-cpu", [record(env="p-cpu", power_w=65.0, energy_method=method)])
    problems = [str(p) for p in load([path]).problems]
    assert problems == [f"{path}:2: energy_method: must name how a measured power_w was measured "
                        "(nvml_energy, nvml_power, rapl, powermetrics)" + (", but 'none' was found" if method else "")]
    ok = write(results_dir, "q-cpu", [record(env="q-cpu", power_w=65.0, energy_method="rapl")])
    assert not load([ok]).problems


def test_a_backend_of_the_other_framework_names_the_backends_of_the_rows_own(results_dir):
    import csv as csvmod

    from collect.contract.record import to_row
    from collect.dataset.loader import load

    rows = [to_row(record(run_id="a")), to_row(record(run_id="b", framework="tensorflow", backend="xla"))]
    rows[0]["backend"], rows[1]["backend"] = "xla", "onnxruntime"  # each a backend, but of the other framework
    path = results_dir / "results_test-env-cpu.csv"
    with open(path, "w", newline="") as fh:
        writer = csvmod.DictWriter(fh, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    problems = [str(p) for p in load([path]).problems]
    assert problems == [
        f"{path}:2: backend: must be one of torch's backends ('eager', 'torch_compile', 'onnxruntime', 'tensorrt'), but 'xla' was found",
        f"{path}:3: backend: must be one of tensorflow's backends ('eager', 'tf_function', 'xla'), but 'onnxruntime' was found",
    ]
