// Loads a site asset in node as the browser has it: the assets are classic scripts joined into one site.js (build.py), so
// one file's functions are free names in another's. Here logic.js's exports become globals before the asset is required.
"use strict";
const path = require("node:path");

const ASSETS = path.join(__dirname, "..", "..", "collect", "present", "site", "assets");

// DEVICEBENCH_LOGIC: another copy of logic.js, as logic.test.js takes it (tests/test_site_js.py plants a bug in one).
function logic() { return require(process.env.DEVICEBENCH_LOGIC || path.join(ASSETS, "logic.js")); }

function asset(name) {
  Object.assign(global, logic());
  return require(path.join(ASSETS, name));
}

module.exports = {asset, logic};
