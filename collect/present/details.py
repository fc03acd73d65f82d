"""Detail figures, one file each under figures/: the matmul sweep and data-parallel scaling (backends.py,
power.py and roofline_figure.py draw the other three). Each returns None when the data has nothing to show.

Like the headline, everything drawn comes from the rows: envs, models and dtypes are never listed here.
Each figure is bounded: at most MAX_LINES lines, evenly spread over the ranking, and MAX_TICKS x values;
the title says "N of M shown" when some are left out.
"""

from __future__ import annotations

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from collect.present.backends import backends_figure  # noqa: E402
from collect.present.power import power_figure  # noqa: E402
from collect.present.roofline_figure import roofline_figure  # noqa: E402
from collect.present.style import (  # noqa: E402
    LINESTYLES,
    MARKERS,
    MAX_LINES,
    MAX_TICKS,
    clip,
    env_colors,
    finite_range,
    set_log_limits,
    shown,
    spread,
    whisker_line,
)
from collect.present.summary import Summary, per_category, typed_keys  # noqa: E402

__all__ = ["backends_figure", "matmul_figure", "power_figure", "roofline_figure", "scaling_figure"]  # every detail figure, from one module


def bounded_series(table: pd.DataFrame, series: list[str], x: str, value: str) -> tuple[pd.DataFrame, int, int]:
    """The rows of at most MAX_LINES series (evenly spread over their best `value`, best first) at no more
    than MAX_TICKS distinct x values; with the number of series and of x values there were."""
    best = table.groupby(series, sort=False)[value].max().sort_values(ascending=False, kind="stable")
    keep = best.iloc[spread(list(range(len(best))), MAX_LINES)].index
    xs = np.sort(table[x].unique())
    rows = table[table.set_index(series).index.isin(keep) & table[x].isin(spread(list(xs), MAX_TICKS))]
    order = {key: i for i, key in enumerate(keep)}
    rank = [order[key] for key in rows.set_index(series).index]
    return rows.assign(_rank=rank).sort_values(["_rank", x]).drop(columns="_rank"), len(best), len(xs)


def matmul_points(frame: pd.DataFrame) -> pd.DataFrame:
    """Achieved TFLOP/s of ok matmul rows (models named matmul-<n>): median, min, max per env, dtype and n."""
    mask = ((frame["workload"] == "matmul") & (frame["status"] == "ok")).to_numpy(dtype=bool)
    part = frame.loc[mask, ["env", "framework", "precision", "model", "samples_per_s"]]
    n = per_category(part["model"], lambda names: names.str.extract(r"^matmul-(\d{1,9})$", expand=False).astype(float))
    part = part.assign(n=n, tflops=part["samples_per_s"].to_numpy() * 2 * n**3 / 1e12)
    part = part[np.isfinite(part["tflops"]) & (part["tflops"] > 0)]
    if part.empty:
        return pd.DataFrame()
    out = part.groupby(["env", "framework", "precision", "n"], observed=True, sort=False).agg(
        tflops=("tflops", "median"), lo=("tflops", "min"), hi=("tflops", "max")).reset_index()
    out = typed_keys(out)
    out["dtype"] = out["framework"].astype(str) + " " + out["precision"].astype(str)
    return out


def matmul_figure(summary: Summary):
    """TFLOP/s against matrix size: a line per env and dtype (colour per env, line style per dtype), whiskers
    over repeat rows. None without matmul rows."""
    points = matmul_points(summary.frame)
    if points.empty:
        return None
    rows, lines, sizes = bounded_series(points, ["env", "dtype"], "n", "tflops")
    colors = env_colors(rows["env"])
    dtypes = sorted(rows["dtype"].unique())
    dash = {d: LINESTYLES[i % len(LINESTYLES)] for i, d in enumerate(dtypes)}
    mark = {d: MARKERS[i % len(MARKERS)] for i, d in enumerate(dtypes)}
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    for (env, dtype), line in rows.groupby(["env", "dtype"], sort=False):
        whisker_line(ax, line["n"], line["tflops"], line["lo"], line["hi"], color=colors[env], linestyle=dash[dtype],
                     marker=mark[dtype], label=f"_{env} · {dtype}")
    ax.set_xscale("log", base=2)
    ns = sorted(rows["n"].unique())
    ax.set_xticks(ns, [f"{n:.0f}" for n in ns])
    ax.set(title="Matmul sweep: achieved TFLOP/s by matrix size (n x n x n)" + shown(lines, MAX_LINES, "env/dtype lines")
           + shown(sizes, MAX_TICKS, "sizes", "evenly spread over the range"),
           xlabel="n (log scale)", ylabel="TFLOP/s (2 n^3 FLOPs per product)")
    handles = [Line2D([], [], color=colors[e], label=e) for e in dict.fromkeys(rows["env"])]
    handles += [Line2D([], [], color="0.3", linestyle=dash[d], marker=mark[d], label=d) for d in dtypes]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def scaling_figure(summary: Summary):
    """Samples/s against devices per env, framework, model, precision and batch, with each line's ideal
    (N x rate(1)) dashed."""
    table = summary.scaling
    if table.empty:
        return None
    keys = ["env", "framework", "model", "precision", "batch_size", "backend"]
    table = table[np.isfinite(table["rate"]) & (table["rate"] > 0)].sort_values("rate", ascending=False)
    table = table.drop_duplicates([*keys, "world_size"])  # one point per line and device count
    if table.empty:
        return None
    rows, lines, sizes = bounded_series(table, keys, "world_size", "rate")
    palette = sns.color_palette("husl", rows.groupby(keys, sort=False).ngroups)
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    handles = []
    for color, (key, line) in zip(palette, rows.groupby(keys, sort=False), strict=True):
        label = clip(f"{key[0]} · {key[1]} · {key[2]} · {key[3]} bs {key[4]}", 60)
        ax.plot(line["world_size"], line["rate"], color=color, marker="o", linestyle="-", label=f"_{label}")
        if line["rate_1"].notna().any():
            ax.plot(line["world_size"], line["ideal"], linestyle="--", color=color, linewidth=1)
        handles.append(Line2D([], [], color=color, marker="o", label=label))
    xs = sorted(rows["world_size"].unique())
    if len(xs) <= MAX_TICKS:
        ax.set_xticks(xs)
    else:
        ax.xaxis.set_major_locator(matplotlib.ticker.MaxNLocator(MAX_TICKS, integer=True))
    lo, hi = finite_range(np.concatenate([rows["rate"].to_numpy(), rows["ideal"].to_numpy()]))
    if hi / lo > 1e6:  # rates of very different machines share the axis: log, so all show
        ax.set_yscale("log")
        set_log_limits(ax.set_ylim, lo, hi)
    ax.set(title="Data-parallel scaling: training throughput against devices (dashed: ideal)"
           + shown(lines, MAX_LINES, "lines") + shown(sizes, MAX_TICKS, "device counts", "evenly spread over the range"),
           xlabel="devices (world size)", ylabel="samples/s (global)")
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig
