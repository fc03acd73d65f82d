"""Markdown tables as the READMEs write them: the heading and sub-heading each table sits under, its header cells
and its rows' cells (whitespace trimmed, bold markers dropped from the header, empty separator rows skipped)."""

from __future__ import annotations

import re
from dataclasses import dataclass

_RULE = re.compile(r"^\|?\s*:?-{3,}")


@dataclass(frozen=True)
class Table:
    heading: str  # the '#####' heading above the table
    title: str  # the '######' heading or **bold** line between that heading and the table ("" if none)
    header: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


def cells(line: str) -> tuple[str, ...]:
    """The cells of one table line: '| 1 | 938 img/s |' -> ('1', '938 img/s')."""
    return tuple(cell.strip() for cell in line.strip().strip("|").split("|"))


def tables(text: str) -> list[Table]:
    """Every table of a markdown text, in order."""
    out, heading, title = [], "", ""
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.startswith("##### ") and not line.startswith("###### "):
            heading, title = line[6:].strip(), ""
        elif line.startswith("###### ") or re.fullmatch(r"\*\*[^*]+\*\*", line.strip()):
            title = line.strip().strip("#* ").strip()
        elif line.startswith("|") and i + 1 < len(lines) and _RULE.match(lines[i + 1]):
            header = tuple(cell.replace("**", "").strip() for cell in cells(line))
            i += 2
            rows = []
            while i < len(lines) and lines[i].startswith("|"):
                if any(cells(lines[i])):
                    rows.append(cells(lines[i]))
                i += 1
            out.append(Table(heading, title, header, tuple(rows)))
            continue
        i += 1
    return out
