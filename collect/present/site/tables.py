"""What the site shows, as tables computed from a Summary: per-env facts and fingerprints, leaderboard rows,
rows that did not run, and the notes contributors wrote.

Everything works on the categorical columns and integer codes of the loaded frame, so a million rows cost
what their distinct values cost; no string is built per row.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from collect.present.summary import CONFIG, grouped

LIMIT = 6  # distinct values of one fingerprint field listed per env (the count says how many there are)
# (label, columns[, separator]) of an env's fingerprint, in the order the env page shows them. What names the device
# comes first: a CPU's generation, instruction sets and math library tell two chips of one name apart (schema 5). Its
# device identity and protocols are not here: the page reads them from the env's rows (env.js envPrint), which hold them.
FINGERPRINT = (
    ("device", ("device_name", "device_kind")), ("platform", ("platform",)), ("CPU", ("cpu_name",)),
    ("CPU vendor", ("cpu_vendor",)), ("CPU generation", ("cpu_arch",)), ("instruction sets", ("cpu_isa",)),
    ("CPU family/model/stepping", ("cpu_family", "cpu_model", "cpu_stepping"), "/"), ("math library", ("math_library",)),
    ("host product", ("host_product",)), ("CPU cores", ("cpu_count",)), ("RAM GiB", ("ram_gb",)),
    ("accelerator memory GiB", ("accel_mem_gb",)), ("compute capability", ("accel_capability",)),
    ("SMs / GPU cores", ("accel_units",)), ("power limit W", ("accel_power_limit_w",)),
    ("max SM clock MHz", ("accel_clock_mhz",)), ("OS", ("os",)), ("Python", ("python_version",)),
    ("framework", ("framework", "framework_version")), ("Keras", ("keras_version",)), ("CUDA", ("cuda_version",)),
    ("cuDNN", ("cudnn_version",)), ("driver", ("driver_version",)), ("power source", ("power_source",)),
    ("Rosetta 2", ("rosetta",)), ("threads", ("threads",)), ("devicebench", ("harness_version",)), ("source", ("source",)), ("reference", ("reference",)), ("run", ("run_id",)),
)
BOARD_KEYS = ["env", "framework", "device_kind", "device_name", "source", "protocol", "workload", "model", "mode", "precision",
              "world_size", "backend"]
OTHER_KEYS = ["env", "framework", "device_kind", "workload", "model", "mode", "precision", "batch_size", "world_size",
              "backend", "status", "note"]


def codes_of(column: pd.Series) -> tuple[np.ndarray, list[str]]:
    """(integer code per row, -1 where empty or missing; the distinct values as text) of any column."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        codes, labels = column.cat.codes.to_numpy().astype(np.int64), list(column.cat.categories.astype(str))
    else:
        codes, uniques = pd.factorize(column)
        numeric = pd.api.types.is_numeric_dtype(column)
        labels = [f"{v:g}" if numeric else str(v) for v in uniques.tolist()]
        codes = codes.astype(np.int64)
    empty = np.array([label in ("", "nan") for label in labels] + [True])  # code -1 is missing: the last entry
    return np.where(empty[codes], -1, codes), labels


def distinct(frame: pd.DataFrame, columns: tuple[str, ...], env: tuple[np.ndarray, list[str]] | None = None,
             sep: str = " ") -> pd.DataFrame:
    """The distinct (env, value) pairs of the columns, in row order: the values joined by `sep`, rows whose first
    column is empty left out. Computed on integer codes combined into one key: one hash pass over the rows.
    `env`: codes_of(frame["env"]), when the caller has it."""
    env_codes, envs = env or codes_of(frame["env"])
    parts = [codes_of(frame[column]) for column in columns]
    keep = np.flatnonzero(parts[0][0] >= 0)
    if len(envs) * np.prod([len(labels) + 1 for _, labels in parts], dtype=float) < 2**62:
        key = env_codes.copy()
        for codes, labels in parts:
            key = key * (len(labels) + 1) + codes + 1
        seen = pd.Series(key[keep]).duplicated()
    else:  # too many distinct values for one integer key: compare the codes column by column
        seen = pd.DataFrame({k: codes[keep] for k, (codes, _) in enumerate([(env_codes, envs), *parts])}).duplicated()
    rows = keep[~seen.to_numpy()]
    text = [np.asarray(labels + [""], dtype=object)[codes[rows]] for codes, labels in parts]
    value = text[0] if len(text) == 1 else pd.Series(text[0]).str.cat([pd.Series(t) for t in text[1:]], sep=sep).str.strip(sep + " ")
    return pd.DataFrame({"env": np.asarray(envs, dtype=object)[env_codes[rows]], "value": np.asarray(value, dtype=object)},
                        dtype=object)


