"""What the runner tells a person in one line: its plan before it measures, and what an interrupt left behind."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class Kept:
    """What an interrupted run leaves: where its rows are and how many (None: not counted, e.g. a sweep)."""

    path: Path
    rows: int | None = 0
    round: str = ""  # "round 2 of 3" where the run had rounds
    silent: bool = False  # a process devicebench launched: its launcher says it
    code: int = 130  # the exit status of an interrupted run


def interrupted_line(kept: Kept) -> str:
    """What was kept and how to go on: the same command again starts a new run; the kept rows stay in the file."""
    where = f" in {kept.round}" if kept.round else ""
    if kept.rows == 0:
        return f"interrupted{where}: nothing was measured to the end, nothing written; run the same command again to start over"
    count = f"{kept.rows} finished row{'s are' if kept.rows != 1 else ' is'}"
    rows = "the finished rows are" if kept.rows is None else count
    return (f"interrupted{where}: {rows} kept in {kept.path}; run the same command again to measure the rest "
            "(a new run: the kept rows stay)")


def plan_line(configs: int, rounds: int, device: str, kind: str, energy: str, path) -> str:
    """`energy`: the meter's description, or "" when --energy none."""
    what = f"{configs} configuration{'s' if configs != 1 else ''}"
    if rounds > 1:
        what += f", {rounds} trials each (one round after another, each in a fresh process)"
    return f"measuring {what} on {device} ({kind}){f'; energy: {energy}' if energy else ''}; writing {path}"


def energy_said(chosen, requested: str) -> str:
    """An energy.EnergyPlan in words: the meter and its note, or none and why."""
    if requested == "none":
        return ""
    return f"{chosen.meter.method} ({chosen.meter.note})" if chosen.meter else f"none, {chosen.why}"
