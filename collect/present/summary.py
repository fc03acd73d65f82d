"""Aggregate repeat rows into one line per configuration: median, range and count.

`summarize` computes every table once into a `Summary`; the figures and results.md all read
that one bundle, so both show the same numbers and a million rows are grouped once per table.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from collect.contract.identity import identity_column
from collect.contract.outliers import ranked_mask
from collect.contract.record import protocol_of
from collect.present.crosscheck import cross_bits
from collect.present.roofline import Roofs, add_peak_frac
from collect.present.score import scores

# `device` is the row's device identity (contract.identity: generation included), `protocol` how it was measured:
# rankings rank one protocol at a time (record.RANKED) and group envs into devices by `device`.
CONFIG = ["env", "framework", "device_kind", "device_name", "device", "source", "protocol", "workload", "model",
          "mode", "precision", "batch_size", "world_size", "backend"]
# The headline compares machines, so it keeps what each framework runs by default; the backend
# figure and table compare backends on one machine.
# Each framework's default, in order of preference where a configuration has several (TensorFlow's
# default is tf_function, or xla on CUDA GPUs).
DEFAULT_BACKENDS = {"torch": ("eager",), "tensorflow": ("tf_function", "xla")}
INTS = ("batch_size", "world_size")
KIND_SUFFIX = re.compile(r"[-_.](cpu|cuda|mps|gpu)$")


def ok_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with status ok, configuration columns as plain str (batch_size as int). For small tables:
    a large frame is grouped first (`grouped`), then converted."""
    return typed_keys(frame[frame["status"] == "ok"].copy())


def per_category(column: pd.Series, fn) -> np.ndarray:
    """fn applied to the distinct values of a text column (given as a pd.Index of str; empty cells as ""),
    spread back to every row through the category codes: one regex per model name, not per row."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype(str).astype("category")
    names = pd.Index(list(cat.cat.categories.astype(str)) + [""], dtype=object)
    return np.asarray(fn(names))[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the "" at the end


def typed_keys(table: pd.DataFrame) -> pd.DataFrame:
    """Configuration columns as plain str, batch_size and world_size as int (an absurd size is clipped, not wrapped)."""
    for name in CONFIG:
        if name in table.columns:
            table[name] = _ints(table[name]) if name in INTS else _texts(table[name])
    return table


def _ints(column: pd.Series) -> pd.Series:
    return column.fillna(1).clip(upper=2**53).astype(int)


def _texts(column: pd.Series) -> pd.Series:
    """Plain str values; a categorical column through its categories (one take, not a string per row)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        names = np.asarray(list(column.cat.categories.astype(str)) + [""], dtype=object)
        return pd.Series(names[column.cat.codes.to_numpy()], index=column.index, dtype=object)
    return column.astype(str)


def grouped(frame: pd.DataFrame, mask, keys: list[str], dropna: bool = True, **aggs) -> pd.DataFrame:
    """Aggregate the rows where mask holds, grouped on their categorical keys (no string per row: a million
    rows cost what their distinct configurations cost), keys converted as typed_keys does. `dropna=False` keeps
    rows whose numeric key is empty (NaN) as a group of their own."""
    columns = list(dict.fromkeys([*keys, *(column for column, _ in aggs.values())]))
    frame = with_device(frame) if {"device", "protocol"} & set(keys) else frame
    part = frame.loc[np.asarray(mask, dtype=bool), columns]
    if part.empty:
        return pd.DataFrame(columns=[*keys, *aggs])
    out = part.groupby(keys, observed=True, sort=False, dropna=dropna).agg(**aggs).reset_index()
    return typed_keys(out)


# llm rows name the prompt and context they ran at; empty (NaN) in every other row, so as keys they split no other
# workload's configurations (grouped with dropna=False keeps the NaN group).
LENGTHS = ("seq_len", "context_len")
# Medians per configuration where the columns exist (files of every schema load with all columns; a frame built by
# hand may lack them): FLOPs and bytes per sample, achieved GB/s.
WORK = {"flops": "flops_per_sample", "bytes": "bytes_per_sample", "gbps": "gb_per_s"}
AGG_COLUMNS = ["rate", "rate_min", "rate_max", "step_ms", "tflops", "n"]


