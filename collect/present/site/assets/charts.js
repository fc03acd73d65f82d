/* global Plotly, h, esc, fmt, count, plural, index, caveatsOf, caveatText, hashParams, setHash, onNavigate, loadScript, envPage, DB,
   overviewScore, overviewTradeoffs, hideReferences, referenceWhy, drawChart, labelsAbove, compactBars, legendChart */
// plotly charts: bars with whiskers over repeat rows, lines, a log/linear switch; the chart queue; the overview page.
// Each is drawn for the width it has, compact on a phone, and again when a resize changes that: chart_fit.js.

var FRAMEWORK_COLORS = {torch: "#ee4c2c", tensorflow: "#ff9f00"};
var PALETTE = ["#1f77b4", "#2ca02c", "#9467bd", "#8c564b", "#e377c2", "#17becf", "#bcbd22", "#7f7f7f", "#d62728", "#ff7f0e"];

// plotly.min.js (4.8 MB) is named by the pages that always draw (pages.py PLOTTING); a page that draws only
// sometimes (device.html: a device's page does, the list of devices does not) loads it with its first chart.
var PLOTLY_LOADING = null;
function plotlyReady() {
  if (typeof Plotly !== "undefined") return Promise.resolve();
  if (!PLOTLY_LOADING) PLOTLY_LOADING = loadScript("assets/plotly.min.js");
  return PLOTLY_LOADING;
}
// A device's own page (device.html?device=KEY) draws its strips: plotly loads beside its data, not after it.
if (document.body.dataset.page === "device" && new URLSearchParams(location.search).has("device")) plotlyReady();

function scaleMenu(axis, log) {  // plotly's own buttons: switch the value axis between log and linear
  var button = function (type) { var a = {}; a[axis + ".type"] = type; return {label: type, method: "relayout", args: [a]}; };
  return [{type: "buttons", direction: "left", x: 0, xanchor: "left", y: 1.02, yanchor: "bottom", showactive: true,
           pad: {t: 0, b: 0, l: 0, r: 0}, font: {size: 11}, active: log ? 0 : 1, buttons: [button("log"), button("linear")]}];
}
function wantsLog(values) {  // log where the bars span more than 30x: a linear axis would hide the small ones
  var ok = values.filter(function (v) { return v > 0 && isFinite(v); });
  return ok.length > 1 && Math.max.apply(null, ok) / Math.min.apply(null, ok) > 30;
}
// r: {env, device, framework, batch, precision, rate, lo, hi, n, extra, caveats, reference, refWhy}; every field is data: escaped
function hoverText(r, unit) {
  var warn = (r.reference ? "<br>" + esc(r.refWhy || "reference: another protocol, not ranked") : "") +
    (r.caveats && r.caveats.length ? "<br>⚠ " + esc(caveatText(r.caveats)) : "");
  return "<b>" + esc(r.env) + "</b><br>device: " + esc(r.device || "") + "<br>framework: " + esc(r.framework) +
    "<br>batch: " + esc(r.batch) + " · precision: " + esc(r.precision) + (r.extra ? "<br>" + esc(r.extra) : "") +
    "<br>median: " + esc(fmt(r.rate)) + " " + esc(unit) + (r.n > 1 ? "<br>range: " + esc(fmt(r.lo)) + " – " + esc(fmt(r.hi)) : "") +
    "<br>n: " + esc(r.n) + warn + "<extra></extra>";
}
function unique(labels) {  // category labels must differ: a repeated one gets (2), (3), ...
  var seen = new Map();
  return labels.map(function (l) { var k = (seen.get(l) || 0) + 1; seen.set(l, k); return k > 1 ? l + " (" + k + ")" : l; });
}

// The width the charts of the page will have (main's content box): a bar chart's height is set before it is drawn,
// so later charts do not jump.
function expectedWidth() {
  var main = document.getElementById("main");
  if (!main) return 1000;
  var style = getComputedStyle(main);
  return main.clientWidth - parseFloat(style.paddingLeft) - parseFloat(style.paddingRight);
}
function barHeight(rows, grouped, width) {
  var w = width === undefined ? expectedWidth() : width;
  var b = barData(rows, {grouped: grouped});
  return labelsAbove(b, w) ? compactBars(b, w).layout.height : wideHeight(b.cats.length, grouped);
}
function wideHeight(cats, grouped) { return Math.max(240, 110 + (grouped ? 8 + 10 * grouped : 22) * cats); }

