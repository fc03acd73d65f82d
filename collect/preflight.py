"""Checks the runner makes before it measures anything: something to measure, a folder it can write, and a results
file (if one exists) this run can append to. Each failure is one line naming the path or flags (ValueError)."""

from __future__ import annotations

import os
from pathlib import Path

from collect.contract.csvio import results_path, unknown_columns
from collect.measure import suites


def preflight(args, configs: list, env: str) -> None:
    """Before the first measurement: something to measure, a folder that can be written, and a results file
    (if one exists) that this run can append to. ValueError with one line naming the path or flags."""
    if not configs:
        raise ValueError(_why_empty(args))
    folder = Path(args.results_dir)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".devicebench-probe-{os.getpid()}"
        probe.write_text("")
        probe.unlink()
    except OSError as exc:
        raise ValueError(f"--results-dir {folder}: cannot write there ({exc.strerror or type(exc).__name__}); "
                         "pass a folder you can write to") from None
    path = results_path(folder, env)
    if path.exists():
        _check_existing(path, env)


def _check_existing(path: Path, env: str) -> None:
    """The file this run appends to must stay valid: a devicebench file, every row of this env."""
    from collect.dataset.loader import load  # pandas and pandera: only when there is a file to check

    unknown = unknown_columns(path) if path.stat().st_size else []
    if unknown:
        raise ValueError(f"{path} has columns devicebench does not write ({', '.join(unknown)}): it is not a "
                         "devicebench results file; pass another --env or move that file away")
    problems = [p for p in load([path]).problems if p.level == "error"]
    if problems:
        more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
        raise ValueError(f"{path} is not a valid results file for env {env!r}: {problems[0]}{more}; rows appended "
                         "to it would be dropped with it: fix it, pass another --env or move that file away")


def _why_empty(args) -> str:
    """Which flags left nothing to measure."""
    given = [f"--{name.replace('_', '-')} {value}" for name, value in
             (("workloads", args.workloads), ("models", args.models), ("modes", args.modes),
              ("precisions", args.precisions), ("batch_sizes", args.batch_sizes), ("backends", args.backends))
             if value is not None]
    if args.distributed != "none":
        given.append(f"--distributed {args.distributed} (training only, no matmul)")
    if args.models and args.workloads:
        kinds = ", ".join(f"{m}: {suites.workload_of(m)}" for m in suites.split_list(args.models))
        return f"--workloads {args.workloads} keeps none of --models {args.models} ({kinds}): nothing to measure; " \
               "drop one of the two or make them agree"
    listed = ", ".join(given[:-1]) + f" and {given[-1]}" if len(given) > 1 else (given[0] if given else "the suite")
    return f"{listed} leave{'s' if len(given) < 2 else ''} nothing to measure; widen them " \
           f"(python -m collect --suite {args.suite} --dry-run lists what a suite measures)"
