"""results.md: a leaderboard per workload, then the scaling, backend, energy and speedup-vs-CPU tables, safe to render.

Cells come from contributors' files, so text is escaped for markdown/HTML and cells
that a spreadsheet would run as a formula (=, +, -, @) are made inert. Tables are
built column-wise (vectorised). Every table is bounded: at most MAX_ROWS rows (the best of
each group first), with a line saying how many there are and where the rest is: the merged
data written beside results.md (plot_results.py names the files).
"""

from __future__ import annotations

import pandas as pd

from collect.contract import scoring
from collect.contract.record import RANKED, WORKLOAD_RATE_UNIT
from collect.present.score import describe
from collect.present.style import BIG
from collect.present.summary import Summary, best_per_model, ranked

MAX_ROWS = 50  # per table

_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("|", "\\|"), ("\n", " "))


def cells(values: pd.Series) -> pd.Series:
    text = values.astype(str)
    for old, new in _ESCAPES:
        text = text.str.replace(old, new, regex=False)
    return text.where(~text.str[:1].isin(["=", "+", "-", "@"]), "'" + text)


def cell(value) -> str:
    return cells(pd.Series([value])).iloc[0]


def numbers(values: pd.Series) -> pd.Series:
    """3 significant digits below 1000, thousands separators above; empty where not measured."""
    text = ["" if v != v else f"{v:,.0f}" if 1000 <= abs(v) < BIG else f"{v:,.3g}" for v in values.astype(float).tolist()]
    return pd.Series(text, index=values.index, dtype=str)


def _table(columns: dict[str, pd.Series]) -> list[str]:
    header = list(columns)
    joined = None
    for series in columns.values():
        joined = series if joined is None else joined + " | " + series
    body = ("| " + joined + " |").tolist() if joined is not None and len(joined) else []
    return ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)] + body


def best_first(table: pd.DataFrame, value: str, by: list[str] | None = None, whole: bool = False) -> pd.DataFrame:
    """At most MAX_ROWS rows of table, in its order: the rows with the highest `value` of each group `by` first
    (the best of every group, then the second best, ...); with `whole`, whole groups, best group first."""
    if len(table) <= MAX_ROWS:
        return table
    if whole:
        best = table.groupby(by, sort=False)[value].transform("max")
        sizes = table.groupby(by, sort=False)[value].transform("size")
        groups = pd.DataFrame({"best": best, "size": sizes, "key": table.groupby(by, sort=False).ngroup()})
        order = groups.drop_duplicates("key").sort_values("best", ascending=False, kind="stable")
        fits = order["size"].cumsum() <= MAX_ROWS
        keep = set(order.loc[fits | (order.index == order.index[0]), "key"])
        return table[groups["key"].isin(keep)].head(MAX_ROWS)
    rank = (table.groupby(by, sort=False)[value] if by else table[value]).rank(method="first", ascending=False)
    keep = rank.sort_values(kind="stable").index[:MAX_ROWS]
    return table[table.index.isin(keep)]


# The rate column of each workload's leaderboard, named by what its samples_per_s counts (the rows' rate_unit), so
# no table puts tokens/s beside images/s. membw shows its gb_per_s (bytes/s / 1e9), not bytes/s in 13 digits.
RATE_HEADERS = {"llm": "tokens/s", "membw": "GB/s"}


def rate_column(part: pd.DataFrame, workload: str) -> tuple[str, pd.Series]:
    """(header, cells) of a leaderboard's rate column for one workload."""
    if workload == "membw":
        gbps = part["gbps"] if "gbps" in part.columns else pd.Series(float("nan"), index=part.index)
        return "GB/s", numbers(gbps.where(gbps.notna(), part["rate"] / 1e9))
    return RATE_HEADERS.get(workload, "samples/s"), numbers(part["rate"])


def percent(values: pd.Series) -> pd.Series:
    """A fraction as a percentage, 3 significant digits (0.5% stays 0.5%, not 1%); empty where unknown."""
    text = ["" if v != v else f"{v * 100:.3g}%" for v in values.astype(float).tolist()]
    return pd.Series(text, index=values.index, dtype=str)