// Horizontal bars, fastest on top, one trace (colour, legend entry) per `group` value; a bar with caveats is
// hatched and its label marked ⚠. A reference bar (r.reference: another protocol, not ranked) comes after the ranked
// ones (the caller orders them so), outlined and cross-hatched, under a dotted line that says so.
function barChart(div, rows, o) {
  var b = barData(rows, o);
  return drawChart(div, function (width) { return labelsAbove(b, width) ? compactBars(b, width) : wideBars(b); });
}

// What a bar chart shows at any width: its categories (labels), traces and axes.
function barData(rows, o) {
  var labels = rows.map(function (r) { return esc(r.label) + (r.caveats && r.caveats.length && !o.grouped ? "\u00a0⚠" : ""); }), groups = new Map();
  if (!o.grouped) labels = unique(labels);  // grouped bars share a label per configuration
  var cats = Array.from(new Set(labels));
  rows.forEach(function (r, k) { var g = r.group; if (!groups.has(g)) groups.set(g, []); groups.get(g).push(k); });
  var log = wantsLog(rows.map(function (r) { return r.n > 1 ? r.lo : r.rate; }).concat(rows.map(function (r) { return r.rate; })));
  var traces = Array.from(groups.keys()).map(function (g, gi) {
    var ks = groups.get(g), pick = function (f) { return ks.map(function (k) { return f(rows[k], k); }); };
    var color = ((o.colors || FRAMEWORK_COLORS)[g]) || PALETTE[gi % PALETTE.length];
    return {type: "bar", orientation: "h", name: esc(g), y: pick(function (r, k) { return labels[k]; }),
      x: pick(function (r) { return r.rate; }),
      marker: {color: pick(function (r) { return r.reference ? "rgba(255,255,255,0.9)" : color; }),
               line: {color: color, width: pick(function (r) { return r.reference ? 1.5 : 0; })},
               pattern: {shape: pick(function (r) { return r.reference ? "x" : r.caveats && r.caveats.length ? "/" : ""; }), fillmode: "overlay",
                         fgcolor: pick(function (r) { return r.reference ? color : "#222"; }), fgopacity: 0.55, size: 6}},
      error_x: {type: "data", symmetric: false, color: "#444", thickness: 1, width: 2,
                visible: ks.some(function (k) { return rows[k].n > 1; }),
                array: pick(function (r) { return r.n > 1 ? r.hi - r.rate : 0; }),
                arrayminus: pick(function (r) { return r.n > 1 ? r.rate - r.lo : 0; })},
      hovertemplate: pick(function (r) { return hoverText(r, o.unit); })};
  });
  var first = rows.findIndex(function (r) { return r.reference; });
  var b = {o: o, cats: cats, traces: traces, log: log, refAt: first < 0 ? null : cats.indexOf(labels[first]) - 0.5};
  if (b.refAt !== null && !o.grouped) traces.push(referenceTrace(cats));  // grouped: it would take a slot of every group
  return b;
}

function barAxes(b) {
  var o = b.o;
  return {xaxis: {title: {text: esc(o.unit) + " (" + (o.lower ? "lower" : "higher") + " is better)"}, type: b.log ? "log" : "linear"},
    yaxis: {type: "category", categoryorder: "array", categoryarray: b.cats, autorange: "reversed", automargin: true},
    updatemenus: scaleMenu("xaxis", b.log), hoverlabel: {align: "left"},
    shapes: (o.ref ? [{type: "line", xref: "x", yref: "paper", x0: o.ref, x1: o.ref, y0: 0, y1: 1, line: {color: "#333", dash: "dot", width: 1}}] : [])
      .concat(b.refAt === null ? [] : [{type: "line", xref: "paper", yref: "y", x0: 0, x1: 1, y0: b.refAt, y1: b.refAt,
                                         line: {color: "#555", dash: "dot", width: 1}}])};
}

// A wide screen: the labels beside the bars, the legend beside the plot.
function wideBars(b) {
  var o = b.o, many = b.traces.length > 1;  // one trace (a framework's score) needs no legend
  var layout = Object.assign(barAxes(b), {barmode: o.grouped ? "group" : "overlay", height: wideHeight(b.cats.length, o.grouped),
    margin: {l: 10, r: 20, t: 56, b: 50}, legend: {title: {text: esc(o.legend || "framework")}}});
  if (!o.grouped) layout.showlegend = many;
  if (b.refAt !== null) {
    layout.annotations = [{xref: "paper", yref: "y", x: 1, y: b.refAt, xanchor: "right", yanchor: "bottom", showarrow: false,
      text: "<i>references below: other protocols, not ranked</i>", font: {size: 10, color: "#555"}}];
  }
  return {traces: b.traces, layout: layout, compact: false};
}

