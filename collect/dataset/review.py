"""Rows a reviewer should look at before merging: printed by `plot_results.py --check`.

Not errors (a file with such rows is still valid): a throughput above what the device can
physically do, a harness older than the oldest we still accept, one run_id in several files, a submission far
outside the other submissions of its device and configuration (collect.contract.outliers).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.contract.outliers import outliers
from collect.contract.peaks import PLAUSIBLE_SHARE, peak_tflops
from collect.contract.record import TRIAL_KEY, UNSTEADY_RATIO, WORKLOAD_RATE_UNIT, rate_shown
from collect.dataset.validate import Problem

MIN_HARNESS_VERSION = (0, 1, 0)
MAX_FLAGS_PER_FILE = 20  # of each kind; the rest is counted


def _version(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(text).split(".")[:3])
    except ValueError:
        return None


def review(frame: pd.DataFrame) -> list[Problem]:
    """Every flag, worked out per column (distinct device names and versions are looked up once, not per row);
    at most MAX_FLAGS_PER_FILE of each kind per file are listed, then how many more there are."""
    if frame.empty:
        return []
    return (_too_fast(frame) + _old_harness(frame) + _shared_run_ids(frame) + _unsteady(frame) + _overcounted(frame)
            + _outliers(frame))


def _too_fast(frame: pd.DataFrame) -> list[Problem]:
    rows = frame.loc[(frame["device_kind"] != "cpu") & (frame["tflops"] > 0), ["file", "line", "tflops", "device_name", "precision"]]
    keys = rows[["device_name", "precision"]].astype(str)
    pairs = keys.drop_duplicates()  # a handful of devices, however many rows
    peaks = np.array([peak_tflops(d, p) or np.nan for d, p in pairs.itertuples(index=False)] + [np.nan])
    peak = peaks[pd.MultiIndex.from_frame(pairs).get_indexer(pd.MultiIndex.from_frame(keys))] if len(rows) else peaks[:0]
    rows = rows.assign(peak=peak)
    flagged = rows[rows["tflops"] > PLAUSIBLE_SHARE * rows["peak"]]
    return _listed(flagged, "tflops", lambda r: f"{r.tflops:.1f} TFLOP/s is above {PLAUSIBLE_SHARE:.0%} of the {r.peak:g} "
                   f"TFLOP/s {r.precision} peak of {r.device_name}: check sync and units")


def _old_harness(frame: pd.DataFrame) -> list[Problem]:
    rows = frame[frame["source"] == "measured"]
    versions = pd.Series(rows["harness_version"].astype(str).unique())
    old = set(versions[[bool(v) and v < MIN_HARNESS_VERSION for v in map(_version, versions)]])
    flagged = rows[rows["harness_version"].astype(str).isin(old)]
    oldest = ".".join(map(str, MIN_HARNESS_VERSION))
    return _listed(flagged, "harness_version", lambda r: f"{r.harness_version} is older than the oldest supported "
                   f"({oldest}); re-run with a current devicebench")


def _shared_run_ids(frame: pd.DataFrame) -> list[Problem]:
    pairs = frame.loc[frame["source"] == "measured", ["run_id", "file"]].astype(str).drop_duplicates()
    shared = pairs[pairs.duplicated("run_id", keep=False)].sort_values(["run_id", "file"])
    out = []
    for run_id, files in shared.groupby("run_id", sort=True)["file"]:
        files = files.tolist()
        more = f" and {len(files) - MAX_FLAGS_PER_FILE} more files" if len(files) > MAX_FLAGS_PER_FILE else ""
        out.append(Problem(files[0], 0, "run_id", f"run {run_id!r} also appears in {', '.join(files[1:MAX_FLAGS_PER_FILE])}"
                           f"{more}: one run, one file", level="review"))
    return out


def _unsteady(frame: pd.DataFrame) -> list[Problem]:
    """Configurations of one run whose trials (--repeat) are more than UNSTEADY_RATIO apart: flagged on their
    first row, whatever the rows' notes say (the verdict is recomputed from the data)."""
    ok = frame[(frame["status"] == "ok") & frame["trial"].notna() & (frame["samples_per_s"] > 0)]
    if ok.empty:
        return []
    keys = ["file", "run_id", *TRIAL_KEY]
    rates = ok.groupby(keys, observed=True, sort=False)["samples_per_s"]
    low, high, count = rates.transform("min"), rates.transform("max"), rates.transform("size")
    flagged = ok.assign(low=low, high=high, n=count)[(high > UNSTEADY_RATIO * low) & (count > 1)]
    flagged = flagged.drop_duplicates(keys)
    def line(r) -> str:
        unit = r.rate_unit if isinstance(getattr(r, "rate_unit", ""), str) else ""
        (low, shown), (high, _) = rate_shown(r.low, unit), rate_shown(r.high, unit)
        return (f"unsteady: {r.n} trials of {r.model} {r.mode} bs{int(r.batch_size)} range {_num(low)}-{_num(high)} {shown}, "
                f"more than {UNSTEADY_RATIO - 1:.0%} apart: the machine's speed changed between trials")
    return _listed(flagged, "samples_per_s", line)


