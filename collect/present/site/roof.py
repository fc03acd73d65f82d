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
    points = roofline.points(agg) if not agg.empty else pd.DataFrame(
        columns=[*roofline.ENV_KEYS, "model", "mode", "precision", "batch_size", "workload", "framework", "intensity", "tflops"])
    # grouped once (never filtered per env: 10,000 envs with roofs must cost one pass), as plain lists
    points = points.assign(env=points["env"].astype(str), device_kind=points["device_kind"].astype(str))
    points = points[points.groupby(roofline.ENV_KEYS, sort=False).cumcount() < POINTS]  # best TFLOP/s first already
    points = points.sort_values(roofline.ENV_KEYS, kind="stable")  # stable: each env's best first still
    label = (points["model"].astype(str) + " " + points["mode"].astype(str) + " " + points["precision"].astype(str)
             + " bs" + points["batch_size"].astype(str))
    rows = list(zip(label.tolist(), points["workload"].astype(str).tolist(), points["framework"].astype(str).tolist(),
                    [_number(v) for v in points["intensity"].tolist()], [_number(v) for v in points["tflops"].tolist()],
                    strict=True))
    keys = list(zip(points["env"].tolist(), points["device_kind"].tolist(), strict=True))
    by_points: dict[tuple, list] = {}
    for key, row in zip(keys, rows, strict=True):
        by_points.setdefault(key, []).append(list(row))
    by_compute: dict[tuple, list] = {}
    for env, kind, precision, peak in found.compute[[*roofline.ENV_KEYS, "precision", "peak_tflops"]].itertuples(index=False):
        by_compute.setdefault((str(env), str(kind)), []).append([str(precision), _number(peak)])
    gbps = dict(zip(map(tuple, found.bandwidth[roofline.ENV_KEYS].to_numpy().tolist()), found.bandwidth["peak_gbps"], strict=True))
    out: dict[str, list[dict]] = {}
    for env, kind in sorted(with_roof):
        out.setdefault(env, []).append({"kind": kind, "compute": by_compute.get((env, kind), []),
                                        "gbps": _number(gbps[(env, kind)]) if (env, kind) in gbps else None,
                                        "points": by_points.get((env, kind), [])})
    return out
