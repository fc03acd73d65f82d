"""The PyTorch runner on this machine's CPU: FLOPs, modes, precisions, rows that validate and plot."""

from __future__ import annotations

import csv

import analytic_flops
import pytest

torch = pytest.importorskip("torch")
from collect import cli  # noqa: E402
from collect.dataset.loader import load  # noqa: E402
from collect.frameworks.torch import adapter as tr  # noqa: E402
from collect.frameworks.torch import steps  # noqa: E402
from collect.measure.adapter import Budget  # noqa: E402
from collect.measure.suites import Config  # noqa: E402

# Real measurements here warm up for 0.2 s, not 1 s (conftest.py's short_warmup): the tests check what the rows
# say, not how steady they are.
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("short_warmup")]


@pytest.mark.parametrize("depth", [1, 5, 20])
@pytest.mark.parametrize("mode", ["infer", "train", "train_forward", "train_backward"])
def test_flop_counter_matches_the_analytic_mlp_formula(depth, mode):
    # An analytic count independent of both frameworks (tests/analytic_flops.py); test_tf_runner checks TensorFlow's.
    assert tr.mode_flops(f"mlp-d{depth}-w1024", mode) == analytic_flops.mlp_flops_per_sample(depth, mode)


def test_resnet50_forward_flops_follow_the_2x_mac_convention():
    # torchvision lists ResNet-50 at 4.09 GFLOPS, which are multiply-accumulates: 2 x 4.09 = 8.18 GFLOPs.
    assert tr.mode_flops("resnet50", "infer") == pytest.approx(8.18e9, rel=0.01)
    assert tr.mode_flops("resnet50", "train") == pytest.approx(3 * 8.18e9, rel=0.02)


def test_models_are_built_without_weights_and_unknown_names_rejected():
    backend = tr.TorchAdapter("cpu")
    backend.check_models(["mlp-d3-w1024", "resnet18", "mobilenet_v3_large"])
    with pytest.raises(ValueError, match="'resnet5' is neither mlp-d<depth>-w<width>, matmul-<n>"):
        backend.check_models(["resnet5"])
    assert sum(p.numel() for p in tr.build_model("mlp-d2-w1024").parameters()) == 3072 * 1024 + 1024 + 1024 * 1024 + 1024 + 1024 * 10 + 10


@pytest.mark.parametrize("mode", ["train", "infer", "train_forward", "train_backward"])
def test_each_mode_measures_on_cpu(mode):
    out = tr.TorchAdapter("cpu").measure(Config("mlp", "mlp-d2-w1024", mode, "fp32", 16), Budget(0.2)).fields()
    assert out["samples_per_s"] > 0 and out["steps"] >= 3 and out["compile_s"] > 0
    assert out["step_ms_p10"] <= out["step_ms_median"] <= out["step_ms_p90"]
    assert out["flops_per_sample"] == analytic_flops.mlp_flops_per_sample(2, mode)
    assert out["tflops"] == pytest.approx(out["flops_per_sample"] * out["samples_per_s"] / 1e12)
    assert out["threads"] == torch.get_num_threads()


def test_training_really_updates_weights():
    model = tr.build_model("mlp-d1-w1024")
    before = [p.detach().clone() for p in model.parameters()]
    x, y = torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,))
    step, setup = steps.model_step(model, x, y, Config("mlp", "mlp-d1-w1024", "train", "fp32", 4), "cpu")
    assert setup is None
    step()
    assert any(not torch.equal(a, b) for a, b in zip(before, model.parameters(), strict=True))


def test_backward_mode_times_backward_only():
    model = tr.build_model("mlp-d1-w1024")
    step, setup = steps.model_step(model, torch.randn(4, 3, 32, 32), torch.randint(0, 10, (4,)),
                                   Config("mlp", "mlp-d1-w1024", "train_backward", "fp32", 4), "cpu")
    setup()
    assert all(p.grad is None for p in model.parameters())
    step()  # the backward pass
    assert all(p.grad is not None for p in model.parameters())


def test_tf32_on_cpu_is_an_unsupported_row():
    with pytest.raises(tr.Unsupported, match="tf32 needs an NVIDIA GPU of the Ampere generation or newer"):
        tr.TorchAdapter("cpu").measure(Config("mlp", "mlp-d1-w1024", "infer", "tf32", 4), Budget(0.1)).fields()


def test_bf16_autocast_runs_on_cpu():
    out = tr.TorchAdapter("cpu").measure(Config("mlp", "mlp-d1-w1024", "infer", "bf16", 8), Budget(0.1)).fields()
    assert out["samples_per_s"] > 0


def test_correctness_check_is_zero_for_identical_devices():
    backend = tr.TorchAdapter("cpu")
    assert backend._correctness("mlp-d1-w1024") == pytest.approx(0.0, abs=1e-12)


@pytest.mark.slow
def test_quick_run_through_main_writes_rows_that_validate(results_dir, capsys):
    rc = cli.main(["--framework", "torch", "--models", "mlp-d2-w1024,resnet18", "--batch-sizes", "2", "--repeat", "1",
                   "--max-seconds", "0.2", "--env", "test-cpu", "--results-dir", str(results_dir), "--no-progress",
                   "--device", "cpu"])
    assert rc == 0
    path = results_dir / "results_test-cpu.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["model"], r["mode"], r["status"]) for r in rows] == [
        ("mlp-d2-w1024", "train", "ok"), ("mlp-d2-w1024", "infer", "ok"), ("resnet18", "train", "ok"), ("resnet18", "infer", "ok")]
    assert {r["device_kind"] for r in rows} == {"cpu"} and rows[0]["framework_version"] == torch.__version__
    assert all(float(r["samples_per_s"]) > 0 and r["timestamp_utc"] for r in rows)
    assert not load([path]).problems
    assert "4 rows appended to" in capsys.readouterr().out


def test_cuda_request_without_cuda_is_a_clear_error(capsys):
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    assert cli.main(["--device", "cuda", "--dry-run"]) == 2
    assert "--device cuda was asked for, but torch.cuda.is_available() is False" in capsys.readouterr().err
