"""Shared builders: valid records and results files, so each test states only what differs."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# torchvision imported *after* TensorFlow segfaults (TF 2.21 + torchvision 0.29, seen here);
# the other order works. The runners import one framework per process; the test session holds
# both, so it takes torchvision first when it is installed.
try:
    import torchvision  # noqa: F401
except ImportError:
    pass

from collect.contract.csvio import append_records, results_path  # noqa: E402
from collect.contract.record import make_record  # noqa: E402


def record(**overrides):
    values = dict(env="test-env-cpu", framework="torch", device_kind="cpu", device_name="Test CPU",
                  workload="mlp", model="mlp-d5-w1024", mode="train", precision="fp32", batch_size=64,
                  run_id="run-1", timestamp_utc="2026-11-22T05:00:00+00:00", platform="local",
                  samples_per_s=1000.0, step_ms_median=64.0, step_ms_p10=63.0, step_ms_p90=66.0,
                  steps=20, warmup_steps=3, harness_version="0.1.0")
    values.update(overrides)
    return make_record(**values)


def write(results_dir: Path, env: str, records) -> Path:
    return append_records(results_path(results_dir, env), list(records))


@pytest.fixture(autouse=True)
def _run_in_tmp(tmp_path, monkeypatch):
    """Every test runs in its own folder: default outputs (results.png, figures/) never land in the repo."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture
def results_dir(tmp_path) -> Path:
    folder = tmp_path / "results"
    folder.mkdir()
    return folder


@pytest.fixture
def valid_file(results_dir) -> Path:
    return write(results_dir, "test-env-cpu", [record(), record(run_id="run-2", samples_per_s=1100.0)])
