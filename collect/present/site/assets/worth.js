/* global h, fmt, column, index, figure, perDollar, reproduceCommand, DB */
// What a figure is worth and where it came from: samples per joule (where energy was measured), per dollar (where a
// price is known), the row's results file, run and commit, and the command that measures it again.

// The price that applies to a row: its env's (a whole or rented machine), else its device's; {usd, per, source, date}.
function priceFor(env, dkey) {
  var p = DB.data.index.prices || {device: {}, env: {}}, e = p.env[env], d = p.device[dkey];
  if (e) return {usd: e[0], per: e[1], source: e[2], date: e[3], note: e[4]};
  if (d) return {usd: d[0], per: "unit", source: d[1], date: d[2], note: d[3]};
  return null;
}
function priceText(price) {
  return "$" + fmt(price.usd) + (price.per === "hour" ? " an hour" : "") + " (" + price.date + "): " + price.source +
    (price.note ? "; " + price.note : "");
}

// Columns of samples per joule and per dollar for a table whose rows have an env, a device key and a figure; only
// the columns some row has a value for. unitOf(i): the figure's unit.
function worthColumns(t, values, unitOf, envOf, dkeyOf) {
  var out = [], perJ = column(t, "per_j");
  if (perJ.some(function (v) { return v !== null; })) {
    out.push({key: "per_j", label: "per joule", num: perJ, level: 2, csvLabel: "per joule",
              title: "samples (tokens, bytes) per joule, where the row's energy was measured (never from a TDP)"});
  }
  [false, true].forEach(function (rented) {
    var got = values.map(function (v, i) {
      var p = priceFor(envOf(i), dkeyOf(i)), d = p && perDollar(v, p, unitOf(i));
      return d && d.rented === rented ? {value: d.value, unit: d.unit, price: p} : null;
    });
    if (!got.some(Boolean)) return;
    var nums = got.map(function (g) { return g ? g.value : null; });
    out.push({key: rented ? "per_usd_rented" : "per_usd", label: rented ? "per $ (rented)" : "per $1k (to buy)", num: nums, level: 2,
      cell: function (i) { return got[i] ? h("span", {title: got[i].unit + ": " + priceText(got[i].price), text: fmt(got[i].value)}) : ""; },
      csvValue: function (i) { return got[i] ? String(got[i].value) : ""; },
      title: rented ? "the figure times 3,600 over the price per hour: per dollar spent" : "the figure per $1,000 of the purchase price"});
  });
  return out;
}

// A row's provenance: its results file, its latest run, the commit that added the file (and its pull request).
function provenanceCell(file, run, commit) {
  var I = index(), raw = I.raw, bits = [];
  if (file) bits.push(h("a", {href: file, download: "", text: file.split("/").pop()}));
  if (run) bits.push(h("span", {class: "run", text: "run " + run}));
  if (commit && raw.repo) {
    var c = raw.commits[commit] || [];
    bits.push(h("a", {href: raw.repo + "/commit/" + commit, text: "commit " + commit.slice(0, 7)}));
    if (c[1]) bits.push(h("a", {href: raw.repo + "/pull/" + c[1], text: "#" + c[1]}));
  } else if (!raw.git) bits.push(h("span", {class: "note", text: "(built without git: no commit)"}));
  var node = h("span", {class: "provenance"});
  bits.forEach(function (b, k) { if (k) node.append(" · "); node.append(b); });
  node.dataset.csv = [file || "", run ? "run " + run : "", commit || ""].filter(Boolean).join(" ");
  return node;
}

function reproduceCell(row) {  // the command, ready to copy: selected whole when focused
  var cmd = reproduceCommand(row);
  var input = h("input", {type: "text", readonly: "readonly", class: "command", value: cmd, "aria-label": "command that measures this configuration",
                          onfocus: function () { input.select(); }});
  var box = h("details", {class: "reproduce"}, [h("summary", {text: "show", title: "the command that measures this configuration here"}), input]);
  box.dataset.csv = cmd;
  return box;
}

// The fields reproduceCommand needs, from a columnar table's row j.
function configOf(t, j) {  // a board's rows have no mode or workload column: the board supplies them
  var D = index().dict;
  return {framework: D.framework[t.cols.framework[j]], model: D.model[t.cols.model[j]], mode: t.cols.mode ? D.mode[t.cols.mode[j]] : "",
          batch: t.cols.batch_size[j], precision: D.precision[t.cols.precision[j]], backend: D.backend[t.cols.backend[j]],
          devices: t.cols.world_size[j], workload: t.cols.workload ? D.workload[t.cols.workload[j]] : ""};
}

function reproduceColumn(configFor) {
  return {key: "reproduce", label: "command", sort: false, level: 2, cell: function (i) { return reproduceCell(configFor(i)); },
          csvValue: function (i) { return reproduceCommand(configFor(i)); },
          title: "the command that measures this configuration on your machine"};
}

function figureName(workload) { return figure(workload).unit; }
