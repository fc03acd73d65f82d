/* global isNumber */
// A row's own logic, beside its figure: the command that measures its configuration here (and whether it reproduces
// the row), the link to a published figure's source, what its per-joule figure measured, sort keys for a column of
// mixed units and its figure per dollar. No DOM here: node's tests (tests/js/logic.test.js) load this file with
// require(), logic.js's functions made global as the browser's one site.js scope has them.

// ---- reproducing a row, pricing it ---------------------------------------------------------------------------
// The runner's --device values per framework (collect/runplan.py DEVICES, each framework's resolve_device): a row's
// device kind is passed on where its framework takes it, so a Mac's CPU row and its MPS row get different commands;
// any other kind (a published row's AMD or Gaudi "gpu" under torch) leaves the runner to pick (auto).
var DEVICE_FLAGS = {torch: ["cpu", "cuda", "mps"], tensorflow: ["cpu", "cuda", "gpu"]};

function shellWord(v) {
  return /^[\w.,:@%+=-]+$/.test(String(v)) ? String(v) : "'" + String(v).replace(/'/g, "'\\''") + "'";
}

// Whether a row's figure came from the classic model.fit protocol (or its ancestor's wall time): the runner measures
// it only as the classic suite, which runs the original benchmark's four MLP depths whatever --models says.
function isClassic(r) { return r.protocol === "classic" || (r.protocol === "legacy" && r.framework === "tensorflow" && r.workload === "mlp"); }

// The command that measures a configuration on the reader's machine, with only flags `devicebench run` has: the
// framework, the device kind, and either the classic suite (a classic row) or every field of a steady-state
// configuration (the default protocol of every other suite); a data-parallel row sweeps its device count.
function reproduceCommand(r) {
  var q = shellWord, parts = ["devicebench", "run", "--framework", q(r.framework)];
  if (r.kind && (DEVICE_FLAGS[r.framework] || []).indexOf(r.kind) >= 0) parts.push("--device", r.kind);
  if (isClassic(r)) return parts.concat(["--suite", "classic"]).join(" ");
  parts.push("--models", q(r.model), "--modes", q(r.mode), "--batch-sizes", q(r.batch), "--precisions", q(r.precision),
             "--backends", q(r.backend));
  if (r.devices > 1) parts.push("--distributed", r.framework === "tensorflow" ? "mirrored" : "ddp", "--world-sizes", q(r.devices));
  return parts.join(" ");
}

// What a row's command is offered as. Only a row devicebench measured can be reproduced by it, under its own protocol;
// a published (or legacy) figure was timed by another harness, so its command measures the same configuration here,
// said so, next to a link to the figure's source. {command, reproduces, label, why}
function commandOffer(r) {
  var command = reproduceCommand(r), classic = isClassic(r);
  var measured = (r.source || "measured") === "measured" && r.protocol !== "legacy";
  if (measured) {
    return {command: command, reproduces: true, label: "reproduce",
            why: classic ? "the command that measures this row again under its own protocol: the classic suite (model.fit over " +
              "whole epochs), which runs the original benchmark's four MLP depths, this one among them" :
              "the command that measures this row again under its own protocol: devicebench's steady state on the same device kind"};
  }
  return {command: command, reproduces: false, label: "measure here",
          why: "measure this configuration here: " + (classic ? "the classic suite" : "devicebench's steady state") + ". It cannot " +
            "reproduce this figure, which " + (r.protocol && r.protocol !== "published" ? r.protocol : "its source") +
            " measured its own way: the source says how"};
}

// A link to where a published figure was read: a URL as it is, a GitHub "owner/repo@commit:path (cell)" reference
// (tools/published writes those) as that file at that commit; null for a reference that names no place (a paper).
function referenceHref(ref) {
  var s = String(ref || "").trim(), m;
  if (/^https?:\/\/\S+$/.test(s)) return s;
  m = /^([\w.-]+\/[\w.-]+)@([0-9a-f]{7,40}):([^\s()]+)/.exec(s);
  return m ? "https://github.com/" + m[1] + "/blob/" + m[2] + "/" + m[3].split("/").map(encodeURIComponent).join("/") : null;
}

// ---- energy and units ----------------------------------------------------------------------------------------
// What a row's per joule measured (its label from stats.energy_label; table: the site's index.energy): {scope, short,
// scopeWhy, method}. Only rows of one scope compare: a GPU-only NVML figure is neither a CPU package's nor a published one.
function energyScope(label, table) {
  var T = table || {methods: {}, scopes: {}}, at = String(label || "").indexOf(":"), scope, method;
  if (!label) return null;
  if (at >= 0) {  // "<source>:<method>": a published figure's power, as its source stated it
    var m = label.slice(at + 1);
    scope = "stated";
    method = "as " + label.slice(0, at) + " by its source (method: " + (m === "unstated" ? "not stated" : m) + ")";
  } else {
    var known = T.methods[label] || ["unstated", label];
    scope = known[0];
    method = known[1];
  }
  var s = T.scopes[scope] || [scope, ""];
  return {scope: scope, short: s[0], scopeWhy: s[1], method: method};
}

// A figure per dollar: a rented machine's per dollar spent (figure x 3600 / price per hour), a bought one's per
// $1,000 of its price. price: {usd, per: "unit" | "hour"}; unit: the figure's ("samples/s", "TFLOP/s", ...).
function perDollar(value, price, unit) {
  if (!isNumber(value) || !price || !(price.usd > 0)) return null;
  if (price.per === "hour") return {value: value * 3600 / price.usd, unit: unit.replace(/\/s$/, "") + " per $", rented: true};
  return {value: value / price.usd * 1000, unit: unit + " per $1k", rented: false};
}

if (typeof module === "object" && module.exports) {
  module.exports = {reproduceCommand: reproduceCommand, commandOffer: commandOffer, referenceHref: referenceHref,
    energyScope: energyScope, perDollar: perDollar};
}
