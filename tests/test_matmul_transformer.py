"""Matmul sweep and transformer encoders in both runners: FLOP formulas, unsupported dtypes, rows, charts."""

from __future__ import annotations

import analytic_flops
import matplotlib.pyplot as plt
import pytest
from conftest import record, write

from collect.dataset.loader import discover, load
from collect.measure import suites
from collect.measure.adapter import Budget
from collect.measure.suites import Config
from collect.present.details import matmul_figure
from collect.present.headline import headline_figure
from collect.present.summary import summarize

# Real measurements here warm up for 0.2 s, not 1 s (conftest.py's short_warmup): the tests check what the rows
# say, not how steady they are.
pytestmark = pytest.mark.usefixtures("short_warmup")


def test_matmul_configs_are_infer_rows_of_one_product():
    configs = [c for c in suites.expand("quick", device_kind="cpu") if c.workload == "matmul"]
    assert [(c.model, c.mode, c.batch_size) for c in configs] == [
        ("matmul-256", "infer", 1), ("matmul-512", "infer", 1), ("matmul-1024", "infer", 1)]
    gpu = {c.precision for c in suites.expand("default", device_kind="cuda", workloads=["matmul"])}
    assert gpu == {"fp32", "fp16", "bf16"}
    assert "tf32" not in {c.precision for c in suites.expand("full", device_kind="cuda", workloads=["matmul"], framework="tensorflow")}


def test_flop_formulas():
    assert suites.matmul_flops(1024) == 2 * 1024**3
    layers, d, _, ff = suites.TRANSFORMERS["bert-base"]
    assert analytic_flops.transformer_flops_per_sample("bert-base", "infer") == (
        layers * (128 * (8 * d * d + 4 * d * ff) + 4 * 128 * 128 * d) + 2 * d * 2)
    assert analytic_flops.transformer_flops_per_sample("bert-base", "train") == 3 * analytic_flops.transformer_flops_per_sample("bert-base", "infer")
    assert suites.workload_of("matmul-4096") == "matmul" and suites.workload_of("bert-large") == "transformer"


@pytest.mark.torch
@pytest.mark.parametrize("name", ["tiny", "distilbert-base"])
@pytest.mark.parametrize("mode", ["infer", "train"])
def test_torch_flop_counter_equals_the_transformer_formula(name, mode):
    from collect.frameworks.torch.models import mode_flops

    assert mode_flops(name, mode) == analytic_flops.transformer_flops_per_sample(name, mode)


@pytest.mark.tensorflow
@pytest.mark.parametrize("name", ["tiny", "distilbert-base"])
@pytest.mark.parametrize("mode", ["infer", "train"])
def test_tensorflow_analytic_flops_match_pytorch_within_1_percent(name, mode):
    pytest.importorskip("tensorflow")
    from collect.frameworks.tensorflow import models as tf_models
    from collect.frameworks.torch import models as torch_models

    assert tf_models.mode_flops(name, mode) == pytest.approx(torch_models.mode_flops(name, mode), rel=0.01)


@pytest.mark.torch
def test_torch_matmul_row_on_cpu():
    from collect.frameworks.torch.adapter import TorchAdapter

    out = TorchAdapter("cpu").measure(Config("matmul", "matmul-128", "infer", "fp32", 1), Budget(0.2)).fields()
    assert out["flops_per_sample"] == 2 * 128**3
    assert out["tflops"] == pytest.approx(out["samples_per_s"] * 2 * 128**3 / 1e12)
    assert 0 < out["tflops"] < 5  # two CPU cores: far below a GPU


@pytest.mark.torch
def test_torch_matmul_operands_are_random_and_rotated():
    from collect.frameworks.torch.steps import matmul_step

    step = matmul_step(64, "fp32", "cpu")
    cells = step.__closure__
    sets = next(c.cell_contents for c in cells if isinstance(c.cell_contents, int))
    a = next(c.cell_contents for c in cells if isinstance(c.cell_contents, list) and len(c.cell_contents) == sets)
    assert sets == 64 and all(float(t.abs().sum()) > 0 for t in a)  # small sizes: a working set beyond the caches


@pytest.mark.torch
def test_unsupported_dtypes_become_rows_not_crashes():
    from collect.frameworks.torch.adapter import TorchAdapter
    from collect.measure.loop import Unsupported

    with pytest.raises(Unsupported, match="tf32 needs an NVIDIA GPU"):
        TorchAdapter("cpu").measure(Config("matmul", "matmul-64", "infer", "tf32", 1), Budget(0.1)).fields()


