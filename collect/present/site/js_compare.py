"""The site's JavaScript, part 4: the comparison page. Its state is the URL fragment, #envs=A,B,C (an entry
`env:kind` picks one device kind of an env that has several), so a comparison is a link to share."""

COMPARE = r"""
var KEY_COLS = ["workload", "model", "mode", "framework", "precision", "batch_size", "world_size", "backend"];
var KEY_DICTS = {workload: "workload", model: "model", mode: "mode", framework: "framework", precision: "precision", backend: "backend"};

function parseEntries(I) {
  return (hashParams().get("envs") || "").split(",").map(function (s) { return s.trim(); }).filter(Boolean).slice(0, 4)
    .map(function (entry) {
      var cut = entry.lastIndexOf(":"), env = entry, kind = "";
      if (cut > 0 && !I.byName.has(entry)) { env = entry.slice(0, cut); kind = entry.slice(cut + 1); }
      return {entry: entry, env: env, kind: kind, i: I.byName.get(env)};
    });
}

function compareSides(I, wanted) {  // one side per env, or per device kind (and, versions apart, per version) of an env that has several
  var sides = [], pooled = hashParams().get("pool") === "1";
  wanted.forEach(function (w) {
    var S = DB.data["shard/" + I.envs.cols.shard[w.i]], t = S.rows, code = I.envs.cols.env[w.i], parts = new Map();
    if (!t) return;
    var pool = column(t, "pool"), version = column(t, "version");
    for (var j = 0; j < t.n; j++) {
      if (t.cols.env[j] !== code || (pool[j] || 0) === (pooled ? 1 : 2)) continue;
      var kind = I.dict.kind[t.cols.device_kind[j]], v = pooled ? "" : I.dict.version[version[j]] || "";
      if (w.kind && kind !== w.kind) continue;
      var part = kind + "\u0000" + v;
      if (!parts.has(part)) parts.set(part, {kind: kind, version: v, rows: new Map()});
      var rows = parts.get(part).rows, key = KEY_COLS.map(function (c) { return t.cols[c][j]; }).join(","), seen = rows.get(key);
      if (seen === undefined || t.cols.rate[seen] < t.cols.rate[j]) rows.set(key, j);  // several: the fastest
    }
    var kinds = new Set(Array.from(parts.values()).map(function (p) { return p.kind; }));
    Array.from(parts.keys()).sort(function (a, b) { var x = parts.get(a), y = parts.get(b);
      return (x.kind !== "cpu") - (y.kind !== "cpu") || (x.kind < y.kind ? -1 : x.kind > y.kind ? 1 : 0) || (a < b ? -1 : a > b ? 1 : 0); })
      .forEach(function (part) {
        var p = parts.get(part), versions = Array.from(parts.values()).filter(function (q) { return q.kind === p.kind; }).length;
        sides.push({label: w.env + (kinds.size > 1 || w.kind ? " [" + p.kind + "]" : "") + (versions > 1 ? " v" + p.version : ""),
                    env: w.env, kind: p.kind, version: p.version, t: t, rows: p.rows, meta: S.envs[w.env] || {fp: [], csv: []}});
      });
  });
  return sides.slice(0, 4);
}

function compareTable(I, sides, partial) {  // the configurations the sides share, as columns for Table
  var keys = [];
  sides[0].rows.forEach(function (j, key) { keys.push(key); });
  sides.slice(1).forEach(function (s) { s.rows.forEach(function (j, key) { if (!sides[0].rows.has(key)) keys.push(key); }); });
  keys = keys.filter(function (key) {
    var have = sides.filter(function (s) { return s.rows.has(key); }).length;
    return partial ? have >= 2 : have === sides.length;
  });
  var cols = {}, n = keys.length;
  KEY_COLS.forEach(function (c) { cols[c] = keys.map(function (key) { return Number(key.split(",")[KEY_COLS.indexOf(c)]); }); });
  sides.forEach(function (s, k) {
    var get = function (name) { return keys.map(function (key) { var j = s.rows.get(key); return j === undefined ? null : s.t.cols[name][j]; }); };
    cols["rate" + k] = get("rate"); cols["lo" + k] = get("rate_min"); cols["hi" + k] = get("rate_max"); cols["n" + k] = get("n");
    cols["device" + k] = get("device_name");
    cols["ratio" + k] = cols["rate" + k].map(function (v, r) { var b = cols.rate0[r]; return v === null || b === null ? null : v / b; });
  });
  return {n: n, cols: cols};
}

function compareColumns(I, t, sides) {
  var D = I.dict, columns = KEY_COLS.map(function (c) {
    return KEY_DICTS[c] ? {key: c, label: c, codes: t.cols[c], dict: D[KEY_DICTS[c]]} :
      {key: c, label: c === "batch_size" ? "batch" : "devices", num: t.cols[c], fmt: String};
  });
  columns.push({key: "unit", label: "unit", sort: false, cell: function (r) { return unitOf(D.workload[t.cols.workload[r]]); }});
  sides.forEach(function (s, k) {
    columns.push({key: "rate" + k, label: s.label, num: t.cols["rate" + k]});
    if (k > 0) columns.push({key: "ratio" + k, label: "× vs first", num: t.cols["ratio" + k],
                             fmt: function (v) { return v === null ? "" : v.toFixed(2) + "×"; }});
  });
  return columns;
}

function geomean(values) {
  var ok = values.filter(function (v) { return v > 0 && isFinite(v); });
  return ok.length ? Math.exp(ok.reduce(function (a, v) { return a + Math.log(v); }, 0) / ok.length) : null;
}

function compareChart(div, I, t, sides) {  // grouped bars of the 30 configurations the baseline runs fastest
  var D = I.dict, order = [];
  for (var r = 0; r < t.n; r++) if (sides.every(function (s, k) { return t.cols["rate" + k][r] !== null; })) order.push(r);
  order.sort(function (a, b) { return t.cols.rate0[b] - t.cols.rate0[a]; });
  order = order.slice(0, 30);
  var rows = [];
  order.forEach(function (r) {
    var label = D.model[t.cols.model[r]] + " · " + D.mode[t.cols.mode[r]] + " · " + D.framework[t.cols.framework[r]] + " · " +
      D.precision[t.cols.precision[r]] + " · bs " + t.cols.batch_size[r] + " · " + D.backend[t.cols.backend[r]];
    sides.forEach(function (s, k) {
      rows.push({label: label, group: s.label, env: s.label, device: D.device[t.cols["device" + k][r]], framework: D.framework[t.cols.framework[r]],
        batch: t.cols.batch_size[r], precision: D.precision[t.cols.precision[r]], rate: t.cols["rate" + k][r], lo: t.cols["lo" + k][r],
        hi: t.cols["hi" + k][r], n: t.cols["n" + k][r], extra: k ? (t.cols["ratio" + k][r]).toFixed(2) + "× vs " + sides[0].label : "baseline"});
    });
  });
  if (!rows.length) return Promise.resolve();
  var units = new Set(order.map(function (r) { return unitOf(D.workload[t.cols.workload[r]]); }));
  return barChart(div, rows, {unit: Array.from(units).join(" or "), grouped: sides.length, legend: "environment", colors: {}});
}

function comparePicker(I, main) {
  var list = h("datalist", {id: "env-names"});
  for (var i = 0; i < I.n; i++) list.appendChild(h("option", {value: I.name(i)}));
  var inputs = [0, 1, 2, 3].map(function (k) {
    return h("input", {type: "text", list: "env-names", name: "env" + k, "aria-label": "environment " + (k + 1),
                       placeholder: k === 0 ? "baseline environment" : "environment " + (k + 1) + (k > 1 ? " (optional)" : "")});
  });
  var form = h("form", {class: "picker", onsubmit: function (e) {
    e.preventDefault();
    var names = inputs.map(function (x) { return x.value.trim(); }).filter(Boolean);
    location.hash = "envs=" + names.map(encodeURIComponent).join(",");
  }}, inputs.concat([h("button", {type: "submit", text: "Compare"}), list]));
  main.append(h("h1", {text: "Compare environments"}), h("p", {class: "lead", text: "Two to four environments side by side on the " +
    "configurations they share (same workload, model, mode, framework, precision, batch, devices and backend); " +
    "× is each one's rate over the first's. The address of this page is the comparison: share it."}), form);
  return inputs;
}

function pageCompare(main) {
  var I = index(), inputs = comparePicker(I, main), out = h("div", {id: "comparison"});
  main.appendChild(out);
  var render = function () {
    var wanted = parseEntries(I);
    inputs.forEach(function (x, k) { x.value = wanted[k] ? wanted[k].entry : ""; });
    out.replaceChildren();
    var unknown = wanted.filter(function (w) { return w.i === undefined; });
    if (unknown.length) out.appendChild(h("p", {class: "error", text: "Not in this dataset: " + unknown.map(function (w) { return w.env; }).join(", ")}));
    wanted = wanted.filter(function (w) { return w.i !== undefined; });
    if (!wanted.length) { out.appendChild(h("p", {text: "Choose two to four environments above."})); return Promise.resolve(); }
    var shards = Array.from(new Set(wanted.map(function (w) { return I.envs.cols.shard[w.i]; })));
    return Promise.all(shards.map(function (s) { return DB.data["shard/" + s] ? null : loadScript("data/envs-" + s + ".js"); }))
      .then(function () { return compareRender(out, I, compareSides(I, wanted)); });
  };
  var rerender = function () {
    document.body.dataset.ready = ""; document.body.dataset.charts = "";
    render().then(DB.ready, function (e) { console.error(e); });
  };
  var base = render;
  render = function () { NAV.fns = [rerender]; return base(); };  // a new comparison: the old tables no longer listen
  return render();
}

function compareRender(out, I, sides) {
  if (sides.length < 2) { out.appendChild(h("p", {text: "One side only: add an environment (an env with CPU and accelerator rows counts as two)."})); }
  if (!sides.length) return Promise.resolve();
  var partial = hashParams().get("partial") === "1", t = compareTable(I, sides, partial);
  var flag = function (name) { return function (e) {
    var p = hashParams(); if (e.target.checked) p.set(name, "1"); else p.delete(name); location.hash = p.toString(); }; };
  var box = h("input", {type: "checkbox", name: "partial", onchange: flag("partial")});
  var pool = h("input", {type: "checkbox", name: "pool", onchange: flag("pool")});
  box.checked = partial; pool.checked = hashParams().get("pool") === "1";
  var summary = h("ul", {class: "speedups"});
  sides.slice(1).forEach(function (s, k) {
    var g = geomean(t.cols["ratio" + (k + 1)]);
    summary.appendChild(h("li", {text: s.label + " vs " + sides[0].label + ": " + (g === null ? "no shared configuration" :
      g.toFixed(2) + "× (geometric mean over " + plural(t.cols["ratio" + (k + 1)].filter(function (v) { return v !== null; }).length, "configuration") + ")")}));
  });
  var link = h("input", {type: "text", readonly: "readonly", class: "share", value: location.href, "aria-label": "link to this comparison"});
  var div = h("div", {class: "chart"});
  out.append(compareDifferences(sides), summary, compareLeftOut(sides, partial), h("p", {}, ["Link: ", link]),
    h("p", {}, [h("label", {}, [box, " also configurations only some of them share"]), " ",
                h("label", {}, [pool, " pool versions (an env measured under several framework versions counts once)"])]),
    h("h2", {text: "Fastest shared configurations"}), div, h("h2", {text: "Every configuration they share"}));
  var ratio = sides.length > 1 ? "ratio1" : "rate0";
  var raw = [];
  sides.forEach(function (s) { s.meta.csv.forEach(function (href) { if (!raw.some(function (r) { return r.href === href; }))
    raw.push({href: href, download: true, text: "raw rows: " + href.split("/").pop()}); }); });
  Table({root: out, n: t.n, columns: compareColumns(I, t, sides), what: "configurations", prefix: "t", sort: {key: ratio, dir: "desc"},
    file: "compare-" + sides.map(function (s) { return s.env; }).join("-vs-"), raw: raw,
    filters: ["workload", "mode", "framework", "precision", "backend"].map(function (c) { return {key: c, label: c, codes: t.cols[c], dict: I.dict[KEY_DICTS[c]]}; })});
  var queue = chartQueue();
  queue.add(div, function () { return compareChart(div, I, t, sides); });
  return queue.start();
}
"""
