// Unit tests of the site's pure logic (collect/present/site/assets/logic.js and row_logic.js, which the browser reads
// as one scope): `node --test tests/js/` (make test).
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
// logic() honours DEVICEBENCH_LOGIC: another copy of logic.js (tests/test_site_js.py plants a bug in one to see these fail).
const {asset, logic} = require("./assets.js");
const L = {...logic(), ...asset("row_logic.js")};

test("run-length and sparse columns expand; a figure column left out becomes nulls", () => {
  const t = L.expand({n: 5, cols: {n: [1, 1, 1, 1, 1], env: {r: [3, 2, 7, 3]}, rate_min: {k: [1, 2], v: [10, 20]}}});
  assert.deepEqual(t.cols.env, [3, 3, 7, 7, 7]);
  assert.deepEqual(t.cols.rate_min, [null, 10, null, null, 20]);
  assert.deepEqual(t.cols.tflops, [null, null, null, null, null]);
  assert.equal(L.expand(null), null);
});

test("columns written together expand to one value per row, the index run-length or not", () => {
  const t = L.expand({n: 4, cols: {n: [1, 1, 1, 1]}, joint: {c: ["model", "mode"], t: [5, 1, 6, 2], i: [0, 1, 1, 0]}});
  assert.deepEqual(t.cols.model, [5, 6, 6, 5]);
  assert.deepEqual(t.cols.mode, [1, 2, 2, 1]);
  assert.equal(t.joint, undefined);
  const r = L.expand({n: 3, cols: {}, joint: {c: ["a", "b"], t: [1, 2, 3, 4], i: {r: [1, 2, 0, 1]}}});
  assert.deepEqual([r.cols.a, r.cols.b], [[3, 3, 1], [4, 4, 2]]);
});

test("numbers read with three significant digits and counts agree with their nouns", () => {
  assert.equal(L.fmt(47260000000 / 1e9), "47.3");
  assert.equal(L.fmt(1926.6), "1,927");
  assert.equal(L.fmt(0.0123456), "0.0123");
  assert.equal(L.fmt(null), "");
  assert.equal(L.fmt(NaN), "");
  assert.equal(L.plural(1, "row"), "1 row");
  assert.equal(L.plural(2, "row"), "2 rows");
  assert.equal(L.plural(1234, "configuration"), "1,234 configurations");
  assert.equal(L.percent(0.564), "56%");
  assert.equal(L.percent(0.0564), "5.6%");
});

test("a spread shows only where there are enough rows for it", () => {
  assert.equal(L.spread(1, 2, 1), "", "one row has no range");
  assert.equal(L.spread(1, 2, 2), "1 – 2");
  assert.equal(L.spread(1, 2, 3, 4), "", "quartiles need four rows");
  assert.equal(L.spread(1, 2, 4, 4), "1 – 2");
  assert.equal(L.spread(null, 2, 5), "");
});

test("each workload reads in its own figure and unit", () => {
  const figures = {matmul: {key: "tflops", unit: "TFLOP/s", scale: 1}, membw: {key: "rate", unit: "GB/s", scale: 1e9}};
  assert.deepEqual(L.figureOf(figures, "membw"), {key: "rate", unit: "GB/s", scale: 1e9});
  assert.deepEqual(L.figureOf(figures, "cnn"), {key: "rate", unit: "samples/s", scale: 1});
  assert.deepEqual(L.scaled([47260000000, null], figures.membw), [47.26, null]);
});

test("sorting puts unmeasured rows last either way and keeps ties in row order", () => {
  const keys = [3, NaN, 1, 3, 2];
  assert.deepEqual(L.sortedRows(keys, "desc"), [0, 3, 4, 2, 1]);
  assert.deepEqual(L.sortedRows(keys, "asc"), [2, 4, 0, 3, 1]);
  const rank = L.dictRank(["bs10", "bs2", "a"]);
  assert.deepEqual(Array.from(rank), [2, 1, 0]);
});

test("a row passes every filter, toggle and the search, or is left out", () => {
  const dict = ["torch", "tensorflow"], names = ["box-a", "Box-B", "other"];
  const pass = L.rowTest([{codes: [0, 1, 0], dict: dict, want: "torch"}], [(i) => i !== 2], "box",
                         [{codes: [0, 1, 2], dict: names}]);
  assert.deepEqual([0, 1, 2].map(pass), [true, false, false]);
  const all = L.rowTest([{codes: [0, 1], dict: dict, want: ""}], [], "", []);
  assert.deepEqual([0, 1].map(all), [true, true]);
  const pooled = L.poolKeep([0, 1, 2], true), apart = L.poolKeep([0, 1, 2], false);
  assert.deepEqual([0, 1, 2].map(pooled), [true, false, true]);
  assert.deepEqual([0, 1, 2].map(apart), [true, true, false]);
});

