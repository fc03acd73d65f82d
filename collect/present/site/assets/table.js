/* global h, fmt, count, hashParams, setHash, sortedRows, rowTest, tableExtras, rankedFirst, columnKeys, sortedWithin, nextSort,
   filterChoices, pageOf, counterText */
// A table over `n` rows held column-wise: sort, filters, search and pages, the state in the URL fragment.
//
// o.bare: no "filter, search, options" box (a short list). Columns: {key, label, codes + dict (text) | num (numbers) | cell(i, position) (anything), href(i), fmt(v),
//   sort: false, sortValue(i), within (a code per row: the row's unit; sorted within each), level, wrap, note, csv(v) | false}. level 1 (default) is always shown; level 2 is
//   hidden on narrow screens; level 3 only with "all columns" ticked: the identifying column and the ranked figure
//   are level 1, so every table fits its page at 1400 and at 390 px.
// Filters: {key, label, codes, dict}. Search: {label, fields: [{codes, dict}]}. Toggles: {key, label, keep(i, on)}.
// reference: 1 for each row that is not ranked (another protocol's figure): whatever the sort, those rows come after
// the ranked ones, under a line that says so, never among them.

function Table(o) {
  var self = {o: o, size: o.pageSize || 50, ranks: {}, sorted: null, sortedBy: ""};
  self.state = tableState(o);
  self.root = h("div", {class: "table-block"});
  self.controls = h("div", {class: "controls"});
  self.counter = h("p", {class: "count", "aria-live": "polite"});
  self.table = h("table", {class: "data"});
  self.pager = h("div", {class: "pager"});
  // the filters fold away on a phone, so its first screen shows the ranking, not a column of menus
  var options = foldOnPhones(h("details", {class: "options"}, [h("summary", {text: "filter, search, options"}), self.controls]));
  self.root.append(o.bare ? "" : options, self.counter, h("div", {class: "scroll"}, [self.table]), self.pager);
  o.root.appendChild(self.root);
  tableControls(self);
  tableHead(self);
  tableExtras(self);
  tableApply(self, false);
  return self;
}

var PHONE = window.matchMedia("(max-width: 760px)");  // as site.css's narrow layout
function NARROW() { return PHONE.matches; }

// Open on a wide screen, folded on a phone, and following the width (a turned phone, a narrowed window) until the
// reader opens or closes it.
var FOLDS = [];
function foldOnPhones(details) {
  details.open = !NARROW();
  details.firstChild.addEventListener("click", function () { details.dataset.touched = "1"; });
  FOLDS = FOLDS.filter(function (d) { return d.isConnected; }).concat([details]);
  return details;
}
PHONE.addEventListener("change", function (e) {
  FOLDS.forEach(function (d) { if (!d.dataset.touched) d.open = !e.matches; });
});

function tableState(o) {  // the view as the address says: filters, search, sort, page, toggles
  var saved = hashParams(), p = o.prefix || "";
  var state = {q: saved.get(p + "q") || "", sort: saved.get(p + "sort") || o.sort.key,
               dir: saved.get(p + "dir") || o.sort.dir, page: Number(saved.get(p + "page") || 1), filters: {}, toggles: {}};
  (o.filters || []).forEach(function (f) { state.filters[f.key] = saved.get(p + f.key) || ""; });
  (o.toggles || []).forEach(function (t) { state.toggles[t.key] = saved.get(t.key) === "1"; });  // shared by the page's tables
  return state;
}

function tableControls(self) {
  var o = self.o;
  (o.filters || []).forEach(function (f) {
    var options = filterChoices(f.codes, f.dict, o.n);
    if (!options.length) return;  // one value throughout: nothing to choose
    var select = f.select = h("select", {name: f.key, "aria-label": f.label, onchange: function () {
      self.state.filters[f.key] = select.value; self.state.page = 1; tableApply(self, true); }},
      [h("option", {value: "", text: "any " + f.label})].concat(options.map(function (opt) {
        return h("option", {value: opt[0], text: (opt[0] || "(none)") + " (" + count(opt[1]) + ")"}); })));
    select.value = self.state.filters[f.key];
    if (select.value !== self.state.filters[f.key]) self.state.filters[f.key] = "";
    self.controls.appendChild(h("label", {}, [f.label + " ", select]));
  });
  if (o.search) {
    var timer = null, input = self.search = h("input", {type: "search", name: "q", placeholder: o.search.label, "aria-label": o.search.label});
    input.value = self.state.q;
    input.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(function () { self.state.q = input.value; self.state.page = 1; tableApply(self, "q"); }, 120);
    });
    self.controls.appendChild(input);
  }
}

function levelClass(c) { return (c.level > 1 ? "lv" + c.level + " " : "") + (c.num ? "num" : c.note ? "note" : c.wrap ? "wrap" : ""); }

function tableHead(self) {
  var tr = h("tr");
  self.o.columns.forEach(function (c) {
    var th = h("th", {scope: "col", class: levelClass(c), title: c.title});
    if (c.sort === false) th.textContent = c.label;
    else th.appendChild(h("button", {type: "button", data: {key: c.key}, onclick: function () {
      Object.assign(self.state, nextSort(self.state, c), {page: 1}); tableApply(self, true); }}, [c.label]));
    tr.appendChild(th);
  });
  self.table.appendChild(h("thead", {}, [tr]));
  self.body = h("tbody");
  self.table.appendChild(self.body);
}

