"""The framework adapter: what the measurement loop needs of torch or TensorFlow, and what it passes in.

An adapter (collect.frameworks.torch.adapter.TorchAdapter, collect.frameworks.tensorflow.adapter.TFAdapter)
builds models and times steps on one device; the loop (collect.measure.loop) owns everything that must
behave the same for all of them. "Adapter" is the framework side; "backend" is only ever the execution
backend a row ran on (eager, torch_compile, onnxruntime, tensorrt, tf_function, xla: the CSV column).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from collect.measure.energy import EnergyPlan
from collect.measure.outcome import Outcome
from collect.measure.suites import Config


class Unsupported(Exception):
    """The device or framework cannot run this configuration (a row with status=unsupported)."""


class OutOfMemory(Exception):
    """The configuration ran out of memory (a row with status=oom)."""


@dataclass(frozen=True)
class Budget:
    """What every measurement is given: its time budget and the energy meter (or why there is none)."""

    max_seconds: float
    energy: EnergyPlan = field(default_factory=EnergyPlan)
    warmup_s: float = 1.0  # the least warm-up before timing (it goes on until step times are stable, up to the budget)


class Adapter(Protocol):
    framework: str
    device_kind: str  # cpu, cuda, mps, gpu
    device_name: str
    default_backend: str  # the execution backend when --backends is not given
    distributed: str  # none, ddp, mirrored, multi_worker
    writer: bool  # False on the ranks of a data-parallel run that do not write rows

    def check_models(self, names: list[str]) -> None: ...  # ValueError naming what is allowed
    def fingerprint(self) -> dict: ...  # Record fields of the framework and device
    def nvml_target(self) -> dict: ...  # which GPU NVML should read ({} where NVML does not apply)
    def fits(self, config: Config) -> str | None: ...  # a reason to skip, or None
    def measure(self, config: Config, budget: Budget) -> Outcome: ...
    def agree(self, value: float) -> float: ...  # the maximum over a data-parallel run's ranks (value alone: one process)
    def release(self) -> None: ...  # free memory after each measurement
    def close(self) -> None: ...  # end of the run (process groups)
