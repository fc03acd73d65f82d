"""One progress display across all rounds of a run: time left from round 1, events from the rounds' processes."""

from __future__ import annotations

import logging

import pytest

from collect.measure import launch, progress


class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now

    def advance(self, seconds):
        self.now += seconds


class FakeBar:
    """What tqdm is asked to show, in the order it is asked."""

    def __init__(self):
        self.n, self.shown, self.closed = 0, [], False

    def set_description_str(self, text, refresh=True):
        self.desc = text

    def set_postfix_str(self, text, refresh=True):
        self.postfix = text

    def refresh(self):
        self.shown.append((self.n, self.desc, self.postfix))

    def close(self):
        self.closed = True


def run_round(estimate, clock, k, per_config, start_s=2.0, exit_s=0.5):
    """A round: its process starts, each configuration takes its time, the process exits."""
    estimate.round_started(k)
    clock.advance(start_s)
    for seconds in per_config:
        clock.advance(seconds)
        estimate.config_done()
    clock.advance(exit_s)
    estimate.round_finished()


def test_time_left_after_round_one_is_its_time_for_each_round_left():
    clock = Clock()
    estimate = progress.Estimate(rounds=3, configs=3, clock=clock)
    assert estimate.left() is None  # nothing finished: no guess
    run_round(estimate, clock, 1, [1.0, 4.0, 2.0])  # 2 s start + 7 s + 0.5 s exit = 9.5 s
    assert estimate.left() == pytest.approx(2 * 9.5)
    estimate.round_started(2)
    clock.advance(2.5)  # the new process starts and measures the first configuration ...
    estimate.config_done()
    # ... what is left of this round is round 1's time for the other two and the exit; then one more round
    assert estimate.left() == pytest.approx(4.0 + 2.0 + 0.5 + 9.5)
    clock.advance(3.0)  # the clock runs down within a configuration, never below what the rest still needs
    assert estimate.left() == pytest.approx(1.0 + 2.0 + 0.5 + 9.5)
    clock.advance(10.0)
    assert estimate.left() == pytest.approx(2.0 + 0.5 + 9.5)


def test_time_left_is_right_within_20_percent_at_the_end_of_round_one():
    """A run whose rounds take the same time (and jitter by 10%): the estimate at the end of round 1 against the
    time the rest really took."""
    clock = Clock()
    estimate = progress.Estimate(rounds=4, configs=5, clock=clock)
    times = [[0.5, 3.0, 1.0, 8.0, 0.2], [0.55, 2.7, 1.1, 7.6, 0.2], [0.45, 3.3, 0.9, 8.4, 0.22], [0.5, 3.1, 1.0, 8.2, 0.2]]
    run_round(estimate, clock, 1, times[0])
    guessed, started = estimate.left(), clock()
    for k, per_config in enumerate(times[1:], start=2):
        run_round(estimate, clock, k, per_config)
    assert guessed == pytest.approx(clock() - started, rel=0.2)


def test_during_round_one_the_mean_configuration_so_far_stands_for_the_rest():
    clock = Clock()
    estimate = progress.Estimate(rounds=2, configs=2, clock=clock)
    estimate.round_started(1)
    clock.advance(4.0)
    estimate.config_done()
    assert estimate.left() == pytest.approx(4.0 * 3)  # one of four done, each like the first


@pytest.mark.parametrize("seconds, said", [(None, "time left: estimating"), (0.2, "almost done"), (1.2, "about 1 s left"), (42.4, "about 42 s left"),
                                           (125, "about 2 min 00 s left"), (3 * 3600 + 65, "about 3 h 01 min left")])
def test_time_left_in_words(seconds, said):
    assert progress.say_left(seconds) == said


def test_the_display_shows_round_configuration_count_and_time_left():
    clock, bar = Clock(), FakeBar()
    shown = progress.RunProgress(rounds=2, configs=2, bar=bar, clock=clock)
    shown.round_started(1)
    assert bar.shown[-1] == (0, "round 1/2 (a fresh process starts)", "time left: estimating")
    shown.started(0, "mlp infer bs8")
    clock.advance(3.0)
    shown.finished(0, "mlp infer bs8", "ok", "1,000 samples/s")
    assert bar.shown[-1] == (1, "round 1/2 mlp infer bs8", "about 9 s left")
    shown.started(1, "mlp train bs8")
    clock.advance(3.0)
    shown.finished(1, "mlp train bs8", "ok", "300 samples/s")
    shown.round_finished(1)
    shown.round_started(2)
    assert bar.shown[-1] == (2, "round 2/2 (a fresh process starts)", "about 6 s left")
    shown.close()
    assert bar.closed


def test_without_a_bar_each_finished_configuration_is_one_log_line(caplog):
    clock = Clock()
    shown = progress.RunProgress(rounds=2, configs=1, bar=None, clock=clock)
    with caplog.at_level(logging.INFO, logger="devicebench"):
        shown.round_started(1)
        shown.started(0, "mlp infer bs8")
        clock.advance(2.0)
        shown.finished(0, "mlp infer bs8", "ok", "1,000 samples/s")
    assert caplog.messages == ["round 1/2 mlp infer bs8: 1,000 samples/s (1 of 2 done; about 2 s left)"]


def test_events_cross_a_file_as_whole_lines(tmp_path):
    path = str(tmp_path / "events.jsonl")
    writer, tail = progress.EventWriter(path), progress.EventTail(path)
    assert tail.read() == []  # no file yet
    writer.started(0, "a")
    with open(path, "a") as fh:
        fh.write('{"event": "finished", "ind')  # a line the child is still writing
    assert tail.read() == [{"event": "started", "index": 0, "label": "a"}]
    with open(path, "a") as fh:
        fh.write('ex": 0, "label": "a", "status": "ok", "text": "t"}\n')
    assert tail.read() == [{"event": "finished", "index": 0, "label": "a", "status": "ok", "text": "t"}]
    progress.EventWriter(str(tmp_path / "missing" / "x.jsonl")).started(0, "a")  # unwritable: no error


def test_rounds_feed_one_display_from_their_processes_events(monkeypatch):
    """Fake rounds: each 'process' appends its events to the file the parent named, ticking as it goes."""
    clock, bar = Clock(), FakeBar()
    shown = progress.RunProgress(rounds=2, configs=2, bar=bar, clock=clock)
    rounds_seen = []

    def run(command, env, on_tick):
        child = progress.writer_from_env(env)
        rounds_seen.append(command[command.index("--trial") + 1])
        for i, label in enumerate(["a", "b"]):
            child.started(i, label)
            clock.advance(1.0)
            on_tick()
            child.finished(i, label, "ok", "")
        clock.advance(0.5)
        return 0

    assert launch.run_rounds(["--models", "m"], 2, "run", run=run, display=shown) == 0
    assert rounds_seen == ["1", "2"]
    counts = [n for n, _, _ in bar.shown]
    assert counts == sorted(counts) and counts[-1] == 4  # one bar over every round's configurations
    assert "round 2/2 b" in [d for _, d, _ in bar.shown] and bar.shown[-1][2] == "almost done"
    assert shown.estimate.first_total == pytest.approx(2.5)


def test_no_bar_where_nobody_watches(monkeypatch):
    monkeypatch.setattr("sys.stderr.isatty", lambda: False, raising=False)
    assert progress.display(2, 3, enabled=True).bar is None  # CI, a log file: plain lines
    assert progress.display(2, 3, enabled=False, in_notebook=True).bar is None  # --no-progress