def fingerprints(frame: pd.DataFrame) -> dict[str, list]:
    """env -> [[label, [up to LIMIT values], how many there are], ...] for every FINGERPRINT field the env states,
    then the date range of its rows."""
    out: dict[str, list] = {}
    env_codes = codes_of(frame["env"])
    for label, columns, *sep in FINGERPRINT:
        if not all(c in frame.columns for c in columns):
            continue
        pairs = distinct(frame, columns, env_codes, *sep)
        by_env = pairs.groupby("env", sort=False)
        pairs = pairs.assign(rank=by_env.cumcount(), count=by_env["value"].transform("size"))
        listed: dict[str, list] = {}
        shown = pairs[pairs["rank"] < LIMIT]
        for env, value, count in zip(*(shown[c].to_numpy(dtype=object).tolist() for c in ("env", "value", "count")), strict=True):
            if env not in listed:
                listed[env] = [label, [], int(count)]
                out.setdefault(env, []).append(listed[env])
            listed[env][1].append(value)
    for env, (first, last) in date_ranges(frame).items():
        out.setdefault(env, []).append(["measured", [first if first == last else f"{first} to {last}"], 1])
    return out


def date_ranges(frame: pd.DataFrame) -> dict[str, tuple[str, str]]:
    """env -> (first date, last date) of its timestamps (ISO strings sort as dates)."""
    codes, labels = codes_of(frame["timestamp_utc"])
    if not labels:
        return {}
    order = np.argsort(np.asarray(labels, dtype=object))
    rank = np.empty(len(labels), dtype=np.int64)
    rank[order] = np.arange(len(labels))
    env_codes, envs = codes_of(frame["env"])
    part = pd.DataFrame({"env": env_codes, "rank": rank[codes]})[codes >= 0]
    span = part.groupby("env", sort=False)["rank"].agg(["min", "max"])
    ordered = np.asarray(labels, dtype=object)[order]
    return {envs[e]: (str(ordered[lo])[:10], str(ordered[hi])[:10]) for e, lo, hi in span.itertuples()}


def env_facts(frame: pd.DataFrame, agg: pd.DataFrame) -> pd.DataFrame:
    """One row per env, sorted by name: rows, configurations, and the platform, device, device kind and source
    most of its rows have."""
    env = frame["env"].astype("category") if not isinstance(frame["env"].dtype, pd.CategoricalDtype) else frame["env"]
    facts = env.value_counts(sort=False).rename("rows").to_frame()
    facts.index = facts.index.astype(str)
    for column in ("platform", "device_name", "device_kind", "source"):
        counts = frame.groupby([env, frame[column]], observed=True).size().rename("k").reset_index()
        top = counts.sort_values("k", ascending=False, kind="stable").drop_duplicates("env")
        facts[column] = pd.Series(top[column].astype(str).to_numpy(), index=top["env"].astype(str).to_numpy())
    facts["configs"] = agg["env"].value_counts() if not agg.empty else 0
    facts = facts[facts["rows"] > 0].fillna({"configs": 0}).fillna("")
    facts["configs"] = facts["configs"].astype(int)
    return facts.sort_index()


def board_rows(agg: pd.DataFrame) -> pd.DataFrame:
    """Each env's fastest batch size per framework, device, model, mode, precision, device count and backend:
    the leaderboards' rows (the env pages show every batch size). With versions kept apart (a `pool` column, as
    stats.site_agg gives) the fastest per version as well as over the pooled rows, each row's `pool` code saying
    in which of the two views it is the fastest (0 both, 1 versions apart, 2 pooled)."""
    if agg.empty:
        return agg
    best = agg.sort_values("rate", ascending=False, kind="stable")
    keys = pd.DataFrame({k: pd.factorize(best[k])[0] for k in BOARD_KEYS if k in best})  # integer codes: a fast duplicate test
    if "pool" not in best.columns:
        return best[~keys.duplicated().to_numpy()].reset_index(drop=True)
    pool = best["pool"].to_numpy()
    apart, pooled = np.zeros(len(best), dtype=bool), np.zeros(len(best), dtype=bool)
    shown = pool != 2
    apart[shown] = ~keys.assign(version=pd.factorize(best["version"])[0])[shown].duplicated().to_numpy()
    shown = pool != 1
    pooled[shown] = ~keys[shown].duplicated().to_numpy()
    keep = apart | pooled
    code = np.where(apart & pooled, 0, np.where(apart, 1, 2))
    return best[keep].assign(pool=code[keep]).reset_index(drop=True)


