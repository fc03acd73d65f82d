"""Caveats a ranked figure carries: a bitmask per row, worked out once per distinct note, source and device.

Wherever a figure is ranked (a leaderboard, a chart, a comparison), a reader should see at once that it is not a
plain steady measurement: its trials disagreed, its step times were noisy or bimodal, the run was cut short, the
input pipeline was inside the timed loop, it is above the device's datasheet peak, or it was transcribed from a
publication rather than measured by devicebench. The runner and the transcription tool write most of these into
the row's `note` (e.g. "unsteady: trials 595-3,551 samples/s", "partial: ... after 8,512 of 100,000 images");
the rest follow from the row's source and its TFLOP/s against contract.peaks. Two depend on other rows, so no
per-row rule can give them: a submission far outside the others of its device and configuration (outlier) and a
figure above the best matmul its device measured (above roof); crosscheck.cross_bits works them out once, into the
frame's `cross_flags` column, and row_flags ORs that in.

Bits (FLAGS order): 1 unsteady, 2 noisy, 4 bimodal, 8 partial, 16 input pipeline, 32 over peak, 64 published,
128 outlier, 256 above roof. Only ever appended to: the site's JavaScript names them from the same list
(data/index.js carries it), so the two never drift.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from collect.contract.peaks import PLAUSIBLE_SHARE, peak_tflops

# (label, the pattern of a note that carries it, what the badge's tooltip says when the note does not)
FLAGS = (
    ("unsteady", r"\bunsteady\b", "trials in separate processes disagree by more than 15%"),
    ("noisy", r"\bnoisy\b", "step times spread widely within one measurement (IQR over 10% of the median)"),
    ("bimodal", r"\bbimodal\b", "step times cluster at two levels"),
    ("partial", r"\bpartial\b", "the run ended before it finished: the figure covers part of it"),
    ("input pipeline", r"\binput pipeline\b", "input preparation ran inside the timed loop"),
    ("over peak", None, f"above {PLAUSIBLE_SHARE:.0%} of the device's datasheet peak: a sync or unit bug is likely"),
    ("published", None, "transcribed from a publication, not measured by devicebench"),
    ("outlier", None, "far outside the other submissions of its device and configuration (see --check)"),
    ("above roof", None, "above the best matrix-product TFLOP/s its device measured: the FLOP count or the matmul "
                         "measurement is off"),
)
CROSS = "cross_flags"  # the frame column crosscheck.cross_bits fills: bits that depend on other rows
BIT = {label: 1 << k for k, (label, _, _) in enumerate(FLAGS)}
_PATTERNS = [(1 << k, re.compile(pattern, re.I)) for k, (_, pattern, _) in enumerate(FLAGS) if pattern]


def note_bits(notes) -> np.ndarray:
    """The flag bits each note carries (unsteady, noisy, bimodal, partial, input pipeline)."""
    return np.asarray([sum(bit for bit, pattern in _PATTERNS if pattern.search(str(note or ""))) for note in notes],
                      dtype=np.int64)


def _per_value(column: pd.Series, fn) -> np.ndarray:
    """fn(distinct values) -> one int each, taken to every row through the codes: strings are looked at once."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype(object).fillna("").astype("category")
    table = np.append(np.asarray(fn(list(cat.cat.categories.astype(str))), dtype=np.int64), fn([""]))
    return table[cat.cat.codes.to_numpy()]  # code -1 (missing) picks the "" entry at the end


def row_flags(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """(flag bits, datasheet peak TFLOP/s where the row is over it, else NaN) of every row of the loaded frame; with
    the frame's CROSS column ORed in where it has one."""
    n = len(frame)
    bits = _per_value(frame["note"], note_bits) if "note" in frame else np.zeros(n, dtype=np.int64)
    if CROSS in frame:
        bits = bits | frame[CROSS].fillna(0).to_numpy(dtype=np.int64)
    if "source" in frame:
        bits = bits | _per_value(frame["source"], lambda values: [BIT["published"] if v not in ("measured", "") else 0
                                                                   for v in values])
    peak = np.full(n, np.nan)
    if {"tflops", "device_name", "precision", "device_kind"} <= set(frame.columns) and n:
        tflops = frame["tflops"].to_numpy(dtype=float)
        candidates = np.flatnonzero((tflops > 0) & (frame["device_kind"].astype(str).to_numpy() != "cpu"))
        if len(candidates):
            keys = frame.iloc[candidates][["device_name", "precision"]].astype(str)
            pairs = keys.drop_duplicates()  # a handful of devices, however many rows
            peaks = np.array([peak_tflops(d, p) or np.nan for d, p in pairs.itertuples(index=False)] + [np.nan])
            at = pd.MultiIndex.from_frame(pairs).get_indexer(pd.MultiIndex.from_frame(keys))
            over = tflops[candidates] > PLAUSIBLE_SHARE * peaks[at]
            peak[candidates[over]] = peaks[at][over]
            bits[candidates[over]] |= BIT["over peak"]
    return bits, peak


def grouped_flags(bits: np.ndarray, peak: np.ndarray, key: np.ndarray, groups: int) -> tuple[np.ndarray, np.ndarray]:
    """Per group 0..groups-1 of `key`: the OR of its rows' bits and the highest peak they exceeded. Flagged rows are
    few, so only they are grouped."""
    out_bits, out_peak = np.zeros(groups, dtype=np.int64), np.full(groups, np.nan)
    flagged = np.flatnonzero(bits)
    if len(flagged):
        for bit in (1 << k for k in range(len(FLAGS))):
            rows = flagged[(bits[flagged] & bit) > 0]
            out_bits[np.unique(key[rows])] |= bit
        over = flagged[np.isfinite(peak[flagged])]
        if len(over):
            out_peak[:] = pd.Series(peak[over]).groupby(key[over]).max().reindex(range(groups)).to_numpy()
    return out_bits, out_peak


def legend() -> list[list[str]]:
    """[[label, default reason], ...] in bit order: what the site's badges say."""
    return [[label, why] for label, _, why in FLAGS]