function tableOrder(self) {  // every row, sorted; cached until the sort changes
  var by = self.state.sort + ":" + self.state.dir;
  if (self.sortedBy === by) return self.sorted;
  var cols = self.o.columns, c = cols.find(function (x) { return x.key === self.state.sort && x.sort !== false; }) ||
    cols.find(function (x) { return x.key === self.o.sort.key; });
  var keys = columnKeys(c, self.o.n, self.ranks);
  self.sorted = rankedFirst(c.within ? sortedWithin(keys, c.within, self.state.dir) : sortedRows(keys, self.state.dir), self.o.reference);
  self.sortedBy = by;
  return self.sorted;
}

function tableMatches(self) {  // whether row i passes the filters, the toggles and the search
  var o = self.o, s = self.state;
  var filters = (o.filters || []).map(function (f) { return {codes: f.codes, dict: f.dict, want: s.filters[f.key]}; });
  var keeps = (o.toggles || []).filter(function (t) { return t.keep; }).map(function (t) {
    return function (i) { return t.keep(i, s.toggles[t.key]); }; });
  return rowTest(filters, keeps, s.q, o.search && o.search.fields);
}

function tableApply(self, save) {
  var order = tableOrder(self), pass = tableMatches(self), rows = [], k;
  for (k = 0; k < order.length; k++) if (pass(order[k])) rows.push(order[k]);
  var p = pageOf(self.state.page, rows.length, self.size);
  self.state.page = p.page;
  self.rows = rows;
  tableBody(self, rows.slice(p.start, p.end), p.start);
  var total = self.o.n, what = self.o.what || ["row", "rows"];
  var base = rowTest([], (self.o.toggles || []).filter(function (t) { return t.keep && t.base; }).map(function (t) {
    return function (i) { return t.keep(i, self.state.toggles[t.key]); }; }));
  if (self.o.toggles && self.o.toggles.some(function (t) { return t.base; })) { total = 0; for (k = 0; k < self.o.n; k++) if (base(k)) total++; }
  self.counter.textContent = counterText(rows.length, total, p, self.size, what);
  self.counter.dataset.shown = rows.length; self.counter.dataset.total = total;
  tablePager(self, p.pages);
  Array.from(self.table.querySelectorAll("th")).forEach(function (th, j) {
    var key = self.o.columns[j].key;
    th.setAttribute("aria-sort", key === self.state.sort ? (self.state.dir === "desc" ? "descending" : "ascending") : "none");
  });
  if (save) tableSave(self, save);
  if (self.afterApply) self.afterApply();
  if (self.o.onChange) self.o.onChange(self);
}

function tableSave(self, kind) {  // kind "q": typing in the search box replaces the entry its first keystroke pushed
  var params = hashParams(), p = self.o.prefix || "", s = self.state;
  var set = function (k, v, dflt) { if (v && String(v) !== String(dflt)) params.set(p + k, v); else params.delete(p + k); };
  Object.keys(s.filters).forEach(function (k) { set(k, s.filters[k], ""); });
  set("q", s.q, ""); set("sort", s.sort, self.o.sort.key); set("dir", s.dir, self.o.sort.dir); set("page", s.page, 1);
  Object.keys(s.toggles).forEach(function (k) { if (s.toggles[k]) params.set(k, "1"); else params.delete(k); });
  setHash(params, !(kind === "q" && self.lastSave === "q"));
  self.lastSave = kind;
}

var REFERENCE_LINE = "References, not ranked: figures of other protocols (other harnesses' published figures, the classic " +
  "model.fit protocol, legacy wall times). Hover or tap a row's reference badge for what it timed.";

function tableBody(self, rows, start) {
  var body = h("tbody"), refs = self.o.reference;
  rows.forEach(function (i, k) {
    if (refs && refs[i] && (k === 0 || !refs[rows[k - 1]])) {
      body.appendChild(h("tr", {class: "apart"}, [h("td", {colspan: self.o.columns.length, text: self.o.referenceLine || REFERENCE_LINE})]));
    }
    var tr = h("tr", {class: refs && refs[i] ? "reference" : null});
    self.o.columns.forEach(function (c) {
      var value = c.cell ? c.cell(i, start + k) : c.codes ? c.dict[c.codes[i]] : (c.fmt || fmt)(c.num[i]);
      var td = h("td", {class: levelClass(c)});
      if (c.href && value !== "") td.appendChild(h("a", {href: c.href(i), text: value}));
      else if (value !== null && typeof value === "object") td.appendChild(value);
      else td.textContent = value === null || value === undefined ? "" : String(value);
      tr.appendChild(td);
    });
    body.appendChild(tr);
  });
  self.table.replaceChild(body, self.body);
  self.body = body;
}

function tablePager(self, pages) {
  var go = function (page) { return function () { self.state.page = page; tableApply(self, true); }; };
  var page = self.state.page;
  self.pager.hidden = pages <= 1;
  self.pager.replaceChildren(
    h("button", {type: "button", class: "first", disabled: page <= 1, onclick: go(1)}, ["« first"]),
    h("button", {type: "button", class: "prev", disabled: page <= 1, onclick: go(page - 1)}, ["‹ previous"]),
    h("span", {class: "page", text: "page " + count(page) + " of " + count(pages)}),
    h("button", {type: "button", class: "next", disabled: page >= pages, onclick: go(page + 1)}, ["next ›"]),
    h("button", {type: "button", class: "last", disabled: page >= pages, onclick: go(pages)}, ["last »"]));
}
