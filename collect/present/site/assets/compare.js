/* global h, fmt, count, plural, column, index, hashParams, loadScript, DB, figure, caveatsOf, caveatText, badges,
   chartQueue, barChart, Table, textColumn, KEY_COLS, sideRows, sharedKeys, geomean, poolKeep, onNavigate, NAV,
   compareDifferences, compareLeftOut, compareApart, referencesOf, referenceBadge, hideReferences, envPrint, unitOf,
   sidesWith, rowsShared, ratioTo, compareChartRows, perJouleColumns, energyScope,
   comparableScope */
// The comparison page. Its state is the URL fragment, #envs=A,B,C (an entry `env:kind` picks one device kind of an
// env that has several), so a comparison is a link to share.
//
// A side is an env (or one device kind of it). Configurations are matched field by field, framework included, so
// an env's torch rows meet the other's torch rows; framework versions are pooled unless the reader splits them
// (then a configuration also needs the same major.minor version on both sides). The protocol is part of a configuration
// (logic.js KEY_COLS): a published figure meets only figures of its own protocol, and the configurations of another
// protocol than devicebench's are references: after the ranked ones, marked, and apart from the geometric means.

var MAX_SIDES = 6;
var KEY_DICTS = {workload: "workload", model: "model", mode: "mode", framework: "framework", precision: "precision",
                 backend: "backend", version: "version", protocol: "protocol"};

function parseEntries(I) {
  return (hashParams().get("envs") || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean)
    .map(function (entry) {
      var cut = entry.lastIndexOf(":"), env = entry, kind = "";
      if (cut > 0 && !I.byName.has(entry)) { env = entry.slice(0, cut); kind = entry.slice(cut + 1); }
      return {entry: entry, env: env, kind: kind, i: I.byName.get(env)};
    });
}

// {sides, dropped}: a side per env, or per device kind of an env that has several (CPU first); at most MAX_SIDES,
// the rest named in `dropped` with the reason.
function compareSides(I, wanted, split) {
  var sides = [], dropped = [];
  wanted.forEach(function (w) {
    var S = DB.data["shard/" + I.envs.cols.shard[w.i]], t = S.rows, code = I.envs.cols.env[w.i];
    if (!t) { dropped.push({label: w.entry, why: "it has no measured configuration"}); return; }
    var pool = poolKeep(column(t, "pool").map(function (v) { return v || 0; }), !split), kinds = new Set();
    for (var at = 0; at < t.n; at++) if (t.cols.env[at] === code && pool(at)) kinds.add(I.dict.kind[t.cols.device_kind[at]]);
    if (w.kind && !kinds.has(w.kind)) { dropped.push({label: w.entry, why: "it has no " + w.kind + " rows"}); return; }
    Array.from(kinds).filter(function (k) { return !w.kind || k === w.kind; })
      .sort(function (a, b) { return (a !== "cpu") - (b !== "cpu") || (a < b ? -1 : a > b ? 1 : 0); })
      .forEach(function (kind) {
        var rows = sideRows(t, function (j) { return t.cols.env[j] === code && pool(j) && I.dict.kind[t.cols.device_kind[j]] === kind; }, split);
        var side = {label: w.env + (kinds.size > 1 || w.kind ? " [" + kind + "]" : ""), env: w.env, kind: kind, t: t, rows: rows,
                    refs: S.refs || (S.refs = referencesOf(t)),
                    notes: S.rows_notes || [], meta: Object.assign({fp: [], csv: []}, S.envs[w.env], {fp: envPrint(I, S, w.env)})};
        if (sides.length < MAX_SIDES) sides.push(side);
        else dropped.push({label: side.label, why: "at most " + MAX_SIDES + " sides fit side by side"});
      });
  });
  return {sides: sides, dropped: dropped};
}