@pytest.mark.torch
def test_a_matmul_that_cannot_fit_is_skipped():
    from collect.frameworks.torch.adapter import TorchAdapter

    reason = TorchAdapter("cpu").fits(Config("matmul", "matmul-1000000", "infer", "fp32", 1))
    assert reason and reason.startswith("operands need 11175.9 GiB")


@pytest.mark.torch
@pytest.mark.parametrize("mode", ["train", "infer"])
def test_torch_transformer_rows(mode):
    from collect.frameworks.torch.adapter import TorchAdapter

    out = TorchAdapter("cpu").measure(Config("transformer", "tiny", mode, "fp32", 2), Budget(0.2)).fields()
    assert out["samples_per_s"] > 0 and out["flops_per_sample"] == analytic_flops.transformer_flops_per_sample("tiny", mode)


@pytest.mark.tensorflow
def test_tensorflow_matmul_and_transformer_rows():
    pytest.importorskip("tensorflow")
    from collect.frameworks.tensorflow.adapter import TFAdapter
    from collect.measure.loop import Unsupported

    backend = TFAdapter("cpu")
    out = backend.measure(Config("matmul", "matmul-128", "infer", "fp32", 1), Budget(0.2)).fields()
    assert out["flops_per_sample"] == 2 * 128**3 and out["tflops"] > 0
    with pytest.raises(Unsupported, match="not tf32"):
        backend.measure(Config("matmul", "matmul-64", "infer", "tf32", 1), Budget(0.1)).fields()
    out = backend.measure(Config("transformer", "tiny", "train", "fp32", 2), Budget(0.2)).fields()
    assert out["samples_per_s"] > 0
    assert backend.fits(Config("matmul", "matmul-1000000", "infer", "fp32", 1)).startswith("operands need 11175.9 GiB")
    backend.release()


def matmul_row(env, n, rate, precision="fp32", **kw):
    return record(env=env, workload="matmul", model=f"matmul-{n}", mode="infer", precision=precision, batch_size=1,
                  samples_per_s=rate, tflops=rate * 2 * n**3 / 1e12, run_id=f"{n}-{precision}-{rate}", **kw)


def test_matmul_panel_and_detail_figure(results_dir):
    write(results_dir, "box-cuda", [matmul_row("box-cuda", n, r, device_kind="cuda") for n, r in ((1024, 5000.0), (4096, 150.0))]
          + [matmul_row("box-cuda", 4096, 600.0, precision="fp16", device_kind="cuda")])
    write(results_dir, "laptop-cpu", [matmul_row("laptop-cpu", 1024, 50.0)])
    frame = load(discover(results_dir)).frame
    fig = headline_figure(summarize(frame), "sub")
    ax = next(a for a in fig.axes if a.get_title().startswith("Matmul"))
    assert ax.get_xlabel() == "TFLOP/s (higher is better)"
    widths = sorted((p.get_width() for p in ax.patches if p.get_width() > 0), reverse=True)
    # fp32 peaks at n=4096 (150 x 2 x 4096^3 = 20.6 TFLOP/s), above n=1024 (10.7)
    assert widths == pytest.approx([600 * 2 * 4096**3 / 1e12, 150 * 2 * 4096**3 / 1e12, 50 * 2 * 1024**3 / 1e12])
    assert [t.get_text() for t in ax.get_yticklabels()] == ["box-cuda · torch fp16", "box-cuda · torch fp32", "laptop-cpu · torch fp32"]
    assert any("size 4096, fp32" in t.get_text() for t in ax.texts)  # where fp32 peaked
    detail = matmul_figure(summarize(frame))
    dax = detail.axes[0]
    assert dax.get_xscale() == "log" and "TFLOP/s" in dax.get_ylabel()
    plt.close(fig)
    plt.close(detail)


def test_detail_figure_is_written_beside_the_chart(results_dir, tmp_path):
    import plot_results

    write(results_dir, "box-cuda", [matmul_row("box-cuda", 1024, 5000.0, device_kind="cuda")])
    rc = plot_results.main(["--results-dir", str(results_dir), "--out", str(tmp_path / "r.png"), "--markdown",
                            str(tmp_path / "r.md"), "--figures", str(tmp_path / "figures")])
    assert rc == 0 and (tmp_path / "figures" / "matmul.png").is_file()
    assert "## matmul" in (tmp_path / "r.md").read_text()


def test_published_transformer_rows_reach_the_transformer_panel():
    from conftest import ROOT

    fig = headline_figure(summarize(load(discover(ROOT / "results")).frame), "sub")
    ax = next(a for a in fig.axes if a.get_title().startswith("Transformer"))
    labels = " ".join(t.get_text().replace("\n", " ") for t in ax.get_yticklabels())
    assert "bert-large" in labels and "distilbert-base" in labels
    plt.close(fig)
