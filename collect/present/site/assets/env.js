/* global h, count, plural, column, hashParams, envHref, deviceHref, figure, caveatsOf, chartQueue, barChart, barHeight,
   Table, poolToggle, flaggedToggle, figureColumn, spreadColumns, caveatColumn, secondaryFigures, textColumn, noteCell,
   standingPanel, roofPanel, poolKeep, worthColumns, priceNote, provenanceCell, reproduceColumn, configOf, scoreList, referencesOf,
   referenceToggle, referenceBadge, hideReferences, Plotly */
// An env's page: what it is, its fingerprint, where it stands, its roofline, a chart per workload and mode, and
// every configuration it measured.

function subset(table, idx) {  // the rows idx of a columnar table, as a columnar table
  var cols = {};
  Object.keys(table.cols).forEach(function (k) { var c = table.cols[k]; cols[k] = idx.map(function (j) { return c[j]; }); });
  return {n: idx.length, cols: cols};
}
function rowsOf(table, envCode) {
  if (!table) return null;
  var idx = [];
  table.cols.env.forEach(function (e, j) { if (e === envCode) idx.push(j); });
  return subset(table, idx);
}

function configColumns(I, t, S, meta, refs) {  // the columns of an env's configurations
  var D = I.dict, notes = S.rows_notes, workloadOf = function (j) { return D.workload[t.cols.workload[j]]; };
  var fig = figureColumn(t, workloadOf), env = D.env[t.cols.env[0]];
  var c = function (key, label, dictName, level, extra) { return textColumn(key, label, t.cols[key], D[dictName], level, extra); };
  var spreads = spreadColumns(t, workloadOf, [2, 3]), file = (meta.from || [])[0] || [meta.csv[0] || "", ""];
  var worth = worthColumns(t, fig.values, function (j) { return fig.units[j]; }, function () { return env; },
                           function (j) { return D.dkey[t.cols.device[j]]; });
  var from = {key: "provenance", label: "from", sort: false, level: 3, title: "the results file, the latest run and the commit that added the file",
              cell: function (j) { return provenanceCell(file[0], t.cols.run ? (S.rows_runs || [])[t.cols.run[j]] : "", file[1]); }};
  return [c("model", "model", "model", 1, {wrap: true}), c("mode", "mode", "mode"), fig.col, caveatColumn(t, notes, refs),
    c("framework", "framework", "framework", 2), c("precision", "precision", "precision", 2),
    {key: "batch_size", label: "batch", num: t.cols.batch_size, fmt: String, level: 2}, spreads[0]].concat(worth, [
    {key: "note", label: "note", sort: false, note: true, level: 2, cell: noteCell(notes, t.cols.note)},
    reproduceColumn(function (j) { return configOf(t, j, S.rows_references); }), spreads[1], spreads[2], c("workload", "workload", "workload", 3),
    c("version", "version", "version", 3), {key: "world_size", label: "devices", num: t.cols.world_size, fmt: String, level: 3},
    c("backend", "backend", "backend", 3), c("device_kind", "device", "kind", 3), c("source", "source", "source", 3),
    c("protocol", "protocol", "protocol", 3), fig.unit, from])
    .concat(secondaryFigures(t, ""));
}

function provenanceSection(meta) {  // every results file of the env, the commit that added it and its pull request
  var files = meta.from || meta.csv.map(function (href) { return [href, ""]; });
  if (!files.length) return null;
  return h("section", {id: "provenance"}, [h("h2", {text: "Where its rows come from"}),
    h("ul", {}, files.map(function (f) { return h("li", {}, [provenanceCell(f[0], "", f[1])]); }))]);
}

function poolView(t, pooled) {  // the rows a view shows: versions apart (pool code 0 or 1) or pooled (0 or 2)
  var keep = poolKeep(column(t, "pool").map(function (v) { return v || 0; }), pooled), idx = [];
  for (var j = 0; j < t.n; j++) if (keep(j)) idx.push(j);
  return subset(t, idx);
}

