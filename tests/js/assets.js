// Loads a site asset in node as the browser has it: the assets are classic scripts joined into one site.js (build.py), so
// one file's functions are free names in another's. Here logic.js's exports become globals before the asset is required.
"use strict";
const path = require("node:path");

const ASSETS = path.join(__dirname, "..", "..", "collect", "present", "site", "assets");

function asset(name) {
  Object.assign(global, require(path.join(ASSETS, "logic.js")));
  return require(path.join(ASSETS, name));
}

module.exports = {asset};
