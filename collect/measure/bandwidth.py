"""The membw workload: memory bandwidth in both runners, framework-free parts (names, bytes, the cache rule).

`membw-<kernel>-<MiB>`: each step runs one kernel over buffers of <MiB> MiB each, data made on the device
before timing, the step synchronized as every other (collect.measure.timing):
- `copy`: b <- a. Reads and writes one buffer: 2 bytes counted per buffer byte.
- `axpy`: a <- a + s b, a scale-add in place (BLAS axpy). Reads two buffers, writes one: 3 bytes per buffer byte.
Bytes are those the kernel reads and writes (STREAM's convention): a CPU whose stores first read the line
(write-allocate) moves a third more for `copy` than is counted; `axpy` writes only lines it has read.
A row's `samples_per_s` is bytes/s (`rate_unit` bytes, `bytes_per_sample` 1, `gb_per_s` = bytes/s / 1e9);
`flops_per_sample` is FLOPs per byte counted (axpy: 2 per element).

Each buffer should be at least 4x the last-level cache (STREAM's rule), or the figure is partly the cache's:
rows whose buffers are smaller say so in their note. The CPU's last-level cache is read from the OS (Linux sysfs,
macOS sysctl); a GPU's L2 from the framework where it reports one; unknown: DEFAULT_LLC_BYTES.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

MEMBW_KERNELS = {"copy": 2, "axpy": 3}  # bytes read + written per byte of one buffer
MEMBW_SIZES = (64, 256, 1024)  # MiB per buffer: the full suite's sweep
DEFAULT_LLC_BYTES = 64 * 2**20  # assumed when the OS does not say: 4x that is 256 MiB per buffer
CACHE_FACTOR = 4
AXPY_SCALE = 0.5
_MEMBW_RE = re.compile(r"^membw-(copy|axpy)-(\d+)$")


def membw_name(kernel: str, mib: int) -> str:
    return f"membw-{kernel}-{mib}"


def parse_membw(model: str) -> tuple[str, int] | None:
    """(kernel, MiB per buffer) of a membw-<kernel>-<MiB> name, None for other models."""
    match = _MEMBW_RE.match(model)
    if not match or int(match.group(2)) < 1:
        return None
    return match.group(1), int(match.group(2))


def buffer_elements(mib: int, itemsize: int) -> int:
    return mib * 2**20 // itemsize


def bytes_per_step(kernel: str, elements: int, itemsize: int) -> int:
    return MEMBW_KERNELS[kernel] * elements * itemsize


def flops_per_byte(kernel: str, itemsize: int) -> float:
    """axpy: a multiply and an add per element, over its 3 x itemsize bytes; copy computes nothing."""
    return 0.0 if kernel == "copy" else 2 / (MEMBW_KERNELS[kernel] * itemsize)


def cache_note(buffer_bytes: int, llc_bytes: int | None, where: str) -> str:
    """A note when the buffers are not at least 4x the last-level cache ('' when they are)."""
    known = llc_bytes is not None
    llc = llc_bytes if known else DEFAULT_LLC_BYTES
    if buffer_bytes >= CACHE_FACTOR * llc:
        return ""
    size = f"{llc / 2**20:.0f} MiB" + ("" if known else ", assumed")
    return f"in cache: each buffer is under {CACHE_FACTOR}x the {where} ({size}), so this is partly cache bandwidth"


def cpu_last_level_cache(root: str = "/sys/devices/system/cpu/cpu0/cache", run=None) -> int | None:
    """Bytes of the CPU's last-level cache (one instance, as the OS reports it), or None."""
    if sys.platform == "darwin":
        return _sysctl_cache(run or _run)
    best: tuple[int, int] | None = None
    for index in sorted(Path(root).glob("index*")):
        try:
            level = int((index / "level").read_text().strip())
            kind = (index / "type").read_text().strip() if (index / "type").exists() else "Unified"
            size = _size_bytes((index / "size").read_text().strip())
        except (OSError, ValueError):
            continue
        if kind != "Instruction" and size and (best is None or level > best[0]):
            best = (level, size)
    return best[1] if best else None


def _size_bytes(text: str) -> int:
    """'32768K' -> 33554432; '2M' -> 2097152; '512' -> 512."""
    match = re.fullmatch(r"(\d+)\s*([KMG]?)B?", text.upper())
    if not match:
        raise ValueError(text)
    return int(match.group(1)) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[match.group(2)]


def _sysctl_cache(run) -> int | None:
    for key in ("hw.l3cachesize", "hw.perflevel0.l2cachesize", "hw.l2cachesize"):
        value = run(["sysctl", "-n", key])
        if value and value.strip().isdigit() and int(value) > 0:
            return int(value)
    return None


def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=5).stdout
    except (OSError, subprocess.SubprocessError):
        return ""
