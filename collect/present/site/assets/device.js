/* global h, count, plural, column, index, loadScript, DB, rowsOf, subset, envHref, deviceHref, chartQueue, Table,
   poolToggle, flaggedToggle, figureColumn, spreadColumns, caveatColumn, textColumn, esc, fmt, plot, PALETTE, unitOf, figure,
   wantsLog, deviceScores, referencesOf, referenceToggle, referenceWhy, hideReferences, rankedFirst, badges, chartsFollow */
// The device pages. device.html lists every device key; device.html?device=KEY shows every submission of one device
// (all its spellings, all its envs): per configuration and framework version its n, median, quartiles and range,
// and its rows as points (a box and strip plot per configuration, a box per version).

var DEV_COLS = ["device_kind", "framework", "source", "protocol", "workload", "model", "mode", "precision", "batch_size", "world_size", "backend"];

function pageDevice(main) {
  var I = index(), key = new URLSearchParams(location.search).get("device"), D = I.dict, devs = I.raw.devices;
  if (key === null) return deviceList(main, I);
  var r = devs.cols.device.findIndex(function (code) { return D.dkey[code] === key; });
  if (r < 0) {
    main.append(h("h1", {text: "Unknown device"}), h("p", {text: "No device “" + key + "” is in this dataset. "},
      [h("a", {href: "device.html", text: "All devices"})]));
    return Promise.resolve();
  }
  var shard = devs.cols.shard[r];
  return loadScript("data/devs-" + shard + ".js").then(function () {
    var S = DB.data["devs/" + shard], meta = S.devices[key], code = devs.cols.device[r];
    if (!meta.single) return devicePage(main, I, key, meta, S, rowsOf(S.stats ? {n: S.stats.n, cols: Object.assign({}, S.stats.cols, {env: S.stats.cols.device})} : null, code));
    var e = I.byName.get(meta.envs[0]), envShard = I.envs.cols.shard[e];
    return loadScript("data/envs-" + envShard + ".js").then(function () {  // one env, one spelling: its own lines are the device's
      var rows = rowsOf(DB.data["shard/" + envShard].rows, I.envs.cols.env[e]);
      var idx = [];
      for (var j = 0; j < rows.n; j++) if (rows.cols.device[j] === code) idx.push(j);
      return devicePage(main, I, key, meta, S, subset(rows, idx));
    });
  });
}

function deviceList(main, I) {
  var t = I.raw.devices, D = I.dict;
  main.append(h("h1", {text: "Devices"}), h("p", {class: "lead", text: "One line per physical device: the spellings of one chip " +
    "(“NVIDIA GeForce RTX 3090”, “RTX 3090”) are one device, and a CPU whose name hides its generation is told apart by it " +
    "(“EPYC (Zen 3, AVX2)” and “EPYC (Zen 5, AVX-512)” are two devices; rows measured before devicebench recorded the " +
    "generation say “generation not recorded”). Each links to every submission of it."}));
  Table({root: main, n: t.n, sort: {key: "rows", dir: "desc"}, what: ["device", "devices"], file: "devices",
    columns: [{key: "device", label: "device", codes: t.cols.device, dict: D.dkey, wrap: true,
               href: function (i) { return deviceHref(D.dkey[t.cols.device[i]]); }},
      {key: "envs", label: "environments", num: t.cols.envs, fmt: count}, {key: "rows", label: "rows", num: t.cols.rows, fmt: count}],
    search: {label: "search device", fields: [{codes: t.cols.device, dict: D.dkey}]}});
  return Promise.resolve();
}

