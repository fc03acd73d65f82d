/* global h, esc, fmt, DB, figure, priceFor, perDollar, plot, PALETTE, hideReferences, energyScope */
// Speed against efficiency on the overview, as LLM-Perf and MLPerf draw it: for one configuration (a menu of those
// with the most envs whose energy or price is known), each env's figure against its samples per joule and against
// its figure per dollar. Only measured energy and stated prices: a point that has neither is not drawn. Energy is
// drawn one chart per scope of what was measured (GPU only, CPU package, Apple SoC package, as published): a GPU's
// NVML figure leaves the CPU out, so it never shares an axis with a package's.

// A reference (another protocol's figure, not ranked) is an open marker, named so in its hover.
function tradeChart(div, points, o) {
  var traces = [{type: "scatter", mode: "markers", x: points.map(function (p) { return p.x; }), y: points.map(function (p) { return p.y; }),
    marker: {size: 9, color: PALETTE[0], line: {width: 0.5, color: "#222"},
             symbol: points.map(function (p) { return p.ref ? "circle-open" : "circle"; })}, showlegend: false,
    hovertemplate: points.map(function (p) { return "<b>" + esc(p.env) + "</b><br>" + esc(p.device) + "<br>" + esc(fmt(p.x)) + " " +
      esc(o.xunit) + "<br>" + esc(fmt(p.y)) + " " + esc(o.yunit) + (p.why ? "<br>" + esc(p.why) : "") +
      (p.ref ? "<br>reference: another protocol, not ranked" : "") + "<extra></extra>"; })}];
  return plot(div, traces, {height: 360, margin: {l: 70, r: 20, t: 20, b: 55}, hoverlabel: {align: "left"},
    xaxis: {title: {text: esc(o.xunit) + " (faster →)"}, type: "log"}, yaxis: {title: {text: esc(o.yunit) + " (more →)"}, type: "log"}});
}

function tradePoints(c) {  // {joule: [...], dollar: [...]} of one configuration; each joule point with its energy scope
  var f = figure(c.workload), joule = [], dollar = [];
  c.points.forEach(function (p) {
    var x = p[2] === null ? null : p[2] / f.scale;
    if (x === null || (p[4] && hideReferences())) return;
    var s = p[3] === null ? null : energyScope(p[5] || "unstated", DB.data.index.energy);
    if (s) joule.push({env: p[0], device: p[1], x: x, y: p[3], ref: p[4], scope: s, why: "energy: " + s.short + ", " + s.method});
    var price = priceFor(p[0], p[1]), d = price && perDollar(x, price, f.unit);
    if (d) dollar.push({env: p[0], device: p[1], x: x, y: d.value, unit: d.unit, ref: p[4], why: "$" + fmt(price.usd) + (price.per === "hour" ? " an hour" : "") + ": " + price.source});
  });
  return {joule: joule, dollar: dollar};
}

function byScope(points) {  // [{scope, points}] in the order each scope first appears
  var groups = [];
  points.forEach(function (p) {
    var g = groups.find(function (x) { return x.scope.scope === p.scope.scope; });
    if (!g) groups.push(g = {scope: p.scope, points: []});
    g.points.push(p);
  });
  return groups;
}

function overviewTradeoffs(main, queue) {
  var configs = DB.data.overview.tradeoffs || [];
  if (!configs.length) return;
  var select = h("select", {name: "tradeoff", "aria-label": "configuration"}, configs.map(function (c, k) { return h("option", {value: String(k), text: c.label}); }));
  var box = h("div", {class: "tradeoffs"});
  main.append(h("h2", {text: "Speed against efficiency"}), h("p", {class: "lead", text: "For one configuration, each environment's " +
    "figure against its samples per joule (where its energy was measured; one chart per scope of what was measured, as a GPU-only " +
    "figure and a whole package's do not compare) and per dollar (where a price is known). Up and right is better."}),
    h("label", {}, ["configuration ", select]), box);
  var draw = function () {
    var c = configs[Number(select.value)], f = figure(c.workload), pts = tradePoints(c), perJ = f.unit.replace(/\/s$/, "") + " per joule";
    box.replaceChildren();
    var charts = byScope(pts.joule).map(function (g) { return ["joule", "per joule, " + g.scope.short, perJ + " (" + g.scope.short + ")", g.points, g.scope]; });
    if (!charts.length) charts.push(["joule", "per joule", perJ, [], null]);
    charts.push(["dollar", "per dollar", (pts.dollar[0] || {}).unit || "per $", pts.dollar, null]);
    charts.forEach(function (x) {
      box.appendChild(h("h3", {text: "against " + x[1], title: x[4] ? x[4].scopeWhy : null}));
      if (!x[3].length) { box.appendChild(h("p", {class: "note", text: "No environment in this configuration has " + (x[0] === "joule" ? "measured energy." : "a known price.")})); return; }
      var div = h("div", {class: "chart tradeoff", data: {kind: x[0], scope: x[4] ? x[4].scope : ""}});
      box.appendChild(div);
      queue.add(div, function () { return tradeChart(div, x[3], {xunit: f.unit, yunit: x[2]}); });
    });
  };
  select.addEventListener("change", function () { draw(); queue.start(); });
  draw();
}