// A bar per configuration (the 40 best) of one workload and mode, in its figure (TFLOP/s for matmul, GB/s, ...);
// the whiskers are the rows' range, scaled as the figure is.
function chartRows(I, t, idx, notes, refs) {
  var D = I.dict, kinds = new Set(t.cols.device_kind), versions = new Map();  // framework -> its versions here
  t.cols.framework.forEach(function (fw, j) { if (!versions.has(fw)) versions.set(fw, new Set()); versions.get(fw).add(column(t, "version")[j]); });
  var f = figure(D.workload[t.cols.workload[idx[0]]]);
  return idx.map(function (j) {
    var c = function (name, dict) { return D[dict][t.cols[name][j]]; }, v = column(t, f.key)[j] / f.scale, k = v / t.cols.rate[j];
    return {label: c("model", "model") + " · " + c("framework", "framework") + " · " + c("precision", "precision") + " · bs " +
      t.cols.batch_size[j] + " · " + c("backend", "backend") + (t.cols.world_size[j] > 1 ? " x" + t.cols.world_size[j] : "") +
      (kinds.size > 1 ? " [" + c("device_kind", "kind") + "]" : "") + (versions.get(t.cols.framework[j]).size > 1 ? " · v" + c("version", "version") : "") +
      (refs[j] ? " · " + (t.cols.protocol ? c("protocol", "protocol") : c("source", "source")) + " (ref)" : ""),
      group: c("framework", "framework"), env: I.dict.env[t.cols.env[j]], device: c("device_name", "device"),
      framework: c("framework", "framework"), batch: t.cols.batch_size[j], precision: c("precision", "precision"),
      rate: v, lo: t.cols.rate_min[j] * k, hi: t.cols.rate_max[j] * k, n: t.cols.n[j], reference: !!refs[j],
      refWhy: refs[j] ? referenceBadge(t, j).why : "", caveats: caveatsOf(column(t, "flags")[j], t.cols.note ? notes[t.cols.note[j]] : "", column(t, "peak")[j])};
  });
}

// A chart per workload and mode: its 40 best ranked configurations, then up to 10 references (other protocols) after
// them, unless the reader hides those.
function envCharts(main, I, t, notes, queue) {
  var D = I.dict, groups = new Map(), refs = referencesOf(t), hide = hideReferences();
  t.cols.workload.forEach(function (w, j) {
    var name = D.workload[w] + " · " + D.mode[t.cols.mode[j]];
    if (!groups.has(name)) groups.set(name, []);
    groups.get(name).push(j);
  });
  Array.from(groups.keys()).sort().forEach(function (key) {
    var idx = groups.get(key), f = figure(D.workload[t.cols.workload[idx[0]]]);
    idx = idx.filter(function (j) { return typeof column(t, f.key)[j] === "number" && !(hide && refs[j]); });
    if (!idx.length) return;
    idx.sort(function (a, b) { return column(t, f.key)[b] - column(t, f.key)[a]; });
    var ranked = idx.filter(function (j) { return !refs[j]; }), others = idx.filter(function (j) { return refs[j]; });
    var shown = ranked.slice(0, 40).concat(others.slice(0, 10)), rows = chartRows(I, t, shown, notes, refs), div = h("div", {class: "chart"});
    main.append(h("h3", {text: key + " (" + f.unit + ")"}), h("p", {class: "note", text: idx.length > shown.length ?
      count(shown.length) + " of " + count(idx.length) + " configurations shown (the best); the table below lists all." : ""}), div);
    div.style.height = barHeight(rows) + "px";
    queue.add(div, function () { return barChart(div, rows, {unit: f.unit}); });
  });
}

// The charts follow the table's "pool versions" and "hide references": drawn again when either changes. The first draw
// goes into the page's queue (the page is ready when the charts in view are); a later one starts its own.
function chartsFollow(box, draw) {
  var drawn = null;
  var state = function () { return (hashParams().get("pool") === "1") + "," + hideReferences(); };
  return function (queue) {
    if (state() === drawn) return;
    if (drawn !== null) Array.from(box.querySelectorAll(".js-plotly-plot")).forEach(function (div) { Plotly.purge(div); });
    drawn = state();
    box.replaceChildren();
    var own = queue || chartQueue();
    draw(box, own);
    if (!queue) own.start();
  };
}

// An env's fingerprint as data/envs-<k>.js holds it, with what its rows say besides: the device identity each of its
// configurations ran on (after "device") and the protocols they were measured under (before "source").
function envPrint(I, S, name) {
  var D = I.dict, code = I.envs.cols.env[I.byName.get(name)], meta = S.envs[name] || {fp: []}, keys = [], protocols = [];
  [S.rows, S.other].forEach(function (t) {
    if (!t) return;
    for (var j = 0; j < t.n; j++) {
      if (t.cols.env[j] !== code) continue;
      var key = t.cols.device ? D.dkey[t.cols.device[j]] : "", p = t.cols.protocol ? D.protocol[t.cols.protocol[j]] : "";
      if (key && keys.indexOf(key) < 0) keys.push(key);
      if (p && protocols.indexOf(p) < 0) protocols.push(p);
    }
  });
  var fp = meta.fp.slice(), at = function (label) { return fp.findIndex(function (f) { return f[0] === label; }); };
  if (keys.length) fp.splice(at("device") + 1, 0, ["device identity", keys, keys.length]);
  if (protocols.length) fp.splice(at("source") < 0 ? fp.length : at("source"), 0, ["protocol", protocols, protocols.length]);
  return fp;
}

function fingerprint(meta) {
  var table = h("table", {class: "kv"});
  meta.fp.forEach(function (f) {
    var more = f[2] > f[1].length ? " … and " + count(f[2] - f[1].length) + " more" : "";
    table.appendChild(h("tr", {}, [h("th", {scope: "row", text: f[0]}), h("td", {class: "wrap", text: f[1].join(" · ") + more})]));
  });
  return table;
}