function devicePage(main, I, key, meta, S, stats) {
  var D = I.dict, more = function (list, total) { return list.length < total ? " … and " + count(total - list.length) + " more" : ""; };
  document.title = key + " · devicebench";
  var envs = h("p", {class: "links"}, ["Environments: "]);
  meta.envs.forEach(function (e, k) { envs.append(k ? ", " : "", h("a", {href: envHref(e), text: e})); });
  envs.append(more(meta.envs, meta.n_envs));
  main.append(h("h1", {text: key}), h("p", {class: "lead", text: "Every submission of this device: " + plural(meta.n_envs, "environment") +
    ", spelt " + meta.names.map(function (n) { return "“" + n + "”"; }).join(", ") + more(meta.names, meta.n_names) +
    ". Per configuration and framework version (major.minor): n rows, their median, IQR (the middle half, from 4 rows) and range."}), envs);
  var scored = deviceScores(meta.score);
  if (scored) main.appendChild(scored);
  var queue = chartQueue(), charts = h("div", {id: "charts"});
  main.appendChild(charts);
  var follow = chartsFollow(charts, function (box, q) { deviceCharts(box, I, key, S, q); });
  follow(queue);
  main.appendChild(h("h2", {text: "Every configuration"}));
  var workloadOf = function (j) { return D.workload[stats.cols.workload[j]]; }, fig = figureColumn(stats, workloadOf);
  var c = function (k, level, dictName, extra) { return textColumn(k, k === "device_kind" ? "kind" : k, stats.cols[k], D[dictName || k], level, extra); };
  var spreads = spreadColumns(stats, workloadOf, [2, 2]);
  var refs = referencesOf(stats);
  var columns = [c("model", 1, "model", {wrap: true}), c("mode", 1), fig.col, caveatColumn(stats, null, refs), c("framework", 2), c("version", 2),
    c("precision", 2), {key: "batch_size", label: "batch", num: stats.cols.batch_size, fmt: String, level: 2}, spreads[1], spreads[0],
    {key: "envs", label: "envs", num: stats.cols.envs || new Array(stats.n).fill(1), fmt: String, level: 3}, spreads[2],
    c("device_kind", 3, "kind"), c("workload", 3), {key: "world_size", label: "devices", num: stats.cols.world_size, fmt: String, level: 3},
    c("backend", 3), c("source", 3), c("protocol", 3), fig.unit];
  Table({root: main, n: stats.n, columns: columns, what: ["configuration", "configurations"], sort: {key: "n", dir: "desc"},
    file: "device-" + key, reference: refs, onChange: function () { follow(); }, toggles: [poolToggle(column(stats, "pool").map(function (v) { return v || 0; })),
      flaggedToggle(column(stats, "flags").map(function (v) { return v || 0; }))].concat(referenceToggle(refs)),
    raw: [{href: "downloads.html", text: "the raw rows: the merged data, and each env's own file on its page"}],
    filters: ["workload", "mode", "framework", "version", "precision"].map(function (k) { return c(k); })});
  return queue.start();
}

function quantile(sorted, q) {  // as pandas and numpy compute it: linear between the two nearest ranks
  var at = (sorted.length - 1) * q, lo = Math.floor(at), hi = Math.ceil(at);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (at - lo);
}

function deviceGroups(I, key, S) {  // [{label, unit, parts: [{version, values, envs, total}]}]: the configurations drawn
  var D = I.dict, g = S.groups, out = [], byLabel = new Map(), offset = 0;
  if (!g) return out;
  var refs = referencesOf(g);
  for (var j = 0; j < g.n; j++) {
    var start = offset;
    offset += g.cols.count[j];
    if (D.dkey[g.cols.device[j]] !== key) continue;
    var c = function (name) { return D[name === "device_kind" ? "kind" : name][g.cols[name][j]]; };
    var label = c("workload") + " · " + c("model") + " · " + c("mode") + " · " + c("framework") + " · " + c("precision") + " · bs " +
      g.cols.batch_size[j] + (g.cols.world_size[j] > 1 ? " x" + g.cols.world_size[j] : "") + " · " + c("backend") + " · " + c("device_kind") +
      (refs[j] ? " · " + (c("protocol") || c("source")) : c("source") === "measured" ? "" : " · " + c("source"));  // a badge says "reference"
    var f = figure(c("workload")), drawn = pointValues(S.points, f, start, offset);  // in the unit the boards rank by
    if (!byLabel.has(label)) {
      byLabel.set(label, {label: label, unit: drawn.unit || unitOf(c("workload")), parts: [], reference: !!refs[j],
                          why: refs[j] ? referenceWhy(c("protocol"), c("source"), I.raw.protocols) : ""});
      out.push(byLabel.get(label));
    }
    var values = drawn.values, envs = S.points.cols.env.slice(start, offset);
    byLabel.get(label).parts.push({version: c("version"), values: values, envs: envs, total: g.cols.total[j]});
  }
  var hide = hideReferences(), flags = out.map(function (grp) { return grp.reference ? 1 : 0; });  // references after the ranked
  return rankedFirst(out.map(function (grp, k) { return k; }), flags).map(function (k) { return out[k]; })
    .filter(function (grp) { return !(hide && grp.reference); });
}

