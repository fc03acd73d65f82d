"""The runner checks where it will write, and that there is something to measure, before it measures anything."""

from __future__ import annotations

import pytest
from conftest import record, write
from test_runner import FakeAdapter

from collect import cli

BASE = ["--models", "resnet50", "--batch-sizes", "1", "--modes", "train", "--repeat", "1", "--no-progress", "--energy", "none"]


def run(argv, monkeypatch, adapter=None):
    adapter = adapter or FakeAdapter()
    monkeypatch.setattr(cli, "make_adapter", lambda *a, **k: adapter)
    return cli.main([*BASE, *argv]), adapter


def one_error_line(capsys) -> str:
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if "error:" in line]
    assert len(lines) == 1 and "Traceback" not in err, err
    return lines[0]


def test_a_folder_that_cannot_be_made_is_an_error_before_measuring(monkeypatch, capsys):
    rc, adapter = run(["--results-dir", "/proc/nope", "--env", "box-cuda"], monkeypatch)
    assert rc == 2 and adapter.calls == []
    line = one_error_line(capsys)
    assert "--results-dir /proc/nope: cannot write there" in line and "pass a folder you can write to" in line


def test_a_file_holding_another_envs_rows_is_refused_and_left_alone(results_dir, monkeypatch, capsys):
    path = write(results_dir, "other-cpu", [record(env="other-cpu")])
    renamed = path.rename(results_dir / "results_box-cuda.csv")
    before = renamed.read_bytes()
    rc, adapter = run(["--results-dir", str(results_dir), "--env", "box-cuda"], monkeypatch)
    assert rc == 2 and adapter.calls == [] and renamed.read_bytes() == before
    line = one_error_line(capsys)
    assert f"{renamed} is not a valid results file for env 'box-cuda'" in line
    assert "env: does not match the <env> in the file name" in line and "pass another --env or move that file away" in line


def test_a_file_that_is_not_a_devicebench_file_is_refused(results_dir, monkeypatch, capsys):
    path = results_dir / "results_box-cuda.csv"
    path.write_text("name,score\nalice,3\n")
    rc, adapter = run(["--results-dir", str(results_dir), "--env", "box-cuda"], monkeypatch)
    assert rc == 2 and adapter.calls == [] and path.read_text() == "name,score\nalice,3\n"
    assert "has columns devicebench does not write (name, score)" in one_error_line(capsys)


def test_a_valid_file_of_this_env_is_appended_to(results_dir, monkeypatch):
    path = write(results_dir, "box-cuda", [record(env="box-cuda")])
    rc, adapter = run(["--results-dir", str(results_dir), "--env", "box-cuda"], monkeypatch)
    assert rc == 0 and len(adapter.calls) == 1 and len(path.read_text().splitlines()) == 3


@pytest.mark.parametrize("argv, message", [
    (["--workloads", "mlp"], "--workloads mlp keeps none of --models resnet50 (resnet50: cnn): nothing to measure"),
    (["--models", "matmul-256", "--distributed", "ddp"], "leave nothing to measure"),
])
def test_flags_that_leave_nothing_to_measure_are_named(argv, message, results_dir, monkeypatch, capsys):
    adapter = FakeAdapter()
    adapter.distributed = "ddp" if "ddp" in argv else "none"
    monkeypatch.setenv("RANK", "0")  # as under torchrun: no sweep
    rc, _ = run([*argv, "--results-dir", str(results_dir)], monkeypatch, adapter)
    assert rc == 2 and adapter.calls == []
    line = one_error_line(capsys)
    assert message in line
    if "ddp" in argv:
        assert "--models matmul-256, --modes train, --batch-sizes 1 and --distributed ddp (training only, no matmul)" in line


def test_verbose_shows_the_traceback(monkeypatch, capsys):
    rc, _ = run(["--results-dir", "/proc/nope", "-v"], monkeypatch)
    assert rc == 2 and "Traceback" in capsys.readouterr().err


class Rank(FakeAdapter):
    """A non-writing rank of a data-parallel run: it checks nothing itself and learns the writer's verdict."""

    writer, distributed = False, "ddp"

    def __init__(self, writer_failed: bool):
        super().__init__()
        self.writer_failed, self.asked = writer_failed, []

    def agree(self, value):
        self.asked.append(value)
        return max(value, 1.0 if self.writer_failed else 0.0)


@pytest.mark.parametrize("writer_failed", [True, False])
def test_other_ranks_stop_when_the_writing_rank_found_a_problem(writer_failed, results_dir, monkeypatch, capsys):
    monkeypatch.setenv("RANK", "1")
    adapter = Rank(writer_failed)
    rc, _ = run(["--results-dir", "/proc/nope", "--distributed", "ddp"], monkeypatch, adapter)
    assert adapter.asked == [0.0]  # this rank never checked the folder (the writer does), it only agreed
    assert (rc, len(adapter.calls)) == ((2, 0) if writer_failed else (0, 1))
    assert "error" not in capsys.readouterr().err  # the writer reports; the others stay quiet


@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_real_runners_stop_before_building_any_model(framework, monkeypatch, capsys):
    pytest.importorskip("torch" if framework == "torch" else "tensorflow")
    if framework == "torch":
        from collect.frameworks.torch import adapter as module
    else:
        from collect.frameworks.tensorflow import adapter as module

    def never(*a, **k):
        raise AssertionError("a model was built")

    monkeypatch.setattr(module, "build_model", never)
    rc = cli.main(["--framework", framework, "--models", "mlp-d1-w1024", "--device", "cpu", "--repeat", "1",
                   "--results-dir", "/proc/nope", "--no-progress"])
    assert rc == 2 and "--results-dir /proc/nope: cannot write there" in one_error_line(capsys)
