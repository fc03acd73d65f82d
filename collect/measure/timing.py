"""Steady-state timing with device sync: pure Python, so tests drive it with a fake clock.

The protocol (see shared benchmarking rules):
  1. the first step is timed alone as `compile_s` (tracing, compilation, autotuning);
  2. warm-up steps run until the step time is stable and a minimum time has passed;
  3. timed blocks follow, each ending with `sync()` before the clock is read, until the
     spread is small (IQR / median <= target) or the time budget is spent.
Steps shorter than `min_block_s` are timed several to a block (one sync per block), so a
sub-millisecond step is not dominated by the cost of synchronising.
Nothing but the step runs between the two clock reads of a block.

Latency rows (`per_step=True`) time every step alone, so the percentiles are per-request latencies.
An energy `meter` is started just before the first timed block and stopped just after the last;
its sampling runs on its own thread, never between a block's clock reads. `min_timed_s` keeps the
timed region at least that long, so a counter that updates every 100 ms is read over a window
many updates long.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


class Meter(Protocol):
    """An energy meter (collect.measure.energy): start() before the timed region, stop() after it."""

    def start(self) -> None: ...
    def stop(self) -> object: ...


def percentile(values, q: float) -> float:
    """Linear-interpolated percentile (q in 0..100) of a non-empty sequence, as numpy's default."""
    ordered = sorted(values)
    pos = (len(ordered) - 1) * q / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def relative_iqr(values) -> float:
    mid = percentile(values, 50)
    return (percentile(values, 75) - percentile(values, 25)) / mid if mid > 0 else math.inf


@dataclass(frozen=True)
class Measurement:
    step_s: tuple[float, ...]  # per-step time of each timed block (block time / steps in it)
    steps: int  # timed steps in total
    total_s: float  # synchronized time of all timed blocks
    samples_per_step: int
    compile_s: float  # the first step, alone
    warmup_steps: int  # steps before timing, the first included
    steps_per_block: int
    window_s: float = 0.0  # clock time from just before the first timed block to just after the last
    energy: object = None  # what meter.stop() returned, if a meter was given

    @property
    def samples_per_s(self) -> float:
        return self.samples_per_step * self.steps / self.total_s

    def step_ms(self, q: float) -> float:
        """The q-th percentile (0..100) of the step time, in ms."""
        return percentile(self.step_s, q) * 1e3

    median_ms = property(lambda self: self.step_ms(50))
    p10_ms = property(lambda self: self.step_ms(10))
    p90_ms = property(lambda self: self.step_ms(90))
    p99_ms = property(lambda self: self.step_ms(99))

    @property
    def rel_iqr(self) -> float:
        return relative_iqr(self.step_s)


def _stable(times: list[float], window: int = 3, tolerance: float = 0.10) -> bool:
    last = times[-window:]
    if len(last) < window:
        return False
    mid = percentile(last, 50)
    return mid > 0 and (max(last) - min(last)) / mid <= tolerance


def measure(
    step: Callable[[], object],
    *,
    sync: Callable[[], object],
    samples_per_step: int,
    clock: Callable[[], float] = time.perf_counter,
    setup: Callable[[], object] | None = None,
    max_seconds: float = 10.0,
    min_warmup_steps: int = 3,
    min_warmup_s: float = 1.0,
    max_warmup_s: float | None = None,
    min_steps: int = 10,
    target_rel_iqr: float = 0.05,
    min_block_s: float = 0.01,
    agree: Callable[[float], float] | None = None,
    per_step: bool = False,
    min_timed_s: float = 0.0,
    meter: Meter | None = None,
) -> Measurement:
    """Time `step` in steady state. `setup` (if given) runs untimed before every step,
    e.g. a forward pass whose backward is the step being timed; it forces one step per block.

    `agree` makes data-parallel ranks take every loop decision together (the maximum over ranks of
    a number: stop flags, steps per block); ranks that decided alone would pair up their collectives
    wrongly and hang. It runs between blocks, never inside a timed region."""
    agree = agree or (lambda value: value)
    if max_seconds <= 0:
        raise ValueError(f"`max_seconds` must be > 0, but {max_seconds!r} was passed")
    max_warmup_s = max(max_seconds / 2, min_warmup_s) if max_warmup_s is None else max_warmup_s
    block = _Block(step, sync, setup, clock)
    compile_s = block.time(1)
    warm = _warm_up(block, agree, min_warmup_steps, min_warmup_s, max_warmup_s)
    estimate = percentile(warm[-3:], 50)
    per_block = 1 if per_step or setup is not None or estimate <= 0 else max(1, math.ceil(min_block_s / estimate - 1e-9))
    per_block = int(agree(float(per_block)))
    if meter is not None:
        meter.start()
    blocks, total, window = _timed(block, agree, per_block, max_seconds=max_seconds, min_steps=min_steps,
                                   target_rel_iqr=target_rel_iqr, per_step=per_step, min_timed_s=min_timed_s)
    energy = meter.stop() if meter is not None else None
    return Measurement(tuple(blocks), len(blocks) * per_block, total, samples_per_step, compile_s,
                       1 + len(warm), per_block, window, energy)


class _Block:
    """One timed block: untimed setup and a sync, then the clock, `count` steps, a sync, the clock."""

    def __init__(self, step, sync, setup, clock):
        self.step, self.sync, self.setup, self.clock = step, sync, setup, clock

    def time(self, count: int) -> float:
        if self.setup is not None:
            self.setup()
            self.sync()
        start = self.clock()
        for _ in range(count):
            self.step()
        self.sync()
        return self.clock() - start


def _warm_up(block: _Block, agree, min_steps: int, min_s: float, max_s: float) -> list[float]:
    """Single steps until their time is stable and min_s has passed (max_s at most): their times."""
    warm: list[float] = []
    start = block.clock()
    while True:
        warm.append(block.time(1))
        elapsed = block.clock() - start
        done = elapsed >= max_s or (len(warm) >= min_steps and elapsed >= min_s and _stable(warm))
        if agree(float(done)):
            return warm


def _timed(block: _Block, agree, per_block: int, *, max_seconds: float, min_steps: int, target_rel_iqr: float,
           per_step: bool, min_timed_s: float) -> tuple[list[float], float, float]:
    """Timed blocks until the spread is small or the budget is spent: (per-step time of each block,
    synchronized time of all blocks, clock time of the whole region)."""
    blocks: list[float] = []
    total = 0.0
    next_check = 0
    start = block.clock()
    while True:
        seconds = block.time(per_block)
        blocks.append(seconds / per_block)
        total += seconds
        elapsed = block.clock() - start
        long_enough = elapsed >= min_timed_s
        # The spread is a sort of every block so far: with thousands of sub-ms requests, checking it after
        # each one would keep the device idle as long as it works. Checked ~12 times per doubling instead.
        enough = False
        if long_enough and len(blocks) >= max(min_steps, next_check):
            next_check = math.ceil(len(blocks) * 1.06)
            enough = relative_iqr(blocks) <= target_rel_iqr
        # Latency rows want min_steps requests for their tail percentiles: up to 4x the budget to get them.
        floor = min_steps if per_step and elapsed < 4 * max_seconds else 3
        out_of_time = long_enough and elapsed >= max_seconds and len(blocks) >= floor
        if agree(float(enough or out_of_time)):
            return blocks, total, block.clock() - start
