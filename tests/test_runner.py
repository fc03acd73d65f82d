"""The shared measurement loop with a fake backend: rows written at once, OOM, skips, Ctrl-C."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest

from collect import cli
from collect.dataset.loader import load
from collect.measure import loop as runner
from collect.measure.suites import Config


class FakeBackend:
    framework, device_kind, device_name = "torch", "cuda", "Fake GPU"
    default_backend = "eager"

    def __init__(self, outcomes=None, fits=None):
        self.outcomes = outcomes or {}
        self.fit_reasons = fits or {}
        self.calls, self.released = [], 0

    def check_models(self, names):
        pass

    def fingerprint(self):
        return {"framework": "torch", "framework_version": "9.9", "device_kind": "cuda", "device_name": self.device_name}

    def fits(self, config):
        return self.fit_reasons.get(config.batch_size)

    def measure(self, config, max_seconds):
        self.calls.append(config)
        outcome = self.outcomes.get((config.mode, config.batch_size), "ok")
        if isinstance(outcome, BaseException):
            raise outcome
        rate = 100.0 * config.batch_size
        return {"samples_per_s": rate, "step_ms_median": 10.0, "step_ms_p10": 9.0, "step_ms_p90": 11.0, "steps": 10,
                "warmup_steps": 3, "compile_s": 0.5}

    def release(self):
        self.released += 1


def configs(batches=(1, 16, 64), modes=("train",)):
    return [Config("cnn", "resnet50", mode, "fp32", b) for mode in modes for b in batches]


def run(backend, cfgs, folder):
    return runner.run_suite(backend, cfgs, env="fake-cuda", results_dir=folder, max_seconds=1.0,
                            fingerprint={"platform": "local", "harness_version": "0.1.0"}, progress=False)


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_rows_are_written_and_valid(results_dir):
    result = run(FakeBackend(), configs(), results_dir)
    written = rows(result.path)
    assert [r["batch_size"] for r in written] == ["1", "16", "64"]
    assert {r["status"] for r in written} == {"ok"} and len({r["run_id"] for r in written}) == 1
    assert not load([result.path]).problems


def test_oom_row_then_larger_batches_skipped(results_dir):
    backend = FakeBackend({("train", 16): runner.OutOfMemory("CUDA out of memory. Tried to allocate 2 GiB")})
    result = run(backend, configs(batches=(1, 16, 64)), results_dir)
    status = [(r["batch_size"], r["status"], r["note"]) for r in rows(result.path)]
    assert status[0][:2] == ("1", "ok")
    assert status[1] == ("16", "oom", "CUDA out of memory. Tried to allocate 2 GiB")
    assert status[2] == ("64", "skipped", "batch 16 already ran out of memory")
    assert [c.batch_size for c in backend.calls] == [1, 16]  # 64 was never attempted
    assert backend.released >= 2  # memory freed after each measurement


def test_skip_when_it_cannot_fit(results_dir):
    result = run(FakeBackend(fits={64: "weights alone need 90 GiB, 16 GiB free"}), configs(), results_dir)
    assert rows(result.path)[2]["status"] == "skipped"
    assert rows(result.path)[2]["note"] == "weights alone need 90 GiB, 16 GiB free"


def test_unsupported_and_errors_become_rows_and_the_run_goes_on(results_dir):
    backend = FakeBackend({("infer", 1): runner.Unsupported("bf16 autocast on mps: not supported"),
                           ("infer", 16): ValueError("boom")})
    result = run(backend, configs(batches=(1, 16), modes=("infer", "train")), results_dir)
    got = [(r["mode"], r["batch_size"], r["status"], r["note"]) for r in rows(result.path)]
    assert got[0] == ("infer", "1", "unsupported", "bf16 autocast on mps: not supported")
    assert got[1] == ("infer", "16", "error", "ValueError: boom")
    assert [g[2] for g in got[2:]] == ["ok", "ok"]
    assert not load([result.path]).problems


def test_ctrl_c_keeps_every_finished_row(results_dir):
    backend = FakeBackend({("train", 64): KeyboardInterrupt()})
    result = run(backend, configs(batches=(1, 16, 64, 128)), results_dir)
    assert result.interrupted
    assert [r["batch_size"] for r in rows(result.path)] == ["1", "16"]
    assert not load([result.path]).problems


def test_main_returns_130_on_interrupt(results_dir, monkeypatch, capsys):
    backend = FakeBackend({("train", 8): KeyboardInterrupt()})
    monkeypatch.setattr(cli, "make_backend", lambda *a: backend)
    rc = cli.main(["--suite", "quick", "--workloads", "cnn", "--results-dir", str(results_dir), "--no-progress"])
    assert [c.model for c in backend.calls] == ["resnet18"]  # the interrupt came on the first cnn config
    assert rc == 130
    assert "interrupted" in capsys.readouterr().err


def test_summary_table_lists_each_row(results_dir):
    result = run(FakeBackend({("train", 16): runner.OutOfMemory("oom")}), configs(batches=(1, 16)), results_dir)
    table = runner.summary_table(result.records)
    assert "resnet50" in table and "100.0" in table and "oom - oom" in table


@pytest.mark.parametrize("argv, message", [
    (["--framework", "jax"], "`framework` must be one of ('torch', 'tensorflow'), but 'jax' was passed"),
    (["--suite", "huge"], "`suite` must be one of ('quick', 'default', 'backends', 'full', 'classic'), but 'huge' was passed"),
    (["--device", "tpu"], "`device` must be one of ('auto', 'cpu', 'cuda', 'mps', 'gpu'), but 'tpu' was passed"),
    (["--modes", "eval"], "`modes` must be one of ('train', 'infer', 'train_forward', 'train_backward'), but 'eval' was passed"),
    (["--batch-sizes", "0"], "`batch-sizes` must be whole numbers >= 1, but '0' was passed"),
    (["--env", "My Laptop"], "`env` must be 1-64 characters"),
    (["--max-seconds", "-1"], "`max-seconds` must be > 0, but -1.0 was passed"),
    (["--suite", "classic"], "`suite` 'classic' is the original TensorFlow benchmark"),
])
def test_bad_arguments_exit_2_with_one_clear_line(argv, message, monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_backend", lambda *a: FakeBackend())
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_dry_run_lists_the_plan(monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_backend", lambda *a: FakeBackend())
    assert cli.main(["--suite", "quick", "--dry-run", "--env", "x-cpu"]) == 0
    out = capsys.readouterr().out
    assert "9 measurements on Fake GPU (cuda), env x-cpu" in out and "resnet18 train fp32 bs8" in out
    assert "matmul-1024 infer fp32 bs1" in out and "tiny train fp32 bs8" in out


def test_unknown_notebook_arguments_are_ignored(monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_backend", lambda *a: FakeBackend())
    assert cli.main(["-f", "/root/.local/share/jupyter/runtime/kernel-1.json", "--dry-run"]) == 0


def test_help_documents_every_flag_with_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for action in cli.build_parser()._actions:
        for flag in action.option_strings:
            assert flag in out
    assert "(default: torch)" in out and "(default: results)" in out and "(default: auto)" in out


def test_readme_documents_every_runner_flag():
    from conftest import ROOT

    readme = (ROOT / "README.md").read_text()
    for action in cli.build_parser()._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in readme, f"README lacks {flag}"


def test_wrong_results_keep_their_numbers_as_an_error_row(results_dir):
    assert runner.wrong_results({"rel_err": 1e-6}, "mps") == []
    out = {"samples_per_s": 900.0, "rel_err": 0.4}
    assert runner.wrong_results(out, "mps") == ["wrong results on mps: output differs from the CPU by 0.4 (bound 0.001)"]
    assert out["status"] == "error"

    class Garbage(FakeBackend):
        def measure(self, config, max_seconds):
            out = {**super().measure(config, max_seconds), "rel_err": 0.4}
            out["note"] = "; ".join(runner.wrong_results(out, "mps"))
            return out

    result = run(Garbage(), configs(batches=(1,)), results_dir)
    row = rows(result.path)[0]
    assert (row["status"], row["samples_per_s"], row["rel_err"]) == ("error", "100.0", "0.4")
    assert "wrong results on mps" in row["note"] and not load([result.path]).problems


class TickingDevice:
    """A step of fixed length on a fake clock (sync is where time passes, as on a GPU)."""

    def __init__(self, step_s):
        self.now, self.pending, self.step_s = 0.0, 0.0, step_s

    def clock(self):
        return self.now

    def step(self):
        self.pending += self.step_s

    def sync(self):
        self.now, self.pending = self.now + self.pending, 0.0


class ClockMeter:
    """An energy meter at a constant 50 W on the device's fake clock."""

    method, min_window_s = "rapl", 1.0

    def __init__(self, dev):
        self.dev = dev

    def start(self):
        self.t0 = self.dev.now

    def stop(self):
        from collect.measure.energy import Reading

        seconds = self.dev.now - self.t0
        return Reading(50.0 * seconds, seconds, "CPU package energy")


