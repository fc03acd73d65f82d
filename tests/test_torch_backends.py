"""torch.compile and ONNX Runtime backends: real runs on tiny models on the CPU, GPU paths with fakes."""

from __future__ import annotations

import csv
from types import SimpleNamespace

import pytest

torch = pytest.importorskip("torch")
pytest.importorskip("onnxruntime")

from collect import cli  # noqa: E402
from collect.dataset.loader import load  # noqa: E402
from collect.frameworks.torch import backends as tb  # noqa: E402
from collect.frameworks.torch.adapter import TorchAdapter  # noqa: E402
from collect.measure.adapter import Budget  # noqa: E402
from collect.measure.loop import Unsupported  # noqa: E402
from collect.measure.suites import Config  # noqa: E402

# Real measurements here warm up for 0.2 s, not 1 s (conftest.py's short_warmup): the tests check what the rows
# say, not how steady they are.
pytestmark = [pytest.mark.torch, pytest.mark.usefixtures("short_warmup")]
MLP = "mlp-d1-w1024"


def measure(config, seconds=0.2):
    backend = TorchAdapter("cpu")
    try:
        return backend.measure(config, Budget(seconds)).fields()
    finally:
        backend.release()


def test_onnxruntime_runs_the_exported_model_and_matches_eager():
    out = measure(Config("mlp", MLP, "infer", "fp32", 4, backend="onnxruntime"))
    assert out["backend"] == "onnxruntime" and out["samples_per_s"] > 0
    assert out["rel_err"] < 1e-5  # same weights, same input as eager
    assert "CPUExecutionProvider" in out["note"] and "compile_s includes export" in out["note"]
    assert out["compile_s"] > out["step_ms_median"] / 1e3  # export and session creation are in compile_s
    assert out["threads"] == torch.get_num_threads()


@pytest.mark.parametrize(("mode", "precision", "reason"), [
    ("train", "fp32", "runs inference sessions: no training"),
    ("infer", "bf16", "runs the fp32 export"),
])
def test_onnxruntime_refuses_what_it_cannot_run(mode, precision, reason):
    with pytest.raises(Unsupported, match=reason):
        measure(Config("mlp", MLP, mode, precision, 4, backend="onnxruntime"))


@pytest.mark.slow
def test_torch_compile_compiles_in_the_first_step_and_matches_eager():
    out = measure(Config("mlp", MLP, "infer", "fp32", 4, backend="torch_compile"))
    assert out["backend"] == "torch_compile" and out.get("status", "ok") == "ok"
    assert out["rel_err"] < 1e-5
    assert out["compile_s"] > 10 * out["step_ms_p90"] / 1e3  # compilation is in compile_s, not in the steps
    train = measure(Config("mlp", MLP, "train", "fp32", 4, backend="torch_compile"))
    assert train["samples_per_s"] > 0 and "output compared with eager in the infer rows" in train["note"]


def test_a_compiler_failure_is_an_unsupported_row(monkeypatch):
    class InductorError(Exception):
        pass

    class Broken(torch.nn.Module):
        def forward(self, x):
            raise InductorError("C++ compile error: no compiler found")

    monkeypatch.setattr(tb, "compile_model", lambda model: Broken())
    with pytest.raises(Unsupported, match="torch.compile cannot compile this here: C\\+\\+ compile error"):
        measure(Config("mlp", MLP, "infer", "fp32", 4, backend="torch_compile"))


def test_wrong_backend_output_is_an_error_row(monkeypatch):
    real = tb.relative_error
    monkeypatch.setattr(tb, "relative_error", lambda got, want: 10 * real(got, want) + 0.5)
    out = measure(Config("mlp", MLP, "infer", "fp32", 4, backend="onnxruntime"))
    assert out["status"] == "error" and "differs from eager on cpu by 0.5" in out["note"]


@pytest.mark.parametrize(("device", "backend", "available", "reason"), [
    ("cuda", "onnxruntime", ["CPUExecutionProvider"], "no provider for cuda here .*install onnxruntime-gpu"),
    ("mps", "onnxruntime", ["CPUExecutionProvider"], "no provider for mps here .*CoreML"),
    ("cpu", "tensorrt", ["CPUExecutionProvider"], "TensorRT runs on NVIDIA GPUs only"),
    ("cuda", "tensorrt", ["CUDAExecutionProvider", "CPUExecutionProvider"], "TensorRT is not available to ONNX Runtime"),
])
def test_provider_for_each_device(device, backend, available, reason):
    with pytest.raises(Unsupported, match=reason):
        tb.provider_for(device, backend, available)


def test_provider_names():
    assert tb.provider_for("cuda", "onnxruntime", ["CUDAExecutionProvider"]) == "CUDAExecutionProvider"
    assert tb.provider_for("mps", "onnxruntime", ["CoreMLExecutionProvider"]) == "CoreMLExecutionProvider"
    assert tb.provider_for("cuda", "tensorrt", ["TensorrtExecutionProvider"]) == "TensorrtExecutionProvider"


