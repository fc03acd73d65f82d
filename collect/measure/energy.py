"""Energy sources: NVML (energy counter or sampled power), Linux RAPL, macOS powermetrics, and the choice.

A meter is started just before the first timed block and stopped just after the last (see
collect.measure.timing). Counters are read at the two edges; anything that must be read in between
(sampled power, a counter that could wrap, powermetrics' stream) is read by a daemon thread,
so nothing runs on the timed thread between a block's clock reads. No figure is ever made up
from a TDP: where no method is readable the row says `energy_method=none`.
"""

from __future__ import annotations

import glob
import os
import plistlib
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from collect.measure.gpuinfo import nvml_handle
from collect.measure.meters import UPDATES_PER_WINDOW, CounterMeter, Reading, SampledMeter, approx_note
from collect.measure.outcome import Energy

METHODS = ("auto", "none", "nvml", "rapl", "powermetrics")  # what --energy accepts


# --- NVML (NVIDIA GPUs), through nvidia-ml-py's pynvml ------------------------------------------------


def visible_gpu(visible: str | None = None) -> dict:
    """NVML numbers GPUs without regard to CUDA_VISIBLE_DEVICES: the first visible one, as NVML knows it."""
    visible = os.environ.get("CUDA_VISIBLE_DEVICES", "") if visible is None else visible
    first = visible.split(",")[0].strip()
    if first.isdigit():
        return {"index": int(first)}
    return {"uuid": first} if first.startswith(("GPU-", "MIG-")) else {}


def nvml_meter(nvml=None, *, index: int = 0, pci_bus_id: str | None = None, uuid: str | None = None, clock=time.monotonic):
    """The NVML meter for one GPU: its total-energy counter (Volta and newer), else sampled power.
    Returns (meter, None) or (None, why not)."""
    try:
        if nvml is None:
            import pynvml as nvml
        nvml.nvmlInit()
        handle = nvml_handle(nvml, index, pci_bus_id, uuid)
    except Exception as exc:  # no package, no driver, no such device
        return None, f"NVML unavailable: {type(exc).__name__}: {exc}"
    try:
        nvml.nvmlDeviceGetTotalEnergyConsumption(handle)
        return CounterMeter("nvml_energy", lambda: [float(nvml.nvmlDeviceGetTotalEnergyConsumption(handle))],
                            scale=1e-3, update_s=0.1, clock=clock, note="GPU board energy (NVML counter)"), None
    except Exception:  # NVMLError_NotSupported before Volta: fall back to sampled power
        pass
    try:
        nvml.nvmlDeviceGetPowerUsage(handle)
    except Exception as exc:
        return None, f"NVML reports neither energy nor power on this GPU: {exc}"
    # Only GPUs without the counter get here (before Volta), whose power reading updates about every 100 ms.
    return SampledMeter("nvml_power", lambda: nvml.nvmlDeviceGetPowerUsage(handle) / 1e3, interval_s=0.05,
                        update_s=0.1, clock=clock, note="GPU board power sampled every 50 ms (NVML)"), None


# --- RAPL (Linux, Intel and AMD CPUs) ------------------------------------------------------------------


def rapl_domains(root: str = "/sys/class/powercap") -> list[Path]:
    """Top-level package domains (intel-rapl:0, intel-rapl:1, ...), not their sub-zones (intel-rapl:0:0)."""
    found = [Path(p) for p in sorted(glob.glob(os.path.join(root, "intel-rapl:*")))]
    return [p for p in found if p.name.count(":") == 1 and (p / "energy_uj").exists()]


def rapl_meter(root: str = "/sys/class/powercap", clock=time.monotonic):
    domains = rapl_domains(root)
    if not domains:
        return None, f"RAPL not present ({root} has no intel-rapl package domain)"
    try:
        wraps = [float((d / "max_energy_range_uj").read_text()) for d in domains]
        read = lambda: [float((d / "energy_uj").read_text()) for d in domains]  # noqa: E731
        read()
    except OSError as exc:  # energy_uj is root-only on most distributions since 2020
        return None, f"RAPL not readable ({exc.strerror}: {exc.filename}); run as root or grant read access"
    names = ", ".join(d.name for d in domains)
    return CounterMeter("rapl", read, scale=1e-6, wraps=wraps, update_s=0.001, poll_s=1.0, clock=clock,
                        note=f"CPU package energy (RAPL {names}): includes all else running on the CPU"), None


# --- powermetrics (macOS; needs sudo, opt-in) ------------------------------------------------------------


POWERMETRICS = ["sudo", "-n", "powermetrics", "--samplers", "cpu_power,gpu_power", "-i", "100", "-f", "plist"]


