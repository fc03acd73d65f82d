"""The devicebench score (collect.contract.scoring, collect.present.score): a geometric mean checked by hand, "k of
n measured" for an incomplete set, versions that never move old scores, caveats named, and `--suite score`
measuring exactly the set."""

from __future__ import annotations

import dataclasses
import math
import tempfile
from pathlib import Path

import pandas as pd
import pytest
from conftest import record, write

from collect.contract import scoring
from collect.dataset.loader import discover, load
from collect.measure import suites
from collect.present.score import device_scores, scores
from collect.present.summary import summarize

REF = scoring.V1.reference
# The v1 set with reference medians of member_rows(REF, 1.0): each member's base figure, the matmul's largest size.
TEST_SET = dataclasses.replace(scoring.V1, reference_values={
    framework: {m.key: (10.0 + k) * len(m.models) * (2e-3 if m.figure == "tflops" else 1.0) for k, m in enumerate(scoring.V1.members)}
    for framework in ("torch", "tensorflow")})


@pytest.fixture(autouse=True)
def pinned_reference():
    """Scores in these tests divide by TEST_SET's reference medians (the shipped v1 divides by the measured ones)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(scoring.SETS, "1", TEST_SET)
        yield


def member_rows(env: str, factor: float, *, framework: str = "torch", skip: tuple[str, ...] = (), device: str = "Box",
                **extra) -> list:
    """One row per configuration of the v1 set, each `factor` x a base figure (matmul: its TFLOP/s too)."""
    out = []
    for k, m in enumerate(scoring.V1.members):
        if m.key in skip:
            continue
        for j, model in enumerate(m.models):
            rate = factor * (10.0 + k) * (1 + j)  # the matmul's largest size is its best
            backend = scoring.backends(framework, m.workload)[0]
            values = dict(env=env, framework=framework, device_name=device, workload=m.workload, model=model, mode=m.mode,
                          precision=m.precision, batch_size=m.batch_size, backend=backend, samples_per_s=rate)
            if m.figure == "tflops":
                values["tflops"] = rate * 2e-3
            if m.workload == "llm":
                values["rate_unit"] = "tokens"
            if m.workload == "membw":
                values["rate_unit"] = "bytes"
            out.append(record(**{**values, **extra}))
    return out


def loaded(rows) -> pd.DataFrame:
    """The rows as plot_results.py sees them: written to results files, validated and loaded."""
    with tempfile.TemporaryDirectory() as folder:
        for env in dict.fromkeys(r.env for r in rows):
            write(Path(folder), env, [r for r in rows if r.env == env])
        return load(discover(folder)).frame


def table(rows) -> pd.DataFrame:
    summary = summarize(loaded(rows))
    return scores(summary.agg, summary.frame)


def test_the_score_is_the_geometric_mean_of_the_ratios_to_the_reference_times_1000():
    rows = member_rows(REF, 1.0) + member_rows("fast-cpu", 2.0)
    mixed = [r if r.model != "resnet50" else dataclasses.replace(r, samples_per_s=r.samples_per_s * 4.0)
             for r in member_rows("mixed-cpu", 1.0)]  # twice as fast nowhere, four times on the two resnet50 members
    got = table(rows + mixed).set_index("env")
    assert got.loc[REF, "score"] == pytest.approx(1000.0)
    assert got.loc["fast-cpu", "score"] == pytest.approx(2000.0)
    assert got.loc["mixed-cpu", "score"] == pytest.approx(1000.0 * math.exp(2 * math.log(4.0) / 8))  # by hand: 1414.2
    assert list(got.index[:3]) == ["fast-cpu", "mixed-cpu", REF]  # highest first


def test_a_missing_member_gives_k_of_n_and_no_score():
    got = table(member_rows(REF, 1.0) + member_rows("half-cpu", 3.0, skip=("llm-decode",))).set_index("env")
    row = got.loc["half-cpu"]
    assert pd.isna(row["score"]) and (row["measured"], row["members"]) == (7, 8) and row["missing"] == ["llm-decode"]


def test_frameworks_are_scored_apart_against_their_own_reference_medians():
    reference = dataclasses.replace(TEST_SET, reference_values={**TEST_SET.reference_values, "tensorflow": {
        k: 3 * v for k, v in TEST_SET.reference_values["tensorflow"].items()}})  # its TensorFlow three times faster
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(scoring.SETS, "1", reference)
        got = table(member_rows(REF, 1.0) + member_rows("x-cpu", 3.0, framework="tensorflow")).set_index(["env", "framework"])
    assert got.loc[("x-cpu", "tensorflow"), "score"] == pytest.approx(1000.0)  # as fast as the reference's TensorFlow
    assert got.loc[(REF, "torch"), "score"] == pytest.approx(1000.0) and ("x-cpu", "torch") not in got.index


def test_a_later_run_of_the_reference_env_moves_no_score():
    rows = member_rows(REF, 1.0, run_id="first") + member_rows("other-cpu", 2.0)
    before = table(rows).set_index("env")
    after = table(rows + member_rows(REF, 4.0, run_id="later")).set_index("env")  # the reference machine, faster later
    assert after.loc["other-cpu", "score"] == pytest.approx(before.loc["other-cpu", "score"]) == pytest.approx(2000.0)
    assert after.loc[REF, "score"] > 1000.0  # its own later rows count for it like anyone's


def test_a_new_version_never_moves_the_old_scores(monkeypatch):
    rows = member_rows(REF, 1.0) + member_rows("other-cpu", 1.5) + member_rows("third-cpu", 0.5)
    before = table(rows)
    summary = summarize(loaded(rows))
    members = scoring.V1.members[:4]
    v2 = dataclasses.replace(TEST_SET, version="2", reference="other-cpu", members=members, reference_values={
        framework: {m.key: 1.5 * values[m.key] for m in members} for framework, values in TEST_SET.reference_values.items()})
    monkeypatch.setitem(scoring.SETS, "2", v2)
    monkeypatch.setattr(scoring, "CURRENT", "2")
    pd.testing.assert_frame_equal(scores(summary.agg, summary.frame, version="1"), before)
    new = scores(summary.agg, summary.frame, version="2").set_index("env")
    assert new.loc["other-cpu", "score"] == pytest.approx(1000.0) and (new["version"] == "2").all()


def test_the_score_names_the_caveats_of_its_members_and_its_spread():
    rows = member_rows(REF, 1.0) + member_rows("shaky-cpu", 2.0, run_id="a")
    rows += [dataclasses.replace(r, run_id=run, samples_per_s=r.samples_per_s * factor,
                                 note="unsteady: trials 1-2 samples/s" if r.workload == "llm" else "")
             for run, factor in (("b", 1.5), ("c", 1.25)) for r in member_rows("shaky-cpu", 2.0)]  # each member named once
    got = table(rows).set_index("env").loc["shaky-cpu"]
    assert got["caveats"] == "unsteady: Language model prompt, Language model generation"
    assert got["lo"] < got["score"] < got["hi"]


def test_a_device_scores_the_median_of_its_envs():
    rows = member_rows(REF, 1.0, device="AMD EPYC") + member_rows("a-cuda", 10.0, device="NVIDIA GeForce RTX 3090")
    rows += member_rows("b-cuda", 20.0, device="RTX 3090") + member_rows("c-cuda", 40.0, device="RTX 3090")
    got = device_scores(table(rows)).set_index("device")
    assert got.loc["RTX 3090", "score"] == pytest.approx(20000.0) and got.loc["RTX 3090", "envs"] == 3
    assert (got.loc["RTX 3090", "lo"], got.loc["RTX 3090", "hi"]) == pytest.approx((10000.0, 40000.0))


def test_the_score_suite_measures_exactly_the_set():
    configs = suites.expand("score", device_kind="cpu", framework="torch", default_backend="eager")
    assert [(c.workload, c.model, c.mode, c.precision, c.batch_size) for c in configs] == scoring.V1.configs()
    tf = suites.expand("score", device_kind="cuda", framework="tensorflow", default_backend="xla")
    assert {c.backend for c in tf if c.workload == "llm"} == {"xla"} and {c.backend for c in tf if c.workload == "matmul"} == {"eager"}
    assert [c.model for c in suites.expand("score", device_kind="cpu", workloads=["llm"])] == ["gpt2-small", "gpt2-small"]
    with pytest.raises(ValueError, match="'score' is a fixed set"):
        suites.expand("score", device_kind="cpu", precisions=["fp16"])


def test_results_md_and_results_png_rank_the_scored_envs():
    from collect.present.headline import headline_figure
    from collect.present.report import render

    summary = summarize(loaded(member_rows(REF, 1.0) + member_rows("fast-cpu", 2.0) + member_rows("part-cpu", 1.0, skip=("membw",))))
    text = render(summary, "subtitle")
    section = text[text.index("## devicebench score"):text.index("\n## ", text.index("## devicebench score") + 5)]
    lines = [line for line in section.splitlines() if line.startswith("| ") and "env" not in line]
    assert "### torch" in section and [line.split(" | ")[:2] for line in lines] == [["| 1", "fast-cpu"], ["| 2", REF]]
    assert "| 2,000 |" in lines[0] and "part-cpu torch (7 of 8)" in section
    fig = headline_figure(summary, "subtitle")
    (ax,) = [a for a in fig.axes if a.get_title().startswith("devicebench score v1, torch")]
    widths = sorted(round(p.get_width()) for p in ax.patches)
    assert widths == [1000, 2000]
    assert [t.get_text() for t in ax.get_yticklabels()] == ["fast-cpu · torch", f"{REF} · torch"]


def test_scores_rank_within_their_framework():
    """A torch and a TensorFlow score divide by different references: results.md, results.png and the runner's closing
    lines rank each framework's scores apart, never one against the other."""
    from collect.closing import score_lines
    from collect.present.headline import headline_figure
    from collect.present.report import render

    rows = member_rows(REF, 1.0) + member_rows("fast-cpu", 2.0) + member_rows("tf-cpu", 3.0, framework="tensorflow")
    summary = summarize(loaded(rows))
    text = render(summary, "subtitle")
    torch_part = text[text.index("### torch"):text.index("### tensorflow")]
    assert "tf-cpu" not in torch_part and "tf-cpu" in text[text.index("### tensorflow"):]
    titles = [a.get_title() for a in headline_figure(summary, "subtitle").axes if a.get_title().startswith("devicebench score")]
    assert [t.split(" (")[0] for t in titles] == ["devicebench score v1, torch", "devicebench score v1, tensorflow"]
    (line,) = [x for x in score_lines(summary.scores, "tf-cpu") if x.startswith("  tensorflow")]
    assert "#1 of 1 tensorflow scores" in line and "above" not in line and "below" not in line
