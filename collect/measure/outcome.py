"""What an adapter's measure() returns: one configuration's figures, typed, on their way to a Record.

The measuring side produces an `Outcome`; the loop adds the row's identity (env, model, mode, ...)
and the machine's fingerprint and makes the one `Record` (collect.contract.record). Nothing between
the timing Measurement and the Record is an untyped dict.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from collect.measure.timing import Measurement

Number = float | str  # "" = not measured, as in the Record


@dataclass(frozen=True)
class Stats:
    """Throughput and step-time statistics of the timed steps."""

    samples_per_s: float
    step_ms_median: float
    step_ms_p10: float
    step_ms_p90: float
    step_ms_p99: Number
    steps: int
    warmup_steps: int | str
    compile_s: Number

    @classmethod
    def of(cls, m: Measurement, *, prepare_s: float = 0.0) -> Stats:
        """From a timing.Measurement; `prepare_s` (export, session creation) joins the first step in compile_s."""
        return cls(m.samples_per_s, m.median_ms, m.p10_ms, m.p90_ms, m.p99_ms, m.steps, m.warmup_steps,
                   m.compile_s + prepare_s)


@dataclass(frozen=True)
class Settings:
    """Settings that took effect (rule 7), as the Record's columns spell them."""

    threads: int | str = ""
    tf32: str = ""
    matmul_precision: str = ""
    cudnn_benchmark: str = ""
    xla: str = ""


@dataclass(frozen=True)
class Energy:
    """How energy was measured and what it came to; method "" = not asked for, "none" = nothing readable."""

    method: str = ""
    power_w: Number = ""
    j_per_sample: Number = ""


@dataclass(frozen=True)
class Parallel:
    """Data-parallel runs: devices, engine, samples per step over all devices (empty: the batch size)."""

    world_size: int = 1
    distributed: str = "none"
    global_batch_size: int | str = ""


@dataclass(frozen=True)
class Outcome:
    stats: Stats
    flops_per_sample: float
    backend: str  # the execution backend that ran (the CSV column `backend`)
    settings: Settings = Settings()
    energy: Energy = Energy()
    parallel: Parallel = Parallel()
    peak_mem_mb: Number = ""
    rel_err: Number = ""
    wall_s: Number = ""
    dataset: str = "synthetic"
    rate_unit: str = ""  # "" = samples; tokens (llm), bytes (membw)
    seq_len: int | str = ""
    context_len: int | str = ""
    bytes_per_sample: Number = ""  # memory traffic per unit of the rate, where it is known
    notes: tuple[str, ...] = ()
    wrong: bool = False  # the output is off its reference: the row says status=error and keeps its numbers

    @property
    def tflops(self) -> float:
        return self.flops_per_sample * self.stats.samples_per_s / 1e12

    @property
    def gb_per_s(self) -> Number:
        return "" if self.bytes_per_sample == "" else float(self.bytes_per_sample) * self.stats.samples_per_s / 1e9

    def with_notes(self, *notes: str) -> Outcome:
        return dataclasses.replace(self, notes=(*self.notes, *(n for n in notes if n)))

    def fields(self) -> dict:
        """The Record fields this outcome fills."""
        return {**dataclasses.asdict(self.stats), **dataclasses.asdict(self.settings), **dataclasses.asdict(self.parallel),
                "flops_per_sample": float(self.flops_per_sample), "tflops": self.tflops, "backend": self.backend,
                "energy_method": self.energy.method, "power_w": self.energy.power_w,
                "energy_j_per_sample": self.energy.j_per_sample, "peak_mem_mb": self.peak_mem_mb,
                "rel_err": self.rel_err, "wall_s": self.wall_s, "dataset": self.dataset, "rate_unit": self.rate_unit,
                "seq_len": self.seq_len, "context_len": self.context_len, "bytes_per_sample": self.bytes_per_sample,
                "gb_per_s": self.gb_per_s,
                "status": "error" if self.wrong else "ok", "note": "; ".join(self.notes)}


@dataclass(frozen=True)
class Timed:
    """What time_step hands back to an adapter: the raw measurement and its row-ready parts."""

    measurement: Measurement
    stats: Stats
    energy: Energy = Energy()
    notes: tuple[str, ...] = field(default_factory=tuple)
