"""The machine's fingerprint: platform, OS, CPU (and its generation: cpuinfo), memory, Apple chip, Rosetta, power, host.

Pure Python (no torch / TensorFlow). Every probe of the OS goes through `run` (a command
runner returning stdout or "") so tests can fake a Mac, a Colab VM or a Kaggle kernel.
"""

from __future__ import annotations

import importlib.util
import os
import platform as _platform
import re
import subprocess

from collect import __version__
from collect.contract.record import slugify
from collect.measure import cpuinfo


def run(args: list[str], timeout: float = 5.0) -> str:
    """stdout of a command, stripped; "" if it is missing, fails or hangs."""
    try:
        out = subprocess.run(args, capture_output=True, text=True, timeout=timeout, check=False)
    except (OSError, subprocess.SubprocessError):
        return ""
    return out.stdout.strip() if out.returncode == 0 else ""


def detect_platform(environ=None, has_module=None) -> str:
    """kaggle | colab | ci | local. Kaggle first: its kernels can also import google.colab."""
    environ = os.environ if environ is None else environ
    has_module = has_module or (lambda name: _find_spec(name) is not None)
    if environ.get("KAGGLE_KERNEL_RUN_TYPE"):
        return "kaggle"
    if environ.get("COLAB_RELEASE_TAG") or has_module("google.colab"):
        return "colab"
    if environ.get("CI", "").lower() in ("1", "true", "yes") or environ.get("GITHUB_ACTIONS"):
        return "ci"
    return "local"


def _find_spec(name: str):
    try:
        return importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return None


def cpu_name(system: str | None = None, run=run, cpuinfo_path: str = "/proc/cpuinfo") -> str:
    system = system or _platform.system()
    if system == "Darwin":
        return run(["sysctl", "-n", "machdep.cpu.brand_string"]) or _platform.processor()
    if system == "Linux":
        try:
            with open(cpuinfo_path, encoding="utf-8", errors="replace") as fh:
                for line in fh:
                    if line.lower().startswith(("model name", "hardware", "cpu model")):
                        return line.split(":", 1)[1].strip()
        except OSError:
            pass
    return _platform.processor() or _platform.machine()


def apple_gpu_cores(run=run) -> int | None:
    """GPU core count of an Apple-silicon Mac from system_profiler, None elsewhere."""
    text = run(["system_profiler", "SPDisplaysDataType"], timeout=15.0)
    match = re.search(r"Total Number of Cores:\s*(\d+)", text)
    return int(match.group(1)) if match else None


def rosetta(system: str | None = None, run=run) -> str:
    """'yes' when this Python is x86-64 translated by Rosetta 2 on Apple silicon (runs ~2x slow)."""
    if (system or _platform.system()) != "Darwin":
        return ""
    return {"1": "yes", "0": "no"}.get(run(["sysctl", "-n", "sysctl.proc_translated"]), "no")


def ram_gb() -> float | str:
    try:
        import psutil

        return round(psutil.virtual_memory().total / 2**30, 1)
    except Exception:  # no psutil, or it cannot read this OS: sysconf below, else the cell stays empty
        try:
            return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
        except (ValueError, OSError, AttributeError):
            return ""


def available_memory() -> int | None:
    """Bytes of system memory free for new allocations (CPU and Apple unified memory), None if unknown."""
    try:
        import psutil

        return psutil.virtual_memory().available
    except Exception:  # unknown free memory: callers then skip the fit check and let an OOM row decide
        return None


def power_source(battery=None) -> str:
    """ac | battery | '' (desktops and VMs report no battery)."""
    if battery is None:
        try:
            import psutil

            battery = psutil.sensors_battery()
        except Exception:  # no psutil or no sensor API here: the same as a machine without a battery
            battery = None
    if battery is None:
        return ""
    return "ac" if battery.power_plugged else "battery"


def fingerprint(system: str | None = None, run=run, cpuinfo_path: str = cpuinfo.CPUINFO,
                dmi_path: str = cpuinfo.DMI_PRODUCT) -> dict:
    """Record fields describing this machine, the same for every row of a run: the OS, the CPU and what it is
    (vendor, family, model, stepping, generation, instruction sets: collect.measure.cpuinfo), memory, the host."""
    system = system or _platform.system()
    name = cpu_name(system, run=run, cpuinfo_path=cpuinfo_path)
    return {
        "platform": detect_platform(),
        "os": _platform.platform(),
        "python_version": _platform.python_version(),
        "cpu_name": name,
        "cpu_count": os.cpu_count() or "",
        "ram_gb": ram_gb(),
        "rosetta": rosetta(system, run=run),
        "power_source": power_source(),
        "harness_version": __version__,
        **cpuinfo.cpu_identity(system, run, brand=name, cpuinfo_path=cpuinfo_path),
        "host_product": cpuinfo.host_product(system, run, dmi_path=dmi_path),
    }


_NOISE = re.compile(r"\((r|tm)\)|\bcpu\b|\bprocessor\b|@\s*[\d.]+\s*ghz|\bnvidia\b|\bcorporation\b|\bwith radeon graphics\b",
                    re.IGNORECASE)


def default_env(platform: str, device_name: str, device_kind: str) -> str:
    """A readable slug: colab-tesla-t4-cuda, apple-m1-max-mps, intel-xeon-platinum-8488c-cpu."""
    name = _NOISE.sub(" ", device_name or "unknown-device")
    prefix = f"{platform}-" if platform in ("colab", "kaggle", "ci") else ""
    suffix = f"-{device_kind}"
    return slugify(prefix + slugify(name, limit=64 - len(prefix) - len(suffix)) + suffix)
