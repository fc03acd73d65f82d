"""PyTorch device helpers: choose the device, sync it, read its memory, classify its errors.

Each is a small function over the documented APIs (torch.cuda, torch.mps, torch.backends),
so the CUDA / MPS paths can be tested with fakes on a machine that has neither.
"""

from __future__ import annotations

import gc
import re
import resource
import sys

import torch

from collect.measure import envinfo, gpuinfo


def mps_available(backends=None) -> bool:
    backends = backends or torch.backends
    mps = getattr(backends, "mps", None)
    return bool(mps and mps.is_available())


def resolve_device(request: str, *, cuda: bool, mps: bool) -> str:
    """auto -> cuda, else mps, else cpu. Asking for a missing device is an error, never a silent CPU run."""
    if request == "auto":
        return "cuda" if cuda else "mps" if mps else "cpu"
    if request == "cuda" and not cuda:
        raise ValueError("--device cuda was asked for, but torch.cuda.is_available() is False "
                         "(no NVIDIA GPU, or a CPU-only torch build)")
    if request == "mps" and not mps:
        raise ValueError("--device mps was asked for, but torch.backends.mps.is_available() is False "
                         "(needs Apple silicon, macOS 12.3+ and an arm64 Python)")
    if request not in ("cpu", "cuda", "mps"):
        raise ValueError(f"`device` must be one of ('auto', 'cpu', 'cuda', 'mps') for torch, but {request!r} was passed")
    return request


def synchronizer(kind: str, api=torch):
    """The function that waits for all queued work on the device: the end of every timed region."""
    if kind == "cuda":
        return api.cuda.synchronize
    if kind == "mps":
        return api.mps.synchronize
    return lambda: None  # CPU ops return when done


def reset_peak(kind: str, api=torch) -> None:
    if kind == "cuda":
        api.cuda.reset_peak_memory_stats()


def peak_mem_mb(kind: str, api=torch) -> float | str:
    """CUDA: peak allocated since reset; MPS: memory the Metal driver holds now; CPU: process peak RSS."""
    if kind == "cuda":
        return api.cuda.max_memory_allocated() / 2**20
    if kind == "mps":
        return api.mps.driver_allocated_memory() / 2**20
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 2**10  # bytes on macOS, KiB on Linux


def free_memory(kind: str, api=torch) -> None:
    gc.collect()
    if kind == "cuda":
        api.cuda.empty_cache()
    elif kind == "mps":
        api.mps.empty_cache()


def is_oom(exc: BaseException) -> bool:
    if isinstance(exc, MemoryError):
        return True
    oom_type = getattr(getattr(torch, "cuda", None), "OutOfMemoryError", None)
    if oom_type is not None and isinstance(exc, oom_type):
        return True
    text = str(exc).lower()
    return isinstance(exc, RuntimeError) and ("out of memory" in text or "can't allocate memory" in text)


def is_unsupported(exc: BaseException) -> bool:
    text = str(exc).lower()
    return isinstance(exc, NotImplementedError) or (isinstance(exc, (RuntimeError, TypeError)) and any(
        key in text for key in ("not implemented for", "not currently implemented", "not supported", "unsupported",
                                "does not support", "doesn't support")))


def device_name(kind: str, api=torch, run=envinfo.run) -> str:
    if kind == "cuda":
        return api.cuda.get_device_name(0)
    if kind == "mps":
        chip = envinfo.cpu_name("Darwin", run=run)
        cores = envinfo.apple_gpu_cores(run=run)
        return f"{chip} ({cores}-core GPU)" if cores else chip
    return envinfo.cpu_name()


def device_fingerprint(kind: str, api=torch, run=envinfo.run, nvml=None, target: dict | None = None) -> dict:
    """The framework and device fields of every row: what ran (the CPU math path on cpu; the accelerator's
    capability, units, power limit and clock on cuda, NVML's GPU picked by `target`: the adapter's nvml_target)."""
    out = {"framework": "torch", "framework_version": api.__version__, "device_kind": kind,
           "device_name": device_name(kind, api, run), "threads": api.get_num_threads(),
           "matmul_precision": api.get_float32_matmul_precision()}
    if kind == "cuda":
        props = api.cuda.get_device_properties(0)
        out.update(accel_mem_gb=round(props.total_memory / 2**30, 1), cuda_version=api.version.cuda or "",
                   cudnn_version=str(api.backends.cudnn.version() or ""),
                   driver_version=run(["nvidia-smi", "--query-gpu=driver_version", "--format=csv,noheader"]).split("\n")[0])
        out.update(cuda_identity(api, props, nvml, target))
    elif kind == "mps":
        out["accel_mem_gb"] = envinfo.ram_gb()  # unified memory
        out["accel_units"] = envinfo.apple_gpu_cores(run=run) or ""
    else:
        out["math_library"] = math_library(api)
    return out


