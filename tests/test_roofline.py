"""The roofline: measured roofs, arithmetic intensities and peak fractions from hand-built rows with known
answers, and the figure checked through its drawn artists (roof vertices and point offsets, in log space)."""

from __future__ import annotations

import csv

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import examples, record, write
from hypothesis import given, settings
from hypothesis import strategies as st

from collect.contract.record import FIELDS
from collect.dataset.loader import discover, load
from collect.present import roofline
from collect.present.report import render
from collect.present.roofline_figure import MAX_PANELS, roofline_figure
from collect.present.summary import aggregate, summarize


def matmul(env, n, tflops, precision="fp32", framework="torch", run_id="m", **kw):
    """A matmul row of size n at `tflops` (its rate: products/s = tflops x 1e12 / 2n^3); no bytes, as the runners write."""
    flops = 2.0 * n**3
    return record(env=env, framework=framework, workload="matmul", model=f"matmul-{n}", mode="infer", precision=precision,
                  batch_size=1, samples_per_s=tflops * 1e12 / flops, flops_per_sample=flops, tflops=tflops, run_id=run_id, **kw)


def membw(env, gbps, kernel="copy", run_id="b", **kw):
    flops = 0.0 if kernel == "copy" else 2 / 12
    return record(env=env, workload="membw", model=f"membw-{kernel}-256", mode="infer", batch_size=1, rate_unit="bytes",
                  samples_per_s=gbps * 1e9, bytes_per_sample=1, gb_per_s=gbps, flops_per_sample=flops,
                  tflops=flops * gbps * 1e9 / 1e12, run_id=run_id, **kw)


def decode(env, tflops, intensity, precision="fp32", run_id="d", batch_size=1, **kw):
    """A gpt2-small decode row at batch 1 with 1 GFLOP per token and 1 GFLOP / intensity bytes per token."""
    flops = 1e9
    rate = tflops * 1e12 / flops
    return record(env=env, workload="llm", model="gpt2-small", mode="decode", precision=precision, batch_size=batch_size,
                  rate_unit="tokens", samples_per_s=rate, flops_per_sample=flops, bytes_per_sample=flops / intensity,
                  gb_per_s=rate * flops / intensity / 1e9, tflops=tflops, seq_len=128, context_len=640, run_id=run_id, **kw)


@pytest.fixture
def known(results_dir):
    """box-cpu: a 1 TFLOP/s fp32 matmul roof (median of three repeat rows), a 10 GB/s membw roof, a decode row at
    intensity 1 doing 0.005 TFLOP/s. bare-cpu: a decode row and nothing to hold it against."""
    write(results_dir, "box-cpu", [
        *[matmul("box-cpu", 1024, t, run_id=f"m{i}") for i, t in enumerate((0.8, 1.0, 3.0))],  # median 1.0, not 3.0
        matmul("box-cpu", 512, 0.6), matmul("box-cpu", 1024, 0.9, framework="tensorflow"),
        matmul("box-cpu", 1024, 2.0, precision="bf16"),
        membw("box-cpu", 10.0), membw("box-cpu", 8.0, kernel="axpy"),
        decode("box-cpu", 0.005, 1.0), decode("box-cpu", 0.5, 100.0, precision="mixed_bf16", run_id="d2")])
    write(results_dir, "bare-cpu", [decode("bare-cpu", 0.005, 1.0), record(env="bare-cpu")])
    return summarize(load(discover(results_dir)).frame)


def row(agg: pd.DataFrame, env: str, model: str, precision: str = "fp32", framework: str = "torch") -> pd.Series:
    hit = agg[(agg["env"] == env) & (agg["model"] == model) & (agg["precision"] == precision) & (agg["framework"] == framework)]
    assert len(hit) == 1, hit
    return hit.iloc[0]


def test_roofs_are_the_best_median_per_precision_and_the_best_membw(known):
    compute = known.roofs.compute.set_index(["env", "precision"])["peak_tflops"]
    assert compute.to_dict() == {("box-cpu", "bf16"): pytest.approx(2.0), ("box-cpu", "fp32"): pytest.approx(1.0)}
    assert known.roofs.bandwidth.set_index("env")["peak_gbps"].to_dict() == {"box-cpu": pytest.approx(10.0)}  # copy beats axpy


