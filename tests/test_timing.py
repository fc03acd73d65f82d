"""The timing protocol, driven by a fake clock: no real time passes, every property is exact."""

from __future__ import annotations

import pytest

from collect.measure.timing import measure, percentile, relative_iqr


class FakeDevice:
    """A clock and a device queue: steps enqueue work; only sync() makes the clock see it."""

    def __init__(self, step_times):
        self.now = 0.0
        self.pending = 0.0
        self.times = iter(step_times)
        self.log = []

    def clock(self):
        self.log.append("clock")
        return self.now

    def step(self):
        self.log.append("step")
        self.pending += next(self.times)

    def sync(self):
        self.log.append("sync")
        self.now += self.pending
        self.pending = 0.0


def steady(first, rest, n=10_000):
    return [first] + [rest] * n


def test_percentile_matches_numpy_linear():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert percentile([10, 20, 30, 40, 50], 10) == 14.0
    assert percentile([5], 90) == 5


def test_compile_time_is_kept_out_of_steady_state():
    dev = FakeDevice(steady(first=3.0, rest=0.1))
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=32, min_block_s=0.0)
    assert m.compile_s == pytest.approx(3.0)
    assert m.median_ms == pytest.approx(100.0)
    assert m.samples_per_s == pytest.approx(320.0)
    assert max(m.step_s) == pytest.approx(0.1)  # the 3 s first step is in no timed block


def test_without_sync_the_clock_would_see_nothing():
    # Guard for the fake itself: steps alone do not move the clock, so a harness that forgot to
    # sync before reading the clock would measure zero, and the test above would fail.
    dev = FakeDevice(steady(1.0, 1.0))
    dev.step()
    assert dev.clock() == 0.0


def test_every_clock_read_after_steps_follows_a_sync():
    dev = FakeDevice(steady(0.5, 0.05))
    measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0)
    log = dev.log
    for i, event in enumerate(log):
        if event == "clock" and "step" in log[:i]:
            since_last_clock = log[max(j for j in range(i) if log[j] == "clock") + 1:i] if "clock" in log[:i] else log[:i]
            if "step" in since_last_clock:
                assert since_last_clock[-1] == "sync", "a clock read followed steps without a sync"


def test_warmup_runs_until_step_time_is_stable():
    # Slowing-down warm-up (e.g. autotuning) then steady 0.1 s steps.
    times = [2.0, 0.5, 0.4, 0.3, 0.2, 0.1] + [0.1] * 1000
    dev = FakeDevice(times)
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0,
                min_warmup_steps=3, min_warmup_s=0.0, max_seconds=100)
    # compile + 0.5, 0.4, 0.3, 0.2, then three stable 0.1 s steps end warm-up.
    assert m.warmup_steps == 1 + 4 + 3
    assert m.step_s == pytest.approx([0.1] * len(m.step_s))


def test_warm_up_lasts_a_second_however_small_the_budget():
    # The floor timing.measure gives warm-up (a Budget says 1 s unless its suite sets less; the runner tests that measure
    # in-process lower it: conftest.py's short_warmup).
    dev = FakeDevice(steady(first=0.5, rest=0.01))
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, max_seconds=0.2)
    assert 100 <= m.warmup_steps - 1 <= 101  # single 10 ms steps for a second after the first (compiling) one
    dev = FakeDevice(steady(first=0.5, rest=0.01))
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, max_seconds=0.2,
                min_warmup_s=0.2)
    assert 20 <= m.warmup_steps - 1 <= 21


def test_stops_once_spread_is_small():
    dev = FakeDevice(steady(1.0, 0.01))
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, min_steps=10,
                max_seconds=1000)
    assert len(m.step_s) == 10 and m.steps == 10 and m.rel_iqr == 0


def test_noisy_steps_run_until_the_time_budget():
    noisy = [1.0] + [0.1, 0.2, 0.3, 0.15] * 10_000
    dev = FakeDevice(noisy)
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0,
                max_seconds=5.0, max_warmup_s=1.0)
    assert m.rel_iqr > 0.05
    assert 5.0 <= m.total_s <= 5.0 + 0.3  # stops at the first block past the budget
    assert m.median_ms == pytest.approx(percentile(m.step_s, 50) * 1e3)
    assert m.p10_ms <= m.median_ms <= m.p90_ms


def test_sub_millisecond_steps_are_timed_in_blocks_with_one_sync():
    dev = FakeDevice(steady(0.01, 0.0001, n=100_000))
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=4, min_block_s=0.01, max_seconds=100)
    assert m.steps_per_block == 100
    assert m.steps == 100 * len(m.step_s)
    assert m.median_ms == pytest.approx(0.1)
    assert m.samples_per_s == pytest.approx(4 / 0.0001)
    # A timed block is exactly: read clock, 100 steps, one sync, read clock.
    block = " ".join(["clock"] + ["step"] * 100 + ["sync", "clock"])
    assert " ".join(dev.log).count(block) == len(m.step_s)


