/* global h, fmt, count, plural, figure, column, KEY_COLS, KEY_DICTS, fieldsApart, nearestPairs */
// What a comparison names besides its table: what keeps two sides apart where they share nothing (the fields whose
// values never meet, and the nearest configurations they do have), the fingerprint fields that differ between the
// sides (device, CPU generation, instruction sets, math library, driver, framework version, power source, OS, ...: whatever
// the envs' fingerprints hold, those that make two chips of one name different first; the fields they agree on are only
// counted), and what the table left out and why.

function keyText(I, key, cols) {  // a configuration key as text: "resnet50 train torch fp32 bs64 eager"
  var parts = key.split(",");
  return cols.map(function (c, k) {
    var v = Number(parts[k]);
    return KEY_DICTS[c] ? I.dict[KEY_DICTS[c]][v] : (c === "batch_size" ? "bs" + v : v > 1 ? "x" + v : "");
  }).filter(Boolean).join(" ");
}

function valuesText(I, field, codes) {
  return codes.map(function (v) { return KEY_DICTS[field] ? I.dict[KEY_DICTS[field]][Number(v)] : String(v); }).slice(0, 6).join(", ") +
    (codes.length > 6 ? " … and " + count(codes.length - 6) + " more" : "");
}

function nearestList(I, a, b, cols) {  // the closest configurations of two sides, the fields they differ in named
  var pairs = nearestPairs(a.rows, b.rows, 8, cols);
  return h("ul", {class: "nearest"}, pairs.map(function (p) {
    var ja = a.rows.get(p.a), jb = b.rows.get(p.b), workload = I.dict.workload[Number(p.a.split(",")[0])];
    // the same workload (the figures share a unit) and protocol (they were timed alike): only then a ratio
    var f = figure(workload), same = p.differ.indexOf(0) < 0 && p.differ.indexOf(cols.indexOf("protocol")) < 0;
    var va = column(a.t, f.key)[ja], vb = column(b.t, f.key)[jb];
    var ratio = same && va && vb ? " · " + (vb / va).toFixed(2) + "×" : "";
    return h("li", {}, [h("strong", {text: p.differ.map(function (k) { return cols[k]; }).join(", ") + " differ: "}),
      a.label + ": " + keyText(I, p.a, cols) + (va ? " " + fmt(va / f.scale) + " " + f.unit : "") + " · " +
      b.label + ": " + keyText(I, p.b, cols) + (vb && same ? " " + fmt(vb / f.scale) + " " + f.unit : "") + ratio]);
  }));
}

function compareApart(I, sides, split) {  // for each side that shares nothing with the first: why, and what is near
  var box = h("section", {id: "apart"}), cols = split ? KEY_COLS.concat(["version"]) : KEY_COLS, base = sides[0];
  sides.slice(1).forEach(function (s) {
    var shared = 0;
    s.rows.forEach(function (j, key) { if (base.rows.has(key)) shared++; });
    if (shared) return;
    var apart = fieldsApart(base.rows, s.rows, cols);
    box.append(h("h2", {text: s.label + " and " + base.label + " share no configuration"}),
      apart.length ? h("ul", {class: "apart"}, apart.map(function (f) {
        return h("li", {data: {field: f.field}}, [h("strong", {text: f.field}), ": " + base.label + " has " + valuesText(I, f.field, f.a) +
          "; " + s.label + " has " + valuesText(I, f.field, f.b)]);
      })) : h("p", {text: "Every field has values in common, but never all in one configuration."}),
      h("p", {class: "note", text: "The nearest configurations they do have (the fewest fields apart):"}), nearestList(I, base, s, cols));
  });
  return box;
}

function fpValues(meta) {  // label -> the env's values of each fingerprint field but its run ids (those always differ)
  var out = new Map();
  meta.fp.forEach(function (f) { if (f[0] !== "run") out.set(f[0], f[1].join(" · ") + (f[2] > f[1].length ? " … and " + count(f[2] - f[1].length) + " more" : "")); });
  return out;
}

// The fingerprint fields that make one device name run differently: the chip's generation and instruction sets, the math
// library its framework calls, a GPU's compute capability, core count, power limit and clock. Listed first where they differ.
var IDENTITY = ["CPU generation", "instruction sets", "CPU family/model/stepping", "math library", "compute capability",
                "SMs / GPU cores", "power limit W", "max SM clock MHz"];

function differenceItem(r, sides) {
  return h("li", {data: {field: r.label}, class: IDENTITY.indexOf(r.label) >= 0 ? "identity" : null},
    [h("strong", {text: r.label}), ": "].concat(sides.map(function (s, k) {
      return h("span", {class: "side"}, [(k ? " · " : "") + s.label + ": ", h("span", {class: "value", text: r.values[k]})]);
    })));
}

function compareDifferences(sides) {
  var box = h("section", {id: "differences"}, [h("h2", {text: "What differs"})]);
  if (sides.length < 2) return box;
  var values = sides.map(function (s) { return fpValues(s.meta); }), labels = [];
  values.forEach(function (v) { v.forEach(function (x, label) { if (labels.indexOf(label) < 0) labels.push(label); }); });
  var rows = labels.map(function (label) {
    return {label: label, values: values.map(function (v) { return v.has(label) ? v.get(label) : "(not stated)"; })};
  });
  rows.unshift({label: "device kind", values: sides.map(function (s) { return s.kind || "(not stated)"; })});  // one env's two sides
  var differ = rows.filter(function (r) { return r.values.some(function (v) { return v !== r.values[0]; }); });
  var chip = differ.filter(function (r) { return IDENTITY.indexOf(r.label) >= 0; });
  differ = chip.concat(differ.filter(function (r) { return chip.indexOf(r) < 0; }));  // what makes them different chips first
  if (chip.length) {
    box.appendChild(h("p", {class: "warning identity", text: "Their " + chip.map(function (r) { return r.label; }).join(", ").replace(/, ([^,]*)$/, " and $1") + " differ: " +
      "what one device name can do changes with these, so part of any gap between them is this, not the rest of the machine."}));
  }
  box.append(differ.length ? h("ul", {class: "differ"}, differ.map(function (r) { return differenceItem(r, sides); })) :
    h("p", {text: "Their fingerprints agree on every field they state."}),
    h("p", {class: "note", text: plural(rows.length - differ.length, "field") + " the same for all of them (not listed)."}));
  return box;
}

// Configurations not in the table (the table shows those `need` of the sides have): how many, per side, and why.
function compareLeftOut(sides, need) {
  var box = h("section", {id: "left-out"});
  if (sides.length < 2) return box;
  var have = new Map(), partial = need < sides.length;
  sides.forEach(function (s) { s.rows.forEach(function (j, key) { have.set(key, (have.get(key) || 0) + 1); }); });
  var items = [];
  sides.forEach(function (s) {
    var missing = 0;
    s.rows.forEach(function (j, key) { if (have.get(key) < need) missing++; });
    if (missing) items.push(h("li", {data: {side: s.label}, text: s.label + ": " + plural(missing, "configuration") + " of its " +
      count(s.rows.size) + (partial ? " that no other side has" : " that not every other side has")}));
  });
  box.append(h("h2", {text: "Left out"}), items.length ? h("ul", {class: "left-out"}, items) :
    h("p", {text: "Nothing: every configuration of each is in the table."}),
    h("p", {class: "note", text: "A configuration is workload, model, mode, framework, precision, batch, devices, backend and protocol; " +
      "only those measured by " + (partial ? "two or more" : "all") + " of them can be set side by side."}));
  return box;
}
