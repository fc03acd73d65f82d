"""The roofline of each env's page: its measured roofs and where its configurations sit under them.

The same numbers as figures/roofline.png (collect.present.roofline): per device kind, the compute roof of each
precision (best matmul TFLOP/s), the bandwidth roof (best membw GB/s), and the configurations whose FLOPs and bytes
are known, at their arithmetic intensity. Only envs with a roof get one, and at most POINTS points each (the best
TFLOP/s first), so the env shards stay bounded however many configurations an env has.
"""

from __future__ import annotations

import math

import pandas as pd

from collect.present import roofline
from collect.present.summary import Summary

POINTS = 60


def _number(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def env_roofs(summary: Summary) -> dict[str, list[dict]]:
    """env -> one entry per device kind with a roof: {kind, compute: [[precision, TFLOP/s]], gbps, points:
    [[label, workload, framework, FLOP/byte, TFLOP/s]]}. {} where no env has a matmul or membw row."""
    found = summary.roofs or roofline.roofs(summary.agg)
    if found.compute.empty and found.bandwidth.empty:
        return {}
    sides = pd.concat([found.compute[roofline.ENV_KEYS], found.bandwidth[roofline.ENV_KEYS]]).drop_duplicates()
    with_roof = set(map(tuple, sides.to_numpy().tolist()))
    agg = summary.agg[summary.agg["env"].astype(str).isin({env for env, _ in with_roof})]
    points = roofline.points(agg) if not agg.empty else pd.DataFrame(columns=[*roofline.ENV_KEYS, "tflops"])
    # grouped once (never filtered per env: 10,000 envs with roofs must cost one pass)
    points = points.assign(env=points["env"].astype(str), device_kind=points["device_kind"].astype(str))
    points = points[points.groupby(roofline.ENV_KEYS, sort=False).cumcount() < POINTS]  # best TFLOP/s first already
    by_points = dict(iter(points.groupby(roofline.ENV_KEYS, sort=False)))
    by_compute = dict(iter(found.compute.groupby(roofline.ENV_KEYS, sort=False)))
    gbps = dict(zip(map(tuple, found.bandwidth[roofline.ENV_KEYS].to_numpy().tolist()), found.bandwidth["peak_gbps"], strict=True))
    out: dict[str, list[dict]] = {}
    empty = pd.DataFrame(columns=["precision", "peak_tflops"])
    for env, kind in sorted(with_roof):
        compute, mine = by_compute.get((env, kind), empty), by_points.get((env, kind))
        out.setdefault(env, []).append({
            "kind": kind,
            "compute": [[str(p), _number(t)] for p, t in zip(compute["precision"], compute["peak_tflops"], strict=True)],
            "gbps": _number(gbps[(env, kind)]) if (env, kind) in gbps else None,
            "points": [] if mine is None else [
                [f"{r.model} {r.mode} {r.precision} bs{r.batch_size}", str(r.workload), str(r.framework), _number(r.intensity),
                 _number(r.tflops)] for r in mine.itertuples(index=False)],
        })
    return out
