"""Runs of `python -m collect` in fresh processes: the rounds of --repeat and the device counts of --world-sizes.

A fresh process per round is what lets trials expose a machine whose speed jumps between processes
(benchmarking-rules 8a); a launcher per device count is how data-parallel runs start. Each child imports
the same checkout as this process (child_environment), reports its progress through a file the parent reads
(collect.measure.progress) and ends with its parent (collect.measure.interrupts.die_with_parent).

An interrupt of the parent (Ctrl-C, a notebook's interrupt, SIGTERM) is passed on to the round's process as SIGTERM,
which it treats as Ctrl-C: it stops between rows, keeping every finished one, and exits; the parent waits for that.
A second interrupt stops the child at once.
"""

from __future__ import annotations

import logging
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import collect
from collect.contract.cli_args import without
from collect.measure import interrupts
from collect.measure.progress import PROGRESS_ENV, EventTail, feed

TICK_S = 0.5  # how often the parent reads its child's progress and redraws
STOP_S = 60.0  # after an interrupt: time the child gets to finish its clean-up before it is killed
log = logging.getLogger("devicebench")


def round_command(argv: list[str], trial: int, run_id: str, python: str = sys.executable) -> list[str]:
    """One round: the same command line, one trial, the run's id."""
    return [python, "-m", "collect", *without(argv, "--repeat"), "--repeat", "1", "--trial", str(trial), "--run-id", run_id]


def run_rounds(argv: list[str], rounds: int, run_id: str, run=None, display=None) -> int:
    """Each round in a fresh process, one after the other, its progress on `display` (a progress.RunProgress);
    stops at the first round that was interrupted. Returns the worst exit status (130 for an interrupt)."""
    run = run or run_child
    worst = 0
    for trial in range(1, rounds + 1):
        command = round_command(argv, trial, run_id)
        log.debug("round %d of %d (a fresh process): %s", trial, rounds, " ".join(command))
        fd, events = tempfile.mkstemp(prefix="devicebench-progress-", suffix=".jsonl")
        os.close(fd)
        try:
            code = _one_round(run, command, events, display, trial)
        finally:
            os.unlink(events)
        if code == 130 or code < 0:
            return 130
        worst = max(worst, code)
    return worst


def _one_round(run, command: list[str], events: str, display, trial: int) -> int:
    """One round's process, its events fed to the display while it runs and once more after it ends."""
    if display is None:
        return run(command, env=child_environment(progress=events), on_tick=None)
    tail = EventTail(events)

    def tick():
        feed(tail.read(), display)
        display.tick()

    display.round_started(trial)
    code = run(command, env=child_environment(progress=events), on_tick=tick)
    feed(tail.read(), display)
    if code != 130 and code >= 0:  # an interrupted round is not a finished one
        display.round_finished(trial)
    return code


def run_child(command: list[str], env: dict, on_tick=None, popen=subprocess.Popen) -> int:
    """Run one child to its end, calling on_tick while it runs. An interrupt is passed on (stop) and ends in 130."""
    child = None
    try:
        with interrupts.deferred():  # a child is started whole, and its handle kept, or not at all
            child = _start(command, env, popen)
        while child.poll() is None:
            time.sleep(TICK_S)  # a sleep, not wait(timeout=): that polls every 50 ms beside the measuring process
            if on_tick:
                on_tick()
        return child.returncode
    except KeyboardInterrupt:
        if child is not None:  # also one whose start the interrupt waited for: it must not measure on alone
            stop(child)
        return 130


def _start(command: list[str], env: dict, popen):
    """Start the child with SIGINT held back until its own handler is in place (interrupts.handled lets it in): a
    Ctrl-C that reaches it while Python starts would otherwise print a traceback. Blocked, not ignored: a Ctrl-C
    to this process meanwhile waits and is raised once the child has started (ignoring it lost it), and the child
    gets the group's Ctrl-C when it is ready. Without signal masks (Windows) SIGINT is ignored meanwhile."""
    if threading.current_thread() is not threading.main_thread():
        return popen(command, env=env)
    if hasattr(signal, "pthread_sigmask"):
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            return popen(command, env=env)
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
    before = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        return popen(command, env=env)
    finally:
        signal.signal(signal.SIGINT, before)