// The configurations at least `need` sides share, as a columnar table: the key fields, and per side k its figure
// (fig<k>, in the workload's unit; null where the side lacks the configuration), its range, n, caveats, per joule and
// how that was measured (energy<k>: stats.energy_label),
// and its figure over the first side's (ratio<k>); per row how many sides have it (sides) and its units (figUnit: the
// figure's, rateUnit: what per_j counts per joule) as codes into `units`, so a column sorts within a unit.
function compareTable(I, sides, need, split) {
  var keys = sharedKeys(sides, need), cols = {}, keyCols = split ? KEY_COLS.concat(["version"]) : KEY_COLS;
  keyCols.forEach(function (c, k) { cols[c] = keys.map(function (key) { return Number(key.split(",")[k]); }); });
  var workload = function (r) { return I.dict.workload[cols.workload[r]]; };
  cols.ref = keys.map(function () { return 0; });  // 1: a configuration of another protocol (a reference on some side)
  cols.refWhy = keys.map(function () { return ""; });
  sides.forEach(function (s, k) {
    var at = keys.map(function (key) { var j = s.rows.get(key); return j === undefined ? null : j; });
    cols["fig" + k] = at.map(function (j, r) {
      var f = figure(workload(r)), v = j === null ? null : column(s.t, f.key)[j];
      return typeof v === "number" ? v / f.scale : null;
    });
    cols["caveats" + k] = at.map(function (j) {
      return j === null ? [] : caveatsOf(column(s.t, "flags")[j], s.t.cols.note ? s.notes[s.t.cols.note[j]] : "", column(s.t, "peak")[j]);
    });
    cols["n" + k] = at.map(function (j) { return j === null ? null : s.t.cols.n[j]; });
    cols["perj" + k] = at.map(function (j) { return j === null ? null : column(s.t, "per_j")[j]; });
    cols["energy" + k] = at.map(function (j) { return j === null ? "" : energyLabel(I, s.t, j); });
    cols["lo" + k] = at.map(function (j, r) { return j === null ? null : s.t.cols.rate_min[j] * cols["fig" + k][r] / s.t.cols.rate[j]; });
    cols["hi" + k] = at.map(function (j, r) { return j === null ? null : s.t.cols.rate_max[j] * cols["fig" + k][r] / s.t.cols.rate[j]; });
    cols["device" + k] = at.map(function (j) { return j === null ? null : I.dict.device[s.t.cols.device_name[j]]; });
    cols["ratio" + k] = ratioTo(cols["fig" + k], cols.fig0);
    at.forEach(function (j, r) { if (j !== null && s.refs[j] && !cols.ref[r]) { cols.ref[r] = 1; cols.refWhy[r] = referenceBadge(s.t, j).why; } });
  });
  cols.sides = sidesWith(sides.map(function (s, k) { return cols["fig" + k]; }), keys.length);
  var units = [];
  var unitCodes = function (unit) {
    return cols.workload.map(function (w) { var u = unit(I.dict.workload[w]); if (units.indexOf(u) < 0) units.push(u); return u; });
  };
  var figUnits = unitCodes(function (w) { return figure(w).unit; }), rateUnits = unitCodes(unitOf);
  units.sort();
  cols.figUnit = figUnits.map(function (u) { return units.indexOf(u); });
  cols.rateUnit = rateUnits.map(function (u) { return units.indexOf(u); });
  return {n: keys.length, cols: cols, keyCols: keyCols, units: units};
}

// How a row's per joule was measured (stats.energy_label: "rapl", "nvml_energy", "published:unstated", ...; "" where
// the shard has no such column: data written before it).
function energyLabel(I, t, j) {
  var v = t.cols.energy ? t.cols.energy[j] : null;
  return v === null || v === undefined || v < 0 ? "" : (I.dict.energy || [])[v] || "";
}

// Only the rows of a table that `need` sides have: a comparison of many is worked out once over what any two share (every
// pair's mean needs that), and the table the reader asked for is its rows shared by more.
function compareView(t, need) {
  if (need <= 2) return t;
  var keep = rowsShared(t.cols.sides, need), cols = {};
  Object.keys(t.cols).forEach(function (name) { cols[name] = keep.map(function (r) { return t.cols[name][r]; }); });
  return Object.assign({}, t, {n: keep.length, cols: cols});
}

function configLabel(I, t, r) {
  var D = I.dict, c = function (name) { return D[KEY_DICTS[name]][t.cols[name][r]]; };
  return c("model") + " · " + c("mode") + " · " + c("framework") + " · " + c("precision") + " · bs " + t.cols.batch_size[r] +
    (t.cols.world_size[r] > 1 ? " x" + t.cols.world_size[r] : "") + " · " + c("backend") + (t.cols.version ? " · v" + c("version") : "") +
    " (" + figure(c("workload")).unit + ")";
}

