"""The terms of the third-party figures an output holds, said where the output is: results.png, results.md, the site.

Published rows carry their source's licence (`licence`, an SPDX identifier) and a reference that starts with the
repository ("owner/repo@commit:path ..."). An output that contains rows under a ShareAlike licence is itself offered
under it for those rows, and credits their author (the "figure by NAME" their note gives): `notice` says so in one
line, worked out from the rows alone (no source is named here), once per distinct licence and reference.
"""

from __future__ import annotations

import re

import pandas as pd

_REPO = re.compile(r"^([\w.-]+/[\w.-]+)@")
_AUTHOR = re.compile(r"figure by ([^,;()]+)")
SHARE_ALIKE = "-SA-"  # CC-BY-SA-4.0 and the like


def _distinct(frame: pd.DataFrame, column: str) -> list[str]:
    """The values a column holds in these rows (a categorical's unused categories left out)."""
    values = frame[column]
    if isinstance(values.dtype, pd.CategoricalDtype):
        values = values.cat.remove_unused_categories().cat.categories
    else:
        values = values.dropna().unique()
    return [str(v) for v in values if str(v) not in ("", "nan")]


def notice(frame: pd.DataFrame) -> str:
    """"Third-party figures: CC-BY-SA-4.0 (ShareAlike: ...) from owner/repo (by NAME); MIT from ...; their notices:
    LICENSE-DATA and third_party/", or "" when no row names a licence."""
    if "licence" not in frame.columns or frame.empty:
        return ""
    licences = _distinct(frame, "licence")
    if not licences:
        return ""
    parts = []
    for licence in sorted(licences, key=lambda name: (SHARE_ALIKE not in name, name)):
        rows = frame[(frame["licence"] == licence).to_numpy(dtype=bool)]
        repos = sorted({m.group(1) for ref in _distinct(rows, "reference") if (m := _REPO.match(ref))})
        text = f"{licence} from {', '.join(repos) or 'their sources'}"
        if SHARE_ALIKE in licence:
            authors = sorted({m.group(1).strip() for note in _distinct(rows, "note") if (m := _AUTHOR.search(note))})
            by = f" by {', '.join(authors)}" if authors else ""
            text = f"{text}{by} (ShareAlike: this output is offered under {licence} for those rows)"
        parts.append(text)
    return "Third-party figures: " + "; ".join(parts) + "; notices: LICENSE-DATA and third_party/"
