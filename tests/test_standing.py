"""Where a run sits: standings() against a brute-force count, and the runner's closing panel through main(argv)."""

from __future__ import annotations

import pandas as pd
import pytest
from conftest import examples, record, write
from hypothesis import given, settings
from hypothesis import strategies as st
from test_runner import FakeAdapter

from collect import cli
from collect.present.standing import SHARED, panel, standings

BASE = ["--models", "resnet50", "--batch-sizes", "1", "--modes", "train", "--repeat", "1", "--no-progress",
        "--energy", "none"]


def agg_row(env, rate, model="resnet50", kind="cuda", **over):
    row = dict(env=env, device_kind=kind, framework="torch", workload="cnn", model=model, mode="train",
               precision="fp32", batch_size=1, world_size=1, backend="eager", rate=rate)
    return {**row, **over}


def test_rank_and_neighbours_of_each_env():
    agg = pd.DataFrame([agg_row("a", 50.0), agg_row("b", 150.0), agg_row("c", 200.0), agg_row("me", 100.0),
                        agg_row("alone", 9.0, model="vgg16")])
    table = standings(agg).set_index("env")
    assert "alone" not in table.index  # shares nothing: no line
    me = table.loc["me"]
    assert (me["slower"], me["others"]) == (1, 3)
    assert (me["above_env"], me["above_rate"], me["below_env"], me["below_rate"]) == ("b", 150.0, "a", 50.0)
    assert table.loc["c", "slower"] == 3 and pd.isna(table.loc["c", "above_env"])
    assert table.loc["a", "slower"] == 0 and pd.isna(table.loc["a", "below_env"])


def test_an_env_with_an_equal_value_is_neither_above_nor_below():
    agg = pd.DataFrame([agg_row("a", 50.0), agg_row("b", 100.0), agg_row("me", 100.0), agg_row("c", 200.0)])
    me = standings(agg).set_index("env").loc["me"]
    assert (me["above_env"], me["above_rate"], me["below_env"], me["below_rate"]) == ("c", 200.0, "a", 50.0)


def test_an_env_with_two_device_kinds_is_named_by_kind():
    agg = pd.DataFrame([agg_row("m1", 10.0, kind="cpu"), agg_row("m1", 90.0, kind="mps"), agg_row("x", 50.0)])
    table = standings(agg)
    cpu = table[(table["env"] == "m1") & (table["device_kind"] == "cpu")].iloc[0]
    assert cpu["above_env"] == "x" and table.loc[table["env"] == "x", "above_env"].iloc[0] == "m1 (mps)"


rows = st.lists(st.tuples(st.sampled_from(["a", "b", "c", "d", "e"]), st.sampled_from(["resnet50", "vgg16"]),
                          st.sampled_from([1, 8]), st.floats(0.5, 1e4, allow_nan=False)), max_size=25)


@settings(max_examples=examples(60))  # DEVICEBENCH_EXAMPLES=N: N random ones (conftest.py)
@given(rows)
def test_standings_agree_with_a_plain_count(drawn):
    agg = pd.DataFrame([agg_row(env, rate, model=model, batch_size=batch) for env, model, batch, rate in drawn],
                       columns=list(agg_row("x", 1.0)))
    table = standings(agg)
    best = agg.groupby([*SHARED, "env"])["rate"].max()  # an env's best row stands for it in its configuration
    for row in table.itertuples(index=False):
        group = best.xs((row.framework, row.workload, row.model, row.mode, row.precision, row.batch_size,
                         row.world_size, row.backend), level=SHARED)
        others = group.drop(row.env)
        assert row.rate == group[row.env] and row.others == len(others) >= 1
        assert row.slower == int((others < row.rate).sum())
        faster, slower = others[others > row.rate], others[others < row.rate]
        # the neighbours are the nearest envs strictly faster and slower: an env with an equal value is neither
        assert row.above_rate == faster.min() if len(faster) else pd.isna(row.above_env)
        assert row.below_rate == slower.max() if len(slower) else pd.isna(row.below_env)
    shared = best.groupby(level=SHARED).size()
    assert len(table) == int(shared[shared > 1].sum())


