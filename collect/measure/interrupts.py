"""One way a run ends early, however the request comes: Ctrl-C in a terminal (SIGINT to the whole process group),
a notebook's interrupt (SIGINT to the kernel alone), SIGTERM (`kill`, a batch scheduler), or the death of the
process that launched this one.

Every one of them becomes a single KeyboardInterrupt in the main thread. Later signals are counted, not raised: a
second KeyboardInterrupt inside the clean-up of the first is what used to print a traceback. A row being written
holds the interrupt back until the row is in the file (`deferred`), so a run stops between rows, never inside one.

A process launched by devicebench (a round of --repeat, a size of --world-sizes) also ends when its parent does,
even after `kill -9` of the parent (`die_with_parent`): on Linux the kernel signals it (PR_SET_PDEATHSIG); everywhere
a watcher thread notices that its parent changed. The same thread stops it when its launcher asks through a file
(torchrun stands between a --world-sizes launcher and the processes that measure).
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
import time

PARENT_ENV = "DEVICEBENCH_PARENT_PID"  # set by launch.child_environment: the pid a launched process must not outlive
STOP_ENV = "DEVICEBENCH_STOP_FILE"  # set by launch.sweep: the launcher creates this file to ask its run to stop
WATCH_S = 0.5  # how often the watcher looks at its parent
GRACE_S = 20.0  # after the parent is gone: time to stop cleanly before the process exits regardless
SIGNALS = tuple(s for s in (signal.SIGINT, getattr(signal, "SIGTERM", None)) if s is not None)


class State:
    """What the handler has seen: how many interrupts, whether one waits for a row to be written, and how to ask
    a child that cannot be signalled directly to stop (`passed_on`)."""

    def __init__(self):
        self.count = 0
        self.holding = False
        self.pending = False
        self.forward = None
        self.closed = False

    def handler(self, signum, frame):
        self.count += 1
        if self.closed:
            return  # the block has ended (a round that wrote its last row): nothing left to stop
        if self.forward is not None:
            if self.count > 1:
                raise KeyboardInterrupt  # asked twice: stop waiting for the child
            self.pending = True
            self.forward()
            return
        if self.count > 1:
            return  # the run is already stopping; a launcher reads `count` to stop its child at once
        if self.holding:
            self.pending = True
            return
        raise KeyboardInterrupt


_state = State()  # outside `handled()`: nothing installed, counts stay 0


def current() -> State:
    return _state


@contextlib.contextmanager
def handled():
    """SIGINT and SIGTERM raise one KeyboardInterrupt while the block runs; the handlers before it come back after
    (a notebook kernel keeps its own). Only the main thread can install handlers: elsewhere this changes nothing."""
    global _state
    outer, state = _state, State()
    saved, mask = {}, None
    if threading.current_thread() is threading.main_thread():
        for sig in SIGNALS:
            if signal.getsignal(sig) is signal.SIG_IGN and PARENT_ENV not in os.environ:
                continue  # ignored on purpose (nohup, a background job); a round's process starts so, by design
            saved[sig] = signal.signal(sig, state.handler)
        if saved and hasattr(signal, "pthread_sigmask"):
            # Blocked signals would never reach the handler: launch._start blocks SIGINT while a round starts (this
            # lets it in), and a process can inherit a blocked mask from whatever started it (a test worker did).
            mask = signal.pthread_sigmask(signal.SIG_UNBLOCK, set(saved))
    _state = state
    try:
        yield state
    finally:
        # A signal that lands while the handlers are being put back (Ctrl-C just as a round's process ends) must
        # not raise inside this clean-up: that printed a traceback.
        state.closed = True
        _state = outer
        for sig, old in saved.items():
            signal.signal(sig, old if old is not None else signal.SIG_DFL)
        if mask is not None:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)


@contextlib.contextmanager
def deferred():
    """An interrupt during the block is raised when it ends: a row is appended whole or not at all."""
    state = _state
    if state.holding:  # nested: the outer block raises
        yield
        return
    state.holding = True
    try:
        yield
    finally:
        state.holding = False
        if state.pending:
            state.pending = False
            raise KeyboardInterrupt


@contextlib.contextmanager
def passed_on(forward):
    """While a child runs that this process cannot signal itself (subprocess.run, torchrun's workers): the first
    interrupt calls forward() (which asks the child to stop) and is raised once the child has ended; a second one
    is raised at once."""
    state = _state
    before, state.forward = state.forward, forward
    try:
        yield
    finally:
        state.forward = before
        if state.pending:
            state.pending = False
            raise KeyboardInterrupt


def die_with_parent(environ=None) -> bool:
    """In a process that devicebench launched (PARENT_ENV set): stop as on SIGTERM when the launching process
    ends, however it ends. Returns whether a watch was set up."""
    environ = os.environ if environ is None else environ
    stop_file = environ.pop(STOP_ENV, "")
    try:
        expected = int(environ.pop(PARENT_ENV, ""))  # consumed: whatever this process starts has another parent
    except ValueError:
        return False
    parent = os.getppid()
    # Re-parented already: the launcher died before this process got here (as a zombie it may still look alive).
    # torchrun's workers are the exception: torchrun stands between them and the launcher.
    if not alive(expected) or (parent != expected and not environ.get("LOCAL_RANK")):
        os.kill(os.getpid(), signal.SIGTERM)
        return True
    parent_death_signal()
    if os.getppid() != parent:  # the parent died between getppid and prctl
        os.kill(os.getpid(), signal.SIGTERM)
    threading.Thread(target=_watch, args=(parent, expected, stop_file), name="devicebench-parent-watch",
                     daemon=True).start()
    return True


def parent_death_signal(sig: int = signal.SIGTERM) -> None:
    """Linux: the kernel sends SIGTERM when the parent exits, even on `kill -9`; it holds across exec. Set in the
    child rather than in a preexec_fn: preexec_fn is unsafe in a parent with threads (TensorFlow and torch start
    many)."""
    if not sys.platform.startswith("linux"):
        return
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, int(sig), 0, 0, 0)  # PR_SET_PDEATHSIG = 1
    except (OSError, AttributeError):
        pass  # the watcher thread still covers it


def _watch(parent: int, expected: int, stop_file: str) -> None:
    """The portable fallback: SIGTERM to this process when its parent changes (it was re-parented: the parent died),
    the launching process is gone or it asked this one to stop (the stop file exists); exit outright if that has not
    ended the process within GRACE_S."""
    while os.getppid() == parent and alive(expected) and not (stop_file and os.path.exists(stop_file)):
        time.sleep(WATCH_S)
    os.kill(os.getpid(), signal.SIGTERM)
    time.sleep(GRACE_S)
    os._exit(130)


def alive(pid: int) -> bool:
    if os.name == "nt":  # os.kill(pid, 0) sends CTRL_C_EVENT on Windows; the parent check alone must do there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
