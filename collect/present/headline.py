"""The headline figure: one panel per workload family present, built from long-form rows.

No device or env list lives here: envs, frameworks and models come from the data, so a
new results file shows up by itself. Colours are fixed per env across all panels.

Like with like: a panel ranks devicebench's own steady-state measurements only. Figures of another protocol
(another harness's published figure, the classic model.fit time, a legacy wall time) are drawn below the ranking,
after a dashed line, as hatched "reference" bars that name where they come from; the score has a panel per
framework, since each framework's score divides by its own reference.
"""

from __future__ import annotations

import textwrap
import weakref

import matplotlib

matplotlib.use("Agg")  # headless: CI and servers have no display
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.patches import Patch  # noqa: E402

from collect.contract import scoring  # noqa: E402
from collect.present.flags import FLAGS, note_bits  # noqa: E402
from collect.present.mlp import draw_mlp, mlp_rows  # noqa: E402
from collect.present.style import FRAMEWORK_COLORS, MAX_BARS, clip, env_colors, fmt, set_log_limits, shown, spread  # noqa: E402
from collect.present.summary import Summary, best_per_model, per_category, ranked  # noqa: E402

__all__ = ["headline_figure", "mlp_rows", "bar_rows", "matmul_rows"]
BAR_INCHES = 0.28
MAX_HEADLINE_BARS = 160  # over all bar panels: four panels of 60 bars would make a figure 80 inches tall
MIN_BARS = 30  # per panel, however many panels there are
# Figures of other protocols, below a panel's ranking: each protocol its own small ranking (the fastest group first),
# at most MAX_PER_PROTOCOL bars spread over it, at most MAX_PROTOCOLS groups (those with the fastest figures).
MAX_PER_PROTOCOL = 6
MAX_PROTOCOLS = 6


def _kind(r) -> str:
    return "" if r.env.endswith(r.device_kind) else f" [{r.device_kind}]"


def _label(r, with_mode: bool) -> str:
    devices = f" x{r.world_size}" if r.world_size > 1 else ""
    text = f"{clip(r.model)} · {r.env}{_kind(r)} · {r.framework}{devices}" + (f" · {r.mode}" if with_mode else "")
    return textwrap.fill(text, 34)


def bar_rows(agg: pd.DataFrame, workload: str, mode: str | None) -> pd.DataFrame:
    """The fastest configuration per env/framework/model (one row each, with its median, range
    and count), labelled and sorted fastest first for a bar chart."""
    agg = agg[(agg["workload"] == workload) & ((agg["mode"] == mode) if mode else agg["mode"].isin(["train", "infer"]))]
    best = best_per_model(agg)
    if best.empty:
        return best
    return _ranked(best, lambda r: _label(r, mode is None), lambda r: f"bs {r.batch_size}, {r.precision}")


def matmul_rows(agg: pd.DataFrame) -> pd.DataFrame:
    """Best achieved TFLOP/s per env, framework and dtype over the size sweep (models named matmul-<n>)."""
    part = agg[agg["workload"] == "matmul"]
    n = per_category(part["model"], lambda names: names.str.extract(r"^matmul-(\d{1,9})$", expand=False).astype(float))
    part = part.assign(dim=n)  # not `n`: that column is the count of rows behind each median
    for column in ("rate", "rate_min", "rate_max"):
        part[column] = part[column] * 2 * part["dim"] ** 3 / 1e12  # products/s -> TFLOP/s
    part = part[np.isfinite(part["rate_max"]) & (part["rate_min"] > 0)]
    if part.empty:
        return part
    keys = ["env", "framework", "device_kind", "source", "precision"] + (["protocol"] if "protocol" in part.columns else [])
    best = part.sort_values("rate", ascending=False).drop_duplicates(keys)
    return _ranked(best, lambda r: textwrap.fill(f"{r.env}{_kind(r)} · {r.framework} {r.precision}", 34),
                   lambda r: f"size {int(r.dim)}, {r.precision}")


def _ranked(best: pd.DataFrame, label, detail) -> pd.DataFrame:
    """At most MAX_BARS ranked rows evenly spread over the ranking, fastest first, then the rows of other protocols
    (`reference` True, `group` their protocol), a small ranking per protocol (_by_protocol): each row with its label
    and detail."""
    is_ranked = ranked(best).to_numpy(dtype=bool)
    order = best[is_ranked].sort_values("rate", ascending=False, kind="stable").reset_index(drop=True)
    total, total_refs = len(order), int((~is_ranked).sum())
    order = order.iloc[spread(list(range(total)), MAX_BARS)].assign(reference=False, group="")
    rows = pd.concat([order, _by_protocol(best[~is_ranked])], ignore_index=True)
    rows["label"] = [label(r) for r in rows.itertuples()]
    rows["detail"] = [detail(r) for r in rows.itertuples()]
    rows.attrs.update(total_bars=total, total_refs=total_refs)
    return rows


