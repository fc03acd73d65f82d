"""TensorFlow device helpers: choose (and hide) devices, sync, memory, placement, analytic FLOPs.

Small functions over documented APIs (tf.config, tf.test.experimental.sync_devices), written so
the GPU / Metal paths can be tested with fakes on a CPU-only machine.
"""

from __future__ import annotations

import importlib
import math
import os
import platform as _platform
import resource
import sys

from collect.measure import envinfo, gpuinfo


def resolve_device(request: str, *, gpus: int, metal: bool, cuda_build: bool) -> str:
    """auto -> the GPU if there is one (cuda for NVIDIA builds, gpu for Metal and others), else cpu."""
    kind = ("cuda" if cuda_build and not metal else "gpu") if gpus else "cpu"
    if request == "auto":
        return kind
    if request == "cpu":
        return "cpu"
    if request == "mps":
        raise ValueError("--device mps is PyTorch's name; TensorFlow reaches Apple GPUs through tensorflow-metal: "
                         "use --device gpu")
    if request in ("gpu", "cuda") and not gpus:
        raise ValueError(f"--device {request} was asked for, but TensorFlow sees no GPU "
                         "(tf.config.list_physical_devices('GPU') is empty)")
    if request == "cuda" and kind != "cuda":
        raise ValueError("--device cuda was asked for, but this GPU is not a CUDA device of a CUDA build: use --device gpu")
    if request not in ("gpu", "cuda"):
        raise ValueError(f"`device` must be one of ('auto', 'cpu', 'gpu', 'cuda') for tensorflow, but {request!r} was passed")
    return kind


def hide_gpus(tf) -> None:
    """--device cpu: hide GPUs before TensorFlow initialises them (later it cannot)."""
    tf.config.set_visible_devices([], "GPU")


def on_expected_device(kind: str, placed_on: str) -> bool:
    """A GPU run whose result sits on the CPU ran (part) on the CPU: TF-Metal did this for fp16/fp64."""
    return kind == "cpu" or "GPU" in placed_on.upper()


def make_sync(tf, holder: list):
    """Wait for all queued work: sync_devices (TF 2.12+) and materialise the last result."""
    sync_devices = getattr(getattr(tf.test, "experimental", None), "sync_devices", None)

    def sync():
        if sync_devices is not None:
            try:
                sync_devices()
            except Exception:  # plugins without a SyncDevice kernel: the .numpy() below still waits
                pass
        if holder and holder[0] is not None:
            value = holder[0]
            value = value[0] if isinstance(value, (list, tuple)) else value
            read_back(value)
    return sync


SMALL_READ = 65_536  # elements: reading these whole costs less than a slice op (~70 us of Python, issue #33)


def read_back(value) -> None:
    """Wait on the op that made `value` by reading it to the host. A small result (a loss, a batch of logits) is
    read whole: `value[0, 0]` builds four constant tensors and a strided slice each block, 70 us idle and up to
    0.6 ms on a loaded CPU. A large one is read as one element: copying a whole 8192^2 product would be timed."""
    shape = tuple(value.shape)
    if math.prod(shape) <= SMALL_READ:
        value.numpy()
    else:
        value[(0,) * len(shape)].numpy()


def peak_mem_mb(kind: str, tf) -> float | str:
    if kind != "cpu":
        try:
            return tf.config.experimental.get_memory_info("GPU:0")["peak"] / 2**20
        except Exception:  # Metal does not report it
            return ""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10


def reset_peak(kind: str, tf) -> None:
    if kind != "cpu":
        try:
            tf.config.experimental.reset_memory_stats("GPU:0")
        except Exception:  # Metal has no memory stats: peak_mem_mb then reports "" (see peak_mem_mb), never a stale peak
            pass


def _layers(model):
    for layer in model.layers:
        if hasattr(layer, "layers") and layer.layers:  # nested models
            yield from _layers(layer)
        else:
            yield layer


def _spatial(shape) -> int:
    return math.prod(int(d) for d in shape[1:-1]) if len(shape) > 2 else 1


def layer_flops(layer) -> int:
    """Forward FLOPs per sample of one layer (2 x MACs); 0 for layers without a kernel."""
    kind = type(layer).__name__
    if kind == "MultiHeadAttention":
        return mha_flops(layer)
    # Keras 2 names a depthwise layer's weights depthwise_kernel; Keras 3 calls them kernel.
    kernel = getattr(layer, "depthwise_kernel", None) if kind == "DepthwiseConv2D" else None
    kernel = kernel if kernel is not None else getattr(layer, "kernel", None)
    if kernel is None:
        return 0
    out = tuple(layer.output.shape)
    if kind == "Dense":
        fan_in, units = (int(d) for d in kernel.shape)
        return 2 * fan_in * units * _spatial(out)
    if kind == "DepthwiseConv2D":
        kh, kw, channels, mult = (int(d) for d in kernel.shape)
        return 2 * kh * kw * channels * mult * _spatial(out)
    if kind in ("Conv2D", "Conv1D", "Conv3D"):
        shape = [int(d) for d in kernel.shape]
        return 2 * math.prod(shape) * _spatial(out)
    return 0


