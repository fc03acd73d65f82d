/* global h, plural, index, hashParams, loadScript, DB, chartQueue, Table, NAV, MAX_SIDES, KEY_DICTS,
   parseEntries, compareSides, compareTable, compareView, compareColumns, compareChart, compareDifferences, compareLeftOut,
   compareApart, scoreText, scoreMeasured, chartsFollow, compareChartRows, referenceToggle, shareNeed, pairStats, pickerSlots */
// The comparison page itself: the picker, and the comparison the address names, drawn again when it changes.

function pickerBox(k) {
  return h("input", {type: "text", list: "env-names", name: "env" + k, "aria-label": "environment " + (k + 1),
                     placeholder: k === 0 ? "baseline environment" : "environment " + (k + 1) + (k > 1 ? " (optional)" : "")});
}

// The picker: a box per entry of the address, however many (compareRender says which of them did not fit), one more
// to add another while there is room; its boxes are the address's entries again whenever the address changes.
function comparePicker(I, main) {
  var list = h("datalist", {id: "env-names"}), button = h("button", {type: "submit", text: "Compare"});
  for (var i = 0; i < I.n; i++) list.appendChild(h("option", {value: I.name(i)}));
  var form = h("form", {class: "picker", onsubmit: function (e) {
    e.preventDefault();
    var names = Array.from(form.querySelectorAll("input")).map(function (x) { return x.value.trim(); }).filter(Boolean);
    var was = hashParams(), p = new URLSearchParams();
    p.set("envs", names.join(","));
    ["partial", "split", "noref"].forEach(function (k) { if (was.has(k)) p.set(k, was.get(k)); });  // the reader's choices stay
    location.hash = p.toString().replace(/%2C/gi, ",");  // a new table: its sort and page start over
  }}, [button, list]);
  main.append(h("h1", {text: "Compare environments"}), h("p", {class: "lead", text: "Two to " + MAX_SIDES + " environments side by " +
    "side (a link may name more: the first " + MAX_SIDES + " sides are shown, the rest named) on the configurations they share: " +
    "same workload, model, mode, framework, precision, batch, devices, backend and " +
    "protocol (how it was timed), so torch rows meet torch rows and a published figure meets only figures of its own harness. " +
    "With three or more, each configuration two or more of them share is a row, blank where a side lacks it. " +
    "Configurations of another protocol than devicebench's are references, after the others. Framework versions are pooled unless you split them. × is each one's figure over the first's. " +
    "The address of this page is the comparison: share it."}), form);
  return function (entries) {  // the boxes for these entries of the address, in the form's row before its button
    Array.from(form.querySelectorAll("input")).forEach(function (x) { x.remove(); });
    for (var k = 0; k < pickerSlots(entries.length, MAX_SIDES); k++) {
      var box = pickerBox(k);
      box.value = entries[k] || "";
      form.insertBefore(box, button);
    }
  };
}

function pageCompare(main) {
  var I = index(), fill = comparePicker(I, main), out = h("div", {id: "comparison"});
  main.appendChild(out);
  var render = function () {
    NAV.fns = [rerender];  // a new comparison: the old tables no longer listen
    var wanted = parseEntries(I);
    fill(wanted.map(function (w) { return w.entry; }));
    out.replaceChildren();
    var unknown = wanted.filter(function (w) { return w.i === undefined; });
    if (unknown.length) out.appendChild(h("p", {class: "error", text: "Not in this dataset: " + unknown.map(function (w) { return w.env; }).join(", ")}));
    wanted = wanted.filter(function (w) { return w.i !== undefined; });
    if (!wanted.length) { out.appendChild(h("p", {text: "Choose two or more environments above."})); return Promise.resolve(); }
    var shards = Array.from(new Set(wanted.map(function (w) { return I.envs.cols.shard[w.i]; })));
    return Promise.all(shards.map(function (s) { return DB.data["shard/" + s] ? null : loadScript("data/envs-" + s + ".js"); }))
      .then(function () { return compareRender(out, I, wanted); });
  };
  var rerender = function () {
    document.body.dataset.ready = ""; document.body.dataset.charts = "";
    render().then(DB.ready, function (e) { console.error(e); });
  };
  return render();
}

// The view's choices. "Only some share" is ticked by default with three or more sides (its unticked state is partial=0
// in the address); with two, both share every row, so the box has nothing to choose and is disabled.
function compareOptions(sides, need, split) {
  var flag = function (name, on, off) { return function (e) {
    var p = hashParams(), v = e.target.checked ? on : off;
    if (v === null) p.delete(name); else p.set(name, v);
    location.hash = p.toString(); }; };
  var box = h("input", {type: "checkbox", name: "partial", onchange: flag("partial", null, "0"), disabled: sides < 3,
                        title: sides < 3 ? "two sides: every configuration in the table is one both have" : null});
  var apart = h("input", {type: "checkbox", name: "split", onchange: flag("split", "1", null)});
  box.checked = sides > 2 && need < sides; apart.checked = split;
  return h("p", {class: "options"}, [h("label", {}, [box, " also configurations only some of them share (two or more; untick for those all share)"]), " ",
    h("label", {}, [apart, " split framework versions (a configuration then needs the same major.minor on both sides)"])]);
}

