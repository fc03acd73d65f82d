"use strict";
// The site's pure logic: decoding the data files' columns, numbers and units, sorting and filtering, the CSV of a
// view, caveat flags and matching the sides of a comparison (a row's command, energy scope and price: row_logic.js).
// No DOM here: node's tests (tests/js) load this file with require(); the browser loads it first of assets/site.js.

var FIGURES = ["rate", "rate_min", "rate_max", "q1", "q3", "step_ms", "tflops", "peak_frac", "peak", "per_j"];

function runs(r, n) {  // {r: [value, count, value, count, ...]} as a plain array of n values
  var full = new Array(n), at = 0, j, m;
  for (j = 0; j < r.length; j += 2) for (m = 0; m < r[j + 1]; m++) full[at++] = r[j];
  return full;
}

// The columns written together ({c: names, t: each combination's values in turn, i: each row's combination}).
function joint(t) {
  var jt = t.joint, w = jt.c.length, index = Array.isArray(jt.i) ? jt.i : runs(jt.i.r, t.n);
  jt.c.forEach(function (name, p) {
    var full = new Array(t.n), i;
    for (i = 0; i < t.n; i++) full[i] = jt.t[index[i] * w + p];
    t.cols[name] = full;
  });
  delete t.joint;
}

// A columnar table as the data files write it (encode.py): run-length ({r: [value, count, ...]}), sparse
// ({k: gaps, v: values}) and joint columns become plain arrays; a figure column left out (none measured) nulls.
function expand(t) {
  if (!t || !t.cols || typeof t.n !== "number") return t;
  Object.keys(t.cols).forEach(function (k) {
    var c = t.cols[k], full, at = 0, j;
    if (Array.isArray(c) || !c) return;
    if (c.r) {
      full = runs(c.r, t.n);
    } else if (c.k) {
      full = new Array(t.n).fill(null);
      at = -1;
      for (j = 0; j < c.k.length; j++) { at += c.k[j] + 1; full[at] = c.v[j]; }
    } else return;
    t.cols[k] = full;
  });
  if (t.joint) joint(t);
  if (t.cols.n) FIGURES.forEach(function (k) { if (!t.cols[k]) t.cols[k] = new Array(t.n).fill(null); });
  return t;
}

function isNumber(v) { return typeof v === "number" && isFinite(v); }

function fmt(v) {  // three significant digits, thousands grouped: 1,235 · 12.3 · 0.0123
  if (!isNumber(v)) return "";
  var a = Math.abs(v);
  if (a >= 1e15 || (a > 0 && a < 1e-4)) return v.toPrecision(3);
  if (a >= 1000) return Math.round(v).toLocaleString("en-US");
  return String(Number(v.toPrecision(3)));
}
function count(v) { return Number(v).toLocaleString("en-US"); }
function plural(n, word, many) { return count(n) + " " + (n === 1 ? word : many || word + "s"); }
// lo – hi where there is a spread to show: a range from 2 values, quartiles from `least` (4) values on
function spread(lo, hi, n, least) {
  return isNumber(n) && n >= (least || 2) && isNumber(lo) && isNumber(hi) ? fmt(lo) + " – " + fmt(hi) : "";
}
function percent(v) { return isNumber(v) ? (100 * v).toFixed(Math.abs(v) < 0.1 ? 1 : 0) + "%" : ""; }

// The figure a workload is ranked and read by (data/index.js `figures`, from tables.figures): {key: "rate" or
// "tflops", unit: "GB/s", scale: 1e9}; a stored value divided by scale reads in unit.
function figureOf(figures, workload) {
  return (figures && figures[workload]) || {key: "rate", unit: "samples/s", scale: 1};
}
function scaled(values, fig) { return values.map(function (v) { return isNumber(v) ? v / fig.scale : null; }); }

// The rank of each code of a dictionary in natural order ("bs2" before "bs10").
function dictRank(dict) {
  var order = dict.map(function (s, k) { return k; }).sort(function (a, b) {
    return dict[a].localeCompare(dict[b], "en", {numeric: true});
  });
  var rank = new Float64Array(dict.length);
  order.forEach(function (code, r) { rank[code] = r; });
  return rank;
}

