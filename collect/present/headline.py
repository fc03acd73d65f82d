"""The headline figure: one panel per workload family present, built from long-form rows.

No device or env list lives here: envs, frameworks and models come from the data, so a
new results file shows up by itself. Colours are fixed per env across all panels.
"""

from __future__ import annotations

import math
import textwrap

import matplotlib
import matplotlib.ticker

matplotlib.use("Agg")  # headless: CI and servers have no display
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402
import seaborn as sns  # noqa: E402

from collect.contract.record import EPOCH_SAMPLES  # noqa: E402
from collect.present.style import FRAMEWORK_COLORS, MAX_BARS, env_colors, fmt, shown, spread  # noqa: E402
from collect.present.summary import Summary, best_per_model, is_default_backend, ok_rows  # noqa: E402

BAR_INCHES = 0.28
MAX_LINES = 50  # envs in the MLP panel


def _label(r, with_mode: bool) -> str:
    kind = "" if r.env.endswith(r.device_kind) else f" [{r.device_kind}]"
    devices = f" x{r.world_size}" if r.world_size > 1 else ""
    return textwrap.fill(f"{r.model} · {r.env}{kind} · {r.framework}{devices}" + (f" · {r.mode}" if with_mode else ""), 34)


def mlp_rows(frame: pd.DataFrame) -> pd.DataFrame:
    """Classic MLP training rows as seconds per epoch (EPOCH_SAMPLES samples), with depth and line style."""
    picked = frame[(frame["workload"] == "mlp") & (frame["mode"] == "train") & (frame["precision"] == "fp32")]
    picked = picked[is_default_backend(picked)]
    rows = ok_rows(picked)
    rows = rows[rows["model"].str.fullmatch(r"mlp-d\d+-w1024")].copy()
    if rows.empty:
        return rows
    rows["depth"] = rows["model"].str.extract(r"mlp-d(\d+)-", expand=False).astype(int)
    legacy = rows["source"] == "legacy"
    rows["epoch_s"] = EPOCH_SAMPLES / rows["samples_per_s"]
    rows.loc[legacy, "epoch_s"] = rows.loc[legacy, "wall_s"] / 3  # legacy wall time is build + 3 epochs
    protocol = [_protocol(source, note) for source, note in zip(rows["source"], rows["note"].astype(str), strict=True)]
    rows["style"] = rows["framework"] + pd.Series(protocol, index=rows.index, dtype=str)
    # One batch size per line (the one covering most depths, then the fastest), so a line
    # never mixes batch sizes or protocols from one depth to the next.
    per_batch = rows.groupby(["env", "style", "batch_size"], observed=True).agg(
        depths=("depth", "nunique"), rate=("samples_per_s", "median")).reset_index()
    best = per_batch.sort_values(["depths", "rate"], ascending=False).drop_duplicates(["env", "style"])
    rows = rows.merge(best[["env", "style", "batch_size"]], on=["env", "style", "batch_size"])
    ranked = rows.groupby("env")["epoch_s"].median().sort_values().index.tolist()
    rows = rows[rows["env"].isin(spread(ranked, MAX_LINES))]
    rows.attrs["total_envs"] = len(ranked)
    return rows


def _protocol(source: str, note: str) -> str:
    if source == "legacy":
        return " (legacy: incl. build)"
    return " (classic: model.fit)" if note.startswith("classic protocol") else ""


def bar_rows(agg: pd.DataFrame, workload: str, mode: str | None) -> pd.DataFrame:
    """The fastest configuration per env/framework/model (one row each, with its median, range
    and count), labelled and sorted fastest first for a bar chart."""
    agg = agg[(agg["workload"] == workload) & ((agg["mode"] == mode) if mode else agg["mode"].isin(["train", "infer"]))]
    best = best_per_model(agg)
    if best.empty:
        return best
    best = best.assign(detail=[f"bs {b}, {p}" for b, p in zip(best["batch_size"], best["precision"], strict=True)])
    return _ranked(best, lambda r: _label(r, mode is None))


def matmul_rows(agg: pd.DataFrame) -> pd.DataFrame:
    """Best achieved TFLOP/s per env, framework and dtype over the size sweep."""
    part = agg[agg["workload"] == "matmul"].copy()
    if part.empty:
        return part
    n = part["model"].str.extract(r"matmul-(\d+)", expand=False).astype(float)
    for column in ("rate", "rate_min", "rate_max"):
        part[column] = part[column] * 2 * n**3 / 1e12  # products/s -> TFLOP/s
    part["detail"] = [f"n={int(v)}, {p}" for v, p in zip(n, part["precision"], strict=True)]
    keys = ["env", "framework", "device_kind", "source", "precision"]
    best = part.sort_values("rate", ascending=False).drop_duplicates(keys)
    kind = lambda r: "" if r.env.endswith(r.device_kind) else f" [{r.device_kind}]"  # noqa: E731
    return _ranked(best, lambda r: textwrap.fill(f"{r.env}{kind(r)} · {r.framework} {r.precision}", 34))


