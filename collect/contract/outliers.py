"""Submissions far outside the others of their device and configuration: --check's hint and the site's caveat.

A device is its identity (contract.identity: a Zen 3 and a Zen 5 EPYC are two devices), a configuration is KEYS, and
only devicebench's own steady-state measurements compare (record.RANKED: a classic model.fit figure or a published one
was measured another way). Where a device has at least MIN_OTHERS other submissions (envs) of a configuration, an
env's median rate is held against the median of the others' medians on a log scale (3x too fast and 3x too slow are
the same distance), inside a band of half-width

    max(MAD_WIDTH x MAD_SCALE x MAD of the others' log medians, the largest log(rate_max / rate_min) of the others,
        log(MIN_RATIO))

The MAD term is the robust z-score of 3.5 (Iglewicz and Hoaglin); the spread term keeps the band no tighter than the
noise the others' own trials show; MIN_RATIO keeps a few near-identical others (MAD about 0) from flagging a 10%
difference. An env never centres or widens its own band (leave-one-out), so one wild submission cannot hide itself.

Vectorised: every cell (device x configuration) is a block of sorted arrays, and each env's leave-one-out median, MAD
and widest spread come from positions in those blocks (_leave_one_out), never a Python loop per row or group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.contract.cpus import NOT_RECORDED
from collect.contract.identity import combined, identity_column
from collect.contract.record import CLASSIC_NOTE, RANKED

KEYS = ("framework", "workload", "model", "mode", "precision", "batch_size", "world_size", "backend", "seq_len",
        "context_len")
MIN_OTHERS = 3  # fewer others than this: their median says too little about the device
MAD_SCALE = 1.4826  # MAD x this estimates the standard deviation of normally spread values
MAD_WIDTH = 3.5  # robust z-scores beyond this are outliers (Iglewicz and Hoaglin's cut-off)
# The band's floor, x1.5 either way: with a few near-identical others (MAD about 0, single trials) an ordinary
# difference between two machines of one device (threads, power plan, library build) must not read as an outlier.
MIN_RATIO = 1.5
COLUMNS = ["env", "device", *KEYS, "rate", "others_median", "lo", "hi", "others", "ratio"]
CARRIED = ("file", "line")  # where the frame has them (the loaded rows): the entry's first row's, for --check's lines


def ranked_mask(frame: pd.DataFrame) -> np.ndarray:
    """True for the rows that compare: status ok, source measured, protocol devicebench (a frame without a protocol
    column: what record.protocol_of says of measured rows, told apart by their note)."""
    ok = np.ones(len(frame), dtype=bool)
    if "status" in frame:
        ok &= (frame["status"] == "ok").to_numpy(dtype=bool)
    if "source" in frame:
        ok &= (frame["source"] == "measured").to_numpy(dtype=bool)
    if "protocol" in frame:
        ok &= (frame["protocol"] == RANKED).to_numpy(dtype=bool)
    elif "note" in frame:
        ok &= ~frame["note"].astype(str).str.startswith(CLASSIC_NOTE).to_numpy(dtype=bool)
    return ok


def comparable(device: str) -> bool:
    """Whether a device identity names one device: not an empty name, nor a CPU whose generation was not recorded
    ("EPYC (generation not recorded)": every row before schema 5 of any EPYC, 2-5x apart between generations, the very
    distance the band flags; contract.identity keeps them a pool of their own, this keeps them out of the check)."""
    return bool(device) and NOT_RECORDED not in device


def _codes(column) -> np.ndarray:
    """Integer codes of a key column, missing values one code of their own (-1)."""
    if isinstance(getattr(column, "dtype", None), pd.CategoricalDtype):
        return np.asarray(column.cat.codes if isinstance(column, pd.Series) else column.codes, dtype=np.int64)
    return pd.factorize(np.asarray(column), use_na_sentinel=True)[0].astype(np.int64)



def _rates(rows: pd.DataFrame) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(median, lowest, highest) rate of each row: an aggregate's rate, rate_min, rate_max, or a row's samples_per_s
    for all three; a missing low or high is the rate itself."""
    if "rate" in rows:
        rate = rows["rate"].to_numpy(dtype=float)
        low = rows["rate_min"].to_numpy(dtype=float) if "rate_min" in rows else rate
        high = rows["rate_max"].to_numpy(dtype=float) if "rate_max" in rows else rate
    else:
        rate = low = high = rows["samples_per_s"].to_numpy(dtype=float)
    with np.errstate(invalid="ignore"):
        return rate, np.where(low > 0, low, rate), np.where(high > 0, high, rate)