def test_setup_runs_untimed_before_each_step():
    dev = FakeDevice(steady(0.5, 0.2))

    def setup():  # e.g. the forward pass before a timed backward: costs 1 s, never counted
        dev.pending += 1.0

    m = measure(dev.step, sync=dev.sync, clock=dev.clock, setup=setup, samples_per_step=8, min_block_s=1.0)
    assert m.steps_per_block == 1
    assert m.median_ms == pytest.approx(200.0)
    assert m.compile_s == pytest.approx(0.5)
    assert m.samples_per_s == pytest.approx(40.0)


def test_relative_iqr():
    assert relative_iqr([1, 1, 1, 1]) == 0
    assert relative_iqr([1, 2, 3, 4, 5]) == pytest.approx(2 / 3)


def test_max_seconds_must_be_positive():
    with pytest.raises(ValueError, match=r"`max_seconds` must be > 0, but 0 was passed"):
        measure(lambda: None, sync=lambda: None, samples_per_step=1, max_seconds=0)


def test_ranks_take_loop_decisions_together():
    # A fake second rank that always wants to stop and wants 7 steps per block: this rank follows.
    calls = []

    def agree(value):  # the other rank's answers, in call order: warm-up flag, steps per block, stop flags
        calls.append(value)
        return max(value, 7.0) if len(calls) == 2 else max(value, 1.0)

    dev = FakeDevice(steady(0.5, 0.05))
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, agree=agree, max_seconds=100)
    assert m.warmup_steps == 2  # compile + one warm-up step: the other rank said stop
    assert m.steps_per_block == 7 and len(m.step_s) == 1
    assert calls[:2] == [0.0, 1.0]  # this rank's own decisions were offered first


def test_per_step_latency_times_each_step_alone_and_reports_p99():
    # 0.001 s steps would be grouped ten to a block; latency rows must see every request alone.
    times = [0.5] + [0.001] * 2000 + [0.001] * 98 + [0.010] * 2 + [0.001] * 10_000
    dev = FakeDevice(times)
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, per_step=True, min_steps=100,
                min_warmup_s=0.0, max_warmup_s=0.0, max_seconds=100)
    assert m.steps_per_block == 1
    assert len(m.step_s) == m.steps >= 100
    assert m.p99_ms >= m.p90_ms >= m.median_ms
    grouped = FakeDevice(times)
    g = measure(grouped.step, sync=grouped.sync, clock=grouped.clock, samples_per_step=1, min_warmup_s=0.0,
                max_warmup_s=0.0, max_seconds=100)
    assert g.steps_per_block == 10


def test_slow_outlier_shows_in_p99_not_in_median():
    times = [0.5, 0.1, 0.1, 0.1] + [0.1] * 98 + [0.3] * 2 + [0.1] * 100
    dev = FakeDevice(times)
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, per_step=True, min_steps=100,
                min_warmup_s=0.0, max_warmup_s=0.0, target_rel_iqr=1.0, max_seconds=1000)
    assert m.median_ms == pytest.approx(100.0)
    assert m.p99_ms > 100.0


class FakeMeter:
    def __init__(self, dev):
        self.dev, self.events = dev, []

    def start(self):
        self.events.append(("start", self.dev.now, self.dev.pending))

    def stop(self):
        self.events.append(("stop", self.dev.now, self.dev.pending))
        return "reading"


def test_meter_wraps_exactly_the_timed_blocks():
    dev = FakeDevice(steady(first=2.0, rest=0.1))
    meter = FakeMeter(dev)
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, meter=meter)
    (start, t0, pending0), (stop, t1, pending1) = meter.events
    assert (start, stop) == ("start", "stop")
    assert pending0 == pending1 == 0.0  # no queued work crosses either edge: synced before and after
    assert t1 - t0 == pytest.approx(m.total_s)  # the window is the timed blocks, warm-up excluded
    assert m.window_s == pytest.approx(m.total_s)
    assert m.energy == "reading"


def test_min_timed_s_extends_a_short_timed_region():
    dev = FakeDevice(steady(first=0.1, rest=0.01, n=100_000))
    short = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, max_seconds=0.05)
    assert short.window_s < 1.0
    dev = FakeDevice(steady(first=0.1, rest=0.01, n=100_000))
    long = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, min_block_s=0.0, max_seconds=0.05,
                   min_timed_s=2.0)
    assert 2.0 <= long.window_s < 2.1
    assert long.median_ms == pytest.approx(10.0)


def test_the_spread_is_not_sorted_after_every_one_of_many_requests(monkeypatch):
    import collect.measure.timing as timing

    calls = []
    real = timing.relative_iqr
    monkeypatch.setattr(timing, "relative_iqr", lambda values: calls.append(len(values)) or real(values))
    noisy = [0.5] + [0.001, 0.003] * 20_000  # never stable: runs to the time budget
    dev = FakeDevice(noisy)
    m = measure(dev.step, sync=dev.sync, clock=dev.clock, samples_per_step=1, per_step=True, min_steps=100,
                min_warmup_s=0.0, max_warmup_s=0.0, max_seconds=20.0)
    assert m.steps > 5000
    assert len(calls) < 200  # about 16 checks per doubling, not one per request
