"""The site's JavaScript, part 5: the leaderboards, the list of environments, the downloads, and the start of
every page (body data-page names which)."""

PAGES = r"""
function envRows(I) {  // dictionary code of an env -> its line in the index
  var rowOf = new Int32Array(I.dict.env.length).fill(-1);
  I.envs.cols.env.forEach(function (code, r) { rowOf[code] = r; });
  return rowOf;
}

function pageBoards(main) {
  var I = index(), byWorkload = new Map();
  I.raw.boards.forEach(function (b) { if (!byWorkload.has(b.workload)) byWorkload.set(b.workload, []); byWorkload.get(b.workload).push(b); });
  main.append(h("h1", {text: "Leaderboards"}), h("p", {class: "lead", text: "One per workload and mode: each env's fastest batch " +
    "size for every model, framework, precision, backend and device count. Sort by any column, filter, search."}));
  byWorkload.forEach(function (boards, workload) {
    main.append(h("h2", {text: workload}), h("ul", {}, boards.map(function (b) {
      return h("li", {}, [h("a", {href: "board-" + b.id + ".html", text: b.workload + " · " + b.mode}),
        " — " + plural(b.rows, "row") + ", " + plural(b.envs, "environment")]); })));
  });
  return Promise.resolve();
}

function boardSwitcher(I, current) {
  return h("nav", {class: "boards", "aria-label": "leaderboards"}, I.raw.boards.map(function (b) {
    return b.id === current ? h("strong", {text: b.workload + " · " + b.mode}) : h("a", {href: "board-" + b.id + ".html", text: b.workload + " · " + b.mode});
  }));
}

function deviceHref(key) { return "device.html?device=" + encodeURIComponent(key); }

function spreadColumns(t) {  // n and spread beside the median: the quartiles where there are 4 rows or more, and the range
  var cols = [{key: "n", label: "n", num: t.cols.n, fmt: String},
    {key: "iqr", label: "IQR", sort: false, cell: function (i) { return range(t.cols.q1[i], t.cols.q3[i], t.cols.q1[i] === null ? 0 : 2); }},
    {key: "range", label: "range", sort: false, cell: function (i) { return range(t.cols.rate_min[i], t.cols.rate_max[i], t.cols.n[i]); }}];
  if (t.cols.peak_frac.some(function (v) { return v !== null; })) {
    cols.push({key: "peak_frac", label: "% of peak", num: t.cols.peak_frac,
               fmt: function (v) { return v === null ? "" : (100 * v).toFixed(v < 0.1 ? 1 : 0) + "%"; }});
  }
  return cols;
}

function pageBoard(main) {
  var I = index(), id = document.body.dataset.board, B = DB.data["board/" + id], t = B.rows, D = I.dict, rowOf = envRows(I);
  var platform = t.cols.env.map(function (code) { var r = rowOf[code]; return r < 0 ? 0 : I.envs.cols.platform[r]; });
  var pool = t.cols.pool || new Array(t.n).fill(0);
  document.title = B.meta.workload + " · " + B.meta.mode + " leaderboard · devicebench";
  main.append(h("h1", {text: B.meta.workload + " · " + B.meta.mode + " leaderboard"}), boardSwitcher(I, id),
    h("p", {class: "lead", text: "Each env's fastest batch size per model, framework, framework version (major.minor), precision, " +
      "backend and device count; " + unitOf(B.meta.workload) + " is the median over repeat rows, n their count, IQR their middle half " +
      "(from 4 rows), range their spread. Tick “pool versions” for one line over every framework version. Every batch size is on the env's page."}));
  var c = function (key, label, dictName) { return {key: key, label: label, codes: key === "platform" ? platform : t.cols[key], dict: D[dictName]}; };
  var columns = [{key: "rank", label: "#", sort: false, cell: function (i, position) { return position + 1; }},
    Object.assign(c("env", "env", "env"), {href: function (i) { return envHref(D.env[t.cols.env[i]]); }}),
    Object.assign(c("device", "device", "dkey"), {wrap: true, href: function (i) { return deviceHref(D.dkey[t.cols.device[i]]); }}),
    c("device_kind", "kind", "kind"), c("platform", "platform", "platform"),
    c("framework", "framework", "framework"), c("version", "version", "version"), c("model", "model", "model"), c("precision", "precision", "precision"),
    {key: "batch_size", label: "batch", num: t.cols.batch_size, fmt: String}, {key: "world_size", label: "devices", num: t.cols.world_size, fmt: String},
    c("backend", "backend", "backend"), c("source", "source", "source"), {key: "rate", label: unitOf(B.meta.workload), num: column(t, "rate")}]
    .concat(spreadColumns(t), [{key: "step_ms", label: "step ms", num: column(t, "step_ms")}, {key: "tflops", label: "TFLOP/s", num: column(t, "tflops")}]);
  var filters = [["model", "model", "model"], ["framework", "framework", "framework"], ["version", "version", "version"],
    ["device_kind", "device kind", "kind"], ["precision", "precision", "precision"], ["backend", "backend", "backend"],
    ["source", "source", "source"], ["platform", "platform", "platform"]].map(function (f) { return c(f[0], f[1], f[2]); });
  var raw = B.meta.raw ? [{href: B.meta.raw, download: true, text: "the raw rows behind this board (" + B.meta.raw.split("/").pop() + ")"}] :
    [{href: "downloads.html", text: "the raw rows: the merged data and each env's own file"}];
  Table({root: main, n: t.n, columns: columns, filters: filters, sort: {key: "rate", dir: "desc"}, what: "rows", file: "board-" + id,
    toggles: [poolToggle()], keep: poolKeep(pool), raw: raw,
    search: {label: "search env or device", fields: [{codes: t.cols.env, dict: D.env}, {codes: t.cols.device_name, dict: D.device},
      {codes: t.cols.device, dict: D.dkey}]}});
  return Promise.resolve();
}

function pageMachines(main) {
  var I = index(), t = I.envs, D = I.dict;
  main.append(h("h1", {text: "Environments"}), h("p", {class: "lead", text: "Every environment in the dataset; each links to its " +
    "page (fingerprint, every configuration, charts, its CSV file). Device, kind, platform and source: what most of its rows say."}));
  var c = function (key, label, dictName) { return {key: key, label: label, codes: t.cols[key], dict: D[dictName]}; };
  Table({root: main, n: t.n, sort: {key: "env", dir: "asc"}, what: "environments",
    columns: [Object.assign(c("env", "env", "env"), {href: function (i) { return envHref(I.name(i)); }}),
      Object.assign(c("device_name", "device", "device"), {wrap: true}), c("device_kind", "kind", "kind"),
      c("platform", "platform", "platform"), c("source", "source", "source"),
      {key: "configs", label: "configurations", num: t.cols.configs, fmt: count}, {key: "rows", label: "rows", num: t.cols.rows, fmt: count}],
    filters: [c("device_kind", "device kind", "kind"), c("platform", "platform", "platform"), c("source", "source", "source")],
    search: {label: "search env or device", fields: [{codes: t.cols.env, dict: D.env}, {codes: t.cols.device_name, dict: D.device}]}});
  return Promise.resolve();
}

function size(bytes) {
  var units = ["B", "kB", "MB", "GB"], k = 0;
  while (bytes >= 1000 && k < units.length - 1) { bytes /= 1000; k++; }
  return (k ? bytes.toFixed(1) : String(bytes)) + " " + units[k];
}

function pageDownloads(main) {
  var I = index(), files = I.raw.downloads || [];
  main.append(h("h1", {text: "Downloads"}), h("p", {class: "lead", text: "Every valid row of every results file, merged and validated " +
    "(the contract's columns, then the file and line each row came from). Each environment's own CSV file is on its page. " +
    "The data is under CC BY 4.0: use it for anything, with credit."}));
  if (!files.length) main.appendChild(h("p", {text: "This site was built without the merged data files."}));
  main.appendChild(h("ul", {class: "downloads"}, files.map(function (f) {
    return h("li", {}, [h("a", {href: f.href, download: "", text: f.name}), " — " + size(f.bytes) + (f.what ? ", " + f.what : "")]);
  })));
  return Promise.resolve();
}

document.addEventListener("DOMContentLoaded", function () {
  var main = document.getElementById("main"), page = document.body.dataset.page;
  var run = {overview: pageOverview, boards: pageBoards, board: pageBoard, machines: pageMachines, env: pageEnv,
             compare: pageCompare, downloads: pageDownloads, device: pageDevice}[page];
  Promise.resolve().then(function () { return run(main); }).then(DB.ready, function (e) {
    main.prepend(h("p", {class: "error", role: "alert", text: "This page failed: " + (e && e.message ? e.message : e)}));
    console.error(e);
  });
});
"""