def other_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows that did not give a figure (oom, unsupported, error, skipped): one line per configuration, status and note."""
    mask = (frame["status"] != "ok").to_numpy(dtype=bool)
    if not mask.any():
        return pd.DataFrame(columns=[*OTHER_KEYS, "n"])
    part = frame.loc[mask, OTHER_KEYS].copy()  # few rows: an empty note must not drop its row from the grouping
    part["note"] = part["note"].astype(object).where(part["note"].notna(), "").astype(str)
    return grouped(part, np.ones(len(part), dtype=bool), OTHER_KEYS, n=("status", "size"))


def with_notes(agg: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """agg with a `note` column: the distinct notes of each configuration's rows, each clause once ("" for none)."""
    return _with_text(agg, frame, "note", _join_notes)


def with_references(agg: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    """agg with a `reference` column: where each published (or legacy) configuration's figure was read, its rows'
    distinct references one a line ("" for a measured row, which has none): the site links each to its source, since
    a devicebench command cannot reproduce another harness's figure."""
    if "reference" not in frame.columns:
        return agg.assign(reference="")
    return _with_text(agg, frame, "reference", lambda values: "\n".join(dict.fromkeys(str(v) for v in values)))


def _with_text(agg: pd.DataFrame, frame: pd.DataFrame, column: str, join) -> pd.DataFrame:
    """agg with `column`: the distinct non-empty values of each configuration's ok rows, joined by `join`."""
    text = frame[column]
    mask = ((frame["status"] == "ok") & text.notna() & (text.astype(str) != "")).to_numpy(dtype=bool)
    if agg.empty or not mask.any():
        return agg.assign(**{column: ""})
    found = grouped(frame, mask, [*CONFIG, column], k=(column, "size"))  # distinct (configuration, value) pairs
    # most configurations have one value: those are taken as they are; only the rest are joined in Python
    several = found.groupby(CONFIG, sort=False).ngroup().duplicated(keep=False).to_numpy()
    joined = found.loc[several].groupby(CONFIG, sort=False)[column].agg(join)
    joined = pd.concat([found.loc[~several, [*CONFIG, column]], joined.reset_index()], ignore_index=True)
    return agg.merge(joined, on=CONFIG, how="left").fillna({column: ""})


def _join_notes(values) -> str:
    """The notes of one configuration's rows as one: each clause ("; "-separated, as the runner writes them) once, so
    the energy method every trial states is said once beside each trial's own "noisy: ..." or "unsteady: ..."."""
    return "; ".join(dict.fromkeys(part.strip() for note in values for part in str(note).split("; ") if part.strip()))


def env_files(frame: pd.DataFrame) -> dict[str, list[Path]]:
    """env -> the results files its rows came from (the loader's `file` column), for write_site's csv_paths."""
    if "file" not in frame.columns or frame.empty:
        return {}
    out: dict[str, list[Path]] = {}
    pairs = distinct(frame, ("file",))
    for env, file in zip(pairs["env"].tolist(), pairs["value"].tolist(), strict=True):
        out.setdefault(env, []).append(Path(file))
    return out


def units(frame: pd.DataFrame) -> dict[str, str]:
    """workload -> what its rates count per second ("tokens/s" for llm rows, ...): the rate_unit most of its rows
    state; "samples/s" where none is stated."""
    if "rate_unit" not in frame.columns or frame.empty:
        return {}
    counts = frame.groupby([frame["workload"], frame["rate_unit"]], observed=True).size().rename("k").reset_index()
    counts = counts[counts["rate_unit"].astype(str) != ""].sort_values("k", ascending=False, kind="stable")
    return {str(w): f"{u}/s" for w, u in counts.drop_duplicates("workload")[["workload", "rate_unit"]].itertuples(index=False)}


# How a rate of each unit reads on the site: bytes/s would run to 11 digits, so GB/s (record.RATE_SHOWN's rule;
# the site spells tokens out).
SHOWN = {"bytes/s": ("GB/s", 1e9), "tokens/s": ("tokens/s", 1.0), "samples/s": ("samples/s", 1.0)}
# A workload ranked by another figure than its rate: a matrix product by TFLOP/s (its samples/s is products per
# second, which no one compares across sizes).
RANKED_BY = {"matmul": ("tflops", "TFLOP/s", 1.0)}


def figures(frame: pd.DataFrame) -> dict[str, dict]:
    """workload -> the figure its rows are ranked and read by: {"key": a column of the site's rows ("rate" or
    "tflops"), "unit": its unit as text shows it, "scale": what the stored value is divided by to read so}."""
    rate_units = units(frame)
    out = {}
    for workload in frame["workload"].astype(str).unique().tolist() if "workload" in frame else []:
        if workload in RANKED_BY:
            key, unit, scale = RANKED_BY[workload]
        else:
            unit, scale = SHOWN.get(rate_units.get(workload, "samples/s"), (rate_units.get(workload, "samples/s"), 1.0))
            key = "rate"
        out[workload] = {"key": key, "unit": unit, "scale": scale}
    return out
