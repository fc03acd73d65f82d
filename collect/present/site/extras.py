"""What the site shows beside the measured figures: the score (overview bars, each env's and device's lines, the
definition page), prices (samples per dollar), and where each row came from (file, commit, pull request).

Everything here is small: bounded lists and per-env facts, never a line per row.
"""

from __future__ import annotations

import math

import pandas as pd

from collect.contract import record, scoring
from collect.present.score import device_scores
from collect.present.summary import ranked

SCORE_BARS = 60  # envs (and devices) per framework on the overview's score charts, evenly spread over the ranking
SCORE_ROWS = 1000  # env sides (and devices) per framework in the score page's rankings, evenly spread likewise


# What each protocol timed (record.protocol_of's names): a reference's badge says it, beside the ranked rows'. A published
# row's harness name that is not here reads as another harness's published figure.
PROTOCOLS = {
    record.RANKED: "devicebench's steady state: timed steps after warm-up, the device synced, median over trials",
    record.CLASSIC: "the classic model.fit protocol: Keras' fit over whole epochs of 50,000 samples (its input feeding and "
                    "callbacks timed too), the epochs after the first",
    record.LEGACY: "an ancestor of devicebench: the wall time from model build through 3 epochs",
    "published": "a figure another harness published, transcribed: what it timed is in its reference",
}


# What a figure per joule measured, so the site compares energy only within one scope (stats.energy_label's labels):
# "methods": energy_method -> [scope, how]; "scopes": scope -> [short label, what it counts]. A published row's label is
# "<source>:<method>": its power as its source stated it, a scope of its own ("stated").
ENERGY = {
    "methods": {"nvml_energy": ["gpu", "NVML energy counter"], "nvml_power": ["gpu", "NVML power, sampled"],
                "rapl": ["cpu", "RAPL energy counters"], "powermetrics": ["soc", "macOS powermetrics, an estimate"],
                "unstated": ["unstated", "method not recorded"]},
    "scopes": {
        "gpu": ["GPU only", "the GPU device alone, as NVML reads it: the CPU, host memory and the rest of the machine are not counted"],
        "cpu": ["CPU package", "the CPU package as Linux RAPL counts it: no GPU, no memory outside the package, no rest of the machine"],
        "soc": ["Apple SoC package", "the Apple chip's package as macOS powermetrics estimates it: CPU, GPU and memory controller together"],
        "stated": ["as published", "the power the figure's source published, measured as that source did (its reference says how): "
                                   "comparable with nothing measured here, nor with another source's"],
        "unstated": ["method not recorded", "an older row that measured energy without saying how: comparable with no other row"],
    },
}
# Where a figure per dollar's price comes from: plot_results.py --prices (this file by default), read by
# collect.dataset.prices; a row has a price only where the file has a line for its device or its env.
PRICES_FILE = "prices/prices.csv"


def _num(value) -> float | None:
    value = float(value)
    return round(value, 1) if math.isfinite(value) else None


def score_definition(version: str = scoring.CURRENT) -> dict:
    """The set a score version is made of, for the definition page and every score's tooltip; `run_to_run`: how far
    one machine's score moves between runs (scoring.RUN_TO_RUN, a sentence with measured figures), "" where unknown."""
    s = scoring.SETS[version]
    return {"version": s.version, "reference": s.reference, "scale": scoring.SCALE, "defined": s.defined,
            # [key, label, why, models, mode]: the models and mode let a page give the command that adds missing members
            "members": [[m.key, m.label, m.why, list(m.models), m.mode] for m in s.members], "run_to_run": str(getattr(scoring, "RUN_TO_RUN", "") or "")}


def _spread(table: pd.DataFrame, limit: int) -> pd.DataFrame:
    if len(table) <= limit:
        return table
    keep = sorted({round(k * (len(table) - 1) / (limit - 1)) for k in range(limit)})
    return table.iloc[keep]


def frameworks(table: pd.DataFrame) -> list[str]:
    """The frameworks of a score table: torch, tensorflow, then any other by name."""
    present = set(map(str, table["framework"])) if not table.empty else set()
    return [f for f in ("torch", "tensorflow") if f in present] + sorted(present - {"torch", "tensorflow"})


def _env_bars(rows: pd.DataFrame) -> list[dict]:
    return [{"rank": int(r.rank), "env": r.env, "kind": r.device_kind, "device": str(getattr(r, "device", "") or r.device_name), "score": _num(r.score),
             "lo": _num(r.lo), "hi": _num(r.hi), "flags": int(r.flags), "caveats": r.caveats} for r in rows.itertuples()]


def _device_bars(rows: pd.DataFrame) -> list[dict]:
    return [{"rank": int(r.rank), "device": r.device, "score": _num(r.score), "lo": _num(r.lo), "hi": _num(r.hi), "envs": int(r.envs)}
            for r in rows.itertuples()]


def score_rankings(table: pd.DataFrame, limit: int) -> dict:
    """One ranking per framework (each framework's score divides by its own reference: torch and TensorFlow scores
    never share an axis): [{framework, envs: its env sides highest first, total, devices: device medians, total_devices}],
    each list at most `limit` long, evenly spread from the highest; and how many env sides measured only part of the set."""
    devices = device_scores(table) if not table.empty else pd.DataFrame(columns=["framework"])
    out = []
    for framework in frameworks(table):
        envs = table[(table["framework"].astype(str) == framework) & table["score"].notna()]
        envs = envs.sort_values("score", ascending=False, kind="stable")
        envs = envs.assign(rank=range(1, len(envs) + 1))  # the place in the whole ranking, kept where the list is spread
        devs = devices[devices["framework"].astype(str) == framework].sort_values("score", ascending=False, kind="stable")
        devs = devs.assign(rank=range(1, len(devs) + 1))
        out.append({"framework": framework, "envs": _env_bars(_spread(envs, limit)), "total": len(envs),
                    "devices": _device_bars(_spread(devs, limit)), "total_devices": len(devs)})
    partial = int(table["score"].isna().sum()) if not table.empty else 0
    return {"definition": score_definition(), "frameworks": out, "partial": partial}


