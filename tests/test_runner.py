"""The shared measurement loop with a fake adapter: rows written at once, OOM, skips, Ctrl-C."""

from __future__ import annotations

import csv

import pytest

from collect import cli
from collect.dataset.loader import load
from collect.measure import energy, step
from collect.measure import loop as runner
from collect.measure.adapter import Budget, OutOfMemory, Unsupported
from collect.measure.energy import EnergyPlan
from collect.measure.outcome import Outcome, Stats
from collect.measure.suites import Config


class FakeAdapter:
    framework, device_kind, device_name = "torch", "cuda", "Fake GPU"
    default_backend, distributed, writer = "eager", "none", True

    def __init__(self, outcomes=None, fits=None):
        self.outcomes = outcomes or {}
        self.fit_reasons = fits or {}
        self.calls, self.budgets, self.released, self.closed = [], [], 0, False

    def check_models(self, names):
        pass

    def fingerprint(self):
        return {"framework": "torch", "framework_version": "9.9", "device_kind": "cuda", "device_name": self.device_name}

    def fits(self, config):
        return self.fit_reasons.get(config.batch_size)

    def nvml_target(self):
        return {}

    def measure(self, config, budget):
        self.calls.append(config)
        self.budgets.append(budget)
        outcome = self.outcomes.get((config.mode, config.batch_size), "ok")
        if isinstance(outcome, BaseException):
            raise outcome
        return Outcome(Stats(100.0 * config.batch_size, 10.0, 9.0, 11.0, "", 10, 3, 0.5), 1e9, config.backend)

    def agree(self, value):
        return value

    def release(self):
        self.released += 1

    def close(self):
        self.closed = True


def configs(batches=(1, 16, 64), modes=("train",)):
    return [Config("cnn", "resnet50", mode, "fp32", b) for mode in modes for b in batches]


def run(backend, cfgs, folder):
    return runner.run_suite(backend, cfgs, env="fake-cuda", results_dir=folder, budget=Budget(1.0),
                            fingerprint={"platform": "local", "harness_version": "0.1.0"}, progress=False)


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_rows_are_written_and_valid(results_dir):
    result = run(FakeAdapter(), configs(), results_dir)
    written = rows(result.path)
    assert [r["batch_size"] for r in written] == ["1", "16", "64"]
    assert {r["status"] for r in written} == {"ok"} and len({r["run_id"] for r in written}) == 1
    assert not load([result.path]).problems


def test_oom_row_then_larger_batches_skipped(results_dir):
    backend = FakeAdapter({("train", 16): OutOfMemory("CUDA out of memory. Tried to allocate 2 GiB")})
    result = run(backend, configs(batches=(1, 16, 64)), results_dir)
    status = [(r["batch_size"], r["status"], r["note"]) for r in rows(result.path)]
    assert status[0][:2] == ("1", "ok")
    assert status[1] == ("16", "oom", "CUDA out of memory. Tried to allocate 2 GiB")
    assert status[2] == ("64", "skipped", "batch 16 already ran out of memory")
    assert [c.batch_size for c in backend.calls] == [1, 16]  # 64 was never attempted
    assert backend.released >= 2  # memory freed after each measurement


def test_skip_when_it_cannot_fit(results_dir):
    result = run(FakeAdapter(fits={64: "weights alone need 90 GiB, 16 GiB free"}), configs(), results_dir)
    assert rows(result.path)[2]["status"] == "skipped"
    assert rows(result.path)[2]["note"] == "weights alone need 90 GiB, 16 GiB free"


def test_unsupported_and_errors_become_rows_and_the_run_goes_on(results_dir):
    backend = FakeAdapter({("infer", 1): Unsupported("bf16 autocast on mps: not supported"),
                           ("infer", 16): ValueError("boom")})
    result = run(backend, configs(batches=(1, 16), modes=("infer", "train")), results_dir)
    got = [(r["mode"], r["batch_size"], r["status"], r["note"]) for r in rows(result.path)]
    assert got[0] == ("infer", "1", "unsupported", "bf16 autocast on mps: not supported")
    assert got[1] == ("infer", "16", "error", "ValueError: boom")
    assert [g[2] for g in got[2:]] == ["ok", "ok"]
    assert not load([result.path]).problems