def _by_protocol(refs: pd.DataFrame) -> pd.DataFrame:
    """References as small rankings, one per protocol (the protocols with the fastest figures first, at most
    MAX_PROTOCOLS), each fastest first and at most MAX_PER_PROTOCOL bars spread over it."""
    if refs.empty:
        return refs.assign(reference=True, group="")
    group = refs["protocol"].astype(str) if "protocol" in refs.columns else pd.Series("reference", index=refs.index)
    refs = refs.assign(reference=True, group=group.to_numpy())
    best = refs.groupby("group", sort=False)["rate"].max().sort_values(ascending=False, kind="stable")
    parts = []
    for name in best.index[:MAX_PROTOCOLS]:
        part = refs[refs["group"] == name].sort_values("rate", ascending=False, kind="stable")
        parts.append(part.iloc[spread(list(range(len(part))), MAX_PER_PROTOCOL)])
    return pd.concat(parts, ignore_index=True)


def reference_detail(frame: pd.DataFrame, rows: pd.DataFrame) -> pd.DataFrame:
    """The detail of each reference bar: its protocol, the date of the figure and its caveats ("published, 2022-07-18,
    input pipeline, partial"), from the loaded rows behind it (their first row: a reference is a handful of rows)."""
    refs = rows[rows["reference"]] if "reference" in rows.columns else rows.iloc[:0]
    if refs.empty or frame is None or frame.empty:
        return rows
    keys = ["env", "framework", "model", "mode"]
    wanted = set(map(tuple, refs[keys].astype(str).to_numpy()))
    part = frame[frame["env"].isin({k[0] for k in wanted})]
    texts = {}
    for row in part.itertuples(index=False):
        key = (str(row.env), str(row.framework), str(row.model), str(row.mode))
        if key in wanted and key not in texts:
            bits = int(note_bits([row.note])[0])
            caveats = [label for k, (label, _, _) in enumerate(FLAGS) if bits & (1 << k)]  # what the note says
            date = str(row.timestamp_utc or "")[:10]
            texts[key] = ", ".join(t for t in (str(row.protocol or row.source), date, *caveats) if t and t != "nan")
    detail = [texts.get(tuple(map(str, k)), d) if ref else d
              for k, d, ref in zip(rows[keys].to_numpy(), rows["detail"], rows["reference"], strict=True)]
    return rows.assign(detail=detail)


def _bar_color(framework: str):
    return sns.desaturate(FRAMEWORK_COLORS.get(framework, "#8c8c8c"), 0.75)  # as seaborn's bars drew the brand hues


