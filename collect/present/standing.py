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


def standings(agg: pd.DataFrame, units: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per (env, device kind) and shared configuration (COLUMNS): rate (its median), slower (other envs
    with a lower rate), others (other envs sharing it), the nearest faster and slower env and their rates.
    An env with several device kinds in one configuration is named "env (kind)" there. units: workload -> unit of
    its rates (site.tables.units); "samples/s" where missing."""
    if agg.empty:
        return pd.DataFrame(columns=COLUMNS)
    # a language model's prompt and context lengths are part of its configuration (empty for every other workload)
    shared = SHARED + [name for name in ("seq_len", "context_len") if name in agg.columns]
    best = agg.sort_values("rate", ascending=False, kind="stable").drop_duplicates([*shared, "env", "device_kind"])
    best = best[best["rate"].notna()]
    groups = best.groupby(shared, sort=False, observed=True, dropna=False)
    best = best[groups["env"].transform("size") > 1]
    if best.empty:
        return pd.DataFrame(columns=COLUMNS)
    best = best.sort_values([*shared, "rate"], ascending=[True] * len(shared) + [False], kind="stable")
    groups = best.groupby(shared, sort=False, observed=True, dropna=False)
    kinds = best.groupby([*shared, "env"], sort=False, observed=True, dropna=False)["device_kind"].transform("size")
    name = best["env"].where(kinds == 1, best["env"] + " (" + best["device_kind"] + ")")
    out = best[["env", "device_kind", *shared, "rate"]].copy()
    out["unit"] = out["workload"].astype(str).map(lambda workload: (units or {}).get(workload, "samples/s"))
    out["slower"] = (groups["rate"].rank(method="min", ascending=True) - 1).astype(int)
    out["others"] = groups["env"].transform("size").astype(int) - 1
    named = best.assign(name=name)
    by = named.groupby(shared, sort=False, observed=True, dropna=False)
    out["above_env"], out["above_rate"] = by["name"].shift(1), by["rate"].shift(1)
    out["below_env"], out["below_rate"] = by["name"].shift(-1), by["rate"].shift(-1)
    return out.reset_index(drop=True)


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
            f"configurations, the most shared first; up to {envs} other envs each):")
    lines = [head]
    for row in shown.itertuples(index=False):
        parts = [f"  {label(row)}: {_value(row.rate, row.unit)}", f"faster than {row.slower} of {row.others}"]
        if isinstance(row.above_env, str):
            parts.append(f"above: {row.above_env} {_value(row.above_rate, row.unit)}")
        if isinstance(row.below_env, str):
            parts.append(f"below: {row.below_env} {_value(row.below_rate, row.unit)}")
        lines.append(" · ".join(parts))
    return lines
