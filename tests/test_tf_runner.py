"""The TensorFlow runner on this CPU: FLOPs equal to PyTorch's, XLA recorded as it took effect,
the classic protocol's rows, Keras 2/3 shims and device logic with fakes."""

from __future__ import annotations

import csv
import dataclasses
import pickle
from types import SimpleNamespace

import analytic_flops
import numpy as np
import pytest

tf = pytest.importorskip("tensorflow")
from collect import cli  # noqa: E402
from collect.dataset.loader import load  # noqa: E402
from collect.frameworks.tensorflow import adapter as tfr  # noqa: E402
from collect.frameworks.tensorflow import classic  # noqa: E402
from collect.frameworks.tensorflow import device as tdv  # noqa: E402
from collect.frameworks.tensorflow import keras_compat as kc  # noqa: E402
from collect.measure.adapter import Budget  # noqa: E402
from collect.measure.loop import Unsupported  # noqa: E402
from collect.measure.suites import Config  # noqa: E402

# Real measurements here warm up for 0.2 s, not 1 s (conftest.py's short_warmup): the tests check what the rows
# say, not how steady they are.
pytestmark = [pytest.mark.tensorflow, pytest.mark.usefixtures("short_warmup")]


@pytest.mark.parametrize("mode", ["infer", "train", "train_forward", "train_backward"])
@pytest.mark.parametrize("depth", [1, 5])
def test_mlp_flops_equal_pytorch_exactly(depth, mode):
    torch_runner = pytest.importorskip("collect.frameworks.torch.adapter")
    name = f"mlp-d{depth}-w1024"
    assert tfr.mode_flops(name, mode) == torch_runner.mode_flops(name, mode) == analytic_flops.mlp_flops_per_sample(depth, mode)


def test_resnet50_flops_match_the_published_architecture():
    # keras.applications.ResNet50 is v1 (stride in the first 1x1 of a bottleneck): 3.86 G multiply-adds;
    # torchvision's is v1.5 (stride in the 3x3): 4.09 G. Same name, 6% apart: flops_per_sample shows it.
    assert tfr.mode_flops("resnet50", "infer") == pytest.approx(2 * 3.86e9, rel=0.01)


def test_depthwise_layers_are_counted():
    from collect.frameworks.tensorflow.models import flops_per_sample

    fwd, _ = flops_per_sample("mobilenet_v2")
    assert fwd == pytest.approx(2 * 300e6, rel=0.05)  # MobileNetV2 at 224: about 300 M multiply-adds


def measure(config, backend="tf_function", seconds=0.2):
    runner = tfr.TFAdapter("cpu")
    try:
        return runner.measure(dataclasses.replace(config, backend=backend), Budget(seconds)).fields()
    finally:
        runner.release()


@pytest.mark.parametrize("mode", ["train", "infer", "train_forward"])
def test_modes_measure_on_cpu(mode):
    out = measure(Config("mlp", "mlp-d1-w1024", mode, "fp32", 8))
    assert out["samples_per_s"] > 0 and out["steps"] >= 3 and out["xla"] == "off"
    assert out["step_ms_p10"] <= out["step_ms_median"] <= out["step_ms_p90"]


def test_backward_alone_is_unsupported():
    with pytest.raises(Unsupported, match="cannot time backward apart from forward"):
        measure(Config("mlp", "mlp-d1-w1024", "train_backward", "fp32", 8))


def test_xla_on_is_recorded_when_it_compiled():
    out = measure(Config("mlp", "mlp-d1-w1024", "infer", "fp32", 8), backend="xla")
    assert (out["xla"], out["backend"]) == ("on", "xla")
    assert out["rel_err"] < 1e-5  # the XLA graph against plain Keras on the same input


@pytest.mark.parametrize("backend", ["eager", "tf_function"])
def test_each_backend_is_what_it_says(backend, monkeypatch):
    calls = []
    real = tf.function
    monkeypatch.setattr(tfr.tf, "function", lambda f, **kw: calls.append(kw) or real(f, **kw))
    out = measure(Config("mlp", "mlp-d1-w1024", "infer", "fp32", 8), backend=backend)
    assert out["backend"] == backend and out["xla"] == "off" and out["samples_per_s"] > 0
    assert calls == ([] if backend == "eager" else [{"jit_compile": False}])
    assert (out["rel_err"] != "") == (backend != "eager")  # eager is the reference (on a CPU)


def test_torch_backends_are_unsupported_in_tensorflow():
    with pytest.raises(Unsupported, match="eager, tf_function and xla"):
        measure(Config("mlp", "mlp-d1-w1024", "infer", "fp32", 8), backend="onnxruntime")


