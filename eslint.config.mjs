// The site's JavaScript (collect/present/site/assets) and its tests (tests/js). `make test` runs it.
// The assets are classic scripts joined into one assets/site.js (build.py): each names what it uses from the
// others in a /* global */ comment, so no-undef checks every name across files.
import js from "@eslint/js";
import globals from "globals";

export default [
  js.configs.recommended,
  {
    files: ["collect/present/site/assets/**/*.js"],
    languageOptions: {
      ecmaVersion: 2020,
      sourceType: "script",
      globals: {...globals.browser, module: "readonly"},
    },
    rules: {
      "no-unused-vars": ["error", {vars: "local", args: "none"}],
      "no-var": "off",
      eqeqeq: ["error", "always"],
      "no-implicit-coercion": "off",
      "no-shadow": ["error", {builtinGlobals: false}],
      "no-use-before-define": ["error", {functions: false, variables: false}],
      strict: "off",
    },
  },
  {
    files: ["tests/js/**/*.js"],
    languageOptions: {ecmaVersion: 2022, sourceType: "commonjs", globals: {...globals.node}},
  },
  {
    files: ["eslint.config.mjs"],
    languageOptions: {sourceType: "module"},
  },
];
