"""The same configurations give the same rows as the runners did before the layer refactor.

tests/data/rows_<framework>_v0.1.csv were written by the pre-refactor runners (flat collect/ modules)
for the configurations below, with the same fake clock (0.5 s per read) and fixed fingerprint. Only
what depends on the machine or the moment is masked: time stamps, versions, memory, and the real
seconds of an ONNX export.
"""

from __future__ import annotations

import csv
import itertools
import re

import pytest
from conftest import ROOT

from collect.measure import timing
from collect.measure.adapter import Budget
from collect.measure.loop import run_suite
from collect.measure.suites import Config

MACHINE = ("timestamp_utc", "framework_version", "keras_version", "device_name", "os", "python_version", "cpu_name",
           "threads", "peak_mem_mb")
FINGERPRINT = {"platform": "local", "os": "X", "python_version": "3", "cpu_name": "c", "cpu_count": 2, "ram_gb": 1.0,
               "harness_version": "0.1.0", "power_source": "unknown", "rosetta": ""}
MLP = "mlp-d2-w1024"


def configs(framework: str) -> list[Config]:
    common = [("mlp", MLP, "train", "fp32", 4), ("mlp", MLP, "infer", "fp32", 1), ("matmul", "matmul-128", "infer", "fp32", 1),
              ("transformer", "tiny", "infer", "fp32", 2), ("mlp", MLP, "train_forward", "fp32", 4)]
    if framework == "torch":
        return [Config(*c) for c in common] + [
            Config("mlp", MLP, "train_backward", "fp32", 4), Config("mlp", MLP, "infer", "fp16", 2),
            Config("mlp", MLP, "infer", "fp32", 2, backend="onnxruntime"),
            Config("mlp", MLP, "train", "fp32", 2, backend="onnxruntime")]
    return [Config(*c, backend="eager" if c[0] == "matmul" else "tf_function") for c in common] + [
        Config("mlp", MLP, "train_backward", "fp32", 4, backend="tf_function"),
        Config("mlp", MLP, "infer", "fp16", 2, backend="tf_function")]


def masked(row: dict) -> dict:
    out = {k: ("<machine>" if k in MACHINE and v else v) for k, v in row.items()}
    if row["backend"] == "onnxruntime" and row["status"] == "ok":  # real export and session seconds
        out["compile_s"] = "<seconds>"
        out["note"] = re.sub(r"\(\d+\.\d s\)", "(<seconds>)", row["note"])
        out["rel_err"] = "<1e-5" if float(row["rel_err"]) < 1e-5 else row["rel_err"]
    return out


def read(path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as fh:
        return [masked(r) for r in csv.DictReader(fh)]


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_rows_match_the_pre_refactor_runners(framework, tmp_path, monkeypatch):
    pytest.importorskip("torch" if framework == "torch" else "tensorflow")
    from collect.cli import make_adapter

    ticks = itertools.count()
    monkeypatch.setitem(timing.measure.__kwdefaults__, "clock", lambda: next(ticks) * 0.5)
    adapter = make_adapter(framework, "cpu", "off")
    run_suite(adapter, configs(framework), env="golden", results_dir=tmp_path, budget=Budget(2.0),
              fingerprint=FINGERPRINT, progress=False, run_id="r")
    got = read(tmp_path / "results_golden.csv")
    want = read(ROOT / "tests" / "data" / f"rows_{framework}_v0.1.csv")
    assert [r["model"] + " " + r["mode"] for r in got] == [r["model"] + " " + r["mode"] for r in want]
    for new, old in zip(got, want, strict=True):
        # Schema 4 added `trial` (1: one round), schema 5 the protocol and what ran (the math library this machine's
        # framework took: not the old runner's business); everything the old runner wrote is the same.
        assert (new.pop("schema_version"), new.pop("trial"), old.pop("schema_version")) == ("5", "1", "3")
        assert (new.pop("protocol"), bool(new.pop("math_library"))) == ("devicebench", True)
        added = {k: new.pop(k) for k in list(new) if k not in old}  # the other schema-4 and -5 columns: empty here
        assert set(added.values()) == {""}, added
        assert new == old