def parse_powermetrics(chunk: bytes) -> tuple[float, float] | None:
    """(watts, seconds) of one plist sample: the processor's combined power (CPU + GPU + ANE) in mW."""
    try:
        doc = plistlib.loads(chunk.strip(b"\0\n "))
    except Exception:  # a torn or partial plist from the stream: that sample is skipped, the next ones count
        return None
    proc = doc.get("processor", {})
    mw = proc.get("combined_power")
    if mw is None:
        mw = sum(float(proc.get(k, 0.0)) for k in ("cpu_power", "gpu_power", "ane_power"))
    return float(mw) / 1e3, float(doc.get("elapsed_ns", 0)) / 1e9


class PowermetricsMeter:
    """Samples from a running `powermetrics -f plist` (NUL-separated plists), read on a daemon thread.
    Its man page says these are estimates, not for comparing devices; every row says so."""

    method = "powermetrics"
    update_s = 0.1
    min_window_s = UPDATES_PER_WINDOW * update_s

    def __init__(self, popen=subprocess.Popen, clock=time.monotonic):
        self.popen, self.clock = popen, clock
        self.note = "estimate: powermetrics CPU+GPU+ANE combined power"

    def start(self) -> None:
        self.samples: list[tuple[float, float, float]] = []  # (arrival time, watts, sample seconds)
        self.proc = self.popen(POWERMETRICS, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        self._t0 = self.clock()
        self._thread = threading.Thread(target=self._read, name="devicebench-powermetrics", daemon=True)
        self._thread.start()

    def _read(self) -> None:
        buf = b""
        for block in iter(lambda: self.proc.stdout.read1(4096) if hasattr(self.proc.stdout, "read1") else self.proc.stdout.read(4096), b""):
            buf += block
            *docs, buf = buf.split(b"\0")
            for doc in docs:
                parsed = parse_powermetrics(doc)
                if parsed:
                    self.samples.append((self.clock(), *parsed))

    def stop(self) -> Reading:
        t1 = self.clock()
        self.proc.terminate()
        self._thread.join(timeout=2)
        seconds = t1 - self._t0
        inside = [(w, s) for t, w, s in self.samples if self._t0 < t <= t1 + self.update_s]
        if not inside:
            return Reading(None, seconds, "powermetrics gave no sample in the window")
        watts = sum(w * s for w, s in inside) / max(sum(s for _w, s in inside), 1e-9)
        return Reading(watts * seconds, seconds, approx_note(seconds, self.update_s, self.note))


def powermetrics_meter(popen=subprocess.Popen, run=subprocess.run, platform: str = sys.platform):
    if platform != "darwin":
        return None, "powermetrics is macOS only"
    probe = run(["sudo", "-n", "true"], capture_output=True, check=False)
    if probe.returncode != 0:
        return None, "powermetrics needs sudo without a password prompt: run `sudo -v` first"
    return PowermetricsMeter(popen), None


def choose(requested: str, device_kind: str, *, nvml_kwargs: dict | None = None, rapl_root: str = "/sys/class/powercap"):
    """(meter or None, note). auto: NVML for CUDA GPUs, RAPL for CPUs; powermetrics only when asked for."""
    if requested not in METHODS:
        raise ValueError(f"`energy` must be one of {METHODS!r}, but {requested!r} was passed")
    if requested == "none":
        return None, ""
    if requested == "nvml" or (requested == "auto" and device_kind == "cuda"):
        return nvml_meter(**(nvml_kwargs or {}))
    if requested == "rapl" or (requested == "auto" and device_kind == "cpu" and sys.platform.startswith("linux")):
        return rapl_meter(rapl_root)
    if requested == "powermetrics":
        return powermetrics_meter()
    if device_kind in ("mps", "gpu") or sys.platform == "darwin":
        return None, "no energy method: on macOS pass --energy powermetrics (needs sudo)"
    return None, f"no energy method for {device_kind} here"


@dataclass(frozen=True)
class EnergyPlan:
    """The meter every measurement of a run uses, or why there is none. method: "" = energy not asked for
    (--energy none), "none" = asked for but nothing readable (the row says so, never a guess)."""

    meter: object = None  # CounterMeter, SampledMeter or PowermetricsMeter
    method: str = ""
    why: str = ""

    def missing_note(self) -> str:
        return self.why if self.why.startswith("no energy method") else f"no energy method: {self.why}"


def plan(requested: str, device_kind: str, *, nvml_kwargs: dict | None = None, distributed: str = "none",
         rapl_root: str = "/sys/class/powercap") -> EnergyPlan:
    """The run's EnergyPlan. Data-parallel runs measure no energy: one meter cannot see every rank's device."""
    meter, why = choose(requested, device_kind, nvml_kwargs=nvml_kwargs, rapl_root=rapl_root)
    method = "" if requested == "none" else (meter.method if meter else "none")
    return EnergyPlan(meter if distributed == "none" else None, method, why)


def row_energy(reading: Reading | None, method: str, samples: int):
    """(outcome.Energy, note) for a row from the meter's reading over the timed steps."""
    if reading is None or reading.joules is None or reading.seconds <= 0:
        return Energy(method), (reading.note if reading else "")
    return Energy(method, reading.joules / reading.seconds, reading.joules / samples), reading.note
