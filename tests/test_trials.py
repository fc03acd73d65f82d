"""--repeat: trials round-robin in fresh processes, one row each, and the unsteady verdict on their spread."""

from __future__ import annotations

import csv
import os
import sys

import pytest
from conftest import ROOT
from test_runner import FakeAdapter, TickingDevice

from collect import cli
from collect.dataset.loader import load
from collect.measure import interrupts, launch, step, trials
from collect.measure.outcome import Outcome


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def test_round_command_is_the_same_command_line_for_one_trial():
    argv = ["--models", "resnet50", "--repeat", "5", "--env", "box-cpu"]
    assert launch.round_command(argv, 2, "run-9", python="py") == [
        "py", "-m", "collect", "--models", "resnet50", "--env", "box-cpu", "--repeat", "1", "--trial", "2", "--run-id", "run-9"]


def test_rounds_stop_at_an_interrupt():
    codes = iter([0, 130, 0])
    seen = []

    def run(command, env, on_tick):
        assert env["PYTHONPATH"].split(os.pathsep)[0] == str(ROOT)  # the children import this very checkout
        assert env[interrupts.PARENT_ENV] == str(os.getpid())  # ... and end with this process
        seen.append(command)
        return next(codes)

    assert launch.run_rounds(["--suite", "quick"], 3, "r", run=run) == 130
    assert [c[c.index("--trial") + 1] for c in seen] == ["1", "2"]


@pytest.mark.parametrize("rates, unsteady", [((100, 104, 98), False), ((100, 130, 101), True), ((100, 100), False)])
def test_unsteady_when_fastest_over_slowest_exceeds_the_bound(rates, unsteady):
    rows_ = [{"status": "ok", "samples_per_s": str(r), "model": "m", "mode": "train"} for r in rates]
    rows_.append({"status": "oom", "samples_per_s": "", "model": "m", "mode": "train"})  # not a trial that ran
    notes = trials.unsteady_notes(rows_)
    assert bool(notes) == unsteady
    if unsteady:
        assert list(notes.values()) == ["unsteady: trials 100-130 samples/s"]


def test_notes_and_table_read_in_each_rows_unit():
    rows_ = [{"status": "ok", "samples_per_s": str(r), "model": "membw-copy-1024", "mode": "infer", "rate_unit": "bytes",
              "precision": "fp32", "backend": "eager", "batch_size": "1"} for r in (30.0e9, 36.0e9, 31.0e9)]
    rows_ += [{"status": "ok", "samples_per_s": str(r), "model": "gpt2-small", "mode": "decode", "rate_unit": "tokens",
               "precision": "fp32", "backend": "eager", "batch_size": "1"} for r in (21.0, 22.0, 21.5)]
    notes = trials.unsteady_notes(rows_)
    assert list(notes.values()) == ["unsteady: trials 30-36 GB/s"]
    text = trials.table(rows_, notes)
    assert "31 GB/s" in text and "3 of 3 (30-36)" in text and "21.5 tok/s" in text and "e+10" not in text
    assert text.count("unsteady") == 1 and "unsteady: trials" not in text  # the range is in its column already
    assert "--repeat 5" in trials.advice(notes) and trials.advice({}) == ""


class TrialAdapter(FakeAdapter):
    """resnet50 steps take 10 ms, except in trial 2 (the machine swung); the MLP is steady throughout."""

    trial = 0

    def measure(self, config, budget):
        slow = TrialAdapter.trial == 2 and config.model == "resnet50"
        dev = TickingDevice(0.02 if slow else 0.01)  # a fake clock: the injected slow trial
        timed = step.time_step(budget, config, dev.step, sync=dev.sync, clock=dev.clock)
        return Outcome(timed.stats, 1e9, config.backend, notes=timed.notes)


def test_an_injected_slow_trial_is_noted_unsteady_on_each_of_its_rows(results_dir, monkeypatch, capsys):
    monkeypatch.setattr(cli, "make_adapter", lambda *a, **k: TrialAdapter())

    def in_process_rounds(argv, n, run_id, display):  # the real round commands, run here so the fake adapter is used
        for k in range(1, n + 1):
            TrialAdapter.trial = k
            assert cli.main(launch.round_command(argv, k, run_id)[3:]) == 0
        return 0

    monkeypatch.setattr(cli.launch, "run_rounds", in_process_rounds)
    argv = ["--models", "resnet50,mlp-d1-w1024", "--modes", "train", "--batch-sizes", "8", "--energy", "none",
            "--max-seconds", "0.2", "--results-dir", str(results_dir), "--env", "box-cuda", "--no-progress"]
    assert cli.main([*argv, "--repeat", "3"]) == 0
    got = rows(results_dir / "results_box-cuda.csv")
    assert [(r["model"], r["trial"]) for r in got] == [(m, str(t)) for t in (1, 2, 3) for m in ("resnet50", "mlp-d1-w1024")]
    assert len({r["run_id"] for r in got}) == 1
    for r in got:
        assert ("unsteady: trials 400-800 samples/s" in r["note"]) == (r["model"] == "resnet50")
    assert not load([results_dir / "results_box-cuda.csv"]).problems
    out = capsys.readouterr().out
    assert "6 rows (3 trials) appended" in out and "1 configurations unsteady" in out and "3 of 3 (400-800)" in out
    # what it means and what to try: said once under the table, not on each row
    assert out.count("--repeat 5") == 1 and out.count("close other programs, plug in the power") == 1
    import plot_results

    assert plot_results.main(["--check", "--results-dir", str(results_dir)]) == 0  # valid; flagged for a reviewer
    review = [line for line in capsys.readouterr().out.splitlines() if "review: unsteady" in line]
    assert len(review) == 1 and "3 trials of resnet50 train bs8 range 400-800 samples/s" in review[0]


