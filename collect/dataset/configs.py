"""The configurations an env measured, read back from a results folder: what `--like ENV` measures here.

A configuration is what makes two machines' rows comparable (workload, model, mode, precision, batch size,
backend), on one device (a data-parallel row needs --world-sizes, which --like does not guess). Every status
counts: a configuration that ran out of memory there may fit here.
"""

from __future__ import annotations

from pathlib import Path

from collect.dataset.loader import discover, load

KEYS = ["workload", "model", "mode", "precision", "batch_size", "backend"]


def env_configs(results_dir: str | Path, env: str, framework: str) -> list[dict]:
    """The distinct configurations of `env`'s rows in `framework`, in the order its file first has them.
    Raises ValueError naming what there is when the env or its framework is not in the folder."""
    frame = load(discover(results_dir)).frame
    if frame.empty or not (frame["env"].astype(str) == env).any():
        names = sorted(frame["env"].astype(str).unique()) if not frame.empty else []
        shown = ", ".join(names[:12]) + (f" and {len(names) - 12} more" if len(names) > 12 else "")
        raise ValueError(f"`like` must name an env in {results_dir}/, but {env!r} is not there" + (f"; envs: {shown}" if shown else ""))
    mine = frame[(frame["env"].astype(str) == env).to_numpy(dtype=bool)]
    ran = mine[(mine["framework"].astype(str) == framework).to_numpy(dtype=bool)]
    if ran.empty:
        other = ", ".join(sorted(mine["framework"].astype(str).unique()))
        raise ValueError(f"{env} has no {framework} rows (it ran {other}): use --framework {other.split(', ')[0]}")
    single = ran[(ran["world_size"].fillna(1) <= 1).to_numpy(dtype=bool)]
    rows = single[KEYS].astype({k: str for k in KEYS if k != "batch_size"}).astype({"batch_size": int}).drop_duplicates()
    return rows.to_dict("records")
