/* global h, count, plural, index, hashParams, loadScript, DB, chartQueue, Table, geomean, NAV, MAX_SIDES, KEY_DICTS,
   parseEntries, compareSides, compareTable, compareColumns, compareChart, compareDifferences, compareLeftOut,
   compareApart, scoreText, chartsFollow, referenceToggle */
// The comparison page itself: the picker, and the comparison the address names, drawn again when it changes.

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
    var extra = parseEntries(I).slice(inputs.length).map(function (w) { return w.entry; });  // entries beyond the boxes stay
    location.hash = "envs=" + names.concat(extra).map(encodeURIComponent).join(",");
  }}, inputs.concat([h("button", {type: "submit", text: "Compare"}), list]));
  main.append(h("h1", {text: "Compare environments"}), h("p", {class: "lead", text: "Two to " + MAX_SIDES + " environments side by " +
    "side on the configurations they share: same workload, model, mode, framework, precision, batch, devices, backend and " +
    "protocol (how it was timed), so torch rows meet torch rows and a published figure meets only figures of its own harness. " +
    "Configurations of another protocol than devicebench's are references, after the others. Framework versions are pooled unless you split them. × is each one's figure over the first's. " +
    "The address of this page is the comparison: share it."}), form);
  return inputs;
}

function pageCompare(main) {
  var I = index(), inputs = comparePicker(I, main), out = h("div", {id: "comparison"});
  main.appendChild(out);
  var render = function () {
    NAV.fns = [rerender];  // a new comparison: the old tables no longer listen
    var wanted = parseEntries(I);
    inputs.forEach(function (x, k) { x.value = wanted[k] ? wanted[k].entry : ""; });
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

function compareOptions(partial, split) {
  var flag = function (name) { return function (e) {
    var p = hashParams(); if (e.target.checked) p.set(name, "1"); else p.delete(name); location.hash = p.toString(); }; };
  var box = h("input", {type: "checkbox", name: "partial", onchange: flag("partial")});
  var apart = h("input", {type: "checkbox", name: "split", onchange: flag("split")});
  box.checked = partial; apart.checked = split;
  return h("p", {class: "options"}, [h("label", {}, [box, " also configurations only some of them share"]), " ",
    h("label", {}, [apart, " split framework versions (a configuration then needs the same major.minor on both sides)"])]);
}

// Each side's geometric mean over the first's on the ranked configurations they share (references, of other protocols,
// on a line of their own), then their scores.
function speedups(t, sides) {
  var list = h("ul", {class: "speedups"});
  var mean = function (ratios, keep) {
    var kept = ratios.filter(function (v, r) { return v !== null && keep(r); });
    return {g: geomean(kept), n: kept.length};
  };
  sides.slice(1).forEach(function (s, m) {
    var ratios = t.cols["ratio" + (m + 1)], ranked = mean(ratios, function (r) { return !t.cols.ref[r]; });
    var refs = mean(ratios, function (r) { return t.cols.ref[r]; });
    list.appendChild(h("li", {text: s.label + " vs " + sides[0].label + ": " + (ranked.g === null ? "no shared configuration of devicebench's own" :
      ranked.g.toFixed(2) + "× (geometric mean over " + plural(ranked.n, "configuration") + ")")}));
    if (refs.g !== null) list.appendChild(h("li", {class: "reference", text: s.label + " vs " + sides[0].label + " on references (other " +
      "protocols, not ranked): " + refs.g.toFixed(2) + "× over " + plural(refs.n, "configuration")}));
  });
  sides.forEach(function (s) {
    (s.meta.score || []).filter(function (line) { return line[1] === s.kind; }).forEach(function (line) {
      list.appendChild(h("li", {class: "score", data: {side: s.label}, text: s.label + " · " + line[0] + ": score v" +
        DB.data.index.score.version + " " + (line[2] === null ? line[5] + " of " + line[6] + " measured" : scoreText(line[2], line[3], line[4]))}));
    });
  });
  return list;
}

function compareRender(out, I, wanted) {
  var params = hashParams(), partial = params.get("partial") === "1", split = params.get("split") === "1";
  var found = compareSides(I, wanted, split), sides = found.sides;
  if (found.dropped.length) out.appendChild(h("p", {class: "warning", role: "status", text: "Not shown: " +
    found.dropped.map(function (d) { return d.label + " (" + d.why + ")"; }).join("; ") + "."}));
  if (sides.length < 2) out.appendChild(h("p", {text: "One side only: add an environment (an env with CPU and accelerator rows counts as two)."}));
  if (!sides.length) return Promise.resolve();
  var t = compareTable(I, sides, partial ? 2 : sides.length, split);
  var link = h("input", {type: "text", readonly: "readonly", class: "share", value: location.href, "aria-label": "link to this comparison"});
  var box = h("div", {id: "charts"}), queue = chartQueue();
  out.append(speedups(t, sides), compareApart(I, sides, split), compareOptions(partial, split));
  if (sides.length > 1 && t.n) out.append(h("h2", {text: "Shared configurations, each over " + sides[0].label}), box);
  var follow = chartsFollow(box, function (into, q) {
    var div = h("div", {class: "chart"});
    into.appendChild(div);
    q.add(div, function () { return compareChart(div, I, t, sides); });
  });
  if (sides.length > 1 && t.n) follow(queue);
  out.appendChild(h("h2", {text: "Every configuration they share"}));
  var raw = [];
  sides.forEach(function (s) { s.meta.csv.forEach(function (href) { if (!raw.some(function (r) { return r.href === href; }))
    raw.push({href: href, download: true, text: "raw rows: " + href.split("/").pop()}); }); });
  Table({root: out, n: t.n, columns: compareColumns(I, t, sides), what: ["configuration", "configurations"], prefix: "t",
    sort: {key: sides.length > 1 ? "ratio1" : "fig0", dir: "desc"}, raw: raw, reference: t.cols.ref, toggles: referenceToggle(t.cols.ref),
    onChange: function () { if (sides.length > 1 && t.n) follow(); }, file: "compare-" + sides.map(function (s) { return s.env; }).join("-vs-"),
    filters: ["workload", "mode", "framework", "precision", "backend"].map(function (c) {
      return {key: c, label: c, codes: t.cols[c], dict: I.dict[KEY_DICTS[c]]}; })});
  out.append(compareDifferences(sides), compareLeftOut(sides, partial), h("p", {}, ["Link: ", link]));
  return queue.start();
}
