"""Should a table library replace the site's hand-written sorter, filter and pager? Measure it.

    npm install --prefix /tmp/tablelib tabulator-tables gridjs datatables.net datatables.net-dt   # once, outside the repo
    python benchmarks/bench_table_lib.py --lib-dir /tmp/tablelib
    python benchmarks/bench_table_lib.py --lib-dir /tmp/tablelib --site /tmp/site --runs 3   # a site write_site wrote

The leaderboard with the most rows of a 10,000-env synthetic site (bench_site.py's set: bench_merge.py's `today`
shape, 1,000,000 rows; written once, kept with --dir) is shown four ways in headless Chromium: the site's own board
page as write_site wrote it, and the same rows through each library (Tabulator, Grid.js, DataTables), each page
under the site's own Content-Security-Policy, with row objects built from the same columnar data/*.js files, the
same columns, sorted by rate descending, select filters (with counts) on framework and precision, 50 rows a page.

For each, in a fresh browser (cold) and then opened again in it (warm), alternating the candidates (A B C D, D C B A, ...):
time to interactive (navigation start to the first page of rows in the DOM, sorted: the site's own ready mark, or
the library page's), the JS heap after a garbage collection (CDP Runtime.getHeapUsage), the time of a click on the
rate header (until the page shows the rows ascending) and of a framework filter change (until every row shown has
that framework). Medians of --runs each. Then the bytes each adds to a page (minified JS and CSS, and gzipped), its
version and licence (from its package.json), and whether it ran without a CSP violation (a securitypolicyviolation
listener and the console), also under a stricter style-src 'self'.

Nothing is downloaded: the libraries come from --lib-dir, an npm folder (node_modules/...); the command above
fills one. No library is copied into the repository: the pages are written to a scratch folder.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args  # noqa: E402

try:  # requirements-dev.txt, as for tests/test_site.py; main() says so when it is missing
    from selenium import webdriver
    from selenium.webdriver.support.ui import WebDriverWait
except ImportError:
    webdriver = None

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
NPM = "npm install --prefix {dir} tabulator-tables gridjs datatables.net datatables.net-dt"
EVAL = rb"\beval\s*\(|new\s+Function\s*\(|\bFunction\s*\(\s*[\"'a-z]"  # code from strings: what script-src 'self' refuses


@dataclass(frozen=True)
class Lib:
    """A candidate as npm installs it: its package, the minified files a page would vendor ((package, path))."""

    name: str
    package: str
    js: tuple[tuple[str, str], ...]
    css: tuple[tuple[str, str], ...]
    rows: str  # CSS selector of a cell of `field` in the rows on screen ({field} filled in)
    sort: str  # CSS selector of what a reader clicks to sort by rate


LIBS = {
    "tabulator": Lib("Tabulator", "tabulator-tables", (("tabulator-tables", "dist/js/tabulator.min.js"),),
                     (("tabulator-tables", "dist/css/tabulator.min.css"),),
                     "#board .tabulator-row .tabulator-cell[tabulator-field={field}]", "#board .tabulator-col[tabulator-field=rate]"),
    "gridjs": Lib("Grid.js", "gridjs", (("gridjs", "dist/gridjs.umd.js"),), (("gridjs", "dist/theme/mermaid.min.css"),),
                  "#board .gridjs-tbody td[data-column-id={field}]", "#board th[data-column-id=rate] button.gridjs-sort"),
    "datatables": Lib("DataTables", "datatables.net", (("datatables.net", "js/dataTables.min.js"),),
                      (("datatables.net-dt", "css/dataTables.dataTables.min.css"),),
                      "#board tbody td.c-{field}", "#board thead th.c-rate"),
}
# The site's ranked column (rate, or "figure" where the board ranks by its workload's figure) is the one sorted on
# load, descending: found by its aria-sort, as a reader's eye finds the arrow.
SITE = Lib("site (hand-written)", "", (), (), "", "table.data th[aria-sort=descending] button")
SITE_CELLS = """var k = Array.from(document.querySelectorAll('table.data thead th')).findIndex(function (th) {
  if (FIELD === "rate") return /^(a|de)scending$/.test(th.getAttribute("aria-sort") || "");
  var b = th.querySelector('button'); return b !== null && b.dataset.key === FIELD; });