def test_ctrl_c_keeps_every_finished_row(results_dir):
    backend = FakeAdapter({("train", 64): KeyboardInterrupt()})
    result = run(backend, configs(batches=(1, 16, 64, 128)), results_dir)
    assert result.interrupted
    assert [r["batch_size"] for r in rows(result.path)] == ["1", "16"]
    assert not load([result.path]).problems


def test_main_returns_130_on_interrupt(results_dir, monkeypatch, capsys):
    backend = FakeAdapter({("train", 8): KeyboardInterrupt()})
    monkeypatch.setattr(cli, "make_adapter", lambda *a: backend)
    rc = cli.main(["--suite", "quick", "--workloads", "cnn", "--results-dir", str(results_dir), "--no-progress", "--repeat", "1"])
    assert [c.model for c in backend.calls] == ["resnet18"]  # the interrupt came on the first cnn config
    assert rc == 130
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err
    assert err.splitlines()[-1] == ("interrupted: nothing was measured to the end, nothing written; run the same "
                                    "command again to start over")


class Terminated(FakeAdapter):
    """`kill` (SIGTERM) arrives while the second configuration is measured."""

    def measure(self, config, budget):
        if len(self.calls) == 1:
            import os
            import signal

            os.kill(os.getpid(), signal.SIGTERM)
        return super().measure(config, budget)


def test_sigterm_ends_a_run_like_ctrl_c_keeping_the_finished_rows(results_dir, monkeypatch, capsys):
    import signal

    before = signal.getsignal(signal.SIGTERM)
    monkeypatch.setattr(cli, "make_adapter", lambda *a: Terminated())
    rc = cli.main(["--models", "resnet50", "--modes", "train", "--batch-sizes", "1,16,64", "--repeat", "1", "--energy", "none",
                   "--results-dir", str(results_dir), "--env", "fake-cuda", "--no-progress"])
    out, err = capsys.readouterr()
    assert rc == 130 and out == "" and "Traceback" not in err
    path = results_dir / "results_fake-cuda.csv"
    assert err.splitlines()[-1] == (f"interrupted: 1 finished row is kept in {path}; run the same command again to "
                                    "measure the rest (a new run: the kept rows stay)")
    assert [r["batch_size"] for r in rows(path)] == ["1"] and not load([path]).problems
    assert signal.getsignal(signal.SIGTERM) is before  # a notebook kernel gets its own handlers back


def test_summary_table_lists_each_row(results_dir):
    result = run(FakeAdapter({("train", 16): OutOfMemory("oom")}), configs(batches=(1, 16)), results_dir)
    table = runner.summary_table(result.records)
    assert "resnet50" in table and "100.0" in table and "oom - oom" in table


