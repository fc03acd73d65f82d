"""Aggregate repeat rows into one line per configuration: median, range and count.

Shared by the charts and results.md so both show the same numbers.
"""

from __future__ import annotations

import re

import pandas as pd

CONFIG = ["env", "framework", "device_kind", "device_name", "source", "workload", "model",
          "mode", "precision", "batch_size", "world_size", "backend", "energy_method"]
# The headline compares machines, so it keeps what each framework runs by default; the backend
# figure and table compare backends on one machine.
HEADLINE_BACKENDS = ("eager", "tf_function", "xla")
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
        return pd.DataFrame(columns=CONFIG + ["rate", "rate_min", "rate_max", "step_ms", "p90_ms", "p99_ms", "compile_s", "tflops",
                                              "rel_err", "power_w", "j_per_sample", "n"])
    # Group the whole frame on its categorical columns (no copy of a million rows), status included,
    # then keep the ok groups; only the aggregated result is converted.
    grouped = frame.groupby(["status", *CONFIG], observed=True, sort=False)
    out = grouped.agg(rate=("samples_per_s", "median"), rate_min=("samples_per_s", "min"),
                      rate_max=("samples_per_s", "max"), step_ms=("step_ms_median", "median"),
                      p90_ms=("step_ms_p90", "median"), p99_ms=("step_ms_p99", "median"),
                      compile_s=("compile_s", "median"),
                      tflops=("tflops", "median"), rel_err=("rel_err", "max"), power_w=("power_w", "median"),
                      j_per_sample=("energy_j_per_sample", "median"),
                      n=("samples_per_s", "size")).reset_index()
    out = out[out["status"] == "ok"].drop(columns="status").reset_index(drop=True)
    for name in CONFIG:
        out[name] = out[name].astype(int) if name in INTS else out[name].astype(str)
    return out


def headline(agg: pd.DataFrame) -> pd.DataFrame:
    return agg[agg["backend"].isin(HEADLINE_BACKENDS)] if not agg.empty else agg


def best_per_model(agg: pd.DataFrame) -> pd.DataFrame:
    """For each env/framework/model/mode keep the fastest batch size and precision (headline backends)."""
    agg = headline(agg)
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
    keys = ["machine", "framework", "workload", "model", "mode", "precision", "batch_size", "world_size", "backend"]
    cpu = agg[agg["device_kind"] == "cpu"][keys + ["rate", "env"]]
    accel = agg[~agg["device_kind"].isin(["cpu", "unknown"])][keys + ["rate", "env", "device_kind"]]
    pairs = accel.merge(cpu, on=keys, suffixes=("", "_cpu"))
    pairs["speedup"] = pairs["rate"] / pairs["rate_cpu"]
    return pairs.sort_values(["machine", "model", "mode", "batch_size"]).reset_index(drop=True)


def scaling(agg: pd.DataFrame) -> pd.DataFrame:
    """Training rate by device count, with efficiency = rate(N) / (N x rate(1)) against the
    single-device rate of the same env, framework, model, precision and per-device batch."""
    train = agg[agg["mode"] == "train"] if not agg.empty else agg
    keys = ["env", "framework", "model", "precision", "batch_size", "backend"]
    multi = train[train["world_size"] > 1]
    if multi.empty:
        return pd.DataFrame()
    single = train[train["world_size"] == 1][keys + ["rate"]].rename(columns={"rate": "rate_1"})
    out = train[train.set_index(keys).index.isin(multi.set_index(keys).index)].merge(single, on=keys, how="left")
    out["ideal"] = out["world_size"] * out["rate_1"]
    out["efficiency"] = out["rate"] / out["ideal"]
    return out.sort_values(keys + ["world_size"]).reset_index(drop=True)


def backend_comparison(agg: pd.DataFrame) -> pd.DataFrame:
    """Inference rows of every (env, framework, model, precision, batch) measured on two or more
    backends, with speedup over the framework's default backend in the same configuration."""
    keys = ["env", "framework", "device_kind", "model", "precision", "batch_size", "world_size"]
    infer = agg[(agg["mode"] == "infer") & (agg["workload"] != "matmul")] if not agg.empty else agg
    if infer.empty:
        return pd.DataFrame()
    infer = infer.sort_values("rate", ascending=False).drop_duplicates(keys + ["backend"])
    counts = infer.groupby(keys, observed=True)["backend"].transform("nunique")
    out = infer[counts > 1].copy()
    if out.empty:
        return out
    base = out[out["backend"].isin(HEADLINE_BACKENDS)].sort_values("rate", ascending=False).drop_duplicates(keys)
    out = out.merge(base[keys + ["rate"]].rename(columns={"rate": "base_rate"}), on=keys, how="left")
    out["speedup"] = out["rate"] / out["base_rate"]
    return out.sort_values(keys + ["rate"], ascending=[True] * len(keys) + [False]).reset_index(drop=True)


def efficiency(agg: pd.DataFrame) -> pd.DataFrame:
    """Rows with a power figure: samples per joule (= samples/s / W), best first."""
    if agg.empty:
        return pd.DataFrame()
    rows = agg[agg["power_w"].notna() & (agg["power_w"] > 0)].copy()
    if rows.empty:
        return rows
    rows["samples_per_j"] = rows["rate"] / rows["power_w"]
    rows["method"] = rows["energy_method"].replace("", "not stated")
    return rows.sort_values("samples_per_j", ascending=False).reset_index(drop=True)
