"""The overview page's data: the headline figure's panels (collect.present.headline.panels, the same rows
results.png draws), as records the page draws with plotly.

Each record carries what a hover shows: env, device, framework, batch size, precision, median, range and
the number of rows behind it. Panels are bounded as results.png is (the leaderboards list every row).
"""

from __future__ import annotations

import pandas as pd

from collect.present.headline import panels
from collect.present.site.encode import round_sig
from collect.present.summary import Summary

BAR_FIELDS = ("env", "device_name", "device_kind", "framework", "model", "mode", "precision", "backend", "source", "protocol")
FLAG_KEYS = ["env", "framework", "device_kind", "source", "protocol", "model", "mode", "precision", "batch_size", "world_size",
             "backend"]


def _num(value) -> float | None:
    value = float(value)
    return None if value != value else float(round_sig([value])[0])


def _caveats(site: pd.DataFrame | None) -> dict[tuple, tuple[int, str]]:
    """FLAG_KEYS values -> (flag bits, note) of each flagged configuration over its pooled versions (the headline
    pools them too); bars are few, so a plain lookup."""
    if site is None or site.empty or "flags" not in site:
        return {}
    part = site[(site["flags"] > 0) & (site["pool"] != 1)] if "pool" in site else site[site["flags"] > 0]
    notes = part["note"].astype(str) if "note" in part else pd.Series("", index=part.index)
    keys = zip(*(part[k].astype(int) if k in ("batch_size", "world_size") else part[k].astype(str) if k in part
                 else pd.Series("", index=part.index) for k in FLAG_KEYS), strict=True)
    return {key: (int(bits), note) for key, bits, note in zip(keys, part["flags"], notes, strict=True)}


def _bars(rows: pd.DataFrame, counts: pd.DataFrame, unit: str, caveats: dict[tuple, tuple[int, str]]) -> list[dict]:
    """Records of a bar panel: the ranked bars, then the references (other protocols: `reference`, with `detail` naming
    where they come from). A matmul bar names its matrix size (`dim`; older panels: `n`, with the count from `counts`).
    Each with its caveats where it has any (flags, why)."""
    matmul = unit == "TFLOP/s"
    if matmul and "dim" in rows:
        rows = rows.assign(size=rows["dim"])
    elif matmul:
        keys = ["env", "framework", "device_kind", "source", "model", "mode", "precision", "batch_size", "world_size", "backend"]
        rows = rows.rename(columns={"n": "size"}).merge(counts[[*keys, "n"]], on=keys, how="left").fillna({"n": 1})
    out = []
    for r in rows.to_dict("records"):
        record = {name: str(r.get(name, "")) for name in BAR_FIELDS}
        record.update(batch=int(r["batch_size"]), devices=int(r["world_size"]), n=int(r["n"]), rate=_num(r["rate"]),
                      lo=_num(r["rate_min"]), hi=_num(r["rate_max"]))
        if matmul:
            record["size"] = int(r["size"])
        if r.get("reference", False):
            record.update(reference=True, detail=str(r.get("detail", "")))
        key = tuple(int(r[k]) if k in ("batch_size", "world_size") else str(r.get(k, "")) for k in FLAG_KEYS)
        if key in caveats:
            record["flags"], record["why"] = caveats[key]
        out.append(record)
    return out


LINE_KEYS = ["env", "framework", "model", "batch_size"]  # what an MLP point names of its configuration


def _line_caveats(site: pd.DataFrame | None) -> dict[tuple, tuple[int, str]]:
    """(env, framework, model, batch) -> the flags and notes of the MLP training lines it stands for (OR of bits)."""
    if site is None or site.empty or "flags" not in site:
        return {}
    part = site[(site["flags"] > 0) & (site["mode"].astype(str) == "train") & (site["workload"].astype(str) == "mlp")]
    out: dict[tuple, tuple[int, str]] = {}
    for env, framework, model, batch, bits, note in zip(*(part[k] for k in [*LINE_KEYS, "flags", "note"]), strict=True):
        key = (str(env), str(framework), str(model), int(batch))
        old_bits, old_note = out.get(key, (0, ""))
        out[key] = (old_bits | int(bits), "; ".join(n for n in (old_note, str(note)) if n))
    return out


def _lines(rows: pd.DataFrame, caveats: dict[tuple, tuple[int, str]]) -> list[dict]:
    """Records of the classic-MLP panel: one point per env, line style and depth (seconds per epoch), each with its
    caveats where it has any."""
    out = []
    for r in rows.to_dict("records"):
        record = {"env": str(r["env"]), "framework": str(r["framework"]), "style": str(r["style"]), "batch": int(r["batch_size"]),
                  "depth": int(r["depth"]), "rate": _num(r["epoch_s"]), "lo": _num(r["epoch_min"]), "hi": _num(r["epoch_max"]),
                  "n": int(r["n"]), "precision": "fp32"}
        key = (record["env"], record["framework"], f"mlp-d{record['depth']}-w1024", record["batch"])
        if key in caveats:
            record["flags"], record["why"] = caveats[key]
        out.append(record)
    return out


def overview(summary: Summary, site: pd.DataFrame | None = None) -> dict:
    """{"panels": [...]}: each panel's kind, title, unit, how many items it has and shows, and its records.
    site: the site's lines (data.build), whose caveats the bars carry."""
    out, caveats = [], _caveats(site)
    for kind, rows, title, unit in panels(summary):
        if kind == "score":  # the overview draws the score from its own data (extras.overview_scores), per framework
            continue
        if kind == "mlp":
            total = rows.attrs.get("total_envs", rows["env"].nunique())
            out.append({"kind": "lines", "title": "Classic MLP: training time per epoch (50,000 samples; lower is better)",
                        "unit": "seconds per epoch", "lower": True, "total": int(total), "shown": int(rows["env"].nunique()),
                        "what": "envs", "rows": _lines(rows, _line_caveats(site))})
        else:
            refs = int(rows["reference"].sum()) if "reference" in rows else 0
            total = rows.attrs.get("total_bars", len(rows) - refs)
            out.append({"kind": "bars", "title": title, "unit": unit, "lower": False, "total": int(total),
                        "shown": len(rows) - refs, "what": "bars", "refs": refs, "total_refs": int(rows.attrs.get("total_refs", refs)),
                        "rows": _bars(rows, summary.agg, unit, caveats)})
    return {"panels": out}