def env_medians(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per (device, configuration, env) of the ranked rows: env, device, the KEYS the frame has, `rate` (the
    median), `low`, `high` (the extremes its rows show), `cell` (an int per device and configuration) and CARRIED."""
    rate, low, high = _rates(frame)
    with np.errstate(invalid="ignore"):
        keep = ranked_mask(frame) & np.isfinite(rate) & (rate > 0)
    rows = frame.loc[keep]
    keys = [k for k in KEYS if k in rows.columns]
    device, names = pd.factorize(rows["device"] if "device" in rows else identity_column(rows))  # a few distinct names
    names = [str(name) for name in names]
    known = np.asarray([comparable(name) for name in names] + [False], dtype=bool)[device]  # -1 (missing): the False
    rows, device = rows.loc[known], device[known].astype(np.int64)
    if rows.empty:
        return pd.DataFrame(columns=["env", "device", *keys, "rate", "low", "high", "cell"])
    rate, low, high = rate[keep][known], low[keep][known], high[keep][known]
    cell = combined([device, *(_codes(rows[k]) for k in keys)])
    entry = combined([cell, _codes(rows["env"])])
    per = pd.DataFrame({"rate": rate, "low": low, "high": high, "at": np.arange(len(rows))})
    grouped = per.groupby(entry, sort=False)
    at = grouped["at"].first().to_numpy()
    head = rows.iloc[at][["env", *keys, *(c for c in CARRIED if c in rows)]].reset_index(drop=True)
    head = head.astype({c: object for c in head.columns if isinstance(head[c].dtype, pd.CategoricalDtype)})
    return head.assign(device=np.asarray(names, dtype=object)[device[at]], rate=grouped["rate"].median().to_numpy(),
                       low=grouped["low"].min().to_numpy(), high=grouped["high"].max().to_numpy(), cell=cell[at])


def _blocks(cell: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """For sorted cell ids: each position's block number, and each block's start and size."""
    first = np.ones(len(cell), dtype=bool)
    first[1:] = cell[1:] != cell[:-1]
    starts = np.flatnonzero(first)
    return np.cumsum(first) - 1, starts, np.diff(np.append(starts, len(cell)))


def _loo_median(values: np.ndarray, start: np.ndarray, size: np.ndarray, pos: np.ndarray) -> np.ndarray:
    """The median of each block of sorted `values` (start, size) without its element at `pos`: the t-th value left
    is values[start + t], or the one after where t reaches pos. Elementwise: one per (start, size, pos)."""
    half = (size - 1) // 2
    low = np.where((size - 1) % 2 == 1, half, half - 1)  # m = size - 1 values left: middle one, or the middle two
    return (values[start + low + (low >= pos)] + values[start + half + (half >= pos)]) / 2


def _sorted_within(groups: np.ndarray, values: np.ndarray) -> np.ndarray:
    """The order that sorts by group, then value: np.lexsort's, but as one argsort of exact int64 keys (the group,
    then the value's global rank), several times faster than lexsort on float keys."""
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(values)] = np.arange(len(values))
    return np.argsort(groups.astype(np.int64) * len(values) + rank)