@pytest.mark.slow
def test_repeat_2_writes_a_trial_from_each_of_two_processes(results_dir, tmp_path):
    pytest.importorskip("torch")
    import subprocess

    argv = ["--suite", "quick", "--models", "mlp-d1-w1024", "--modes", "infer", "--batch-sizes", "2", "--max-seconds", "0.2",
            "--device", "cpu", "--energy", "none", "--env", "trials-cpu", "--results-dir", str(results_dir), "--no-progress",
            "--repeat", "2"]  # round-robin over three trials: the test above
    # As a notebook does: the checkout put on sys.path by hand, started from another folder, no PYTHONPATH.
    # The rounds' processes must still import this checkout.
    code = f"import sys; sys.path.insert(0, {str(ROOT)!r}); from collect.cli import main; sys.exit(main({argv!r}))"
    environ = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=300, env=environ)
    assert done.returncode == 0, done.stderr[-2000:]
    got = rows(results_dir / "results_trials-cpu.csv")
    assert [(r["mode"], r["trial"]) for r in got] == [("infer", "1"), ("infer", "2")]
    assert len({r["run_id"] for r in got}) == 1 and not load([results_dir / "results_trials-cpu.csv"]).problems
    assert "2 rows (2 trials) appended" in done.stdout


def measurement(step_s):
    from collect.measure.timing import Measurement

    return Measurement(tuple(step_s), len(step_s), sum(step_s), 1, 0.1, 3, 1)


def test_a_window_whose_step_times_fall_into_two_levels_is_noted_bimodal():
    # The 595 samples/s row: blocks at ~39 ms for a while, then ~59 ms.
    swung = [0.039 + 0.0005 * (i % 3) for i in range(12)] + [0.059 + 0.0005 * (i % 3) for i in range(18)]
    assert "bimodal: step times cluster at 39.5 and 59.5 ms" in step.noise_notes(measurement(swung))


@pytest.mark.parametrize("times", [
    [0.010 + 0.0002 * i for i in range(40)],  # steady with jitter: 8% from first to last, no jump
    [0.010] * 38 + [0.030, 0.031],  # two outliers: a tail, not a second level
    [0.010, 0.020] * 4,  # too few blocks to say
])
def test_jitter_and_a_few_outliers_are_not_bimodal(times):
    assert not any(n.startswith("bimodal") for n in step.noise_notes(measurement(times)))


def test_check_flags_torch_training_flops_from_the_old_counter(results_dir, capsys):
    """Rows written before the grouped-convolution fix keep their numbers; --check tells a reviewer which."""
    from conftest import record, write

    import plot_results

    forward = 0.602e9
    write(results_dir, "old-cpu", [
        record(env="old-cpu", workload="cnn", model="mobilenet_v2", mode="infer", flops_per_sample=forward),
        record(env="old-cpu", workload="cnn", model="mobilenet_v2", mode="train", flops_per_sample=20.4 * forward),
        record(env="old-cpu", workload="cnn", model="resnet18", mode="infer", flops_per_sample=3.63e9),
        record(env="old-cpu", workload="cnn", model="resnet18", mode="train", flops_per_sample=2.93 * 3.63e9)])
    assert plot_results.main(["--check", "--results-dir", str(results_dir)]) == 0
    flagged = [line for line in capsys.readouterr().out.splitlines() if "forward FLOPs" in line]
    assert len(flagged) == 1 and "results_old-cpu.csv:3: tflops: review: training counted 20.4x" in flagged[0]


def test_check_names_an_unsteady_bandwidth_row_in_gb_per_s(results_dir, capsys):
    from conftest import record, write

    import plot_results

    write(results_dir, "bw-cpu", [record(env="bw-cpu", workload="membw", model="membw-copy-1024", mode="infer",
                                         batch_size=1, rate_unit="bytes", bytes_per_sample=1, samples_per_s=rate,
                                         gb_per_s=rate / 1e9, trial=k, run_id="r1")
                                  for k, rate in enumerate((30.0e9, 36.0e9, 31.0e9), start=1)])
    assert plot_results.main(["--check", "--results-dir", str(results_dir)]) == 0
    review = [line for line in capsys.readouterr().out.splitlines() if "review: unsteady" in line]
    assert len(review) == 1 and "3 trials of membw-copy-1024 infer bs1 range 30-36 GB/s" in review[0]
