"""The headline's classic-MLP panel: seconds per epoch against depth, one line per env.

Rows are reduced to one point per env, line style and depth (median, range, count) before anything is
drawn, working on the categorical columns (a regex per distinct model name, not per row), so a million
rows cost what their distinct points cost. The panel is bounded: at most MAX_ENVS lines, MAX_TICKS depths.
"""

from __future__ import annotations

import math

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402

from collect.contract.record import EPOCH_SAMPLES  # noqa: E402
from collect.present.style import (  # noqa: E402
    FRAMEWORK_COLORS,
    LINESTYLES,
    MARKERS,
    MAX_LABELS,
    MAX_TICKS,
    set_log_limits,
    shown,
    spread,
    whisker_line,
)
from collect.present.summary import is_default_backend, per_category, typed_keys  # noqa: E402

MAX_ENVS = 50  # lines in the MLP panel
PROTOCOLS = ("", " (classic: model.fit)", " (legacy: incl. build)")


def _points(frame: pd.DataFrame) -> pd.DataFrame:
    """One row per env, framework, protocol, batch size and depth: epoch seconds median/min/max, count, median rate."""
    mask = ((frame["workload"] == "mlp") & (frame["mode"] == "train") & (frame["precision"] == "fp32")
            & (frame["status"] == "ok") & is_default_backend(frame)).to_numpy(dtype=bool)
    part = frame.loc[mask, ["env", "framework", "source", "note", "model", "batch_size", "samples_per_s", "wall_s"]]
    depth = per_category(part["model"], lambda names: names.str.extract(r"^mlp-d(\d{1,6})-w1024$", expand=False).astype(float))
    part, depth = part[np.isfinite(depth)], depth[np.isfinite(depth)]
    legacy = (part["source"] == "legacy").to_numpy(dtype=bool)
    classic = per_category(part["note"], lambda notes: notes.str.startswith("classic protocol"))
    epoch = np.where(legacy, part["wall_s"].to_numpy() / 3, EPOCH_SAMPLES / part["samples_per_s"].to_numpy())  # legacy: build + 3 epochs
    part = part.assign(depth=depth.astype(int), line=np.where(legacy, 2, classic.astype(int)), epoch_s=epoch)
    part = part[np.isfinite(epoch) & (epoch > 0)]
    keys = ["env", "framework", "line", "batch_size", "depth"]  # `line`: PROTOCOLS' index (typed_keys leaves it an int)
    out = part.groupby(keys, observed=True, sort=False).agg(
        epoch_s=("epoch_s", "median"), epoch_min=("epoch_s", "min"), epoch_max=("epoch_s", "max"),
        n=("epoch_s", "size"), samples_per_s=("samples_per_s", "median")).reset_index()
    out = typed_keys(out)
    out["style"] = out["framework"] + out["line"].map(dict(enumerate(PROTOCOLS)))
    return out.drop(columns="line")


def mlp_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Classic MLP training points as seconds per epoch (EPOCH_SAMPLES samples), with depth and line style:
    one batch size per line (the one covering most depths, then the fastest), so a line never mixes batch
    sizes or protocols from one depth to the next; at most MAX_ENVS envs and MAX_TICKS depths."""
    points = _points(frame)
    if points.empty:
        return points
    per_batch = points.groupby(["env", "style", "batch_size"]).agg(depths=("depth", "nunique"), rate=("samples_per_s", "median"))
    best = per_batch.reset_index().sort_values(["depths", "rate"], ascending=False).drop_duplicates(["env", "style"])
    rows = points.merge(best[["env", "style", "batch_size"]], on=["env", "style", "batch_size"])
    ranked = rows.groupby("env")["epoch_s"].median().sort_values().index.tolist()
    depths = sorted(rows["depth"].unique())
    rows = rows[rows["env"].isin(spread(ranked, MAX_ENVS)) & rows["depth"].isin(spread(depths, MAX_TICKS))]
    rows = rows.sort_values(["env", "style", "depth"]).reset_index(drop=True)
    rows.attrs.update(total_envs=len(ranked), total_depths=len(depths))
    return rows


def draw_mlp(ax, rows: pd.DataFrame, colors) -> None:
    """A line per env and style through the median epoch time at each depth, whiskers over the range."""
    order = {f: i for i, f in enumerate(FRAMEWORK_COLORS)}  # torch solid, then tensorflow; classic and legacy after
    styles = sorted(rows["style"].unique(), key=lambda s: (order.get(s.split(" ")[0], len(order)), s))
    dash = {s: LINESTYLES[i % len(LINESTYLES)] for i, s in enumerate(styles)}
    marker = {s: MARKERS[i % len(MARKERS)] for i, s in enumerate(styles)}
    for (env, style), line in rows.groupby(["env", "style"], sort=False):
        whisker_line(ax, line["depth"], line["epoch_s"], line["epoch_min"], line["epoch_max"], color=colors.get(env, "0.5"),
                     linestyle=dash[style], marker=marker[style], label=f"_{env} · {style}")
    repeats = rows[rows["n"] > 1]
    if len(repeats) <= MAX_LABELS:
        for r in repeats.itertuples():
            ax.annotate(f"n={r.n}", (r.depth, r.epoch_s), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_yscale("log")
    set_log_limits(ax.set_ylim, rows["epoch_min"].min(), rows["epoch_max"].max(), below=1.15, above=1.15)
    plain = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}")  # 60, not 6 x 10^1
    ax.yaxis.set_major_formatter(plain)
    lo, hi = ax.get_ylim()  # minor ticks labelled only within about a decade, where they do not collide
    ax.yaxis.set_minor_formatter(plain if hi / lo < 20 else matplotlib.ticker.NullFormatter())
    ax.set_xticks(sorted(rows["depth"].unique()))
    title = f"Classic MLP: training time per epoch ({EPOCH_SAMPLES:,} samples; lower is better)"
    title += shown(rows.attrs.get("total_envs", 0), MAX_ENVS, "envs")
    title += shown(rows.attrs.get("total_depths", 0), MAX_TICKS, "depths", "evenly spread over the range")
    if len(repeats) > MAX_LABELS:
        title += f"\n(points are medians of up to {rows['n'].max():,} repeat rows; whiskers: their range)"
    ax.set(title=title, xlabel="hidden layers of 1024 units", ylabel="seconds per epoch (log)")
    envs = list(dict.fromkeys(rows["env"]))
    handles = [Line2D([], [], color=colors.get(env, "0.5"), label=env) for env in envs]
    handles += [Line2D([], [], color="0.3", linestyle=dash[s], marker=marker[s], label=s) for s in styles]
    ax.legend(handles=handles, fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), ncol=math.ceil(len(envs) / 20))