// Row indices sorted by keys (numbers; NaN = not measured, last either way), ties in row order.
function sortedRows(keys, dir) {
  var sign = dir === "desc" ? -1 : 1, idx = new Array(keys.length);
  for (var i = 0; i < keys.length; i++) idx[i] = i;
  return idx.sort(function (a, b) {
    var x = keys[a], y = keys[b];
    if (x !== x) return y !== y ? a - b : 1;
    if (y !== y) return -1;
    return x === y ? a - b : (x < y ? -sign : sign);
  });
}

// A test of row i: every filter's code matches, every `keep` holds, the query is in one of the search fields.
function rowTest(filters, keeps, query, fields) {
  var tests = [];
  filters.forEach(function (f) {
    if (f.want === "" || f.want === undefined) return;
    var code = f.dict.indexOf(f.want);
    tests.push(function (i) { return f.codes[i] === code; });
  });
  keeps.forEach(function (keep) { tests.push(keep); });
  var q = (query || "").trim().toLowerCase();
  if (q && fields && fields.length) {
    var marks = fields.map(function (fld) { return fld.dict.map(function (s) { return s.toLowerCase().indexOf(q) >= 0; }); });
    tests.push(function (i) { return fields.some(function (fld, k) { return marks[k][fld.codes[i]]; }); });
  }
  return function (i) { for (var k = 0; k < tests.length; k++) if (!tests[k](i)) return false; return true; };
}

// ---- like with like ------------------------------------------------------------------------------------------
// Only devicebench's own measurements rank (protocol `ranked`, source measured; an empty protocol is an older row's,
// measured rows ranked as before). Every other protocol (another harness's published figure, the classic model.fit
// protocol, legacy wall times) is a reference: shown after the ranked rows, never among them.
function isReference(protocol, source, ranked) {
  return source !== "measured" || (!!protocol && protocol !== ranked);
}

// 1 for each row of a table that is a reference: codes into the protocol and source dictionaries, each pair looked at once.
function referenceFlags(protocols, sources, dicts, ranked, n) {
  var out = new Uint8Array(n), seen = new Map();
  for (var i = 0; i < n; i++) {
    var p = protocols ? protocols[i] : -1, s = sources ? sources[i] : -1, key = p + "," + s, v = seen.get(key);
    if (v === undefined) {
      v = isReference(p < 0 ? "" : dicts.protocol[p] || "", s < 0 ? "measured" : dicts.source[s], ranked) ? 1 : 0;
      seen.set(key, v);
    }
    out[i] = v;
  }
  return out;
}

// What a reference's badge says: what its protocol timed (texts: protocol -> what it timed, from the site's data).
function referenceWhy(protocol, source, texts) {
  var what = (texts || {})[protocol] || (protocol ? "a figure another harness (" + protocol + ") published" :
    "a " + source + " row, not measured by devicebench");
  return "not ranked, shown for reference: " + (protocol || source) + ": " + what;
}

// Rows in order with the ranked ones first and the references after them, each part keeping its order.
function rankedFirst(order, refs) {
  if (!refs) return order;
  var head = [], tail = [];
  order.forEach(function (i) { (refs[i] ? tail : head).push(i); });
  return head.concat(tail);
}

// Versions apart (pool code 1) or pooled (2); 0 is in both views.
function poolKeep(pool, pooled) { return function (i) { return pooled ? pool[i] !== 1 : pool[i] !== 2; }; }

