"""Where an env sits among the others that ran the same configuration: its rank and its neighbours.

`standings(agg)` is one vectorised pass over summary.aggregate's table: for every env and every configuration it
shares with at least one other env, how many others it beats and the nearest env above and below. The runner
prints an env's few most shared lines at the end of a run (`panel`); the site shows the same table on each env's
page. A configuration here is what makes two machines comparable (framework, model, mode, precision, batch,
devices, backend), not the device: ranking one machine's CPU against another's GPU is the point.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

SHARED = ["framework", "workload", "model", "mode", "precision", "batch_size", "world_size", "backend"]
COLUMNS = ["env", "device_kind", *SHARED, "rate", "unit", "slower", "others", "above_env", "above_rate",
           "below_env", "below_rate"]
LIMIT = 8  # lines of the runner's panel: the configurations shared by the most envs


def _codes(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per row, equal for rows equal on every column (empty cells equal each other): the group key
    every later step works on, so no string is hashed twice."""
    return table.groupby(columns, sort=False, observed=True, dropna=False).ngroup().to_numpy(dtype=np.int64)


def standings(agg: pd.DataFrame, units: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per (env, device kind) and shared configuration (COLUMNS): rate (its median), slower (other envs
    with a lower rate), others (other envs sharing it), the nearest faster and slower env and their rates.
    An env with several device kinds in one configuration is named "env (kind)" there. units: workload -> unit of
    its rates (site.tables.units); "samples/s" where missing. Integer group codes and numpy throughout: a
    10,000-env aggregate of a million configurations costs one groupby and two sorts."""
    if agg.empty:
        return pd.DataFrame(columns=COLUMNS)
    # a language model's prompt and context lengths are part of its configuration (empty for every other workload)
    shared = SHARED + [name for name in ("seq_len", "context_len") if name in agg.columns]
    agg = agg[agg["rate"].notna()]
    config = _codes(agg, shared)
    side = _codes(agg, ["env", "device_kind"])
    rate = agg["rate"].to_numpy(dtype=float)
    # an (env, kind)'s best row per configuration, then each configuration's rows fastest first
    order = np.lexsort((-rate, side, config))
    first = np.r_[True, (config[order][1:] != config[order][:-1]) | (side[order][1:] != side[order][:-1])]
    keep = order[first]
    keep = keep[np.lexsort((-rate[keep], config[keep]))]
    config, rate = config[keep], rate[keep]
    size = np.bincount(config)[config]
    shared_rows = size > 1
    keep, config, rate, size = keep[shared_rows], config[shared_rows], rate[shared_rows], size[shared_rows]
    if not len(keep):
        return pd.DataFrame(columns=COLUMNS)
    out = agg.iloc[keep][["env", "device_kind", *shared, "rate"]].reset_index(drop=True)
    out["unit"] = out["workload"].astype(str).map(lambda workload: (units or {}).get(workload, "samples/s"))
    # rows are fastest first within a configuration: those strictly slower are the group's rows after the last tie
    ascending = pd.Series(rate).groupby(config, sort=False).rank(method="min", ascending=True).to_numpy()
    out["slower"], out["others"] = (ascending - 1).astype(int), (size - 1).astype(int)
    out["above_env"], out["above_rate"], out["below_env"], out["below_rate"] = _neighbours(out, config)
    return out


def _neighbours(out: pd.DataFrame, config: np.ndarray):
    """The name and rate of the row before and after each row within its configuration (rows fastest first); an env
    with two device kinds in one configuration is named "env (kind)" there, only there."""
    env = out["env"].astype(str).to_numpy(dtype=object)
    twice = pd.DataFrame({"config": config, "env": pd.factorize(env)[0]}).duplicated(keep=False).to_numpy()
    name = env.copy()
    if twice.any():
        name[twice] = env[twice] + " (" + out["device_kind"].astype(str).to_numpy(dtype=object)[twice] + ")"
    rate = out["rate"].to_numpy(dtype=float)
    at = np.arange(len(out))
    same = config[1:] == config[:-1]  # rows are grouped by configuration: a neighbour counts within one
    has_above, has_below = np.r_[False, same], np.r_[same, False]
    above, below = np.maximum(at - 1, 0), np.minimum(at + 1, len(out) - 1)
    none = np.full(len(out), None, dtype=object)
    return (np.where(has_above, name[above], none), np.where(has_above, rate[above], np.nan),
            np.where(has_below, name[below], none), np.where(has_below, rate[below], np.nan))


def _value(rate: float, unit: str) -> str:
    if rate != rate:
        return ""
    if unit == "bytes/s":  # memory bandwidth reads as GB/s, as the rest of devicebench shows it
        rate, unit = rate / 1e9, "GB/s"
    text = f"{rate:,.0f}" if abs(rate) >= 1000 else f"{rate:.3g}"
    return f"{text} {unit}"


def label(row) -> str:
    """A configuration as the runner's lines name it: 'torch resnet50 train fp32 bs64 eager'."""
    devices = f" x{row.world_size}" if row.world_size and int(row.world_size) > 1 else ""
    return f"{row.framework} {row.model} {row.mode} {row.precision} bs{row.batch_size}{devices} {row.backend}".strip()


def panel(table: pd.DataFrame, env: str, *, limit: int = LIMIT, where: str = "results/") -> list[str]:
    """The runner's closing lines for `env` from standings(): its `limit` configurations shared by the most envs,
    each with its value, rank and neighbours. [] where env shares nothing (the runner then prints nothing)."""
    if not isinstance(limit, int) or limit < 1:
        raise ValueError(f"`limit` must be a whole number >= 1, but {limit!r} was passed")
    mine = table[table["env"] == env]
    if mine.empty:
        return []
    order = np.lexsort((np.arange(len(mine)), -mine["others"].to_numpy()))
    shown = mine.iloc[order[:limit]]
    envs = int(mine["others"].max())
    head = (f"How {env} stacks up against the other envs in {where} ({len(shown)} of {len(mine)} shared "
            f"configurations, the most shared first; up to {envs} other env{'s' if envs != 1 else ''} each):")
    lines = [head]
    for row in shown.itertuples(index=False):
        parts = [f"  {label(row)}: {_value(row.rate, row.unit)}", f"faster than {row.slower} of {row.others}"]
        if isinstance(row.above_env, str):
            parts.append(f"above: {row.above_env} {_value(row.above_rate, row.unit)}")
        if isinstance(row.below_env, str):
            parts.append(f"below: {row.below_env} {_value(row.below_rate, row.unit)}")
        lines.append(" · ".join(parts))
    return lines
