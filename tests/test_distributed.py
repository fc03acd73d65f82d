"""Data-parallel runs: torchrun + DDP (gloo on CPU, 2 ranks) and MirroredStrategy over 2 logical CPUs."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
import textwrap

import matplotlib.pyplot as plt
import pytest
from conftest import ROOT, record, write

from collect import cli
from collect.dataset.loader import discover, load
from collect.present import summary

# torchrun's launches rendezvous on its default port (29500): under pytest-xdist (`--dist loadgroup`, pyproject.toml)
# the tests that launch it run in one worker, one after the other.
TORCHRUN = pytest.mark.xdist_group("torchrun")
TINY = ["--models", "mlp-d2-w1024", "--batch-sizes", "8", "--max-seconds", "0.5", "--no-progress"]


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


def driver(tmp_path, name: str, body: str):
    """A small entry point that prepares the process (as a test needs), then runs the CLI."""
    path = tmp_path / name
    path.write_text(f"import os, sys\nsys.path.insert(0, {str(ROOT)!r})\n" + textwrap.dedent(body)
                    + "from collect.cli import main\nraise SystemExit(main(sys.argv[1:]))\n")
    return path


def run(args, timeout=180, env=None):
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", **(env or {})})


@pytest.mark.torch
@pytest.mark.slow
@TORCHRUN
def test_torchrun_sweep_over_1_and_2_ranks(tmp_path):
    out = run([sys.executable, "-m", "collect", "--framework", "torch", "--distributed", "ddp", "--world-sizes", "1,2",
               "--env", "ddp-cpu", "--results-dir", str(tmp_path), "--device", "cpu", *TINY])
    assert out.returncode == 0, out.stderr[-2000:]
    got = rows(tmp_path / "results_ddp-cpu.csv")
    # One row per launch: rank 1 wrote nothing.
    assert [(r["world_size"], r["distributed"], r["global_batch_size"], r["batch_size"]) for r in got] == [
        ("1", "ddp", "8", "8"), ("2", "ddp", "16", "8")]
    assert all("each rank its own synthetic data" in r["note"] for r in got)
    loaded = load([tmp_path / "results_ddp-cpu.csv"])
    assert not loaded.problems
    table = summary.scaling(summary.aggregate(loaded.frame))
    assert list(table["world_size"]) == [1, 2] and table["efficiency"].iloc[0] == pytest.approx(1.0)
    from collect.present.details import scaling_figure

    fig = scaling_figure(summary.summarize(loaded.frame))
    assert fig.axes[0].get_xlabel() == "devices (world size)"
    assert any(line.get_linestyle() == "--" for line in fig.axes[0].get_lines())  # the ideal line
    plt.close(fig)


@pytest.mark.torch
@pytest.mark.slow
@TORCHRUN
def test_a_rank_that_dies_fails_the_run_and_writes_no_row(tmp_path):
    dies = driver(tmp_path, "dies.py", """
        from collect.frameworks.torch import adapter as torch_runner
        if os.environ["RANK"] == "1":  # rank 1 dies before its first step
            torch_runner.TorchAdapter._measure = lambda self, config, max_seconds: os._exit(3)
    """)
    out = run([sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", "2", str(dies), "--framework", "torch",
               "--distributed", "ddp", "--env", "broken-cpu", "--results-dir", str(tmp_path / "r"), "--device", "cpu", *TINY],
              timeout=300)
    assert out.returncode != 0
    path = tmp_path / "r" / "results_broken-cpu.csv"
    assert not path.exists() or rows(path) == []


@pytest.mark.tensorflow
@pytest.mark.slow
def test_mirrored_strategy_over_two_logical_cpus(tmp_path):
    two_cpus = driver(tmp_path, "mirrored.py", """
        import tensorflow as tf
        cpu = tf.config.list_physical_devices("CPU")[0]  # two logical devices, before TensorFlow initialises
        tf.config.set_logical_device_configuration(cpu, [tf.config.LogicalDeviceConfiguration()] * 2)
    """)
    out = run([sys.executable, str(two_cpus), "--framework", "tensorflow", "--distributed", "mirrored", "--device", "cpu",
               "--env", "mirrored-cpu", "--results-dir", str(tmp_path), *TINY])
    assert out.returncode == 0, out.stderr[-2000:]
    got = rows(tmp_path / "results_mirrored-cpu.csv")
    assert [(r["world_size"], r["distributed"], r["global_batch_size"], r["status"]) for r in got] == [("2", "mirrored", "16", "ok")]
    assert not load([tmp_path / "results_mirrored-cpu.csv"]).problems


@pytest.mark.torch
def test_ddp_without_a_process_group_is_a_clear_error(capsys, monkeypatch):
    for key in ("RANK", "WORLD_SIZE", "LOCAL_RANK"):
        monkeypatch.delenv(key, raising=False)
    assert cli.main(["--framework", "torch", "--distributed", "ddp", "--dry-run"]) == 2
    assert "--distributed ddp needs a process group: launch it with `torchrun --nproc-per-node N" in capsys.readouterr().err


@pytest.mark.torch
def test_more_ranks_than_gpus_is_an_error():
    from collect.frameworks.torch.ddp import device_for

    assert device_for(1, 2, cuda_devices=4, want_cuda=True) == "cuda:1"
    assert device_for(3, 4, cuda_devices=0, want_cuda=False) == "cpu"
    with pytest.raises(ValueError, match="4 ranks per node were launched, but this node has 2 CUDA device"):
        device_for(3, 4, cuda_devices=2, want_cuda=True)


@pytest.mark.torch
def test_mismatched_versions_across_ranks_stop_the_run(monkeypatch):
    from collect.frameworks.torch import ddp as torch_ddp

    monkeypatch.setattr(torch_ddp.dist, "get_world_size", lambda: 2)

    def gather(out, mine):
        out[0], out[1] = mine, ("2.3.0", mine[1])  # the other rank runs an older torch
    monkeypatch.setattr(torch_ddp.dist, "all_gather_object", gather)
    with pytest.raises(RuntimeError, match="ranks run different versions"):
        torch_ddp.check_versions()


@pytest.mark.torch
def test_each_rank_draws_its_own_data():
    import torch

    from collect.frameworks.torch.ddp import seed_for
    from collect.frameworks.torch.models import make_inputs

    batches = []
    for rank in (0, 1):
        torch.manual_seed(seed_for(rank))
        batches.append(make_inputs("mlp-d2-w1024", 4, "cpu")[0])
    assert not torch.equal(*batches)


def test_chief_writes_in_multi_worker_runs():
    pytest.importorskip("tensorflow")
    from collect.frameworks.tensorflow.distribute import is_chief

    assert is_chief('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 0}}')
    assert not is_chief('{"cluster": {"worker": ["a:1", "b:1"]}, "task": {"type": "worker", "index": 1}}')
    assert not is_chief('{"cluster": {"chief": ["c:1"], "worker": ["a:1"]}, "task": {"type": "worker", "index": 0}}')
    assert is_chief('{"cluster": {"chief": ["c:1"]}, "task": {"type": "chief", "index": 0}}')


def test_sweep_launches_one_run_per_size(monkeypatch):
    launched = []
    monkeypatch.setattr(cli.launch.subprocess, "run",
                        lambda command, check, env: launched.append(command) or subprocess.CompletedProcess(command, 0))
    monkeypatch.delenv("RANK", raising=False)
    assert cli.main(["--framework", "torch", "--world-sizes", "1,4", "--models", "resnet50"]) == 0
    assert [c[c.index("--nproc-per-node") + 1] for c in launched] == ["1", "4"]
    assert all("--world-sizes" not in c and c[c.index("--distributed") + 1] == "ddp" for c in launched)
    launched.clear()
    assert cli.main(["--framework", "tensorflow", "--world-sizes", "2", "--models", "resnet50"]) == 0
    assert launched[0][-4:] == ["--replicas", "2", "--distributed", "mirrored"]


def test_scaling_efficiency_table_and_markdown(results_dir):
    rows_ = [record(env="node-cuda", device_kind="cuda", samples_per_s=100.0, run_id="a"),
             record(env="node-cuda", device_kind="cuda", samples_per_s=180.0, world_size=2, distributed="ddp",
                    global_batch_size=128, run_id="b"),
             record(env="node-cuda", device_kind="cuda", samples_per_s=300.0, world_size=4, distributed="ddp",
                    global_batch_size=256, run_id="c")]
    write(results_dir, "node-cuda", rows_)
    frame = load(discover(results_dir)).frame
    table = summary.scaling(summary.aggregate(frame))
    assert list(table["efficiency"]) == pytest.approx([1.0, 0.9, 0.75])
    from collect.present.report import render

    text = render(summary.summarize(frame), "sub")
    assert "## Scaling over devices" in text and "| node-cuda | torch | mlp-d5-w1024 | fp32 | 64 | 4 | 300 | 400 | 75% |" in text
    # single- and multi-device rows never merge in the leaderboard
    assert text.count("| mlp-d5-w1024 | train | node-cuda |") == 3