def test_xla_that_cannot_compile_is_an_unsupported_row(monkeypatch):
    original = tfr.steps.model_fn

    def no_xla(model, config, backend):
        if backend == "xla":  # as on a device without XLA: jit_compile=True raises on the first call
            def fail(x, y):
                raise tf.errors.InvalidArgumentError(None, None, "XLA compilation is not supported on this device")
            return fail
        return original(model, config, backend)

    monkeypatch.setattr(tfr.steps, "model_fn", no_xla)
    with pytest.raises(Unsupported, match="XLA could not compile this here: XLA compilation is not supported"):
        measure(Config("mlp", "mlp-d1-w1024", "infer", "fp32", 8), backend="xla")


def test_mixed_precision_policy_takes_effect_and_is_reset():
    out = measure(Config("mlp", "mlp-d1-w1024", "train", "mixed_bf16", 8))
    assert "policy mixed_bfloat16" in out["note"]
    assert tf.keras.mixed_precision.global_policy().name == "float32"  # released after the measurement


def test_pure_fp16_is_unsupported_in_tensorflow():
    with pytest.raises(Unsupported, match="mixed_fp16"):
        measure(Config("mlp", "mlp-d1-w1024", "infer", "fp16", 8))


def test_unknown_keras_model_is_rejected():
    with pytest.raises(ValueError, match="'resnet18' is neither mlp-d<depth>-w<width>, matmul-<n>"):
        tfr.TFAdapter("cpu").check_models(["resnet18"])


def test_quick_run_through_main(results_dir, capsys):
    rc = cli.main(["--framework", "tensorflow", "--models", "mlp-d2-w1024", "--batch-sizes", "4", "--max-seconds", "0.2", "--repeat", "1",
                   "--env", "tf-test-cpu", "--results-dir", str(results_dir), "--no-progress", "--device", "cpu"])
    assert rc == 0
    path = results_dir / "results_tf-test-cpu.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["framework"], r["mode"], r["status"]) for r in rows] == [("tensorflow", "train", "ok"), ("tensorflow", "infer", "ok")]
    assert rows[0]["keras_version"] == kc.keras_version(tf.keras) and rows[0]["xla"] == "off"
    assert [r["backend"] for r in rows] == ["tf_function", "tf_function"]  # --jit auto on a CPU
    assert not load([path]).problems


TF_NOISE = ("oneDNN", "Could not find cuda drivers", "cuInit", "absl::InitializeLog", "I0000", "W0000", "E0000",
            "cpu_feature_guard", "WARNING:absl")


