"""Aggregate repeat rows into one line per configuration: median, range and count.

Shared by the charts and results.md so both show the same numbers.
"""

from __future__ import annotations

import re

import pandas as pd

CONFIG = ["env", "framework", "device_kind", "device_name", "source", "workload", "model",
          "mode", "precision", "batch_size"]
KIND_SUFFIX = re.compile(r"[-_.](cpu|cuda|mps|gpu)$")


def ok_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with status ok, configuration columns as plain str (batch_size as int)."""
    rows = frame[frame["status"] == "ok"].copy()
    for name in CONFIG:
        rows[name] = rows[name].astype(int) if name == "batch_size" else rows[name].astype(str)
    return rows


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration with samples_per_s median/min/max, step_ms median and n."""
    rows = frame[frame["status"] == "ok"]
    if rows.empty:
        return pd.DataFrame(columns=CONFIG + ["rate", "rate_min", "rate_max", "step_ms", "tflops", "n"])
    # Group on the categorical columns as they are (fast), convert only the aggregated result.
    grouped = rows.groupby(CONFIG, observed=True, sort=False)
    out = grouped.agg(rate=("samples_per_s", "median"), rate_min=("samples_per_s", "min"),
                      rate_max=("samples_per_s", "max"), step_ms=("step_ms_median", "median"),
                      tflops=("tflops", "median"),
                      n=("samples_per_s", "size")).reset_index()
    for name in CONFIG:
        out[name] = out[name].astype(int) if name == "batch_size" else out[name].astype(str)
    return out


def best_per_model(agg: pd.DataFrame) -> pd.DataFrame:
    """For each env/framework/model/mode keep the fastest batch size and precision."""
    if agg.empty:
        return agg
    keys = ["env", "framework", "device_kind", "source", "workload", "model", "mode"]
    best = agg.sort_values("rate", ascending=False).drop_duplicates(keys)
    return best.reset_index(drop=True)


def machine(env: str) -> str:
    """An env name without its device suffix: 'apple-m1-mps' and 'apple-m1-cpu' are one machine."""
    return KIND_SUFFIX.sub("", env)


def speedups(agg: pd.DataFrame) -> pd.DataFrame:
    """Accelerator rate / CPU rate for the same machine, framework, model, mode, precision, batch."""
    if agg.empty:
        return pd.DataFrame()
    agg = agg.assign(machine=agg["env"].map(machine))
    keys = ["machine", "framework", "workload", "model", "mode", "precision", "batch_size"]
    cpu = agg[agg["device_kind"] == "cpu"][keys + ["rate", "env"]]
    accel = agg[~agg["device_kind"].isin(["cpu", "unknown"])][keys + ["rate", "env", "device_kind"]]
    pairs = accel.merge(cpu, on=keys, suffixes=("", "_cpu"))
    pairs["speedup"] = pairs["rate"] / pairs["rate_cpu"]
    return pairs.sort_values(["machine", "model", "mode", "batch_size"]).reset_index(drop=True)
