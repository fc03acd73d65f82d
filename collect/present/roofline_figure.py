"""figures/roofline.png: per env, its measured roofs and every configuration placed by arithmetic intensity.

One log-log panel per env that has a compute roof (the best matmul TFLOP/s its device measured per precision, in
this env or another: roofline.compute_roofs) or a bandwidth roof (its best membw GB/s); the roof of each precision is
min(compute, bandwidth x intensity), a dashed line per precision.
Points are the configurations roofline.points finds: colour by workload, marker by framework. Bounded like every
figure: at most MAX_PANELS envs (those with most points first) and MAX_PANEL_POINTS points per panel, evenly
spread over the TFLOP/s ranking, with at most MAX_PANEL_LABELS labels; the title says "N of M shown" when some are
left out.
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
from matplotlib.lines import Line2D  # noqa: E402

from collect.present import roofline  # noqa: E402
from collect.present.style import FRAMEWORK_COLORS, LINESTYLES, MARKERS, clip, fmt, set_log_limits, shown, spread  # noqa: E402
from collect.present.summary import Summary  # noqa: E402

# Envs drawn: two rows of three. Each panel costs its own log axes and labels (about 0.1 s to draw, measured with
# benchmarks/bench_merge.py), so 6 keeps the figure cheap; results.md and the site hold every env's peak fraction.
MAX_PANELS = 6
MAX_PANEL_POINTS = 60  # configurations in one panel
MAX_PANEL_LABELS = 10  # text labels in one panel: the points that are not matmul sizes (those read off the x axis)
COLUMNS = 3
WORKLOAD_COLORS = {"matmul": "#4c72b0", "llm": "#c44e52", "membw": "#55a868"}  # others: OTHER_COLOR
OTHER_COLOR = "#8172b3"
FRAMEWORK_MARKERS = {"torch": "o", "tensorflow": "s"}  # the rest: MARKERS in order


def roof_envs(summary: Summary) -> tuple[list[tuple[str, str]], int, pd.DataFrame, roofline.Roofs]:
    """The (env, device_kind) panels to draw (most points first, then by name), how many envs have a roof, the
    points and the roofs."""
    found = summary.roofs if summary.roofs is not None else roofline.roofs(summary.agg)
    placed = roofline.points(summary.agg) if not summary.agg.empty else pd.DataFrame(columns=[*roofline.ENV_KEYS, "tflops"])
    envs = pd.concat([found.compute[roofline.ENV_KEYS], found.bandwidth[roofline.ENV_KEYS]]).drop_duplicates()
    if envs.empty:
        return [], 0, placed, found
    count = placed.groupby(roofline.ENV_KEYS).size().rename("points").reset_index()
    envs = envs.merge(count, on=roofline.ENV_KEYS, how="left").fillna({"points": 0})
    envs = envs.sort_values(["points", "env", "device_kind"], ascending=[False, True, True], kind="stable")
    keys = list(envs[roofline.ENV_KEYS].itertuples(index=False, name=None))
    return keys[:MAX_PANELS], len(keys), placed, found


def roof_lines(compute: pd.DataFrame, gbps: float | None, lo: float, hi: float) -> list[tuple[str, np.ndarray, np.ndarray]]:
    """(label, x, y) of each roof over intensities lo..hi: per precision min(peak, GB/s x I / 1000) with its ridge
    point as a vertex; the bandwidth line alone where there is no compute roof."""
    out = []
    for precision, peak in zip(compute["precision"], compute["peak_tflops"], strict=True):
        ridge = peak * 1e3 / gbps if gbps else math.inf  # the intensity where bandwidth stops being the limit
        x = np.array(sorted({lo, hi} | ({ridge} if lo < ridge < hi else set())))
        with np.errstate(over="ignore"):
            y = np.minimum(peak, gbps * x / 1e3) if gbps else np.full(len(x), peak)
        out.append((f"{precision}: {fmt(peak)} TFLOP/s" + (f", {fmt(gbps)} GB/s" if gbps else ""), x, y))
    if gbps and compute.empty:
        x = np.array([lo, hi])
        with np.errstate(over="ignore"):  # an implausible bandwidth (flagged for review) runs off the axes as inf
            out.append((f"memory {fmt(gbps)} GB/s", x, gbps * x / 1e3))
    return out


def _span(part: pd.DataFrame, compute: pd.DataFrame, gbps: float | None) -> tuple[float, float]:
    """The intensities a panel spans: its points and ridge points, with room either side."""
    values = list(part["intensity"]) + ([p * 1e3 / gbps for p in compute["peak_tflops"]] if gbps else [])
    values = [v for v in values if np.isfinite(v) and v > 0] or [0.1, 100.0]
    return min(values) / 4, max(values) * 4


def draw_panel(ax, key: tuple[str, str], part: pd.DataFrame, found: roofline.Roofs) -> int:
    """One env's roofs and points; returns how many points it had before the bound."""
    env, kind = key
    compute = found.compute[(found.compute["env"] == env) & (found.compute["device_kind"] == kind)]
    band = found.bandwidth[(found.bandwidth["env"] == env) & (found.bandwidth["device_kind"] == kind)]
    gbps = float(band["peak_gbps"].iloc[0]) if len(band) else None
    total = len(part)
    part = part.iloc[spread(list(range(total)), MAX_PANEL_POINTS)]
    lo, hi = _span(part, compute, gbps)
    for i, (label, x, y) in enumerate(roof_lines(compute, gbps, lo, hi)):
        ax.plot(x, y, color="0.25", linestyle=LINESTYLES[(i + 1) % len(LINESTYLES)], linewidth=1.2, gid="roof", label=label)
    for (workload, framework), group in part.groupby(["workload", "framework"], sort=True):
        ax.scatter(group["intensity"], group["tflops"], s=22, color=WORKLOAD_COLORS.get(workload, OTHER_COLOR),
                   marker=_marker(framework), edgecolors="black", linewidths=0.4, gid="points", zorder=3,
                   label=f"_{workload} {framework}")
    _labels(ax, part)
    ax.set_xscale("log")
    ax.set_yscale("log")
    for axis in (ax.xaxis, ax.yaxis):  # however many decades a panel spans: a handful of ticks, no minor ones (bounded)
        axis.set_major_locator(matplotlib.ticker.LogLocator(numticks=6))
        axis.set_minor_locator(matplotlib.ticker.NullLocator())
    set_log_limits(ax.set_xlim, lo, hi, below=1, above=1)
    ys = list(part["tflops"]) + list(compute["peak_tflops"]) + ([gbps * lo / 1e3] if gbps else [])
    set_log_limits(ax.set_ylim, min(ys), max(ys), below=10, above=10)  # two decades at least: two labelled ticks
    ax.set_title(clip(env, 40) + ("" if env.endswith(kind) else f" [{kind}]") + shown(total, len(part), "points"), fontsize=9)
    ax.set_xlabel("arithmetic intensity (FLOP/byte, log)", fontsize=8)
    ax.set_ylabel("TFLOP/s (log)", fontsize=8)
    ax.legend(fontsize=6, loc="best", title="roofs", title_fontsize=6)
    return total


