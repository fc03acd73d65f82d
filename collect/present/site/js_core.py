"""The site's JavaScript, part 1: the data loader, DOM and number helpers, and the table (sort, filter, search,
pages, state in the URL fragment). Hand-written, no dependencies; assets/site.js is the parts joined.

Text from the data is only ever set as text (textContent, text nodes) or, for plotly, HTML-escaped: never
parsed as markup. Links are built from our own page names and encodeURIComponent.
"""

CORE = r"""
"use strict";
var DB = window.DB = window.DB || {data: {}};
var FIGURES = ["rate", "rate_min", "rate_max", "q1", "q3", "step_ms", "tflops", "peak_frac"];
DB.put = function (key, value) {  // a data file's payload; run-length ({r: [value, count, ...]}) and sparse ({k: gaps, v: values}) columns expanded
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
    if (t.cols.n) FIGURES.forEach(function (k) { if (!t.cols[k]) t.cols[k] = new Array(t.n).fill(null); });  // left out: none measured
  });
  DB.data[key] = value;
};
DB.ready = function () { document.body.dataset.ready = "1"; window.__readyAt = performance.now(); };
window.addEventListener("error", function (e) {
  var main = document.getElementById("main");
  if (main) main.prepend(h("p", {class: "error", role: "alert", text: "This page failed: " + e.message}));
});

function h(tag, props, children) {
  var node = document.createElement(tag);
  Object.keys(props || {}).forEach(function (k) {
    var v = props[k];
    if (v === undefined || v === null || v === false) return;
    if (k === "class") node.className = v;
    else if (k === "text") node.textContent = String(v);
    else if (k.slice(0, 2) === "on") node.addEventListener(k.slice(2), v);
    else if (k === "data") Object.assign(node.dataset, v);
    else node.setAttribute(k, String(v));
  });
  (children || []).forEach(function (c) {
    if (c !== null && c !== undefined) node.appendChild(typeof c === "object" ? c : document.createTextNode(String(c)));
  });
  return node;
}

function fmt(v) {
  if (v === null || v === undefined || typeof v !== "number" || !isFinite(v)) return "";
  var a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return v.toPrecision(3);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
}
function count(v) { return Number(v).toLocaleString("en-US"); }
function plural(n, word) { return count(n) + " " + word + (n === 1 ? "" : "s"); }
function esc(s) {  // for plotly, which reads a little HTML in every label, legend entry and hover text
  return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;").replace(/'/g, "&#39;");
}
function column(table, name, size) {  // a column of a columnar table; null throughout where the file leaves it out
  return table.cols[name] || new Array(size === undefined ? table.n : size).fill(null);
}
function range(lo, hi, n) { return n > 1 && lo !== null ? fmt(lo) + " – " + fmt(hi) : ""; }

function loadScript(src) {  // fetch() of file:// is refused; a <script> element is not
  return new Promise(function (resolve, reject) {
    var s = h("script", {src: src});
    s.onload = resolve;
    s.onerror = function () { reject(new Error("could not load " + src)); };
    document.head.appendChild(s);
  });
}
function hashParams() { return new URLSearchParams(location.hash.slice(1)); }
function setHash(params, push) {  // push: a new history entry (a reader's change), so back returns to the view before it
  var text = params.toString(), url = text ? "#" + text : location.pathname + location.search;
  if (url === location.hash || (!text && !location.hash)) return;
  try { if (push) history.pushState(null, "", url); else history.replaceState(null, "", url); }
  catch (e) { if (push) location.hash = text; else location.replace("#" + text); }
  NAV.seen = location.href;
}
var NAV = {fns: [], seen: location.href};  // what restores a view when back or forward changes the address
function onNavigate(fn) { NAV.fns.push(fn); }
function navigated() {
  if (location.href === NAV.seen) return;
  NAV.seen = location.href;
  NAV.fns.forEach(function (fn) { fn(); });
}
window.addEventListener("popstate", navigated);
window.addEventListener("hashchange", navigated);
function envHref(name) { return "env.html?env=" + encodeURIComponent(name); }

function unitOf(workload) { return (DB.data.index.units || {})[workload] || "samples/s"; }  // tokens/s for llm rows, ...

var INDEX = null;  // data/index.js, decoded once
function index() {
  if (INDEX) return INDEX;
  var raw = DB.data.index, envs = raw.envs, dict = raw.dict, byName = new Map();
  envs.cols.env.forEach(function (code, i) { byName.set(dict.env[code], i); });
  INDEX = {raw: raw, dict: dict, envs: envs, byName: byName, n: envs.n,
           name: function (i) { return dict.env[envs.cols.env[i]]; }};
  return INDEX;
}

// A table over `n` rows held column-wise. Columns: {key, label, codes + dict (text), or num (numbers), or
// cell(i, position) (anything), optional href(i), fmt(v), sort: false}. Filters: {key, label, codes, dict}.
// Search: {label, fields: [{codes, dict}]}. State (filters, search, sort, page) lives in the URL fragment.
function Table(o) {
  var self = {o: o, size: o.pageSize || 50, ranks: {}, sorted: null, sortedBy: ""};
  self.state = tableState(o);
  self.root = h("div", {class: "table-block"});
  self.controls = h("div", {class: "controls"});
  self.counter = h("p", {class: "count", "aria-live": "polite"});
  self.table = h("table", {class: "data"});
  self.pager = h("div", {class: "pager"});
  self.root.append(self.controls, self.counter, h("div", {class: "scroll"}, [self.table]), self.pager);
  o.root.appendChild(self.root);
  tableControls(self);
  tableHead(self);
  tableExtras(self);
  tableApply(self, false);
  return self;
}

function tableState(o) {  // the view as the address says: filters, search, sort, page, toggles
  var saved = hashParams(), p = o.prefix || "";
  var state = {q: saved.get(p + "q") || "", sort: saved.get(p + "sort") || o.sort.key,
               dir: saved.get(p + "dir") || o.sort.dir, page: Number(saved.get(p + "page") || 1), filters: {}, toggles: {}};
  (o.filters || []).forEach(function (f) { state.filters[f.key] = saved.get(p + f.key) || ""; });
  (o.toggles || []).forEach(function (t) { state.toggles[t.key] = saved.get(t.key) === "1"; });  // shared by the page's tables
  return state;
}

function tableControls(self) {
  var o = self.o;
  (o.filters || []).forEach(function (f) {
    var seen = new Map();
    for (var i = 0; i < o.n; i++) seen.set(f.codes[i], (seen.get(f.codes[i]) || 0) + 1);
    var options = Array.from(seen.keys()).map(function (c) { return [f.dict[c], seen.get(c)]; })
      .sort(function (a, b) { return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0; });
    var select = f.select = h("select", {name: f.key, "aria-label": f.label, onchange: function () {
      self.state.filters[f.key] = select.value; self.state.page = 1; tableApply(self, true); }},
      [h("option", {value: "", text: "any " + f.label})].concat(options.map(function (opt) {
        return h("option", {value: opt[0], text: (opt[0] || "(none)") + " (" + count(opt[1]) + ")"}); })));
    select.value = self.state.filters[f.key];
    if (select.value !== self.state.filters[f.key]) self.state.filters[f.key] = "";
    self.controls.appendChild(h("label", {}, [f.label + " ", select]));
  });
  if (o.search) {
    var timer = null, input = self.search = h("input", {type: "search", name: "q", placeholder: o.search.label, "aria-label": o.search.label});
    input.value = self.state.q;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.state.q = input.value; self.state.page = 1; tableApply(self, "q"); }, 120);
    });
    self.controls.appendChild(input);
  }
}

function tableHead(self) {
  var tr = h("tr");
  self.o.columns.forEach(function (c) {
    var th = h("th", {scope: "col", class: c.num ? "num" : ""});
    if (c.sort === false) th.textContent = c.label;
    else th.appendChild(h("button", {type: "button", data: {key: c.key}, onclick: function () {
      var same = self.state.sort === c.key;
      self.state.dir = same ? (self.state.dir === "desc" ? "asc" : "desc") : (c.num ? "desc" : "asc");
      self.state.sort = c.key; self.state.page = 1; tableApply(self, true); }}, [c.label]));
    tr.appendChild(th);
  });
  self.table.appendChild(h("thead", {}, [tr]));
  self.body = h("tbody");
  self.table.appendChild(self.body);
}

function sortKeys(self, c) {  // a number per row: text by its rank in the sorted dictionary, numbers as they are
  var n = self.o.n, keys = new Float64Array(n), i;
  if (c.num) { for (i = 0; i < n; i++) keys[i] = c.num[i] === null ? NaN : c.num[i]; return keys; }
  if (c.codes) {
    var rank = self.ranks[c.key];
    if (!rank) {
      var order = c.dict.map(function (s, k) { return k; }).sort(function (a, b) { return c.dict[a].localeCompare(c.dict[b], "en", {numeric: true}); });
      rank = self.ranks[c.key] = new Float64Array(c.dict.length);
      order.forEach(function (code, r) { rank[code] = r; });
    }
    for (i = 0; i < n; i++) keys[i] = rank[c.codes[i]];
    return keys;
  }
  for (i = 0; i < n; i++) keys[i] = c.sortValue ? c.sortValue(i) : i;
  return keys;
}

function tableOrder(self) {  // every row, sorted; cached until the sort changes
  var by = self.state.sort + ":" + self.state.dir;
  if (self.sortedBy === by) return self.sorted;
  var c = self.o.columns.find(function (x) { return x.key === self.state.sort && x.sort !== false; }) || self.o.columns.find(function (x) { return x.key === self.o.sort.key; });
  var keys = sortKeys(self, c), sign = self.state.dir === "desc" ? -1 : 1, idx = new Array(self.o.n);
  for (var i = 0; i < self.o.n; i++) idx[i] = i;
  idx.sort(function (a, b) {
    var x = keys[a], y = keys[b];
    if (x !== x) return y !== y ? a - b : 1;  // not measured: last either way
    if (y !== y) return -1;
    return x === y ? a - b : (x < y ? -sign : sign);
  });
  self.sorted = idx; self.sortedBy = by;
  return idx;
}

function tableMatches(self) {  // a function telling whether row i passes the filters and the search
  var o = self.o, tests = [];
  (o.filters || []).forEach(function (f) {
    var want = self.state.filters[f.key];
    if (want === "") return;
    var code = f.dict.indexOf(want);
    tests.push(function (i) { return f.codes[i] === code; });
  });
  if (o.keep) tests.push(function (i) { return o.keep(i, self.state.toggles); });
  var q = self.state.q.trim().toLowerCase();
  if (q && o.search) {
    var marks = o.search.fields.map(function (fld) { return fld.dict.map(function (s) { return s.toLowerCase().indexOf(q) >= 0; }); });
    tests.push(function (i) { return o.search.fields.some(function (fld, k) { return marks[k][fld.codes[i]]; }); });
  }
  return function (i) { for (var k = 0; k < tests.length; k++) if (!tests[k](i)) return false; return true; };
}

function tableApply(self, save) {
  var order = tableOrder(self), pass = tableMatches(self), rows = [];
  for (var k = 0; k < order.length; k++) if (pass(order[k])) rows.push(order[k]);
  var pages = Math.max(1, Math.ceil(rows.length / self.size));
  self.state.page = Math.min(Math.max(1, self.state.page || 1), pages);
  self.rows = rows;
  var start = (self.state.page - 1) * self.size;
  tableBody(self, rows.slice(start, start + self.size), start);
  var what = self.o.what || "rows";
  var total = self.o.n;
  if (self.o.keep) { total = 0; for (k = 0; k < self.o.n; k++) if (self.o.keep(k, self.state.toggles)) total++; }
  self.counter.textContent = count(rows.length) + " of " + count(total) + " " + what +
    (rows.length ? " · showing " + count(start + 1) + "–" + count(Math.min(start + self.size, rows.length)) : "");
  self.counter.dataset.shown = rows.length; self.counter.dataset.total = total;
  tablePager(self, pages);
  Array.from(self.table.querySelectorAll("th")).forEach(function (th, k) {
    var key = self.o.columns[k].key;
    th.setAttribute("aria-sort", key === self.state.sort ? (self.state.dir === "desc" ? "descending" : "ascending") : "none");
  });
  if (save) tableSave(self, save);
  if (self.afterApply) self.afterApply();
  if (self.o.onChange) self.o.onChange(self);
}

function tableSave(self, kind) {  // kind "q": typing in the search box replaces the entry its first keystroke pushed
  var params = hashParams(), p = self.o.prefix || "", s = self.state;
  var set = function (k, v, dflt) { if (v && String(v) !== String(dflt)) params.set(p + k, v); else params.delete(p + k); };
  Object.keys(s.filters).forEach(function (k) { set(k, s.filters[k], ""); });
  set("q", s.q, ""); set("sort", s.sort, self.o.sort.key); set("dir", s.dir, self.o.sort.dir); set("page", s.page, 1);
  Object.keys(s.toggles).forEach(function (k) { if (s.toggles[k]) params.set(k, "1"); else params.delete(k); });
  setHash(params, !(kind === "q" && self.lastSave === "q"));
  self.lastSave = kind;
}

function tableBody(self, rows, start) {
  var body = h("tbody");
  rows.forEach(function (i, k) {
    var tr = h("tr");
    self.o.columns.forEach(function (c) {
      var value = c.cell ? c.cell(i, start + k) : c.codes ? c.dict[c.codes[i]] : (c.fmt || fmt)(c.num[i]);
      var td = h("td", {class: c.num ? "num" : c.wrap ? "wrap" : ""});
      if (c.href && value !== "") td.appendChild(h("a", {href: c.href(i), text: value}));
      else if (value !== null && typeof value === "object") td.appendChild(value);
      else td.textContent = value === null || value === undefined ? "" : String(value);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  self.table.replaceChild(body, self.body);
  self.body = body;
}

function tablePager(self, pages) {
  var go = function (page) { return function () { self.state.page = page; tableApply(self, true); }; };
  var page = self.state.page;
  self.pager.replaceChildren(
    h("button", {type: "button", class: "first", disabled: page <= 1, onclick: go(1)}, ["« first"]),
    h("button", {type: "button", class: "prev", disabled: page <= 1, onclick: go(page - 1)}, ["‹ previous"]),
    h("span", {class: "page", text: "page " + count(page) + " of " + count(pages)}),
    h("button", {type: "button", class: "next", disabled: page >= pages, onclick: go(page + 1)}, ["next ›"]),
    h("button", {type: "button", class: "last", disabled: page >= pages, onclick: go(pages)}, ["last »"]));
}
"""