// A group's points in its workload's figure: TFLOP/s for a matrix product (as the table and the boards read it), GB/s
// for bytes, else the rate's unit. Older data without the points' TFLOP/s draws products per second (unit null: the
// rate's own).
function pointValues(points, f, start, stop) {
  var tflops = points.cols.tflops, rates = points.cols.samples_per_s.slice(start, stop);
  if (f.key === "tflops") {
    var got = tflops ? tflops.slice(start, stop) : [];
    if (got.length && got.every(function (v) { return typeof v === "number"; })) return {values: got, unit: f.unit};
    return {values: rates, unit: null};
  }
  return {values: rates.map(function (v) { return v / f.scale; }), unit: f.unit};
}

function partSummary(p, unit) {
  var s = p.values.slice().sort(function (a, b) { return a - b; }), n = p.total;
  var line = (p.version || "(version not stated)") + ": n " + count(n) + " · median " + fmt(quantile(s, 0.5)) + " " + unit;
  if (s.length > 1) line += (s.length >= 4 ? " · IQR " + fmt(quantile(s, 0.25)) + " – " + fmt(quantile(s, 0.75)) : "") +
    " · range " + fmt(s[0]) + " – " + fmt(s[s.length - 1]);
  return line + (p.values.length < n ? " (" + count(p.values.length) + " of its rows drawn, evenly spread)" : "");
}

// Quartiles from 4 rows on, as the tables' IQR: a version with fewer rows is its points alone (a box around one point
// is a line that looks like a spread), at the same place on its row of the chart.
var BOX_FROM = 4;
function stripTrace(p, k, grp, D) {
  var marker = {color: PALETTE[k % PALETTE.length], size: 6, opacity: 0.75, symbol: grp.reference ? "circle-open" : "circle"};
  var hover = p.envs.map(function (e, m) {
    return "<b>" + esc(D.env[e]) + "</b><br>version: " + esc(p.version) + "<br>" + esc(fmt(p.values[m])) + " " + esc(grp.unit) + "<extra></extra>"; });
  var name = esc(p.version || "(none)");
  if (p.values.length < BOX_FROM) {
    return {type: "scatter", mode: "markers", orientation: "h", name: name, x: p.values, y: p.values.map(function () { return name; }),
            marker: marker, hovertemplate: hover};
  }
  return {type: "box", orientation: "h", name: name, x: p.values, boxpoints: "all", jitter: 0.5, pointpos: 0, marker: marker,
          line: {width: 1}, fillcolor: "rgba(0,0,0,0)", hoveron: "points", hovertemplate: hover};
}

function deviceCharts(main, I, key, S, queue) {
  var all = deviceGroups(I, key, S), D = I.dict;
  // a configuration of one row (a published figure, a single run) is a dot on an empty axis: the table says it better
  var groups = all.filter(function (grp) { return grp.parts.some(function (p) { return p.total > 1; }) || grp.parts.length > 1; });
  if (!all.length) return;
  main.appendChild(h("h2", {text: "Every submission, version by version"}));
  main.appendChild(h("p", {class: "note", text: groups.length ? "Each point is one row (one measurement); a box per framework " +
    "version of " + BOX_FROM + " rows or more: its quartiles, whiskers to the extremes (fewer rows are drawn as points alone: " +
    "quartiles of one to three rows say nothing). The configurations with more than one row; the table below lists all." :
    "No configuration of this device has more than one row yet: each figure is in the table below."}));
  groups.forEach(function (grp) {
    var div = h("div", {class: "chart strip"});
    main.append(h("h3", {}, [grp.label + " ", grp.reference ? badges([{label: "reference", why: grp.why}]) : null]), h("ul", {class: "spread"}, grp.parts.map(function (p) { return h("li", {text: partSummary(p, grp.unit)}); })), div);
    queue.add(div, function () {
      var traces = grp.parts.map(function (p, k) { return stripTrace(p, k, grp, D); });
      var layout = {height: Math.max(200, 90 + 46 * grp.parts.length), margin: {l: 10, r: 20, t: 30, b: 45}, showlegend: false,
        xaxis: {title: {text: esc(grp.unit) + " (higher is better)"}, type: wantsLog([].concat.apply([], grp.parts.map(function (p) { return p.values; }))) ? "log" : "linear"},
        // versions are names ("2.13" is not a number): one row of the chart each, points and boxes alike
        yaxis: {automargin: true, type: "category", title: {text: "framework version"}}, hoverlabel: {align: "left"}};
      return plot(div, traces, layout);
    });
  });
}