def aggregate(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per configuration with samples_per_s median/min/max, step_ms median and n; the median FLOPs, bytes per
    sample and GB/s (`flops`, `bytes`, `gbps`) where the frame has those columns."""
    extra = {name: (column, "median") for name, column in WORK.items() if column in frame.columns}
    frame = with_device(frame)
    lengths = [name for name in LENGTHS if name in frame.columns]
    if not (frame["status"] == "ok").any():
        return pd.DataFrame(columns=CONFIG + lengths + AGG_COLUMNS + list(extra))
    return grouped(frame, frame["status"] == "ok", CONFIG + lengths, dropna=False, rate=("samples_per_s", "median"),
                   rate_min=("samples_per_s", "min"), rate_max=("samples_per_s", "max"),
                   step_ms=("step_ms_median", "median"), tflops=("tflops", "median"), n=("samples_per_s", "size"), **extra)


def with_device(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with its `device` identity column (contract.identity) and a `protocol` for frames built by hand
    without one (record.protocol_of); as it is where it has both."""
    extra = {}
    if "device" not in frame.columns:
        extra["device"] = identity_column(frame) if len(frame) else pd.Series([], dtype=object)
    if "protocol" not in frame.columns:
        notes = frame["note"] if "note" in frame.columns else pd.Series("", index=frame.index)
        extra["protocol"] = [protocol_of(str(s), str(n)) for s, n in zip(frame["source"], notes.fillna(""), strict=True)]
    return frame.assign(**extra) if extra else frame


def ranked(agg: pd.DataFrame) -> pd.Series:
    """True for the rows a ranking ranks: devicebench's own steady-state measurements (contract.outliers.ranked_mask,
    the one definition --check's outlier rule uses too). Every other protocol (classic model.fit, legacy wall times,
    other harnesses' published figures) is shown beside them as a reference."""
    return pd.Series(ranked_mask(agg), index=agg.index)


def is_default_backend(rows: pd.DataFrame) -> pd.Series:
    """True for rows that ran on their framework's default backend."""
    ok = pd.Series(False, index=rows.index)
    for framework, backends in DEFAULT_BACKENDS.items():
        ok |= (rows["framework"] == framework) & rows["backend"].isin(backends)
    return ok


def default_backend_rows(agg: pd.DataFrame) -> pd.DataFrame:
    """The rows that ran on their framework's default backend: what the headline compares machines on."""
    return agg[is_default_backend(agg)] if not agg.empty else agg


def best_per_model(agg: pd.DataFrame) -> pd.DataFrame:
    """For each env/framework/model/mode keep the fastest batch size and precision (headline backends)."""
    agg = default_backend_rows(agg)
    if agg.empty:
        return agg
    keys = ["env", "framework", "device_kind", "source", "workload", "model", "mode", "world_size"]
    keys += ["protocol"] if "protocol" in agg.columns else []  # a classic and a steady figure of one env are two rows
    best = agg.sort_values("rate", ascending=False).drop_duplicates(keys)
    return best.reset_index(drop=True)


def speedups(agg: pd.DataFrame) -> pd.DataFrame:
    """Accelerator rate / CPU rate for the same machine, framework, model, mode, precision, batch."""
    if agg.empty:
        return pd.DataFrame()
    # The machine is the env without its device suffix: 'apple-m1-mps' and 'apple-m1-cpu' are one machine.
    pairs = agg[["env", "device_kind"]].drop_duplicates()
    pairs["machine"] = pairs["env"].str.replace(KIND_SUFFIX.pattern, "", regex=True)
    has_cpu = set(pairs.loc[pairs["device_kind"] == "cpu", "machine"])
    both = has_cpu & set(pairs.loc[~pairs["device_kind"].isin(["cpu", "unknown"]), "machine"])
    machine = dict(zip(pairs["env"], pairs["machine"], strict=False))
    agg = agg[agg["env"].map(machine).isin(both)]  # only machines with CPU and accelerator rows are merged
    agg = agg.assign(machine=agg["env"].map(machine))
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


def backend_comparison(frame: pd.DataFrame) -> pd.DataFrame:
    """Inference rows of every (env, framework, model, precision, batch) measured on two or more
    backends: median rate and latency percentiles, worst rel_err, and the speedup over the framework's
    default backend in the same configuration."""
    keys = ["env", "framework", "device_kind", "model", "precision", "batch_size", "world_size"]
    if frame.empty or frame.groupby("framework", observed=True)["backend"].nunique().max() < 2:
        return pd.DataFrame()  # one backend per framework: nothing to compare (and a million rows cost nothing)
    # matmul and membw count products and bytes, not samples: never on the backends' samples/s axis
    mask = (frame["status"] == "ok") & (frame["mode"] == "infer") & ~frame["workload"].isin(["matmul", "membw"])
    out = grouped(frame, mask, CONFIG, rate=("samples_per_s", "median"), step_ms=("step_ms_median", "median"),
                  p90_ms=("step_ms_p90", "median"), p99_ms=("step_ms_p99", "median"), compile_s=("compile_s", "median"),
                  rel_err=("rel_err", "max"), n=("samples_per_s", "size"))
    if out.empty:
        return pd.DataFrame()
    out = out.sort_values("rate", ascending=False).drop_duplicates(keys + ["backend"])
    out = out[out.groupby(keys, observed=True)["backend"].transform("nunique") > 1]
    if out.empty:
        return pd.DataFrame()
    rank = out["backend"].map({b: i for backends in DEFAULT_BACKENDS.values() for i, b in enumerate(backends)})
    base = out[is_default_backend(out)].assign(rank=rank).sort_values("rank").drop_duplicates(keys)
    out = out.merge(base[keys + ["rate"]].rename(columns={"rate": "base_rate"}), on=keys, how="left")
    out["speedup"] = out["rate"] / out["base_rate"]
    return out.sort_values(keys + ["rate"], ascending=[True] * len(keys) + [False]).reset_index(drop=True)


def efficiency(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows with a power figure, one line per configuration and energy method (never a median across
    methods): samples per joule (= samples/s / W), best first."""
    mask = (frame["status"] == "ok") & (frame["power_w"] > 0)
    out = grouped(frame, mask, [*CONFIG, "energy_method"], rate=("samples_per_s", "median"), power_w=("power_w", "median"),
                  j_per_sample=("energy_j_per_sample", "median"), n=("samples_per_s", "size"))
    if out.empty:
        return pd.DataFrame()
    out = out.rename(columns={"energy_method": "method"})
    out["method"] = out["method"].astype(str).replace("", "not stated")
    out["samples_per_j"] = out["rate"] / out["power_w"]
    return out.sort_values("samples_per_j", ascending=False, kind="stable").reset_index(drop=True)


@dataclass(frozen=True)
class Summary:
    """Every table the figures and results.md show, computed once from the valid rows."""

    frame: pd.DataFrame  # the valid rows as loaded, every status: the MLP and matmul figures pick their own
    agg: pd.DataFrame  # one row per configuration (aggregate), with `peak_frac` (roofline.add_peak_frac)
    scaling: pd.DataFrame
    backends: pd.DataFrame  # backend_comparison
    efficiency: pd.DataFrame
    speedups: pd.DataFrame
    roofs: Roofs | None = field(default=None)  # each env's measured compute and bandwidth roofs (roofline.py)
    scores: pd.DataFrame = field(default_factory=pd.DataFrame)  # the devicebench score of each env side (score.py)


def summarize(frame: pd.DataFrame) -> Summary:
    """The one pass plot_results.py makes: hand the result to every figure and to report.render."""
    # peak_frac: attained TFLOP/s over the env's measured matmul roof at the row's precision (NaN where unknown);
    # the site reads that column by this name.
    frame = with_device(frame)  # the device identity once, for every table below
    agg, found = add_peak_frac(aggregate(frame))
    # outlier and above-roof caveats need the other rows (flags.CROSS); assign, never in place: plot_results writes
    # the loaded frame to the merged data in another thread
    frame = frame.assign(cross_flags=cross_bits(frame, agg, found.compute))
    return Summary(frame=frame, agg=agg, scaling=scaling(agg), backends=backend_comparison(frame),
                   efficiency=efficiency(frame), speedups=speedups(agg), roofs=found, scores=scores(agg, frame))
