/* global expand, fmt, figureOf, caveats, referenceFlags, referenceWhy */
// The page's plumbing: the data loader, the DOM builder, the address (URL fragment) as the view's state, the
// shared code book (data/index.js), figures and caveats as the pages show them.
//
// Text from the data is only ever set as text (textContent, text nodes) or, for plotly, HTML-escaped: never parsed
// as markup. Links are built from our own page names and encodeURIComponent.

var DB = window.DB = window.DB || {data: {}};
DB.put = function (key, value) {  // every data file calls this with its payload (browsers refuse fetch() of file://)
  Object.keys(value).forEach(function (name) { expand(value[name]); });
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

// For plotly, which reads a little HTML (<b>, <br>, entities) in labels and hover text: no tag can form without
// "<", and "&" starts no entity. Quotes stay as they are (plotly shows &quot; as written).
function esc(s) { return String(s).replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"); }

function column(table, name, size) {  // a column of a columnar table; null throughout where the file leaves it out
  return table.cols[name] || new Array(size === undefined ? table.n : size).fill(null);
}

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
  catch { if (push) location.hash = text; else location.replace("#" + text); }  // e.g. file:// in some browsers
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
function deviceHref(key) { return "device.html?device=" + encodeURIComponent(key); }

var INDEX = null;  // data/index.js, decoded once
function index() {
  if (INDEX) return INDEX;
  var raw = DB.data.index, envs = raw.envs, dict = raw.dict, byName = new Map();
  envs.cols.env.forEach(function (code, i) { byName.set(dict.env[code], i); });
  INDEX = {raw: raw, dict: dict, envs: envs, byName: byName, n: envs.n,
           name: function (i) { return dict.env[envs.cols.env[i]]; }};
  return INDEX;
}

function figure(workload) { return figureOf(DB.data.index.figures, workload); }  // TFLOP/s for matmul, GB/s for membw, ...
function unitOf(workload) { return (DB.data.index.units || {})[workload] || "samples/s"; }  // what `rate` counts per second
// A row's figure in its workload's unit: TFLOP/s for a matmul row, GB/s for a membw row, its rate otherwise.
function figureValue(t, j, workload) {
  var f = figure(workload), v = column(t, f.key)[j];
  return typeof v === "number" ? v / f.scale : null;
}
function withUnit(v, workload) { return v === null ? "" : fmt(v) + " " + figure(workload).unit; }

// A row's caveats as badges: [{label, why}] -> <span class="badge"> each, its reason as the tooltip.
function caveatsOf(bits, note, peak) {
  var extra = peak ? {"over peak": "above 90% of this device's datasheet peak of " + fmt(peak) + " TFLOP/s: a sync or unit bug is likely"} : null;
  return bits ? caveats(bits, note, DB.data.index.flags || [], extra) : [];
}
function badges(list) {
  return h("span", {class: "badges"}, list.map(function (c) {
    return h("span", {class: "badge " + c.label.replace(/ /g, "-"), title: c.why, "aria-label": c.label + ": " + c.why, text: c.label});
  }));
}
// Like with like: 1 for each row of a columnar table (its `protocol` and `source` codes) that is a reference, not ranked.
function referencesOf(t) {
  var I = DB.data.index;
  return referenceFlags(t.cols.protocol, t.cols.source, I.dict, I.ranked || "devicebench", t.n);
}
function referenceBadge(t, i) {  // {label, why} of a reference row, for badges()
  var D = DB.data.index.dict, p = t.cols.protocol ? D.protocol[t.cols.protocol[i]] : "", s = t.cols.source ? D.source[t.cols.source[i]] : "measured";
  return {label: "reference", why: referenceWhy(p, s, DB.data.index.protocols)};
}
function hideReferences() { return hashParams().get("noref") === "1"; }  // the reader's choice, in the address as every view's

function caveatText(list) { return list.map(function (c) { return c.label + ": " + c.why; }).join("; "); }
