/* global NARROW, foldOnPhones, worthColumns, priceNote, configOf, provenanceCell, reproduceColumn, h, count, plural, column, index, envHref, deviceHref, figure, Table, poolToggle, flaggedToggle, figureColumn,
   spreadColumns, caveatColumn, secondaryFigures, textColumn, DB, pageOverview, pageEnv, pageCompare, pageDevice, pageScore,
   referencesOf, referenceToggle */
// The leaderboards, the list of environments, and the start of every page (body data-page names which).

function envRows(I) {  // dictionary code of an env -> its line in the index
  var rowOf = new Int32Array(I.dict.env.length).fill(-1);
  I.envs.cols.env.forEach(function (code, r) { rowOf[code] = r; });
  return rowOf;
}

function pageBoards(main) {
  var I = index(), byWorkload = new Map();
  I.raw.boards.forEach(function (b) { if (!byWorkload.has(b.workload)) byWorkload.set(b.workload, []); byWorkload.get(b.workload).push(b); });
  main.append(h("h1", {text: "Leaderboards"}), h("p", {class: "lead", text: "One per workload and mode: each env's fastest batch " +
    "size for every model, framework, precision, backend and device count, ranked by the workload's own figure (TFLOP/s for " +
    "a matrix product, GB/s for memory bandwidth, tokens/s for a language model, samples/s otherwise). Sort by any column, filter, search."}));
  byWorkload.forEach(function (boards, workload) {
    main.append(h("h2", {text: workload + " (" + figure(workload).unit + ")"}), h("ul", {}, boards.map(function (b) {
      return h("li", {}, [h("a", {href: "board-" + b.id + ".html", text: b.workload + " · " + b.mode}),
        " — " + plural(b.rows, "row") + ", " + plural(b.envs, "environment") + (ranksNothing(b) ? " (" + onlyOne(b) + ")" : "")]); })));
  });
  return Promise.resolve();
}

function boardSwitcher(I, current) {  // the other boards; folded away on a phone
  var nav = h("nav", {class: "boards", "aria-label": "leaderboards"}, I.raw.boards.map(function (b) {
    return b.id === current ? h("strong", {text: b.workload + " · " + b.mode}) : h("a", {href: "board-" + b.id + ".html", text: b.workload + " · " + b.mode});
  }));
  return foldOnPhones(h("details", {class: "switch"}, [h("summary", {text: "other leaderboards"}), nav]));
}

function boardColumns(I, t, B) {
  var D = I.dict, rowOf = envRows(I), workload = B.meta.workload, f = figure(workload);
  var platform = t.cols.env.map(function (code) { var r = rowOf[code]; return r < 0 ? 0 : I.envs.cols.platform[r]; });
  var c = function (key, label, dictName, level, extra) { return textColumn(key, label, key === "platform" ? platform : t.cols[key], D[dictName], level, extra); };
  var fig = figureColumn(t, function () { return workload; }, {unit: f.unit, key: "figure"});
  var spreads = spreadColumns(t, function () { return workload; }, [2, 3]);
  var envLine = function (i) { return rowOf[t.cols.env[i]]; };
  var config = function (i) { return Object.assign(configOf(t, i, B.references), {mode: B.meta.mode, workload: workload}); };
  var worth = worthColumns(t, fig.values, function () { return f.unit; }, function (i) { return D.env[t.cols.env[i]]; },
                           function (i) { return D.dkey[t.cols.device[i]]; });
  var from = {key: "provenance", label: "from", sort: false, level: 3, title: "the results file, the latest run and the commit that added the file",
    cell: function (i) { var r = envLine(i); return provenanceCell(r < 0 ? "" : D.file[I.envs.cols.file[r]], t.cols.run ? B.runs[t.cols.run[i]] : "",
                                                                 r < 0 ? "" : D.commit[I.envs.cols.commit[r]]); }};
  var alone = ranksNothing(B.meta);  // one env's rows: a place of 1 of 1 would claim a ranking there is not
  return [{key: "rank", label: "#", sort: false, csv: false, level: 2, title: alone ? "not ranked: " + onlyOne(B.meta) :
      "the place among devicebench's own measurements; ref: a reference of another protocol, not ranked",
    cell: function (i, position) { return B.refs[i] ? "ref" : alone ? "–" : position + 1; }},
    c("env", "env", "env", 1, {wrap: true, href: function (i) { return envHref(D.env[t.cols.env[i]]); }}),
    c("model", "model", "model", 1, {wrap: true}), fig.col, caveatColumn(t, B.notes, B.refs),
    c("device", "device", "dkey", 2, {wrap: true, href: function (i) { return deviceHref(D.dkey[t.cols.device[i]]); }}),
    spreads[0]].concat(worth, [c("framework", "framework", "framework", 2), c("precision", "precision", "precision", 2),
    {key: "batch_size", label: "batch", num: t.cols.batch_size, fmt: String, level: 2}, spreads[1], spreads[2],
    c("device_kind", "kind", "kind", 3), c("platform", "platform", "platform", 3), c("version", "version", "version", 3),
    {key: "world_size", label: "devices", num: t.cols.world_size, fmt: String, level: 3}, c("backend", "backend", "backend", 3),
    c("source", "source", "source", 3), c("protocol", "protocol", "protocol", 3), reproduceColumn(config), from]).concat(secondaryFigures(t, f.key),
    f.key !== "rate" ? [{key: "rate", label: I.raw.units[workload] || "samples/s", num: column(t, "rate"), level: 3}] : []);
}

