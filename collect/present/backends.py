"""figures/backends.png: throughput and batch-1 latency per execution backend, for each env and model measured
on two or more backends (Summary.backends). Bounded: at most MAX_GROUPS env/model groups, evenly spread over
their names, with "N of M shown" in the title; results.md and the merged data hold every comparison.
"""

from __future__ import annotations

import textwrap

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from collect.present.style import clip, finite_range, fmt, set_log_limits, shown, spread  # noqa: E402
from collect.present.summary import Summary  # noqa: E402

MAX_GROUPS = 24  # env/model groups in the backend figure; results.md lists them all
LOG_RANGE = 20  # beyond this ratio of largest to smallest value a linear axis hides the small bars
PLAIN = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:,.0f}" if 1 <= v < 1e15 else f"{v:g}")  # 300, not 3 x 10^2
GROUP = ["model", "env", "device_kind", "framework", "precision", "world_size"]


def _group(r) -> str:
    kind = "" if r.env.endswith(r.device_kind) else f" [{r.device_kind}]"
    devices = f" x{r.world_size}" if r.world_size > 1 else ""
    return textwrap.fill(f"{clip(r.model)} · {r.env}{kind}{devices} · {r.framework} {r.precision}", 36)


def backend_rows(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(throughput rows at each group's largest batch, latency rows at batch 1), each with a group label,
    from the backend comparison (Summary.backends); at most MAX_GROUPS groups (attrs: total_groups)."""
    if table.empty:
        return table, table
    biggest = table.groupby(GROUP, sort=False)["batch_size"].transform("max")
    rate = table[(table["batch_size"] == biggest) & (table["batch_size"] > 1) & (table["rate"] > 0)]
    latency = table[(table["batch_size"] == 1) & (table["step_ms"] > 0)]
    groups = pd.concat([rate[GROUP], latency[GROUP]]).drop_duplicates().sort_values(GROUP).reset_index(drop=True)
    keep = groups.iloc[spread(list(range(len(groups))), MAX_GROUPS)]
    keep = keep.assign(group=[_group(r) for r in keep.itertuples()])
    out = []
    for rows in (rate, latency):
        rows = rows.merge(keep, on=GROUP).sort_values("rate", ascending=False).drop_duplicates(["group", "backend"])
        rows.attrs["total_groups"] = len(groups)
        out.append(rows)
    return out[0], out[1]


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
    total = panels[0][0].attrs.get("total_groups", 0)
    fig.suptitle("devicebench: execution backends on the same machine, model and input"
                 + shown(total, MAX_GROUPS, "env/model groups", "evenly spread over their names"))
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
                if p99 == p99 and p99 > p50 and np.isfinite(p99):
                    ax.plot([p50, p99], [y, y], color="0.25", linewidth=1)
    ax.set_yticks(range(len(groups)), groups, fontsize=7)
    ax.invert_yaxis()
    title = ("Throughput by backend (largest batch; higher is better)" if kind == "rate"
             else "Batch-1 latency: p50 bar, line to p99 (lower is better)")
    ax.set(title=title, xlabel="samples/s" if kind == "rate" else "ms per request", ylabel="")
    lo, hi = finite_range(rows[value])
    if hi / lo > LOG_RANGE:  # models of very different speed share the axis: log, so all show
        ax.set_xscale("log")
        set_log_limits(ax.set_xlim, lo, hi, below=2, above=4)
        ax.xaxis.set_major_formatter(PLAIN)
    else:
        ax.set_xlim(0, min(hi * 1.25, np.finfo(float).max / 1e10))  # room for the value labels
    ax.legend(title="backend", fontsize=7)