def _num(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def _outliers(frame: pd.DataFrame) -> list[Problem]:
    """Submissions far outside their device's other submissions of a configuration (contract.outliers), flagged on
    the configuration's first row: a hint for the reviewer (a misconfigured machine, a wrong unit), never a refusal."""
    found = outliers(frame) if {"file", "line", "env"} <= set(frame.columns) else pd.DataFrame()
    if found.empty:
        return []

    def line(r) -> str:
        unit = WORKLOAD_RATE_UNIT.get(str(r.workload), "samples")
        (rate, shown), (centre, _), (lo, _), (hi, _) = (rate_shown(v, unit) for v in (r.rate, r.others_median, r.lo, r.hi))
        ratio = f"{r.ratio:.1f}x" if r.ratio >= 0.95 else f"{r.ratio:.2f}x"
        return (f"outlier: {_configuration(r)} on {r.device}: {_num(rate)} {shown}, {ratio} the median {_num(centre)} of "
                f"its device's {r.others} other submissions (band {_num(lo)}-{_num(hi)}): a reviewer's hint, not a refusal")
    return _listed(found, "samples_per_s", line)


def _configuration(r) -> str:
    """"torch resnet50 infer fp32 bs16 eager", with the device count and the llm lengths where they say something."""
    text = f"{r.framework} {r.model} {r.mode} {r.precision} bs{int(r.batch_size)} {r.backend}"
    world = getattr(r, "world_size", 1)
    text += f" x{int(world)} devices" if world == world and world > 1 else ""
    lengths = [(name, getattr(r, column, None)) for name, column in (("seq", "seq_len"), ("context", "context_len"))]
    lengths = [f"{name} {int(v)}" for name, v in lengths if v is not None and v == v]
    return text + (f" ({', '.join(lengths)})" if lengths else "")


OVERCOUNT_RATIO = 3.5  # training is ~3x the forward (2.57-3.1 for every suite model); the old counter gave 7-27x


def _overcounted(frame: pd.DataFrame) -> list[Problem]:
    """torch training rows whose FLOPs are far above 3x the same model's inference FLOPs in the same file: the
    stock torch counter before devicebench 0.2.0 overcounted grouped and depthwise convolution backward."""
    rows = frame[(frame["framework"] == "torch") & (frame["flops_per_sample"] > 0)]
    infer = rows[rows["mode"] == "infer"].groupby(["file", "model"], observed=True)["flops_per_sample"].min()
    train = rows[rows["mode"] == "train"]
    if infer.empty or train.empty:
        return []
    forward = pd.Series(infer.reindex(pd.MultiIndex.from_arrays([train["file"], train["model"]])).to_numpy(), index=train.index)
    flagged = train.assign(ratio=train["flops_per_sample"] / forward)[lambda t: t["ratio"] > OVERCOUNT_RATIO]
    return _listed(flagged, "tflops", lambda r: f"training counted {r.ratio:.1f}x the forward FLOPs of {r.model} (expected "
                   "about 3x): torch's stock counter before devicebench 0.2.0 overcounted grouped convolution backward, so "
                   "flops_per_sample and tflops are too high; samples/s is unaffected")


def _listed(flagged: pd.DataFrame, column: str, reason) -> list[Problem]:
    """One review flag per row, at most MAX_FLAGS_PER_FILE per file, then a count of the rest."""
    if flagged.empty:
        return []
    flagged = flagged.assign(file=flagged["file"].astype(str)).sort_values(["file", "line"], kind="stable")
    rank = flagged.groupby("file", sort=False).cumcount().to_numpy()
    out = [Problem(r.file, int(r.line), column, reason(r), level="review") for r in flagged[rank < MAX_FLAGS_PER_FILE].itertuples()]
    for path, count in flagged["file"].value_counts().items():
        if count > MAX_FLAGS_PER_FILE:
            out.append(Problem(path, 0, column, f"{count - MAX_FLAGS_PER_FILE} more rows flagged like this", level="review"))
    return out
