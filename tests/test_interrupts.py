"""Interrupts that behave: Ctrl-C (SIGINT to the process group), a notebook's interrupt (SIGINT to the parent alone)
and SIGTERM end a run with one line and exit 130, keeping every finished row; after `kill -9` of the parent no
round's process goes on measuring."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from conftest import ROOT

from collect import cli
from collect.dataset.loader import load
from collect.measure import interrupts, launch


def test_one_interrupt_raises_once_and_the_handlers_come_back():
    before = signal.getsignal(signal.SIGTERM)
    caught = 0
    with interrupts.handled() as state:
        try:
            os.kill(os.getpid(), signal.SIGTERM)
            time.sleep(1)  # the handler runs here
        except KeyboardInterrupt:
            caught += 1
            os.kill(os.getpid(), signal.SIGINT)  # a second one while cleaning up: counted, not raised
            time.sleep(0.05)
    assert caught == 1 and state.count == 2
    assert signal.getsignal(signal.SIGTERM) is before


def test_an_interrupt_while_the_handlers_are_put_back_raises_nothing(monkeypatch):
    """Ctrl-C to the process group just as a round's process ends (its row written, the block left): the signal
    lands while handled() restores the handlers and used to raise there, printing a traceback."""
    real = signal.signal
    sent = []

    def restore_with_a_signal(sig, handler):
        if not sent:  # the first handler put back: a signal is already on its way
            sent.append(sig)
            current = signal.getsignal(sig)
            current(sig, None) if callable(current) else None
        return real(sig, handler)

    with interrupts.handled() as state:
        monkeypatch.setattr(signal, "signal", restore_with_a_signal)
    monkeypatch.undo()
    assert sent and state.count == 1  # seen and counted, not raised


def test_a_run_started_with_the_signals_blocked_still_gets_them():
    """A process can inherit a blocked SIGINT (a round's process does, from launch._start; a test worker did from
    something it ran): handled() lets it in while the run lasts and puts the mask back after."""
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        with interrupts.handled() as state, pytest.raises(KeyboardInterrupt):
            os.kill(os.getpid(), signal.SIGINT)
            time.sleep(1)
        assert state.count == 1 and signal.SIGINT in signal.pthread_sigmask(signal.SIG_BLOCK, set())
    finally:
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def test_an_interrupt_while_a_row_is_written_waits_for_the_row():
    written = []
    with interrupts.handled(), pytest.raises(KeyboardInterrupt), interrupts.deferred():
        os.kill(os.getpid(), signal.SIGINT)
        time.sleep(0.05)
        written.append("row")  # still runs: the interrupt is held until the block ends
    assert written == ["row"]


class FakeChild:
    """A child process that ends `stops_after` waits after it was asked to stop (never, with None); `on_wait` runs
    at each wait (a second Ctrl-C arriving meanwhile)."""

    def __init__(self, stops_after=2, on_wait=None):
        self.signals, self.killed, self.returncode, self.stops_after = [], False, None, stops_after
        self.on_wait = on_wait or (lambda: None)

    def poll(self):
        return self.returncode

    def send_signal(self, sig):
        self.signals.append(sig)

    def wait(self, timeout=None):
        self.on_wait()
        if self.killed:
            self.returncode = -9
        elif self.signals and self.stops_after is not None:
            self.stops_after -= 1
            if self.stops_after <= 0:
                self.returncode = 130
        if self.returncode is None:
            raise subprocess.TimeoutExpired("child", timeout)
        return self.returncode

    def kill(self):
        self.killed = True


def interrupting_tick():
    raise KeyboardInterrupt


def test_the_parent_passes_an_interrupt_on_and_waits_for_the_child(monkeypatch):
    monkeypatch.setattr(launch, "TICK_S", 0.0)
    child = FakeChild(stops_after=3)
    with interrupts.handled() as state:
        state.count = 1  # what the handler counted when it raised
        code = launch.run_child(["python"], env={}, on_tick=interrupting_tick, popen=lambda *a, **k: child)
    assert code == 130 and child.signals == [signal.SIGTERM] and not child.killed  # it stopped on its own


def test_an_interrupt_while_the_next_round_starts_stops_that_round(monkeypatch):
    """Ctrl-C in the instant the parent starts round 2: the interrupt waits for the start (deferred) and is raised
    once the child exists; that child is asked to stop too, not left to measure and write its row on its own."""
    monkeypatch.setattr(launch, "TICK_S", 0.0)
    child, ticks = FakeChild(stops_after=1), []

    def popen(*args, **kwargs):
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while the child starts: it waits (SIGINT is blocked) ...
        time.sleep(0.05)
        return child

    def tick():  # ... and if it were lost, the round would run to its end
        ticks.append(1)
        if len(ticks) > 50:
            child.returncode = 0

    with interrupts.handled():
        code = launch.run_child(["python"], env={}, on_tick=tick, popen=popen)
    assert code == 130 and child.signals == [signal.SIGTERM] and not ticks


def test_a_second_interrupt_stops_the_child_at_once(monkeypatch):
    monkeypatch.setattr(launch, "TICK_S", 0.0)
    with interrupts.handled() as state:
        state.count = 1
        child = FakeChild(stops_after=None, on_wait=lambda: setattr(state, "count", 2))  # stuck in its clean-up
        assert launch.stop(child) == -9
    assert child.killed and child.signals == [signal.SIGTERM]


def test_a_child_that_does_not_stop_is_killed_after_a_while():
    now = iter(range(0, 1000, 10))
    child = FakeChild(stops_after=None)
    with interrupts.handled() as state:
        state.count = 1
        assert launch.stop(child, clock=lambda: next(now), wait_s=30) == -9
    assert child.killed


def test_a_launched_process_whose_parent_is_gone_stops_at_once():
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    for launcher in (dead.pid, os.getpid()):  # gone, or no longer the parent (this one was re-parented)
        environ = {interrupts.PARENT_ENV: str(launcher)}
        with interrupts.handled(), pytest.raises(KeyboardInterrupt):
            interrupts.die_with_parent(environ)
            time.sleep(1)
        assert environ == {}  # consumed: a process this one starts has another parent
    assert interrupts.die_with_parent({}) is False  # not launched by devicebench


def test_an_interrupted_world_size_sweep_asks_its_run_to_stop_and_ends_with_one_line(monkeypatch, capsys, tmp_path):
    asked = []

    def torchrun(command, check, env):  # subprocess.run of one world size
        os.kill(os.getpid(), signal.SIGINT)  # Ctrl-C while it runs: this process waits for it ...
        time.sleep(0.05)
        asked.append(os.path.exists(env[interrupts.STOP_ENV]))  # ... having asked its workers to stop
        return subprocess.CompletedProcess(command, 0)  # they stopped as asked: 0, so torchrun prints no traceback

    monkeypatch.setattr(launch.subprocess, "run", torchrun)
    monkeypatch.delenv("RANK", raising=False)
    assert cli.main(["--framework", "torch", "--world-sizes", "1,2", "--models", "mlp-d1-w1024",
                     "--results-dir", str(tmp_path)]) == 130
    assert asked == [True]  # world size 2 never started
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == ["world size 1", f"interrupted: the finished rows are kept in {tmp_path}; "
                                              "run the same command again to measure the rest (a new run: the kept rows stay)"]


# A real run: `python -m collect` in its own process group, two rounds of one tiny configuration ------------------

ARGV = ["--framework", "torch", "--models", "mlp-d5-w1024", "--modes", "infer", "--batch-sizes", "8",
        "--max-seconds", "0.5", "--repeat", "2", "--device", "cpu", "--env", "test-cpu", "--no-summary"]


def start(results):
    return subprocess.Popen([sys.executable, "-m", "collect", *ARGV, "--results-dir", str(results)], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def family(psutil, parent, seen: dict) -> dict:
    """The parent and every process below it, added to those seen before (a round's process comes and goes)."""
    try:
        for p in [psutil.Process(parent.pid), *psutil.Process(parent.pid).children(recursive=True)]:
            seen.setdefault(p.pid, p)
    except psutil.Error:
        pass
    return seen


def until(condition, timeout=120.0):
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)