class FakeOrt:
    """onnxruntime whose session quietly runs on the CPU, as it does when a provider cannot load."""

    __version__ = "9.9"

    def __init__(self, took="CPUExecutionProvider"):
        self.took, self.bound = took, []

    def get_available_providers(self):
        return ["CUDAExecutionProvider", "CPUExecutionProvider"]

    def SessionOptions(self):  # noqa: N802 (onnxruntime's name)
        return SimpleNamespace()

    def InferenceSession(self, onnx, options, providers):  # noqa: N802
        fake = self

        class Session:
            def get_providers(self):
                return [fake.took]

            def get_inputs(self):
                return [SimpleNamespace(name="input")]

            def get_outputs(self):
                return [SimpleNamespace(name="output")]

            def io_binding(self):
                return SimpleNamespace(bind_ortvalue_input=lambda *a: fake.bound.append(("in", a[0])),
                                       bind_output=lambda *a: fake.bound.append(("out",) + a),
                                       copy_outputs_to_cpu=lambda: [None])

            def run_with_iobinding(self, binding):
                fake.bound.append(("run",))
        return Session()

    class OrtValue:
        @staticmethod
        def ortvalue_from_numpy(array, device, index):
            return (device, index, array.shape)


def test_a_provider_fallback_is_unsupported_not_a_cpu_figure(monkeypatch):
    monkeypatch.setattr(tb, "export_onnx", lambda model, x: b"onnx")
    with pytest.raises(Unsupported, match="fell back from CUDAExecutionProvider to CPUExecutionProvider"):
        tb.OnnxRun(torch.nn.Linear(2, 2), torch.ones(1, 2), device_kind="cuda", backend="onnxruntime", threads=2,
                   ort=FakeOrt())


def test_cuda_inputs_and_outputs_are_bound_in_gpu_memory(monkeypatch):
    monkeypatch.setattr(tb, "export_onnx", lambda model, x: b"onnx")
    ort = FakeOrt(took="CUDAExecutionProvider")
    x = SimpleNamespace(detach=lambda: SimpleNamespace(cpu=lambda: SimpleNamespace(numpy=lambda: torch.ones(1, 2).numpy())),
                        device=SimpleNamespace(index=1))
    run = tb.OnnxRun(torch.nn.Linear(2, 2), x, device_kind="cuda", backend="onnxruntime", threads=2, ort=ort)
    run.step()
    assert ort.bound == [("in", "input"), ("out", "output", "cuda", 1), ("run",)]


def rows(path):
    with open(path, newline="") as fh:
        return list(csv.DictReader(fh))


@pytest.mark.slow
def test_backends_suite_rows_validate_and_plot(results_dir, tmp_path):
    """The issue's bar: eager, torch_compile and onnxruntime rows for the MLP and a small CNN validate and plot."""
    from collect.present.details import backends_figure
    from collect.present.summary import summarize

    common = ["--framework", "torch", "--suite", "backends", "--modes", "infer", "--max-seconds", "0.2", "--repeat", "1",
              "--results-dir", str(results_dir), "--env", "test-cpu", "--no-progress", "--device", "cpu"]
    assert cli.main([*common, "--models", MLP, "--batch-sizes", "1,4"]) == 0
    assert cli.main([*common, "--models", "squeezenet1_1", "--batch-sizes", "1"]) == 0
    got = rows(results_dir / "results_test-cpu.csv")
    seen = {(r["model"], r["batch_size"], r["backend"]) for r in got if r["status"] == "ok"}
    for model, batches in ((MLP, ("1", "4")), ("squeezenet1_1", ("1",))):
        for batch in batches:
            assert {(model, batch, b) for b in ("eager", "torch_compile", "onnxruntime")} <= seen
    latency = [r for r in got if r["batch_size"] == "1"]
    assert all(int(r["steps"]) >= 100 or "p99 from" in r["note"] for r in latency)
    assert all(float(r["step_ms_p99"]) >= float(r["step_ms_median"]) for r in latency)
    assert all(r["energy_method"] in ("rapl", "none") for r in got)
    loaded = load([results_dir / "results_test-cpu.csv"])
    assert not loaded.problems
    fig = backends_figure(summarize(loaded.frame))
    rate_ax, latency_ax = fig.axes
    assert {t.get_text() for t in latency_ax.get_legend().get_texts()} == {"eager", "onnxruntime", "torch_compile"}
    assert len(latency_ax.patches) == 6  # two models x three backends at batch 1
    assert len(rate_ax.patches) == 3  # the MLP at batch 4


def test_each_compiled_measurement_starts_from_a_fresh_dynamo_cache(monkeypatch):
    # Past dynamo's recompile limit a model runs eager without a word: never under the torch_compile name.
    calls = []
    monkeypatch.setattr(torch._dynamo, "reset", lambda: calls.append("reset"))
    monkeypatch.setattr(torch, "compile", lambda model: calls.append("compile") or model)
    tb.compile_model(torch.nn.Linear(2, 2))
    assert calls == ["reset", "compile"]