def lengths(part: pd.DataFrame) -> pd.Series:
    """llm rows' tokens: the prompt (prefill: `512`) or the tokens generated over the cache (decode: `128 @ 640`)."""
    def one(seq, context) -> str:
        if seq != seq:
            return ""
        return f"{seq:.0f}" + ("" if context != context else f" @ {context:.0f}")
    context = part["context_len"] if "context_len" in part.columns else pd.Series(float("nan"), index=part.index)
    return pd.Series([one(a, b) for a, b in zip(part["seq_len"].astype(float), context.astype(float), strict=True)],
                     index=part.index, dtype=str)


def leaderboard(part: pd.DataFrame, workload: str = "") -> list[str]:
    """Each env's fastest batch size and precision per model and mode (best_per_model rows), fastest first. The rate
    column is named by the workload's unit; `% of peak` (attained TFLOP/s over the env's best matmul at that
    precision) and llm's `tokens` (prompt, or generated @ context) appear where some row has them."""
    name = part["device"].astype(str) if "device" in part.columns else part["device_name"]  # the identity: generation too
    device = name.where(name == "", name + " [" + part["device_kind"] + "]")
    device = device.where(name != "", part["device_kind"])
    header, rate = rate_column(part, workload)
    columns = {"model": cells(part["model"]), "mode": cells(part["mode"])}
    if "seq_len" in part.columns and part["seq_len"].notna().any():
        columns["seq @ context"] = lengths(part)
    columns.update({
        "env": cells(part["env"]), "device": cells(device), "framework": cells(part["framework"]),
        "precision": cells(part["precision"]), "batch": part["batch_size"].astype(str),
        "devices": part["world_size"].astype(str), header: rate,
        "median step ms": numbers(part["step_ms"]), "TFLOP/s": numbers(part["tflops"]),
    })
    if "peak_frac" in part.columns and part["peak_frac"].notna().any():
        above = part["peak_frac"].astype(float) > 1  # above the best matmul its device measured: said where it is shown
        columns["% of peak"] = percent(part["peak_frac"]).where(~above, percent(part["peak_frac"]) + " (above roof)")
    columns.update({"n": part["n"].astype(str), "source": cells(part["source"])})
    if "protocol" in part.columns and (part["protocol"].astype(str) != RANKED).any():
        columns["protocol"] = cells(part["protocol"])
    return _table(columns)


def references(part: pd.DataFrame, workload: str, where: str) -> list[str]:
    """The figures of other protocols (published by other harnesses, classic model.fit, legacy wall times) under a
    workload's ranking, in a table of their own: never ranked among devicebench's measurements."""
    if part.empty:
        return []
    kept = best_first(part, "rate", ["model", "mode"])
    intro = ("References, not ranked: figures of other protocols (another harness's published figure, the classic "
             "model.fit protocol, a legacy wall time), each with its own method; compare them with care.")
    return [f"### {cell(workload)}: references", "", intro, ""] + _shown(len(kept), len(part), "the fastest first", where) + \
        leaderboard(kept, workload) + [""]


def speedup_table(pairs: pd.DataFrame, unit: str = "samples") -> list[str]:
    return _table({
        "machine": cells(pairs["machine"]), "device": cells(pairs["device_kind"]),
        "framework": cells(pairs["framework"]), "model": cells(pairs["model"]), "mode": cells(pairs["mode"]),
        "precision": cells(pairs["precision"]), "batch": pairs["batch_size"].astype(str),
        f"cpu {unit}/s": numbers(pairs["rate_cpu"]), f"{unit}/s": numbers(pairs["rate"]),
        "speedup": pairs["speedup"].map("{:.2f}x".format),
    })


def scaling_table(table: pd.DataFrame, unit: str = "samples") -> list[str]:
    return _table({
        "env": cells(table["env"]), "framework": cells(table["framework"]), "model": cells(table["model"]),
        "precision": cells(table["precision"]), "batch / device": table["batch_size"].astype(str),
        "devices": table["world_size"].astype(str), "samples/s": numbers(table["rate"]),
        "ideal": numbers(table["ideal"]), "efficiency": numbers(table["efficiency"] * 100).where(table["efficiency"].notna(), "") + "%",
    })


