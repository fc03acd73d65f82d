/* global h, fmt, count, plural, DB, barChart, barHeight, Table, envHref, deviceHref */
// The devicebench score where it shows: one ranked bar per env and per device on the overview, each env's and
// device's line on its page, each side of a comparison. The definition is score.html (written whole by pages.py).

function scoreText(score, lo, hi) {  // "1,234 (range 1,180–1,290)"
  return fmt(score) + (lo !== null && hi !== null && hi - lo >= 1 ? " (range " + fmt(lo) + "–" + fmt(hi) + ")" : "");
}

// A score line's part of the set where it has no score yet: "7 of 8 measured" (and what is missing, where asked for).
function scoreMeasured(line, missing) {
  return count(line[5]) + " of " + count(line[6]) + " measured" + (missing ? " (missing: " + line[8].join(", ") + ")" : "");
}

// The one command that measures an env's missing members (members: the definition's [key, label, why, models, mode]):
// the score suite narrowed by their models and modes, into the env's own file. The runner's closing lines give the
// same (collect.closing.missing_command).
function missingCommand(framework, missing, env, members) {
  var chosen = members.filter(function (m) { return missing.indexOf(m[0]) >= 0; });
  var uniq = function (xs) { return xs.filter(function (x, k) { return xs.indexOf(x) === k; }); };
  var models = uniq([].concat.apply([], chosen.map(function (m) { return m[3] || []; })));
  var modes = uniq(chosen.map(function (m) { return m[4]; }));
  return "devicebench run --framework " + framework + " --suite score --models " + models.join(",") + " --modes " +
    modes.join(",") + " --env " + env;
}

// An env's score lines ([[framework, kind, score, lo, hi, measured, members, caveats, missing], ...]) as a list.
function scoreList(lines, kinds, env) {
  var def = DB.data.index.score;
  var list = h("ul", {class: "scores"});
  lines.forEach(function (s) {
    var who = s[0] + (kinds > 1 ? " [" + s[1] + "]" : "");
    var parts = s[2] === null ? [who + ": " + scoreMeasured(s, true) + "; to add them: ",
      h("code", {text: missingCommand(s[0], s[8], env, def.members)})] :
      [who + ": " + scoreText(s[2], s[3], s[4])];
    list.appendChild(h("li", {data: {framework: s[0]}}, parts.concat([s[7] ? h("span", {class: "note", text: " · " + s[7]}) : null])));
  });
  return h("section", {id: "score"}, [h("h2", {text: "devicebench score v" + def.version}), list,
    h("p", {class: "note"}, [plural(def.members.length, "configuration") + " per framework, " + def.reference + "'s score runs of " + def.defined + " = " +
      fmt(def.scale) + "; ", h("a", {href: "score.html", text: "what the score is"})])]);
}

function scoreChart(main, queue, rows, o) {  // a bar per env side or device, highest first
  var div = h("div", {class: "chart", id: o.id});
  main.append(h("h3", {text: o.title}), h("p", {class: "note", text: o.note}), div);
  div.style.height = barHeight(rows) + "px";
  queue.add(div, function () { return barChart(div, rows, {unit: "score"}); });
}

function envScoreBars(list, def) {  // one framework's env sides as bars
  return list.map(function (r) {
    return {label: r.env + (r.env.endsWith(r.kind) ? "" : " [" + r.kind + "]"), group: r.framework, env: r.env, device: r.device + " (" + r.kind + ")", framework: r.framework,
            batch: "the set", precision: "fp32", rate: r.score, lo: r.lo, hi: r.hi, n: 2, caveats: r.caveats ? [{label: "caveat", why: r.caveats}] : [],
            extra: "score v" + def.version + " · rank " + count(r.rank)};
  });
}

function deviceScoreBars(list, framework) {
  return list.map(function (r) {
    return {label: r.device, group: framework, env: r.device, device: r.device, framework: framework, batch: "the set", precision: "fp32",
            rate: r.score, lo: r.lo, hi: r.hi, n: r.envs, extra: plural(r.envs, "env") + ": median score · rank " + count(r.rank)};
  });
}

function scoreLead(def, what) {
  return h("p", {class: "lead"}, ["One number per machine and framework: " + fmt(def.scale) + " × the geometric mean, over " +
    plural(def.members.length, "fixed configuration") + ", of its median over " + def.reference + "'s in its score runs of " + def.defined +
    ". Each framework divides by its own reference, so each has its own ranking" + what + ". ",
    h("a", {href: "score.html", text: "What the score is made of"}), "; ", h("a", {href: "add.html", text: "score your machine"}), "."]);
}

// The overview's score: per framework, a chart of its env sides and one of its devices (never two frameworks on one axis).
function overviewScore(main, queue) {
  var S = DB.data.overview.score, def = S.definition;
  if (!S.frameworks.some(function (f) { return f.total; }) && !S.partial) return;
  main.append(h("h2", {text: "devicebench score v" + def.version}), scoreLead(def, ": torch and TensorFlow scores never share an axis"));
  if (!S.frameworks.some(function (f) { return f.total; })) {
    main.appendChild(h("p", {text: "No environment has measured the whole set yet (" + plural(S.partial, "env side") + " measured part of it)."}));
    return;
  }
  S.frameworks.filter(function (f) { return f.total; }).forEach(function (f) {
    var envs = f.envs.map(function (r) { return Object.assign({framework: f.framework}, r); });
    scoreChart(main, queue, envScoreBars(envs, def), {id: "score-envs-" + f.framework, title: f.framework + ": by environment",
      note: f.total > f.envs.length ? count(f.envs.length) + " of " + count(f.total) + " scored env sides shown, evenly spread from the highest" : ""});
    scoreChart(main, queue, deviceScoreBars(f.devices, f.framework), {id: "score-devices-" + f.framework, title: f.framework +
      ": by device (the median of its envs)", note: f.total_devices > f.devices.length ? count(f.devices.length) + " of " +
      count(f.total_devices) + " devices shown" : ""});
  });
  if (S.partial) main.appendChild(h("p", {class: "note", text: plural(S.partial, "more env side") + " measured only part of the set."}));
}

