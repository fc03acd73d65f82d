/* global h, count, plural, hashParams, setHash, onNavigate, tableApply, tableState, csvText, poolKeep */
// What every table has besides sorting and filtering: toggles whose state is in the address ("pool versions",
// "hide flagged rows", "all columns"), the view as a CSV download, a link to the raw rows behind it, and the view
// restored when back or forward changes the address.
//
// The download is built in the browser from the rows the table holds after its filters, toggles and sort: every
// page of them, every column (shown or collapsed), figures in the unit the column names and at full precision.

function cellText(c, i, position) {  // a cell as the download writes it
  if (c.csvValue) return c.csvValue(i);
  if (c.cell) {
    var v = c.cell(i, position);
    return v !== null && typeof v === "object" ? (v.dataset.csv !== undefined ? v.dataset.csv : v.textContent) : v;
  }
  if (c.codes) return c.dict[c.codes[i]];
  var x = c.num[i];
  return x === null || x === undefined ? "" : c.csv ? c.csv(x) : String(x);
}

function tableCsv(self) {  // every row of the filtered, sorted view (all its pages)
  var cols = self.o.columns.filter(function (c) { return c.csv !== false; });
  return csvText(cols.map(function (c) { return c.csvLabel || c.label; }),
                 self.rows.map(function (i, k) { return cols.map(function (c) { return cellText(c, i, k); }); }));
}

function download(text, name) {
  var url = URL.createObjectURL(new Blob([text], {type: "text/csv;charset=utf-8"}));
  var a = h("a", {href: url, download: name});
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
}

function toggleBox(self, t) {
  var box = t.box = h("input", {type: "checkbox", name: t.key, onchange: function () {
    self.state.toggles[t.key] = box.checked; self.state.page = 1;
    if (t.key === "cols") self.root.classList.toggle("all-cols", box.checked);
    tableApply(self, true); }});
  box.checked = self.state.toggles[t.key];
  self.controls.appendChild(h("label", {class: "toggle", title: t.title || ""}, [box, " " + t.label]));
}

function tableExtras(self) {
  var o = self.o;
  if (o.columns.some(function (c) { return c.level === 3; })) {  // the collapsed columns, on request
    o.toggles = (o.toggles || []).concat([{key: "cols", label: "all columns", title: "show every column; the table scrolls sideways"}]);
    self.state.toggles.cols = hashParams().get("cols") === "1";
  }
  (o.toggles || []).forEach(function (t) { toggleBox(self, t); });
  self.root.classList.toggle("all-cols", !!self.state.toggles.cols);
  var button = h("button", {type: "button", class: "download", onclick: function () {
    download(tableCsv(self), (o.file || "view") + ".csv"); }});
  var line = h("p", {class: "downloads-line"}, [button]);
  if (o.raw) o.raw.forEach(function (r) { line.append(" · ", h("a", {href: r.href, download: r.download ? "" : null, text: r.text})); });
  self.root.insertBefore(line, self.counter.nextSibling);
  var what = o.what || ["row", "rows"];
  self.afterApply = function () {
    var pages = Math.max(1, Math.ceil(self.rows.length / self.size));
    button.textContent = "download this view (CSV): " + plural(self.rows.length, what[0], what[1]) +
      (pages > 1 ? ", all " + count(pages) + " pages" : "");
  };
  onNavigate(function () { tableRestore(self); });
}

function tableRestore(self) {  // back or forward: the view the address now names, without a new history entry
  self.state = tableState(self.o);
  (self.o.filters || []).forEach(function (f) { if (f.select) f.select.value = self.state.filters[f.key]; });
  (self.o.toggles || []).forEach(function (t) { if (t.box) t.box.checked = self.state.toggles[t.key]; });
  self.root.classList.toggle("all-cols", !!self.state.toggles.cols);
  if (self.search) self.search.value = self.state.q;
  tableApply(self, false);
}

function poolToggle(pool) {  // versions apart unless pooled; the count's total is the rows of the view
  var keep = function (i, on) { return poolKeep(pool, on)(i); };
  return {key: "pool", label: "pool versions", base: true, keep: keep,
          title: "one line per configuration over every framework version, instead of a line per major.minor version"};
}
// References (rows of another protocol than devicebench's measured one) are shown after the ranked rows by default;
// this hides them. None where the table has no reference.
function referenceToggle(refs) {
  if (!refs || !refs.some(function (v) { return v; })) return [];
  return [{key: "noref", label: "hide references", keep: function (i, on) { return !on || !refs[i]; },
           title: "leave out the rows of other protocols (other harnesses' published figures, classic model.fit, legacy): " +
             "they are never ranked, and shown after the ranked rows"}];
}
function flaggedToggle(flags) {  // caveats (collect.present.flags): rows with any are hidden on request
  return {key: "clean", label: "hide flagged rows", keep: function (i, on) { return !on || !flags[i]; },
          title: "leave out rows marked unsteady, noisy, bimodal, partial, input pipeline, over peak, published, outlier or above roof"};
}