def test_time_step_reports_latency_percentiles_for_batch_1_inference():
    dev = TickingDevice(0.001)
    config = Config("cnn", "resnet18", "infer", "fp32", 1, backend="onnxruntime")
    m, fields, notes = runner.time_step(SimpleNamespace(), config, dev.step, sync=dev.sync, max_seconds=0.05,
                                        flops=10, clock=dev.clock)
    assert m.steps_per_block == 1 and m.steps >= runner.LATENCY_STEPS  # every request timed alone, past the budget
    assert not any("p99 from" in n for n in notes)
    assert fields["backend"] == "onnxruntime"
    assert fields["step_ms_p99"] == pytest.approx(1.0) and fields["step_ms_median"] == pytest.approx(1.0)
    assert "energy_method" not in fields  # --energy none
    slow = TickingDevice(0.01)  # 100 requests would take 1 s: the budget stretches 4x, no further
    m, _fields, notes = runner.time_step(SimpleNamespace(), config, slow.step, sync=slow.sync, max_seconds=0.05,
                                         flops=10, clock=slow.clock)
    assert 18 <= m.steps <= 22 and f"p99 from {m.steps} requests only" in notes


def test_time_step_adds_energy_and_extends_the_window_for_the_meter():
    dev = TickingDevice(0.002)
    backend = SimpleNamespace(meter=ClockMeter(dev), energy_method="rapl")
    config = Config("mlp", "mlp-d1-w1024", "infer", "fp32", 64)
    m, fields, notes = runner.time_step(backend, config, dev.step, sync=dev.sync, max_seconds=0.05, flops=10,
                                        clock=dev.clock)
    assert m.window_s >= 1.0  # extended from 0.05 s to the meter's minimum window
    assert fields["energy_method"] == "rapl" and fields["power_w"] == pytest.approx(50.0)
    assert fields["energy_j_per_sample"] == pytest.approx(50.0 * m.window_s / (m.steps * 64))
    assert "CPU package energy" in notes


def test_time_step_without_a_readable_method_says_none_and_why():
    dev = TickingDevice(0.01)
    backend = SimpleNamespace(meter=None, energy_method="none", energy_why="RAPL not present (/sys/class/powercap)")
    config = Config("mlp", "mlp-d1-w1024", "train", "fp32", 8)
    _m, fields, notes = runner.time_step(backend, config, dev.step, sync=dev.sync, max_seconds=0.1, flops=10,
                                         clock=dev.clock)
    assert fields["energy_method"] == "none" and "power_w" not in fields
    assert notes[-1] == "no energy method: RAPL not present (/sys/class/powercap)"


def test_energy_flag_reaches_the_rows(results_dir, monkeypatch):
    backend = FakeBackend()
    monkeypatch.setattr(cli, "make_backend", lambda *a, **k: backend)
    assert cli.main(["--models", "resnet50", "--batch-sizes", "1", "--energy", "rapl", "--results-dir", str(results_dir),
                     "--env", "fake-cuda", "--no-progress"]) == 0
    assert backend.energy_method in ("rapl", "none")  # rapl where readable, else none with the reason
    assert (backend.meter is None) == (backend.energy_method == "none")
    assert backend.meter is not None or "RAPL" in backend.energy_why