function csvCell(value) {  // RFC 4180, and inert in a spreadsheet: a formula-like first character gets a '
  var s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;
  return /[",\r\n]/.test(s) || s !== s.trim() ? '"' + s.replace(/"/g, '""') + '"' : s;
}
function csvText(header, lines) {
  return [header].concat(lines).map(function (cells) { return cells.map(csvCell).join(","); }).join("\r\n") + "\r\n";
}

// Caveats: bit k of a row's `flags` is legend[k] ([label, default reason], from flags.py). The reason shown is
// the part of the row's note that names the caveat, else the default.
function caveats(bits, note, legend, extra) {
  var parts = String(note || "").split(/ · |; /);
  var out = [];
  legend.forEach(function (entry, k) {
    if (!(bits & (1 << k))) return;
    var label = entry[0], said = parts.filter(function (p) { return p.toLowerCase().indexOf(label) >= 0; });
    out.push({label: label, why: said.length ? said.join("; ") : (extra && extra[label]) || entry[1]});
  });
  return out;
}

function geomean(values) {
  var ok = values.filter(function (v) { return v > 0 && isFinite(v); });
  return ok.length ? Math.exp(ok.reduce(function (a, v) { return a + Math.log(v); }, 0) / ok.length) : null;
}

// ---- comparing envs --------------------------------------------------------------------------------------------
// A configuration: workload, model, mode, framework, precision, batch, devices, backend, protocol (and the framework version,
// where the reader splits versions). A side's configurations: key -> its row (the fastest where several).
// The protocol is part of a configuration: a published figure meets only a figure of its own protocol.
var KEY_COLS = ["workload", "model", "mode", "framework", "precision", "batch_size", "world_size", "backend", "protocol"];

function sideRows(t, keepRow, split) {
  var rows = new Map(), cols = split ? KEY_COLS.concat(["version"]) : KEY_COLS;
  for (var j = 0; j < t.n; j++) {
    if (!keepRow(j)) continue;
    var key = cols.map(function (c) { return t.cols[c] ? t.cols[c][j] : -1; }).join(","), seen = rows.get(key);  // -1: not in the file
    if (seen === undefined || t.cols.rate[seen] < t.cols.rate[j]) rows.set(key, j);
  }
  return rows;
}

// The keys at least `need` of the sides have, in the first side's order, then the others'.
function sharedKeys(sides, need) {
  var have = new Map(), keys = [];
  sides.forEach(function (s) {
    s.rows.forEach(function (j, key) {
      if (!have.has(key)) keys.push(key);
      have.set(key, (have.get(key) || 0) + 1);
    });
  });
  return keys.filter(function (key) { return have.get(key) >= need; });
}

// Where two sides share no configuration: the key fields whose values do not overlap at all (what keeps them apart),
// each with both sides' values (codes).
function fieldsApart(a, b, cols) {
  return cols.map(function (c, k) {
    var va = new Set(), vb = new Set();
    a.forEach(function (j, key) { va.add(key.split(",")[k]); });
    b.forEach(function (j, key) { vb.add(key.split(",")[k]); });
    var overlap = Array.from(va).some(function (v) { return vb.has(v); });
    return overlap ? null : {field: c, a: Array.from(va), b: Array.from(vb)};
  }).filter(Boolean);
}

// The pairs of configurations (one of each side) that differ in the fewest fields: [{a: key, b: key, differ: [field
// index]}], at most `limit`, fewest differences first. Bounded work: the first 3,000 configurations of each side.
function nearestPairs(a, b, limit, cols) {
  var ka = Array.from(a.keys()).slice(0, 3000).map(function (k) { return k.split(","); });
  var kb = Array.from(b.keys()).slice(0, 3000).map(function (k) { return k.split(","); });
  var best = [], fewest = cols.length + 1;
  ka.forEach(function (x) {
    kb.forEach(function (y) {
      var differ = [];
      for (var k = 0; k < cols.length && differ.length <= fewest; k++) if (x[k] !== y[k]) differ.push(k);
      if (!differ.length || differ.length > fewest) return;
      if (differ.length < fewest) { fewest = differ.length; best = []; }
      if (best.length < limit) best.push({a: x.join(","), b: y.join(","), differ: differ});
    });
  });
  return best;
}

if (typeof module === "object" && module.exports) {
  module.exports = {expand: expand, fmt: fmt, count: count, plural: plural, spread: spread, percent: percent,
    figureOf: figureOf, scaled: scaled, dictRank: dictRank, sortedRows: sortedRows, rowTest: rowTest, poolKeep: poolKeep,
    csvCell: csvCell, csvText: csvText, caveats: caveats, geomean: geomean, KEY_COLS: KEY_COLS, sideRows: sideRows,
    sharedKeys: sharedKeys, fieldsApart: fieldsApart, nearestPairs: nearestPairs, isNumber: isNumber,
    isReference: isReference, referenceFlags: referenceFlags, referenceWhy: referenceWhy, rankedFirst: rankedFirst};
}