def cuda_identity(api, props, nvml=None, target: dict | None = None) -> dict:
    """accel_capability ("8.0"), accel_units (streaming multiprocessors) and NVML's power limit and max SM clock."""
    major, minor = api.cuda.get_device_capability(0)
    out = {"accel_capability": f"{major}.{minor}", "accel_units": getattr(props, "multi_processor_count", "")}
    out.update(gpuinfo.nvml_limits(nvml, **(target or {})))
    return out


_ONEDNN = re.compile(r"(?:MKL-DNN|oneDNN)\s+v?(\d+(?:\.\d+)*)", re.IGNORECASE)
_BLAS = re.compile(r"(?<![A-Za-z_])BLAS(?:_INFO)?=([^,\s]+)")
_CAPABILITY = re.compile(r"CPU capability usage:\s*([^\n]+)")
BLAS_NAMES = {"open": "openblas"}  # torch's BLAS_INFO spelling -> the library's name


def describe_math(config: str, capability: str = "", onednn: bool | None = None, onednn_enabled: bool = True) -> str:
    """The math_library text of a torch build: "cpu_capability=AVX512; blas=mkl; onednn=3.7.1", from
    torch.__config__.show()'s text, the runtime CPU capability (else the build text's) and whether oneDNN
    (mkldnn) is available and switched on; a part the build does not state is left out."""
    config = config or ""
    found = _CAPABILITY.search(config)
    capability = capability or (found.group(1).strip() if found else "")
    parts = [f"cpu_capability={capability}"] if capability else []
    blas = _BLAS.search(config)
    if blas:
        name = blas.group(1).lower()
        parts.append(f"blas={BLAS_NAMES.get(name, name)}")
    elif "USE_EIGEN_FOR_BLAS=ON" in config:
        parts.append("blas=eigen")
    version = _ONEDNN.search(config)
    if onednn is False:
        parts.append("onednn=unavailable")
    elif version or onednn:
        parts.append(f"onednn={version.group(1) if version else 'on'}{'' if onednn_enabled else ' (disabled)'}")
    return "; ".join(parts)


def math_library(api=torch) -> str:
    """describe_math of this torch: torch.__config__.show(), torch.backends.cpu.get_cpu_capability(),
    torch.backends.mkldnn; "" for an API that has none of them."""
    try:
        config = api.__config__.show()
    except Exception:  # a build (or a fake) without __config__: the runtime parts below still speak
        config = ""
    backends = getattr(api, "backends", None)
    cpu, mkldnn = getattr(backends, "cpu", None), getattr(backends, "mkldnn", None)
    capability = cpu.get_cpu_capability() if hasattr(cpu, "get_cpu_capability") else ""
    available = bool(mkldnn.is_available()) if hasattr(mkldnn, "is_available") else None
    return describe_math(config, capability, available, bool(getattr(mkldnn, "enabled", True)))


def supports_tf32(kind: str, api=torch) -> bool:
    return kind == "cuda" and api.cuda.get_device_capability(0)[0] >= 8  # Ampere and newer


def math_settings(kind: str, precision: str, api=torch) -> dict:
    """Set TF32 and cuDNN autotuning for this precision and return what took effect.

    fp32 means fp32: TF32 is switched off for both matmul and cuDNN (cuDNN allows it by default).
    """
    if kind != "cuda":
        return {}
    tf32 = precision == "tf32"
    api.backends.cuda.matmul.allow_tf32 = tf32
    api.backends.cudnn.allow_tf32 = tf32
    api.backends.cudnn.benchmark = True
    on = api.backends.cuda.matmul.allow_tf32 and api.backends.cudnn.allow_tf32
    return {"tf32": "on" if on else "off", "cudnn_benchmark": "on" if api.backends.cudnn.benchmark else "off",
            "matmul_precision": api.get_float32_matmul_precision()}


def pci_bus_id(device, api=torch) -> dict:
    """{"pci_bus_id": "00000000:3B:00.0"} in NVML's form, from torch's device properties where it has them."""
    props = api.cuda.get_device_properties(device)
    parts = [getattr(props, name, None) for name in ("pci_domain_id", "pci_bus_id", "pci_device_id")]
    if any(p is None for p in parts):
        return {}
    return {"pci_bus_id": f"{parts[0]:08X}:{parts[1]:02X}:{parts[2]:02X}.0"}
