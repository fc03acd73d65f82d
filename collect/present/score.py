"""The devicebench score of each env (and device): one function for the runner, results.md, results.png and the site.

    table = scores(summary.agg, summary.frame)        # one row per env, device kind and framework
    devices = device_scores(table)                    # one row per device key and framework

The set, its version and its reference are collect.contract.scoring's. A member's value is the env's median over
its measured rows of that configuration (fp32, one device, the framework's default backend; the matrix product's
best size), over the reference's; the score is SCALE x the geometric mean of those ratios, and only where every
member was measured ("k of n measured" otherwise). `lo` and `hi` are the same mean over the ratios of the members'
slowest and fastest rows: the spread the trials expose. `flags` ORs the caveats of the members' rows
(collect.present.flags) and `caveats` names them, "unsteady: LLM decode", so a score says what it rests on.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.contract import scoring
from collect.contract.devices import device_keys
from collect.contract.outliers import ranked_mask
from collect.present import flags

SIDE = ["env", "device_kind", "framework"]
COLUMNS = [*SIDE, "device_name", "device", "version", "score", "lo", "hi", "measured", "members", "missing", "flags", "caveats"]


def member_values(agg: pd.DataFrame, score_set: scoring.ScoreSet) -> pd.DataFrame:
    """One row per env side and member it measured: value (in the member's figure), lo, hi, device_name."""
    # comparisons on the (categorical) columns as they are: a text copy of 200,000 cells costs more than the score
    models = {model for m in score_set.members for model in m.models}
    # devicebench's own measurements only (contract.outliers.ranked_mask): classic model.fit rows never count
    part = agg[ranked_mask(agg) & ((agg["world_size"] == 1) & agg["model"].isin(models)).to_numpy(dtype=bool)]
    if "device" not in part.columns:  # a hand-built table: each spelling's key (summary.aggregate adds the identity)
        part = part.assign(device=part["device_name"].astype(str).map(device_keys(part["device_name"].astype(str).tolist())))
    out = []
    for member in score_set.members:
        rows = part[((part["workload"] == member.workload) & part["model"].isin(member.models) & (part["mode"] == member.mode)
                     & (part["precision"] == member.precision) & (part["batch_size"] == member.batch_size)).to_numpy(dtype=bool)]
        allowed = np.zeros(len(rows), dtype=bool)  # each framework's default backend (per distinct framework, not per row)
        for framework in pd.unique(rows["framework"]):
            allowed |= ((rows["framework"] == framework)
                        & rows["backend"].isin(scoring.backends(str(framework), member.workload))).to_numpy(dtype=bool)
        rows = rows[allowed]
        if rows.empty:
            continue
        value = rows[member.figure].astype(float)
        scale = value / rows["rate"].astype(float)  # a TFLOP/s figure spreads as its samples/s do
        rows = rows.assign(member=member.key, value=value, lo=rows["rate_min"] * scale, hi=rows["rate_max"] * scale)
        rows = rows[np.isfinite(rows["value"]) & (rows["value"] > 0)]
        best = rows.sort_values("value", ascending=False, kind="stable").drop_duplicates(SIDE)  # matmul: the best size
        out.append(best[[*SIDE, "device_name", "device", "member", "model", "value", "lo", "hi"]])
    if not out:
        return pd.DataFrame(columns=[*SIDE, "device_name", "device", "member", "model", "value", "lo", "hi"])
    table = pd.concat(out, ignore_index=True)
    for column in (*SIDE, "device_name", "device", "model"):
        table[column] = table[column].astype(str)
    return table


def reference_values(agg: pd.DataFrame, score_set: scoring.ScoreSet, env: str) -> dict[str, dict[str, float]]:
    """framework -> member key -> env's median of each member (what a ScoreSet's reference_values hold), for the
    frameworks in which env measured every member."""
    values = member_values(agg[(agg["env"].astype(str) == env).to_numpy()], score_set)
    out = {}
    for framework, part in values.groupby("framework", sort=True):
        if len(part) == len(score_set.members):
            out[str(framework)] = {m.key: float(part.loc[part["member"] == m.key, "value"].iloc[0]) for m in score_set.members}
    return out


def _member_flags(frame: pd.DataFrame | None, values: pd.DataFrame, score_set: scoring.ScoreSet) -> pd.DataFrame:
    """The caveat bits of each flagged row behind a member's value, with its env side and member."""
    if frame is None or values.empty:
        return pd.DataFrame(columns=[*SIDE, "member", "bits"])
    picked = values[[*SIDE, "model", "member"]]
    mode_of = {m.key: m.mode for m in score_set.members}
    batch_of = {m.key: m.batch_size for m in score_set.members}
    picked = picked.assign(mode=picked["member"].map(mode_of), batch_size=picked["member"].map(batch_of))
    keys = [*SIDE, "model", "mode"]
    rows = frame[((frame["status"] == "ok") & frame["model"].isin(set(picked["model"]))).to_numpy(dtype=bool)]
    bits, _peak = flags.row_flags(rows)  # per distinct note and source: cheap however many rows
    rows = rows[bits > 0][[*keys, "batch_size"]].astype({k: str for k in keys}).astype({"batch_size": float})
    rows = rows.assign(bits=bits[bits > 0])  # only the flagged rows are matched to their member
    merged = picked.merge(rows, on=[*keys, "batch_size"], how="inner")  # a member's flagged rows (ORed by the caller)
    return merged[[*SIDE, "member", "bits"]]


def scores(agg: pd.DataFrame, frame: pd.DataFrame | None = None, version: str = scoring.CURRENT) -> pd.DataFrame:
    """The score of every env side (env, device kind, framework) that measured at least one member (COLUMNS),
    highest first; NaN where a member is missing. frame: the loaded rows, for the members' caveats."""
    score_set = scoring.SETS[version]
    values = member_values(agg, score_set) if not agg.empty else member_values(pd.DataFrame(columns=agg.columns), score_set)
    ref = pd.DataFrame([(framework, member, value) for framework, members in score_set.reference_values.items()
                        for member, value in members.items()], columns=["framework", "member", "ref"])
    values = values.merge(ref, on=["framework", "member"])
    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    logs = values.assign(v=np.log(values["value"] / values["ref"]), l=np.log(values["lo"] / values["ref"]),
                         h=np.log(values["hi"] / values["ref"]))
    grouped = logs.groupby(SIDE, sort=False)
    table = grouped.agg(device_name=("device_name", "first"), device=("device", "first"), v=("v", "mean"), l=("l", "mean"), h=("h", "mean"),
                        measured=("member", "size")).reset_index()
    present = set(zip(*(logs[c] for c in (*SIDE, "member")), strict=True))  # (side, member) pairs measured
    n = len(score_set.members)
    complete = table["measured"] == n
    table["score"] = np.where(complete, scoring.SCALE * np.exp(table["v"]), np.nan)
    table["lo"] = np.where(complete, scoring.SCALE * np.exp(table["l"]), np.nan)
    table["hi"] = np.where(complete, scoring.SCALE * np.exp(table["h"]), np.nan)
    table["members"], table["version"] = n, version
    table["missing"] = [[m.key for m in score_set.members if (*side, m.key) not in present] if k < n else []
                        for side, k in zip(zip(*(table[c] for c in SIDE), strict=True), table["measured"], strict=True)]
    table = _with_caveats(table, _member_flags(frame, values, score_set), score_set)
    order = np.lexsort((table["env"].to_numpy(dtype=str), -table["measured"].to_numpy(), -table["score"].fillna(-1).to_numpy()))
    return table.iloc[order][COLUMNS].reset_index(drop=True)


def _with_caveats(table: pd.DataFrame, bits: pd.DataFrame, score_set: scoring.ScoreSet) -> pd.DataFrame:
    """flags (OR over the members) and caveats ("unsteady: LLM decode, CNN training") of each side: only the flagged
    members are looked at, so 10,000 scored envs cost what their caveats cost."""
    labels = {m.key: m.label.split(" (")[0] for m in score_set.members}
    names = [label for label, _, _ in flags.FLAGS]
    flagged = bits[bits["bits"].astype(np.int64) > 0] if not bits.empty else bits
    ors: dict[tuple, int] = {}
    words: dict[tuple, dict[str, list[str]]] = {}
    for env, kind, framework, member, b in flagged[[*SIDE, "member", "bits"]].itertuples(index=False):
        side, b = (env, kind, framework), int(b)
        ors[side] = ors.get(side, 0) | b
        for k, name in enumerate(names):
            if b & (1 << k):
                words.setdefault(side, {}).setdefault(name, []).append(labels[member])
    sides = list(zip(*(table[c] for c in SIDE), strict=True))
    every = len(score_set.members)

    def said(hit: list[str]) -> str:
        distinct = list(dict.fromkeys(hit))
        return "every member" if len(distinct) == every else ", ".join(distinct)
    texts = ["; ".join(f"{name}: {said(hit)}" for name, hit in sorted(words.get(side, {}).items(),
                                                                     key=lambda item: names.index(item[0])))
             for side in sides]
    return table.assign(flags=[ors.get(side, 0) for side in sides], caveats=texts)


def device_scores(table: pd.DataFrame) -> pd.DataFrame:
    """One row per device identity (generation included: contract.identity) and framework over the envs with a
    complete score: the median score, its envs' lowest and highest, and how many envs; highest first."""
    done = table[table["score"].notna()]
    if done.empty:
        return pd.DataFrame(columns=["device", "framework", "score", "lo", "hi", "envs"])
    if "device" not in done.columns:
        done = done.assign(device=done["device_name"].map(device_keys(done["device_name"].tolist())))
    out = done.groupby(["device", "framework"], sort=False)["score"].agg(score="median", lo="min", hi="max", envs="size")
    return out.reset_index().sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def describe(row) -> str:
    """A side's score as one line of text: '1,234 (range 1,180-1,290)', or '6 of 8 measured'."""
    if row.score != row.score:
        return f"{row.measured} of {row.members} measured"
    spread = f" (range {row.lo:,.0f}-{row.hi:,.0f})" if row.hi - row.lo >= 1 else ""
    return f"{row.score:,.0f}{spread}"
