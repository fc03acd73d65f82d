"""The site's own aggregates: framework versions kept apart, a device key per row, quartiles beside the median.

summary.aggregate pools every framework version of a configuration into one median; one device's numbers move
between framework versions, so the site groups by framework major.minor ("2.14.1+cu130" -> "2.14") and keeps the
pooled figure as well, only where it differs (a configuration measured under two or more versions). Each row of
site_agg carries a `pool` code saying in which view it is shown:

    0  both views (the configuration has one version: its own figure is also the pooled one)
    1  versions kept apart only (one version of a configuration that has several)
    2  versions pooled only (the configuration over all its versions; `version` lists them)

Everything runs on integer codes of the categorical columns: a million rows cost what their distinct
configurations cost; a regex runs once per distinct version or device name, never per row.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from collect.contract.identity import identity_column
from collect.present import flags, roofline
from collect.present.summary import CONFIG

BOTH, APART, POOLED = 0, 1, 2
VALUES = ["samples_per_s", "step_ms_median", "tflops"]
_MINOR = re.compile(r"\s*v?(\d+)(?:\.(\d+))?")


def minor(version: str) -> str:
    """A framework version's major.minor: "2.14.1+cu130" -> "2.14", "1.12.0.dev20220520" -> "1.12", "2" -> "2";
    empty stays empty, and a version that does not start with a number is kept whole."""
    text = str(version or "").strip()
    found = _MINOR.match(text)
    if not found:
        return text
    return found.group(1) + (f".{found.group(2)}" if found.group(2) is not None else "")


def mapped(column: pd.Series, fn) -> pd.Categorical:
    """fn applied once per distinct value of a text column (empty and missing as ""), as a categorical of its
    results: the codes of the column taken through a small table, no string built per row."""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype(str).astype("category")
    names = [*cat.cat.categories.astype(str), ""]
    results = fn(names)
    codes, uniques = pd.factorize(np.asarray([str(r) for r in results], dtype=object))
    table = codes.astype(np.int64)
    return pd.Categorical.from_codes(table[cat.cat.codes.to_numpy()], categories=list(uniques))


def versions(column: pd.Series) -> pd.Categorical:
    return mapped(column, lambda names: [minor(n) for n in names])


def device_column(frame: pd.DataFrame) -> pd.Categorical:
    """The device identity of each row (collect.contract.identity: spellings merged, a CPU's generation where its name
    hides it): the frame's own `device` column where it has one (summary.summarize adds it), else worked out here."""
    if "device" in frame.columns:
        column = frame["device"]
        if not isinstance(column.dtype, pd.CategoricalDtype) or column.isna().any():
            column = column.astype(object).where(column.notna(), "").astype(str).astype("category")
        return pd.Categorical(column)
    return identity_column(frame)


