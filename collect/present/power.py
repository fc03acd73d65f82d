"""figures/power.png: samples/s against watts, a marker per energy method, with iso-efficiency lines.

Rows measured with different energy methods share the chart only with a marker per method and a title
that says they differ. Bounded whatever the number of envs: at most MAX_POINTS points (evenly spread over
the efficiency ranking), MAX_COLORS envs in colour (the rest grey), POWER_LABELS labelled points and
MAX_ISO_LINES iso-efficiency lines; the title says "N of M shown".
"""

from __future__ import annotations

import math

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from collect.present.report import UNIT_OF  # noqa: E402
from collect.present.style import MARKERS, MAX_COLORS, MAX_POINTS, clip, finite_range, set_log_limits, shown, spread  # noqa: E402
from collect.present.summary import Summary  # noqa: E402

POWER_LABELS = 20
MAX_ISO_LINES = 10
OTHER = "other envs"
PLAIN = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}" if 1 <= v < 1e15 else f"{v:g}")


def power_points(efficiency: pd.DataFrame) -> pd.DataFrame:
    """The points drawn: at most MAX_POINTS of the efficiency table, evenly spread over its ranking (best first),
    with a colour group (the MAX_COLORS envs of the best points, then OTHER) and whether the point is labelled."""
    rows = efficiency[np.isfinite(efficiency["samples_per_j"]) & (efficiency["samples_per_j"] > 0)
                      & np.isfinite(efficiency["rate"]) & np.isfinite(efficiency["power_w"])]
    rows = rows.iloc[spread(list(range(len(rows))), MAX_POINTS)].reset_index(drop=True)
    named = list(dict.fromkeys(rows["env"]))[:MAX_COLORS]
    labelled = set(spread(list(range(len(rows))), POWER_LABELS))
    rows = rows.assign(color_group=rows["env"].where(rows["env"].isin(named), OTHER),
                       labelled=[i in labelled for i in range(len(rows))])
    rows.attrs.update(total_points=len(efficiency), total_envs=efficiency["env"].nunique())
    return rows


def power_figure(summary: Summary):
    """Samples/s against watts, a marker per energy method and a colour per env, with iso-efficiency
    lines (samples per joule). None without power figures."""
    if summary.efficiency.empty:
        return None
    # one axis, one unit: rows counting tokens or bytes (UNIT_OF) are in results.md's energy tables, not on samples/s
    other_units = summary.efficiency["workload"].astype(str).isin(list(UNIT_OF))
    rows = power_points(summary.efficiency[~other_units])
    if rows.empty:
        return None
    methods = sorted(rows["method"].unique())
    marker = {m: MARKERS[i % len(MARKERS)] for i, m in enumerate(methods)}
    named = [e for e in dict.fromkeys(rows["color_group"]) if e != OTHER]
    colors = {**dict(zip(sorted(named), sns.color_palette("husl", len(named)), strict=True)), OTHER: (0.6, 0.6, 0.6)}
    fig, ax = plt.subplots(figsize=(10, 6.5), layout="constrained")
    for (group, method), part in rows.groupby(["color_group", "method"], sort=True):
        ax.scatter(part["power_w"], part["rate"], color=colors[group], marker=marker[method], s=50 if group != OTHER else 20,
                   alpha=1.0 if group != OTHER else 0.6, edgecolors="none", zorder=2)
    for r in rows[rows["labelled"]].itertuples():
        ax.annotate(clip(f"{r.model} {r.mode} {r.precision}", 32), (r.power_w, r.rate), textcoords="offset points",
                    xytext=(5, 3), fontsize=6)
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):  # ticks at 1, 2, 5 x 10^n, written plainly
        axis.set_major_locator(matplotlib.ticker.LogLocator(subs=(1, 2, 5)))
        axis.set_major_formatter(PLAIN)
        axis.set_minor_formatter(matplotlib.ticker.NullFormatter())
    _iso_lines(ax, rows)
    title = "Power against throughput (up and left is more efficient; dotted: samples per joule)"
    title += shown(rows.attrs["total_points"], MAX_POINTS, "points", "evenly spread from most to least efficient")
    if other_units.any():
        title += f"\n{int(other_units.sum()):,} language-model and bandwidth lines, in tokens/s and GB/s, are in results.md"
    if len(methods) > 1:
        title += f"\nmethods differ ({', '.join(methods)}): compare within one method"
    ax.set(title=title, xlabel="mean power during the timed steps (W, log)", ylabel="samples/s (log)")
    handles = [Line2D([], [], linestyle="", marker="o", color=colors[e], label=e) for e in sorted(named)]
    if OTHER in set(rows["color_group"]):
        others = rows.attrs["total_envs"] - len(named)
        handles.append(Line2D([], [], linestyle="", marker="o", color=colors[OTHER], label=f"{others:,} {OTHER}"))
    handles += [Line2D([], [], linestyle="", marker=marker[m], color="0.3", label=m) for m in methods]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1))
    return fig


def _iso_lines(ax, rows: pd.DataFrame) -> None:
    """y = k * x for k = 10^n samples/J over the range the points span (at most MAX_ISO_LINES of them, every
    few decades when the points span many), labelled at the right edge."""
    lo_x, hi_x = finite_range(rows["power_w"])
    lo_y, hi_y = finite_range(rows["rate"])
    set_log_limits(ax.set_xlim, lo_x, hi_x)
    set_log_limits(ax.set_ylim, lo_y, hi_y)
    (lo_x, hi_x), (lo_y, hi_y) = ax.get_xlim(), ax.get_ylim()
    lo_e, hi_e = finite_range(rows["samples_per_j"])
    first, last = max(math.floor(math.log10(lo_e)), -300), min(math.ceil(math.log10(hi_e)), 300)
    step = max(1, math.ceil((last - first + 1) / MAX_ISO_LINES))
    for n in range(first, last + 1, step):
        k = 10.0**n
        x0, x1 = max(lo_x, lo_y / k), min(hi_x, hi_y / k)  # where y = k x crosses the plotted box
        if not x0 < x1:
            continue
        ax.plot([x0, x1], [k * x0, k * x1], linestyle=":", color="0.6", linewidth=0.8, zorder=0)  # straight on log-log
        ax.annotate(f"{k:g} samples/J", (x1, k * x1), textcoords="offset points", xytext=(-4, -10),
                    fontsize=6, color="0.45", ha="right")