@pytest.mark.parametrize("argv, message", [
    (["--framework", "jax"], "`framework` must be one of ('torch', 'tensorflow'), but 'jax' was passed"),
    (["--suite", "huge"], "`suite` must be one of ('quick', 'default', 'backends', 'score', 'full', 'classic'), but 'huge' was passed"),
    (["--device", "tpu"], "`device` must be one of ('auto', 'cpu', 'cuda', 'mps', 'gpu'), but 'tpu' was passed"),
    (["--modes", "eval"], "`modes` must be one of ('train', 'infer', 'train_forward', 'train_backward', 'prefill', 'decode'), but 'eval' was passed"),
    (["--batch-sizes", "0"], "`batch-sizes` must be whole numbers >= 1, but '0' was passed"),
    (["--env", "My Laptop"], "`env` must be 1-64 characters"),
    (["--max-seconds", "-1"], "`max-seconds` must be > 0, but -1.0 was passed"),
    (["--suite", "classic"], "`suite` 'classic' is the original TensorFlow benchmark"),
])
def test_bad_arguments_exit_2_with_one_clear_line(argv, message, monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_adapter", lambda *a: FakeAdapter())
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err


def test_dry_run_lists_the_plan(monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_adapter", lambda *a: FakeAdapter())
    assert cli.main(["--suite", "quick", "--dry-run", "--env", "x-cpu"]) == 0
    out = capsys.readouterr().out
    assert "12 measurements on Fake GPU (cuda), env x-cpu:" in out and "resnet18 train fp32 bs8" in out  # quick: one trial
    assert "llm-tiny decode fp32 bs1" in out and "membw-copy-256 infer fp32 bs1" in out
    assert "matmul-1024 infer fp32 bs1" in out and "tiny train fp32 bs8" in out


def test_a_one_trial_suite_says_it_measured_no_spread(results_dir, monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_adapter", lambda *a, **k: FakeAdapter())
    argv = ["--suite", "quick", "--workloads", "mlp", "--results-dir", str(results_dir), "--env", "x-cpu", "--no-progress",
            "--no-summary", "--energy", "none"]
    assert cli.main(argv) == 0
    assert "One trial (the quick suite's): no spread between processes is measured" in capsys.readouterr().out
    assert cli.main([*argv, "--repeat", "1"]) == 0  # asked for by name: no need to say so
    assert "One trial" not in capsys.readouterr().out


def test_a_notebook_kernels_own_arguments_are_ignored(tmp_path, monkeypatch):
    adapter = FakeAdapter()
    monkeypatch.setattr(cli, "make_adapter", lambda *a: adapter)
    kernel = ["/usr/lib/python3/site-packages/ipykernel_launcher.py", "-f", "/root/.local/share/jupyter/runtime/kernel-1.json"]
    monkeypatch.setattr("sys.argv", kernel)
    rounds = []
    monkeypatch.setattr(cli.launch, "run_rounds", lambda argv, n, run_id, display: rounds.append((argv, n)) or 0)
    assert cli.main() == 1  # main() without arguments in a kernel: the default suite, 3 trials (faked: no rows, so 1)
    (argv, n), = rounds  # the rounds get the defaults and this env, none of the kernel's arguments
    assert n == 3 and argv[0] == "--env" and adapter.calls == []
    assert argv[1].endswith("fake-gpu-cuda") and len(argv) == 2  # ci-fake-gpu-cuda where CI is set


@pytest.mark.parametrize("argv", [["--framewrk", "tensorflow"], ["--dry-run", "-f", "kernel.json"], ["--suite=quick", "--chek"]])
def test_unknown_or_misspelt_flags_are_an_error_not_ignored(argv, monkeypatch, capsys):
    adapter = FakeAdapter()
    monkeypatch.setattr(cli, "make_adapter", lambda *a: adapter)
    with pytest.raises(SystemExit) as exc:
        cli.main(argv)
    assert exc.value.code == 2 and "unrecognized arguments" in capsys.readouterr().err
    assert adapter.calls == []  # nothing measured


def test_help_documents_every_flag_with_defaults(capsys):
    with pytest.raises(SystemExit):
        cli.main(["--help"])
    out = capsys.readouterr().out
    for action in cli.build_parser()._actions:
        for flag in action.option_strings:
            assert flag in out
    assert "(default: torch)" in out and "(default: results)" in out and "(default: auto)" in out


def test_docs_document_every_runner_flag():
    from conftest import ROOT

    page = (ROOT / "docs" / "measuring.md").read_text()  # its "Suites and flags" table
    for action in cli.build_parser()._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in page, f"docs/measuring.md lacks {flag}"


def test_the_cpu_agreement_is_computed_once_per_model_and_never_for_a_cpu_row():
    calls, cache = [], {}
    out = Outcome(Stats(100.0, 10.0, 9.0, 11.0, "", 10, 3, 0.5), 1e9, "eager")
    agreement = lambda: calls.append(1) or 0.4  # noqa: E731
    assert step.cpu_checked(out, "cpu", cache, "llm:gpt2-small", agreement) is out and calls == []
    first = step.cpu_checked(out, "cuda", cache, "llm:gpt2-small", agreement)
    again = step.cpu_checked(out, "cuda", cache, "llm:gpt2-small", agreement)
    assert calls == [1] and first == again and first.wrong and first.rel_err == 0.4
    assert step.cpu_checked(out, "cuda", {}, "k", lambda: 1e-6).wrong is False


def test_wrong_results_keep_their_numbers_as_an_error_row(results_dir):
    assert step.output_check(1e-6, "mps") is None
    assert step.output_check(0.4, "mps") == "wrong results on mps: output differs from the CPU by 0.4 (bound 0.001)"
    assert step.output_check(2e-3, "cuda", precision="fp16") is None  # reduced precision: rounding reaches 1e-3
    assert step.output_check(step.relative_error(float("nan"), 1.0), "mps") is not None  # NaN output is wrong too

    class Garbage(FakeAdapter):
        def measure(self, config, budget):
            return step.checked(super().measure(config, budget), 0.4, "mps")

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
        from collect.measure.meters import Reading

        seconds = self.dev.now - self.t0
        return Reading(50.0 * seconds, seconds, "CPU package energy")


def test_time_step_reports_latency_percentiles_for_batch_1_inference():
    dev = TickingDevice(0.001)
    config = Config("cnn", "resnet18", "infer", "fp32", 1, backend="onnxruntime")
    timed = step.time_step(Budget(0.05), config, dev.step, sync=dev.sync, clock=dev.clock)
    m = timed.measurement
    assert m.steps_per_block == 1 and m.steps >= step.LATENCY_STEPS  # every request timed alone, past the budget
    assert not any("p99 from" in n for n in timed.notes)
    assert timed.stats.step_ms_p99 == pytest.approx(1.0) and timed.stats.step_ms_median == pytest.approx(1.0)
    assert timed.energy.method == ""  # --energy none
    slow = TickingDevice(0.01)  # 100 requests would take 1 s: the budget stretches 4x, no further
    timed = step.time_step(Budget(0.05), config, slow.step, sync=slow.sync, clock=slow.clock)
    assert 18 <= timed.measurement.steps <= 22 and f"p99 from {timed.measurement.steps} requests only" in timed.notes


def test_time_step_adds_energy_and_extends_the_window_for_the_meter():
    dev = TickingDevice(0.002)
    budget = Budget(0.05, EnergyPlan(ClockMeter(dev), "rapl"))
    config = Config("mlp", "mlp-d1-w1024", "infer", "fp32", 64)
    timed = step.time_step(budget, config, dev.step, sync=dev.sync, clock=dev.clock)
    m = timed.measurement
    assert m.window_s >= 1.0  # extended from 0.05 s to the meter's minimum window
    assert timed.energy.method == "rapl" and timed.energy.power_w == pytest.approx(50.0)
    assert timed.energy.j_per_sample == pytest.approx(50.0 * m.window_s / (m.steps * 64))
    assert "CPU package energy" in timed.notes


def test_time_step_without_a_readable_method_says_none_and_why():
    dev = TickingDevice(0.01)
    budget = Budget(0.1, EnergyPlan(None, "none", "RAPL not present (/sys/class/powercap)"))
    config = Config("mlp", "mlp-d1-w1024", "train", "fp32", 8)
    timed = step.time_step(budget, config, dev.step, sync=dev.sync, clock=dev.clock)
    assert timed.energy.method == "none" and timed.energy.power_w == ""
    assert timed.notes[-1] == "no energy method: RAPL not present (/sys/class/powercap)"


class TimedAdapter(FakeAdapter):
    """Times a 10 ms step on a fake clock through the real time_step, so the energy plan reaches the row."""

    def measure(self, config, budget):
        self.budgets.append(budget)
        dev = TickingDevice(0.01)
        timed = step.time_step(budget, config, dev.step, sync=dev.sync, clock=dev.clock)
        return Outcome(timed.stats, 1e9, config.backend, energy=timed.energy, notes=timed.notes)


def fake_powercap(folder, readable: bool):
    zone = folder / "intel-rapl:0"
    zone.mkdir(parents=True)
    (zone / "max_energy_range_uj").write_text("262143328850\n")
    if readable:
        (zone / "energy_uj").write_text("1000000\n")
    return folder


@pytest.mark.parametrize("readable", [True, False])
def test_energy_flag_reaches_the_rows(readable, results_dir, tmp_path, monkeypatch):
    adapter = TimedAdapter()
    monkeypatch.setattr(cli, "make_adapter", lambda *a, **k: adapter)
    monkeypatch.setitem(energy.plan.__kwdefaults__, "rapl_root", str(fake_powercap(tmp_path / "powercap", readable)))
    assert cli.main(["--models", "resnet50", "--batch-sizes", "1", "--modes", "train", "--energy", "rapl", "--repeat", "1",
                     "--results-dir", str(results_dir), "--env", "fake-cuda", "--no-progress"]) == 0
    row = rows(results_dir / "results_fake-cuda.csv")[0]
    if readable:  # the fake counter never advances: the row names the method and says why it has no figure
        assert adapter.budgets[0].energy.method == "rapl" and adapter.budgets[0].energy.meter is not None
        assert row["energy_method"] == "rapl" and row["power_w"] == "" and "rapl counter did not advance" in row["note"]
    else:
        assert adapter.budgets[0].energy.meter is None
        assert row["energy_method"] == "none" and row["power_w"] == ""
        assert "no energy method: RAPL not present" in row["note"]
    assert adapter.closed
