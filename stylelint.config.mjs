// The site's stylesheet (collect/present/site/assets/*.css), linted as code: `npm run lint:css`, run by `make lint`
// and `make test`. stylelint's standard rules, in the stylesheet's own layout: a short rule on one line, a long one
// spread one declaration a line, and every rule inside an @media block indented. The indentation and brace rules are
// the ones that matter most: a block closed in the wrong place (a phone-only @media that swallowed the rules after
// it once) shows as rules at the wrong depth or a brace on the wrong line, and fails the lint.
export default {
  extends: ["stylelint-config-standard"],
  plugins: ["@stylistic/stylelint-plugin"],
  rules: {
    "declaration-block-single-line-max-declarations": null,  // one rule a line: the compact layout
    "rule-empty-line-before": null,  // rules follow each other; a blank line and a comment start a section
    "no-descending-specificity": null,  // unrelated components (tables, badges, buttons) share element names
    "media-feature-range-notation": "prefix",  // (max-width: 760px): read by every browser, old phones included
    "@stylistic/indentation": 2,
    "@stylistic/block-opening-brace-newline-after": "always-multi-line",
    "@stylistic/block-closing-brace-newline-before": "always-multi-line",
    "@stylistic/declaration-block-semicolon-newline-after": "always-multi-line",
    "@stylistic/max-line-length": 160,
  },
};
