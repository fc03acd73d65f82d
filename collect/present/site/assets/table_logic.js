/* global sortedRows, dictRank, count */
// The table's pure logic (table.js draws it): sort keys, sorting within a unit, the next sort on a header click, a
// filter's choices, paging and the counter line. No DOM here: node's tests (tests/js/table_logic.test.js) load this file
// with require(), logic.js's functions made global as the browser's one site.js scope has them.

// A number per row to sort a column by: numbers as they are (NaN where none), text by its rank in the column's
// dictionary in natural order (ranks: a cache, dictionary rank per column key), anything else by its sortValue(i).
function columnKeys(c, n, ranks) {
  var keys = new Float64Array(n), i;
  if (c.num) {
    for (i = 0; i < n; i++) keys[i] = c.num[i] === null || c.num[i] === undefined ? NaN : c.num[i];
    return keys;
  }
  if (c.codes) {
    var rank = ranks[c.key] || (ranks[c.key] = dictRank(c.dict));
    for (i = 0; i < n; i++) keys[i] = rank[c.codes[i]];
    return keys;
  }
  for (i = 0; i < n; i++) keys[i] = c.sortValue ? c.sortValue(i) : i;
  return keys;
}

// Rows sorted within their unit: a column that holds figures of several units (a comparison's samples/s beside its
// TFLOP/s and GB/s) sorts each unit's rows among themselves, the units one after the other (by `groups`, a code per
// row, in code order), so 47 GB/s never stands between 1,200 and 900 samples/s. Unmeasured rows last either way.
function sortedWithin(keys, groups, dir) {
  var order = sortedRows(keys, dir), measured = [], unmeasured = [];
  order.forEach(function (i) { (keys[i] !== keys[i] ? unmeasured : measured).push(i); });
  var codes = Array.from(new Set(measured.map(function (i) { return groups[i]; }))).sort(function (a, b) { return a - b; });
  var out = [];
  codes.forEach(function (code) { measured.forEach(function (i) { if (groups[i] === code) out.push(i); }); });
  return out.concat(unmeasured);
}

// The sort after a click on a column's header: the same column again turns the direction; another column starts with
// its largest numbers first, or its text from A.
function nextSort(state, column) {
  if (state.sort === column.key) return {sort: column.key, dir: state.dir === "desc" ? "asc" : "desc"};
  return {sort: column.key, dir: column.num ? "desc" : "asc"};
}

// A filter's choices: [label, how many rows] per value, in natural order; none where the column has one value only
// (nothing to choose).
function filterChoices(codes, dict, n) {
  var seen = new Map();
  for (var i = 0; i < n; i++) seen.set(codes[i], (seen.get(codes[i]) || 0) + 1);
  if (seen.size < 2) return [];
  return Array.from(seen.keys()).map(function (c) { return [dict[c], seen.get(c)]; })
    .sort(function (a, b) { return String(a[0]).localeCompare(String(b[0]), "en", {numeric: true}); });
}

// The page shown of `rows` rows at `size` a page: the one asked for, kept within 1..pages (a filter that leaves fewer
// rows moves the reader back to the last page there is), and the rows it holds [start, end).
function pageOf(page, rows, size) {
  var pages = Math.max(1, Math.ceil(rows / size)), at = Math.min(Math.max(1, page || 1), pages);
  var start = (at - 1) * size;
  return {page: at, pages: pages, start: start, end: Math.min(start + size, rows)};
}

// "12 of 340 configurations · showing 1–50": the rows that pass over the rows there are, the page's span when there are
// several pages. what: [one, many].
function counterText(shown, total, p, size, what) {
  return count(shown) + " of " + count(total) + " " + (total === 1 ? what[0] : what[1]) +
    (shown > size ? " · showing " + count(p.start + 1) + "–" + count(p.end) : "");
}

if (typeof module === "object" && module.exports) {
  module.exports = {columnKeys: columnKeys, sortedWithin: sortedWithin, nextSort: nextSort, filterChoices: filterChoices,
    pageOf: pageOf, counterText: counterText};
}