def data_rows(path):
    return path.read_text().splitlines()[1:] if path.exists() else []


def round_two_running(psutil, seen) -> bool:
    for p in seen.values():
        try:
            command = p.cmdline()
        except psutil.Error:
            continue
        if "--trial" in command and command[command.index("--trial") + 1] == "2":
            return True
    return False


def left_running(psutil, seen) -> list:
    alive = []
    for p in seen.values():
        try:
            if p.is_running() and p.status() != psutil.STATUS_ZOMBIE:
                alive.append(p)
        except psutil.Error:
            continue
    return alive


WAYS = ("sigint-to-group", "sigint-to-parent", "sigkill-parent")


def interrupt(how: str, run) -> None:
    if how == "sigint-to-group":  # Ctrl-C in a terminal
        os.killpg(run.pid, signal.SIGINT)
    elif how == "sigint-to-parent":  # a notebook's interrupt: the kernel alone
        os.kill(run.pid, signal.SIGINT)
    else:
        os.kill(run.pid, signal.SIGKILL)


@pytest.mark.slow
def test_interrupting_a_run_of_two_rounds_three_ways(tmp_path):
    """The three runs side by side (seconds, not a minute): each is interrupted once round 1 has written its row;
    `kill -9` waits until round 2's process runs (an orphan would go on and write its row)."""
    psutil = pytest.importorskip("psutil")
    pytest.importorskip("torch")
    runs = {how: (start(tmp_path / how), tmp_path / how / "results_test-cpu.csv", {}) for how in WAYS}
    waiting = set(WAYS)

    def act():
        for how in list(waiting):
            run, path, seen = runs[how]
            family(psutil, run, seen)
            if data_rows(path) and (how != "sigkill-parent" or round_two_running(psutil, seen)):
                interrupt(how, run)
                waiting.discard(how)
        return not waiting

    until(act)
    for how, (run, path, seen) in runs.items():
        out, err = run.communicate(timeout=60)
        until(lambda: not left_running(psutil, seen), timeout=10)  # nothing outlives the run, however it ended
        assert len(data_rows(path)) == 1 and not load([path]).problems, how  # the finished row kept, the file valid
        assert "Traceback" not in err, err
        if how == "sigkill-parent":
            assert run.returncode == -signal.SIGKILL
            continue
        lines = err.splitlines()
        assert run.returncode == 130 and out == "", (how, out, err)
        assert lines[0].startswith("measuring 1 configuration, 2 trials each") and len(lines) <= 4, err
        assert lines[1].startswith("planned: about "), err
        assert all(line.startswith("round 1/2 mlp-d5-w1024 infer") for line in lines[2:-1]), err
        assert lines[-1].startswith("interrupted in round ") and lines[-1].endswith(
            f" of 2: 1 finished row is kept in {path}; run the same command again to measure the rest "
            "(a new run: the kept rows stay)"), err