function referenceTrace(cats) {  // a legend entry for the references' style: no bar of its own
  return {type: "bar", orientation: "h", name: "reference (not ranked)", x: [null], y: [cats[cats.length - 1]], hoverinfo: "skip",
    marker: {color: "rgba(255,255,255,0.9)", line: {color: "#555", width: 1.5}, pattern: {shape: "x", fgcolor: "#555", size: 6}}};
}

// The classic MLP: seconds per epoch against depth, a line per env and style; a style of another protocol than
// devicebench's (classic model.fit, legacy) is a reference: dashed, its name marked "ref".
function lineChart(div, rows, o) {
  var lines = new Map();
  rows.forEach(function (r) { var key = r.env + " · " + r.style; if (!lines.has(key)) lines.set(key, []); lines.get(key).push(r); });
  var traces = Array.from(lines.entries()).map(function (entry, k) {
    var pts = entry[1];
    var ref = /\(/.test(pts[0].style);  // "torch (classic: model.fit)", "(legacy: incl. build)": another protocol, dashed
    return {type: "scatter", mode: "lines+markers", name: esc(entry[0]) + (ref ? " · ref" : ""),
      line: {color: PALETTE[k % PALETTE.length], dash: ref ? "dash" : "solid"},
      x: pts.map(function (r) { return r.depth; }), y: pts.map(function (r) { return r.rate; }),
      error_y: {type: "data", symmetric: false, thickness: 1, width: 2, visible: pts.some(function (r) { return r.n > 1; }),
                array: pts.map(function (r) { return r.n > 1 ? r.hi - r.rate : 0; }),
                arrayminus: pts.map(function (r) { return r.n > 1 ? r.rate - r.lo : 0; })},
      hovertemplate: pts.map(function (r) { return hoverText(Object.assign({extra: "depth: " + r.depth + " · " + r.style}, r), o.unit); })};
  });
  var layout = {xaxis: {title: {text: "hidden layers of 1024 units"}, type: "linear"},
    yaxis: {title: {text: esc(o.unit) + " (lower is better)"}, type: "log"}, updatemenus: scaleMenu("yaxis", true), hoverlabel: {align: "left"}};
  var wide = {height: 460, plotH: 280, margin: {l: 60, r: 20, t: 56, b: 50}, legend: {orientation: "v", y: 1, x: 1.02, font: {size: 10}}};
  return drawChart(div, function (width) { return legendChart(traces, layout, wide, width); });
}

// Charts in view are drawn first: the page is ready when those are; the rest follow one at a time, yielding to the
// browser between them (body data-charts="all" once every chart is drawn).
function chartQueue() {
  var items = [];
  var run = function (item) { if (!item.done) item.done = Promise.resolve().then(item.draw); return item.done; };
  return {
    add: function (div, draw) { items.push({div: div, draw: draw, done: null}); },
    start: function () {
      var fold = window.innerHeight * 1.2;
      var now = items.filter(function (it) { return it.div.getBoundingClientRect().top < fold; });
      var later = items.filter(function (it) { return now.indexOf(it) < 0; });
      return Promise.all(now.map(run)).then(function () {
        var chain = Promise.resolve();
        later.forEach(function (it) { chain = chain.then(function () { return new Promise(function (r) { setTimeout(r, 0); }); }).then(function () { return run(it); }); });
        chain.then(function () { document.body.dataset.charts = "all"; }, function (e) { console.error(e); });
      });
    }
  };
}

function shownNote(p) {
  var refs = p.refs && hideReferences() ? " " + plural(p.refs, "reference") + " of other protocols hidden." :
    p.total_refs > p.refs ? " " + count(p.refs) + " of " + count(p.total_refs) + " references of other protocols shown, the fastest." : "";
  return (p.total > p.shown ? count(p.shown) + " of " + count(p.total) + " " + p.what + " shown, evenly spread from fastest to slowest; " +
    "the leaderboards list every one." : "") + refs;
}

function overviewBars(p) {
  var mixed = new Set(p.rows.map(function (r) { return r.mode; })).size > 1, hide = hideReferences(), texts = DB.data.index.protocols;
  return p.rows.filter(function (r) { return !(hide && r.reference); }).map(function (r) {
    var label = r.model + " · " + r.env + (r.env.endsWith(r.device_kind) ? "" : " [" + r.device_kind + "]") + " · " + r.framework +
      (r.devices > 1 ? " x" + r.devices : "") + (mixed ? " · " + r.mode : "") + (r.reference ? " (ref)" : "");
    return {label: label, group: r.framework, env: r.env, device: r.device_name + " (" + r.device_kind + ")", framework: r.framework,
            batch: r.batch, precision: r.precision, rate: r.rate, lo: r.lo, hi: r.hi, n: r.n, caveats: caveatsOf(r.flags, r.why),
            reference: !!r.reference, refWhy: r.reference ? referenceWhy(r.protocol, r.source, texts) + (r.detail ? " (" + r.detail + ")" : "") : "",
            extra: r.size ? "matrix n = " + r.size : r.model + " · " + r.mode + " · " + r.backend};
  });
}

// The reader's choice to leave references out, a box in the address (noref=1) like every view's state; onChange
// draws the page again.
function referenceSwitch(onChange) {
  var box = h("input", {type: "checkbox", name: "noref", onchange: function () {
    var params = hashParams();
    if (box.checked) params.set("noref", "1"); else params.delete("noref");
    setHash(params, true);
    onChange();
  }});
  box.checked = hideReferences();
  return h("p", {class: "options"}, [h("label", {class: "toggle", title: "figures of other protocols (other harnesses' published " +
    "figures, classic model.fit, legacy) are never ranked: they follow the ranked bars, outlined and cross-hatched"},
    [box, " hide references (other protocols, not ranked)"])]);
}

// The page drawn again (a choice changed, or back and forward moved through them): its charts purged first.
function redraw(main, draw) {
  var again = function () {
    Array.from(main.querySelectorAll(".js-plotly-plot")).forEach(function (div) { Plotly.purge(div); });
    main.replaceChildren();
    document.body.dataset.charts = "";
    return draw(main, again);
  };
  return again;
}

function pageOverview(main, again) {
  var I = index(), panels = DB.data.overview.panels, devices = I.envs.cols.device_name;
  if (!again) { again = redraw(main, pageOverview); onNavigate(again); }
  var device = function (env) { var i = I.byName.get(env); return i === undefined ? "" : I.dict.device[devices[i]]; };
  var rows = I.envs.cols.rows.reduce(function (a, b) { return a + b; }, 0);
  main.appendChild(h("p", {class: "lead", text: count(I.n) + " environments, " + count(rows) + " rows, " +
    count(I.raw.boards.length) + " leaderboards. Hover a bar for its figures; click a legend entry to hide it; " +
    "switch an axis between log and linear with the buttons above each chart. A hatched bar marked ⚠ carries a caveat: hover " +
    "it for the reason. Only devicebench's own measurements are ranked; other protocols' figures follow them, outlined and cross-hatched."}));
  if (panels.some(function (p) { return p.refs || (p.kind === "lines" && p.rows.some(function (r) { return /\(/.test(r.style); })); })) {
    main.appendChild(referenceSwitch(again));
  }
  var queue = chartQueue();
  overviewScore(main, queue);
  panels.forEach(function (p, k) {
    var div = h("div", {class: "chart", id: "panel-" + k});
    main.append(h("h2", {text: p.title}), h("p", {class: "note", text: shownNote(p)}), div);
    if (p.kind === "lines") {
      var points = p.rows.filter(function (r) { return !(hideReferences() && /\(/.test(r.style)); })
        .map(function (r) { return Object.assign({device: device(r.env), caveats: caveatsOf(r.flags, r.why)}, r); });
      queue.add(div, function () { return lineChart(div, points, {unit: p.unit}); });
      return;
    }
    var data = overviewBars(p);
    div.style.height = barHeight(data) + "px";  // its place is kept before it is drawn: later charts do not jump
    queue.add(div, function () { return barChart(div, data, {unit: p.unit}); });
  });
  overviewTradeoffs(main, queue);
  return queue.start();
}

function pageEnv(main) {
  var I = index(), name = new URLSearchParams(location.search).get("env") || hashParams().get("env") || "";
  var i = I.byName.get(name);
  if (i === undefined) {
    main.append(h("h1", {text: "Unknown environment"}),
      h("p", {text: name ? "No environment named “" + name + "” is in this dataset. " : "No environment was named (env.html?env=NAME). "},
        [h("a", {href: "machines.html", text: "All environments"})]));
    return Promise.resolve();
  }
  var shard = I.envs.cols.shard[i];
  return loadScript("data/envs-" + shard + ".js").then(function () { return envPage(main, I, i, DB.data["shard/" + shard]); });
}
