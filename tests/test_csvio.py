"""Appending rows: header once, atomic replace, no lost rows with concurrent writers."""

from __future__ import annotations

import csv
import multiprocessing as mp
import os

import pytest
from conftest import record, write

from collect.contract import csvio
from collect.contract.record import FIELDS, check_env, make_record, slugify, to_row
from collect.dataset.loader import load


def rows(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_first_append_writes_header_then_rows(results_dir):
    path = write(results_dir, "a-cpu", [record(env="a-cpu")])
    write(results_dir, "a-cpu", [record(env="a-cpu", run_id="run-2")])
    text = path.read_text()
    assert text.splitlines()[0] == ",".join(FIELDS)
    assert text.count("schema_version") == 1
    assert [r["run_id"] for r in rows(path)] == ["run-1", "run-2"]


def test_float_cells_round_trip_exactly(results_dir):
    path = write(results_dir, "a-cpu", [record(env="a-cpu", samples_per_s=1234.5678901234567)])
    assert float(rows(path)[0]["samples_per_s"]) == 1234.5678901234567


def test_newlines_in_notes_are_flattened():
    assert to_row(record(note="line one\nline two"))["note"] == "line one line two"


def test_interrupted_write_keeps_previous_file(results_dir, monkeypatch):
    path = write(results_dir, "a-cpu", [record(env="a-cpu")])
    before = path.read_bytes()

    def killed(*_args, **_kwargs):
        raise KeyboardInterrupt  # Ctrl-C arriving between writing the temp file and the rename

    monkeypatch.setattr(os, "replace", killed)
    with pytest.raises(KeyboardInterrupt):
        write(results_dir, "a-cpu", [record(env="a-cpu", run_id="run-2")])
    assert path.read_bytes() == before
    assert sorted(p.name for p in results_dir.iterdir()) == ["results_a-cpu.csv"]  # no temp left behind
    assert not load([path]).problems


def test_concurrent_writers_lose_no_rows(results_dir):
    from writer_process import append_one_by_one

    ctx = mp.get_context("spawn")
    ready = ctx.Barrier(4)  # the four start appending together
    procs = [ctx.Process(target=append_one_by_one, args=(results_dir, "shared-cpu", [
        record(env="shared-cpu", run_id=f"w{w}-{i}") for i in range(15)], ready)) for w in range(4)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    ids = [r["run_id"] for r in rows(results_dir / "results_shared-cpu.csv")]
    assert sorted(ids) == sorted(f"w{w}-{i}" for w in range(4) for i in range(15))
    assert not load([results_dir / "results_shared-cpu.csv"]).problems


def test_unknown_columns_are_not_overwritten(results_dir):
    path = results_dir / "results_a-cpu.csv"
    path.write_text("schema_version,env,gpu_temp\n1,a-cpu,70\n")
    with pytest.raises(ValueError, match="columns this version of devicebench does not write \\(gpu_temp\\)"):
        write(results_dir, "a-cpu", [record(env="a-cpu")])
    assert path.read_text() == "schema_version,env,gpu_temp\n1,a-cpu,70\n"


# The columns each schema version added after the first (record.py's SCHEMA_VERSION comment says the same).
ADDED_IN = {"world_size": 2, "distributed": 2, "global_batch_size": 2,
            "backend": 3, "step_ms_p99": 3, "energy_j_per_sample": 3, "energy_method": 3, "trial": 4}


def as_written_by_schema(path, version: int):
    """Rewrite a file with only the columns a runner of that schema version wrote."""
    columns = [c for c in FIELDS if ADDED_IN.get(c, 0) <= version]
    with open(path, newline="") as fh:
        old = [{k: v for k, v in row.items() if k in columns} for row in csv.DictReader(fh)]
    with open(path, "w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=columns, lineterminator="\n")
        w.writeheader()
        w.writerows(old)
    return path


def test_a_schema_1_file_is_migrated_on_append_and_keeps_its_rows(results_dir):
    from collect.contract.record import SCHEMA_VERSION

    path = as_written_by_schema(write(results_dir, "a-cpu", [record(env="a-cpu", schema_version=1)]), 1)
    assert not load([path]).problems and load([path]).frame["world_size"].tolist() == [1.0]  # v1 reads as 1 device
    write(results_dir, "a-cpu", [record(env="a-cpu", run_id="run-2")])
    got = rows(path)
    assert [(r["schema_version"], r["run_id"], r["world_size"], r["distributed"]) for r in got] == [
        ("1", "run-1", "1", "none"), (str(SCHEMA_VERSION), "run-2", "1", "none")]
    assert got[0]["backend"] == "eager"  # a v1 torch row ran eagerly
    assert not load([path]).problems


@pytest.mark.parametrize(("framework", "xla", "workload", "want"), [
    ("torch", "", "cnn", "eager"), ("tensorflow", "off", "cnn", "tf_function"), ("tensorflow", "on", "cnn", "xla"),
    ("tensorflow", "", "matmul", "eager")])
def test_rows_before_schema_3_get_the_backend_they_ran_on(results_dir, framework, xla, workload, want):
    rec = record(env="a-cpu", schema_version=2, framework=framework, xla=xla, workload=workload,
                 model="matmul-256" if workload == "matmul" else "resnet50")
    path = as_written_by_schema(write(results_dir, "a-cpu", [rec]), 2)
    loaded = load([path])
    assert not loaded.problems
    assert loaded.frame["backend"].tolist() == [want]
    write(results_dir, "a-cpu", [record(env="a-cpu", run_id="run-2")])  # migrated on append: the same answer
    assert rows(path)[0]["backend"] == want


@pytest.mark.parametrize("env", ["", "My Mac", "a/b", "x" * 65, "UPPER", "../up"])
def test_unsafe_env_names_are_rejected(env):
    with pytest.raises(ValueError, match="`env` must be 1-64 characters"):
        check_env(env)


def test_bad_choice_names_the_allowed_values():
    with pytest.raises(ValueError, match=r"`mode` must be one of \('train', 'infer', 'train_forward', 'train_backward', 'prefill', 'decode'\), but 'eval' was passed"):
        make_record(**{**record().__dict__, "mode": "eval"})


@pytest.mark.parametrize("text, slug", [
    ("Tesla T4 (Colab)", "tesla-t4-colab"), ("Apple M1 Max", "apple-m1-max"), ("  !!  ", "unknown"),
    ("Intel(R) Xeon(R) CPU @ 2.20GHz", "intel-r-xeon-r-cpu-2.20ghz"),
])
def test_slugify(text, slug):
    assert slugify(text) == slug
    check_env(slugify(text))


def test_results_path_checks_env(tmp_path):
    assert csvio.results_path(tmp_path, "ok-env").name == "results_ok-env.csv"
    with pytest.raises(ValueError):
        csvio.results_path(tmp_path, "not ok")
