"""The site's HTML pages: small shells (navigation, the scripts a page needs, an empty <main>) that assets/site.js
fills from the data files; the downloads page is written whole, so the data is one click away without JavaScript.
The shell is assets/page.html; only our own text goes into it, escaped; contributors' text arrives as data.

A Content-Security-Policy allows scripts from the site's own files only: no inline script, no event-handler
attribute, no other host. Even text that somehow became markup could not run.
"""

from __future__ import annotations

from html import escape
from importlib.resources import files
from string import Template
from urllib.parse import quote

CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
       "font-src 'self' data:; connect-src 'none'; object-src 'none'; base-uri 'none'; form-action 'none'")
NAV = (("index.html", "Overview", "overview"), ("score.html", "Score", "score"), ("leaderboards.html", "Leaderboards", "boards"),
       ("machines.html", "Environments", "machines"), ("device.html", "Devices", "device"), ("compare.html", "Compare", "compare"),
       ("downloads.html", "Downloads", "downloads"), ("add.html", "Add your machine", "add"))
# the pages that always draw charts name plotly (4.8 MB); device.html draws only for one device, not for the list of
# devices, and loads it with its first chart (assets/charts.js plotlyReady)
PLOTTING = {"overview", "env", "compare"}


def asset(name: str) -> str:
    """The text of a file of assets/ (JavaScript, CSS, the page shell), as the package ships it."""
    return files("collect.present.site").joinpath("assets", name).read_text(encoding="utf-8")


def _data_links(downloads: list[dict]) -> str:
    if not downloads:
        return "this site was built without it"
    return ", ".join(f'<a href="{escape(d["href"])}" download>{escape(d["name"])}</a>' for d in downloads)


def page(kind: str, title: str, subtitle: str, data_files: list[str], downloads: list[dict], board: str = "",
         body: str = "") -> str:
    """One page: `kind` is what site.js draws in it (body data-page), `data_files` the data/*.js it reads, `body`
    HTML of ours written into <main> as it is."""
    scripts = (["assets/plotly.min.js"] if kind in PLOTTING else []) + ["assets/site.js"] + [f"data/{name}" for name in data_files]
    current = {"board": "boards"}.get(kind, kind)
    return Template(asset("page.html")).substitute(
        csp=CSP, title=escape(title), kind=escape(kind), subtitle="<br>\n".join(escape(line) for line in subtitle.split("\n")), body=body,  # the terms line on a line of its own
        scripts="\n".join(f'<script defer src="{escape(src)}"></script>' for src in scripts),
        board=f' data-board="{escape(board)}"' if board else "", data=_data_links(downloads),
        links="\n".join(f'<a href="{href}"{" aria-current=page" if key == current else ""}>{label}</a>' for href, label, key in NAV))


def _size(n: int) -> str:
    units, k, value = ("B", "kB", "MB", "GB"), 0, float(n)
    while value >= 1000 and k < len(units) - 1:
        value, k = value / 1000, k + 1
    return f"{value:.1f} {units[k]}" if k else f"{n} B"


def downloads_body(downloads: list[dict]) -> str:
    """The downloads page's content: each merged data file, its size and what it holds."""
    items = "\n".join(f'<li><a href="{escape(d["href"])}" download>{escape(d["name"])}</a> — {_size(d["bytes"])}'
                      f'{", " + escape(d["what"]) if d.get("what") else ""}</li>' for d in downloads)
    listing = f'<ul class="downloads">\n{items}\n</ul>' if downloads else "<p>This site was built without the merged data files.</p>"
    return ("<h1>Downloads</h1>\n<p class=\"lead\">Every valid row of every results file, merged and validated (the contract's "
            "columns, then the file and line each row came from). Each environment's own CSV file is on its page. The data is "
            "under CC BY 4.0: use it for anything, with credit; except third-party figures, each under its source's licence "
            "(the <code>licence</code> column; named at the top of this page, with LICENSE-DATA): rows under a ShareAlike "
            f"licence keep it in every copy or adaptation, and credit their author.</p>\n{listing}\n")


def score_body(definition: dict) -> str:
    """score.html's content: the set, its reference and how a score is read (assets/score.html)."""
    members = "\n".join(f"<tr><th scope=\"row\">{escape(label)}</th><td>{escape(why)}</td></tr>"
                        for _key, label, why, *_ in definition["members"])
    reference = definition["reference"]
    return Template(asset("score.html")).substitute(
        version=escape(definition["version"]), scale=f"{definition['scale']:,.0f}", reference=escape(reference),
        reference_href=escape("env.html?env=" + quote(reference)), members=members, defined=escape(definition["defined"]),
        run_to_run=f"\n<li id=\"run-to-run\">How far one machine's score moves between runs. {escape(definition['run_to_run'])}</li>"
        if definition.get("run_to_run") else "")


def add_body(definition: dict) -> str:
    """add.html's content: how to measure and send a machine (assets/add.html)."""
    return Template(asset("add.html")).substitute(score=f"The score's {len(definition['members'])} configurations and "
                                                        "why each is in it: <a href=\"score.html\">the score</a>.")


def pages(boards: list[dict], subtitle: str, downloads: list[dict] | None = None, score: dict | None = None) -> dict[str, str]:
    """Every HTML page of the site by file name; one per leaderboard."""
    listed = downloads or []

    def one(kind, title, data_files, board="", body=""):
        return page(kind, title, subtitle, data_files, listed, board, body)
    out = {
        "index.html": one("overview", "Overview", ["index.js", "overview.js"]),
        "leaderboards.html": one("boards", "Leaderboards", ["index.js"]),
        "machines.html": one("machines", "Environments", ["index.js"]),
        "env.html": one("env", "Environment", ["index.js"]),
        "compare.html": one("compare", "Compare", ["index.js"]),
        "device.html": one("device", "Device", ["index.js"]),
        "downloads.html": one("downloads", "Downloads", [], body=downloads_body(listed)),
    }
    if score:
        out["score.html"] = one("score", "The devicebench score", ["score.js"], body=score_body(score))
        out["add.html"] = one("add", "Add your machine", [], body=add_body(score))
    for board in boards:
        name = f"{board['workload']} · {board['mode']} leaderboard"
        out[f"board-{board['id']}.html"] = one("board", name, ["index.js", f"board-{board['id']}.js"], board["id"])
    return out