function envHead(main, I, i, meta, kinds) {
  var D = I.dict, cols = I.envs.cols, name = I.name(i);
  document.title = name + " · devicebench";
  main.append(h("h1", {text: name}), h("p", {class: "lead", text: D.device[cols.device_name[i]] + " · " + (Array.from(kinds).sort().join(", ") ||
    D.kind[cols.device_kind[i]]) + " · " + D.platform[cols.platform[i]] + " · " + plural(cols.rows[i], "row") + ", " +
    plural(cols.configs[i], "configuration")}));
  var links = h("p", {class: "links"}, [h("a", {href: "compare.html#envs=" + encodeURIComponent(name), text: "Compare with other environments"})]);
  if (cols.device && D.dkey[cols.device[i]]) links.append(" · ", h("a", {href: deviceHref(D.dkey[cols.device[i]]), text: "every submission of " + D.dkey[cols.device[i]]}));
  meta.csv.forEach(function (href) { links.append(" · ", h("a", {href: href, download: "", text: "download " + href.split("/").pop()})); });
  main.appendChild(links);
  if (meta.score && meta.score.length) main.appendChild(scoreList(meta.score, new Set(meta.score.map(function (s) { return s[1]; })).size, name));
  main.append(h("h2", {text: "Fingerprint"}), fingerprint(meta));  // meta.fp: envPrint's (envPage)
}

function otherTable(main, I, other, notes) {  // the rows without a figure
  var D = I.dict, c = function (key, dictName, label, level) { return textColumn(key, label || key, other.cols[key], D[dictName], level); };
  main.appendChild(h("h2", {text: "Rows without a figure (out of memory, unsupported, error, skipped)"}));
  Table({root: main, n: other.n, prefix: "x", what: ["configuration", "configurations"], sort: {key: "status", dir: "asc"},
    columns: [c("status", "status"), Object.assign(c("model", "model"), {wrap: true}), c("mode", "mode"),
      {key: "note", label: "note", sort: false, note: true, cell: noteCell(notes, other.cols.note)},
      c("framework", "framework", "framework", 2), c("precision", "precision", "precision", 2),
      {key: "batch_size", label: "batch", num: other.cols.batch_size, fmt: String, level: 2}, c("workload", "workload", "workload", 3),
      c("backend", "backend", "backend", 3), c("device_kind", "kind", "device", 3),
      {key: "n", label: "n", num: other.cols.n, fmt: String, level: 3}]});
}

function envPage(main, I, i, S) {
  var D = I.dict, name = I.name(i), code = I.envs.cols.env[i], meta = Object.assign({fp: [], csv: []}, S.envs[name]);
  meta.fp = envPrint(I, S, name);
  var rows = rowsOf(S.rows, code), other = rowsOf(S.other, code);
  var kinds = new Set([].concat(rows ? rows.cols.device_kind : [], other ? other.cols.device_kind : []).map(function (k) { return D.kind[k]; }));
  envHead(main, I, i, meta, kinds);
  standingPanel(main, I, name, S);
  var queue = chartQueue();
  roofPanel(main, meta, queue);
  if (rows && rows.n) {
    var charts = h("div", {id: "charts"}), refs = referencesOf(rows);
    main.append(h("h2", {text: "Charts"}), charts);
    var follow = chartsFollow(charts, function (box, q) { envCharts(box, I, poolView(rows, hashParams().get("pool") === "1"), S.rows_notes, q); });
    follow(queue);
    main.appendChild(h("h2", {text: "Every configuration"}));
    var raw = meta.csv.map(function (href) { return {href: href, download: true, text: "the raw rows: " + href.split("/").pop()}; });
    var flags = column(rows, "flags").map(function (v) { return v || 0; });
    Table({root: main, n: rows.n, columns: configColumns(I, rows, S, meta, refs), what: ["configuration", "configurations"],
      sort: {key: "figure", dir: "desc"}, raw: raw, file: name, reference: refs, onChange: function () { follow(); },
      toggles: [poolToggle(column(rows, "pool").map(function (v) { return v || 0; })), flaggedToggle(flags)].concat(referenceToggle(refs)),
      filters: [["workload", "workload", "workload"], ["mode", "mode", "mode"], ["framework", "framework", "framework"],
                ["precision", "precision", "precision"], ["backend", "backend", "backend"]].map(function (f) {
        return {key: f[0], label: f[1], codes: rows.cols[f[0]], dict: D[f[2]]}; })});
    main.appendChild(priceNote(rows.n, function () { return name; }, function (j) { return D.dkey[rows.cols.device[j]]; }));
  }
  if (other && other.n) otherTable(main, I, other, S.other_notes);
  var from = provenanceSection(meta);
  if (from) main.appendChild(from);
  return queue.start();
}

function envLink(name) { return h("a", {href: envHref(name), text: name}); }