def ok_part(frame: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """The rows with status ok: the key columns (categoricals kept), the measured values, `version`, `device`."""
    ok = (frame["status"] == "ok").to_numpy(dtype=bool)
    part = frame.loc[ok, [k for k in dict.fromkeys([*keys, *VALUES]) if k in frame.columns]].copy()
    version = frame.loc[ok, "framework_version"] if "framework_version" in frame else pd.Series("", index=part.index)
    part["version"] = versions(version)
    if "protocol" not in part:  # a frame built by hand: its measured rows rank (record.protocol_of's default)
        part["protocol"] = ""
    part["device"] = device_column(frame)[ok]
    bits, peak = flags.row_flags(frame.loc[ok])
    part["flags"], part["peak"] = bits, peak  # caveats (collect.present.flags), ORed over each group's rows
    part["per_j"] = per_joule(frame.loc[ok])
    part["energy"] = energy_label(frame.loc[ok], part["per_j"].to_numpy())
    if "run_id" in frame:
        part["run"] = latest_first(frame.loc[ok, "run_id"])
    return part.reset_index(drop=True)


def per_joule(rows: pd.DataFrame) -> np.ndarray:
    """Samples (tokens, bytes) per joule of each row where its energy was measured: 1 / energy_j_per_sample, else
    samples/s over a stated power_w (a published row's); NaN where neither is there. Never from a TDP."""
    n = len(rows)
    energy = rows["energy_j_per_sample"].to_numpy(dtype=float) if "energy_j_per_sample" in rows else np.full(n, np.nan)
    power = rows["power_w"].to_numpy(dtype=float) if "power_w" in rows else np.full(n, np.nan)
    rate = rows["samples_per_s"].to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(energy > 0, 1.0 / energy, np.where(power > 0, rate / power, np.nan))


def energy_label(rows: pd.DataFrame, per_j: np.ndarray) -> pd.Categorical:
    """How each row's samples per joule was measured, where it has one (missing elsewhere): its energy_method for a
    measured row ("unstated" where an older row names none); "<source>:<method>" for a published (or any other
    non-measured) row, whose power is as its source stated it. Two rows' per joule compare only under one scope
    (extras.ENERGY): a GPU-only NVML figure is neither a CPU package's (RAPL) nor a published one. Labels are made per
    distinct (method, source) pair, never per row."""
    def codes(name: str) -> tuple[np.ndarray, list[str]]:
        if name not in rows:
            return np.full(len(rows), -1, dtype=np.int64), []
        cat = rows[name] if isinstance(rows[name].dtype, pd.CategoricalDtype) else rows[name].astype(str).astype("category")
        return cat.cat.codes.to_numpy().astype(np.int64), [str(c) for c in cat.cat.categories]

    (method, methods), (source, sources) = codes("energy_method"), codes("source")
    width = len(sources) + 1
    uniques, inverse = np.unique((method + 1) * width + source + 1, return_inverse=True)
    labels = []
    for key in uniques.tolist():
        m = methods[key // width - 1] if key // width else ""
        s = sources[key % width - 1] if key % width else "measured"
        m = "" if m in ("nan", "none") else m
        labels.append((m or "unstated") if s == "measured" else f"{s}:{m or 'unstated'}")
    table, names = pd.factorize(np.asarray(labels, dtype=object))
    code = np.where(np.isfinite(np.asarray(per_j, dtype=float)), table[inverse.reshape(-1)], -1)
    return pd.Categorical.from_codes(code, categories=list(names))


def _energy(part: pd.DataFrame, key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(per joule median, energy label) of each group of `key`, in sorted key order: the median over the group's rows
    of one label only (its highest code), so a configuration measured once by NVML and once by RAPL never reads as a
    mix of the two."""
    per_j = part["per_j"].to_numpy(dtype=float) if "per_j" in part else np.full(len(part), np.nan)
    cat = part["energy"].array if "energy" in part else pd.Categorical.from_codes(np.full(len(part), -1), categories=[])
    codes = np.asarray(cat.codes, dtype=np.int64)
    chosen = pd.Series(codes).groupby(key).transform("max").to_numpy()
    median = pd.Series(np.where(codes == chosen, per_j, np.nan)).groupby(key).median().to_numpy()
    top = pd.Series(codes).groupby(key).max().to_numpy()
    names = np.asarray([*map(str, cat.categories), ""], dtype=object)
    return median, names[top]  # code -1 picks the "" at the end


def latest_first(column: pd.Series) -> pd.Categorical:
    """Run ids as an ordered categorical, sorted as text: run ids begin with their UTC time, so a group's max is its
    latest run. (Not a DataFrame attribute: pandas deep-copies those on every operation.)"""
    cat = column if isinstance(column.dtype, pd.CategoricalDtype) else column.astype(str).astype("category")
    labels = np.asarray([str(v) for v in cat.cat.categories], dtype=object)
    order = np.argsort(labels, kind="stable")
    rank = np.empty(len(labels) + 1, dtype=np.int64)
    rank[order] = np.arange(len(labels))
    rank[-1] = -1  # code -1 (missing) stays missing
    return pd.Categorical.from_codes(rank[cat.cat.codes.to_numpy()], categories=labels[order], ordered=True)


def group_codes(part: pd.DataFrame, keys: list[str]) -> np.ndarray:
    """An integer per row, equal for rows equal on every key column (hashing integer codes, not strings)."""
    if part.empty:
        return np.zeros(0, dtype=np.int64)
    return part.groupby(keys, observed=True, sort=False).ngroup().to_numpy(dtype=np.int64)


def figures(part: pd.DataFrame, key: np.ndarray, envs: bool = False) -> pd.DataFrame:
    """Per distinct key (sorted): median, min, max, quartiles and count of samples/s, medians of step ms and
    TFLOP/s, how many envs (where `part` has no env key column: a device's rows), the first row of the group
    (`at`) to take its key columns from, its caveats (`flags`, `peak`: collect.present.flags), and its samples per
    joule with how they were measured (`per_j`, `energy`: _energy)."""
    group = part.groupby(key, sort=True)
    rate = group["samples_per_s"]
    out = pd.DataFrame({"rate": rate.median(), "rate_min": rate.min(), "rate_max": rate.max(),
                        "q1": rate.quantile(0.25), "q3": rate.quantile(0.75),
                        "step_ms": group["step_ms_median"].median() if "step_ms_median" in part else np.nan,
                        "tflops": group["tflops"].median() if "tflops" in part else np.nan, "n": rate.size(),
                        "run": group["run"].max() if "run" in part else ""})
    out["per_j"], out["energy"] = _energy(part, key)
    if envs:
        out["envs"] = group["env"].nunique()
    firsts, inverse = np.unique(key, return_index=True, return_inverse=True)[1:]
    out["at"] = firsts
    if "flags" in part:
        out["flags"], out["peak"] = flags.grouped_flags(part["flags"].to_numpy(), part["peak"].to_numpy(), inverse, len(out))
    return out


def pool_labels(config: np.ndarray, version: pd.Categorical) -> pd.Series:
    """config id -> "2.13 + 2.14": the versions its rows hold, joined (sorted as numbers where they are)."""
    pairs = pd.DataFrame({"c": config, "v": version.codes}).drop_duplicates()
    names = np.asarray(list(version.categories) + [""], dtype=object)
    order = sorted(range(len(names)), key=lambda k: [int(p) if p.isdigit() else -1 for p in str(names[k]).split(".")])
    rank = np.empty(len(names), dtype=np.int64)
    rank[order] = np.arange(len(names))
    pairs = pairs.assign(r=rank[pairs["v"].to_numpy()]).sort_values(["c", "r"], kind="stable")
    # one label per distinct set of versions (few), not a join per configuration
    sets = pairs.groupby("c", sort=False)["v"].agg(tuple)
    label = {s: " + ".join(str(names[v]) or "(none)" for v in s) for s in set(sets.tolist())}
    return sets.map(label)


def grouped_apart(part: pd.DataFrame, keys: list[str], envs: bool = False) -> pd.DataFrame:
    """One row per distinct `keys` and version, plus a pooled row per `keys` that holds two or more versions;
    `pool` says which view shows each (module docstring). envs: count the distinct envs of each group too."""
    if part.empty:
        return pd.DataFrame(columns=list(dict.fromkeys([*keys, "version", "device", "rate", "rate_min", "rate_max", "q1", "q3",
                                                         "step_ms", "tflops", "n", "pool", "flags", "peak", "per_j", "energy", "run",
                                                         *(["envs"] if envs else [])])))
    config = group_codes(part, keys)
    vcodes = part["version"].cat.codes.to_numpy().astype(np.int64) + 1
    per = figures(part, config * (len(part["version"].cat.categories) + 1) + vcodes, envs)
    per_config = config[per["at"].to_numpy()]
    several = np.bincount(per_config, minlength=int(config.max()) + 1) > 1
    per = per.assign(pool=np.where(several[per_config], APART, BOTH), _config=per_config)
    head_columns = list(dict.fromkeys([*keys, "version", "device"]))
    rows = part.iloc[per["at"].to_numpy()][head_columns].reset_index(drop=True)
    out = [pd.concat([rows, per.reset_index(drop=True)], axis=1)]
    mixed = several[config]
    if mixed.any():
        pooled = figures(part[mixed], config[mixed], envs)
        pooled = pooled.assign(pool=POOLED, _config=pooled.index.to_numpy())
        head = part[mixed].iloc[pooled["at"].to_numpy()][[c for c in head_columns if c != "version"]]
        head = head.reset_index(drop=True)
        labels = pool_labels(config[mixed], part["version"].array[mixed])
        head["version"] = labels.reindex(pooled.index).to_numpy()
        out.append(pd.concat([head, pooled.reset_index(drop=True)], axis=1))
    table = pd.concat(out, ignore_index=True) if len(out) > 1 else out[0]
    for column in ("version", "device"):
        table[column] = table[column].astype(str)
    for column in ("batch_size", "world_size"):
        if column in table:
            table[column] = table[column].astype(float).fillna(1).clip(upper=2**53).astype(np.int64)
    if "run" in table:  # the latest run of each line, as its id
        table["run"] = table["run"].astype(object).where(table["run"].notna(), "").astype(str)
    return table.drop(columns=["at"])


def site_agg(frame: pd.DataFrame, agg: pd.DataFrame | None = None, compute: pd.DataFrame | None = None,
             part: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every configuration (summary.CONFIG) per framework major.minor, with the pooled row where it differs:
    CONFIG, version, device, rate, rate_min, rate_max, q1, q3, step_ms, tflops, n, pool, and peak_frac where
    summary.aggregate gave one (`agg`; `compute`: its roofs, summary.roofs.compute, when the caller has them).
    part: ok_part(frame, ...) with at least CONFIG's columns, when the caller has it (the device pages use it too)."""
    part = ok_part(frame, CONFIG) if part is None else part
    table = grouped_apart(part, CONFIG).drop(columns=["_config"], errors="ignore")
    if agg is not None and "peak_frac" in agg.columns and agg["peak_frac"].notna().any() and not table.empty:
        compute = roofline.compute_roofs(agg) if compute is None else compute
        # each line's own TFLOP/s over its env's measured roof at its precision: a version's line is its own figure
        table = table.assign(peak_frac=roofline.peak_fraction(table, compute))
    return table
