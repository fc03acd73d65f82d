"""The site's JavaScript, part 6: what every table has besides sorting and filtering: toggles whose state is in the
address ("pool versions"), the view as a CSV download, a link to the raw rows behind it, and the view restored when
back or forward changes the address.

The download is built in the browser from the rows the table holds after its filters, toggles and sort: every page
of them, the columns on screen. A cell a spreadsheet would read as a formula (=, +, -, @, tab, carriage return
first) gets a ' in front; every cell is quoted where it needs to be (RFC 4180).
"""

VIEWS = r"""
function csvCell(value) {
  var s = value === null || value === undefined ? "" : String(value);
  if (/^[=+\-@\t\r]/.test(s)) s = "'" + s;  // inert in a spreadsheet: never a formula
  return /[",\r\n]/.test(s) || s !== s.trim() ? '"' + s.replace(/"/g, '""') + '"' : s;
}

function cellText(c, i, position) {  // a cell as the download writes it: the text on screen, numbers at full precision
  if (c.cell) { var v = c.cell(i, position); return v !== null && typeof v === "object" ? v.textContent : v; }
  if (c.codes) return c.dict[c.codes[i]];
  var x = c.num[i];
  return x === null || x === undefined ? "" : c.csv ? c.csv(x) : String(x);
}

function tableCsv(self) {  // every row of the filtered, sorted view (all its pages), the columns on screen
  var cols = self.o.columns.filter(function (c) { return c.csv !== false; });
  var lines = [cols.map(function (c) { return csvCell(c.label); }).join(",")];
  self.rows.forEach(function (i, k) { lines.push(cols.map(function (c) { return csvCell(cellText(c, i, k)); }).join(",")); });
  return lines.join("\r\n") + "\r\n";
}

function download(text, name) {
  var url = URL.createObjectURL(new Blob([text], {type: "text/csv;charset=utf-8"}));
  var a = h("a", {href: url, download: name});
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
}

function tableExtras(self) {
  var o = self.o;
  (o.toggles || []).forEach(function (t) {
    var box = t.box = h("input", {type: "checkbox", name: t.key, onchange: function () {
      self.state.toggles[t.key] = box.checked; self.state.page = 1; tableApply(self, true); }});
    box.checked = self.state.toggles[t.key];
    self.controls.appendChild(h("label", {title: t.title || ""}, [box, " " + t.label]));
  });
  var button = h("button", {type: "button", class: "download", onclick: function () {
    download(tableCsv(self), (o.file || "view") + ".csv"); }});
  var line = h("p", {class: "downloads-line"}, [button]);
  if (o.raw) o.raw.forEach(function (r) { line.append(" · ", h("a", {href: r.href, download: r.download ? "" : null, text: r.text})); });
  self.root.insertBefore(line, self.counter.nextSibling);
  self.afterApply = function () {
    var pages = Math.max(1, Math.ceil(self.rows.length / self.size));
    button.textContent = "download this view (CSV): " + plural(self.rows.length, o.what ? o.what.replace(/s$/, "") : "row") +
      (pages > 1 ? ", all " + count(pages) + " pages" : "") + ", filters and sort applied";
  };
  onNavigate(function () { tableRestore(self); });
}

function tableRestore(self) {  // back or forward: the view the address now names, without a new history entry
  self.state = tableState(self.o);
  (self.o.filters || []).forEach(function (f) { if (f.select) f.select.value = self.state.filters[f.key]; });
  (self.o.toggles || []).forEach(function (t) { if (t.box) t.box.checked = self.state.toggles[t.key]; });
  if (self.search) self.search.value = self.state.q;
  tableApply(self, false);
}

function poolToggle(extra) {  // versions apart (pool code 1) or pooled (2); 0 is shown either way
  return Object.assign({key: "pool", label: "pool versions", title: "one line per configuration over every framework " +
    "version, instead of a line per major.minor version"}, extra || {});
}
function poolKeep(pool) { return function (i, toggles) { return toggles.pool ? pool[i] !== 1 : pool[i] !== 2; }; }
"""
