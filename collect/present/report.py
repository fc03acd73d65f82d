"""results.md: a leaderboard per workload, then the scaling, backend, energy and speedup-vs-CPU tables, safe to render.

Cells come from contributors' files, so text is escaped for markdown/HTML and cells
that a spreadsheet would run as a formula (=, +, -, @) are made inert. Tables are
built column-wise (vectorised): a 10,000-file dataset renders in about a second.
"""

from __future__ import annotations

import pandas as pd

from collect.present.summary import Summary, best_per_model

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " "))


def cells(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    for old, new in _ESCAPES:
        text = text.str.replace(old, new, regex=False)
    return text.where(~text.str[:1].isin(["=", "+", "-", "@"]), "'" + text)


def cell(value) -> str:
    return cells(pd.Series([value])).iloc[0]


def numbers(values: pd.Series) -> pd.Series:
    """3 significant digits below 1000, thousands separators above; empty where not measured."""
    text = ["" if v != v else f"{v:,.3g}" if abs(v) < 1000 else f"{v:,.0f}" for v in values.astype(float).tolist()]
    return pd.Series(text, index=values.index, dtype=str)


def _table(columns: dict[str, pd.Series]) -> list[str]:
    header = list(columns)
    joined = None
    for series in columns.values():
        joined = series if joined is None else joined + " | " + series
    body = ("| " + joined + " |").tolist() if joined is not None and len(joined) else []
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + body


def leaderboard(agg: pd.DataFrame, workload: str) -> list[str]:
    """Each env's fastest batch size and precision per model and mode, fastest first."""
    part = best_per_model(agg[agg["workload"] == workload]).sort_values(["model", "mode", "rate"], ascending=[True, True, False])
    device = part["device_name"].where(part["device_name"] == "", part["device_name"] + " (" + part["device_kind"] + ")")
    device = device.where(part["device_name"] != "", part["device_kind"])
    return _table({
        "model": cells(part["model"]), "mode": cells(part["mode"]), "env": cells(part["env"]),
        "device": cells(device), "framework": cells(part["framework"]), "precision": cells(part["precision"]),
        "batch": part["batch_size"].astype(str), "devices": part["world_size"].astype(str),
        "samples/s": numbers(part["rate"]),
        "median step ms": numbers(part["step_ms"]), "TFLOP/s": numbers(part["tflops"]),
        "n": part["n"].astype(str), "source": cells(part["source"]),
    })


def speedup_table(pairs: pd.DataFrame) -> list[str]:
    return _table({
        "machine": cells(pairs["machine"]), "device": cells(pairs["device_kind"]),
        "framework": cells(pairs["framework"]), "model": cells(pairs["model"]), "mode": cells(pairs["mode"]),
        "precision": cells(pairs["precision"]), "batch": pairs["batch_size"].astype(str),
        "cpu samples/s": numbers(pairs["rate_cpu"]), "samples/s": numbers(pairs["rate"]),
        "speedup": pairs["speedup"].map("{:.2f}x".format),
    })


def scaling_table(table: pd.DataFrame) -> list[str]:
    return _table({
        "env": cells(table["env"]), "framework": cells(table["framework"]), "model": cells(table["model"]),
        "precision": cells(table["precision"]), "batch / device": table["batch_size"].astype(str),
        "devices": table["world_size"].astype(str), "samples/s": numbers(table["rate"]),
        "ideal": numbers(table["ideal"]), "efficiency": numbers(table["efficiency"] * 100).where(table["efficiency"].notna(), "") + "%",
    })


def backend_table(table: pd.DataFrame) -> list[str]:
    return _table({
        "env": cells(table["env"]), "framework": cells(table["framework"]), "model": cells(table["model"]),
        "precision": cells(table["precision"]), "batch": table["batch_size"].astype(str), "backend": cells(table["backend"]),
        "samples/s": numbers(table["rate"]), "vs default": table["speedup"].map(lambda v: "" if v != v else f"{v:.2f}x"),
        "p50 ms": numbers(table["step_ms"]), "p90 ms": numbers(table["p90_ms"]), "p99 ms": numbers(table["p99_ms"]),
        "rel err": table["rel_err"].map(lambda v: "" if v != v else f"{v:.1e}"), "compile s": numbers(table["compile_s"]),
        "n": table["n"].astype(str),
    })


def efficiency_table(table: pd.DataFrame) -> list[str]:
    return _table({
        "env": cells(table["env"]), "framework": cells(table["framework"]), "model": cells(table["model"]),
        "mode": cells(table["mode"]), "precision": cells(table["precision"]), "batch": table["batch_size"].astype(str),
        "backend": cells(table["backend"]), "samples/s": numbers(table["rate"]), "power W": numbers(table["power_w"]),
        "samples/J": numbers(table["samples_per_j"]), "J/sample": table["j_per_sample"].map(lambda v: "" if v != v else f"{v:.3g}"),
        "method": cells(table["method"]), "source": cells(table["source"]),
    })


def render(summary: Summary, subtitle: str) -> str:
    """The whole of results.md from the tables in `summary` (the figures draw the same tables)."""
    agg = summary.agg
    out = ["# devicebench results", "", subtitle, "",
           "Each env's fastest batch size and precision per model and mode; medians over repeat rows, "
           "n = rows behind each figure. Every configuration is in the CSV files. "
           "Generated by `python plot_results.py`; do not edit.", ""]
    for workload in sorted(agg["workload"].unique()):
        out += [f"## {cell(workload)}", ""] + leaderboard(agg, workload) + [""]
    sections = (
        ("Scaling over devices", "Data-parallel training rate against devices; efficiency = rate(N) / (N x rate(1)), "
         "rate(1) the single-device row of the same env, framework, model and per-device batch.",
         summary.scaling, scaling_table),
        ("Backends", "Inference on the same env, model, precision and batch through each backend; `vs default` is "
         "samples/s over the framework's default backend (torch eager, TensorFlow tf_function or xla). Batch-1 rows "
         "time each request alone: p50/p90/p99 are latencies. `rel err`: output against eager.",
         summary.backends, backend_table),
        ("Energy efficiency", "Samples per joule = samples/s over mean power in the timed steps. Methods measure "
         "different things (GPU board, CPU package, a whole-chip estimate): compare rows of one method only. "
         "`not stated`: a published figure whose method its source does not give.",
         summary.efficiency, efficiency_table),
        ("Speedup vs CPU", "Accelerator samples/s over CPU samples/s on the same machine (same env, or envs that "
         "differ only in a -cpu / -cuda / -mps / -gpu suffix).", summary.speedups, speedup_table),
    )
    for title, intro, table, draw in sections:
        if not table.empty:
            out += [f"## {title}", "", intro, ""] + draw(table) + [""]
    return "\n".join(out)