def draw_bars(ax, rows: pd.DataFrame, env_color, title: str, unit: str) -> None:
    """A bar per row (its median), fastest on top, coloured by framework; whiskers over the repeat rows' range."""
    refs = rows["reference"].to_numpy(dtype=bool) if "reference" in rows.columns else np.zeros(len(rows), dtype=bool)
    group = rows["group"].astype(str).to_numpy() if "group" in rows.columns else np.full(len(rows), "")
    starts = refs & np.r_[True, group[1:] != group[:-1]]  # the first bar of each protocol's ranking
    y = np.arange(len(rows)) + np.cumsum(starts)  # one slot before each: the gap holds the line that sets it apart
    frameworks = [f for f in FRAMEWORK_COLORS if f in set(rows["framework"])]
    frameworks += sorted(set(rows["framework"]) - set(frameworks))
    colors = [_bar_color(f) for f in rows["framework"]]
    ax.barh(y[~refs], rows["rate"][~refs], height=0.8, color=[c for c, r in zip(colors, refs, strict=True) if not r])
    if refs.any():  # other protocols: outlined and hatched under a dashed line, never among the ranked bars
        ax.barh(y[refs], rows["rate"][refs], height=0.8, facecolor="white", hatch="///",
                edgecolor=[c for c, r in zip(colors, refs, strict=True) if r], label="_reference")
        for at in np.flatnonzero(starts):
            ax.axhline(y[at] - 1, color="0.3", linestyle="--", linewidth=0.8)
            ax.annotate(f"reference, not ranked with the above: {group[at]}", (0.5, y[at] - 1), xycoords=("axes fraction", "data"),
                        ha="center", va="center", fontsize=7, style="italic", color="0.3",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
    ax.errorbar(rows["rate"], y, xerr=[np.maximum(rows["rate"] - rows["rate_min"], 0), np.maximum(rows["rate_max"] - rows["rate"], 0)],
                fmt="none", ecolor="0.25", elinewidth=1, capsize=2)
    for pos, r in zip(y, rows.itertuples(), strict=True):
        count = f"  n={r.n}" if r.n > 1 else ""
        ax.annotate(f"{fmt(r.rate)}  ({r.detail}){count}",
                    (r.rate_max, pos), textcoords="offset points", xytext=(4, -3), fontsize=7)
    ax.set_yticks(y, rows["label"].tolist())
    for tick, env in zip(ax.get_yticklabels(), rows["env"], strict=True):
        tick.set_color(env_color.get(env, "black"))
        tick.set_fontsize(7)
    ax.set_ylim(y[-1] + 0.5 if len(y) else 0.5, -0.5)  # fastest on top
    lo, hi = rows["rate_min"].min(), rows["rate_max"].max()
    if hi / max(lo, 1e-300) > 100:
        ax.set_xscale("log")
        set_log_limits(ax.set_xlim, lo, hi, below=2, above=8)  # room for the value labels
    else:
        ax.set_xlim(0, min(hi * 1.45, np.finfo(float).max / 1e10))
    total = rows.attrs.get("total_bars", 0)
    ax.set(title=title + shown(total, int((~refs).sum())) + _refs_shown(rows.attrs.get("total_refs", 0), int(refs.sum())), xlabel=f"{unit} (higher is better)", ylabel="")
    handles = [Patch(color=_bar_color(f), label=f) for f in frameworks]
    if refs.any():
        handles.append(Patch(facecolor="white", edgecolor="0.3", hatch="///", label="reference (not ranked)"))
    ax.legend(handles=handles, title="framework", fontsize=7, loc="best")  # away from the longest bars and their labels


def _refs_shown(total: int, drawn: int) -> str:
    return (f"\n({drawn} of {total} references of other protocols shown: up to {MAX_PER_PROTOCOL} per protocol, spread from "
            f"fastest to slowest)") if total > drawn else ""


def score_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The env sides with a complete devicebench score (score.scores), as bars: highest first, whiskers over the
    trials' spread, the caveats of their members as the detail."""
    done = table[table["score"].notna()] if not table.empty else table
    if done.empty:
        return pd.DataFrame()
    rows = done.assign(rate=done["score"], rate_min=done["lo"], rate_max=done["hi"], n=1, device_kind="",
                       world_size=1, detail=done["caveats"].where(done["caveats"] != "", "no caveats"))
    return _ranked(rows, lambda r: textwrap.fill(f"{r.env} · {r.framework}", 34), lambda r: r.detail if len(r.detail) < 60
                   else r.detail[:57] + "...")


_LAST: list = [None, None]  # (a weak reference to the Summary, its panels): results.png and the site draw the same


def panels(summary: Summary) -> list[tuple]:
    """(kind, rows, title, unit) for each panel that has data, in a fixed order: the score first. Computed once per
    Summary: the headline figure and the site's overview both show them."""
    if _LAST[0] is not None and _LAST[0]() is summary:
        return _LAST[1]
    found = _panels(summary)
    _LAST[:] = [weakref.ref(summary), found]
    return found


def _panels(summary: Summary) -> list[tuple]:
    out, agg = [], summary.agg
    table = summary.scores
    for framework in _frameworks(table):  # one ranking per framework: each divides by its own reference
        scored = score_rows(table[table["framework"] == framework])
        if scored.empty:
            continue
        version = scored["version"].iloc[0]
        out.append(("score", scored, f"devicebench score v{version}, {framework} ({scoring.SETS[version].reference}'s {framework} "
                    f"score runs of {scoring.SETS[version].defined} = {scoring.SCALE:,.0f}; the set: results.md)", "score"))
    mlp = mlp_rows(summary.frame)  # the rows' own epoch times: legacy rows are a third of their wall time
    if not mlp.empty:
        out.append(("mlp", mlp, None, None))
    for workload, mode, title, unit in (
        ("cnn", "train", "CNN training throughput (best batch and precision per env)", "images/s"),
        ("cnn", "infer", "CNN inference throughput (best batch and precision per env)", "images/s"),
        ("transformer", None, "Transformer throughput, train and infer (seq 128)", "sequences/s"),
        ("matmul", None, "Matmul: best achieved TFLOP/s per dtype over the size sweep", "TFLOP/s"),
    ):
        rows = matmul_rows(agg) if workload == "matmul" else bar_rows(agg, workload, mode)
        if not rows.empty:
            rows = reference_detail(summary.frame, rows)
            out.append(("bars", rows, title, unit))
    bars = sum(1 for kind, *_ in out if kind in ("bars", "score"))
    limit = min(MAX_BARS, max(MIN_BARS, MAX_HEADLINE_BARS // max(bars, 1)))  # the whole figure stays readable too
    return [(kind, _fewer(rows, limit) if kind in ("bars", "score") else rows, title, unit) for kind, rows, title, unit in out]


def _groups(rows: pd.DataFrame) -> int:
    """How many protocol rankings of references a panel draws (each takes a slot for its dividing line)."""
    return int(rows.loc[rows["reference"], "group"].nunique()) if "reference" in rows.columns else 0


def _frameworks(table: pd.DataFrame) -> list[str]:
    """The frameworks of a score table, the usual order first (FRAMEWORK_COLORS), then any other by name."""
    present = set(map(str, table["framework"])) if not table.empty else set()
    return [f for f in FRAMEWORK_COLORS if f in present] + sorted(present - set(FRAMEWORK_COLORS))


def _fewer(rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most `limit` of a panel's ranked bars, still evenly spread over its ranking; its references kept."""
    refs = rows["reference"].to_numpy(dtype=bool) if "reference" in rows.columns else np.zeros(len(rows), dtype=bool)
    ranked_at = np.flatnonzero(~refs)
    kept = rows.iloc[[*spread(list(ranked_at), limit), *np.flatnonzero(refs)]].copy()
    kept.attrs.update(rows.attrs, limit=limit)
    return kept


# Workloads whose rates count tokens or bytes: never on the headline's samples/s axes, named below its title instead.
ELSEWHERE = {"llm": "language models (tokens/s)", "membw": "memory bandwidth (GB/s)"}


def elsewhere(summary: Summary) -> str:
    """A line saying which rows the headline leaves out for their unit and where they are; "" when there are none."""
    present = set(map(str, pd.unique(summary.agg["workload"]))) if not summary.agg.empty else set()  # distinct first: 1M rows
    names = [text for workload, text in ELSEWHERE.items() if workload in present]
    if not names:
        return ""
    return f"\nNot drawn here, in their own units: {' and '.join(names)}: results.md and figures/roofline.png"


def headline_figure(summary: Summary, subtitle: str):
    """Build the figure; returns it (tests inspect its artists, the CLI saves it)."""
    subtitle += elsewhere(summary)
    subtitle = "\n".join(textwrap.fill(line, 130) for line in subtitle.split("\n"))  # a long credit line wraps, not overflows
    found = panels(summary)
    if not found:  # ok rows, but none a panel shows (another workload, mode or precision): say so, never fail
        fig, ax = plt.subplots(figsize=(12, 2.5), layout="constrained")
        ax.axis("off")
        ax.text(0.5, 0.5, "No rows for these panels (MLP fp32 training, CNN, transformer, matmul): results.md and the "
                "merged data hold every row", ha="center", va="center", wrap=True)
        fig.suptitle("devicebench: deep-learning throughput by machine\n" + subtitle, fontsize=12)
        return fig
    colors = env_colors(env for _kind, rows, *_ in found for env in rows["env"].unique())
    heights = [5.0 if kind == "mlp" else 1.2 + BAR_INCHES * (len(rows) + _groups(rows)) for kind, rows, *_ in found]
    fig, axes = plt.subplots(len(found), 1, figsize=(12, sum(heights) + 1.2), squeeze=False,
                             gridspec_kw={"height_ratios": heights}, layout="constrained")
    for ax, (kind, rows, title, unit) in zip(axes[:, 0], found, strict=True):
        if kind == "mlp":
            draw_mlp(ax, rows, colors)
        else:
            draw_bars(ax, rows, colors, title, unit)
    # Constrained layout makes room for long tick labels and the outside legend at any size.
    fig.suptitle("devicebench: deep-learning throughput by machine\n" + subtitle, fontsize=12)
    return fig
