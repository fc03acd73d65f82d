/* global geomean */
// The comparison's pure logic: which configurations the table shows, each pair's geometric mean over what that pair
// shares, which per-joule figures may be set one against the other, and how many boxes the picker needs. No DOM here: node's tests
// (tests/js/compare_logic.test.js) load this file with require(), logic.js's functions made global as the browser's
// one site.js scope has them.

// How many sides must have a configuration for the table to show it. Two sides: both. Three or more: at least two
// unless the reader asks for what all of them share (partial=0); partial=1, an older link's "only some share", is the
// same as the default. A table of what all six share is often empty: shown by default, it reads "0 of 0".
function shareNeed(sides, partial) {
  if (sides < 3) return sides;
  return partial === "0" ? sides : 2;
}

// Per row of the comparison, how many sides have a figure for it (figs: a column per side, null where it lacks the row).
function sidesWith(figs, n) {
  var out = new Array(n).fill(0);
  figs.forEach(function (values) { for (var r = 0; r < n; r++) if (values[r] !== null && values[r] !== undefined) out[r]++; });
  return out;
}

// The rows of a comparison that `need` sides have.
function rowsShared(counts, need) {
  var out = [];
  counts.forEach(function (c, r) { if (c >= need) out.push(r); });
  return out;
}

// Each value over the base side's on the same row; null where either lacks it (or the base is 0).
function ratioTo(values, base) {
  return values.map(function (v, r) { var b = base[r]; return v === null || v === undefined || !b ? null : v / b; });
}

// The geometric mean of b over a on the rows `keep` passes that both have: {g, n}. A pair's mean never depends on
// the other sides: two sides that share 5 configurations get a mean over those 5, whatever a third side lacks.
function pairMean(fa, fb, keep) {
  var ratios = [];
  for (var r = 0; r < fa.length; r++) {
    if (fa[r] > 0 && fb[r] > 0 && keep(r)) ratios.push(fb[r] / fa[r]);
  }
  return {g: geomean(ratios), n: ratios.length};
}

// Every pair of sides (a before b, the baseline's pairs first): b's figure over a's on the ranked configurations the two
// share, and apart from it on the references (other protocols) they share. refs: 1 for each row that is a reference.
function pairStats(figs, refs) {
  var out = [];
  for (var a = 0; a < figs.length; a++) {
    for (var b = a + 1; b < figs.length; b++) {
      var ranked = pairMean(figs[a], figs[b], function (r) { return !refs[r]; });
      var ref = pairMean(figs[a], figs[b], function (r) { return !!refs[r]; });
      out.push({a: a, b: b, g: ranked.g, n: ranked.n, refG: ref.g, refN: ref.n});
    }
  }
  return out;
}

// The rows the comparison's chart draws: each bar is a side over the baseline, so a row needs the baseline's figure and
// at least one other side's; the ranked ones first (up to `limit`), the references after them (up to `refLimit`).
function compareChartRows(figs, refs, limit, refLimit) {
  var ranked = [], others = [];
  for (var r = 0; r < figs[0].length; r++) {
    if (figs[0][r] === null) continue;
    if (!figs.slice(1).some(function (values) { return values[r] !== null; })) continue;
    (refs[r] ? others : ranked).push(r);
  }
  return ranked.slice(0, limit).concat(others.slice(0, refLimit));
}

// ---- per joule --------------------------------------------------------------------------------------------------------
// Figures of two energy scopes are not alike: NVML reads the GPU alone (not the CPU that feeds it), RAPL the CPU package,
// powermetrics an Apple chip's package; a published power is as its source measured it, and an older row's method is not
// recorded. Only figures of one measured scope may be divided one by the other.
function comparableScope(scope) { return !!scope && scope !== "stated" && scope !== "unstated"; }

// The per-joule columns of a comparison: one per side and energy scope it has (a side's rows of another scope get a
// column of their own, never a cell among the others), grouped by scope so like figures stand together. A column's
// `base` is the first column of the same comparable scope (the figures a ratio may divide by), else -1.
// perj: a column per side (null where not measured); scopes: a column per side of each row's scope (logic.js
// energyScope: {scope, short, ...}, null where not measured).
function perJouleColumns(perj, scopes) {
  var cols = [];
  perj.forEach(function (values, k) {
    var byScope = new Map();
    values.forEach(function (v, r) {
      if (v === null || v === undefined) return;
      var s = scopes[k][r] || {scope: "unstated", short: "method not recorded"};
      if (!byScope.has(s.scope)) byScope.set(s.scope, {k: k, scope: s.scope, short: s.short, why: s.scopeWhy || "", values: values.map(function () { return null; })});
      byScope.get(s.scope).values[r] = v;
    });
    byScope.forEach(function (c) { cols.push(c); });
  });
  var order = [], sorted = [];
  cols.forEach(function (c) { if (order.indexOf(c.scope) < 0) order.push(c.scope); });
  order.forEach(function (scope) { cols.forEach(function (c) { if (c.scope === scope) sorted.push(c); }); });
  sorted.forEach(function (c, i) {
    var first = sorted.findIndex(function (d) { return d.scope === c.scope; });
    c.base = comparableScope(c.scope) && first < i ? first : -1;
    c.alone = !sorted.some(function (d) { return d !== c && d.k === c.k; });  // the side's only per-joule column
  });
  return sorted;
}

// ---- the picker -------------------------------------------------------------------------------------------------------
// How many boxes the picker shows: every entry of the address (a link of seven keeps its seven, even past what fits side
// by side), one empty box to add another while there is room, and four at least.
function pickerSlots(entries, max) {
  return Math.max(4, entries + (entries < max ? 1 : 0));
}

if (typeof module === "object" && module.exports) {
  module.exports = {shareNeed: shareNeed, sidesWith: sidesWith, rowsShared: rowsShared, ratioTo: ratioTo, pairMean: pairMean,
    pairStats: pairStats, compareChartRows: compareChartRows, comparableScope: comparableScope, perJouleColumns: perJouleColumns,
    pickerSlots: pickerSlots};
}