function deviceScores(lines) {  // [[framework, score, lo, hi, envs], ...] on a device's page
  if (!lines || !lines.length) return null;
  return h("ul", {class: "scores"}, lines.map(function (s) {
    return h("li", {text: "devicebench score v" + DB.data.index.score.version + ", " + s[0] + ": " + fmt(s[1]) +
      (s[4] > 1 ? " (median of " + count(s[4]) + " envs, " + fmt(s[2]) + "–" + fmt(s[3]) + ")" : "")});
  }));
}

// The score page's rankings: per framework, its env sides and beside them its devices (data/score.js); a short list
// without the filter and search box a long one has.
function rankingTable(root, list, o) {
  var texts = function (key) {
    var dict = [], codes = list.map(function (r) { var k = dict.indexOf(r[key]); if (k < 0) { k = dict.length; dict.push(r[key]); } return k; });
    return {codes: codes, dict: dict};
  };
  var col = function (key, label, extra) { return Object.assign({key: key, label: label}, texts(key), extra || {}); };
  var num = function (key, label, extra) { return Object.assign({key: key, label: label, num: list.map(function (r) { return r[key]; })}, extra || {}); };
  var range = {key: "range", label: "range", sort: false, level: 2, title: "the lowest and highest (an env: over its trials; a device: over its envs)",
    cell: function (i) { var r = list[i]; return r.lo !== null && r.hi !== null && r.hi - r.lo >= 1 ? fmt(r.lo) + " – " + fmt(r.hi) : ""; }};
  var columns = o.columns(col, num);
  Table({root: root, n: list.length, columns: [num("rank", "#", {fmt: String})].concat(columns.slice(0, 2), [range], columns.slice(2)),
    sort: {key: "rank", dir: "asc"}, what: o.what, prefix: o.prefix, file: o.file, pageSize: 25, bare: list.length <= 10,
    search: {label: o.search, fields: o.fields.map(function (key) { return texts(key); })}});
}

function frameworkRanking(box, f, k) {
  box.appendChild(h("h3", {id: "ranking-" + f.framework, text: f.framework + ": " + plural(f.total, "scored env side") + ", " +
    plural(f.total_devices, "device")}));
  if (f.total > f.envs.length) box.appendChild(h("p", {class: "note", text: count(f.envs.length) + " of the env sides listed, evenly spread from the highest (# is the place in the whole ranking)."}));
  var envs = h("div", {class: "by-env"}, [h("h4", {text: "by environment"})]), devices = h("div", {class: "by-device"}, [h("h4", {text: "by device: the median of its envs"})]);
  box.appendChild(h("div", {class: "ranking"}, [envs, devices]));
  rankingTable(envs, f.envs, {prefix: "e" + k, file: "score-" + f.framework, what: ["env side", "env sides"], search: "search env or device",
    fields: ["env", "device"], columns: function (col, num) {
      return [col("env", "environment", {wrap: true, href: function (i) { return envHref(f.envs[i].env); }}), num("score", "score"),
        col("device", "device", {wrap: true, level: 2, href: function (i) { return deviceHref(f.envs[i].device); }}),
        col("caveats", "caveats", {level: 2, note: true})];
    }});
  rankingTable(devices, f.devices, {prefix: "d" + k, file: "score-devices-" + f.framework, what: ["device", "devices"], search: "search device",
    fields: ["device"], columns: function (col, num) {
      return [col("device", "device", {wrap: true, href: function (i) { return deviceHref(f.devices[i].device); }}), num("score", "score"),
        num("envs", "envs", {fmt: String, level: 2})];
    }});
}

function pageScore(main) {
  var S = DB.data.score;
  if (!S) return;
  var box = h("section", {id: "rankings"}, [h("h2", {text: "The rankings: one per framework"}), h("p", {class: "lead", text:
    "Each framework's scores divide by its own reference, so a torch score and a TensorFlow score are never ranked against each " +
    "other. Only devicebench's own measurements score; a machine that measured part of the set has no score yet" +
    (S.partial ? " (" + plural(S.partial, "env side") + ")" : "") + "."})]);
  main.appendChild(box);
  if (!S.frameworks.length) box.appendChild(h("p", {text: "No environment has measured the whole set yet."}));
  S.frameworks.forEach(function (f, k) { frameworkRanking(box, f, k); });
}

if (typeof module === "object" && module.exports) {  // node's tests (tests/js/score.test.js): the parts with no DOM
  module.exports = {scoreText: scoreText, scoreMeasured: scoreMeasured, envScoreBars: envScoreBars, deviceScoreBars: deviceScoreBars,
                    missingCommand: missingCommand};
}
