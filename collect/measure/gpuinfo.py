"""What an NVIDIA GPU was allowed to do while it ran: its enforced power limit and its maximum SM clock, from NVML.

Two GPUs of one name differ by their power cap (an A100 at 250 W or 400 W, a laptop GPU at 35-150 W) and clocks.
NVML is reached as collect.measure.energy reaches it (nvidia-ml-py's pynvml, imported lazily, the GPU picked by
index, PCI bus id or UUID: the adapter's nvml_target()); no package, no driver or a field the GPU does not report
leaves the cell empty. Pure Python; tests pass a fake `nvml` module.
"""

from __future__ import annotations


def nvml_handle(nvml, index: int = 0, pci_bus_id: str | None = None, uuid: str | None = None):
    """The NVML handle of one GPU: by PCI bus id, else UUID, else NVML index (the adapter's nvml_target())."""
    if pci_bus_id:
        return nvml.nvmlDeviceGetHandleByPciBusId(pci_bus_id)
    if uuid:
        return nvml.nvmlDeviceGetHandleByUUID(uuid)
    return nvml.nvmlDeviceGetHandleByIndex(index)


def nvml_limits(nvml=None, *, index: int = 0, pci_bus_id: str | None = None, uuid: str | None = None) -> dict:
    """{"accel_power_limit_w": 400.0, "accel_clock_mhz": 1410.0} of one GPU, each where NVML reports it; {} where
    NVML is absent."""
    try:
        if nvml is None:
            import pynvml as nvml
        nvml.nvmlInit()
    except Exception:  # no package, no driver: the cells stay empty
        return {}
    out: dict = {}
    try:
        handle = nvml_handle(nvml, index, pci_bus_id, uuid)
        try:
            out["accel_power_limit_w"] = round(nvml.nvmlDeviceGetEnforcedPowerLimit(handle) / 1000, 1)  # mW
        except Exception:  # NVMLError_NotSupported (some laptop and older GPUs)
            pass
        try:
            out["accel_clock_mhz"] = float(nvml.nvmlDeviceGetMaxClockInfo(handle, nvml.NVML_CLOCK_SM))
        except Exception:  # not reported: the cell stays empty
            pass
    except Exception:  # no such device
        pass
    finally:
        try:
            nvml.nvmlShutdown()  # NVML counts its inits: an energy meter's own stays open
        except Exception:  # already shut down, or a fake without it
            pass
    return out
