"""The site's HTML pages: small shells (navigation, the scripts a page needs, an empty <main>) that assets/site.js
fills from the data files. Only our own text is in the HTML, escaped; contributors' text arrives as data.

A Content-Security-Policy allows scripts from the site's own files only: no inline script, no event-handler
attribute, no other host. Even text that somehow became markup could not run.
"""

from __future__ import annotations

from html import escape

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
NAV = (("index.html", "Overview", "overview"), ("leaderboards.html", "Leaderboards", "boards"),
       ("machines.html", "Environments", "machines"), ("device.html", "Devices", "device"), ("compare.html", "Compare", "compare"),
       ("downloads.html", "Downloads", "downloads"))
PLOTTING = {"overview", "env", "compare", "device"}  # the pages that draw charts load plotly

CSS = """
:root { --fg: #1d1d1f; --muted: #5f6368; --line: #d9dce0; --accent: #0b57d0; --bg: #fff; --band: #f5f6f8; }
* { box-sizing: border-box; }
body { margin: 0; font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--fg); background: var(--bg); }
header { background: var(--band); border-bottom: 1px solid var(--line); padding: 0.6rem 1.5rem; }
header nav { display: flex; flex-wrap: wrap; gap: 1.2rem; align-items: baseline; }
header nav .brand { font-weight: 700; color: var(--fg); text-decoration: none; margin-right: 0.8rem; }
header nav a { color: var(--accent); text-decoration: none; }
header nav a[aria-current="page"] { color: var(--fg); font-weight: 600; border-bottom: 2px solid var(--accent); }
header .subtitle { margin: 0.2rem 0 0; color: var(--muted); font-size: 0.9rem; }
main { padding: 1rem 1.5rem 3rem; max-width: 1600px; }
h1 { font-size: 1.6rem; margin: 0.6rem 0; overflow-wrap: anywhere; }
h2 { font-size: 1.2rem; margin: 1.8rem 0 0.4rem; }
h3 { font-size: 1rem; margin: 1.2rem 0 0.2rem; }
.lead { color: var(--muted); max-width: 60rem; }
.note { color: var(--muted); font-size: 0.85rem; margin: 0; min-height: 0.5rem; }
.error { color: #b3261e; font-weight: 600; }
.chart { width: 100%; min-height: 240px; }
.controls { display: flex; flex-wrap: wrap; gap: 0.5rem 1rem; align-items: center; margin: 0.6rem 0; }
.controls label { font-size: 0.85rem; color: var(--muted); }
.controls select, .controls input, .picker input { font: inherit; padding: 0.2rem 0.3rem; }
.controls input[type=search] { min-width: 16rem; }
.count { font-weight: 600; margin: 0.3rem 0; }
.scroll { overflow-x: auto; }
table.data { border-collapse: collapse; font-size: 0.8rem; width: 100%; }
table.data th, table.data td { border-bottom: 1px solid var(--line); padding: 0.2rem 0.35rem; text-align: left; white-space: nowrap; }
table.data td.wrap { white-space: normal; min-width: 9rem; overflow-wrap: anywhere; }
table.data th.num, table.data td.num { text-align: right; font-variant-numeric: tabular-nums; }
table.data th button { font: inherit; font-weight: 600; background: none; border: 0; padding: 0; cursor: pointer; color: var(--fg); }
table.data th[aria-sort="ascending"] button::after { content: " ▲"; }
table.data th[aria-sort="descending"] button::after { content: " ▼"; }
table.data tbody tr:nth-child(even) { background: var(--band); }
table.kv th { text-align: left; padding: 0.15rem 1rem 0.15rem 0; color: var(--muted); font-weight: 500; vertical-align: top; white-space: nowrap; }
table.kv td { overflow-wrap: anywhere; }
.pager { display: flex; gap: 0.5rem; align-items: center; margin: 0.6rem 0; }
.pager button, .picker button { font: inherit; padding: 0.2rem 0.6rem; }
nav.boards { display: flex; flex-wrap: wrap; gap: 0.4rem 1rem; font-size: 0.9rem; margin: 0.3rem 0 0.6rem; }
.picker { display: flex; flex-wrap: wrap; gap: 0.5rem; margin: 0.8rem 0; }
.share { width: min(100%, 50rem); font-family: ui-monospace, monospace; font-size: 0.8rem; }
.downloads-line { margin: 0.2rem 0; font-size: 0.85rem; }
.downloads-line button { font: inherit; padding: 0.15rem 0.5rem; }
ul.spread { margin: 0.2rem 0; padding-left: 1.2rem; font-size: 0.85rem; color: var(--muted); }
ul.differ, ul.left-out { font-size: 0.9rem; }
table.ranks { border-collapse: collapse; font-size: 0.8rem; }
table.ranks th, table.ranks td { border-bottom: 1px solid var(--line); padding: 0.2rem 0.5rem; text-align: left; white-space: nowrap; }
table.ranks td.num { text-align: right; font-variant-numeric: tabular-nums; }
footer { color: var(--muted); font-size: 0.8rem; padding: 1rem 1.5rem; border-top: 1px solid var(--line); }
"""


def page(kind: str, title: str, subtitle: str, data_files: list[str], board: str = "") -> str:
    """One page: `kind` is what site.js draws in it (body data-page), `data_files` the data/*.js it reads."""
    scripts = (["assets/plotly.min.js"] if kind in PLOTTING else []) + ["assets/site.js"] + [f"data/{name}" for name in data_files]
    tags = "\n".join(f'<script defer src="{escape(src)}"></script>' for src in scripts)
    current = {"board": "boards"}.get(kind, kind)
    links = "\n".join(f'<a href="{href}"{" aria-current=page" if key == current else ""}>{label}</a>' for href, label, key in NAV)
    board_attr = f' data-board="{escape(board)}"' if board else ""
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="referrer" content="no-referrer">
<title>{escape(title)} · devicebench</title>
<link rel="stylesheet" href="assets/site.css">
{tags}
</head>
<body data-page="{escape(kind)}"{board_attr}>
<header>
<nav aria-label="site"><a class="brand" href="index.html">devicebench</a>
{links}
</nav>
<p class="subtitle">{escape(subtitle)}</p>
</header>
<main id="main"><noscript><p>This site draws its tables and charts with JavaScript; the same data is in the
<a href="downloads.html">downloads</a>.</p></noscript></main>
<footer>Generated by <code>python plot_results.py</code> from the validated results files. Data: CC BY 4.0.
Charts: plotly.js (MIT), shipped in this folder; nothing is loaded from elsewhere.</footer>
</body>
</html>
"""


def pages(boards: list[dict], subtitle: str) -> dict[str, str]:
    """Every HTML page of the site by file name; one per leaderboard."""
    out = {
        "index.html": page("overview", "Overview", subtitle, ["index.js", "overview.js"]),
        "leaderboards.html": page("boards", "Leaderboards", subtitle, ["index.js"]),
        "machines.html": page("machines", "Environments", subtitle, ["index.js"]),
        "env.html": page("env", "Environment", subtitle, ["index.js"]),
        "compare.html": page("compare", "Compare", subtitle, ["index.js"]),
        "device.html": page("device", "Device", subtitle, ["index.js"]),
        "downloads.html": page("downloads", "Downloads", subtitle, ["index.js"]),
    }
    for board in boards:
        name = f"{board['workload']} · {board['mode']} leaderboard"
        out[f"board-{board['id']}.html"] = page("board", name, subtitle, ["index.js", f"board-{board['id']}.js"], board["id"])
    return out
