"""Energy meters over the timed region: cumulative counters and sampled power, read at the edges or on a
daemon thread, so nothing runs on the timed thread between a block's clock reads (collect.measure.timing).
The sources (NVML, RAPL, powermetrics) and the choice among them are in collect.measure.energy."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

UPDATES_PER_WINDOW = 10  # a window of 10 counter updates keeps the quantisation error near 10% at worst


@dataclass(frozen=True)
class Reading:
    joules: float | None  # None: the meter could not tell (counter did not move, no samples)
    seconds: float
    note: str = ""


class CounterMeter:
    """Energy from cumulative counters (NVML total energy in mJ, RAPL energy_uj in uJ).

    `read()` returns one value per counter. A counter that passes its `wraps` value restarts at 0;
    a poll thread reads often enough that at most one wrap happens between two reads."""

    def __init__(self, method: str, read: Callable[[], list[float]], *, scale: float, wraps: list[float] | None = None,
                 update_s: float, poll_s: float | None = None, clock: Callable[[], float] = time.monotonic, note: str = ""):
        self.method, self.read, self.scale, self.wraps = method, read, scale, wraps
        self.update_s, self.poll_s, self.clock, self.note = update_s, poll_s, clock, note
        self.min_window_s = UPDATES_PER_WINDOW * update_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._total, self._last = 0.0, self.read()
        self._t0 = self.clock()
        self._stop.clear()
        if self.poll_s:
            self._thread = threading.Thread(target=self._poll, name="devicebench-energy", daemon=True)
            self._thread.start()

    def _poll(self) -> None:
        while not self._stop.wait(self.poll_s):
            self._advance()

    def _advance(self) -> None:
        now = self.read()
        for i, (old, new) in enumerate(zip(self._last, now, strict=True)):
            delta = new - old
            if delta < 0 and self.wraps:  # the counter restarted at 0 after reaching wraps[i]
                delta += self.wraps[i]
            self._total += max(delta, 0.0)
        self._last = now

    def stop(self) -> Reading:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self._advance()
        seconds = self.clock() - self._t0
        if self._total <= 0:
            return Reading(None, seconds, f"{self.method} counter did not advance in {seconds * 1e3:.0f} ms")
        return Reading(self._total * self.scale, seconds, approx_note(seconds, self.update_s, self.note))


class SampledMeter:
    """Energy as the time integral of sampled power: `sample()` returns watts, read on a daemon thread."""

    def __init__(self, method: str, sample: Callable[[], float], *, interval_s: float, update_s: float,
                 clock: Callable[[], float] = time.monotonic, note: str = ""):
        self.method, self.sample, self.interval_s, self.update_s = method, sample, interval_s, update_s
        self.clock, self.note = clock, note
        self.min_window_s = UPDATES_PER_WINDOW * update_s
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.samples: list[tuple[float, float]] = []

    def start(self) -> None:
        self.samples = [(self.clock(), self.sample())]
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="devicebench-power", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.wait(self.interval_s):
            self.samples.append((self.clock(), self.sample()))

    def stop(self) -> Reading:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.samples.append((self.clock(), self.sample()))
        return integrate(self.samples, self.update_s, self.note)


def integrate(samples: list[tuple[float, float]], update_s: float, note: str = "") -> Reading:
    """Trapezoidal integral of (time, watts) samples."""
    seconds = samples[-1][0] - samples[0][0] if samples else 0.0
    if len(samples) < 2 or seconds <= 0:
        return Reading(None, max(seconds, 0.0), "too few power samples")
    joules = sum((t1 - t0) * (w0 + w1) / 2 for (t0, w0), (t1, w1) in zip(samples, samples[1:], strict=False))
    return Reading(joules, seconds, approx_note(seconds, update_s, note))


def approx_note(seconds: float, update_s: float, note: str = "") -> str:
    parts = [note] if note else []
    if seconds < UPDATES_PER_WINDOW * update_s:
        parts.append(f"energy approximate: {seconds * 1e3:.0f} ms window, the source updates every {update_s * 1e3:.0f} ms")
    return "; ".join(parts)
