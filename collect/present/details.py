"""Detail figures, one file each under figures/: the matmul sweep, data-parallel scaling, backends
side by side, and power against throughput. Each returns None when the data has nothing to show.

Like the headline, everything drawn comes from the rows: envs, models, backends and energy
methods are never listed here. Rows measured with different energy methods share the power
chart only with a marker per method and a title that says they differ.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from collect.present.style import env_colors, fmt, spread  # noqa: E402
from collect.present.summary import Summary, ok_rows  # noqa: E402

MAX_GROUPS = 24  # env/model groups in the backend figure; results.md lists them all
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
LOG_RANGE = 20  # beyond this ratio of largest to smallest value a linear axis hides the small bars
PLAIN = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}" if v >= 1 else f"{v:g}")  # 300, not 3 x 10^2


def scaling_figure(summary: Summary):
    """Samples/s against devices per env and model, with each line's ideal (N x rate(1)) dashed."""
    table = summary.scaling
    if table.empty:
        return None
    table = table.assign(line=table["env"] + " · " + table["framework"] + " · " + table["model"])
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    sns.lineplot(data=table, x="world_size", y="rate", hue="line", marker="o", ax=ax)
    for line, color in zip(ax.get_legend_handles_labels()[1], [h.get_color() for h in ax.get_legend().legend_handles], strict=True):
        rows = table[table["line"] == line]
        if rows["rate_1"].notna().any():
            ax.plot(rows["world_size"], rows["ideal"], linestyle="--", color=color, linewidth=1)
    ax.set_xticks(sorted(table["world_size"].unique()))
    ax.set(title="Data-parallel scaling: training throughput against devices (dashed: ideal)",
           xlabel="devices (world size)", ylabel="samples/s (global)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def matmul_figure(summary: Summary):
    """TFLOP/s against matrix size: a line per env, a line style per dtype. None without matmul rows."""
    frame = summary.frame
    rows = ok_rows(frame[frame["workload"] == "matmul"])
    if rows.empty:
        return None
    rows["n"] = rows["model"].str.extract(r"matmul-(\d+)", expand=False).astype(int)
    rows["TFLOP/s"] = rows["samples_per_s"] * 2 * rows["n"].astype(float) ** 3 / 1e12
    rows["dtype"] = rows["framework"] + " " + rows["precision"]
    fig, ax = plt.subplots(figsize=(10, 6), layout="constrained")
    sns.lineplot(data=rows, x="n", y="TFLOP/s", hue="env", style="dtype", estimator="median", errorbar=("pi", 100),
                 err_style="bars", markers=True, palette=env_colors(rows["env"]), ax=ax)
    ax.set_xscale("log", base=2)
    ax.set_xticks(sorted(rows["n"].unique()), [str(n) for n in sorted(rows["n"].unique())])
    ax.set(title="Matmul sweep: achieved TFLOP/s by matrix size (n x n x n)", xlabel="n (log scale)",
           ylabel="TFLOP/s (2 n^3 FLOPs per product)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def _group(r) -> str:
    return textwrap.fill(f"{r.model} · {r.env} · {r.framework} {r.precision}", 36)


def backend_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(throughput rows at each group's largest batch, latency rows at batch 1), each with a group label,
    from the backend comparison (Summary.backends)."""
    if table.empty:
        return table, table
    table = table.assign(group=[_group(r) for r in table.itertuples()])
    biggest = table.groupby("group")["batch_size"].transform("max")
    rate = table[(table["batch_size"] == biggest) & (table["batch_size"] > 1)]
    latency = table[table["batch_size"] == 1]
    keep = spread(sorted(set(rate["group"]) | set(latency["group"])), MAX_GROUPS)
    return rate[rate["group"].isin(keep)], latency[latency["group"].isin(keep)]


def backends_figure(summary: Summary):
    """Throughput (largest batch) and batch-1 p50 latency per backend, for every env/model measured
    on two or more backends. None when there is no such comparison."""
    rate, latency = backend_rows(summary.backends)
    panels = [(rows, kind) for rows, kind in ((rate, "rate"), (latency, "latency")) if not rows.empty]
    if not panels:
        return None
    backends = sorted(set(rate.get("backend", [])) | set(latency.get("backend", [])))
    colors = dict(zip(backends, sns.color_palette("colorblind", len(backends)), strict=True))
    tallest = max(rows["group"].nunique() * len(backends) for rows, _ in panels)
    fig, axes = plt.subplots(1, len(panels), figsize=(7 * len(panels), max(3.0, 1.2 + 0.16 * tallest)),
                             squeeze=False, layout="constrained")
    for ax, (rows, kind) in zip(axes[0], panels, strict=True):
        _draw_backend_panel(ax, rows, kind, backends, colors)
    fig.suptitle("devicebench: execution backends on the same machine, model and input")
    return fig


def _draw_backend_panel(ax, rows: pd.DataFrame, kind: str, backends: list[str], colors: dict) -> None:
    groups = sorted(rows["group"].unique())
    height = 0.8 / len(backends)
    value = "rate" if kind == "rate" else "step_ms"
    for j, backend in enumerate(backends):
        part = rows[rows["backend"] == backend].set_index("group")
        ys = [i - 0.4 + (j + 0.5) * height for i, g in enumerate(groups) if g in part.index]
        vals = [part.loc[g, value] for g in groups if g in part.index]
        if not vals:
            continue
        bars = ax.barh(ys, vals, height=height, color=colors[backend], label=backend)
        batches = [part.loc[g, "batch_size"] for g in groups if g in part.index]
        labels = [fmt(v) + (f" (bs {b})" if kind == "rate" else "") for v, b in zip(vals, batches, strict=True)]
        ax.bar_label(bars, labels=labels, fontsize=6, padding=2)
        if kind == "latency":  # a line from p50 to p99: the tail a user of the model waits for
            tails = [part.loc[g, "p99_ms"] for g in groups if g in part.index]
            for y, p50, p99 in zip(ys, vals, tails, strict=True):
                if p99 == p99 and p99 > p50:
                    ax.plot([p50, p99], [y, y], color="0.25", linewidth=1)
    ax.set_yticks(range(len(groups)), groups, fontsize=7)
    ax.invert_yaxis()
    title = ("Throughput by backend (largest batch; higher is better)" if kind == "rate"
             else "Batch-1 latency: p50 bar, line to p99 (lower is better)")
    ax.set(title=title, xlabel="samples/s" if kind == "rate" else "ms per request", ylabel="")
    values = rows[value][rows[value] > 0]
    if values.max() / values.min() > LOG_RANGE:  # models of very different speed share the axis: log, so all show
        ax.set_xscale("log")
        ax.set_xlim(values.min() / 2, values.max() * 4)
        ax.xaxis.set_major_formatter(PLAIN)
    else:
        ax.set_xlim(0, values.max() * 1.25)  # room for the value labels
    ax.legend(title="backend", fontsize=7)


def power_figure(summary: Summary):
    """Samples/s against watts, a marker per energy method and a colour per env, with iso-efficiency
    lines (samples per joule). None without power figures."""
    rows = summary.efficiency
    if rows.empty:
        return None
    rows = rows.assign(point=[f"{r.model} {r.mode} {r.precision}" for r in rows.itertuples()])
    methods = sorted(rows["method"].unique())
    fig, ax = plt.subplots(figsize=(10, 6.5), layout="constrained")
    sns.scatterplot(data=rows, x="power_w", y="rate", hue="env", style="method", style_order=methods,
                    markers=dict(zip(methods, MARKERS, strict=False)), palette=env_colors(rows["env"]), s=70, ax=ax)
    for r in rows.itertuples():
        ax.annotate(r.point, (r.power_w, r.rate), textcoords="offset points", xytext=(5, 3), fontsize=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):  # ticks at 1, 2, 5 x 10^n, written plainly
        axis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
        axis.set_major_formatter(PLAIN)
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    _iso_lines(ax, rows)
    title = "Power against throughput (up and left is more efficient; dotted: samples per joule)"
    if len(methods) > 1:
        title += f"\nmethods differ ({', '.join(methods)}): compare within one method"
    ax.set(title=title, xlabel="mean power during the timed steps (W, log)", ylabel="samples/s (log)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def _iso_lines(ax, rows: pd.DataFrame) -> None:
    """y = k * x for k = 10^n samples/J over the range the points span, labelled at the right edge."""
    lo_x, hi_x = rows["power_w"].min() / 1.5, rows["power_w"].max() * 1.5
    lo_y, hi_y = rows["rate"].min() / 1.5, rows["rate"].max() * 1.5
    ax.set_xlim(lo_x, hi_x)
    ax.set_ylim(lo_y, hi_y)
    eff = rows["samples_per_j"]
    for n in range(math.floor(math.log10(eff.min())), math.ceil(math.log10(eff.max())) + 1):
        k = 10.0**n
        xs = np.geomspace(lo_x, hi_x, 50)
        ax.plot(xs, k * xs, linestyle=":", color="0.6", linewidth=0.8, zorder=0)
        x_end = min(hi_x, hi_y / k)
        if x_end > lo_x and k * x_end > lo_y:
            ax.annotate(f"{k:g} samples/J", (x_end, k * x_end), textcoords="offset points", xytext=(-4, -10),
                        fontsize=6, color="0.45", ha="right")
