"""Runs of `python -m collect` in fresh processes: the rounds of --repeat and the device counts of --world-sizes.

A fresh process per round is what lets trials expose a machine whose speed jumps between processes
(benchmarking-rules 8a); a launcher per device count is how data-parallel runs start. Each child imports
the same checkout as this process (child_environment).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import collect
from collect.contract.cli_args import without


def round_command(argv: list[str], trial: int, run_id: str, python: str = sys.executable) -> list[str]:
    """One round: the same command line, one trial, the run's id."""
    return [python, "-m", "collect", *without(argv, "--repeat"), "--repeat", "1", "--trial", str(trial), "--run-id", run_id]


def run_rounds(argv: list[str], rounds: int, run_id: str, run=None) -> int:
    """Each round in a fresh process, one after the other; stops at the first round that was interrupted.
    Returns the worst exit status (130 for an interrupt)."""
    run = run or subprocess.run
    worst = 0
    for trial in range(1, rounds + 1):
        print(f"trial {trial} of {rounds} (a fresh process): python -m collect ...", file=sys.stderr)
        code = run(round_command(argv, trial, run_id), check=False, env=child_environment()).returncode
        if code == 130 or code < 0:
            return 130
        worst = max(worst, code)
    return worst


def child_environment(environ=None) -> dict:
    """The environment of a round's process: this one's, with the folder holding this `collect` first on
    PYTHONPATH, so the child runs the same code however the parent found it (a clone on sys.path, a notebook)."""
    environ = dict(os.environ if environ is None else environ)
    home = str(Path(collect.__file__).resolve().parent.parent)
    environ["PYTHONPATH"] = os.pathsep.join(p for p in (home, environ.get("PYTHONPATH", "")) if p)
    return environ


def sweep(framework: str, argv: list[str], sizes: list[int], run=None) -> int:
    """--world-sizes: one run per device count, through the framework's own launcher (torchrun for torch,
    the first N devices for TensorFlow). Returns 1 if any run failed."""
    run = run or subprocess.run
    rest = without(argv, "--world-sizes")
    failed = 0
    for n in sizes:
        if framework == "torch":
            command = [sys.executable, "-m", "torch.distributed.run", "--nproc-per-node", str(n), "-m", "collect", *rest]
            if "--distributed" not in rest:
                command += ["--distributed", "ddp"]
        else:
            command = [sys.executable, "-m", "collect", *without(rest, "--replicas"), "--replicas", str(n)]
            if "--distributed" not in rest:
                command += ["--distributed", "mirrored"]
        print(f"world size {n}: {' '.join(command)}", file=sys.stderr)
        failed += run(command, check=False, env=child_environment()).returncode != 0
    return 1 if failed else 0
