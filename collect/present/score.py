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
from collect.present import flags

SIDE = ["env", "device_kind", "framework"]
COLUMNS = [*SIDE, "device_name", "version", "score", "lo", "hi", "measured", "members", "missing", "flags", "caveats"]


def member_values(agg: pd.DataFrame, score_set: scoring.ScoreSet) -> pd.DataFrame:
    """One row per env side and member it measured: value (in the member's figure), lo, hi, device_name."""
    models = {model for m in score_set.members for model in m.models}
    part = agg[(agg["source"].astype(str) == "measured") & (agg["world_size"] == 1) & agg["model"].astype(str).isin(models)]
    out = []
    for member in score_set.members:
        rows = part[(part["workload"].astype(str) == member.workload) & part["model"].astype(str).isin(member.models)
                    & (part["mode"].astype(str) == member.mode) & (part["precision"].astype(str) == member.precision)
                    & (part["batch_size"] == member.batch_size)]
        allowed = rows["framework"].astype(str).map(lambda f, w=member.workload: scoring.backends(f, w))
        rows = rows[[backend in ok for backend, ok in zip(rows["backend"].astype(str), allowed, strict=True)]]
        if rows.empty:
            continue
        value = rows[member.figure].astype(float)
        scale = value / rows["rate"].astype(float)  # a TFLOP/s figure spreads as its samples/s do
        rows = rows.assign(member=member.key, value=value, lo=rows["rate_min"] * scale, hi=rows["rate_max"] * scale)
        rows = rows[np.isfinite(rows["value"]) & (rows["value"] > 0)]
        best = rows.sort_values("value", ascending=False, kind="stable").drop_duplicates(SIDE)  # matmul: the best size
        out.append(best[[*SIDE, "device_name", "member", "model", "value", "lo", "hi"]])
    if not out:
        return pd.DataFrame(columns=[*SIDE, "device_name", "member", "model", "value", "lo", "hi"])
    table = pd.concat(out, ignore_index=True)
    for column in (*SIDE, "device_name", "model"):
        table[column] = table[column].astype(str)
    return table


def _member_flags(frame: pd.DataFrame | None, values: pd.DataFrame, score_set: scoring.ScoreSet) -> pd.DataFrame:
    """Per env side and member: the OR of the caveat bits of the rows behind its value."""
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
    merged = picked.merge(rows, on=[*keys, "batch_size"], how="left").fillna({"bits": 0})
    return merged.groupby([*SIDE, "member"], sort=False)["bits"].agg(lambda b: int(np.bitwise_or.reduce(b.astype(np.int64)))
                                                                     ).reset_index()


def scores(agg: pd.DataFrame, frame: pd.DataFrame | None = None, version: str = scoring.CURRENT) -> pd.DataFrame:
    """The score of every env side (env, device kind, framework) that measured at least one member (COLUMNS),
    highest first; NaN where a member is missing. frame: the loaded rows, for the members' caveats."""
    score_set = scoring.SETS[version]
    values = member_values(agg, score_set) if not agg.empty else member_values(pd.DataFrame(columns=agg.columns), score_set)
    ref = values[values["env"] == score_set.reference].drop_duplicates(["framework", "member"])
    values = values.merge(ref[["framework", "member", "value"]].rename(columns={"value": "ref"}), on=["framework", "member"])
    if values.empty:
        return pd.DataFrame(columns=COLUMNS)
    logs = values.assign(v=np.log(values["value"] / values["ref"]), l=np.log(values["lo"] / values["ref"]),
                         h=np.log(values["hi"] / values["ref"]))
    grouped = logs.groupby(SIDE, sort=False)
    table = grouped.agg(device_name=("device_name", "first"), v=("v", "mean"), l=("l", "mean"), h=("h", "mean"),
                        measured=("member", "size"), have=("member", lambda m: set(m))).reset_index()
    n = len(score_set.members)
    complete = table["measured"] == n
    table["score"] = np.where(complete, scoring.SCALE * np.exp(table["v"]), np.nan)
    table["lo"] = np.where(complete, scoring.SCALE * np.exp(table["l"]), np.nan)
    table["hi"] = np.where(complete, scoring.SCALE * np.exp(table["h"]), np.nan)
    table["members"], table["version"] = n, version
    table["missing"] = [[m.key for m in score_set.members if m.key not in have] for have in table["have"]]
    table = _with_caveats(table, _member_flags(frame, values, score_set), score_set)
    order = np.lexsort((table["env"].to_numpy(dtype=str), -table["measured"].to_numpy(), -table["score"].fillna(-1).to_numpy()))
    return table.iloc[order][COLUMNS].reset_index(drop=True)


def _with_caveats(table: pd.DataFrame, bits: pd.DataFrame, score_set: scoring.ScoreSet) -> pd.DataFrame:
    """flags (OR over the members) and caveats ("unsteady: LLM decode, CNN training") of each side."""
    labels = {m.key: m.label.split(" (")[0] for m in score_set.members}
    names = [label for label, _, _ in flags.FLAGS]
    texts, ors = [], []
    for side in table[SIDE].itertuples(index=False):
        mine = bits[(bits["env"] == side.env) & (bits["device_kind"] == side.device_kind) & (bits["framework"] == side.framework)]
        words = []
        for k, name in enumerate(names):
            hit = [labels[m] for m, b in zip(mine["member"], mine["bits"], strict=True) if int(b) & (1 << k)]
            if hit:
                words.append(f"{name}: {', '.join(hit)}")
        ors.append(int(np.bitwise_or.reduce(mine["bits"].astype(np.int64).to_numpy())) if len(mine) else 0)
        texts.append("; ".join(words))
    return table.assign(flags=ors, caveats=texts)


def device_scores(table: pd.DataFrame) -> pd.DataFrame:
    """One row per device key and framework over the envs with a complete score: the median score, its envs' lowest
    and highest, and how many envs; highest first."""
    done = table[table["score"].notna()]
    if done.empty:
        return pd.DataFrame(columns=["device", "framework", "score", "lo", "hi", "envs"])
    keys = device_keys(done["device_name"].tolist())
    done = done.assign(device=done["device_name"].map(keys))
    out = done.groupby(["device", "framework"], sort=False)["score"].agg(score="median", lo="min", hi="max", envs="size")
    return out.reset_index().sort_values("score", ascending=False, kind="stable").reset_index(drop=True)


def describe(row) -> str:
    """A side's score as one line of text: '1,234 (range 1,180-1,290)', or '6 of 8 measured'."""
    if row.score != row.score:
        return f"{row.measured} of {row.members} measured"
    spread = f" (range {row.lo:,.0f}-{row.hi:,.0f})" if row.hi - row.lo >= 1 else ""
    return f"{row.score:,.0f}{spread}"