def _ranked(best: pd.DataFrame, label) -> pd.DataFrame:
    order = best.sort_values("rate", ascending=False).reset_index(drop=True)
    total = len(order)
    order = order.iloc[spread(list(range(total)), MAX_BARS)].copy()
    order["label"] = [label(r) for r in order.itertuples()]
    order.attrs["total_bars"] = total
    return order


def draw_mlp(ax, rows: pd.DataFrame, colors) -> None:
    sns.lineplot(data=rows, x="depth", y="epoch_s", hue="env", style="style", palette=colors,
                 estimator="median", errorbar=("pi", 100), err_style="bars", markers=True, ax=ax)
    counts = rows.groupby(["env", "style", "depth"], observed=True)["epoch_s"].agg(["median", "size"]).reset_index()
    for r in counts[counts["size"] > 1].itertuples():
        ax.annotate(f"n={r.size}", (r.depth, r.median), textcoords="offset points", xytext=(4, 4), fontsize=7)
    ax.set_yscale("log")
    plain = matplotlib.ticker.FuncFormatter(lambda v, _pos: f"{v:g}")  # 60, not 6 x 10^1
    ax.yaxis.set_major_formatter(plain)
    ax.yaxis.set_minor_formatter(plain)
    ax.set_xticks(sorted(rows["depth"].unique()))
    title = f"Classic MLP: training time per epoch ({EPOCH_SAMPLES:,} samples; lower is better)"
    ax.set(title=title + shown(rows.attrs.get("total_envs", 0), MAX_LINES),
           xlabel="hidden layers of 1024 units", ylabel="seconds per epoch (log)")
    ax.legend(fontsize=7, loc="upper left", bbox_to_anchor=(1.01, 1), ncol=math.ceil(rows["env"].nunique() / 20))


def draw_bars(ax, rows: pd.DataFrame, colors, title: str, unit: str) -> None:
    sns.barplot(data=rows, y="label", x="rate", hue="framework", dodge=False, orient="h", ax=ax,
                errorbar=None, palette=FRAMEWORK_COLORS,
                hue_order=[f for f in FRAMEWORK_COLORS if f in set(rows["framework"])])
    # Whiskers: the full range of repeat rows behind each median.
    y = range(len(rows))
    ax.errorbar(rows["rate"], y, xerr=[rows["rate"] - rows["rate_min"], rows["rate_max"] - rows["rate"]],
                fmt="none", ecolor="0.25", elinewidth=1, capsize=2)
    for pos, r in zip(y, rows.itertuples(), strict=True):
        count = f"  n={r.n}" if r.n > 1 else ""
        ax.annotate(f"{fmt(r.rate)}  ({r.detail}){count}",
                    (r.rate_max, pos), textcoords="offset points", xytext=(4, -3), fontsize=7)
    for tick, env in zip(ax.get_yticklabels(), rows["env"], strict=True):
        tick.set_color(colors.get(env, "black"))
        tick.set_fontsize(7)
    if rows["rate_max"].max() / max(rows["rate_min"].min(), 1e-12) > 100:
        ax.set_xscale("log")
        ax.set_xlim(right=rows["rate_max"].max() * 8)  # room for the value labels
    else:
        ax.set_xlim(0, rows["rate_max"].max() * 1.45)
    ax.set(title=title + shown(rows.attrs.get("total_bars", 0), MAX_BARS), xlabel=f"{unit} (higher is better)", ylabel="")
    ax.legend(title="framework", fontsize=7, loc="lower right")


def panels(summary: Summary) -> list[tuple]:
    """(kind, rows, title, unit) for each panel that has data, in a fixed order."""
    out, agg = [], summary.agg
    mlp = mlp_rows(summary.frame)
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
    return out


def headline_figure(summary: Summary, subtitle: str):
    """Build the figure; returns it (tests inspect its artists, the CLI saves it)."""
    found = panels(summary)
    colors = env_colors(env for _kind, rows, *_ in found for env in rows["env"].unique())
    heights = [5.0 if kind == "mlp" else 1.2 + BAR_INCHES * rows["label"].nunique() for kind, rows, *_ in found]
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