def backend_table(table: pd.DataFrame, unit: str = "samples") -> list[str]:
    return _table({
        "env": cells(table["env"]), "framework": cells(table["framework"]), "model": cells(table["model"]),
        "precision": cells(table["precision"]), "batch": table["batch_size"].astype(str), "backend": cells(table["backend"]),
        "samples/s": numbers(table["rate"]), "vs default": table["speedup"].map(lambda v: "" if v != v else f"{v:.2f}x"),
        "p50 ms": numbers(table["step_ms"]), "p90 ms": numbers(table["p90_ms"]), "p99 ms": numbers(table["p99_ms"]),
        "rel err": table["rel_err"].map(lambda v: "" if v != v else f"{v:.1e}"), "compile s": numbers(table["compile_s"]),
        "n": table["n"].astype(str),
    })


def efficiency_table(table: pd.DataFrame, unit: str = "samples") -> list[str]:
    return _table({
        "env": cells(table["env"]), "framework": cells(table["framework"]), "model": cells(table["model"]),
        "mode": cells(table["mode"]), "precision": cells(table["precision"]), "batch": table["batch_size"].astype(str),
        "backend": cells(table["backend"]), f"{unit}/s": numbers(table["rate"]), "power W": numbers(table["power_w"]),
        f"{unit}/J": numbers(table["samples_per_j"]),
        f"J/{unit.removesuffix('s')}": table["j_per_sample"].map(lambda v: "" if v != v else f"{v:.3g}"),
        "method": cells(table["method"]), "source": cells(table["source"]),
    })


SECTIONS = (
    ("Scaling over devices", "Data-parallel training rate against devices; efficiency = rate(N) / (N x rate(1)), "
     "rate(1) the single-device row of the same env, framework, model and per-device batch.",
     "scaling", lambda t: best_first(t, "rate", ["env", "framework", "model", "precision", "batch_size", "backend"], whole=True),
     "the fastest lines first", scaling_table),
    ("Backends", "Inference on the same env, model, precision and batch through each backend; `vs default` is "
     "samples/s over the framework's default backend (torch eager, TensorFlow tf_function or xla). Batch-1 rows "
     "time each request alone: p50/p90/p99 are latencies. `rel err`: output against eager.",
     "backends", lambda t: best_first(t, "rate", ["env", "framework", "model", "precision", "batch_size"], whole=True),
     "the fastest comparisons first", backend_table),
    ("Energy efficiency", "Samples per joule = samples/s over mean power in the timed steps. Methods measure "
     "different things (GPU board, CPU package, a whole-chip estimate): compare rows of one method only. "
     "`not stated`: a published figure whose method its source does not give.",
     "efficiency", lambda t: best_first(t, "samples_per_j"), "the most efficient first", efficiency_table),
    ("Speedup vs CPU", "Accelerator samples/s over CPU samples/s on the same machine (same env, or envs that "
     "differ only in a -cpu / -cuda / -mps / -gpu suffix).", "speedups", lambda t: best_first(t, "speedup"),
     "the largest speedups first", speedup_table),
)


# What samples_per_s counts in each workload's rows (the contract's rate_unit); every other workload counts samples.
UNIT_OF = WORKLOAD_RATE_UNIT


def by_unit(table: pd.DataFrame) -> list[tuple[str, pd.DataFrame]]:
    """A table's rows split by the unit of their rate, samples first: one table never mixes tokens/s and images/s."""
    if "workload" not in table.columns:
        return [("samples", table)]
    units = table["workload"].astype(str).map(UNIT_OF).fillna("samples")
    return [(unit, table[units == unit]) for unit in ("samples", "tokens", "bytes") if (units == unit).any()]


def _section(kept: pd.DataFrame, draw) -> list[str]:
    """One table per rate unit of the kept rows; a sub-heading names the unit where there are several."""
    parts = by_unit(kept)
    if len(parts) == 1:
        return draw(parts[0][1], parts[0][0])
    return [line for unit, part in parts for line in [f"### {unit}/s", "", *draw(part, unit), ""]]


def _shown(kept: int, total: int, how: str, where: str) -> list[str]:
    return [f"{kept:,} of {total:,} rows shown, {how}; every row is in {where}.", ""] if kept < total else []


