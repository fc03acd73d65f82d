"""One progress display across all rounds of a run: time left from round 1, events from the rounds' processes."""

from __future__ import annotations

import logging
import re

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
    """A round: its process starts, each configuration starts and takes its time, the process exits."""
    estimate.round_started(k)
    clock.advance(start_s)
    for seconds in per_config:
        estimate.config_started()
        clock.advance(seconds)
        estimate.config_done()
    clock.advance(exit_s)
    estimate.round_finished()


def test_time_left_after_round_one_is_its_time_for_each_round_left():
    clock = Clock()
    estimate = progress.Estimate(rounds=3, configs=3, clock=clock)
    assert estimate.left() is None  # no plan and nothing finished: no guess
    run_round(estimate, clock, 1, [1.0, 4.0, 2.0])  # 2 s start + 7 s + 0.5 s exit = 9.5 s
    assert estimate.left() == pytest.approx(2 * 9.5)
    estimate.round_started(2)
    clock.advance(1.0)  # the new process starts ...
    assert estimate.left() == pytest.approx(1.0 + 7.0 + 0.5 + 9.5)  # the rest of its start-up, this round, one more
    clock.advance(1.0)
    estimate.config_started()
    clock.advance(1.0)  # ... and measures the first configuration as fast as round 1 did
    estimate.config_done()
    # what is left of this round is round 1's time for the other two and the exit; then one more round
    assert estimate.left() == pytest.approx(4.0 + 2.0 + 0.5 + 9.5)
    estimate.config_started()
    clock.advance(3.0)  # the clock runs down within a configuration, never below what the rest still needs
    assert estimate.left() == pytest.approx(1.0 + 2.0 + 0.5 + 9.5)
    clock.advance(10.0)
    assert estimate.left() == pytest.approx(2.0 + 0.5 + 9.5)


def actual_left(times, start_s=2.0, exit_s=0.5):
    return sum(start_s + sum(t) + exit_s for t in times)


def test_time_left_is_right_within_20_percent_from_the_end_of_round_one_to_the_end():
    """Rounds that jitter by 10% and a machine that slows by 15% from round 3 on (it drifts; its pace is followed):
    at every configuration's end from round 1's end on, the estimate against the time the rest really took."""
    clock = Clock()
    times = [[0.5, 3.0, 1.0, 8.0, 0.2], [0.55, 2.7, 1.1, 7.6, 0.2], [0.58, 3.45, 1.15, 9.2, 0.23], [0.6, 3.5, 1.1, 9.3, 0.24]]
    estimate = progress.Estimate(rounds=4, configs=5, clock=clock)
    run_round(estimate, clock, 1, times[0])
    checks = [(estimate.left(), actual_left(times[1:]))]
    for k, per_config in enumerate(times[1:], start=2):
        estimate.round_started(k)
        clock.advance(2.0)
        for j, seconds in enumerate(per_config):
            estimate.config_started()
            clock.advance(seconds)
            estimate.config_done()
            later = sum(per_config[j + 1:]) + 0.5 + actual_left(times[k:])
            if later > 5.0:  # the last seconds of a run: a fraction of little
                checks.append((estimate.left(), later))
        clock.advance(0.5)
        estimate.round_finished()
    assert len(checks) > 10
    for guessed, real in checks:
        assert guessed == pytest.approx(real, rel=0.2)


def test_during_round_one_without_a_plan_the_mean_configuration_so_far_stands_for_the_rest():
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


def test_a_round_that_runs_slower_than_round_one_is_expected_to_go_on_at_its_own_pace():
    clock = Clock()
    estimate = progress.Estimate(rounds=2, configs=4, clock=clock)
    run_round(estimate, clock, 1, [2.0, 2.0, 2.0, 2.0], start_s=0.0, exit_s=0.0)
    estimate.round_started(2)
    for _ in range(2):  # half of round 2 at 1.5x round 1's times
        estimate.config_started()
        clock.advance(3.0)
        estimate.config_done()
    # pace (6 + 0.8) / (4 + 0.8) = 1.42: a tenth of a round pulls it toward round 1's
    assert estimate.left() == pytest.approx(4.0 * 6.8 / 4.8)


