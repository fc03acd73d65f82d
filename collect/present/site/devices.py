"""The device pages' data (data/devs-<k>.js): every submission of one physical device, across envs and spellings.

A device is a device identity (collect.contract.identity): "NVIDIA GeForce RTX 3090" and "RTX 3090" are one, and a CPU
whose name hides its generation gets it ("EPYC (Zen 3, AVX2)" and "EPYC (Zen 5, AVX-512)" are two). For each
configuration (device kind, framework, source, protocol, workload, model, mode, precision, batch, devices, backend) and
framework major.minor, a device page shows n (trial rows), how many envs, median, quartiles and range, and every
row as a point of a strip plot, coloured by version.

    stats   one line per device, configuration and version (pool codes as stats.site_agg's); left out for a
            device whose rows are one env's under one spelling: that env's own lines (data/envs-<k>.js) are the
            same figures, and the page reads them there instead of the site holding them twice
    groups  the configurations whose points are drawn: each device's POINT_CONFIGS with the most rows
    points  their rows' samples/s, TFLOP/s (a matmul's points are drawn in it, as the boards rank it) and env, in group order; at most POINTS a group (evenly spread over the sorted
            values, so the extremes stay), `total` saying how many there were

Devices are packed into shards as envs are (data.shard_of): a page loads one file however many devices there are.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.present.site import encode
from collect.present.site.stats import group_codes, grouped_apart, ok_part

DEV = ["device", "device_kind", "framework", "source", "protocol", "workload", "model", "mode", "precision", "batch_size",
       "world_size", "backend"]
DEV_TEXT = {"device": "dkey", "device_kind": "kind", "framework": "framework", "source": "source", "workload": "workload",
            "model": "model", "mode": "mode", "precision": "precision", "version": "version", "protocol": "protocol"}
STAT_FIGURES = ("rate", "rate_min", "rate_max", "q1", "q3", "tflops", "peak")  # tflops: matmul reads in it
POINT_CONFIGS = 8
POINTS = 300
SHARD_ROWS = 4000  # stats lines and points per device shard (a device with more has a shard of its own)
SHARD_DEVICES = 200
NAMES = 12  # spellings and envs listed per device (the counts say how many there are)


def facts(part: pd.DataFrame) -> pd.DataFrame:
    """One row per device key, sorted: rows, envs, spellings and their lists (up to NAMES each), and whether the
    device's rows are one env's under one spelling (`single`: its page reads that env's lines)."""
    by = part.groupby("device", observed=True, sort=True)
    out = pd.DataFrame({"rows": by.size(), "envs": by["env"].nunique(), "names": by["device_name"].nunique()})
    out.index = out.index.astype(str)
    out["single"] = (out["envs"] == 1) & (out["names"] == 1)
    for column, target in (("env", "env_list"), ("device_name", "name_list")):
        pairs = part[["device", column]].drop_duplicates()
        pairs = pairs[(pairs.groupby("device", observed=True).cumcount() < NAMES).to_numpy()]
        listed: dict[str, list[str]] = {}
        for device, value in zip(pairs["device"].astype(str).tolist(), pairs[column].astype(str).tolist(), strict=True):
            listed.setdefault(device, []).append(value)
        out[target] = [listed.get(d, []) for d in out.index]
    return out


def points(part: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(groups, points): the POINT_CONFIGS configurations of each device with the most rows, per version; their
    rows' samples/s and env, sorted by value within each group, at most POINTS a group."""
    config = group_codes(part, DEV)
    sizes = np.bincount(config)
    firsts = np.unique(config, return_index=True)[1]
    head = pd.DataFrame({"device": part["device"].to_numpy()[firsts].astype(str), "config": np.arange(len(sizes)),
                         "rows": sizes})
    head = head.sort_values(["device", "rows"], ascending=[True, False], kind="stable")
    chosen = head[head.groupby("device", sort=False).cumcount() < POINT_CONFIGS]["config"].to_numpy()
    take = np.isin(config, chosen)
    sub = part[take].assign(_config=config[take])
    sub = sub.assign(_version=sub["version"].cat.codes).sort_values(["device", "_config", "_version", "samples_per_s"],
                                                                      kind="stable")
    key = sub["_config"].to_numpy() * (len(part["version"].cat.categories) + 1) + sub["_version"].to_numpy() + 1
    starts = np.flatnonzero(np.r_[True, key[1:] != key[:-1]])
    stops = np.r_[starts[1:], len(key)]
    keep = np.concatenate([np.arange(a, b) if b - a <= POINTS else np.linspace(a, b - 1, POINTS).round().astype(np.int64)
                           for a, b in zip(starts.tolist(), stops.tolist(), strict=True)] or [np.zeros(0, dtype=np.int64)])
    groups = sub.iloc[starts][[*DEV, "version"]].reset_index(drop=True)
    groups["total"] = stops - starts
    groups["count"] = np.minimum(stops - starts, POINTS)
    shown = ["device", "env", "samples_per_s", *(["tflops"] if "tflops" in sub else [])]
    return groups, sub.iloc[keep][shown].reset_index(drop=True)


KEYS = [*DEV, "env", "device_name"]  # the columns of stats.ok_part the device pages group by


def build(frame: pd.DataFrame, book: encode.Dictionary, files: dict[str, str], scores: dict[str, list] | None = None,
          part: pd.DataFrame | None = None) -> pd.DataFrame:
    """Write every device shard into `files` (data file name -> text); returns the devices' facts with their shard.
    scores: device key -> its score lines (extras.device_score_lines), shown on its page; part: ok_part(frame, ...)
    with at least KEYS' columns, when the caller has it."""
    part = ok_part(frame, KEYS) if part is None else part
    if part.empty:
        return pd.DataFrame(columns=["rows", "envs", "names", "single", "shard"])
    info = facts(part)
    # a device whose rows are one env's under one spelling reads that env's lines: only the others are grouped here
    several = part["device"].astype(str).isin(set(info.index[~info["single"]])).to_numpy(dtype=bool)
    stats = grouped_apart(part[several].reset_index(drop=True), DEV, envs=True)
    single = stats["n"] <= 1
    stats = stats.assign(**{c: stats[c].mask(single) for c in ("rate_min", "rate_max")})
    groups, pts = points(part)
    weight = stats["device"].value_counts().reindex(info.index, fill_value=0) + pts["device"].value_counts().reindex(
        info.index, fill_value=0)
    info["shard"] = _shards(weight.to_numpy())
    _write(info, stats, groups, pts, book, files, scores or {})
    return info


def _shards(weights: np.ndarray) -> np.ndarray:
    shard, size, count, out = 0, 0, 0, []
    for weight in weights.tolist():
        if count and (size + weight > SHARD_ROWS or count >= SHARD_DEVICES):
            shard, size, count = shard + 1, 0, 0
        out.append(shard)
        size, count = size + weight, count + 1
    return np.asarray(out, dtype=np.int64)


def _slices(device: pd.Series, shard_of: dict[str, int]) -> dict[int, slice]:
    """shard -> the slice of a table sorted by device that its devices' rows fill."""
    shard = device.astype(str).map(shard_of).to_numpy()
    out = {}
    if len(shard):
        starts = np.flatnonzero(np.r_[True, shard[1:] != shard[:-1]])
        for a, b in zip(starts.tolist(), np.r_[starts[1:], len(shard)].tolist(), strict=True):
            out[int(shard[a])] = slice(a, b)
    return out


def _write(info, stats, groups, pts, book, files, scores) -> None:
    shard_of = dict(zip(info.index, info["shard"].tolist(), strict=True))
    stats = stats.assign(_s=stats["device"].map(shard_of)).sort_values(["_s", "device", "pool"], kind="stable")
    tables = {
        "stats": (stats, encode.columns(stats, book, DEV_TEXT | {"backend": "backend"}, ("batch_size", "world_size", "n", "envs",
                                                                                        "pool", "flags"), STAT_FIGURES)),
        "groups": (groups, encode.columns(groups, book, DEV_TEXT | {"backend": "backend"}, ("batch_size", "world_size", "total",
                                                                                           "count"))),
        "points": (pts, encode.columns(pts, book, {"env": "env"}, (), tuple(c for c in ("samples_per_s", "tflops") if c in pts))),
    }
    cuts = {name: _slices(table["device"], shard_of) for name, (table, _cols) in tables.items()}
    for number, names in info.groupby("shard", sort=True).groups.items():
        body = []
        for name, (_table, cols) in tables.items():
            if int(number) in cuts[name]:
                body.append(f'"{name}":{encode.table(cols, cuts[name][int(number)])}')
        part = info.loc[names]
        meta = {d: {"envs": e, "names": m, "n_envs": int(ne), "n_names": int(nn), "single": bool(one), "score": scores.get(d, [])}
                for d, e, m, ne, nn, one in zip(part.index, part["env_list"], part["name_list"], part["envs"], part["names"],
                                                part["single"], strict=True)}
        body.append(f'"devices":{encode.safe_json(meta)}')
        files[f"devs-{int(number)}.js"] = encode.script(f"devs/{int(number)}", "{" + ",".join(body) + "}")

