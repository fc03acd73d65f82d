"""What every figure shares: colours, number format, and how many bars a panel keeps.

The headline and the detail figures draw with these, so an env has one colour and a number
one spelling wherever it is drawn.
"""

from __future__ import annotations

import seaborn as sns

MAX_BARS = 60  # per panel; beyond this a chart stops being readable (results.md lists everything)
FRAMEWORK_COLORS = {"torch": "#ee4c2c", "tensorflow": "#ff9f00"}  # the projects' own brand hues


def spread(items: list, n: int) -> list:
    """At most n items at evenly spaced ranks, fastest and slowest kept: a fair sample of the range."""
    if len(items) <= n:
        return list(items)
    step = (len(items) - 1) / (n - 1)
    return [items[round(i * step)] for i in range(n)]


def shown(total: int, limit: int) -> str:
    """A title's note that only `limit` of `total` items are drawn; empty when all are."""
    return f"\n({limit} of {total} shown, evenly spread from fastest to slowest)" if total > limit else ""


def fmt(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"


def env_colors(envs) -> dict[str, tuple]:
    """One colour per env, the same in every panel: evenly spaced hues over the envs drawn."""
    envs = sorted(set(envs))
    return dict(zip(envs, sns.color_palette("husl", len(envs)), strict=True))