def test_panel_is_bounded_and_names_units():
    agg = pd.DataFrame([agg_row(env, rate, batch_size=b) for b in range(1, 20) for env, rate in (("me", 2e9), ("x", 4e9))])
    agg["workload"] = "membw"
    lines = panel(standings(agg, {"membw": "bytes/s"}), "me", limit=3)
    assert len(lines) == 4 and "3 of 19 shared configurations" in lines[0]
    assert "2 GB/s" in lines[1] and "faster than 0 of 1" in lines[1] and "above: x 4 GB/s" in lines[1]
    with pytest.raises(ValueError, match="`limit` must be a whole number >= 1, but 0 was passed"):
        panel(standings(agg), "me", limit=0)
    assert panel(standings(agg), "nobody") == []


def run(argv, monkeypatch):
    monkeypatch.setattr(cli, "make_adapter", lambda *a, **k: FakeAdapter())
    return cli.main([*BASE, *argv])


def others(results_dir):
    """Three other envs ran the fake adapter's configuration (resnet50 train fp32 bs1 eager on torch; the fake
    measures 100 samples/s), one ran something else, and an older run of box-cuda was far faster."""
    same = dict(workload="cnn", model="resnet50", mode="train", batch_size=1, device_kind="cuda")
    for env, rate in (("slow-cuda", 50.0), ("fast-cuda", 150.0), ("fastest-cuda", 200.0)):
        write(results_dir, env, [record(env=env, samples_per_s=rate, **same)])
    write(results_dir, "mlp-only-cpu", [record(env="mlp-only-cpu")])
    write(results_dir, "box-cuda", [record(env="box-cuda", samples_per_s=1e6, run_id="old-run", **same)])


def test_the_run_ends_with_where_it_stands(results_dir, monkeypatch, capsys):
    others(results_dir)
    assert run(["--results-dir", str(results_dir), "--env", "box-cuda"], monkeypatch) == 0
    out = capsys.readouterr().out
    lines = out[out.index("How box-cuda stacks up"):].splitlines()
    assert lines[0].startswith(f"How box-cuda stacks up against the other envs in {results_dir} (1 of 1 shared")
    assert lines[1] == ("  torch resnet50 train fp32 bs1 eager: 100 samples/s · faster than 1 of 3 · "
                        "above: fast-cuda 150 samples/s · below: slow-cuda 50 samples/s")
    assert "mlp-only-cpu" not in out and "1e+06" not in out and "1,000,000" not in out


def test_no_summary_and_nothing_shared_print_nothing(results_dir, monkeypatch, capsys):
    others(results_dir)
    assert run(["--results-dir", str(results_dir), "--env", "box-cuda", "--no-summary"], monkeypatch) == 0
    assert "stacks up" not in capsys.readouterr().out
    alone = results_dir / "alone"
    write(alone, "mlp-only-cpu", [record(env="mlp-only-cpu")])
    assert run(["--results-dir", str(alone), "--env", "box-cuda"], monkeypatch) == 0
    assert "stacks up" not in capsys.readouterr().out


def test_language_model_lengths_are_part_of_the_configuration():
    llm = dict(workload="llm", model="gpt2-small", mode="decode")
    agg = pd.DataFrame([agg_row("a", 20.0, seq_len=1, context_len=640, **llm), agg_row("b", 30.0, seq_len=1, context_len=640, **llm),
                        agg_row("c", 90.0, seq_len=1, context_len=128, **llm), agg_row("d", 5.0, seq_len=None, context_len=None),
                        agg_row("e", 6.0, seq_len=None, context_len=None)])
    table = standings(agg).set_index("env")
    assert "c" not in table.index and table.loc["a", "above_env"] == "b" and table.loc["d", "above_env"] == "e"


def test_per_env_keeps_the_most_shared_and_the_same_ranks():
    rows_ = [agg_row(env, rate, model="resnet50") for env, rate in (("a", 1.0), ("b", 2.0), ("c", 3.0))]
    rows_ += [agg_row(env, rate, model="vgg16") for env, rate in (("a", 5.0), ("b", 4.0))]
    agg = pd.DataFrame(rows_)
    full, top = standings(agg), standings(agg, per_env=1)
    assert sorted(top["env"]) == ["a", "b", "c"] and set(top["model"]) == {"resnet50"}  # shared by 3 beats shared by 2
    merged = top.merge(full, on=["env", "model"], suffixes=("", "_full"))
    for column in ("slower", "others", "above_env", "above_rate", "below_env", "below_rate"):
        assert merged[column].equals(merged[column + "_full"]), column
    with pytest.raises(ValueError, match="`per_env` must be a whole number >= 1 or None, but 0 was passed"):
        standings(agg, per_env=0)
