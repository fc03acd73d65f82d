"""The headline figure: one panel per workload family present, built from long-form rows.

No device or env list lives here: envs, frameworks and models come from the data, so a
new results file shows up by itself. Colours are fixed per env across all panels.
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
from collect.present.mlp import draw_mlp, mlp_rows  # noqa: E402
from collect.present.style import FRAMEWORK_COLORS, MAX_BARS, clip, env_colors, fmt, set_log_limits, shown, spread  # noqa: E402
from collect.present.summary import Summary, best_per_model, per_category  # noqa: E402

__all__ = ["headline_figure", "mlp_rows", "bar_rows", "matmul_rows"]
BAR_INCHES = 0.28
MAX_HEADLINE_BARS = 160  # over all bar panels: four panels of 60 bars would make a figure 80 inches tall
MIN_BARS = 30  # per panel, however many panels there are


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
    keys = ["env", "framework", "device_kind", "source", "precision"]
    best = part.sort_values("rate", ascending=False).drop_duplicates(keys)
    return _ranked(best, lambda r: textwrap.fill(f"{r.env}{_kind(r)} · {r.framework} {r.precision}", 34),
                   lambda r: f"size {int(r.dim)}, {r.precision}")


def _ranked(best: pd.DataFrame, label, detail) -> pd.DataFrame:
    """At most MAX_BARS rows evenly spread over the ranking, fastest first, each with its label and detail."""
    order = best.sort_values("rate", ascending=False, kind="stable").reset_index(drop=True)
    total = len(order)
    order = order.iloc[spread(list(range(total)), MAX_BARS)].copy()
    order["label"] = [label(r) for r in order.itertuples()]
    order["detail"] = [detail(r) for r in order.itertuples()]
    order.attrs["total_bars"] = total
    return order


def _bar_color(framework: str):
    return sns.desaturate(FRAMEWORK_COLORS.get(framework, "#8c8c8c"), 0.75)  # as seaborn's bars drew the brand hues


def draw_bars(ax, rows: pd.DataFrame, colors, title: str, unit: str) -> None:
    """A bar per row (its median), fastest on top, coloured by framework; whiskers over the repeat rows' range."""
    y = np.arange(len(rows))
    frameworks = [f for f in FRAMEWORK_COLORS if f in set(rows["framework"])]
    frameworks += sorted(set(rows["framework"]) - set(frameworks))
    ax.barh(y, rows["rate"], height=0.8, color=[_bar_color(f) for f in rows["framework"]])
    ax.errorbar(rows["rate"], y, xerr=[np.maximum(rows["rate"] - rows["rate_min"], 0), np.maximum(rows["rate_max"] - rows["rate"], 0)],
                fmt="none", ecolor="0.25", elinewidth=1, capsize=2)
    for pos, r in zip(y, rows.itertuples(), strict=True):
        count = f"  n={r.n}" if r.n > 1 else ""
        ax.annotate(f"{fmt(r.rate)}  ({r.detail}){count}",
                    (r.rate_max, pos), textcoords="offset points", xytext=(4, -3), fontsize=7)
    ax.set_yticks(y, rows["label"].tolist())
    for tick, env in zip(ax.get_yticklabels(), rows["env"], strict=True):
        tick.set_color(colors.get(env, "black"))
        tick.set_fontsize(7)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # fastest on top
    lo, hi = rows["rate_min"].min(), rows["rate_max"].max()
    if hi / max(lo, 1e-300) > 100:
        ax.set_xscale("log")
        set_log_limits(ax.set_xlim, lo, hi, below=2, above=8)  # room for the value labels
    else:
        ax.set_xlim(0, min(hi * 1.45, np.finfo(float).max / 1e10))
    ax.set(title=title + shown(rows.attrs.get("total_bars", 0), len(rows)), xlabel=f"{unit} (higher is better)", ylabel="")
    handles = [Patch(color=_bar_color(f), label=f) for f in frameworks]
    ax.legend(handles=handles, title="framework", fontsize=7, loc="lower right")


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
    scored = score_rows(summary.scores)
    if not scored.empty:
        version = scored["version"].iloc[0]
        out.append(("score", scored, f"devicebench score v{version} (per framework; {scoring.SETS[version].reference}'s score runs of "
                    f"{scoring.SETS[version].defined} = "
                    f"{scoring.SCALE:,.0f}; the set: results.md)", "score"))
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
            out.append(("bars", rows, title, unit))
    bars = sum(1 for kind, *_ in out if kind in ("bars", "score"))
    limit = min(MAX_BARS, max(MIN_BARS, MAX_HEADLINE_BARS // max(bars, 1)))  # the whole figure stays readable too
    return [(kind, _fewer(rows, limit) if kind in ("bars", "score") else rows, title, unit) for kind, rows, title, unit in out]


def _fewer(rows: pd.DataFrame, limit: int) -> pd.DataFrame:
    """At most `limit` of a panel's bars, still evenly spread over its ranking."""
    kept = rows.iloc[spread(list(range(len(rows))), limit)].copy()
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
    found = panels(summary)
    if not found:  # ok rows, but none a panel shows (another workload, mode or precision): say so, never fail
        fig, ax = plt.subplots(figsize=(12, 2.5), layout="constrained")
        ax.axis("off")
        ax.text(0.5, 0.5, "No rows for these panels (MLP fp32 training, CNN, transformer, matmul): results.md and the "
                "merged data hold every row", ha="center", va="center", wrap=True)
        fig.suptitle("devicebench: deep-learning throughput by machine\n" + subtitle, fontsize=12)
        return fig
    colors = env_colors(env for _kind, rows, *_ in found for env in rows["env"].unique())
    heights = [5.0 if kind == "mlp" else 1.2 + BAR_INCHES * len(rows) for kind, rows, *_ in found]
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