def plan_of(kind="cpu"):
    from collect.measure import eta, suites

    configs = suites.expand("score", device_kind=kind)
    return configs, eta.shapes(configs, kind, max_seconds=4.0, warmup_s=1.0)


def test_before_anything_finishes_the_plan_says_how_long_the_run_takes():
    from collect.measure import eta

    configs, plan = plan_of()
    estimate = progress.Estimate(rounds=3, configs=len(configs), clock=Clock(), plan=plan, device_kind="cpu")
    assert estimate.left() == pytest.approx(eta.predicted(plan, "cpu", 3))
    # the plan's heavier configurations take longer: a ResNet-50 training step against an MLP's
    by_model = {(c.model, c.mode): s.seconds() for c, s in zip(configs, plan, strict=True)}
    assert by_model[("resnet50", "train")] > 2 * by_model[("mlp-d5-w1024", "train")]


@pytest.mark.parametrize("speed, overhead", [(0.3, 2.0), (4.0, 0.5), (1.0, 1.0)])
def test_round_one_fits_the_plan_to_the_machine_from_its_first_configurations(speed, overhead):
    """A machine 0.3x to 4x the prior's speed with another overhead: after three configurations (a quarter of the
    set) the estimate of what is left of round 1 is within 20% of the truth."""
    configs, plan = plan_of()
    clock = Clock()
    estimate = progress.Estimate(rounds=1, configs=len(configs), clock=clock, plan=plan, device_kind="cpu")
    truth = [shape.seconds(speed, overhead) for shape in plan]
    estimate.round_started(1)
    clock.advance(3.0)
    for seconds in truth[:3]:
        estimate.config_started()
        clock.advance(seconds)
        estimate.config_done()
    assert estimate.left() == pytest.approx(sum(truth[3:]), rel=0.2)


def test_the_plan_says_how_long_and_past_five_minutes_how_to_shorten_it():
    from types import SimpleNamespace

    from collect.measure import suites
    from collect.runplan import duration_said

    args = SimpleNamespace(suite="default", framework="tensorflow", max_seconds=None, like=None)
    configs = suites.expand("default", device_kind="cpu", framework="tensorflow", default_backend="tf_function")
    said = duration_said(args, configs, "cpu", 3, "tf_function")
    minutes = int(re.search(r"planned: about (\d+) min at the 2-core reference CPU's speed", said).group(1))
    quick = re.search(r"shorter: --suite quick \(about (\d+) s, no score\) or --repeat 1 \(about (\d+) min", said)
    assert quick and int(quick.group(1)) < 90 and int(quick.group(2)) == pytest.approx(minutes / 3, abs=1)
    short = duration_said(SimpleNamespace(**{**vars(args), "suite": "quick"}), suites.expand("quick", device_kind="cpu"), "cpu", 1,
                          "tf_function")
    assert "shorter" not in short and short.startswith("planned: about ")
    gpu = duration_said(args, suites.expand("default", device_kind="cuda"), "cuda", 3, "eager")
    assert "a typical cuda GPU's speed" in gpu


def test_the_fit_reads_only_the_most_recent_configurations_so_a_long_suite_costs_no_more_per_event():
    from collect.measure import eta

    configs, plan = plan_of()
    early = [(shape, shape.seconds(0.3, 2.0)) for shape in plan * 30]  # 300 finished at one speed ...
    late = [(shape, shape.seconds(3.0, 1.0)) for shape in plan * 2]  # ... then the machine sped up
    assert eta.fit(early + late) == eta.fit((early + late)[-eta.RECENT:])
    assert eta.fit(early + late)[0] > 2.0  # the machine as it is now