return Array.from(document.querySelectorAll('table.data tbody tr')).map(function (tr) { return tr.children[k].textContent; });"""

# --- the library pages: their own small loader of the site's data files, and each library's table -----------------

CSP_WATCH = r"""
"use strict";
window.__csp = [];  // loaded first: every Content-Security-Policy violation while the page runs
document.addEventListener("securitypolicyviolation", function (e) {
  window.__csp.push(e.violatedDirective + " blocked " + (e.blockedURI || "?") + " at " + (e.sourceFile || "?") + ":" + e.lineNumber);
});
"""

COMMON = r"""
"use strict";
// The site's data files call DB.put; this is its loader (run-length and sparse columns expanded), no more.
var DB = window.DB = window.DB || {data: {}};
DB.put = function (key, value) {
  Object.keys(value).forEach(function (name) {
    var t = value[name];
    if (!t || !t.cols || typeof t.n !== "number") return;
    Object.keys(t.cols).forEach(function (k) {
      var c = t.cols[k], full, at = 0, j, m;
      if (Array.isArray(c) || !c) return;
      if (c.r) { full = new Array(t.n); for (j = 0; j < c.r.length; j += 2) for (m = 0; m < c.r[j + 1]; m++) full[at++] = c.r[j]; }
      else if (c.k) { full = new Array(t.n).fill(null); at = -1; for (j = 0; j < c.k.length; j++) { at += c.k[j] + 1; full[at] = c.v[j]; } }
      else return;
      t.cols[k] = full;
    });
  });
  DB.data[key] = value;
};
"""

BOARD = r"""
"use strict";
function fmt(v) {  // the site's number format (its toLocaleString("en-US") as a regex: the same text, faster)
  if (v === null || v === undefined || typeof v !== "number" || !isFinite(v)) return "";
  var a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return v.toPrecision(3);
  if (a >= 1000) return String(Math.round(v)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
  return String(Number(v.toPrecision(3)));
}
function span(lo, hi, n) { return n > 1 && lo !== null ? fmt(lo) + " – " + fmt(hi) : ""; }
function envHref(name) { return "env.html?env=" + encodeURIComponent(name); }
function deviceHref(key) { return "device.html?device=" + encodeURIComponent(key); }
function el(tag, attrs, text) {
  var node = document.createElement(tag);
  Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
  if (text !== undefined) node.textContent = text;
  return node;
}

// The board's columns as the site shows them (less its # column), and one object per row of the default view
// (versions apart: the site's "pool versions" unticked), built from the columnar data, which is then let go. IQR and
// range are text made from four numbers of the row (value()), as each library lets a column be computed.
var COLUMNS = [
  {key: "env", label: "env", href: envHref}, {key: "device", label: "device", href: deviceHref}, {key: "kind", label: "kind"},
  {key: "platform", label: "platform"}, {key: "framework", label: "framework"}, {key: "version", label: "version"},
  {key: "model", label: "model"}, {key: "precision", label: "precision"}, {key: "batch_size", label: "batch", num: true, fmt: String},
  {key: "world_size", label: "devices", num: true, fmt: String}, {key: "backend", label: "backend"}, {key: "source", label: "source"},
  {key: "rate", label: "samples/s", num: true}, {key: "n", label: "n", num: true, fmt: String},
  {key: "iqr", label: "IQR", sort: false, value: function (r) { return span(r.q1, r.q3, r.q1 === null ? 0 : 2); }},
  {key: "range", label: "range", sort: false, value: function (r) { return span(r.rate_min, r.rate_max, r.n); }},
  {key: "step_ms", label: "step ms", num: true}, {key: "tflops", label: "TFLOP/s", num: true}];

function boardRows() {
  var t0 = performance.now(), I = DB.data.index, D = I.dict, B = DB.data["board/" + document.body.dataset.board], t = B.rows, c = t.cols, n = t.n;
  var rowOf = new Int32Array(D.env.length).fill(-1);
  I.envs.cols.env.forEach(function (code, r) { rowOf[code] = r; });
  var col = function (k) { return c[k] || new Array(n).fill(null); };
  var q1 = col("q1"), q3 = col("q3"), lo = col("rate_min"), hi = col("rate_max"), rate = col("rate"), step = col("step_ms"), tf = col("tflops");
  var pool = c.pool || new Array(n).fill(0), rows = [];
  for (var i = 0; i < n; i++) {
    if (pool[i] === 2) continue;
    var r = rowOf[c.env[i]];
    rows.push({env: D.env[c.env[i]], device: D.dkey[c.device[i]], kind: D.kind[c.device_kind[i]],
      platform: D.platform[r < 0 ? 0 : I.envs.cols.platform[r]], framework: D.framework[c.framework[i]],
      version: D.version[c.version[i]], model: D.model[c.model[i]], precision: D.precision[c.precision[i]],
      batch_size: c.batch_size[i], world_size: c.world_size[i], backend: D.backend[c.backend[i]], source: D.source[c.source[i]],
      rate: rate[i], n: c.n[i], q1: q1[i], q3: q3[i], rate_min: lo[i], rate_max: hi[i], step_ms: step[i], tflops: tf[i]});
  }
  document.title = B.meta.workload + " · " + B.meta.mode + " leaderboard";
  delete DB.data["board/" + document.body.dataset.board];  // the row objects replace the columns: the heap holds one copy
  window.__rowsMs = performance.now() - t0;  // of the time to interactive: building the row objects
  return rows;
}

function filterSelects(rows, keys, onchange) {  // a select per key, its values with their counts, as the site has
  var box = document.getElementById("controls"), state = {};
  keys.forEach(function (key) {
    var seen = new Map();
    rows.forEach(function (row) { seen.set(row[key], (seen.get(row[key]) || 0) + 1); });
    var select = el("select", {name: key, "aria-label": key});
    select.appendChild(el("option", {value: ""}, "any " + key));
    Array.from(seen.keys()).sort().forEach(function (v) { select.appendChild(el("option", {value: v}, (v || "(none)") + " (" + seen.get(v).toLocaleString("en-US") + ")")); });
    select.addEventListener("change", function () { state[key] = select.value; onchange(state); });
    state[key] = "";
    var label = el("label", {}, key + " ");
    label.appendChild(select);
    box.appendChild(label);
  });
}

function readyWhen(selector) {  // the ready mark: the first page of rows is in the DOM
  var done = function () {
    if (document.body.dataset.ready === "1" || !document.querySelector(selector)) return false;
    document.body.dataset.ready = "1";
    window.__readyAt = performance.now();
    return true;
  };
  if (done()) return;
  var watch = new MutationObserver(function () { if (done()) watch.disconnect(); });
  watch.observe(document.body, {childList: true, subtree: true});
}
"""

GLUE = {
    "tabulator": r"""
"use strict";
(function () {
  var rows = boardRows(), root = document.getElementById("board");
  readyWhen("#board .tabulator-row");
  var link = function (href) { return function (cell) { var v = cell.getValue(); return v ? el("a", {href: href(v)}, v) : ""; }; };
  var table = new Tabulator(root, {
    data: rows, pagination: true, paginationSize: 50, layout: "fitData", initialSort: [{column: "rate", dir: "desc"}],
    columns: COLUMNS.map(function (c) {
      return {title: c.label, field: c.key, headerSort: c.sort !== false, sorter: c.num ? "number" : "string", headerSortStartingDir: c.num ? "desc" : "asc",
              hozAlign: c.num ? "right" : "left", formatter: c.href ? link(c.href) : c.value ? function (cell) { return c.value(cell.getData()); } :
                c.num ? function (cell) { return (c.fmt || fmt)(cell.getValue()); } : "plaintext"};
    })});
  window.__shown = function () { return table.getDataCount("active"); };
  filterSelects(rows, ["framework", "precision"], function (state) {
    var f = Object.keys(state).filter(function (k) { return state[k] !== ""; }).map(function (k) { return {field: k, type: "=", value: state[k]}; });
    if (f.length) table.setFilter(f); else table.clearFilter();
  });
})();
""",
    "gridjs": r"""
"use strict";
(function () {
  // Grid.js has no initial sort and no per-column filter: the rows go in sorted by rate, and a filter hands it the
  // rows that pass and renders again (its sort state is lost).
  var rows = boardRows().sort(function (a, b) { return (b.rate === null ? -Infinity : b.rate) - (a.rate === null ? -Infinity : a.rate); });
  readyWhen("#board .gridjs-tbody td[data-column-id=rate]");
  var grid = new gridjs.Grid({
    data: rows, sort: true, pagination: {limit: 50},
    columns: COLUMNS.map(function (c) {
      return {id: c.key, name: c.label, sort: c.sort !== false, data: c.value,
              formatter: c.href ? function (v) { return v ? gridjs.h("a", {href: c.href(v)}, v) : ""; } :
                c.num ? function (v) { return (c.fmt || fmt)(v); } : undefined};
    })}).render(document.getElementById("board"));
  var shown = rows.length;
  window.__shown = function () { return shown; };
  filterSelects(rows, ["framework", "precision"], function (state) {
    var keys = Object.keys(state).filter(function (k) { return state[k] !== ""; }), pass = rows.filter(function (row) {
      return keys.every(function (k) { return row[k] === state[k]; }); });
    shown = pass.length;
    grid.updateConfig({data: pass}).forceRender();
  });
})();
""",
    "datatables": r"""
"use strict";
(function () {
  var rows = boardRows(), box = document.getElementById("board"), at = {};
  var node = el("table", {class: "display compact"});
  box.appendChild(node);
  readyWhen("#board tbody td.c-rate");
  var text = function (s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;"); };
  var table = new DataTable(node, {
    data: rows, deferRender: true, pageLength: 50, lengthChange: false, order: [[COLUMNS.findIndex(function (c) { return c.key === "rate"; }), "desc"]],
    columns: COLUMNS.map(function (c, k) {
      at[c.key] = k;
      return {data: c.value ? null : c.key, title: c.label, className: "c-" + c.key + (c.num ? " dt-right" : ""), orderable: c.sort !== false,
              type: c.num ? "num" : "string", orderSequence: c.num ? ["desc", "asc"] : ["asc", "desc"],
              render: function (v, type, row) {  // DataTables takes the display value as HTML: escaped here
                if (c.value) return type === "display" ? text(c.value(row)) : "";
                if (type !== "display") return v === null ? (c.num ? -Infinity : "") : v;
                if (c.href) return v ? '<a href="' + text(c.href(v)) + '">' + text(v) + "</a>" : "";
                return c.num ? (c.fmt || fmt)(v) : text(v); }};
    })});
  window.__shown = function () { return table.rows({search: "applied"}).count(); };
  filterSelects(rows, ["framework", "precision"], function (state) {
    Object.keys(state).forEach(function (k) {
      var want = state[k];
      table.column(at[k]).search(want === "" ? "" : function (v, row) { return row[k] === want; });
    });
    table.draw();
  });
})();
""",
}

PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
{csp}
<title>leaderboard · {name}</title>
<link rel="stylesheet" href="assets/site.css">
{links}
{scripts}
</head>
<body data-page="board" data-board="{board}">
<header><nav aria-label="site"><a class="brand" href="index.html">devicebench</a></nav></header>
<main id="main"><h1>leaderboard through {name}</h1><div class="controls" id="controls"></div><div id="board"></div></main>
</body>
</html>
"""


def gz(data: bytes) -> int:
    return len(gzip.compress(data, 9, mtime=0))


def lib_missing(lib_dir: Path | None, names: list[str]) -> list[str]:
    if lib_dir is None:
        return names
    return [n for n in names if not all((lib_dir / "node_modules" / p / f).is_file() for p, f in LIBS[n].js + LIBS[n].css)]


def lib_facts(lib_dir: Path, name: str) -> dict:
    """Version, licence (and whether its licence file is there), bytes of the minified JS and CSS, raw and gzipped."""
    lib = LIBS[name]
    meta = json.loads((lib_dir / "node_modules" / lib.package / "package.json").read_text(encoding="utf-8"))
    licences = [p.name for p in (lib_dir / "node_modules" / lib.package).iterdir() if p.name.lower().startswith(("licence", "license"))]
    js = b"".join((lib_dir / "node_modules" / p / f).read_bytes() for p, f in lib.js)
    css = b"".join((lib_dir / "node_modules" / p / f).read_bytes() for p, f in lib.css)
    hits = len(re.findall(EVAL, js))
    return {"version": meta.get("version", "?"), "licence": meta.get("license", "?") + (f" ({licences[0]})" if licences else " (no file)"),
            "js": len(js), "js_gz": gz(js), "css": len(css), "css_gz": gz(css), "eval": hits,
            "files": [f"{p}/{f}" for p, f in lib.js + lib.css]}


# The site's table: its functions by name (those its site.js has; the code has moved between files before).
TABLE_FUNCTIONS = {"Table", "NARROW", "tableState", "tableControls", "levelClass", "tableHead", "sortKeys", "tableOrder",
                   "tableMatches", "tableApply", "tableSave", "tableBody", "tablePager", "csvCell", "csvText", "cellText",
                   "tableCsv", "download", "toggleBox", "tableExtras", "tableRestore", "poolToggle", "flaggedToggle",
                   "poolKeep", "dictRank", "sortedRows", "rowTest", "hashParams", "setHash", "onNavigate", "navigated"}


def table_code(site_js: str) -> str:
    """The site's table cut out of its site.js (each top-level function of TABLE_FUNCTIONS, up to the next
    top-level line): its share of the bytes."""
    chunks = re.split(r"\n(?=[A-Za-z/])", site_js)
    named = [(re.match(r"function (\w+)\(", c), c) for c in chunks]
    return "\n".join(c for m, c in named if m and m.group(1) in TABLE_FUNCTIONS)


def site_facts(site: Path) -> dict:
    js = (site / "assets" / "site.js").read_bytes()
    css = (site / "assets" / "site.css").read_bytes()
    table = table_code(js.decode("utf-8")).encode("utf-8")
    return {"version": "-", "licence": "the project's", "js": len(js), "js_gz": gz(js), "css": len(css), "css_gz": gz(css),
            "eval": len(re.findall(EVAL, js)), "table": len(table), "table_gz": gz(table) if table else 0}


def boards(site: Path) -> dict[str, dict]:
    """The site's leaderboards by id: {id, workload, mode, rows, envs}, from its data/index.js."""
    text = (site / "data" / "index.js").read_text(encoding="ascii")
    return {b["id"]: b for b in json.loads(text[text.index(",") + 1:text.rindex(")")])["boards"]}


def lab(site: Path, board: str, lib_dir: Path | None, names: list[str], folder: Path) -> dict[str, str]:
    """The pages to measure in `folder`: the site's board page and what it loads, copied, and a page per library
    (its files copied from lib_dir, under the site's CSP); also each library page under a stricter style-src.
    Returns candidate -> page file name."""
    for part in ("assets", "data"):
        (folder / part).mkdir(parents=True, exist_ok=True)
    for name in (f"board-{board}.html", "assets/site.js", "assets/site.css", "data/index.js", f"data/board-{board}.js"):
        shutil.copyfile(site / name, folder / name)
    html = (site / f"board-{board}.html").read_text(encoding="utf-8")
    csp = re.search(r'<meta http-equiv="Content-Security-Policy"[^>]*>', html)
    if not csp:
        raise SystemExit(f"board-{board}.html has no Content-Security-Policy meta tag")
    pages = {"site": f"board-{board}.html"}
    for part, text in (("csp-watch.js", CSP_WATCH), ("common.js", COMMON), ("board.js", BOARD)):
        (folder / "assets" / f"bench-{part}").write_text(text.lstrip(), encoding="utf-8")
    for name in names:
        lib = LIBS[name]
        (folder / "vendor" / name).mkdir(parents=True, exist_ok=True)
        for package, path in lib.js + lib.css:
            shutil.copyfile(lib_dir / "node_modules" / package / path, folder / "vendor" / name / Path(path).name)
        (folder / "assets" / f"bench-{name}.js").write_text(GLUE[name].lstrip(), encoding="utf-8")
        scripts = (["assets/bench-csp-watch.js"] + [f"vendor/{name}/{Path(p).name}" for _, p in lib.js] +
                   ["assets/bench-common.js", "data/index.js", f"data/board-{board}.js", "assets/bench-board.js", f"assets/bench-{name}.js"])
        for suffix, meta in (("", csp.group(0)), ("-strict", csp.group(0).replace("style-src 'self' 'unsafe-inline'", "style-src 'self'"))):
            (folder / f"lib-{name}{suffix}.html").write_text(PAGE.format(
                csp=meta, name=lib.name, board=board,
                links="\n".join(f'<link rel="stylesheet" href="vendor/{name}/{Path(p).name}">' for _, p in lib.css),
                scripts="\n".join(f'<script defer src="{s}"></script>' for s in scripts)), encoding="utf-8")
        pages[name] = f"lib-{name}.html"
    return pages


def page_bytes(folder: Path, page: str) -> int:
    html = (folder / page).read_text(encoding="utf-8")
    return len(html.encode()) + sum((folder / src).stat().st_size for src in re.findall(r'(?:src|href)="([^"]+\.(?:js|css))"', html))


# --- the browser ------------------------------------------------------------------------------------------------------

def driver(scratch: Path):
    """A fresh headless Chromium with its own new profile (no cache) under `scratch`: bench_site.py's."""
    return sibling().driver(scratch)


def cells_js(name: str) -> str:
    """A JS expression: a function(field) giving the text of that field's cells in the rows on screen."""
    if name == "site":
        return "function (FIELD) {" + SITE_CELLS + "}"
    return f"function (field) {{ return Array.from(document.querySelectorAll({json.dumps(LIBS[name].rows)}.replace('{{field}}', field))).map(function (td) {{ return td.textContent; }}); }}"


ACT = """
var done = arguments[arguments.length - 1], cells = (%s), before = cells("rate"), t0, finished = false, watch = null, timer = null;
var number = function (s) { return s === "" ? NaN : Number(s.replace(/,/g, "")); };
var ok = (%s);
var act = (%s);
var check = function () {
  if (finished || !ok()) return;
  finished = true;
  var ms = performance.now() - t0;
  if (watch) watch.disconnect();
  clearInterval(timer);
  done({ms: ms, rows: cells("rate").length});
};
setTimeout(function () {  // a macrotask apart from selenium's own script
  t0 = performance.now();
  act();
  check();
  if (finished) return;
  watch = new MutationObserver(check);
  watch.observe(document.body, {childList: true, subtree: true, characterData: true});
  timer = setInterval(check, 2);
}, 0);
"""
SORTED = """function () { var r = cells("rate").map(number); return r.length > 1 && r[0] !== number(before[0]) &&
  r.every(function (v, k) { return k === 0 || !(v < r[k - 1]); }); }"""
FILTERED = """function () { var f = cells("framework"); return f.length > 0 && f.every(function (v) { return v === window.__want; }); }"""
FILTER = """function () { var s = document.querySelector("select[name=framework]"); window.__want = s.options[1].value;
  s.value = window.__want; s.dispatchEvent(new Event("change", {bubbles: true})); }"""


def act(d, name: str, condition: str, action: str) -> float:
    d.set_script_timeout(120)
    out = d.execute_async_script(ACT % (cells_js(name), condition, action))
    return out["ms"]


def until(d, condition: str, seconds: float = 120):
    return WebDriverWait(d, seconds).until(lambda x: x.execute_script("return " + condition))


def problems(d) -> list[str]:
    logs = [e["message"] for e in d.get_log("browser") if e["level"] in ("SEVERE", "WARNING")]
    return logs + (d.execute_script("return window.__csp || []") or [])


def one(d, name: str, url: str) -> dict:
    """Open a page and measure it: TTI, heap after GC, a sort click, a filter change. The address without the
    fragment the site's table writes: the same first view each time."""
    d.get("about:blank")
    d.get(url)
    until(d, "document.body.dataset.ready === '1'")
    tti = d.execute_script("return window.__readyAt") / 1000
    first = d.execute_script(f"return ({cells_js(name)})('rate')")
    d.execute_cdp_cmd("HeapProfiler.collectGarbage", {})
    heap = d.execute_cdp_cmd("Runtime.getHeapUsage", {})["usedSize"] / 2**20
    target = json.dumps(SITE.sort if name == "site" else LIBS[name].sort)
    sort_ms = act(d, name, SORTED, f"function () {{ document.querySelector({target}).click(); }}")
    filter_ms = act(d, name, FILTERED, FILTER)
    shown = d.execute_script("var c = document.querySelector('.count'); return c ? Number(c.dataset.shown) : window.__shown();")
    rows_ms = d.execute_script("return window.__rowsMs === undefined ? null : window.__rowsMs")
    return {"tti": tti, "heap": heap, "sort": sort_ms, "filter": filter_ms, "rows": len(first), "top": first[0] if first else "",
            "shown": shown, "rows_ms": rows_ms, "problems": problems(d)}


def measure(folder: Path, pages: dict[str, str], runs: int, scratch: Path) -> dict[str, list[dict]]:
    """runs x (cold, warm) per candidate, the candidates alternated: A B C D, then D C B A, ..."""
    order, out = list(pages), {name: [] for name in pages}
    for run in range(runs):
        for name in order if run % 2 == 0 else order[::-1]:
            d = driver(scratch)
            try:
                cold = one(d, name, f"file://{folder}/{pages[name]}")
                warm = one(d, name, f"file://{folder}/{pages[name]}")  # the same browser: its caches warm
            finally:
                d.quit()
            out[name].append({"cold": cold, "warm": warm})
            print(f"  run {run + 1} {name:<10} TTI {cold['tti']:.2f} / {warm['tti']:.2f} s, sort {cold['sort']:.0f} / {warm['sort']:.0f} ms, "
                  f"filter {cold['filter']:.0f} / {warm['filter']:.0f} ms, heap {cold['heap']:.0f} MiB", flush=True)
    return out


def strict_style(folder: Path, names: list[str], scratch: Path) -> dict[str, list[str]]:
    """Each library page once more under style-src 'self' (no inline styles): what it reports."""
    out = {}
    for name in names:
        d = driver(scratch)
        try:
            d.get(f"file://{folder}/lib-{name}-strict.html")
            until(d, "document.body.dataset.ready === '1'")
            out[name] = problems(d)
        finally:
            d.quit()
    return out


# --- the site to measure -------------------------------------------------------------------------------------------

def build_site(results: Path, out: Path) -> None:
    from collect.dataset.loader import discover, load
    from collect.present.site import write_site
    from collect.present.summary import summarize

    t0 = time.perf_counter()
    loaded = load(discover(results))
    write_site(summarize(loaded.frame), out, subtitle=f"{loaded.frame['env'].nunique():,} environments · {len(loaded.frame):,} rows")
    print(f"[site] written from {len(loaded.frame):,} rows in {time.perf_counter() - t0:.0f} s (not timed)", flush=True)


def sibling():
    """benchmarks/bench_site.py, loaded from its file once: its browser and its 10,000-env set."""
    if "bench_site" not in sys.modules:
        spec = importlib.util.spec_from_file_location("bench_site", ROOT / "benchmarks" / "bench_site.py")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        sys.modules["bench_site"] = module
    return sys.modules["bench_site"]


def synthetic(folder: Path) -> Path:
    return sibling().synthetic(folder)


def median(values) -> float:
    return statistics.median(values)


def report(facts: dict, page_size: dict, times: dict, strict: dict, names: list[str]) -> None:
    kb = lambda b: f"{b / 1000:,.1f}"  # noqa: E731
    print("\nbytes a page adds for its table (kB = 1000 bytes; gzip -9)")
    print(f"  {'candidate':<20} {'version':<8} {'licence':<22} {'JS kB':>8} {'JS gz':>7} {'CSS kB':>7} {'CSS gz':>7} {'eval/Function':>13} {'page loads MB':>14}")
    for name in ["site", *names]:
        f = facts[name]
        label = SITE.name if name == "site" else LIBS[name].name
        print(f"  {label:<20} {f['version']:<8} {f['licence']:<22} {kb(f['js']):>8} {kb(f['js_gz']):>7} {kb(f['css']):>7} {kb(f['css_gz']):>7} "
              f"{f['eval']:>13} {page_size[name] / 1e6:>14.2f}")
    site = facts["site"]
    if site.get("table"):
        print(f"  (the site's JS is all of its pages' code; its table (sort, filter, search, pages, URL state, view CSV): "
              f"{kb(site['table'])} kB, {kb(site['table_gz'])} kB gzipped)")
    print("\ntime and memory, median of the runs (cold: a fresh browser; warm: the page opened again in it)")
    print(f"  {'candidate':<20} {'TTI cold s':>10} {'TTI warm s':>10} {'sort cold ms':>12} {'sort warm ms':>12} {'filter cold ms':>14} "
          f"{'filter warm ms':>14} {'heap MiB':>9} {'of TTI: rows built ms':>21}  CSP (style-src 'unsafe-inline' / 'self')")
    for name in ["site", *names]:
        runs = times[name]
        m = {f"{k}_{w}": median([r[w][k] for r in runs]) for k in ("tti", "sort", "filter", "heap") for w in ("cold", "warm")}
        seen = sorted({p for r in runs for w in ("cold", "warm") for p in r[w]["problems"]})
        csp = "clean" if not seen else f"{len(seen)} problem(s)"
        if name in strict:
            csp += " / " + ("clean" if not strict[name] else f"{len(strict[name])} violation(s)")
        label = SITE.name if name == "site" else LIBS[name].name
        built = "-" if name == "site" else f"{median([r['cold']['rows_ms'] for r in runs]):.0f}"
        print(f"  {label:<20} {m['tti_cold']:>10.2f} {m['tti_warm']:>10.2f} {m['sort_cold']:>12.0f} {m['sort_warm']:>12.0f} "
              f"{m['filter_cold']:>14.0f} {m['filter_warm']:>14.0f} {m['heap_cold']:>9.0f} {built:>21}  {csp}")
    for name in ["site", *names]:
        seen = sorted({p for r in times[name] for w in ("cold", "warm") for p in r[w]["problems"]} | set(strict.get(name, [])))
        for p in seen[:5]:
            print(f"  {name}: {p[:300]}")
    seen = {name: (times[name][0]["cold"]["rows"], times[name][0]["cold"]["top"], times[name][0]["cold"]["shown"]) for name in times}
    print("\n  the same view everywhere (rows on the first page, its first rate, rows after the framework filter): " +
          "; ".join(f"{name} {rows}, {top}, {shown:,}" for name, (rows, top, shown) in seen.items()))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--lib-dir", type=Path, help="an npm folder holding the libraries (node_modules/...); "
                        "fill one with: " + NPM.format(dir="DIR"))
    parser.add_argument("--libs", nargs="+", choices=list(LIBS), default=list(LIBS), help="the libraries to measure")
    parser.add_argument("--site", type=Path, help="measure this site (a folder write_site wrote) instead of building one")
    parser.add_argument("--dir", type=Path, help="keep the synthetic results folder here and reuse it")
    parser.add_argument("--board", help="the board id to show (default: the one with the most rows)")
    parser.add_argument("--runs", type=int, default=5, help="cold + warm measurements per candidate")
    parser.add_argument("--keep", type=Path, help="write the pages measured here (an empty or new folder) and keep them")
    args = parser.parse_args(cli_args.arguments(argv))
    if webdriver is None or not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        print(f"needs selenium (requirements-dev.txt), {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)",
              file=sys.stderr)
        return 2
    missing = lib_missing(args.lib_dir, args.libs)
    if missing:
        where = args.lib_dir or Path("/tmp/tablelib")
        print(f"the libraries {', '.join(missing)} are not in {args.lib_dir or '(no --lib-dir given)'}; this script downloads "
              f"nothing. Get them with npm, outside the repository:\n  {NPM.format(dir=where)}\nthen pass --lib-dir {where}",
              file=sys.stderr)
        return 2
    with tempfile.TemporaryDirectory(prefix="bench-table-lib-") as tmp:
        site = args.site
        if site is None:
            site = Path(tmp) / "site"
            build_site(synthetic((args.dir or Path(tmp)) / "today-10000"), site)
        listed = boards(site)
        board = args.board or max(listed, key=lambda b: (listed[b]["rows"], (site / "data" / f"board-{b}.js").stat().st_size))
        if board not in listed:
            print(f"no board {board!r} in {site}: {', '.join(listed)}", file=sys.stderr)
            return 2
        meta = listed[board]
        folder = args.keep or Path(tmp) / "lab"
        pages = lab(site, board, args.lib_dir, args.libs, folder.resolve())
        facts = {"site": site_facts(site), **{name: lib_facts(args.lib_dir, name) for name in args.libs}}
        sizes = {name: page_bytes(folder, page) for name, page in pages.items()}
        print(f"[board] {board}: {meta['rows']:,} rows, {meta['envs']:,} envs; candidates: site, {', '.join(args.libs)}; "
              f"{args.runs} runs each; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
        times = measure(folder.resolve(), pages, args.runs, Path(tmp))
        strict = strict_style(folder.resolve(), args.libs, Path(tmp))
        print(f"[done] load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs", flush=True)
        report(facts, sizes, times, strict, args.libs)
        for name in args.libs:
            print(f"  {LIBS[name].name}: {', '.join(facts[name]['files'])}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
