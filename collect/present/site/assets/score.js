/* global h, fmt, count, plural, DB, barChart, barHeight */
// The devicebench score where it shows: one ranked bar per env and per device on the overview, each env's and
// device's line on its page, each side of a comparison. The definition is score.html (written whole by pages.py).

function scoreText(score, lo, hi) {  // "1,234 (range 1,180–1,290)"
  return fmt(score) + (lo !== null && hi !== null && hi - lo >= 1 ? " (range " + fmt(lo) + "–" + fmt(hi) + ")" : "");
}

// An env's score lines ([[framework, kind, score, lo, hi, measured, members, caveats, missing], ...]) as a list.
function scoreList(lines, kinds) {
  var def = DB.data.index.score;
  var list = h("ul", {class: "scores"});
  lines.forEach(function (s) {
    var who = s[0] + (kinds > 1 ? " [" + s[1] + "]" : "");
    var parts = s[2] === null ? [who + ": " + s[5] + " of " + s[6] + " measured (missing: " + s[8].join(", ") + "); ",
      h("code", {text: "devicebench run --framework " + s[0] + " --suite score"}), " measures the set"] :
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

function overviewScore(main, queue) {
  var S = DB.data.overview.score, def = S.definition;
  if (!S.envs.length && !S.partial) return;
  main.append(h("h2", {text: "devicebench score v" + def.version}), h("p", {class: "lead"}, [
    "One number per machine and framework: " + fmt(def.scale) + " × the geometric mean, over " +
    plural(def.members.length, "fixed configuration") + ", of its median over " + def.reference + "'s in its score runs of " + def.defined + ". ",
    h("a", {href: "score.html", text: "What the score is made of"}), "; ", h("a", {href: "add.html", text: "score your machine"}), "."]));
  if (!S.envs.length) {
    main.appendChild(h("p", {text: "No environment has measured the whole set yet (" + plural(S.partial, "env side") + " measured part of it)."}));
    return;
  }
  var envBars = S.envs.map(function (r) {
    return {label: r.env + " · " + r.framework, group: r.framework, env: r.env, device: r.device + " (" + r.kind + ")", framework: r.framework,
            batch: "the set", precision: "fp32", rate: r.score, lo: r.lo, hi: r.hi, n: 2, caveats: r.caveats ? [{label: "caveat", why: r.caveats}] : [],
            extra: "score v" + def.version};
  });
  scoreChart(main, queue, envBars, {id: "score-envs", title: "By environment", note: S.total > S.envs.length ? count(S.envs.length) +
    " of " + count(S.total) + " scored env sides shown, evenly spread from the highest" : plural(S.partial, "more env side") +
    " measured only part of the set."});
  var devBars = S.devices.map(function (r) {
    return {label: r.device + " · " + r.framework, group: r.framework, env: r.device, device: r.device, framework: r.framework,
            batch: "the set", precision: "fp32", rate: r.score, lo: r.lo, hi: r.hi, n: r.envs, extra: plural(r.envs, "env") + ": median score"};
  });
  scoreChart(main, queue, devBars, {id: "score-devices", title: "By device (the median of its envs)", note: S.total_devices > S.devices.length ?
    count(S.devices.length) + " of " + count(S.total_devices) + " devices shown" : ""});
}

function deviceScores(lines) {  // [[framework, score, lo, hi, envs], ...] on a device's page
  if (!lines || !lines.length) return null;
  return h("ul", {class: "scores"}, lines.map(function (s) {
    return h("li", {text: "devicebench score v" + DB.data.index.score.version + ", " + s[0] + ": " + fmt(s[1]) +
      (s[4] > 1 ? " (median of " + count(s[4]) + " envs, " + fmt(s[2]) + "–" + fmt(s[3]) + ")" : "")});
  }));
}
