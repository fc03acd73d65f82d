"""Aggregate repeat rows into one line per configuration: median, range and count.

Shared by the charts and results.md so both show the same numbers.
"""

from __future__ import annotations

import re

import pandas as pd

CONFIG = ["env", "framework", "device_kind", "device_name", "source", "workload", "model",
          "mode", "precision", "batch_size", "world_size"]
INTS = ("batch_size", "world_size")
KIND_SUFFIX = re.compile(r"[-_.](cpu|cuda|mps|gpu)$")


def ok_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with status ok, configuration columns as plain str (batch_size as int)."""
    rows = frame[frame["status"] == "ok"].copy()
    for name in CONFIG:
        rows[name] = rows[name].fillna(1).astype(int) if name in INTS else rows[name].astype(str)
    return rows


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration with samples_per_s median/min/max, step_ms median and n."""
    if not (frame["status"] == "ok").any():
        return pd.DataFrame(columns=CONFIG + ["rate", "rate_min", "rate_max", "step_ms", "tflops", "n"])
    # Group the whole frame on its categorical columns (no copy of a million rows), status included,
    # then keep the ok groups; only the aggregated result is converted.
    grouped = frame.groupby(["status", *CONFIG], observed=True, sort=False)
    out = grouped.agg(rate=("samples_per_s", "median"), rate_min=("samples_per_s", "min"),
                      rate_max=("samples_per_s", "max"), step_ms=("step_ms_median", "median"),
                      tflops=("tflops", "median"),
                      n=("samples_per_s", "size")).reset_index()
    out = out[out["status"] == "ok"].drop(columns="status").reset_index(drop=True)
    for name in CONFIG:
        out[name] = out[name].astype(int) if name in INTS else out[name].astype(str)
    return out


def best_per_model(agg: pd.DataFrame) -> pd.DataFrame:
    """For each env/framework/model/mode keep the fastest batch size and precision."""
    if agg.empty:
        return agg
    keys = ["env", "framework", "device_kind", "source", "workload", "model", "mode", "world_size"]
    best = agg.sort_values("rate", ascending=False).drop_duplicates(keys)
    return best.reset_index(drop=True)


def speedups(agg: pd.DataFrame) -> pd.DataFrame:
    """Accelerator rate / CPU rate for the same machine, framework, model, mode, precision, batch."""
    if agg.empty:
        return pd.DataFrame()
    # The machine is the env without its device suffix: 'apple-m1-mps' and 'apple-m1-cpu' are one machine.
    agg = agg.assign(machine=agg["env"].str.replace(KIND_SUFFIX.pattern, "", regex=True))
    keys = ["machine", "framework", "workload", "model", "mode", "precision", "batch_size", "world_size"]
    cpu = agg[agg["device_kind"] == "cpu"][keys + ["rate", "env"]]
    accel = agg[~agg["device_kind"].isin(["cpu", "unknown"])][keys + ["rate", "env", "device_kind"]]
    pairs = accel.merge(cpu, on=keys, suffixes=("", "_cpu"))
    pairs["speedup"] = pairs["rate"] / pairs["rate_cpu"]
    return pairs.sort_values(["machine", "model", "mode", "batch_size"]).reset_index(drop=True)


def scaling(agg: pd.DataFrame) -> pd.DataFrame:
    """Training rate by device count, with efficiency = rate(N) / (N x rate(1)) against the
    single-device rate of the same env, framework, model, precision and per-device batch."""
    train = agg[agg["mode"] == "train"] if not agg.empty else agg
    keys = ["env", "framework", "model", "precision", "batch_size"]
    multi = train[train["world_size"] > 1]
    if multi.empty:
        return pd.DataFrame()
    single = train[train["world_size"] == 1][keys + ["rate"]].rename(columns={"rate": "rate_1"})
    out = train[train.set_index(keys).index.isin(multi.set_index(keys).index)].merge(single, on=keys, how="left")
    out["ideal"] = out["world_size"] * out["rate_1"]
    out["efficiency"] = out["rate"] / out["ideal"]
    return out.sort_values(keys + ["world_size"]).reset_index(drop=True)