def test_peak_fraction_of_a_decode_row_is_its_tflops_over_the_roof(known):
    assert row(known.agg, "box-cpu", "gpt2-small")["peak_frac"] == pytest.approx(0.005)  # 0.5% of a 1 TFLOP/s roof
    assert row(known.agg, "box-cpu", "gpt2-small", "mixed_bf16")["peak_frac"] == pytest.approx(0.25)  # the bf16 roof
    assert row(known.agg, "box-cpu", "matmul-1024")["peak_frac"] == pytest.approx(1.0)  # the roof itself
    assert row(known.agg, "box-cpu", "matmul-512")["peak_frac"] == pytest.approx(0.6)
    assert row(known.agg, "box-cpu", "matmul-1024", framework="tensorflow")["peak_frac"] == pytest.approx(0.9)
    assert known.agg["peak_frac"].dtype == float


def test_no_roof_or_no_flops_gives_nan(known):
    assert np.isnan(row(known.agg, "bare-cpu", "gpt2-small")["peak_frac"])  # no matmul in that env
    assert np.isnan(row(known.agg, "bare-cpu", "mlp-d5-w1024")["peak_frac"])  # no FLOPs in the row
    assert np.isnan(row(known.agg, "box-cpu", "membw-copy-256")["peak_frac"])  # copy computes nothing


def test_matmul_bytes_are_analytic_and_points_sit_at_their_intensity(known):
    assert roofline.matmul_bytes([1024], pd.Series(["fp32"]))[0] == 3 * 1024**2 * 4
    assert roofline.matmul_bytes([1024], pd.Series(["mixed_fp16"]))[0] == 3 * 1024**2 * 2
    assert roofline.matmul_bytes([8], pd.Series(["fp64"]))[0] == 3 * 64 * 8
    placed = roofline.points(known.agg).set_index(["env", "model", "precision", "framework"])
    assert placed.loc[("box-cpu", "matmul-1024", "fp32", "torch"), "intensity"] == pytest.approx(2 * 1024**3 / (3 * 1024**2 * 4))
    assert placed.loc[("box-cpu", "matmul-1024", "bf16", "torch"), "intensity"] == pytest.approx(1024 / 3)
    assert placed.loc[("box-cpu", "gpt2-small", "fp32", "torch"), "intensity"] == pytest.approx(1.0)
    assert placed.loc[("box-cpu", "membw-axpy-256", "fp32", "torch"), "intensity"] == pytest.approx(2 / 12)
    assert ("box-cpu", "membw-copy-256", "fp32", "torch") not in placed.index  # a roof, not a point


def test_aggregate_gives_work_medians_and_llm_lengths_without_splitting_other_rows(known):
    decoded = row(known.agg, "box-cpu", "gpt2-small")
    assert (decoded["flops"], decoded["bytes"], decoded["seq_len"], decoded["context_len"]) == (1e9, 1e9, 128, 640)
    assert row(known.agg, "box-cpu", "membw-copy-256")["gbps"] == pytest.approx(10.0)
    assert len(known.agg[known.agg["model"] == "matmul-1024"]) == 3  # three repeat rows: one fp32 torch configuration


def test_old_files_without_the_new_columns_still_summarize_and_render(results_dir):
    path = write(results_dir, "old-cpu", [record(env="old-cpu", schema_version=1), matmul("old-cpu", 256, 0.1, schema_version=1)])
    later = {"world_size", "distributed", "global_batch_size", "backend", "step_ms_p99", "energy_j_per_sample",
             "energy_method", "trial", "rate_unit", "seq_len", "context_len", "bytes_per_sample", "gb_per_s"}
    with open(path, newline="") as fh:
        rows = [{k: v for k, v in r.items() if k not in later} for r in csv.DictReader(fh)]
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[c for c in FIELDS if c not in later], lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    loaded = load(discover(results_dir))
    assert not loaded.problems
    summary = summarize(loaded.frame)
    assert row(summary.agg, "old-cpu", "matmul-256")["peak_frac"] == pytest.approx(1.0)
    text = render(summary, "sub")
    assert "| mlp-d5-w1024 | train | old-cpu |" in text and "% of peak" in text.split("## matmul")[1]
    bare = loaded.frame.drop(columns=["flops_per_sample", "bytes_per_sample", "gb_per_s", "seq_len", "context_len"])
    assert {"flops", "bytes", "gbps", "seq_len"}.isdisjoint(aggregate(bare).columns)  # a hand-built frame without them
    assert roofline.add_peak_frac(aggregate(bare))[0]["peak_frac"].notna().sum() == 1


