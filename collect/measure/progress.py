"""One progress display for a whole run: every round of --repeat, every configuration, one time left.

The process that measures reports each configuration it starts and finishes (a Reporter). In a plain run that is
the display itself; a round of --repeat runs in a child process, which appends its reports as JSON lines to a file
the parent names (EventWriter) and the parent reads them back while it waits (EventTail) and draws the one display
(RunProgress). The children draw nothing.

Time left (Estimate): in round 1 the plan's per-configuration seconds (collect.measure.eta) fitted to what the
finished ones took; after it, round 1's measured times at the pace of the later rounds. Every clock is injectable.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time

from collect.measure import eta

PROGRESS_ENV = "DEVICEBENCH_PROGRESS_FILE"  # where a round's process appends its events (set by the parent)
log = logging.getLogger("devicebench")


class Estimate:
    """Time left in a run of `rounds` rounds of `configs` configurations.

    Round 1: the plan (`plan`: each configuration's eta.Shape, in run order) fitted to what its finished
    configurations took (eta.fit: the machine's speed and overhead), so the estimate before the first one finishes is
    the plan's and each finished one corrects it; without a plan, the mean configuration so far. Later rounds repeat
    round 1's configurations: round 1's measured times, scaled by the pace of the rounds since (a machine that has
    slowed down stays slower for a while)."""

    def __init__(self, rounds: int, configs: int, clock=time.monotonic, plan=None, device_kind: str = "cpu"):
        self.rounds, self.configs, self.clock = rounds, configs, clock
        self.plan, self.device_kind = plan, device_kind
        self.first: list[float] = []  # round 1: seconds of each configuration, from its start to its end
        self.first_total: float | None = None  # round 1 from the start of its process to its exit
        self.first_start: float | None = None  # round 1's start-up: from its process's start to its first configuration
        self.current: list[float] = []  # the running round's configuration seconds
        self.paces: list[float] = []  # each later round's total over round 1's
        self.round, self.done, self.running, self.began = 0, 0, False, False
        self.started = self.mark = clock()
        self.fitted = (1.0, 1.0)  # eta.fit's (speed, overhead) over round 1's finished configurations

    def round_started(self, k: int) -> None:
        self.round, self.done, self.running, self.began, self.current = k, 0, True, False, []
        self.started = self.mark = self.clock()

    def config_started(self) -> None:
        """A configuration starts: the first one of a round ends the round's start-up (a fresh process's imports)."""
        now = self.clock()
        if not self.began:
            if self.round == 1:
                self.first_start = now - self.started
            self.mark, self.began = now, True

    def config_done(self) -> None:
        now = self.clock()
        (self.first if self.round == 1 else self.current).append(now - self.mark)
        self.mark, self.done, self.began = now, self.done + 1, True
        if self.round == 1 and self.plan is not None:
            self.fitted = eta.fit(list(zip(self.plan, self.first, strict=False)))

    def round_finished(self) -> None:
        now = self.clock()
        if self.round == 1:
            self.first_total = now - self.started
        elif self.first_total:
            self.paces.append((now - self.started) / self.first_total)
        self.mark, self.running = now, False

    def left(self) -> float | None:
        """Seconds left, or None before anything has finished (and no plan says)."""
        since = self.clock() - self.mark
        if self.first_total is None:
            return self._first_round(since)
        pace = self._pace()
        later = (self.rounds - self.round) * self.first_total * pace
        if not self.running:
            return later
        tail = max(0.0, self.first_total - sum(self.first))  # a process's start-up and exit
        start = min(tail, self.first_start or 0.0)
        rest = [t * pace for t in self.first[self.done:]]
        if not self.began:  # still starting up
            return max(0.0, later + sum(rest) + tail - min(since, start))
        return max(0.0, later + sum(rest) + tail - start - min(since, rest[0] if rest else 0.0))

    def _first_round(self, since: float) -> float | None:
        if self.plan is None:
            if not self.first:
                return None
            per = sum(self.first) / len(self.first)
            units = self.configs - len(self.first) + (self.rounds - 1) * self.configs
            return max(0.0, per * units - min(since, per))
        speed, overhead = self.fitted
        planned = [shape.seconds(speed, overhead) for shape in self.plan]
        start = self.first_start if self.first_start is not None else eta.prior(self.device_kind).start_s * overhead
        rest = planned[len(self.first):]
        later = (self.rounds - 1) * (start + sum(self.first) + sum(rest))
        if not self.began:  # round 1's own start-up is still ahead, or under way
            return max(0.0, later + start + sum(rest) - min(since, start))
        return max(0.0, later + sum(rest) - min(since, rest[0] if rest else 0.0))

    def _pace(self) -> float:
        """How fast the run goes now against round 1: the running round's finished configurations over the same ones
        in round 1, else the last round's total over round 1's; pulled toward 1 by a tenth of a round (one quick
        configuration says little)."""
        weight = 0.1 * (self.first_total or 0.0)
        if self.running and self.current:
            ref = sum(self.first[: len(self.current)])
            return (sum(self.current) + weight) / (ref + weight) if ref + weight > 0 else 1.0
        return self.paces[-1] if self.paces else 1.0


def say_left(seconds: float | None) -> str:
    if seconds is None:
        return "time left: estimating"
    if seconds < 1:
        return "almost done"
    if seconds < 60:
        return f"about {round(seconds)} s left"
    if seconds < 3600:
        minutes, secs = divmod(round(seconds / 10) * 10, 60)
        return f"about {minutes} min {secs:02d} s left"
    hours, minutes = divmod(round(seconds / 60), 60)
    return f"about {hours} h {minutes:02d} min left"


class RunProgress:
    """The display: a bar (tqdm: a widget in notebooks) or, with bar=None, one log line per finished
    configuration. Fed by started/finished (a Reporter) and by round_started/round_finished."""

    def __init__(self, rounds: int, configs: int, bar=None, clock=time.monotonic, plan=None, device_kind: str = "cpu"):
        self.rounds, self.configs, self.bar = rounds, configs, bar
        self.estimate = Estimate(rounds, configs, clock, plan, device_kind)
        self.label, self.count = "", 0

    def round_started(self, k: int) -> None:
        self.estimate.round_started(k)
        self.count, self.label = (k - 1) * self.configs, "(a fresh process starts)" if self.rounds > 1 else ""
        self.tick()

    def started(self, index: int, label: str) -> None:
        self.estimate.config_started()
        self.label = label
        self.tick()

    def finished(self, index: int, label: str, status: str, text: str) -> None:
        self.estimate.config_done()
        self.count += 1
        if self.bar is None:
            left = self.estimate.left()
            tail = f"; {say_left(left)}" if left else ""
            log.info("%s%s: %s (%d of %d done%s)", self._round(), label, text, self.count, self.total, tail)
        self.tick()

    def round_finished(self, k: int) -> None:
        self.estimate.round_finished()
        self.count = k * self.configs
        self.tick()

    @property
    def total(self) -> int:
        return self.rounds * self.configs

    def _round(self) -> str:
        return f"round {self.estimate.round}/{self.rounds} " if self.rounds > 1 else ""

    def tick(self) -> None:
        """Redraw the bar: the configuration, the round, the count and time left (a countdown between events)."""
        if self.bar is None:
            return
        self.bar.n = self.count
        self.bar.set_description_str(f"{self._round()}{self.label}".strip(), refresh=False)
        self.bar.set_postfix_str(say_left(self.estimate.left()), refresh=False)
        self.bar.refresh()

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()


def display(rounds: int, configs: int, enabled: bool, in_notebook: bool = False, plan=None,
            device_kind: str = "cpu") -> RunProgress:
    """The run's display: a bar where someone watches (a terminal, a notebook), log lines elsewhere (CI, a file)."""
    bar = None
    if enabled and (in_notebook or sys.stderr.isatty()):
        try:
            from tqdm.auto import tqdm
        except ImportError:
            tqdm = None
        if tqdm is not None:
            bar = tqdm(total=rounds * configs, file=sys.stderr, dynamic_ncols=True, mininterval=0.5,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n_fmt}/{total_fmt} [{elapsed}{postfix}]")
    return RunProgress(rounds, configs, bar, plan=plan, device_kind=device_kind)


class Silent:
    """A Reporter that reports nothing (tests, ranks other than the writer)."""

    def started(self, index: int, label: str) -> None:
        pass

    def finished(self, index: int, label: str, status: str, text: str) -> None:
        pass


class EventWriter:
    """A round's Reporter: each event one JSON line appended with a single write (whole lines for the reader).
    A file it cannot write only costs the display its detail, never the measurement."""

    def __init__(self, path: str):
        self.path = path

    def _write(self, event: dict) -> None:
        try:
            fd = os.open(self.path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (json.dumps(event) + "\n").encode())
            finally:
                os.close(fd)
        except OSError:
            pass

    def started(self, index: int, label: str) -> None:
        self._write({"event": "started", "index": index, "label": label})

    def finished(self, index: int, label: str, status: str, text: str) -> None:
        self._write({"event": "finished", "index": index, "label": label, "status": status, "text": text})


def writer_from_env(environ=None) -> EventWriter | None:
    path = (os.environ if environ is None else environ).get(PROGRESS_ENV)
    return EventWriter(path) if path else None


class EventTail:
    """The parent's side: the events appended since the last read, whole lines only."""

    def __init__(self, path: str):
        self.path, self.offset = path, 0

    def read(self) -> list[dict]:
        try:
            with open(self.path, "rb") as fh:
                fh.seek(self.offset)
                data = fh.read()
        except OSError:
            return []
        complete = data[: data.rfind(b"\n") + 1]
        self.offset += len(complete)
        events = []
        for line in complete.splitlines():
            try:
                events.append(json.loads(line))
            except ValueError:
                continue  # a line the child never finished: skip it, the next event corrects the count
        return events


def feed(events: list[dict], reporter) -> None:
    """Hand events read back from a child to a Reporter (the parent's display)."""
    for e in events:
        if e.get("event") == "started":
            reporter.started(int(e.get("index", 0)), str(e.get("label", "")))
        elif e.get("event") == "finished":
            reporter.finished(int(e.get("index", 0)), str(e.get("label", "")), str(e.get("status", "")),
                              str(e.get("text", "")))