test("the CSV of a view quotes what needs it and never starts a formula", () => {
  assert.equal(L.csvCell("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
  assert.equal(L.csvCell("-1"), "'-1");
  assert.equal(L.csvCell("a,b"), "\"a,b\"");
  assert.equal(L.csvCell(" pad"), "\" pad\"");
  assert.equal(L.csvCell(null), "");
  assert.equal(L.csvText(["env", "GB/s"], [["x", 47.26]]), "env,GB/s\r\nx,47.26\r\n");
});

test("a caveat's reason is the part of the note that names it, else the legend's", () => {
  const legend = [["unsteady", "trials disagree"], ["noisy", "noisy steps"], ["bimodal", "two levels"], ["partial", "cut short"],
                  ["input pipeline", "pipeline"], ["over peak", "too fast"], ["published", "transcribed"]];
  const note = "no energy method: RAPL not present; unsteady: trials 595-3,551 samples/s";
  assert.deepEqual(L.caveats(1 | 64, note, legend), [
    {label: "unsteady", why: "unsteady: trials 595-3,551 samples/s"}, {label: "published", why: "transcribed"}]);
  assert.deepEqual(L.caveats(32, "", legend, {"over peak": "above 989"}), [{label: "over peak", why: "above 989"}]);
  assert.deepEqual(L.caveats(0, note, legend), []);
});

test("the geometric mean skips what is not a positive number", () => {
  assert.ok(Math.abs(L.geomean([2, 8, null, 0, NaN]) - 4) < 1e-12);
  assert.equal(L.geomean([null]), null);
});

// Two envs' rows as a shard holds them: key columns as codes, rates.
function shard(rows) {
  const cols = {};
  ["workload", "model", "mode", "framework", "precision", "batch_size", "world_size", "backend", "protocol", "version", "rate", "env"]
    .forEach((c) => { cols[c] = rows.map((r) => r[c] === undefined ? 0 : r[c]); });
  return {n: rows.length, cols: cols};
}

test("sides are matched field by field, framework included, versions pooled unless split", () => {
  // env 0: torch (framework 0) v0 and v1 rows, tensorflow (1); env 1: torch and tensorflow, one version each
  const t = shard([{env: 0, framework: 0, version: 0, rate: 10}, {env: 0, framework: 0, version: 1, rate: 12},
                   {env: 0, framework: 1, version: 2, rate: 5}, {env: 1, framework: 0, version: 1, rate: 20},
                   {env: 1, framework: 1, version: 3, rate: 4}, {env: 1, framework: 1, model: 9, version: 3, rate: 4}]);
  const side = (env, split) => ({rows: L.sideRows(t, (j) => t.cols.env[j] === env, split)});
  const a = side(0, false), b = side(1, false);
  assert.equal(a.rows.size, 2, "torch pooled over its versions: one configuration, the fastest row");
  assert.equal(a.rows.get(Array.from(a.rows.keys())[0]), 1);
  assert.equal(L.sharedKeys([a, b], 2).length, 2, "torch meets torch, tensorflow meets tensorflow");
  assert.equal(L.sharedKeys([a, b], 1).length, 3);
  assert.equal(L.sharedKeys([side(0, true), side(1, true)], 2).length, 1, "split: only the torch version both ran");
});

test("sides that share nothing: the fields that keep them apart and the nearest pairs", () => {
  const t = shard([{env: 0, precision: 0, rate: 1}, {env: 0, precision: 0, model: 1, rate: 1},
                   {env: 1, precision: 2, rate: 1}, {env: 1, precision: 2, model: 1, backend: 3, rate: 1}]);
  const a = L.sideRows(t, (j) => t.cols.env[j] === 0, false), b = L.sideRows(t, (j) => t.cols.env[j] === 1, false);
  assert.deepEqual(L.fieldsApart(a, b, L.KEY_COLS), [{field: "precision", a: ["0"], b: ["2"]}]);
  const near = L.nearestPairs(a, b, 5, L.KEY_COLS);
  assert.equal(near.length, 1);
  assert.deepEqual(near[0].differ, [L.KEY_COLS.indexOf("precision")]);
});

test("a configuration of another protocol meets only its own protocol: a published figure is never matched to a measured one", () => {
  // protocol 0: devicebench, 1: a harness's published figure
  const t = shard([{env: 0, rate: 10}, {env: 0, model: 1, rate: 3}, {env: 1, rate: 20}, {env: 1, model: 1, protocol: 1, rate: 9}]);
  const a = L.sideRows(t, (j) => t.cols.env[j] === 0, false), b = L.sideRows(t, (j) => t.cols.env[j] === 1, false);
  assert.equal(L.sharedKeys([{rows: a}, {rows: b}], 2).length, 1, "model 1 was timed under two protocols: not shared");
  const only = L.sideRows({n: 1, cols: {workload: [0], model: [0], mode: [0], framework: [0], precision: [0], batch_size: [1],
    world_size: [1], backend: [0], rate: [1]}}, () => true, false);
  assert.deepEqual(Array.from(only.keys()), ["0,0,0,0,0,1,1,0,-1"], "a file without the column: one value for every row");
});

test("only devicebench's own measurements rank; every other protocol is a reference, after the ranked rows", () => {
  assert.equal(L.isReference("devicebench", "measured", "devicebench"), false);
  assert.equal(L.isReference("", "measured", "devicebench"), false, "an older row without the column: measured rows rank");
  assert.equal(L.isReference("classic", "measured", "devicebench"), true);
  assert.equal(L.isReference("tf_cnn_benchmarks", "published", "devicebench"), true);
  assert.equal(L.isReference("devicebench", "published", "devicebench"), true, "a transcribed figure never ranks");
  assert.equal(L.isReference("legacy", "legacy", "devicebench"), true);
  const dicts = {protocol: ["devicebench", "published", "classic"], source: ["measured", "published"]};
  assert.deepEqual(Array.from(L.referenceFlags([0, 1, 2, 0], [0, 1, 0, 0], dicts, "devicebench", 4)), [0, 1, 1, 0]);
  assert.deepEqual(Array.from(L.referenceFlags(undefined, undefined, dicts, "devicebench", 2)), [0, 0], "no columns: all ranked");
  assert.deepEqual(L.rankedFirst([4, 0, 3, 1, 2], [1, 0, 0, 1, 0]), [4, 1, 2, 0, 3], "rows 0 and 3 after, each part in its order");
  assert.deepEqual(L.rankedFirst([2, 1], undefined), [2, 1]);
  assert.match(L.referenceWhy("classic", "measured", {classic: "model.fit epochs"}), /^not ranked.*classic: model\.fit epochs$/);
  assert.match(L.referenceWhy("tf_cnn_benchmarks", "published", {}), /another harness \(tf_cnn_benchmarks\)/);
});

test("a row's reproduce command names every field of its configuration, its device kind and its protocol", () => {
  const row = {framework: "torch", model: "resnet50", mode: "train", batch: 64, precision: "fp16", backend: "eager", devices: 1};
  assert.equal(L.reproduceCommand(row), "devicebench run --framework torch --models resnet50 --modes train " +
    "--batch-sizes 64 --precisions fp16 --backends eager");
  assert.match(L.reproduceCommand({...row, devices: 4}), / --distributed ddp --world-sizes 4$/);
  assert.match(L.reproduceCommand({...row, framework: "tensorflow", devices: 2}), / --distributed mirrored --world-sizes 2$/);
  assert.match(L.reproduceCommand({...row, model: "x; rm -rf ~"}), / --models 'x; rm -rf ~' /, "quoted for a shell");
  // a Mac's CPU row and its MPS row: two commands, each naming its device as the runner spells it
  const cpu = L.reproduceCommand({...row, kind: "cpu"}), mps = L.reproduceCommand({...row, kind: "mps"});
  assert.match(cpu, /^devicebench run --framework torch --device cpu --models resnet50 /);
  assert.match(mps, / --device mps /);
  assert.notEqual(cpu, mps);
  assert.match(L.reproduceCommand({...row, framework: "tensorflow", kind: "gpu"}), / --device gpu /, "tensorflow-metal's GPU");
  // a kind the framework's runner does not take (torch has no "gpu"): the runner picks the device (auto)
  assert.doesNotMatch(L.reproduceCommand({...row, kind: "gpu"}), /--device/);
  assert.doesNotMatch(L.reproduceCommand({...row, framework: "tensorflow", kind: "mps"}), /--device/);
});

test("a classic model.fit row gets the classic suite, not the steady-state command", () => {
  const row = {framework: "tensorflow", model: "mlp-d5-w1024", mode: "train", batch: 32, precision: "fp32", backend: "tf_function",
               devices: 1, workload: "mlp", kind: "gpu", protocol: "classic", source: "measured"};
  assert.equal(L.reproduceCommand(row), "devicebench run --framework tensorflow --device gpu --suite classic");
  const offer = L.commandOffer(row);
  assert.equal(offer.reproduces, true);
  assert.equal(offer.label, "reproduce");
  assert.match(offer.why, /classic suite/);
  assert.match(L.reproduceCommand({...row, protocol: "devicebench"}), /--models mlp-d5-w1024 .*--backends tf_function$/);
  assert.match(L.reproduceCommand({...row, protocol: "legacy"}), /--suite classic$/, "a legacy MLP wall time: the classic suite times it");
});

test("a published figure is offered as measuring its configuration here, never as reproducing it", () => {
  const row = {framework: "torch", model: "resnet50", mode: "infer", batch: 256, precision: "fp16", backend: "eager", devices: 1,
               kind: "cuda", protocol: "timm benchmark.py", source: "published"};
  const offer = L.commandOffer(row);
  assert.equal(offer.reproduces, false);
  assert.equal(offer.label, "measure here");
  assert.match(offer.why, /^measure this configuration here: devicebench's steady state\. It cannot reproduce this figure, which timm benchmark\.py measured/);
  assert.equal(offer.command, "devicebench run --framework torch --device cuda --models resnet50 --modes infer --batch-sizes 256 " +
    "--precisions fp16 --backends eager");
  const own = L.commandOffer({...row, source: "measured", protocol: "devicebench"});
  assert.equal(own.reproduces, true);
  assert.equal(own.label, "reproduce");
  assert.equal(L.commandOffer({...row, source: "measured", protocol: "legacy"}).reproduces, false, "an ancestor's wall time");
});

test("a published reference links to its source: a URL, or a GitHub file at its commit; a paper names no place", () => {
  assert.equal(L.referenceHref("huggingface/pytorch-image-models@aa4b5850c1543fa488abf260f18390eda46cf85d:results/benchmark-infer-amp-nhwc.csv (row resnet50, 224 px)"),
               "https://github.com/huggingface/pytorch-image-models/blob/aa4b5850c1543fa488abf260f18390eda46cf85d/results/benchmark-infer-amp-nhwc.csv");
  assert.equal(L.referenceHref("stas00/ml-engineering@744d01e:compute/accelerator/README.md (table, row H100)"),
               "https://github.com/stas00/ml-engineering/blob/744d01e/compute/accelerator/README.md");
  assert.equal(L.referenceHref("https://example.org/results?x=1"), "https://example.org/results?x=1");
  assert.equal(L.referenceHref("a paper (table 3)"), null);
  assert.equal(L.referenceHref("javascript:alert(1)"), null, "only http(s) and GitHub references become links");
  assert.equal(L.referenceHref(""), null);
});

test("energy: a row's label names its scope and method; published power is a scope of its own", () => {
  const table = {methods: {nvml_energy: ["gpu", "NVML energy counter"], rapl: ["cpu", "RAPL energy counters"],
                           unstated: ["unstated", "method not recorded"]},
                 scopes: {gpu: ["GPU only", "the GPU alone"], cpu: ["CPU package", "the package"], stated: ["as published", "its source's"],
                          unstated: ["method not recorded", "older"]}};
  assert.deepEqual(L.energyScope("nvml_energy", table), {scope: "gpu", short: "GPU only", scopeWhy: "the GPU alone", method: "NVML energy counter"});
  assert.equal(L.energyScope("rapl", table).short, "CPU package");
  const published = L.energyScope("published:unstated", table);
  assert.equal(published.scope, "stated");
  assert.equal(published.method, "as published by its source (method: not stated)");
  assert.equal(L.energyScope("published:powermetrics", table).method, "as published by its source (method: powermetrics)");
  assert.equal(L.energyScope("something new", table).scope, "unstated", "an unknown method compares with nothing");
  assert.equal(L.energyScope("", table), null);
});

test("a figure per dollar: per $1k of a bought device, per dollar spent on a rented one", () => {
  assert.deepEqual(L.perDollar(1500, {usd: 1499, per: "unit"}, "samples/s"),
                   {value: 1500 / 1499 * 1000, unit: "samples/s per $1k", rented: false});
  assert.deepEqual(L.perDollar(10, {usd: 2, per: "hour"}, "TFLOP/s"), {value: 18000, unit: "TFLOP per $", rented: true});
  assert.equal(L.perDollar(null, {usd: 2, per: "hour"}, "samples/s"), null);
  assert.equal(L.perDollar(5, null, "samples/s"), null);
});
