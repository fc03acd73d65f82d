/* global h, fmt, count, column, index, figure, perDollar, commandOffer, referenceHref, energyScope, DB */
// What a figure is worth and where it came from: samples per joule (where energy was measured, one column per scope
// of what was measured), per dollar (where a price is known), the row's results file, run and commit, and the command
// that measures it again (or, for another harness's figure, its source and the command that measures it here).

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
function pricesFile() { return DB.data.index.prices_file || "prices/prices.csv"; }

// One per-joule column per scope the rows' energy covers (GPU only, CPU package, Apple SoC package, as published):
// a GPU board's NVML figure leaves the CPU out, so it is never sorted against a package's. Each cell's hover names its
// method. energyOf(i): the row's label (stats.energy_label).
function energyColumns(t, energyOf) {
  var perJ = column(t, "per_j"), table = DB.data.index.energy, scopes = [], seen = {};
  var info = perJ.map(function (v, i) {
    var s = v === null ? null : energyScope(energyOf(i) || "unstated", table);
    if (s && !seen[s.scope]) { seen[s.scope] = true; scopes.push(s); }
    return s;
  });
  return scopes.map(function (s) {
    var nums = perJ.map(function (v, i) { return info[i] && info[i].scope === s.scope ? v : null; });
    return {key: "per_j_" + s.scope, label: "per joule, " + s.short, csvLabel: "per joule (" + s.short + ")", num: nums, level: 2,
      cell: function (i) { return nums[i] === null ? "" : h("span", {title: "samples per joule, " + s.short + ": " + info[i].method, text: fmt(nums[i])}); },
      csvValue: function (i) { return nums[i] === null ? "" : String(nums[i]); },
      title: "samples (tokens, bytes) per joule of " + s.scopeWhy + "; compared only with rows of this scope, never from a TDP"};
  });
}

// Per dollar columns (bought, rented) where some row has a price. A row without one says why in its hover: the
// prices file has no line for its device or its env.
function dollarColumns(values, unitOf, envOf, dkeyOf) {
  var out = [];
  [false, true].forEach(function (rented) {
    var got = values.map(function (v, i) {
      var p = priceFor(envOf(i), dkeyOf(i)), d = p && perDollar(v, p, unitOf(i));
      return d && d.rented === rented ? {value: d.value, unit: d.unit, price: p} : null;
    });
    if (!got.some(Boolean)) return;
    var nums = got.map(function (g) { return g ? g.value : null; });
    out.push({key: rented ? "per_usd_rented" : "per_usd", label: rented ? "per $ (rented)" : "per $1k (to buy)", num: nums, level: 2,
      cell: function (i) {
        if (got[i]) return h("span", {title: got[i].unit + ": " + priceText(got[i].price), text: fmt(got[i].value)});
        return priceFor(envOf(i), dkeyOf(i)) ? "" : h("span", {class: "no-price", title: noPrice(envOf(i), dkeyOf(i)), text: "–"});
      },
      csvValue: function (i) { return got[i] ? String(got[i].value) : ""; },
      title: (rented ? "the figure times 3,600 over the price per hour: per dollar spent" : "the figure per $1,000 of the purchase price") +
        "; prices from " + pricesFile() + ", each with its source and date"});
  });
  return out;
}
function noPrice(env, dkey) {
  return "no price: " + pricesFile() + " has no line for its device (" + (dkey || "unknown") + ") or its env (" + env + ")";
}

// Columns of samples per joule and per dollar for a table whose rows have an env, a device key and a figure; only
// the columns some row has a value for. unitOf(i): the figure's unit.
function worthColumns(t, values, unitOf, envOf, dkeyOf) {
  var energy = t.cols.energy, D = index().dict;
  return energyColumns(t, function (i) { return energy ? D.energy[energy[i]] : ""; })
    .concat(dollarColumns(values, unitOf, envOf, dkeyOf));
}

// The sentence under a table that says where per dollar comes from and how many of its environments have a price, so
// a board without one says why: a price exists only where the prices file has a line for the env or its device.
function priceNote(n, envOf, dkeyOf) {
  var seen = new Map(), i;
  for (i = 0; i < n; i++) {
    var env = envOf(i);
    seen.set(env, seen.get(env) || !!priceFor(env, dkeyOf(i)));
  }
  var priced = Array.from(seen.values()).filter(Boolean).length;
  return h("p", {class: "note prices", text: "Per dollar: " + count(priced) + " of " + count(seen.size) + " environments here " +
    (priced === 1 ? "has" : "have") + " a price. Prices come from " + pricesFile() + " (a device's purchase price or an env's " +
    "rent per hour, each with its source and date); an env without one has no line there for itself or its device. "},
    [h("a", {href: "add.html#prices", text: "Add a price"})]);
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

function sourceLinks(reference) {  // a published row's references (one a line), each a link where it names a place
  return h("div", {class: "source"}, ["source: "].concat(reference.split("\n").map(function (ref, k) {
    var href = referenceHref(ref), node = href ? h("a", {href: href, rel: "noopener", text: ref}) : h("span", {text: ref});
    return k ? [" · ", node] : [node];
  }).reduce(function (a, b) { return a.concat(b); }, [])));
}

// The command, ready to copy (selected whole when focused), said as what it is: "reproduce" for devicebench's own row,
// "measure here" beside the source for another harness's figure.
function reproduceCell(row) {
  var offer = commandOffer(row);
  var input = h("input", {type: "text", readonly: "readonly", class: "command", value: offer.command, "aria-label": offer.why,
                          onfocus: function () { input.select(); }});
  var parts = [h("summary", {text: offer.label, title: offer.why})];
  if (!offer.reproduces && row.reference) parts.push(sourceLinks(row.reference));
  if (!offer.reproduces) parts.push(h("div", {class: "measure-here", text: "measure this configuration here:"}));
  var box = h("details", {class: "reproduce" + (offer.reproduces ? "" : " elsewhere")}, parts.concat([input]));
  box.dataset.csv = commandText(offer);
  return box;
}
// A command as the download writes it: a published row's says it measures the configuration here.
function commandText(offer) { return (offer.reproduces ? "" : "measure here: ") + offer.command; }

// The fields reproduceCommand needs, from a columnar table's row j; refs: the file's list its `reference` codes point into.
function configOf(t, j, refs) {  // a board's rows have no mode or workload column: the board supplies them
  var D = index().dict, text = function (name, dict) { return t.cols[name] ? D[dict][t.cols[name][j]] : ""; };
  return {framework: text("framework", "framework"), model: text("model", "model"), mode: text("mode", "mode"),
          batch: t.cols.batch_size[j], precision: text("precision", "precision"), backend: text("backend", "backend"),
          devices: t.cols.world_size[j], workload: text("workload", "workload"), kind: text("device_kind", "kind"),
          protocol: text("protocol", "protocol"), source: text("source", "source") || "measured",
          reference: t.cols.reference && refs ? refs[t.cols.reference[j]] || "" : ""};
}

function reproduceColumn(configFor) {
  return {key: "reproduce", label: "command", sort: false, level: 2, cell: function (i) { return reproduceCell(configFor(i)); },
          csvValue: function (i) { return commandText(commandOffer(configFor(i))); },
          title: "reproduce: the command that measures a devicebench row again on your machine (its device kind and protocol); " +
            "measure here: for another harness's figure, its source and the command that measures the same configuration here"};
}

function figureName(workload) { return figure(workload).unit; }
