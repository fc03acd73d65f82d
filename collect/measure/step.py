"""What every adapter adds around its step: timing with the energy meter, latency rows, the output check.

Adapters call these; the loop never does. Framework-free: the step, sync and norms come from the adapter.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable

from collect.measure.adapter import Budget
from collect.measure.energy import row_energy
from collect.measure.outcome import Energy, Outcome, Stats, Timed
from collect.measure.suites import Config
from collect.measure.timing import Measurement, measure

LATENCY_STEPS = 100  # batch-1 inference: enough single requests for a p99 that means something
NOISY_REL_IQR = 0.10  # torch.utils.benchmark's rule of thumb: a spread above 10% of the median deserves a note
REL_ERR_BOUND = 1e-3  # fp32 on an accelerator vs the CPU; beyond this the device computes garbage
REDUCED_REL_ERR_BOUND = 1e-2  # both sides in fp16 / bf16 / tf32: rounding alone reaches 1e-3


def is_latency_row(config: Config) -> bool:
    """Batch-1 inference and batch-1 token generation: every request (token) timed alone, for p50/p90/p99.
    Never a product or a bandwidth sweep: they are throughput figures."""
    return config.mode in ("infer", "decode") and config.batch_size == 1 and config.workload not in ("matmul", "membw")


def time_step(budget: Budget, config: Config, step, *, sync, samples_per_step: int | None = None, setup=None,
              agree=None, clock=None) -> Timed:
    """timing.measure with what every adapter adds: per-request timing for batch-1 inference, and the energy
    meter around the timed region, kept long enough for the meter."""
    per_step_samples = samples_per_step or config.batch_size
    single = setup is None and agree is None  # energy per sample is only clear when the blocks are all that ran
    plan = budget.energy
    meter = plan.meter if single else None
    latency = is_latency_row(config)
    m = measure(step, sync=sync, samples_per_step=per_step_samples, max_seconds=budget.max_seconds, setup=setup,
                min_warmup_s=budget.warmup_s, agree=agree, per_step=latency, min_steps=LATENCY_STEPS if latency else 10, meter=meter,
                min_timed_s=meter.min_window_s if meter else 0.0, **({"clock": clock} if clock else {}))
    notes = noise_notes(m)
    if latency and m.steps < LATENCY_STEPS:
        notes.append(f"p99 from {m.steps} requests only")
    if meter is not None:
        energy, note = row_energy(m.energy, meter.method, m.steps * per_step_samples)
        return Timed(m, Stats.of(m), energy, tuple(notes + ([note] if note else [])))
    if single and plan.method:  # asked for, none readable: say so, never guess
        return Timed(m, Stats.of(m), Energy("none"), tuple([*notes, plan.missing_note()]))
    return Timed(m, Stats.of(m), notes=tuple(notes))


def noise_notes(m: Measurement) -> list[str]:
    notes = [f"noisy: IQR/median {m.rel_iqr:.0%}"] if m.rel_iqr > NOISY_REL_IQR else []
    modes = two_levels(m.step_s)
    if modes:
        notes.append(f"bimodal: step times cluster at {modes[0] * 1e3:.3g} and {modes[1] * 1e3:.3g} ms")
    return notes


BIMODAL_GAP = 1.2  # neighbouring sorted step times this far apart, with a fifth of the blocks on each side
BIMODAL_SHARE = 0.2


def two_levels(step_s) -> tuple[float, float] | None:
    """(lower median, upper median) when the step times fall into two clusters, else None.

    A machine that changes speed inside one timed window (a clock that drops, a neighbour that wakes) gives
    block times in two groups: sorted, they show one large jump between neighbours with many blocks on each
    side. Ordinary jitter spreads out without such a jump."""
    ordered = sorted(step_s)
    n = len(ordered)
    edge = max(1, math.ceil(BIMODAL_SHARE * n))
    if n < 10 or ordered[0] <= 0:
        return None
    cut = max(range(edge, n - edge + 1), key=lambda i: ordered[i] / ordered[i - 1])
    if ordered[cut] / ordered[cut - 1] < BIMODAL_GAP:
        return None
    low, high = ordered[:cut], ordered[cut:]
    return low[len(low) // 2], high[len(high) // 2]


def relative_error(diff_norm: float, reference_norm: float) -> float:
    """||got - want|| / ||want||, the one formula every output check uses (inf when not finite)."""
    err = float(diff_norm) / max(float(reference_norm), 1e-30)
    return err if math.isfinite(err) else math.inf


def output_check(rel_err: float, device_kind: str, *, against: str = "the CPU", precision: str = "fp32") -> str | None:
    """A note when the output is off its reference (the row becomes status=error, its numbers kept as evidence:
    users have seen MPS return garbage while being benchmarked); None when it agrees."""
    bound = REL_ERR_BOUND if precision in ("fp32", "fp64") else REDUCED_REL_ERR_BOUND
    if not rel_err > bound:
        return None
    return f"wrong results on {device_kind}: output differs from {against} by {rel_err:.2g} (bound {bound:g})"


def checked(out: Outcome, rel_err: float, device_kind: str, *, against: str = "the CPU", precision: str = "fp32") -> Outcome:
    """The outcome with its output check: rel_err recorded, and marked wrong with output_check's note when off."""
    wrong = output_check(rel_err, device_kind, against=against, precision=precision)
    return dataclasses.replace(out, rel_err=rel_err, wrong=wrong is not None).with_notes(wrong or "")


def cpu_checked(out: Outcome, device_kind: str, cache: dict, key: str, agreement: Callable[[], float]) -> Outcome:
    """An accelerator row checked against the CPU in fp32: `agreement()` (the relative error of the same network on
    both) computed once per `key` and kept in `cache`; a CPU row is its own reference and is returned as it is."""
    if device_kind == "cpu":
        return out
    if key not in cache:
        cache[key] = agreement()
    return checked(out, cache[key], device_kind)
