// The comparison's pure logic (collect/present/site/assets/compare_logic.js): `node --test tests/js/`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const {asset, logic} = require("./assets.js");
const L = logic();
const C = asset("compare_logic.js");

// Five sides that share in pairs only, as a visitor found them: a and b share k1 and k2, b and c share k3, d and e k4
// (a reference: another protocol on both), and k5 is a's alone.
function fiveSides() {
  const rows = (keys) => new Map(keys.map((k, j) => [k, j]));
  return [rows(["k1", "k2", "k5"]), rows(["k1", "k2", "k3"]), rows(["k3"]), rows(["k4"]), rows(["k4"])].map((m) => ({rows: m}));
}
const FIGS = {k1: [100, 200, null, null, null], k2: [10, 40, null, null, null], k3: [null, 50, 25, null, null],
              k4: [null, null, null, 3, 6], k5: [7, null, null, null, null]};

test("with three or more sides the table shows what at least two share; two sides, what both have", () => {
  assert.equal(C.shareNeed(5, null), 2);
  assert.equal(C.shareNeed(5, "1"), 2, "an older link's 'only some share'");
  assert.equal(C.shareNeed(5, "0"), 5, "the reader unticked it: only what all five share");
  assert.equal(C.shareNeed(2, null), 2);
  assert.equal(C.shareNeed(2, "0"), 2);
  assert.equal(C.shareNeed(1, null), 1);
  const keys = L.sharedKeys(fiveSides(), C.shareNeed(5, null));
  assert.deepEqual(keys, ["k1", "k2", "k3", "k4"], "k5 is one side's only");
  assert.deepEqual(L.sharedKeys(fiveSides(), C.shareNeed(5, "0")), [], "nothing is shared by all five");
});

test("each row counts the sides that have it, and a view keeps the rows enough sides share", () => {
  const keys = ["k1", "k2", "k3", "k4"], figs = [0, 1, 2, 3, 4].map((k) => keys.map((key) => FIGS[key][k]));
  const counts = C.sidesWith(figs, keys.length);
  assert.deepEqual(counts, [2, 2, 2, 2]);
  assert.deepEqual(C.rowsShared([2, 3, 5, 2], 3), [1, 2]);
  assert.deepEqual(C.rowsShared([2, 3, 5, 2], 2), [0, 1, 2, 3]);
});

test("a ratio is each figure over the base side's on its row, empty where either lacks it", () => {
  assert.deepEqual(C.ratioTo([200, 40, 50, null], [100, 10, null, 5]), [2, 4, null, null]);
  assert.deepEqual(C.ratioTo([3], [0]), [null], "nothing divides by zero");
});

test("each pair's mean is over what that pair shares, whatever the other sides lack", () => {
  const keys = ["k1", "k2", "k3", "k4"], figs = [0, 1, 2, 3, 4].map((k) => keys.map((key) => FIGS[key][k]));
  const refs = [0, 0, 0, 1];  // k4: another protocol on both sides that have it
  const pairs = C.pairStats(figs, refs);
  assert.equal(pairs.length, 10, "every pair of five");
  assert.deepEqual(pairs.slice(0, 4).map((p) => [p.a, p.b]), [[0, 1], [0, 2], [0, 3], [0, 4]], "the baseline's pairs first");
  const of = (a, b) => pairs.find((p) => p.a === a && p.b === b);
  assert.equal(of(0, 1).n, 2);
  assert.ok(Math.abs(of(0, 1).g - Math.sqrt(2 * 4)) < 1e-12, "the geometric mean of 200/100 and 40/10");
  assert.equal(of(1, 2).n, 1);
  assert.equal(of(1, 2).g, 0.5, "c over b on k3 alone, though a lacks k3");
  assert.equal(of(0, 2).n, 0);
  assert.equal(of(0, 2).g, null, "a and c share nothing");
  assert.deepEqual([of(3, 4).n, of(3, 4).g, of(3, 4).refN, of(3, 4).refG], [0, null, 1, 2], "a reference pair: apart from the ranked");
});

test("the chart draws rows the baseline shares with another side, ranked first, references after", () => {
  const figs = [[1, null, 2, 3, 4, 5], [2, 1, null, 4, 8, 1], [null, 3, 3, null, null, null]];
  const refs = [0, 0, 0, 1, 0, 0];
  assert.deepEqual(C.compareChartRows(figs, refs, 30, 10), [0, 2, 4, 5, 3]);
  assert.deepEqual(C.compareChartRows(figs, refs, 2, 0), [0, 2], "at most `limit` ranked, no references where hidden");
});

test("per joule: a column per side and scope, like scopes together, a ratio only within one measured scope", () => {
  const gpu = {scope: "gpu", short: "GPU only"}, cpu = {scope: "cpu", short: "CPU package"}, unstated = {scope: "unstated", short: "method not recorded"};
  const perj = [[10, 20, null], [5, null, 7], [40, 80, null], [null, 3, null]];
  const scopes = [[cpu, cpu, null], [gpu, null, cpu], [gpu, gpu, null], [null, unstated, null]];
  const cols = C.perJouleColumns(perj, scopes);
  assert.deepEqual(cols.map((c) => [c.k, c.scope]), [[0, "cpu"], [1, "cpu"], [1, "gpu"], [2, "gpu"], [3, "unstated"]]);
  assert.deepEqual(cols[1].values, [null, null, 7], "side 1's RAPL row in its CPU column");
  assert.deepEqual(cols[2].values, [5, null, null], "side 1's NVML row never among its RAPL rows");
  assert.deepEqual(cols.map((c) => c.base), [-1, 0, -1, 2, -1], "a GPU figure is divided only by a GPU figure");
  assert.deepEqual(cols.map((c) => c.alone), [true, false, false, true, true]);
  const stated = C.perJouleColumns([[1], [2]], [[{scope: "stated", short: "as published"}], [{scope: "stated", short: "as published"}]]);
  assert.deepEqual(stated.map((c) => c.base), [-1, -1], "two sources' published powers are not alike either");
  assert.equal(C.comparableScope("unstated"), false);
  assert.equal(C.comparableScope("soc"), true);
});

test("the picker has a box for every side of the link, one more while there is room, four at least", () => {
  assert.equal(C.pickerSlots(0, 6), 4);
  assert.equal(C.pickerSlots(2, 6), 4);
  assert.equal(C.pickerSlots(5, 6), 6, "five envs: five boxes filled and one to add");
  assert.equal(C.pickerSlots(6, 6), 6);
  assert.equal(C.pickerSlots(7, 6), 7, "a link past the cap keeps every side");
});
