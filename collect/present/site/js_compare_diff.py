"""The site's JavaScript, part 9: what a comparison names besides its table: the fingerprint fields that differ
between the sides (device, driver, framework version, power source, OS, CPU, ...: whatever the envs' fingerprints
hold; the fields they agree on are only counted), and what the table left out and why."""

COMPARE_DIFF = r"""
function fpValues(meta) {  // label -> the env's values of that fingerprint field, as one text
  var out = new Map();
  meta.fp.forEach(function (f) { out.set(f[0], f[1].join(" · ") + (f[2] > f[1].length ? " … and " + count(f[2] - f[1].length) + " more" : "")); });
  return out;
}

function compareDifferences(sides) {
  var box = h("section", {id: "differences"}, [h("h2", {text: "What differs"})]);
  if (sides.length < 2) return box;
  var values = sides.map(function (s) { return fpValues(s.meta); }), labels = [];
  values.forEach(function (v) { v.forEach(function (x, label) { if (labels.indexOf(label) < 0) labels.push(label); }); });
  var rows = labels.map(function (label) {
    return {label: label, values: values.map(function (v) { return v.has(label) ? v.get(label) : "(not stated)"; })};
  });
  // Two sides of one env (device kinds, versions) share its fingerprint: what tells them apart comes first.
  [["device kind", "kind"], ["framework version (major.minor)", "version"]].forEach(function (f) {
    rows.unshift({label: f[0], values: sides.map(function (s) { return s[f[1]] || "(not stated)"; })});
  });
  var differ = rows.filter(function (r) { return r.values.some(function (v) { return v !== r.values[0]; }); });
  var list = h("ul", {class: "differ"}, differ.map(function (r) {
    return h("li", {data: {field: r.label}}, [h("strong", {text: r.label}), ": "].concat(sides.map(function (s, k) {
      return h("span", {class: "side"}, [(k ? " · " : "") + s.label + ": ", h("span", {class: "value", text: r.values[k]})]);
    })));
  }));
  box.append(differ.length ? list : h("p", {text: "Their fingerprints agree on every field they state."}),
    h("p", {class: "note", text: plural(rows.length - differ.length, "field") + " the same for all of them (not listed)."}));
  return box;
}

function compareLeftOut(sides, partial) {  // configurations not in the table: how many, per side, and why
  var box = h("section", {id: "left-out"});
  if (sides.length < 2) return box;
  var have = new Map();
  sides.forEach(function (s) { s.rows.forEach(function (j, key) { have.set(key, (have.get(key) || 0) + 1); }); });
  var need = partial ? 2 : sides.length, items = [];
  sides.forEach(function (s) {
    var missing = 0;
    s.rows.forEach(function (j, key) { if (have.get(key) < need) missing++; });
    if (missing) items.push(h("li", {data: {side: s.label}, text: s.label + ": " + plural(missing, "configuration") + " of its " +
      count(s.rows.size) + (partial ? " that no other side has" : " that not every other side has")}));
  });
  box.append(h("h2", {text: "Left out"}), items.length ? h("ul", {class: "left-out"}, items) :
    h("p", {text: "Nothing: every configuration of each is in the table."}),
    h("p", {class: "note", text: "A configuration is workload, model, mode, framework, precision, batch, devices and backend; " +
      "only those measured by " + (partial ? "two or more" : "all") + " of them can be set side by side."}));
  return box;
}
"""