// A board whose devicebench rows are one env's (or none) ranks nothing: it says so instead of numbering 1 of 1. Older
// data without ranked_envs counts every env.
function ranksNothing(meta) { return (meta.ranked_envs === undefined ? meta.envs : meta.ranked_envs) <= 1; }
function onlyOne(meta) {
  var n = meta.ranked_envs === undefined ? meta.envs : meta.ranked_envs;
  return n ? "one environment measured this: nothing to rank it against yet" : "no devicebench measurement here to rank: references only";
}

function pageBoard(main) {
  var I = index(), id = document.body.dataset.board, B = DB.data["board/" + id], t = B.rows, D = I.dict, f = figure(B.meta.workload);
  B.refs = referencesOf(t);
  document.title = B.meta.workload + " · " + B.meta.mode + " leaderboard · devicebench";
  main.append(h("h1", {text: B.meta.workload + " · " + B.meta.mode + " leaderboard"}), boardSwitcher(I, id),
    h("p", {class: "lead", text: ranksNothing(B.meta) ? "Not a ranking: " + onlyOne(B.meta) + ". Each configuration's fastest batch " +
      "size, in " + f.unit + " (the median over repeat rows); another machine's file makes it a ranking." :
      "Each env's fastest batch size per model, ranked by " + f.unit + " (the median over repeat rows)."}),
    h("details", {class: "howto"}, [h("summary", {text: "how to read it"}), h("p", {text: "One line per env, model, framework, " +
      "framework version (major.minor), precision, backend and device count, at its fastest batch size; range is the spread of its " +
      "repeat rows, n their count. A badge marks a caveat (hover or tap it for the reason); “hide flagged rows” leaves those out. " +
      "“pool versions” gives one line over every framework version, “all columns” every field. Every batch size is on the env's page. " +
      "Only devicebench's own measurements are ranked: figures of other protocols (other harnesses' published figures, the classic " +
      "model.fit protocol, legacy wall times) follow them as references, marked “ref”; “hide references” leaves them out."})]));
  var c = function (key, label, dictName) { return {key: key, label: label, codes: t.cols[key], dict: D[dictName]}; };
  var filters = [["model", "model", "model"], ["framework", "framework", "framework"], ["version", "version", "version"],
    ["device_kind", "device kind", "kind"], ["precision", "precision", "precision"], ["backend", "backend", "backend"],
    ["source", "source", "source"], ["protocol", "protocol", "protocol"]].filter(function (x) { return t.cols[x[0]]; })
    .map(function (x) { return c(x[0], x[1], x[2]); });
  var raw = B.meta.raw ? [{href: B.meta.raw, download: true, text: "the raw rows behind this board (" + B.meta.raw.split("/").pop() + ")"}] :
    [{href: "downloads.html", text: "the raw rows: the merged data and each env's own file"}];
  Table({root: main, n: t.n, columns: boardColumns(I, t, B), filters: filters, sort: {key: "figure", dir: "desc"},
    what: ["row", "rows"], file: "board-" + id, raw: raw,
    reference: B.refs, toggles: [poolToggle(column(t, "pool").map(function (v) { return v || 0; })),
      flaggedToggle(column(t, "flags").map(function (v) { return v || 0; }))].concat(referenceToggle(B.refs)),
    search: {label: "search env or device", fields: [{codes: t.cols.env, dict: D.env}, {codes: t.cols.device_name, dict: D.device},
      {codes: t.cols.device, dict: D.dkey}]}});
  main.appendChild(priceNote(t.n, function (i) { return D.env[t.cols.env[i]]; }, function (i) { return D.dkey[t.cols.device[i]]; }));
  return Promise.resolve();
}

function pageMachines(main) {
  var I = index(), t = I.envs, D = I.dict;
  main.append(h("h1", {text: "Environments"}), h("p", {class: "lead", text: "Every environment in the dataset; each links to its " +
    "page (fingerprint, every configuration, charts, its CSV file). Device, kind, platform and source: what most of its rows say."}));
  var c = function (key, label, dictName, level, extra) { return textColumn(key, label, t.cols[key], D[dictName], level, extra); };
  Table({root: main, n: t.n, sort: {key: "env", dir: "asc"}, what: ["environment", "environments"],
    columns: [c("env", "env", "env", 1, {wrap: true, href: function (i) { return envHref(I.name(i)); }}),
      c("device_name", "device", "device", 1, {wrap: true}), c("device_kind", "kind", "kind", 2),
      {key: "configs", label: "configurations", num: t.cols.configs, fmt: count, level: 2},
      {key: "rows", label: "rows", num: t.cols.rows, fmt: count, level: 2}, c("platform", "platform", "platform", 2), c("source", "source", "source", 2)],
    filters: [c("device_kind", "device kind", "kind"), c("platform", "platform", "platform"), c("source", "source", "source")],
    search: {label: "search env or device", fields: [{codes: t.cols.env, dict: D.env}, {codes: t.cols.device_name, dict: D.device}]}});
  return Promise.resolve();
}

document.addEventListener("DOMContentLoaded", function () {
  var main = document.getElementById("main"), page = document.body.dataset.page;
  var run = {overview: pageOverview, boards: pageBoards, board: pageBoard, machines: pageMachines, env: pageEnv,
             compare: pageCompare, device: pageDevice, score: pageScore}[page];
  if (!run) { DB.ready(); return; }  // a page written whole in HTML (downloads): nothing to draw
  Promise.resolve().then(function () { return run(main); }).then(DB.ready, function (e) {
    main.prepend(h("p", {class: "error", role: "alert", text: "This page failed: " + (e && e.message ? e.message : e)}));
    console.error(e);
  });
});
