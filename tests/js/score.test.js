// The score's parts with no DOM (collect/present/site/assets/score.js): `node --test tests/js/`.
"use strict";
const test = require("node:test");
const assert = require("node:assert/strict");
const S = require("./assets.js").asset("score.js");

test("a score reads with its range only where the range spans a point or more", () => {
  assert.equal(S.scoreText(1234.4, 1180, 1290), "1,234 (range 1,180–1,290)");
  assert.equal(S.scoreText(1000, 999.6, 1000.2), "1,000", "a range under one point says nothing");
  assert.equal(S.scoreText(936, null, null), "936");
});

test("a line without a score says how much of the set it measured, and what is missing where asked", () => {
  const line = ["torch", "cpu", null, null, null, 7, 8, "", ["membw"]];
  assert.equal(S.scoreMeasured(line, true), "7 of 8 measured (missing: membw)");
  assert.equal(S.scoreMeasured(line, false), "7 of 8 measured");
});

test("an env side's bar names its kind unless the env's name already ends with it", () => {
  const def = {version: 1};
  const bars = S.envScoreBars([{env: "box-cpu", kind: "cpu", device: "EPYC", score: 1000, lo: 990, hi: 1010, rank: 2, caveats: ""},
                               {env: "mac", kind: "mps", device: "M1", score: 2000, lo: null, hi: null, rank: 1, caveats: "unsteady"}], def);
  assert.deepEqual(bars.map((b) => b.label), ["box-cpu", "mac [mps]"]);
  assert.deepEqual(bars.map((b) => b.rate), [1000, 2000]);
  assert.equal(bars[0].extra, "score v1 · rank 2");
  assert.deepEqual(bars[0].caveats, []);
  assert.deepEqual(bars[1].caveats, [{label: "caveat", why: "unsteady"}]);
  assert.equal(bars[1].device, "M1 (mps)");
});

test("a device's bar is the median of its envs, and says how many", () => {
  const bars = S.deviceScoreBars([{device: "RTX 3090", score: 20000, lo: 19000, hi: 21000, envs: 3, rank: 1},
                                  {device: "EPYC", score: 900, lo: 900, hi: 900, envs: 1, rank: 4}], "torch");
  assert.deepEqual(bars.map((b) => [b.label, b.group, b.n]), [["RTX 3090", "torch", 3], ["EPYC", "torch", 1]]);
  assert.equal(bars[0].extra, "3 envs: median score · rank 1");
  assert.equal(bars[1].extra, "1 env: median score · rank 4");
});

test("a partial score offers the one command that measures exactly its missing members, as the runner's closing lines do", () => {
  const members = [["mlp-train", "MLP training", "", ["mlp-d5-w1024"], "train"], ["cnn-infer", "CNN inference", "", ["resnet50"], "infer"],
                   ["cnn-train", "CNN training", "", ["resnet50"], "train"], ["llm-decode", "LLM decode", "", ["gpt2-small"], "decode"],
                   ["matmul-best", "matmul", "", ["matmul-1024", "matmul-2048", "matmul-4096"], "infer"]];
  assert.equal(S.missingCommand("torch", ["cnn-train", "llm-decode"], "box-cpu", members),
               "devicebench run --framework torch --suite score --models resnet50,gpt2-small --modes train,decode --env box-cpu");
  assert.equal(S.missingCommand("tensorflow", ["cnn-infer", "matmul-best"], "mac", members),
               "devicebench run --framework tensorflow --suite score --models resnet50,matmul-1024,matmul-2048,matmul-4096 " +
               "--modes infer --env mac");
});
