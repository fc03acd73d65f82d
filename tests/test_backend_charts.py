"""Backend comparison and power charts, and their results.md tables, checked through drawn artists."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import pytest
from conftest import record, write

import plot_results
from collect.dataset.loader import discover, load
from collect.present.backends import backends_figure
from collect.present.headline import headline_figure
from collect.present.power import power_figure
from collect.present.report import render
from collect.present.summary import backend_comparison, efficiency, summarize


def infer(env, batch, backend, rate, **kw):
    return record(env=env, workload="cnn", model="resnet18", mode="infer", batch_size=batch, backend=backend,
                  samples_per_s=rate, step_ms_median=batch / rate * 1e3, step_ms_p99=2 * batch / rate * 1e3,
                  run_id=f"{backend}-{batch}", **kw)


@pytest.fixture
def backends(results_dir):
    write(results_dir, "box-cpu", [infer("box-cpu", b, backend, rate * b)
                                   for b in (1, 16) for backend, rate in (("eager", 100.0), ("torch_compile", 120.0),
                                                                          ("onnxruntime", 150.0))])
    return results_dir


def frame_of(folder):
    return load(discover(folder)).frame


def summary_of(folder):
    return summarize(frame_of(folder))


def test_backend_figure_draws_throughput_and_latency_per_backend(backends):
    fig = backends_figure(summary_of(backends))
    rate_ax, latency_ax = fig.axes
    legend = [t.get_text() for t in rate_ax.get_legend().get_texts()]
    assert legend == ["eager", "onnxruntime", "torch_compile"]
    rates = sorted(round(p.get_width()) for p in rate_ax.patches)
    assert rates == [1600, 1920, 2400]  # batch 16: 100, 120, 150 per sample x 16
    latencies = sorted(round(p.get_width(), 3) for p in latency_ax.patches)
    assert latencies == pytest.approx(sorted([1e3 / 100, 1e3 / 120, 1e3 / 150]), rel=1e-3)
    tails = [line for line in latency_ax.lines if len(line.get_xdata()) == 2]
    assert len(tails) == 3 and all(x[1] == pytest.approx(2 * x[0]) for x in (t.get_xdata() for t in tails))
    plt.close(fig)


def test_backend_table_has_speedup_over_the_default_backend(backends):
    table = backend_comparison(frame_of(backends))
    at16 = table[table["batch_size"] == 16].set_index("backend")["speedup"]
    assert at16.to_dict() == pytest.approx({"eager": 1.0, "torch_compile": 1.2, "onnxruntime": 1.5})
    md = render(summary_of(backends), "s")
    assert "## Backends" in md and "| box-cpu | torch | resnet18 | fp32 | 16 | onnxruntime | 2,400 | 1.50x |" in md


def test_headline_keeps_the_default_backend_only(backends):
    fig = headline_figure(summary_of(backends), "s")
    (ax,) = fig.axes
    assert max(p.get_width() for p in ax.patches) == pytest.approx(1600)  # eager, not ONNX Runtime's 2,400
    plt.close(fig)


def test_single_backend_data_draws_no_backend_figure(results_dir):
    write(results_dir, "a-cpu", [infer("a-cpu", 16, "eager", 100.0)])
    assert backends_figure(summary_of(results_dir)) is None


def power_rows(results_dir):
    write(results_dir, "gpu-cuda", [record(env="gpu-cuda", device_kind="cuda", model="resnet50", workload="cnn",
                                           samples_per_s=1000.0, power_w=250.0, energy_method="nvml_energy",
                                           energy_j_per_sample=0.25)])
    write(results_dir, "cpu-box", [record(env="cpu-box", model="resnet50", workload="cnn", samples_per_s=20.0,
                                          power_w=80.0, energy_method="rapl", energy_j_per_sample=4.0)])
    return results_dir


def test_power_scatter_marks_methods_and_draws_iso_efficiency_lines(results_dir):
    fig = power_figure(summary_of(power_rows(results_dir)))
    (ax,) = fig.axes
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    assert sorted(map(tuple, points.tolist())) == [(80.0, 20.0), (250.0, 1000.0)]
    assert ax.get_xscale() == ax.get_yscale() == "log"
    iso = [t.get_text() for t in ax.texts if "samples/J" in t.get_text()]
    assert "1 samples/J" in iso  # 20 / 80 = 0.25 and 1000 / 250 = 4 samples per joule: 0.1 .. 10 drawn
    assert "methods differ (nvml_energy, rapl)" in ax.get_title()
    plt.close(fig)


def test_token_and_byte_rows_stay_off_the_samples_axis(results_dir):
    power_rows(results_dir)
    write(results_dir, "llm-cuda", [record(env="llm-cuda", device_kind="cuda", workload="llm", model="gpt2-small",
                                           mode="decode", batch_size=1, rate_unit="tokens", samples_per_s=90.0,
                                           power_w=200.0, energy_method="nvml_energy", energy_j_per_sample=2.2)])
    fig = power_figure(summary_of(results_dir))
    (ax,) = fig.axes
    points = np.concatenate([c.get_offsets() for c in ax.collections])
    assert sorted(map(tuple, points.tolist())) == [(80.0, 20.0), (250.0, 1000.0)]  # not (200, 90)
    assert "1 language-model and bandwidth lines, in tokens/s and GB/s, are in results.md" in ax.get_title()
    plt.close(fig)


def test_efficiency_table_ranks_samples_per_joule(results_dir):
    table = efficiency(load(discover(power_rows(results_dir))).frame)
    assert table["env"].tolist() == ["gpu-cuda", "cpu-box"]
    assert table["samples_per_j"].tolist() == pytest.approx([4.0, 0.25])
    assert table["method"].tolist() == ["nvml_energy", "rapl"]
    md = render(summary_of(results_dir), "s")
    assert "## Energy efficiency" in md and "| gpu-cuda | torch | resnet50 | train | fp32 | 64 | eager | 1,000 | 250 | 4 | 0.25 | nvml_energy |" in md


def test_shipped_published_power_rows_reach_the_power_chart(tmp_path):
    from conftest import ROOT

    rc = plot_results.main(["--results-dir", str(ROOT / "results"), "--out", str(tmp_path / "r.png"),
                            "--markdown", str(tmp_path / "r.md"), "--figures", str(tmp_path / "fig")])
    assert rc == 0 and (tmp_path / "fig" / "power.png").exists()
    fig = power_figure(summary_of(ROOT / "results"))
    labels = [t.get_text() for t in fig.axes[0].get_legend().get_texts()]
    assert {"apple-m1-max-32c-tf-metal", "rtx-3090-tf-xla", "powermetrics", "not stated"} <= set(labels)
    plt.close(fig)


def test_one_configuration_measured_two_ways_stays_two_lines(results_dir):
    write(results_dir, "m-cuda", [record(env="m-cuda", device_kind="cuda", run_id=f"r{i}", samples_per_s=100.0,
                                         power_w=w, energy_method=m) for i, (w, m) in enumerate(
                                             [(100.0, "nvml_energy"), (110.0, "nvml_energy"), (50.0, "powermetrics")])])
    table = efficiency(load(discover(results_dir)).frame).set_index("method")
    assert table.loc["nvml_energy", "power_w"] == pytest.approx(105.0) and table.loc["nvml_energy", "n"] == 2
    assert table.loc["powermetrics", "power_w"] == pytest.approx(50.0)  # never a median across methods


def test_headline_mlp_lines_leave_out_tensorflow_eager(results_dir):
    rows = [record(env="a-cpu", framework="tensorflow", backend=b, samples_per_s=r, run_id=b, mode=mode)
            for b, r in (("tf_function", 1000.0), ("eager", 100.0), ("xla", 1200.0)) for mode in ("train", "infer")]
    write(results_dir, "a-cpu", rows)
    from collect.present.headline import mlp_rows

    point = mlp_rows(frame_of(results_dir))  # one point: the median of tf_function and xla, eager left out
    assert point[["samples_per_s", "epoch_min", "epoch_max", "n"]].values.tolist() == [[1100.0, 50_000 / 1200, 50_000 / 1000, 2]]
    table = backend_comparison(frame_of(results_dir)).set_index("backend")
    assert table["speedup"].to_dict() == pytest.approx({"xla": 1.2, "tf_function": 1.0, "eager": 0.1})  # vs tf_function