def test_the_figure_draws_each_roof_and_each_point_in_log_space(known):
    fig = roofline_figure(known)
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_title() for ax in panels] == ["box-cpu"]  # bare-cpu has no roof: no panel
    ax = panels[0]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"
    roofs = {line.get_label(): line for line in ax.get_lines() if line.get_gid() == "roof"}
    assert set(roofs) == {"fp32: 1 TFLOP/s, 10 GB/s", "bf16: 2 TFLOP/s, 10 GB/s"}
    x, y = (np.asarray(v, dtype=float) for v in roofs["fp32: 1 TFLOP/s, 10 GB/s"].get_data())
    assert np.allclose(y, np.minimum(1.0, 10.0 * x / 1e3))  # min(compute, bandwidth x intensity)
    assert 100.0 in x  # the ridge point (1 TFLOP/s / 10 GB/s = 100 FLOP/byte) is a vertex
    offsets = np.concatenate([c.get_offsets() for c in ax.collections if c.get_gid() == "points"])
    logs = {(round(a, 6), round(b, 6)) for a, b in np.log10(offsets)}
    assert (0.0, round(np.log10(0.005), 6)) in logs  # the decode row: intensity 1, 0.005 TFLOP/s
    assert (round(np.log10(1024 / 6), 6), 0.0) in logs  # the fp32 roof's own matmul
    assert len(offsets) == 7  # 3 fp32 matmuls (2 sizes, 2 frameworks), bf16 matmul, 2 decode rows, axpy; copy is none
    plt.close(fig)


def test_no_roof_anywhere_draws_nothing(results_dir):
    write(results_dir, "bare-cpu", [decode("bare-cpu", 0.005, 1.0)])
    assert roofline_figure(summarize(load(discover(results_dir)).frame)) is None


def test_panels_are_bounded_and_the_title_says_how_many_envs_are_left_out(results_dir):
    for i in range(MAX_PANELS + 4):
        env = f"m{i:02d}-cpu"
        write(results_dir, env, [matmul(env, 512, 1.0), *[decode(env, 0.01, 1.0, run_id=f"d{k}", batch_size=b)
                                                            for k, b in enumerate(range(1, i % 3 + 2))]])
    fig = roofline_figure(summarize(load(discover(results_dir)).frame))
    panels = [ax for ax in fig.axes if ax.get_visible()]
    assert len(panels) == MAX_PANELS
    assert f"({MAX_PANELS} of {MAX_PANELS + 4} envs shown, the envs with most points first)" in fig._suptitle.get_text()
    drawn = sorted(len(np.concatenate([c.get_offsets() for c in ax.collections])) for ax in panels)
    assert drawn == [3, 3, 3, 4, 4, 4]  # the busiest envs first: 4 points where i % 3 == 2, then 3
    plt.close(fig)


@settings(max_examples=examples(40))  # DEVICEBENCH_EXAMPLES=N: N random ones (conftest.py)
@given(st.lists(st.tuples(st.sampled_from(["a-cpu", "b-cuda"]), st.sampled_from([64, 128, 256]),
                          st.sampled_from(["fp32", "fp16", "bf16", "tf32"]), st.floats(1e-3, 1e3)), min_size=1, max_size=12))
def test_a_matmul_row_never_exceeds_its_own_envs_roof(rows):
    frame = pd.DataFrame([{"env": env, "framework": "torch", "device_kind": env.split("-")[1], "device_name": "", "source": "measured",
                           "workload": "matmul", "model": f"matmul-{n}", "mode": "infer", "precision": p, "batch_size": 1,
                           "world_size": 1, "backend": "eager", "status": "ok", "samples_per_s": t * 1e12 / (2 * n**3),
                           "step_ms_median": 1.0, "tflops": t, "flops_per_sample": 2.0 * n**3} for env, n, p, t in rows])
    agg = roofline.add_peak_frac(aggregate(frame))[0]
    assert (agg["peak_frac"] <= 1 + 1e-12).all()
    assert np.allclose(agg.groupby(["env", "precision"])["peak_frac"].max(), 1.0)  # the best one is the roof
