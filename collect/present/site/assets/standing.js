/* global h, fmt, count, column, index, rowsOf, subset, envHref, figure, unitOf */
// "How it stacks up" on an env's page: for each configuration the env shares with other envs, its rank among them
// ("faster than 3 of 7") and its nearest envs above and below, with their values.
//
// The env's shard holds its 8 configurations shared by the most envs (collect.present.standing, on the pooled
// aggregates), as the runner's closing panel shows them: bounded, so 10,000 envs cost 80,000 lines, not millions.

// A line's rates in the unit its boards rank by: GB/s for bytes, tokens/s, samples/s; TFLOP/s for a matrix product,
// from the line's TFLOP per sample (`tflop`: one configuration, one FLOP count, so its neighbours' too). Without that
// factor (older data) a matmul line says its products per second, named as such.
function rateText(workload, tflop) {
  var f = figure(workload), per = f.key === "tflops" && typeof tflop === "number" ? tflop : null;
  var scale = f.key === "rate" ? f.scale : 1, unit = f.key === "rate" ? f.unit : per !== null ? f.unit : unitOf(workload);
  return function (v) { return v === null || v === undefined ? "" : fmt(per !== null ? v * per : v / scale) + " " + unit; };
}
function standingLine(I, t, j) {
  var D = I.dict, c = function (name) { return D[name === "device_kind" ? "kind" : name][t.cols[name][j]]; };
  var value = rateText(c("workload"), column(t, "tflop")[j]);
  var near = function (which) {
    var who = D.env[column(t, which + "_env")[j]];
    if (!who) return "";
    var env = I.byName.has(who) ? who : who.replace(/ \([^()]*\)$/, "");  // "env (kind)": the env with two device kinds there
    return h("span", {}, [I.byName.has(env) ? h("a", {href: envHref(env), text: who}) : who, " " + value(column(t, which + "_rate")[j])]);
  };
  var label = c("framework") + " " + c("model") + " " + c("mode") + " " + c("precision") + " bs" + t.cols.batch_size[j] +
    (t.cols.world_size[j] > 1 ? " x" + t.cols.world_size[j] : "") + " " + c("backend");
  return h("tr", {}, [h("td", {text: label}), h("td", {class: "num", text: value(t.cols.rate[j])}),
    h("td", {class: "rank", text: "faster than " + count(t.cols.slower[j]) + " of " + count(t.cols.others[j])}),
    h("td", {}, [near("above")]), h("td", {}, [near("below")])]);
}

function standingRows(table, code) {  // the env's lines, the configurations shared by the most envs first
  var t = rowsOf(table, code);
  if (!t) return null;
  var order = t.cols.env.map(function (e, j) { return j; }).sort(function (a, b) { return t.cols.others[b] - t.cols.others[a] || a - b; });
  return subset(t, order);
}

function standingPanel(main, I, name, S) {
  var code = I.envs.cols.env[I.byName.get(name)], t = standingRows(S.standing, code);
  if (!t || !t.n) return;
  var body = h("tbody");
  var fill = function (table) { body.replaceChildren(); for (var j = 0; j < table.n; j++) body.appendChild(standingLine(I, table, j)); };
  var box = h("section", {id: "standing"}, [h("h2", {text: "How it stacks up"}),
    h("p", {class: "lead", text: "For each configuration " + name + " shares with other environments (same framework, model, mode, " +
      "precision, batch, devices and backend; every framework version pooled; devicebench's own measurements only, never a " +
      "published figure of another harness or a classic model.fit time), the 8 shared by the most: how many of them it is " +
      "faster than, and its nearest environments above and below."}),
    h("div", {class: "scroll"}, [h("table", {class: "ranks"}, [h("thead", {}, [h("tr", {}, ["configuration", "median", "rank", "next faster", "next slower"]
      .map(function (x) { return h("th", {scope: "col", text: x}); }))]), body])])]);
  fill(t);
  main.appendChild(box);
}