def _labels(ax, part: pd.DataFrame) -> None:
    """Model, mode and batch beside at most MAX_PANEL_LABELS of the points that are not matmuls."""
    named = part[part["workload"] != "matmul"]
    for i, r in enumerate(named.iloc[spread(list(range(len(named))), MAX_PANEL_LABELS)].itertuples()):
        # neighbours in the TFLOP/s ranking sit close: alternate above right and below left so labels do not overprint
        above = i % 2 == 0
        ax.annotate(clip(f"{r.model} {r.mode} bs{r.batch_size}", 30), (r.intensity, r.tflops), textcoords="offset points",
                    xytext=(4, 3) if above else (-4, -9), ha="left" if above else "right", fontsize=6)


def _marker(framework: str) -> str:
    return FRAMEWORK_MARKERS.get(framework, MARKERS[2 + sum(map(ord, framework)) % (len(MARKERS) - 2)])


def _legend(fig, placed: pd.DataFrame) -> None:
    """One legend for the figure: colour = workload, marker = framework."""
    workloads = sorted(set(placed["workload"])) if not placed.empty else []
    frameworks = [f for f in FRAMEWORK_COLORS if not placed.empty and f in set(placed["framework"])]
    frameworks += sorted(set(placed["framework"]) - set(frameworks)) if not placed.empty else []
    handles = [Line2D([], [], linestyle="", marker="o", color=WORKLOAD_COLORS.get(w, OTHER_COLOR), label=w) for w in workloads]
    handles += [Line2D([], [], linestyle="", marker=_marker(f), color="0.4", label=f) for f in frameworks]
    if handles:
        fig.legend(handles=handles, fontsize=7, loc="lower center", ncols=min(len(handles), 8),
                   title="colour: workload · marker: framework", title_fontsize=7)


def roofline_figure(summary: Summary):
    """The roofline per env (see the module's docstring); None where no env has a roof."""
    keys, total, placed, found = roof_envs(summary)
    if not keys:
        return None
    columns = min(COLUMNS, len(keys))
    rows = math.ceil(len(keys) / columns)
    title = ("Roofline per env: roof = min(best matmul TFLOP/s its device measured at a precision, best membw GB/s x "
             "FLOP/byte); each configuration at its FLOP per byte and attained TFLOP/s")
    title = textwrap.fill(title, 40 * columns + 20) + shown(total, len(keys), "envs", "the envs with most points first")
    top = 0.8 + 0.18 * (title.count("\n") + 1)  # inches: the suptitle's lines and the first panels' two-line titles
    width, height = 4.8 * columns + 0.6, 3.9 * rows + top + 0.9
    # Fixed margins, not constrained layout: that measures every tick label of every panel twice, and this figure's
    # text (clipped titles, short tick labels, legends inside the panels) fits the same margins at any size.
    fig, axes = plt.subplots(rows, columns, figsize=(width, height), squeeze=False)
    fig.subplots_adjust(left=0.7 / width, right=1 - 0.15 / width, top=1 - top / height, bottom=0.9 / height,
                        wspace=0.3, hspace=0.55)
    for ax, key in zip(axes.flat, keys, strict=False):
        mask = (placed["env"] == key[0]) & (placed["device_kind"] == key[1]) if not placed.empty else []
        draw_panel(ax, key, placed[mask] if len(placed) else placed, found)
    for ax in list(axes.flat)[len(keys):]:
        ax.remove()  # an empty grid cell: not even hidden artists
    _legend(fig, placed[placed.set_index(roofline.ENV_KEYS).index.isin(keys)] if len(placed) else placed)
    fig.suptitle(title, fontsize=10)
    return fig
