"""The caveats a row gets from other rows: an outlying submission and a figure above its device's measured roof.

flags.row_flags works one row (one distinct note, source, device) at a time, so it cannot know either:
- outlier: the row's env is far outside the other submissions of its device and configuration
  (collect.contract.outliers, the rule --check prints its hint by); every ranked row of that env's configuration
  carries it;
- above roof: the row's configuration attains more TFLOP/s than the best matmul its device measured (roofline's
  peak_frac > 1): its FLOP count or that matmul measurement is off.
cross_bits works both out on the aggregate (a few thousand configurations for a million rows) and takes the bits to
the rows of the flagged configurations only, so the frame's rows are touched where something was flagged. Its
result is the frame's `cross_flags` column (flags.CROSS), which row_flags ORs in.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.contract.outliers import KEYS, outliers, ranked_mask
from collect.present import roofline
from collect.present.flags import BIT

# A configuration is held against its device's roof: a matmul is at most 1 (the roof is the best one); anything else
# above it, past float rounding, is a FLOP count or a measurement that cannot be.
ABOVE = 1 + 1e-9
# What joins an aggregate's configuration to its rows: summary.CONFIG and the llm lengths, where both tables have them.
# (summary imports this module, so its CONFIG cannot be imported here; tests/test_outliers.py checks the two agree.)
CONFIG = ("env", "framework", "device_kind", "device_name", "device", "source", "protocol", "workload", "model", "mode",
          "precision", "batch_size", "world_size", "backend", "seq_len", "context_len")
INTS = ("batch_size", "world_size")
LENGTHS = ("seq_len", "context_len")


def cross_bits(frame: pd.DataFrame, agg: pd.DataFrame, compute_roofs: pd.DataFrame | None = None) -> np.ndarray:
    """One int per row of frame: BIT["outlier"] for the ranked rows of an outlying env's configuration, BIT["above
    roof"] for the rows of a configuration above its device's measured roof. agg: summary.aggregate of the frame, with
    its peak_frac where it has one (else worked out from compute_roofs: roofline.compute_roofs of agg, or given)."""
    bits = np.zeros(len(frame), dtype=np.int64)
    if frame.empty or agg.empty:
        return bits
    found = outliers(agg)
    if len(found):
        bits |= _matched(frame, found, ["env", "device", *KEYS], BIT["outlier"], ranked_mask(frame))
    if "peak_frac" in agg.columns:
        fraction = pd.to_numeric(agg["peak_frac"], errors="coerce").to_numpy(dtype=float)
    else:
        fraction = roofline.peak_fraction(agg, roofline.compute_roofs(agg) if compute_roofs is None else compute_roofs)
    with np.errstate(invalid="ignore"):
        above = agg[fraction > ABOVE]
    if len(above):
        bits |= _matched(frame, above, list(CONFIG), BIT["above roof"], np.ones(len(frame), dtype=bool))
    return bits


def _matched(frame: pd.DataFrame, flagged: pd.DataFrame, keys: list[str], bit: int, eligible: np.ndarray) -> np.ndarray:
    """bit for each row of frame (where eligible, status ok) whose key columns equal one of flagged's rows; 0 elsewhere.
    Only the rows of the flagged envs are looked at, so a clean dataset costs one isin over the env column."""
    out = np.zeros(len(frame), dtype=np.int64)
    keys = [k for k in keys if k in frame.columns and k in flagged.columns]
    mask = eligible & frame["env"].isin(set(flagged["env"].astype(str))).to_numpy(dtype=bool)
    if "status" in frame:
        mask &= (frame["status"] == "ok").to_numpy(dtype=bool)
    at = np.flatnonzero(mask)
    if not len(at):
        return out
    rows = _plain(frame.iloc[at][keys]).assign(_at=at)
    hit = rows.merge(_plain(flagged[keys]).drop_duplicates(), on=keys, how="inner")["_at"].to_numpy(dtype=np.int64)
    out[hit] = bit
    return out


def _plain(table: pd.DataFrame) -> pd.DataFrame:
    """Key columns as summary.typed_keys makes them (text as str, a missing category as "", batch and world size as
    int), the llm lengths as float with -1 for none, so rows and the aggregate's keys compare equal."""
    out = {}
    for name in table.columns:
        column = table[name]
        if name in INTS:
            out[name] = pd.to_numeric(column, errors="coerce").fillna(1).clip(upper=2**53).astype(np.int64).to_numpy()
        elif name in LENGTHS:
            out[name] = pd.to_numeric(column, errors="coerce").fillna(-1).to_numpy(dtype=float)
        elif isinstance(column.dtype, pd.CategoricalDtype):
            names = np.asarray([*column.cat.categories.astype(str), ""], dtype=object)
            out[name] = names[column.cat.codes.to_numpy()]  # code -1 (missing) picks the "" at the end
        else:
            out[name] = column.astype(str).to_numpy(dtype=object)
    return pd.DataFrame(out)