// Samples per joule where a side's energy was measured, a column per side and energy scope, like scopes side by side;
// the label names the scope, and a ratio only between figures of one scope (a GPU alone is not a CPU package).
function perJouleTableColumns(t, sides) {
  var table = DB.data.index.energy, perj = sides.map(function (s, k) { return t.cols["perj" + k]; });
  var scopes = sides.map(function (s, k) {
    return t.cols["energy" + k].map(function (label, r) { return perj[k][r] === null ? null : energyScope(label || "unstated", table); });
  });
  var list = perJouleColumns(perj, scopes), out = [];
  // the scope in the label where the table holds more than one (the title names it always)
  var several = list.some(function (c) { return c.scope !== list[0].scope; });
  list.forEach(function (c) {
    var name = sides[c.k].label, key = "perj" + c.k + (c.alone ? "" : "-" + c.scope);
    out.push({key: key, label: "per joule: " + name + (several ? " (" + c.short + ")" : ""), num: c.values, within: t.cols.rateUnit, level: 2,
              title: "samples (tokens, bytes) per joule, " + c.short + (c.why ? ": " + c.why : "") + (comparableScope(c.scope) ?
                "; divided only by other sides' figures of this scope" : "; divided by no other side's figure")});
    if (c.base >= 0) {
      var base = list[c.base];
      out.push({key: key + "-ratio", label: "per joule × vs " + sides[base.k].label + " (" + c.short + ")", level: 2,
                num: ratioTo(c.values, base.values), fmt: function (v) { return v === null ? "" : v.toFixed(2) + "×"; },
                title: "per joule over " + sides[base.k].label + "'s, both " + c.short + ": a ratio only between figures of one scope"});
    }
  });
  return out;
}

function compareColumns(I, t, sides) {
  var columns = [{key: "config", label: "configuration", wrap: true, sort: false, cell: function (r) {
    if (!t.cols.ref[r]) return configLabel(I, t, r);
    var node = h("span", {}, [configLabel(I, t, r) + " ", badges([{label: "reference", why: t.cols.refWhy[r]}])]);
    node.dataset.csv = configLabel(I, t, r) + " (reference: " + t.cols.refWhy[r] + ")";
    return node;
  }}];
  sides.forEach(function (s, k) {
    var values = t.cols["fig" + k], cav = t.cols["caveats" + k];
    columns.push({key: "fig" + k, label: s.label, num: values, within: t.cols.figUnit, csvValue: function (r) { return values[r] === null ? "" : String(values[r]); },
      cell: function (r) { return h("span", {}, [values[r] === null ? "" : fmt(values[r]), cav[r].length ? badges(cav[r]) : null]); }});
    if (k > 0) columns.push({key: "ratio" + k, label: "× vs " + sides[0].label, num: t.cols["ratio" + k],
                             fmt: function (v) { return v === null ? "" : v.toFixed(2) + "×"; }});
  });
  if (sides.length > 2) {
    columns.push({key: "sides", label: "sides", num: t.cols.sides, fmt: String, level: 2,
                  title: "how many of the " + sides.length + " sides measured this configuration"});
  }
  columns = columns.concat(perJouleTableColumns(t, sides));
  sides.forEach(function (s, k) {
    columns.push({key: "caveats" + k, label: "caveats: " + s.label, level: 3, sort: false,
                  cell: function (r) { return caveatText(t.cols["caveats" + k][r]); }});
  });
  t.keyCols.forEach(function (c) {
    columns.push(KEY_DICTS[c] ? textColumn(c, c, t.cols[c], I.dict[KEY_DICTS[c]], 3) :
      {key: c, label: c === "batch_size" ? "batch" : "devices", num: t.cols[c], fmt: String, level: 3});
  });
  columns.push({key: "unit", label: "unit", sort: false, level: 3, cell: function (r) { return figure(I.dict.workload[t.cols.workload[r]]).unit; }});
  return columns;
}

// Grouped bars of each side's figure over the first side's for the first 30 configurations the first side shares with
// at least one other (a bar per side that has it): a ratio has no unit, so configurations of every workload share the axis.
function compareChart(div, I, t, sides) {
  var figs = sides.map(function (s, k) { return t.cols["fig" + k]; });
  var rows = [], order = compareChartRows(figs, t.cols.ref, 30, hideReferences() ? 0 : 10);  // references after the ranked, apart
  order.forEach(function (r) {
    var label = configLabel(I, t, r) + (t.cols.ref[r] ? " (ref)" : "");
    sides.slice(1).forEach(function (s, m) {
      var k = m + 1, ratio = t.cols["ratio" + k][r], unit = figure(I.dict.workload[t.cols.workload[r]]).unit;
      if (ratio === null) return;  // this side lacks the configuration: no bar
      rows.push({label: label, group: s.label, env: s.label, device: t.cols["device" + k][r], framework: I.dict.framework[t.cols.framework[r]],
        batch: t.cols.batch_size[r], precision: I.dict.precision[t.cols.precision[r]], rate: ratio, n: 1, caveats: t.cols["caveats" + k][r],
        reference: !!t.cols.ref[r], refWhy: t.cols.refWhy[r],
        extra: fmt(t.cols["fig" + k][r]) + " " + unit + " vs " + fmt(t.cols.fig0[r]) + " " + unit + " (" + sides[0].label + ")"});
    });
  });
  if (!rows.length) { div.remove(); return Promise.resolve(); }
  return barChart(div, rows, {unit: "× " + sides[0].label, grouped: sides.length - 1, legend: "environment", colors: {}, ref: 1});
}
