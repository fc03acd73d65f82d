"""Every first run answers with its score: `devicebench score` (collect.closing.main), the runner's closing lines and
the command they give for the members a run lacks, and the env's latest word on each configuration across its runs."""

from __future__ import annotations

import shlex

import pytest
from conftest import record, write
from test_score import TEST_SET, member_rows

from collect import closing
from collect.cli import build_parser, plan
from collect.contract import scoring
from collect.dataset.loader import discover, load


@pytest.fixture(autouse=True)
def pinned_reference(monkeypatch):
    monkeypatch.setitem(scoring.SETS, "1", TEST_SET)


def test_score_prints_the_score_range_and_rank_of_the_most_recent_env(tmp_path, capsys):
    write(tmp_path, "slow-cpu", member_rows("slow-cpu", 1.0, run_id="a", timestamp_utc="2026-12-01T00:00:00+00:00"))
    write(tmp_path, "fast-cpu", member_rows("fast-cpu", 2.0, run_id="b", timestamp_utc="2026-12-02T00:00:00+00:00"))
    assert closing.main(["--results-dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "devicebench score v1" in out
    assert "  torch: 2,000 · #1 of 2 torch scores · below: slow-cpu 1,000" in out  # fast-cpu: the newest row's env
    assert closing.main(["--results-dir", str(tmp_path), "--env", "slow-cpu"]) == 0
    assert "  torch: 1,000 · #2 of 2 torch scores · above: fast-cpu 2,000" in capsys.readouterr().out


def test_a_partial_set_names_its_missing_members_and_one_command_that_measures_exactly_them(tmp_path, capsys):
    write(tmp_path, "part-cpu", member_rows("part-cpu", 1.0, skip=("cnn-train", "llm-decode")))
    assert closing.main(["--results-dir", str(tmp_path)]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1] == ("  torch: no score yet, 6 of 8 members measured; missing: CNN training (resnet50, batch 16); "
                        "Language model generation (gpt2-small, batch 1)")
    command = lines[2].removeprefix("    to add them: ")
    assert command.startswith("devicebench run ") and "--env part-cpu" in command
    args = build_parser().parse_args(shlex.split(command)[2:])  # the runner's own parser takes it
    planned = {(c.model, c.mode, c.batch_size) for c in plan(args, "cpu")}
    assert planned == {("resnet50", "train", 16), ("gpt2-small", "decode", 1)}


def test_a_run_that_adds_the_missing_members_completes_the_score_of_the_runs_before_it(tmp_path, capsys):
    early = dict(run_id="first", timestamp_utc="2026-12-01T00:00:00+00:00")
    write(tmp_path, "box-cpu", member_rows("box-cpu", 1.0, skip=("cnn-train",), **early))
    write(tmp_path, "box-cpu", [r for r in member_rows("box-cpu", 4.0, run_id="second", timestamp_utc="2026-12-02T00:00:00+00:00")
                                if r.mode == "train" and r.model == "resnet50"])
    frame = load(discover(tmp_path)).frame
    lines = closing.env_score_lines(closing.latest(frame, "box-cpu", "second"), "box-cpu")
    assert lines[1].startswith("  torch: 1,189")  # 1000 x 4^(1/8): seven members at 1x, the added one at 4x
    # a re-run of a member replaces the earlier run's figure of it, not the others'
    write(tmp_path, "box-cpu", [r for r in member_rows("box-cpu", 2.0, run_id="third", timestamp_utc="2026-12-03T00:00:00+00:00")
                                if r.model == "mlp-d5-w1024"])
    frame = load(discover(tmp_path)).frame
    kept = closing.latest(frame, "box-cpu")
    assert set(kept.loc[kept["model"] == "mlp-d5-w1024", "run_id"]) == {"third"}
    assert set(kept.loc[kept["model"] == "resnet50", "run_id"]) == {"first", "second"}
    assert closing.main(["--results-dir", str(tmp_path)]) == 0
    assert "  torch: 1,297" in capsys.readouterr().out  # 1000 x (4 x 2)^(1/8)


def test_score_says_what_is_wrong_with_an_empty_folder_or_an_unknown_env(tmp_path, capsys):
    assert closing.main(["--results-dir", str(tmp_path)]) == 1
    assert "no measured rows in" in capsys.readouterr().out
    write(tmp_path, "other-cpu", [record(env="other-cpu", model="resnet18", workload="cnn", batch_size=8)])
    assert closing.main(["--results-dir", str(tmp_path), "--env", "nope-cpu"]) == 1
    assert "nope-cpu has no row of the score's set" in (out := capsys.readouterr().out) and "other-cpu" in out
    with pytest.raises(SystemExit) as exit_:
        closing.main(["--no-such-flag"])
    assert exit_.value.code == 2


def test_score_writes_nothing(tmp_path):
    write(tmp_path, "box-cpu", member_rows("box-cpu", 1.0))
    before = {p: p.read_bytes() for p in tmp_path.rglob("*")}
    assert closing.main(["--results-dir", str(tmp_path)]) == 0
    assert {p: p.read_bytes() for p in tmp_path.rglob("*")} == before