def score_section(table: pd.DataFrame) -> list[str]:
    """The devicebench score of each env side, highest first; those without a complete set say how much they have."""
    if table.empty:
        return []
    done = table[table["score"].notna()]
    rest = table[table["score"].isna()]
    score_set = scoring.SETS[str(table["version"].iloc[0])]
    out = ["## devicebench score", "",
           f"Score v{score_set.version}: {scoring.SCALE:,.0f} x the geometric mean, over {len(score_set.members)} fixed fp32 "
           f"configurations per framework, of an env's median over {cell(score_set.reference)}'s in its score runs of "
           f"{score_set.defined} (which define {scoring.SCALE:,.0f}; its other runs move only its own score): " + "; ".join(m.label for m in score_set.members) + ". "
           "Range: the same mean over the members' slowest and fastest rows. `devicebench run --suite score` measures "
           "exactly the set.", ""]
    frameworks = list(dict.fromkeys(map(str, done["framework"])))
    for framework in sorted(frameworks, key=lambda f: (f != "torch", f)):  # one ranking per framework, own reference
        mine = done[done["framework"] == framework]
        kept = mine.head(MAX_ROWS)
        device = kept["device"] if "device" in kept.columns else kept["device_name"]
        out += [f"### {cell(framework)}", ""] + _shown(len(kept), len(mine), "the highest first", "the site") + _table({
            "rank": pd.Series([str(k + 1) for k in range(len(kept))], index=kept.index, dtype=str),
            "env": cells(kept["env"]), "device": cells(device),
            "score": pd.Series([describe(r) for r in kept.itertuples()], index=kept.index, dtype=str),
            "caveats": cells(kept["caveats"])}) + [""]
    if len(rest):
        shown = rest.head(MAX_ROWS)
        names = ", ".join(f"{cell(r.env)} {cell(r.framework)} ({r.measured} of {r.members})" for r in shown.itertuples())
        more = f" and {len(rest) - len(shown):,} more" if len(rest) > len(shown) else ""
        out += [f"No score yet, part of the set measured: {names}{more}.", ""]
    return out


def render(summary: Summary, subtitle: str, data_files: tuple[str, ...] = ()) -> str:
    """The whole of results.md from the tables in `summary` (the figures draw the same tables). `data_files`: the
    merged data written beside it (linked); every table holds at most MAX_ROWS rows and says where the rest is."""
    agg = summary.agg
    where = " and ".join(f"[{name}]({name.replace(' ', '%20')})" for name in data_files) or "the results CSV files"
    out = ["# devicebench results", "", subtitle, "",
           "Each env's fastest batch size and precision per model and mode; medians over repeat rows, "
           f"n = rows behind each figure. Every valid row of every file is in {where}. "
           "Rates are in each workload's unit: samples/s (images, sequences, products), tokens/s (llm), GB/s (membw). "
           "Each table ranks devicebench's own steady-state measurements; figures of other protocols follow it as references. "
           "`% of peak`: attained TFLOP/s over the best matmul TFLOP/s the same device measured at that precision "
           "(mixed precision against its half type; see figures/roofline.png). "
           "Generated by `python plot_results.py`; do not edit.", ""]
    out += score_section(summary.scores)
    for workload in sorted(agg["workload"].unique()):
        part = best_per_model(agg[agg["workload"] == workload]).sort_values(["model", "mode", "rate"], ascending=[True, True, False])
        is_ranked = ranked(part).to_numpy(dtype=bool)
        kept = best_first(part[is_ranked], "rate", ["model", "mode"])
        out += [f"## {cell(workload)}", ""]
        if len(kept):
            out += _shown(len(kept), int(is_ranked.sum()), "the fastest envs of each model and mode first", where)
            out += leaderboard(kept, workload) + [""]
        out += references(part[~is_ranked], workload, where)
    for title, intro, name, bound, how, draw in SECTIONS:
        table = getattr(summary, name)
        if not table.empty:
            kept = bound(table)
            out += [f"## {title}", "", intro, ""] + _shown(len(kept), len(table), how, where) + _section(kept, draw) + [""]
    return "\n".join(out)