@pytest.mark.slow
def test_a_real_run_shows_no_tensorflow_start_up_noise_without_v(results_dir):
    """Two rounds (the parent and a round's process both load TensorFlow): the plan and its duration, one line per finished
    configuration (no terminal here, so no bar), the table; none of TensorFlow's C++ or absl lines."""
    import subprocess
    import sys

    from conftest import ROOT

    done = subprocess.run([sys.executable, "-m", "collect", "--framework", "tensorflow", "--models", "mlp-d5-w1024",
                           "--modes", "infer", "--batch-sizes", "8", "--max-seconds", "0.3", "--repeat", "2",
                           "--device", "cpu", "--env", "tf-quiet-cpu", "--results-dir", str(results_dir), "--no-summary"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    noise = [line for line in (done.stderr + done.stdout).splitlines() if any(n in line for n in TF_NOISE)]
    assert noise == []
    err = done.stderr.splitlines()
    assert err[0].startswith("measuring 1 configuration, 2 trials each") and len(err) == 4, done.stderr
    assert err[1].startswith("planned: about ") and err[1].endswith("corrected as it runs"), done.stderr
    assert [line.split(":")[0] for line in err[2:]] == [f"round {k}/2 mlp-d5-w1024 infer fp32 bs8 tf_function"
                                                         for k in (1, 2)]
    assert "2 rows (2 trials) appended" in done.stdout


@pytest.mark.slow
def test_backends_suite_through_main(results_dir):
    rc = cli.main(["--framework", "tensorflow", "--suite", "backends", "--models", "mlp-d1-w1024", "--batch-sizes", "1,4", "--repeat", "1",
                   "--modes", "infer", "--max-seconds", "0.2", "--env", "tf-test-cpu", "--results-dir", str(results_dir),
                   "--no-progress", "--device", "cpu"])
    assert rc == 0
    path = results_dir / "results_tf-test-cpu.csv"
    with open(path, newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [(r["batch_size"], r["backend"], r["xla"], r["status"]) for r in rows] == [
        (b, backend, xla, "ok") for b in ("1", "4") for backend, xla in (("eager", "off"), ("tf_function", "off"), ("xla", "on"))]
    # batch 1: per-request latency, 100 requests (or the row says how few it got in 4x the budget on a busy machine)
    assert all(int(r["steps"]) >= 100 or f"p99 from {r['steps']} requests only" in r["note"] for r in rows if r["batch_size"] == "1")
    assert all(float(r["rel_err"]) < 1e-5 for r in rows if r["backend"] != "eager")
    assert not load([path]).problems


def test_unknown_backend_for_tensorflow_is_a_clear_error(capsys):
    assert cli.main(["--framework", "tensorflow", "--backends", "torch_compile", "--dry-run", "--device", "cpu"]) == 2
    assert "`backends` must be one of ('eager', 'tf_function', 'xla'), but 'torch_compile' was passed" in capsys.readouterr().err


# The classic protocol ------------------------------------------------------------------------

def test_classic_fields_map_epochs_to_the_row():
    fields = classic.classic_outcome(build_s=0.5, epoch_s=[12.0, 10.0, 10.5], samples=50_000, batch=32, flops=1e6).fields()
    assert fields["wall_s"] == 33.0  # the original benchmark's number
    assert fields["samples_per_s"] == pytest.approx(50_000 / 10.25)
    assert fields["compile_s"] == pytest.approx(0.5 + 12.0 - 10.25)
    assert fields["steps"] == 2 * 1563 and fields["warmup_steps"] == 1563
    assert fields["step_ms_median"] == pytest.approx(10.25 / 1563 * 1e3)


def test_classic_suite_is_the_original_sweep():
    configs = classic.classic_configs()
    assert [(c.model, c.mode, c.batch_size, c.protocol) for c in configs] == [
        (f"mlp-d{d}-w1024", "train", 32, "classic") for d in (5, 10, 15, 20)]


def write_fake_cifar(folder, per_batch=64):
    folder.mkdir(parents=True)
    rng = np.random.default_rng(1)
    for i in range(1, 6):
        batch = {b"data": rng.integers(0, 256, (per_batch, 3072), dtype=np.uint8), b"labels": list(rng.integers(0, 10, per_batch))}
        with open(folder / f"data_batch_{i}", "wb") as fh:
            pickle.dump(batch, fh)


def test_cifar10_is_read_from_the_keras_cache_when_present(tmp_path):
    folder = tmp_path / "cifar-10-batches-py"
    assert classic.load_cifar10(folder) is None
    write_fake_cifar(folder)
    images, labels = classic.load_cifar10(folder)
    assert images.shape == (320, 32, 32, 3) and images.dtype == np.float32 and images.min() >= 0 and images.max() <= 1
    assert labels.shape == (320,)


@pytest.mark.parametrize("with_cifar", [False, True])
def test_classic_run_tiny(tmp_path, with_cifar):
    folder = tmp_path / "cifar-10-batches-py"
    if with_cifar:
        write_fake_cifar(folder)
    backend = tfr.TFAdapter("cpu")
    out = classic.run_classic(backend, Config("mlp", "mlp-d1-w1024", "train", "fp32", 32, protocol="classic"),
                              samples=320, folder=folder).fields()
    backend.release()
    assert out["dataset"] == ("cifar10" if with_cifar else "synthetic")
    assert out["wall_s"] >= out["compile_s"] > 0 and out["samples_per_s"] > 0 and out["steps"] == 2 * 10


# Keras 2 / 3 shims and device logic, with fakes ---------------------------------------------

class Keras2Optimizer:
    def get_scaled_loss(self, loss):
        return loss * 128

    def get_unscaled_gradients(self, grads):
        return [g / 128 for g in grads]


class Keras3Optimizer:
    def scale_loss(self, loss):
        return loss * 64


def test_loss_scaling_shims_for_both_generations():
    assert kc.scale_loss(Keras2Optimizer(), 1.0) == 128 and kc.unscale_gradients(Keras2Optimizer(), [256.0]) == [2.0]
    assert kc.scale_loss(Keras3Optimizer(), 1.0) == 64 and kc.unscale_gradients(Keras3Optimizer(), [256.0]) == [256.0]
    assert kc.scale_loss(object(), 1.0) == 1.0


def test_loss_scale_optimizer_location():
    k3 = SimpleNamespace(optimizers=SimpleNamespace(LossScaleOptimizer=lambda o: ("k3", o)))
    k2 = SimpleNamespace(optimizers=SimpleNamespace(), mixed_precision=SimpleNamespace(LossScaleOptimizer=lambda o: ("k2", o)))
    assert kc.loss_scale_optimizer(k3, "sgd") == ("k3", "sgd") and kc.loss_scale_optimizer(k2, "sgd") == ("k2", "sgd")


def test_one_hot_without_dtype_argument():
    calls = []
    keras = SimpleNamespace(utils=SimpleNamespace(to_categorical=lambda y, num_classes: calls.append(num_classes) or np.eye(num_classes)[y]))
    assert kc.one_hot(keras, np.array([1, 2]), 10).dtype == np.float32 and calls == [10]


def test_keras_version_of_tf_2_15_api_module(monkeypatch):
    # TF 2.13-2.15: `from tensorflow import keras` has neither __version__ nor version(); the keras
    # package installed beside TensorFlow does (seen with tensorflow-cpu 2.15.1: "2.15.0").
    monkeypatch.setitem(__import__("sys").modules, "keras", SimpleNamespace(__version__="2.15.0"))
    api_module = SimpleNamespace()
    assert kc.keras_version(api_module) == "2.15.0"


def test_keras_version_and_application_lookup():
    assert kc.keras_version(SimpleNamespace(__version__="2.15.0")) == "2.15.0"
    assert kc.keras_version(tf.keras) == tf.keras.__version__
    assert kc.application(tf.keras, "mobilenet_v3_large").__name__ == "MobileNetV3Large"
    assert kc.application(tf.keras, "efficientnet_b0").__name__ == "EfficientNetB0"
    assert kc.application(tf.keras, "resnet18") is None


@pytest.mark.parametrize("request_, gpus, metal, cuda_build, expected", [
    ("auto", 1, False, True, "cuda"), ("auto", 1, True, False, "gpu"), ("auto", 0, False, True, "cpu"),
    ("cpu", 1, False, True, "cpu"), ("gpu", 1, True, False, "gpu"), ("cuda", 1, False, True, "cuda"),
])
def test_resolve_tf_device(request_, gpus, metal, cuda_build, expected):
    assert tdv.resolve_device(request_, gpus=gpus, metal=metal, cuda_build=cuda_build) == expected


@pytest.mark.parametrize("request_, gpus, metal, message", [
    ("gpu", 0, False, "--device gpu was asked for, but TensorFlow sees no GPU"),
    ("mps", 1, True, "use --device gpu"),
    ("cuda", 1, True, "not a CUDA device"),
])
def test_tf_device_errors(request_, gpus, metal, message):
    with pytest.raises(ValueError, match=message):
        tdv.resolve_device(request_, gpus=gpus, metal=metal, cuda_build=False)


def test_cpu_fallback_on_a_gpu_run_is_detected():
    assert tdv.on_expected_device("gpu", "/job:localhost/replica:0/task:0/device:GPU:0")
    assert not tdv.on_expected_device("gpu", "/job:localhost/replica:0/task:0/device:CPU:0")
    assert tdv.on_expected_device("cpu", "/job:localhost/replica:0/task:0/device:CPU:0")


def test_sync_waits_on_devices_and_the_last_result():
    calls = []
    fake_tf = SimpleNamespace(test=SimpleNamespace(experimental=SimpleNamespace(sync_devices=lambda: calls.append("sync"))))
    holder = [SimpleNamespace(shape=(), numpy=lambda: calls.append("numpy"))]
    tdv.make_sync(fake_tf, holder)()
    assert calls == ["sync", "numpy"]


def test_metal_device_name_comes_from_the_chip():
    fake_tf = SimpleNamespace(config=SimpleNamespace(experimental=SimpleNamespace(get_device_details=lambda g: {"device_name": "METAL"})))
    outputs = {"sysctl -n machdep.cpu.brand_string": "Apple M1 Max", "system_profiler SPDisplaysDataType": "Total Number of Cores: 32"}
    name = tdv.device_name(fake_tf, object(), "gpu", run=lambda args, timeout=5.0: outputs.get(" ".join(args), ""))
    assert name == "Apple M1 Max (32-core GPU, Metal)"


# One optimizer definition: one device and data-parallel train alike --------------------------------

class Built(Exception):
    """Raised by the optimizer spy once the step's optimizer exists: nothing after it needs to run."""


def optimizer_used(monkeypatch, adapter, config) -> dict:
    seen = []
    real = tfr.steps.optimizer

    def spy(workload, precision, variables):
        seen.append(real(workload, precision, variables))
        raise Built

    with monkeypatch.context() as patch, pytest.raises(Built):
        patch.setattr(tfr.steps, "optimizer", spy)
        adapter.measure(config, Budget(0.1))
    adapter.release()
    (opt,) = seen
    cfg = opt.get_config()
    return {"class": type(opt).__name__, "learning_rate": float(cfg["learning_rate"]), "momentum": cfg.get("momentum")}


@pytest.mark.parametrize("model, expected", [("mlp-d1-w1024", ("SGD", 0.0)), ("mobilenet_v3_small", ("SGD", 0.9)),
                                             ("tiny", ("Adam", None))])
def test_data_parallel_training_uses_the_same_optimizer_as_one_device(model, expected, monkeypatch):
    config = Config(suites_workload(model), model, "train", "fp32", 2, backend="tf_function")
    single = optimizer_used(monkeypatch, tfr.TFAdapter("cpu"), config)
    mirrored = tfr.TFAdapter("cpu")
    mirrored.strategy = tf.distribute.MirroredStrategy(["/cpu:0"])  # the data-parallel path, on one device here
    assert optimizer_used(monkeypatch, mirrored, config) == single
    assert (single["class"], single["momentum"]) == expected and single["learning_rate"] == pytest.approx(
        1e-4 if expected[0] == "Adam" else 0.01)


def suites_workload(model: str) -> str:
    from collect.measure.suites import workload_of

    return workload_of(model)


# What a timed step costs beyond the plain loop's step (issue #33) ---------------------------------

def step_costs(monkeypatch, config) -> dict:
    """The runner's real measurement of `config`, counted: the compiled step's traces and calls, the blocks timed
    (each ends in one sync), and every host read (EagerTensor.numpy) while the steps and syncs run."""
    from tensorflow.python.framework import ops as tf_ops

    from collect.measure import timing

    counts = {"calls": 0, "blocks": 0, "steps": 0, "reads": 0}
    made = []
    real_fn, real_time, real_numpy = tfr.steps.model_fn, timing._Block.time, tf_ops._EagerTensorBase.numpy

    def model_fn(*args, **kwargs):
        fn = real_fn(*args, **kwargs)
        made.append(fn)

        def counted(x, y):
            counts["calls"] += 1
            return fn(x, y)
        return counted

    def block_time(self, count):
        counts["blocks"] += 1
        counts["steps"] += count
        return real_time(self, count)

    def numpy(self):
        counts["reads"] += 1
        return real_numpy(self)

    monkeypatch.setattr(tfr.steps, "model_fn", model_fn)
    monkeypatch.setattr(timing._Block, "time", block_time)
    monkeypatch.setattr(tf_ops._EagerTensorBase, "numpy", numpy)
    runner = tfr.TFAdapter("cpu")
    try:
        fields = runner.measure(config, Budget(0.2)).fields()
    finally:
        runner.release()
    (fn,) = made
    return {**counts, "traces": fn.experimental_get_tracing_count(), "timed": fields["steps"]}


@pytest.mark.parametrize("mode", ["train", "infer"])
def test_a_step_is_one_compiled_call_traced_once_and_a_block_one_host_read(monkeypatch, mode):
    # The plain loop the runner is held to (benchmarks/fidelity.py) calls the same tf.function once per step and reads
    # one value back at its end. The runner may add a sync per block, nothing per step: a retrace, a second call or a
    # .numpy() inside a step is what would make it read slower than that loop.
    costs = step_costs(monkeypatch, Config("mlp", "mlp-d1-w1024", mode, "fp32", 8, backend="tf_function"))
    assert costs["traces"] == 1  # compile_s holds the one trace; warm-up and timed steps reuse it
    assert costs["calls"] == costs["steps"] >= costs["timed"] + 1  # one call per step: compile + warm-up + timed
    assert costs["reads"] == costs["blocks"]  # one host read per block: its sync, none inside a step


class Value:
    """A fake eager result: records whether the sync sliced it and which tensor was read back."""

    def __init__(self, shape, reads, name="whole"):
        self.shape, self.reads, self.name = shape, reads, name

    def __getitem__(self, index):
        return Value((), self.reads, f"element {index}")

    def numpy(self):
        self.reads.append(self.name)


@pytest.mark.parametrize("shape, read", [((), "whole"), ((8, 1000), "whole"), ((8192, 8192), "element (0, 0)")])
def test_sync_reads_a_small_result_whole_and_a_large_one_by_one_element(shape, read):
    # Slicing a (8, 1000) logits tensor costs a strided-slice op per block (about 70 us, more on a loaded CPU); reading
    # a 8192^2 product whole would time a 256 MiB copy. Either read waits on the op that made the value.
    reads = []
    fake_tf = SimpleNamespace(test=SimpleNamespace(experimental=SimpleNamespace(sync_devices=lambda: reads.append("sync"))))
    tdv.make_sync(fake_tf, [Value(shape, reads)])()
    assert reads == ["sync", read]
