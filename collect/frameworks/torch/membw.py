"""The torch `membw` rows: one copy or axpy per step over two preallocated buffers (collect.measure.bandwidth).

Both kernels run in place (`b.copy_(a)`, `a.add_(b, alpha=s)`): one kernel a step, nothing allocated. The
axpy's scale alternates between +s and -s, so the values stay where they started instead of growing.
"""

from __future__ import annotations

import torch

from collect.measure import bandwidth
from collect.measure.adapter import Unsupported
from collect.measure.suites import Config

DTYPES = {"fp32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16, "fp64": torch.float64}


def last_level_cache(device) -> int | None:
    """The GPU's L2 (CUDA reports it), the CPU's last-level cache (the OS), else None (MPS: not reported)."""
    if device.type == "cuda":
        return getattr(torch.cuda.get_device_properties(device), "L2_cache_size", None) or None
    return bandwidth.cpu_last_level_cache() if device.type == "cpu" else None


def membw_step(config: Config, device):
    """(step, bytes per step, FLOPs per byte, note)."""
    kernel, mib = bandwidth.parse_membw(config.model)
    dtype = DTYPES.get(config.precision)
    if dtype is None:
        raise Unsupported(f"membw runs {', '.join(DTYPES)} elements, not {config.precision}")
    itemsize = torch.finfo(dtype).bits // 8
    n = bandwidth.buffer_elements(mib, itemsize)
    a = torch.rand(n, device=device, dtype=dtype)
    b = torch.rand(n, device=device, dtype=dtype)
    if kernel == "copy":
        def step():
            b.copy_(a)
    else:
        scales, turn = (bandwidth.AXPY_SCALE, -bandwidth.AXPY_SCALE), [0]

        def step():
            turn[0] ^= 1
            a.add_(b, alpha=scales[turn[0]])
    where = "GPU's L2" if device.type == "cuda" else "last-level cache"
    note = bandwidth.cache_note(n * itemsize, last_level_cache(device), where)
    return step, bandwidth.bytes_per_step(kernel, n, itemsize), bandwidth.flops_per_byte(kernel, itemsize), note
