"""The runner against the other envs in its results folder, through main(argv): `--like ENV` measures exactly ENV's
configurations, and a run ends with its devicebench score (or how much of the score's set it has)."""

from __future__ import annotations

import pytest
from conftest import record, write
from test_runner import FakeAdapter
from test_score import REF, member_rows, pinned_reference  # noqa: F401  (pinned_reference: an autouse fixture)

from collect import cli
from collect.dataset.loader import discover, load
from collect.present.score import scores
from collect.present.summary import summarize

OTHER = [dict(workload="mlp", model="mlp-d5-w1024", mode="train", batch_size=64, precision="fp32"),
         dict(workload="cnn", model="resnet50", mode="infer", batch_size=16, precision="fp16"),
         dict(workload="llm", model="gpt2-small", mode="decode", batch_size=1, precision="bf16", rate_unit="tokens")]


def other_env(results_dir) -> None:
    rows = [record(env="other-cuda", device_kind="cuda", run_id=f"r{k}", **c) for k, c in enumerate(OTHER)]
    rows.append(record(env="other-cuda", device_kind="cuda", status="oom", samples_per_s=float("nan"), model="resnet50",
                       workload="cnn", batch_size=512, note="out of memory"))  # ran out of memory there: may fit here
    rows.append(record(env="other-cuda", device_kind="cuda", world_size=2, model="resnet50", workload="cnn"))  # data-parallel
    rows.append(record(env="other-cuda", device_kind="cuda", framework="tensorflow", backend="xla", model="resnet50",
                       workload="cnn"))
    write(results_dir, "other-cuda", rows)


def listed(capsys) -> list[str]:
    return [line.strip() for line in capsys.readouterr().out.splitlines() if line.startswith("  ")]


def test_like_lists_exactly_the_envs_configurations(results_dir, capsys):
    other_env(results_dir)
    assert cli.main(["--like", "other-cuda", "--results-dir", str(results_dir), "--dry-run", "--device", "cpu"]) == 0
    assert listed(capsys) == ["mlp-d5-w1024 train fp32 bs64 eager", "resnet50 infer fp16 bs16 eager",
                              "gpt2-small decode bf16 bs1 eager", "resnet50 train fp32 bs512 eager"]
    assert cli.main(["--like", "other-cuda", "--framework", "tensorflow", "--results-dir", str(results_dir), "--dry-run",
                     "--device", "cpu"]) == 0
    assert listed(capsys) == ["resnet50 train fp32 bs64 xla"]
    assert cli.main(["--like", "other-cuda", "--modes", "decode", "--results-dir", str(results_dir), "--dry-run", "--device", "cpu"]) == 0
    assert listed(capsys) == ["gpt2-small decode bf16 bs1 eager"]


@pytest.mark.parametrize("argv,message", [
    (["--like", "nobody"], "`like` must name an env in"),
    (["--like", "other-cuda", "--batch-sizes", "8"], "`like` measures ENV's own precisions, batch sizes and backends"),
])
def test_like_refuses_what_it_cannot_do_with_one_line(results_dir, capsys, argv, message):
    other_env(results_dir)
    assert cli.main([*argv, "--results-dir", str(results_dir), "--dry-run", "--device", "cpu"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and message in err[0]
    if "nobody" in argv:
        assert "envs: other-cuda" in err[0]  # names what there is


def run(argv, monkeypatch):
    monkeypatch.setattr(cli, "make_adapter", lambda *a, **k: FakeAdapter())
    return cli.main([*argv, "--repeat", "1", "--no-progress", "--energy", "none"])


def test_a_run_ends_with_its_score_and_its_neighbours(results_dir, monkeypatch, capsys):
    write(results_dir, REF, member_rows(REF, 1.0))
    assert run(["--suite", "score", "--results-dir", str(results_dir), "--env", "box-cuda"], monkeypatch) == 0
    out = capsys.readouterr().out
    table = scores(summarize(load(discover(results_dir)).frame).agg).set_index("env")
    mine = table.loc["box-cuda", "score"]
    lines = out[out.index("devicebench score v1"):].splitlines()
    assert lines[0].startswith(f"devicebench score v1 ({REF}'s score runs of 2026-12-02 = 1,000")
    # ranked among the torch scores only (each framework divides by its own reference)
    rank, neighbour = ("#1 of 2 torch", f"below: {REF} 1,000") if mine > 1000 else ("#2 of 2 torch", f"above: {REF} 1,000")
    assert lines[1].startswith(f"  torch: {mine:,.0f}") and rank in lines[1] and neighbour in lines[1]


def test_a_run_with_part_of_the_set_says_how_to_score(results_dir, monkeypatch, capsys):
    write(results_dir, REF, member_rows(REF, 1.0))
    assert run(["--suite", "score", "--workloads", "mlp", "--results-dir", str(results_dir), "--env", "box-cuda"], monkeypatch) == 0
    out = capsys.readouterr().out
    assert "  torch: no score yet, 1 of 8 members measured; missing: CNN inference (resnet50, batch 16); " in out
    assert ("    to add them: devicebench run --framework torch --suite score --models resnet50,bert-base,gpt2-small,"
            "matmul-1024,matmul-2048,matmul-4096,membw-axpy-1024 --modes infer,train,prefill,decode --env box-cuda") in out