// A pair's lines: b's geometric mean over a's on the ranked configurations the two share, whatever the other sides
// have, and apart from it the references (other protocols) they share.
function pairLines(p, sides) {
  var who = sides[p.b].label + " vs " + sides[p.a].label, data = {a: sides[p.a].label, b: sides[p.b].label, shared: p.n + p.refN};
  var lines = [h("li", {class: "pair", data: data, text: who + ": " + (p.g === null ? "no shared configuration of devicebench's own" :
    p.g.toFixed(2) + "× (geometric mean over " + plural(p.n, "configuration") + (sides.length > 2 ? " they share)" : ")"))})];
  if (p.refG !== null) lines.push(h("li", {class: "reference", data: data, text: who + " on references (other " +
    "protocols, not ranked): " + p.refG.toFixed(2) + "× over " + plural(p.refN, "configuration")}));
  return lines;
}

// Every pair's geometric mean over what that pair shares (all: the comparison's table over what any two share), the
// baseline's pairs first; the pairs that share no configuration at all a line per side (six sides make fifteen pairs),
// then the sides' scores.
function speedups(all, sides) {
  var list = h("ul", {class: "speedups"}), none = sides.map(function () { return []; });
  var figs = sides.map(function (s, k) { return all.cols["fig" + k]; });
  pairStats(figs, all.cols.ref).forEach(function (p) {
    if (p.n + p.refN) list.append.apply(list, pairLines(p, sides));
    else none[p.a].push(sides[p.b].label);
  });
  none.forEach(function (others, a) {
    if (others.length) list.appendChild(h("li", {class: "none", data: {side: sides[a].label}, text: sides[a].label +
      " shares no configuration with " + others.join(", ") + (a === 0 ? " (what keeps them apart is below)" : "")}));
  });
  sides.forEach(function (s) {
    (s.meta.score || []).filter(function (line) { return line[1] === s.kind; }).forEach(function (line) {
      list.appendChild(h("li", {class: "score", data: {side: s.label}, text: s.label + " · " + line[0] + ": score v" +
        DB.data.index.score.version + " " + (line[2] === null ? scoreMeasured(line, false) : scoreText(line[2], line[3], line[4]))}));
    });
  });
  return list;
}

function compareRender(out, I, wanted) {
  var params = hashParams(), split = params.get("split") === "1";
  var found = compareSides(I, wanted, split), sides = found.sides, need = shareNeed(sides.length, params.get("partial"));
  if (found.dropped.length) out.appendChild(h("p", {class: "warning", role: "status", text: "Not shown: " +
    found.dropped.map(function (d) { return d.label + " (" + d.why + ")"; }).join("; ") + "."}));
  if (sides.length < 2) out.appendChild(h("p", {text: "One side only: add an environment (an env with CPU and accelerator rows counts as two)."}));
  if (!sides.length) return Promise.resolve();
  var all = compareTable(I, sides, Math.min(2, sides.length), split), t = compareView(all, need);
  var link = h("input", {type: "text", readonly: "readonly", class: "share", value: location.href, "aria-label": "link to this comparison"});
  var box = h("div", {id: "charts"}), queue = chartQueue();
  out.append(speedups(all, sides), compareApart(I, sides, split), compareOptions(sides.length, need, split));
  // a chart only where the baseline shares a configuration with another side: its bars are ratios to the baseline
  var charted = sides.length > 1 && compareChartRows(sides.map(function (s, k) { return t.cols["fig" + k]; }), t.cols.ref, 1, 1).length > 0;
  if (charted) out.append(h("h2", {text: "Shared configurations, each over " + sides[0].label}), box);
  var follow = chartsFollow(box, function (into, q) {
    var div = h("div", {class: "chart"});
    into.appendChild(div);
    q.add(div, function () { return compareChart(div, I, t, sides); });
  });
  if (charted) follow(queue);
  out.appendChild(h("h2", {text: need < sides.length ? "Every configuration two or more of them share" : "Every configuration they share"}));
  var raw = [];
  sides.forEach(function (s) { s.meta.csv.forEach(function (href) { if (!raw.some(function (r) { return r.href === href; }))
    raw.push({href: href, download: true, text: "raw rows: " + href.split("/").pop()}); }); });
  Table({root: out, n: t.n, columns: compareColumns(I, t, sides), what: ["configuration", "configurations"], prefix: "t",
    sort: {key: sides.length > 1 ? "ratio1" : "fig0", dir: "desc"}, raw: raw, reference: t.cols.ref, toggles: referenceToggle(t.cols.ref),
    onChange: function () { if (charted) follow(); }, file: "compare-" + sides.map(function (s) { return s.env; }).join("-vs-"),
    filters: ["workload", "mode", "framework", "precision", "backend"].map(function (c) {
      return {key: c, label: c, codes: t.cols[c], dict: I.dict[KEY_DICTS[c]]}; })});
  out.append(compareDifferences(sides), compareLeftOut(sides, need), h("p", {}, ["Link: ", link]));
  return queue.start();
}