def _leave_one_out(cell: np.ndarray, x: np.ndarray, spread: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per entry: the median of the other entries' x in its cell, their MAD around that median and the largest of
    their spreads (cells of two entries at least)."""
    order = _sorted_within(cell, x)
    v, s = x[order], spread[order]
    block, starts, sizes = _blocks(cell[order])
    start, size = starts[block], sizes[block]
    pos = np.arange(len(v)) - start
    med = _loo_median(v, start, size, pos)
    mad = _loo_mad(v, med, block, starts, sizes, pos)
    # the widest of the others: the cell's widest, or its second widest for the entry that is the widest
    top = np.maximum.reduceat(s, starts)
    at_top = np.minimum.reduceat(np.where(s >= top[block], np.arange(len(s)), len(s)), starts)
    rest = s.copy()
    rest[at_top] = -np.inf
    second = np.maximum.reduceat(rest, starts)
    widest = np.where(np.arange(len(s)) == at_top[block], second[block], top[block])
    back = np.empty_like(order)
    back[order] = np.arange(len(order))
    return med[back], mad[back], widest[back]


def _loo_mad(v: np.ndarray, med: np.ndarray, block: np.ndarray, starts: np.ndarray, sizes: np.ndarray,
             pos: np.ndarray) -> np.ndarray:
    """Per entry of the sorted blocks: the median absolute deviation of the others from their median (`med`). A
    cell's leave-one-out median takes at most three values (which side of the middle the left-out entry sits), so
    the cell's deviations from at most three centres are sorted: at most 3x the entries, no loop per cell."""
    size = sizes[block]
    half = (size - 1) // 2
    side = (np.where((size - 1) % 2 == 1, half, half - 1) >= pos).astype(np.int64) + (half >= pos)
    pair_of, p_first, _ = _blocks(block * 3 + (2 - side))  # nondecreasing: side falls as pos rises in a block
    centre = med[p_first]
    p_size = sizes[block[p_first]]
    p_start = np.cumsum(p_size) - p_size  # where each (cell, centre) block starts in the expanded arrays
    pid = np.repeat(np.arange(len(p_first)), p_size)
    src = np.repeat(starts[block[p_first]], p_size) + np.arange(len(pid)) - np.repeat(p_start, p_size)
    dev = np.abs(v[src] - centre[pid])
    by = _sorted_within(pid, dev)
    dev, src, pid = dev[by], src[by], pid[by]
    own = pid == pair_of[src]  # each entry's own deviation from its own centre: once per entry
    dpos = np.empty(len(v), dtype=np.int64)
    dpos[src[own]] = (np.arange(len(pid)) - p_start[pid])[own]
    return _loo_median(dev, p_start[pair_of], size, dpos)


def _empty(keys: list[str], carried: list[str], every: bool) -> pd.DataFrame:
    """No env to compare: the columns outliers() gives, typed as when there are rows (figures float, counts int)."""
    columns = [c for c in COLUMNS if c not in KEYS or c in keys] + carried + ["outlier"] * every
    types = {"rate": float, "others_median": float, "lo": float, "hi": float, "ratio": float, "others": np.int64,
             "outlier": bool, "line": np.int64}
    return pd.DataFrame({c: pd.Series(dtype=types.get(c, object)) for c in columns})


def outliers(frame: pd.DataFrame, every: bool = False) -> pd.DataFrame:
    """The outlying env medians (module docstring) of a frame of rows (samples_per_s) or of an aggregate (rate,
    rate_min, rate_max): COLUMNS (the KEYS the frame has) and CARRIED where it has them, sorted by env. every=True:
    every env that had MIN_OTHERS others to compare with, and an `outlier` column."""
    table = env_medians(frame)
    keys = [k for k in KEYS if k in table.columns]
    counts = np.bincount(table["cell"].to_numpy(dtype=np.int64)) if len(table) else np.zeros(0, dtype=np.int64)
    table = table[counts[table["cell"].to_numpy(dtype=np.int64)] > MIN_OTHERS] if len(table) else table
    carried = [c for c in CARRIED if c in table.columns]
    if table.empty:
        return _empty(keys, carried, every)
    rate = table["rate"].to_numpy(dtype=float)
    x = np.log(rate)
    med, mad, widest = _leave_one_out(table["cell"].to_numpy(dtype=np.int64), x,
                                      np.log(table["high"].to_numpy(dtype=float) / table["low"].to_numpy(dtype=float)))
    half = np.maximum(np.maximum(MAD_WIDTH * MAD_SCALE * mad, widest), np.log(MIN_RATIO))
    centre = np.exp(med)
    out = table[["env", "device", *keys, *carried]].assign(
        rate=rate, others_median=centre, lo=np.exp(med - half), hi=np.exp(med + half),
        others=counts[table["cell"].to_numpy(dtype=np.int64)] - 1, ratio=rate / centre, outlier=np.abs(x - med) > half)
    if every:
        return out.reset_index(drop=True)
    out = out[out["outlier"]].drop(columns="outlier")
    return out.sort_values(["env", "device", *keys], kind="stable").reset_index(drop=True)