def stop(child, clock=time.monotonic, wait_s: float = STOP_S) -> int:
    """Ask the child to stop (SIGTERM: the same path as Ctrl-C in it) and wait while it keeps its finished rows;
    kill it when it does not end within wait_s or when the user interrupts again."""
    state, deadline = interrupts.current(), clock() + wait_s
    _signal(child, signal.SIGTERM)
    while True:
        try:
            return child.wait(timeout=TICK_S)
        except subprocess.TimeoutExpired:
            if state.count > 1 or clock() > deadline:  # the first interrupt brought us here
                child.kill()
                return child.wait()


def _signal(child, sig) -> None:
    try:
        child.send_signal(sig)
    except (ProcessLookupError, OSError):
        pass  # it has ended already


def child_environment(environ=None, progress: str | None = None, stop: str | None = None) -> dict:
    """The environment of a child process: this one's, with the folder holding this `collect` first on PYTHONPATH
    (the child runs the same code however the parent found it: a clone on sys.path, a notebook), this process's
    pid to outlive, where to report progress and the file whose presence asks it to stop."""
    environ = dict(os.environ if environ is None else environ)
    home = str(Path(collect.__file__).resolve().parent.parent)
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (home, environ.get("PYTHONPATH", "")) if p)
    environ[interrupts.PARENT_ENV] = str(os.getpid())
    for name, value in ((PROGRESS_ENV, progress), (interrupts.STOP_ENV, stop)):
        environ.pop(name, None)
        if value:
            environ[name] = value
    return environ


def sweep(framework: str, argv: list[str], sizes: list[int], run=None, verbose: bool = False) -> int:
    """--world-sizes: one run per device count, through the framework's own launcher (torchrun for torch,
    the first N devices for TensorFlow). Returns 1 if any run failed. An interrupt asks the run to stop (its
    processes watch a stop file: torchrun stands between them and this one), waits for it, then ends the sweep."""
    run = run or subprocess.run
    rest = without(argv, "--world-sizes")
    failed = 0
    with tempfile.TemporaryDirectory(prefix="devicebench-sweep-") as folder:
        stop_file = os.path.join(folder, "stop")
        for n in sizes:
            command, env = _size_command(framework, rest, n), child_environment(stop=stop_file)
            if framework == "torch" and not verbose:
                env.setdefault("LOGLEVEL", "ERROR")  # torchrun's banner and shutdown warnings: with -v only
            log.info("world size %d", n)
            log.debug("world size %d: %s", n, " ".join(command))
            with interrupts.passed_on(lambda: Path(stop_file).touch()):
                code = run(command, check=False, env=env).returncode
            failed += code != 0
    return 1 if failed else 0


def _size_command(framework: str, rest: list[str], n: int) -> list[str]:
    if framework == "torch":  # torchrun in a session of its own (main below)
        command = [sys.executable, "-m", "collect.measure.launch", sys.executable, "-m", "torch.distributed.run",
                   "--nproc-per-node", str(n), "-m", "collect", *rest]
        return command + ([] if "--distributed" in rest else ["--distributed", "ddp"])
    command = [sys.executable, "-m", "collect", *without(rest, "--replicas"), "--replicas", str(n)]
    return command + ([] if "--distributed" in rest else ["--distributed", "mirrored"])


def main(argv: list[str] | None = None) -> int:
    """`python -m collect.measure.launch COMMAND...`: COMMAND (torchrun) in a session of its own, killed when this
    process's parent dies. A terminal's Ctrl-C then reaches devicebench alone, which asks the workers to stop through the
    stop file; torchrun, never signalled, sees them end cleanly and prints no traceback."""
    argv = sys.argv[1:] if argv is None else argv
    if hasattr(os, "setsid"):
        try:
            os.setsid()
        except OSError:
            pass  # already a session leader
    # Holds across exec. SIGKILL: torchrun would answer SIGTERM with a traceback; its workers stop on their own
    # parent-death signal, keeping their finished rows.
    interrupts.parent_death_signal(getattr(signal, "SIGKILL", signal.SIGTERM))
    if str(os.getppid()) != os.environ.get(interrupts.PARENT_ENV, str(os.getppid())):
        return 130  # the launcher died before this process got here
    os.execv(argv[0], argv)
    return 127  # not reached: exec replaces this process or raises


if __name__ == "__main__":
    sys.exit(main())
