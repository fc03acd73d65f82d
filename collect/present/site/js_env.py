"""The site's JavaScript, part 3: an env's page and the comparison of two to four envs."""

ENV = r"""
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
function text(D, name, t) { return {codes: t.cols[name], dict: D}; }

function configColumns(I, t, notes) {  // the columns of a table of configurations (an env's rows)
  var D = I.dict, c = function (key, label, dictName) { return Object.assign({key: key, label: label}, text(D[dictName], key, t)); };
  return [c("workload", "workload", "workload"), c("model", "model", "model"), c("mode", "mode", "mode"),
    c("framework", "framework", "framework"), c("version", "version", "version"), c("precision", "precision", "precision"),
    {key: "batch_size", label: "batch", num: t.cols.batch_size, fmt: String},
    {key: "world_size", label: "devices", num: t.cols.world_size, fmt: String}, c("backend", "backend", "backend"),
    c("device_kind", "device", "kind"), c("source", "source", "source"),
    {key: "unit", label: "unit", sort: false, cell: function (i) { return unitOf(D.workload[t.cols.workload[i]]); }},
    {key: "rate", label: "rate", num: column(t, "rate")}].concat(spreadColumns(t), [
    {key: "step_ms", label: "step ms", num: column(t, "step_ms")}, {key: "tflops", label: "TFLOP/s", num: column(t, "tflops")},
    {key: "note", label: "note", codes: column(t, "note"), dict: notes, wrap: true}]);
}

function poolView(t, pooled) {  // the rows a view shows: versions apart (pool code 0 or 1) or pooled (0 or 2)
  var idx = [], pool = t.cols.pool || [];
  for (var j = 0; j < t.n; j++) if ((pool[j] || 0) !== (pooled ? 1 : 2)) idx.push(j);
  return subset(t, idx);
}

function envCharts(main, I, t, queue) {  // a bar chart per workload and mode: the 40 fastest configurations
  var D = I.dict, groups = new Map(), kinds = new Set(t.cols.device_kind), versions = new Set(column(t, "version"));
  for (var j = 0; j < t.n; j++) {
    var key = D.workload[t.cols.workload[j]] + " · " + D.mode[t.cols.mode[j]];
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(j);
  }
  Array.from(groups.keys()).sort().forEach(function (key) {
    var idx = groups.get(key).sort(function (a, b) { return t.cols.rate[b] - t.cols.rate[a]; }), shown = idx.slice(0, 40);
    var rows = shown.map(function (j) {
      var c = function (name, dict) { return D[dict][t.cols[name][j]]; };
      return {label: c("model", "model") + " · " + c("framework", "framework") + " · " + c("precision", "precision") + " · bs " +
        t.cols.batch_size[j] + " · " + c("backend", "backend") + (t.cols.world_size[j] > 1 ? " x" + t.cols.world_size[j] : "") +
        (kinds.size > 1 ? " [" + c("device_kind", "kind") + "]" : "") + (versions.size > 1 ? " · v" + c("version", "version") : ""),
        group: c("framework", "framework"), env: I.dict.env[t.cols.env[j]], device: c("device_name", "device"),
        framework: c("framework", "framework"), batch: t.cols.batch_size[j], precision: c("precision", "precision"),
        rate: t.cols.rate[j], lo: t.cols.rate_min[j], hi: t.cols.rate_max[j], n: t.cols.n[j]};
    });
    var div = h("div", {class: "chart"});
    main.append(h("h3", {text: key}), h("p", {class: "note", text: idx.length > shown.length ?
      count(shown.length) + " fastest of " + count(idx.length) + " configurations shown; the table below lists all." : ""}), div);
    div.style.height = Math.max(240, 110 + 22 * rows.length) + "px";
    var unit = unitOf(D.workload[t.cols.workload[idx[0]]]);
    queue.add(div, function () { return barChart(div, rows, {unit: unit}); });
  });
}

function fingerprint(meta) {
  var table = h("table", {class: "kv"});
  meta.fp.forEach(function (f) {
    var more = f[2] > f[1].length ? " … and " + count(f[2] - f[1].length) + " more" : "";
    table.appendChild(h("tr", {}, [h("th", {scope: "row", text: f[0]}), h("td", {class: "wrap", text: f[1].join(" · ") + more})]));
  });
  return table;
}

function envPage(main, I, i, S) {
  var D = I.dict, name = I.name(i), code = I.envs.cols.env[i], meta = S.envs[name] || {fp: [], csv: []};
  var cols = I.envs.cols, rows = rowsOf(S.rows, code), other = rowsOf(S.other, code);
  var kinds = new Set([].concat(rows ? rows.cols.device_kind : [], other ? other.cols.device_kind : []).map(function (k) { return D.kind[k]; }));
  document.title = name + " · devicebench";
  main.append(h("h1", {text: name}), h("p", {class: "lead", text: D.device[cols.device_name[i]] + " · " + (Array.from(kinds).sort().join(", ") || D.kind[cols.device_kind[i]]) +
    " · " + D.platform[cols.platform[i]] + " · " + count(cols.rows[i]) + " rows, " + count(cols.configs[i]) + " configurations"}));
  var links = h("p", {class: "links"}, [h("a", {href: "compare.html#envs=" + encodeURIComponent(name), text: "Compare with other environments"})]);
  if (cols.device && D.dkey[cols.device[i]]) links.append(" · ", h("a", {href: deviceHref(D.dkey[cols.device[i]]), text: "every submission of " + D.dkey[cols.device[i]]}));
  meta.csv.forEach(function (href) { links.append(" · ", h("a", {href: href, download: "", text: "download " + href.split("/").pop()})); });
  main.append(links, h("h2", {text: "Fingerprint"}), fingerprint(meta));
  standingPanel(main, I, name, S);
  var queue = chartQueue();
  roofPanel(main, meta, queue);
  if (rows && rows.n) {
    main.appendChild(h("h2", {text: "Charts"}));
    envCharts(main, I, poolView(rows, hashParams().get("pool") === "1"), queue);
    main.appendChild(h("h2", {text: "Every configuration"}));
    var raw = meta.csv.map(function (href) { return {href: href, download: true, text: "the raw rows: " + href.split("/").pop()}; });
    Table({root: main, n: rows.n, columns: configColumns(I, rows, S.rows_notes), what: "configurations", sort: {key: "rate", dir: "desc"},
      toggles: [poolToggle()], keep: poolKeep(column(rows, "pool").map(function (v) { return v || 0; })), raw: raw, file: name,
      filters: [["workload", "workload", "workload"], ["mode", "mode", "mode"], ["framework", "framework", "framework"],
                ["precision", "precision", "precision"], ["backend", "backend", "backend"]].map(function (f) {
        return {key: f[0], label: f[1], codes: rows.cols[f[0]], dict: D[f[2]]}; })});
  }
  if (other && other.n) {
    main.appendChild(h("h2", {text: "Rows without a figure (out of memory, unsupported, error, skipped)"}));
    var c = function (key, dictName, label) { return {key: key, label: label || key, codes: other.cols[key], dict: D[dictName]}; };
    Table({root: main, n: other.n, prefix: "x", what: "configurations", sort: {key: "status", dir: "asc"},
      columns: [c("status", "status"), c("workload", "workload"), c("model", "model"), c("mode", "mode"), c("framework", "framework"),
        c("precision", "precision"), {key: "batch_size", label: "batch", num: other.cols.batch_size, fmt: String}, c("backend", "backend"),
        c("device_kind", "kind", "device"), {key: "n", label: "n", num: other.cols.n, fmt: String},
        {key: "note", label: "note", codes: column(other, "note"), dict: S.other_notes, wrap: true}]});
  }
  return queue.start();
}
"""
