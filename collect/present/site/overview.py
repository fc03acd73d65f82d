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

BAR_FIELDS = ("env", "device_name", "device_kind", "framework", "model", "mode", "precision", "backend", "source")


def _num(value) -> float | None:
    value = float(value)
    return None if value != value else float(round_sig([value])[0])


def _bars(rows: pd.DataFrame, counts: pd.DataFrame, unit: str) -> list[dict]:
    """Records of a bar panel. matmul rows use `n` for the matrix size: their count comes from `counts`."""
    matmul = unit == "TFLOP/s"
    if matmul:
        keys = ["env", "framework", "device_kind", "source", "model", "mode", "precision", "batch_size", "world_size", "backend"]
        rows = rows.rename(columns={"n": "size"}).merge(counts[[*keys, "n"]], on=keys, how="left").fillna({"n": 1})
    out = []
    for r in rows.to_dict("records"):
        record = {name: str(r.get(name, "")) for name in BAR_FIELDS}
        record.update(batch=int(r["batch_size"]), devices=int(r["world_size"]), n=int(r["n"]), rate=_num(r["rate"]),
                      lo=_num(r["rate_min"]), hi=_num(r["rate_max"]))
        if matmul:
            record["size"] = int(r["size"])
        out.append(record)
    return out


def _lines(rows: pd.DataFrame) -> list[dict]:
    """Records of the classic-MLP panel: one point per env, line style and depth (seconds per epoch)."""
    return [{"env": str(r["env"]), "framework": str(r["framework"]), "style": str(r["style"]), "batch": int(r["batch_size"]),
             "depth": int(r["depth"]), "rate": _num(r["epoch_s"]), "lo": _num(r["epoch_min"]), "hi": _num(r["epoch_max"]),
             "n": int(r["n"]), "precision": "fp32"} for r in rows.to_dict("records")]


def overview(summary: Summary) -> dict:
    """{"panels": [...]}: each panel's kind, title, unit, how many items it has and shows, and its records."""
    out = []
    for kind, rows, title, unit in panels(summary):
        if kind == "mlp":
            total = rows.attrs.get("total_envs", rows["env"].nunique())
            out.append({"kind": "lines", "title": "Classic MLP: training time per epoch (50,000 samples; lower is better)",
                        "unit": "seconds per epoch", "lower": True, "total": int(total), "shown": int(rows["env"].nunique()),
                        "what": "envs", "rows": _lines(rows)})
        else:
            total = rows.attrs.get("total_bars", len(rows))
            out.append({"kind": "bars", "title": title, "unit": unit, "lower": False, "total": int(total),
                        "shown": len(rows), "what": "bars", "rows": _bars(rows, summary.agg, unit)})
    return {"panels": out}