def overview_scores(table: pd.DataFrame) -> dict:
    """The overview's score panels: per framework, bars per env side and per device (SCORE_BARS of each, evenly spread
    from the highest), and how many env sides measured only part of the set."""
    return score_rankings(table, SCORE_BARS)


def env_scores(table: pd.DataFrame) -> dict[str, list]:
    """env -> [[framework, device kind, score or None, lo, hi, measured, members, caveats, missing], ...]."""
    out: dict[str, list] = {}
    for r in table.itertuples():
        out.setdefault(str(r.env), []).append([r.framework, r.device_kind, _num(r.score), _num(r.lo), _num(r.hi),
                                               int(r.measured), int(r.members), r.caveats, list(r.missing)])
    return out


def device_score_lines(table: pd.DataFrame) -> dict[str, list]:
    """device key -> [[framework, score, lowest env's, highest env's, envs], ...]."""
    devices = device_scores(table) if not table.empty else pd.DataFrame()
    out: dict[str, list] = {}
    for r in devices.itertuples() if not devices.empty else ():
        out.setdefault(str(r.device), []).append([r.framework, _num(r.score), _num(r.lo), _num(r.hi), int(r.envs)])
    return out


def price_payload(prices: list[dict] | None) -> dict:
    """{"device": {key: [usd, source, date, note]}, "env": {env: [usd, per, source, date, note]}}: the last line given
    for each (a newer price below an older one replaces it)."""
    out: dict[str, dict] = {"device": {}, "env": {}}
    for p in prices or []:
        if p.get("env"):
            out["env"][p["env"]] = [p["usd"], p["per"], p["source"], p["date"], p.get("note", "")]
        elif p.get("device"):
            out["device"][p["device"]] = [p["usd"], p["source"], p["date"], p.get("note", "")]
    return out


def provenance_payload(hrefs: dict[str, list[str]], added: dict[str, dict] | None, repository: str | None) -> tuple[dict, dict]:
    """({env: [[href, commit or ""], ...]}, {"git": bool, "repo": url, "commits": {commit: [date, pr, subject]}}):
    each env's files with the commit that added each; added: file name -> {commit, date, subject, pr} (None: the
    site was built without git)."""
    files: dict[str, list] = {}
    commits: dict[str, list] = {}
    for env, links in hrefs.items():
        for href in links:
            name = href.rsplit("/", 1)[-1]
            hit = (added or {}).get(name)
            files.setdefault(env, []).append([href, hit["commit"] if hit else ""])
            if hit:
                commits[hit["commit"]] = [hit["date"], hit["pr"], hit["subject"][:120]]
    return files, {"git": added is not None, "repo": repository or "", "commits": commits}


TRADE_CONFIGS = 12  # configurations offered on the overview's speed-against-efficiency charts
TRADE_POINTS = 300  # envs drawn per configuration, evenly spread over its ranking
_TRADE_KEYS = ["workload", "model", "mode", "framework", "precision", "batch_size", "world_size", "backend"]


def _energy_of(rows: pd.DataFrame) -> list[str]:
    """Each row's energy label ("" where none, or where the rows were built without one)."""
    if "energy" not in rows:
        return [""] * len(rows)
    return ["" if v != v else str(v) for v in rows["energy"].tolist()]


def tradeoffs(site: pd.DataFrame, prices: list[dict] | None) -> list[dict]:
    """The overview's scatter data: for the TRADE_CONFIGS configurations with the most envs whose energy or price is
    known, every such env's [env, device key, figure (rate or tflops), samples per joule, 1 where it is a reference,
    how its energy was measured (stats.energy_label: the page draws one chart per scope, never two scopes together)]."""
    if site.empty:
        return []
    part = site[site["pool"] != 1] if "pool" in site else site  # versions pooled: one point per env
    priced_env = {p["env"] for p in prices or [] if p.get("env")}
    priced_dev = {p["device"] for p in prices or [] if p.get("device")}
    known = part["per_j"].notna() | part["env"].astype(str).isin(priced_env) | part["device"].astype(str).isin(priced_dev)
    part = part[known.to_numpy(dtype=bool)]
    if part.empty:
        return []
    keyed = part.assign(_key=part.groupby(_TRADE_KEYS, sort=False, observed=True).ngroup())
    top = keyed["_key"].value_counts().head(TRADE_CONFIGS).index
    out = []
    for key in top:
        rows = keyed[keyed["_key"] == key].sort_values("rate", ascending=False)
        first = rows.iloc[0]
        rows = _spread(rows, TRADE_POINTS)
        figure = "tflops" if str(first["workload"]) == "matmul" else "rate"
        out.append({"workload": str(first["workload"]), "label": " · ".join(str(first[k]) for k in ("model", "mode", "framework",
                    "precision")) + f" · bs {int(first['batch_size'])} · {first['backend']}",
                    "points": [[str(e), str(d), _num(v), None if pj != pj else float(f"{pj:.4g}"), int(not ok), str(m)]
                               for e, d, v, pj, ok, m in zip(rows["env"], rows["device"], rows[figure], rows["per_j"], ranked(rows),
                                                             _energy_of(rows), strict=True)]})
    return out
