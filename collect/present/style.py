"""What every figure shares: colours, number format, and how much one figure draws.

The headline and the detail figures draw with these, so an env has one colour and a number
one spelling wherever it is drawn. Every figure is bounded the same way, whatever the number of
envs, files or rows: at most so many bars, lines, points, labels and ticks; the rest is left out
evenly over the range and the title says "N of M shown" (results.md and the merged data hold all).
"""

from __future__ import annotations

import numpy as np
import seaborn as sns

MAX_BARS = 60  # per panel; beyond this a chart stops being readable (results.md lists everything)
MAX_LINES = 24  # lines (one per env or per configuration) in a line chart
MAX_POINTS = 400  # points in a scatter
MAX_COLORS = 12  # envs with a colour and a legend entry in a scatter; the rest are grey
MAX_LABELS = 40  # text labels beside points
MAX_TICKS = 16  # distinct x values (depths, sizes, device counts) on a line chart
FRAMEWORK_COLORS = {"torch": "#ee4c2c", "tensorflow": "#ff9f00"}  # the projects' own brand hues
LINESTYLES = ("-", "--", ":", "-.", (0, (5, 1)), (0, (3, 1, 1, 1)), (0, (1, 3)))
MARKERS = ("o", "s", "^", "D", "v", "P", "X")
BIG = 1e15  # beyond this a number is written 1.23e+15, not in 16 digits


def spread(items: list, n: int) -> list:
    """At most n items at evenly spaced ranks, fastest and slowest kept: a fair sample of the range."""
    if len(items) <= n:
        return list(items)
    if n <= 1:
        return list(items[:n])
    step = (len(items) - 1) / (n - 1)
    return [items[round(i * step)] for i in range(n)]


def shown(total: int, limit: int, what: str = "", how: str = "evenly spread from fastest to slowest") -> str:
    """A title's note that only `limit` of `total` items are drawn; empty when all are."""
    what = f" {what}" if what else ""
    return f"\n({limit:,} of {total:,}{what} shown, {how})" if total > limit else ""


def fmt(value: float) -> str:
    if value != value:
        return ""
    return f"{value:,.0f}" if 100 <= abs(value) < BIG else f"{value:.3g}"


def clip(text: str, limit: int = 40) -> str:
    """Free text from a contributor's file (a model or device name) cut to a label's length."""
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def env_colors(envs) -> dict[str, tuple]:
    """One colour per env, the same in every panel: evenly spaced hues over the envs drawn."""
    envs = sorted(set(envs))
    return dict(zip(envs, sns.color_palette("husl", len(envs)), strict=True))


def finite_range(values) -> tuple[float, float]:
    """(smallest, largest) of the finite positive values, for axis limits; (1, 10) when there are none."""
    values = np.asarray(values, dtype=float)
    values = values[np.isfinite(values) & (values > 0)]
    return (float(values.min()), float(values.max())) if len(values) else (1.0, 10.0)


def set_log_limits(set_lim, lo: float, hi: float, below: float = 1.5, above: float = 1.5) -> None:
    """Log-axis limits with room around [lo, hi], kept inside what a float holds."""
    tiny, huge = np.finfo(float).tiny * 1e10, np.finfo(float).max / 1e10
    set_lim(max(lo / below, tiny), min(hi * above, huge) if hi * above < huge else huge)


def whisker_line(ax, x, y, lo, hi, **style):
    """A line through the medians y with whiskers from lo to hi; returns the line (its gid is "median")."""
    y, lo, hi = (np.asarray(v, dtype=float) for v in (y, lo, hi))
    drawn = ax.errorbar(np.asarray(x, dtype=float), y, yerr=[np.maximum(y - lo, 0), np.maximum(hi - y, 0)],
                        markersize=4, capsize=2, elinewidth=1, **style)
    drawn.lines[0].set_gid("median")
    return drawn.lines[0]
