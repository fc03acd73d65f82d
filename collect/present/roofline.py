"""The roofline's numbers, pandas only: each env's measured roofs, each configuration's place under them, and
its fraction of peak. roofline_figure.py draws them; summary.summarize adds `peak_frac` to its table.

Roofs are measured, never taken from a datasheet (benchmarking rule 9a):
- compute roof: per (device, device_kind, precision), the best matmul TFLOP/s its envs measured: each
  configuration's median over its repeat rows first (as summary.aggregate gives it), then the best of those over
  sizes, frameworks, backends and the device's envs. `device` is the aggregate's device identity (contract.identity;
  a hand-built table without one, or a CPU whose generation was not recorded: each env is its own device). Every
  env of the device that computed something at that precision is held against it, whether it ran a matmul itself
  or not, so "% of peak" is over what the device can do, not what one run of it did, and a row above the best
  matmul its device ever did (peak_frac > 1: crosscheck's "above roof") means its FLOP count or that matmul is
  wrong. Mixed precision runs its matmuls in the half type, so `mixed_fp16` is held against the `fp16` roof and
  `mixed_bf16` against `bf16`.
- bandwidth roof: per (env, device_kind), the best membw GB/s, taken the same way (median, then best).
A point is a configuration whose FLOPs and bytes per sample are both known and positive: llm prefill and decode
and membw axpy carry both in their rows; a matmul's bytes are analytic (matmul_bytes). membw copy computes
nothing: it sets the bandwidth roof and is no point.

Works on summary.aggregate's table (one row per configuration, a few thousand rows for a million measured), so
nothing here is per measured row. Imports nothing of present's: summary.py imports this module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np
import pandas as pd

from collect.contract.outliers import comparable

ENV_KEYS = ["env", "device_kind"]
# Bytes of one element in each precision the rows name. TF32 keeps fp32 storage (only the multiply is narrower);
# mixed precision runs its matmuls on half-width operands.
ITEMSIZE = {"fp32": 4, "tf32": 4, "fp16": 2, "bf16": 2, "mixed_fp16": 2, "mixed_bf16": 2, "fp64": 8}
ROOF_OF = {"mixed_fp16": "fp16", "mixed_bf16": "bf16"}  # the compute roof a precision is held against
_MATMUL = r"^matmul-(\d{1,9})$"


@dataclass(frozen=True)
class Roofs:
    """Each env's measured roofs: compute (env, device_kind, precision, peak_tflops: its device's best; device) and
    bandwidth (env, device_kind, peak_gbps: the env's own best)."""

    compute: pd.DataFrame
    bandwidth: pd.DataFrame


def roof_precision(precision: pd.Series) -> pd.Series:
    """The precision whose compute roof a row is held against (mixed_fp16 -> fp16, mixed_bf16 -> bf16)."""
    return precision.astype(str).replace(ROOF_OF)


def matmul_size(model: pd.Series) -> pd.Series:
    """n of models named matmul-<n> (float), NaN for every other model."""
    return model.astype(str).str.extract(_MATMUL, expand=False).astype(float)


def matmul_bytes(n, precision: pd.Series) -> np.ndarray:
    """Bytes one n x n x n product moves at the least: A and B read once and C written once, 3 n^2 elements of the
    precision's width (fp32/tf32 4, fp16/bf16 2, fp64 8; NaN for another). A lower bound: a product larger than the
    caches re-reads tiles from memory, so the real traffic is higher and the true intensity lower."""
    itemsize = precision.astype(str).map(ITEMSIZE).to_numpy(dtype=float)
    return 3 * np.asarray(n, dtype=float) ** 2 * itemsize


def _column(agg: pd.DataFrame, name: str) -> np.ndarray:
    """A numeric column of the aggregate as float, all NaN where the table lacks it (schema-1 data)."""
    if name not in agg.columns:
        return np.full(len(agg), np.nan)
    return pd.to_numeric(agg[name], errors="coerce").to_numpy(dtype=float, copy=True)  # written into by work()


def work(agg: pd.DataFrame) -> pd.DataFrame:
    """FLOPs and bytes per sample and attained TFLOP/s of each configuration (NaN where unknown): the rows' own
    figures, a matmul's from its size (2 n^3 FLOPs, matmul_bytes); TFLOP/s from FLOPs x rate where a row lacks it."""
    flops, traffic, tflops = _column(agg, "flops"), _column(agg, "bytes"), _column(agg, "tflops")
    matmul = (agg["workload"] == "matmul").to_numpy(dtype=bool)
    if matmul.any():
        n = matmul_size(agg.loc[matmul, "model"]).to_numpy()
        flops[matmul] = np.where(np.isfinite(flops[matmul]) & (flops[matmul] > 0), flops[matmul], 2 * n**3)
        traffic[matmul] = matmul_bytes(n, agg.loc[matmul, "precision"])
    with np.errstate(over="ignore", invalid="ignore"):  # an absurd rate in a hand-made file is inf, not a warning
        tflops = np.where(np.isfinite(tflops), tflops, flops * _column(agg, "rate") / 1e12)
    return pd.DataFrame({"flops": flops, "bytes": traffic, "tflops": tflops}, index=agg.index)


def compute_roofs(agg: pd.DataFrame, done: pd.DataFrame | None = None) -> pd.DataFrame:
    """Per (env, device_kind, precision) that computed something: the best matmul configuration's median TFLOP/s of
    its device (`peak_tflops`), and that `device`. One row per key (an env seen as two devices of one kind, which
    spelling merges rule out in practice, takes the higher roof), so lookups on env keys stay one-to-one."""
    done = work(agg) if done is None else done
    tflops = done["tflops"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        computed = tflops > 0
    part = agg.loc[computed]
    env = part["env"].astype(str).to_numpy(dtype=object)
    device = part["device"].astype(str).to_numpy(dtype=object) if "device" in part.columns else env
    keys = pd.DataFrame({"env": env, "device_kind": part["device_kind"].astype(str).to_numpy(),
                         "precision": roof_precision(part["precision"]).to_numpy(), "device": device,
                         "owner": _owner(device, env), "peak_tflops": tflops[computed]})
    matmul = (part["workload"] == "matmul").to_numpy(dtype=bool)
    best = keys[matmul].groupby(["owner", "device_kind", "precision"], sort=False)["peak_tflops"].max().reset_index()
    users = keys.drop(columns="peak_tflops").drop_duplicates()  # every env side that computed at a precision
    out = users.merge(best, on=["owner", "device_kind", "precision"], how="inner")
    out = out.sort_values("peak_tflops", ascending=False, kind="stable").drop_duplicates([*ENV_KEYS, "precision"])
    return out[[*ENV_KEYS, "precision", "peak_tflops", "device"]].sort_values([*ENV_KEYS, "precision"]).reset_index(drop=True)


# A memory variant computes as its chip does ("A100-SXM4-40GB" and "-80GB" are one A100-SXM4 die and clock): a
# published best matmul that names no memory size (ml-engineering's "A100 SXM") is the roof of both.
_MEMORY = re.compile(r"-\d+GB$", re.IGNORECASE)


def _owner(device: np.ndarray, env: np.ndarray) -> np.ndarray:
    """Whose matmuls a row is held against: its device's, or its env's own where the identity names no one device (a
    CPU whose generation was not recorded: outliers.comparable) or the table has none (device is env)."""
    codes, names = pd.factorize(device)
    pooled = np.asarray([comparable(str(name)) for name in names] + [False], dtype=bool)[codes]
    chip = np.asarray([_MEMORY.sub("", str(name)) for name in names] + [""], dtype=object)[codes]
    own = ("env " + pd.Series(env, dtype=object)).to_numpy(dtype=object)
    return np.where(pooled & (device is not env), chip, own)


def bandwidth_roofs(agg: pd.DataFrame) -> pd.DataFrame:
    """Per (env, device_kind): the best membw configuration's median GB/s (`peak_gbps`); where a row lacks gb_per_s,
    its rate (bytes/s) over 1e9."""
    gbps = _column(agg, "gbps")
    gbps = np.where(np.isfinite(gbps), gbps, _column(agg, "rate") / 1e9)
    mask = (agg["workload"] == "membw").to_numpy(dtype=bool) & (gbps > 0)
    part = pd.DataFrame({"env": agg.loc[mask, "env"].astype(str), "device_kind": agg.loc[mask, "device_kind"].astype(str),
                         "peak_gbps": gbps[mask]})
    return part.groupby(ENV_KEYS, sort=True)["peak_gbps"].max().reset_index()


def roofs(agg: pd.DataFrame) -> Roofs:
    return Roofs(compute=compute_roofs(agg), bandwidth=bandwidth_roofs(agg))


def peak_fraction(agg: pd.DataFrame, compute: pd.DataFrame, done: pd.DataFrame | None = None) -> np.ndarray:
    """Each configuration's attained TFLOP/s over its env's compute roof at its precision, the best matmul its
    device measured (float; above 1 where the row beats that; NaN where either is unknown or the row computes nothing,
    as membw copy). One merge over the configurations, no per-row Python."""
    done = work(agg) if done is None else done
    tflops = done["tflops"].to_numpy(dtype=float)
    out = np.full(len(agg), np.nan)
    if agg.empty or compute.empty:
        return out
    # Only rows that computed something in an env with a roof are looked up: most configurations of a large merge
    # have neither, and their keys need not become strings.
    mask = (tflops > 0) & agg["env"].isin(compute["env"].unique()).to_numpy(dtype=bool)
    if not mask.any():
        return out
    part = agg.loc[mask]
    keys = pd.DataFrame({"env": part["env"].astype(str).to_numpy(), "device_kind": part["device_kind"].astype(str).to_numpy(),
                         "precision": roof_precision(part["precision"]).to_numpy()})
    roof = compute[[*ENV_KEYS, "precision", "peak_tflops"]]  # one row per key (compute_roofs): the merge keeps rows
    peak = keys.merge(roof, on=[*ENV_KEYS, "precision"], how="left")["peak_tflops"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore", divide="ignore"):
        out[mask] = np.where(peak > 0, tflops[mask] / peak, np.nan)
    return out


def points(agg: pd.DataFrame, done: pd.DataFrame | None = None) -> pd.DataFrame:
    """The configurations a roofline places: FLOPs and bytes per sample known and positive, TFLOP/s attained; with
    their arithmetic intensity (FLOP/byte). Best TFLOP/s first."""
    done = work(agg) if done is None else done
    tflops = done["tflops"].to_numpy(dtype=float)
    ok = ((done["flops"] > 0) & (done["bytes"] > 0)).to_numpy(dtype=bool) & np.isfinite(tflops) & (tflops > 0)
    columns = [c for c in ("env", "device_kind", "framework", "workload", "model", "mode", "precision", "batch_size", "backend")
               if c in agg.columns]
    out = agg.loc[ok, columns].copy()
    out["intensity"] = done.loc[ok, "flops"] / done.loc[ok, "bytes"]
    out["tflops"] = done.loc[ok, "tflops"]
    return out.sort_values("tflops", ascending=False, kind="stable").reset_index(drop=True)


def add_peak_frac(agg: pd.DataFrame) -> tuple[pd.DataFrame, Roofs]:
    """The aggregate with its float `peak_frac` column, and the roofs it was computed from (one pass of work())."""
    done = work(agg)
    found = Roofs(compute=compute_roofs(agg, done), bandwidth=bandwidth_roofs(agg))
    return agg.assign(peak_frac=peak_fraction(agg, found.compute, done)), found
