// The table's pure logic (collect/present/site/assets/table_logic.js): `node --test tests/js/`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const T = require("./assets.js").asset("table_logic.js");

test("a column of several units sorts each unit's rows among themselves, unmeasured rows last", () => {
  // rows: 1,200 and 900 samples/s (unit 0), 47 and 52 GB/s (unit 1), one unmeasured
  const keys = [1200, 47, NaN, 900, 52], units = [0, 1, 0, 0, 1];
  assert.deepEqual(T.sortedWithin(keys, units, "desc"), [0, 3, 4, 1, 2]);
  assert.deepEqual(T.sortedWithin(keys, units, "asc"), [3, 0, 1, 4, 2], "the units keep their order either way");
  assert.deepEqual(T.sortedWithin([5, 5, 7], [1, 1, 1], "desc"), [2, 0, 1], "ties keep row order");
});

test("a column's sort keys: numbers as they are, text by natural order, anything else by its sortValue", () => {
  const ranks = {};
  assert.deepEqual(Array.from(T.columnKeys({key: "v", num: [3, null, undefined, 1]}, 4, ranks)), [3, NaN, NaN, 1]);
  const text = {key: "batch", codes: [0, 1, 2], dict: ["bs10", "bs2", "a"]};
  assert.deepEqual(Array.from(T.columnKeys(text, 3, ranks)), [2, 1, 0]);
  assert.ok(ranks.batch, "the dictionary's rank is kept for the next sort");
  assert.deepEqual(Array.from(T.columnKeys({key: "x", sortValue: (i) => 10 - i}, 3, ranks)), [10, 9, 8]);
  assert.deepEqual(Array.from(T.columnKeys({key: "y"}, 3, ranks)), [0, 1, 2], "no key: row order");
});

test("a header click turns the direction of the same column and starts another at its largest numbers or A", () => {
  assert.deepEqual(T.nextSort({sort: "rate", dir: "desc"}, {key: "rate", num: []}), {sort: "rate", dir: "asc"});
  assert.deepEqual(T.nextSort({sort: "rate", dir: "asc"}, {key: "rate", num: []}), {sort: "rate", dir: "desc"});
  assert.deepEqual(T.nextSort({sort: "rate", dir: "asc"}, {key: "tflops", num: []}), {sort: "tflops", dir: "desc"});
  assert.deepEqual(T.nextSort({sort: "rate", dir: "desc"}, {key: "model", codes: []}), {sort: "model", dir: "asc"});
});

test("a filter offers each value with its count in natural order, and nothing where there is one value", () => {
  const dict = ["bs64", "bs8", "bs128"];
  assert.deepEqual(T.filterChoices([0, 1, 1, 2, 0, 1], dict, 6), [["bs8", 3], ["bs64", 2], ["bs128", 1]]);
  assert.deepEqual(T.filterChoices([1, 1, 1], dict, 3), []);
  assert.deepEqual(T.filterChoices([0, 1, 2], dict, 2), [["bs8", 1], ["bs64", 1]], "only the table's n rows count");
});

test("paging keeps the page within the pages there are and says which rows it shows", () => {
  assert.deepEqual(T.pageOf(2, 120, 50), {page: 2, pages: 3, start: 50, end: 100});
  assert.deepEqual(T.pageOf(3, 120, 50), {page: 3, pages: 3, start: 100, end: 120});
  assert.deepEqual(T.pageOf(9, 120, 50), {page: 3, pages: 3, start: 100, end: 120}, "a filter left fewer pages");
  assert.deepEqual(T.pageOf(0, 10, 50), {page: 1, pages: 1, start: 0, end: 10});
  assert.deepEqual(T.pageOf(undefined, 0, 50), {page: 1, pages: 1, start: 0, end: 0}, "an empty table has one (empty) page");
});

test("the counter line counts what passes against what there is, and the span only where there are pages", () => {
  const what = ["configuration", "configurations"];
  assert.equal(T.counterText(12, 340, T.pageOf(1, 12, 50), 50, what), "12 of 340 configurations");
  assert.equal(T.counterText(1, 1, T.pageOf(1, 1, 50), 50, what), "1 of 1 configuration");
  assert.equal(T.counterText(1234, 1234, T.pageOf(25, 1234, 50), 50, what), "1,234 of 1,234 configurations · showing 1,201–1,234");
  assert.equal(T.counterText(0, 0, T.pageOf(1, 0, 50), 50, what), "0 of 0 configurations");
});
