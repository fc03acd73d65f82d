"""Where an env sits among the others that ran the same configuration: its rank and its neighbours.

`standings(agg)` is one vectorised pass over summary.aggregate's table: for every env and every configuration it
shares with at least one other env, how many others it beats and the nearest env above and below. The runner
prints an env's few most shared lines at the end of a run (`panel`); the site shows the same table on each env's
page. A configuration here is what makes two machines comparable (framework, model, mode, precision, batch,
devices, backend), not the device: ranking one machine's CPU against another's GPU is the point. Only rows of one
protocol are ranked, devicebench's own steady-state measurements (record.RANKED): a published figure of another
harness, a classic model.fit time or a legacy wall time never stands above or below a measured row.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.contract.outliers import ranked_mask
from collect.contract.record import rate_shown

SHARED = ["framework", "workload", "model", "mode", "precision", "batch_size", "world_size", "backend"]
COLUMNS = ["env", "device_kind", *SHARED, "rate", "unit", "slower", "others", "above_env", "above_rate",
           "below_env", "below_rate"]
LIMIT = 8  # lines of the runner's panel: the configurations shared by the most envs


def _codes(table: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """One integer per row, equal for rows equal on every column (empty cells equal each other): the group key
    every later step works on, so no string is hashed twice."""
    return table.groupby(columns, sort=False, observed=True, dropna=False).ngroup().to_numpy(dtype=np.int64)


def standings(agg: pd.DataFrame, units: dict[str, str] | None = None, *, per_env: int | None = None) -> pd.DataFrame:
    """One row per (env, device kind) and shared configuration (COLUMNS): rate (its median), slower (other envs
    with a lower rate), others (other envs sharing it), the nearest faster and slower env and their rates.
    An env with several device kinds in one configuration is named "env (kind)" there. units: workload -> unit of
    its rates (site.tables.units); "samples/s" where missing. per_env: only each env's that many configurations
    shared by the most envs (the ranks are still among all). Integer codes and numpy throughout; strings are made
    for the rows returned only."""
    if per_env is not None and (not isinstance(per_env, int) or per_env < 1):
        raise ValueError(f"`per_env` must be a whole number >= 1 or None, but {per_env!r} was passed")
    if agg.empty:
        return pd.DataFrame(columns=COLUMNS)
    # a language model's prompt and context lengths are part of its configuration (empty for every other workload)
    shared = SHARED + [name for name in ("seq_len", "context_len") if name in agg.columns]
    agg = agg[agg["rate"].notna().to_numpy(dtype=bool) & ranked_mask(agg)]
    if agg.empty:
        return pd.DataFrame(columns=COLUMNS)
    config, env = _codes(agg, shared), _codes(agg, ["env"])
    side, rate = _codes(agg, ["env", "device_kind"]), agg["rate"].to_numpy(dtype=float)
    # an (env, kind)'s best row per configuration, then each configuration's rows fastest first
    order = np.lexsort((-rate, side, config))
    first = np.r_[True, (config[order][1:] != config[order][:-1]) | (side[order][1:] != side[order][:-1])]
    keep = order[first]
    keep = keep[np.lexsort((-rate[keep], config[keep]))]
    size = np.bincount(config[keep])[config[keep]]
    keep, size = keep[size > 1], size[size > 1]
    if not len(keep):
        return pd.DataFrame(columns=COLUMNS)
    config, rate, env = config[keep], rate[keep], env[keep]
    # rows are fastest first within a configuration: those strictly slower are the group's rows after the last tie
    slower = pd.Series(rate).groupby(config, sort=False).rank(method="min", ascending=True).to_numpy() - 1
    chosen = _most_shared(env, size, per_env) if per_env else np.arange(len(keep))
    out = agg.iloc[keep[chosen]][["env", "device_kind", *shared, "rate"]].reset_index(drop=True)
    unit = {w: (units or {}).get(w, "samples/s") for w in pd.unique(out["workload"].astype(object))}
    out["unit"] = out["workload"].astype(object).map(unit)
    out["slower"], out["others"] = slower[chosen].astype(int), (size[chosen] - 1).astype(int)
    out["above_env"], out["above_rate"], out["below_env"], out["below_rate"] = _neighbours(agg, keep, config, env, chosen)
    return out


def _most_shared(env: np.ndarray, size: np.ndarray, limit: int) -> np.ndarray:
    """Positions of each env's `limit` rows with the largest `size` (ties: the earlier row), in position order."""
    at = np.arange(len(env))
    order = np.lexsort((at, -size, env))
    starts = np.r_[0, np.flatnonzero(env[order][1:] != env[order][:-1]) + 1]
    rank = at - np.repeat(starts, np.diff(np.r_[starts, len(order)]))
    return np.sort(order[rank < limit])


def _neighbours(agg: pd.DataFrame, keep: np.ndarray, config: np.ndarray, env: np.ndarray, chosen: np.ndarray):
    """The name and rate of the row before and after each chosen row within its configuration (rows fastest first);
    an env with two device kinds in one configuration is named "env (kind)" there, only there."""
    twice = pd.DataFrame({"config": config, "env": env}).duplicated(keep=False).to_numpy()
    rate = agg["rate"].to_numpy(dtype=float)[keep]
    # rows are grouped by configuration, fastest first; a neighbour is the nearest row of the same configuration
    # with a different rate (an env that ties is neither faster nor slower)
    same = config[1:] == config[:-1]
    tie = np.r_[False, same & (rate[1:] == rate[:-1])]  # row i ties with row i - 1
    at = np.arange(len(keep))
    first = np.maximum.accumulate(np.where(tie, 0, at))  # the first row of each row's tie
    last = np.minimum.accumulate(np.where(np.r_[tie[1:], False], len(keep), at)[::-1])[::-1]  # and its last
    above, below = np.maximum(first[chosen] - 1, 0), np.minimum(last[chosen] + 1, len(keep) - 1)
    has_above = (first[chosen] > 0) & (config[above] == config[chosen])
    has_below = (last[chosen] < len(keep) - 1) & (config[below] == config[chosen])
    names = agg["env"].astype(object).to_numpy()[keep]
    kinds = agg["device_kind"].astype(object).to_numpy()[keep]

    def name(at: np.ndarray, present: np.ndarray) -> np.ndarray:
        out = np.full(len(at), None, dtype=object)
        for k in np.flatnonzero(present):  # a few rows per env: strings for those only
            j = at[k]
            out[k] = f"{names[j]} ({kinds[j]})" if twice[j] else str(names[j])
        return out
    return (name(above, has_above), np.where(has_above, rate[above], np.nan),
            name(below, has_below), np.where(has_below, rate[below], np.nan))


def _value(rate: float, unit: str) -> str:
    """A rate as text reads it everywhere (record.rate_shown): unit is the site's "<rate_unit>/s"."""
    if rate != rate:
        return ""
    rate, shown = rate_shown(rate, unit.removesuffix("/s"))
    text = f"{rate:,.0f}" if abs(rate) >= 1000 else f"{rate:.3g}"
    return f"{text} {shown}"


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