def mha_flops(layer) -> int:
    """Q, K, V and output projections per token, plus scores and weighted sum per token pair."""
    heads = int(getattr(layer, "num_heads", None) or layer._num_heads)
    key_dim = int(getattr(layer, "key_dim", None) or layer._key_dim)
    shape = tuple(layer.output.shape)  # (batch, seq, d_model)
    seq, d_model = int(shape[1]), int(shape[-1])
    inner = heads * key_dim
    return seq * (3 * 2 * d_model * inner + 2 * inner * d_model) + 2 * 2 * seq * seq * inner


def keras_flops(model, first_input_needs_grad: bool = False) -> tuple[int, int]:
    """(forward, backward) FLOPs per sample, the PyTorch runner's convention.

    Backward = weight gradients (as forward) + input gradients (as forward) of every layer but
    the first weighted one, whose input needs no gradient: what torch's FlopCounterMode counts.
    """
    per_layer = [f for f in (layer_flops(layer) for layer in _layers(model)) if f]
    forward = sum(per_layer)
    skipped = 0 if first_input_needs_grad or not per_layer else per_layer[0]
    return forward, 2 * forward - skipped


def device_name(tf, gpu, kind: str, run=None) -> str:
    run = run or envinfo.run
    if kind == "cpu" or gpu is None:
        return envinfo.cpu_name()
    details = tf.config.experimental.get_device_details(gpu) or {}
    name = details.get("device_name", "")
    if name.upper() == "METAL" or not name:
        chip = envinfo.cpu_name("Darwin", run=run)
        cores = envinfo.apple_gpu_cores(run=run)
        return f"{chip} ({cores}-core GPU, Metal)" if cores else f"{chip} (Metal)"
    return name


ONEDNN_ENV = "TF_ENABLE_ONEDNN_OPTS"
UTIL_PORT = "tensorflow.python.util._pywrap_util_port"  # TF's own IsMklEnabled(): oneDNN built in and switched on


def onednn_default(version: str, system: str, machine: str) -> bool:
    """TF's default where it cannot be asked: oneDNN on from TF 2.9 in x86-64 Linux builds, off elsewhere."""
    parts = [int(p) for p in str(version).split(".")[:2] if p.isdigit()]
    return system == "Linux" and machine.lower() in ("x86_64", "amd64") and len(parts) == 2 and tuple(parts) >= (2, 9)


def describe_onednn(enabled: bool | None, environ, *, version: str = "", system: str = "", machine: str = "") -> str:
    """The math_library text of a TensorFlow CPU run: "onednn=on (TF_ENABLE_ONEDNN_OPTS unset: the default)".
    `enabled` is TF's own answer (IsMklEnabled); None: read from the variable (0/false off, 1/true on), else TF's
    default for this version and platform."""
    value = environ.get(ONEDNN_ENV)
    said = f"{ONEDNN_ENV} unset: the default" if value is None else f"{ONEDNN_ENV}={value}"
    if enabled is None:
        word = str(value or "").strip().lower()
        enabled = True if word in ("1", "true") else False if word in ("0", "false") else onednn_default(version, system, machine)
    return f"onednn={'on' if enabled else 'off'} ({said})"


def mkl_enabled(importer=importlib.import_module) -> bool | None:
    """TF's IsMklEnabled(): True where oneDNN is built in and on; None where TF does not expose it."""
    try:
        return bool(importer(UTIL_PORT).IsMklEnabled())
    except Exception:  # a TF without the private module: describe_onednn falls back on the variable
        return None


def math_library(tf, environ=None, importer=importlib.import_module) -> str:
    environ = os.environ if environ is None else environ
    return describe_onednn(mkl_enabled(importer), environ, version=getattr(tf, "__version__", ""),
                           system=_platform.system(), machine=_platform.machine())


def capability_text(details) -> str:
    """A GPU's compute capability from tf.config.experimental.get_device_details: (8, 0) -> "8.0"; "" if absent."""
    capability = (details or {}).get("compute_capability")
    if isinstance(capability, (tuple, list)) and len(capability) == 2:
        return f"{capability[0]}.{capability[1]}"
    return "" if capability is None else str(capability)


def device_identity(tf, gpu, kind: str, *, run=None, nvml=None, target: dict | None = None, environ=None,
                    importer=importlib.import_module) -> dict:
    """What ran, as Record fields: the CPU math path (oneDNN on or off) on cpu; on a CUDA GPU its capability and
    NVML's power limit and max SM clock (NVML's GPU picked by `target`); on a Metal GPU its core count."""
    if kind == "cpu" or gpu is None:
        return {"math_library": math_library(tf, environ, importer)}
    if kind == "cuda":
        details = tf.config.experimental.get_device_details(gpu) or {}
        return {"accel_capability": capability_text(details), **gpuinfo.nvml_limits(nvml, **(target or {}))}
    return {"accel_units": envinfo.apple_gpu_cores(run=run or envinfo.run) or ""}
