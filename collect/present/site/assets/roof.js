/* global h, esc, fmt, drawChart, legendChart */
// The roofline on an env's page (data from roof.py), the interactive twin of figures/roofline.png: log-log, each
// precision's roof min(compute roof, bandwidth roof x intensity), and every configuration whose FLOPs and bytes are
// known at its FLOP per byte and attained TFLOP/s, hover naming it.

var WORKLOAD_COLORS = {matmul: "#4c72b0", llm: "#c44e52", membw: "#55a868", transformer: "#8172b3", cnn: "#937860", mlp: "#da8bc3"};

function roofTraces(r, lo, hi) {  // one dashed line per precision; a bandwidth-only env gets the slanted line alone
  var xs = [], k, traces = [];
  for (k = 0; k <= 60; k++) xs.push(lo * Math.pow(hi / lo, k / 60));
  var roofs = r.compute.length ? r.compute : [["", null]];
  roofs.forEach(function (c, n) {
    var ys = xs.map(function (x) {
      var slope = r.gbps === null ? Infinity : r.gbps * x / 1000;  // GB/s x FLOP/byte = GFLOP/s
      return Math.min(c[1] === null ? Infinity : c[1], slope);
    });
    var label = (c[0] ? c[0] + ": " + fmt(c[1]) + " TFLOP/s" : "") + (r.gbps !== null ? (c[0] ? ", " : "") + fmt(r.gbps) + " GB/s" : "");
    traces.push({type: "scatter", mode: "lines", x: xs, y: ys, name: esc(label), hoverinfo: "skip",
                 line: {color: "#444", dash: ["dash", "dot", "dashdot", "longdash"][n % 4], width: 1.5}});
  });
  return traces;
}

function roofChart(div, r) {
  var pts = r.points, xs = pts.map(function (p) { return p[3]; });
  var peaks = r.compute.map(function (c) { return c[1]; }).filter(function (v) { return v > 0; });
  var ridge = r.gbps && peaks.length ? Math.max.apply(null, peaks) * 1000 / r.gbps : 1;
  var lo = Math.min.apply(null, xs.concat([ridge]).filter(function (v) { return v > 0; })) / 4;
  var hi = Math.max.apply(null, xs.concat([ridge])) * 4;
  var groups = new Map();
  pts.forEach(function (p) { var key = p[1] + " · " + p[2]; if (!groups.has(key)) groups.set(key, []); groups.get(key).push(p); });
  var traces = roofTraces(r, lo, hi).concat(Array.from(groups.entries()).map(function (entry) {
    var g = entry[1];
    return {type: "scatter", mode: "markers", name: esc(entry[0]), x: g.map(function (p) { return p[3]; }), y: g.map(function (p) { return p[4]; }),
            marker: {size: 9, color: WORKLOAD_COLORS[g[0][1]] || "#7f7f7f", symbol: g[0][2] === "tensorflow" ? "square" : "circle",
                     line: {width: 0.5, color: "#222"}},
            hovertemplate: g.map(function (p) { return esc(p[0]) + " · " + esc(p[2]) + "<br>" + fmt(p[3]) + " FLOP/byte · " + fmt(p[4]) + " TFLOP/s<extra></extra>"; })};
  }));
  // a phone: the legend under the plot; elsewhere beside it, below the toolbar (charts.js legendChart)
  var layout = {xaxis: {type: "log", title: {text: "arithmetic intensity (FLOP/byte, log)"}}, yaxis: {type: "log", title: {text: "TFLOP/s (log)"}}};
  var wide = {height: 440, plotH: 290, margin: {l: 70, r: 20, t: 40, b: 50}, legend: {orientation: "v", x: 1.02, font: {size: 11}, y: 0.9, yanchor: "top"}};
  return drawChart(div, function (width) { return legendChart(traces, layout, wide, width); });
}

function roofPanel(main, meta, queue) {  // one chart per device kind the env has a roof for
  if (!meta.roof || !meta.roof.length) return;
  main.append(h("h2", {text: "Roofline"}), h("p", {class: "lead", text: "Measured roofs: the best matmul TFLOP/s of each precision " +
    "and the best memory bandwidth (membw GB/s); each configuration whose FLOPs and bytes are known at its FLOP per byte. " +
    "A point far below its roof has headroom; one to the left of the corner is bound by memory, not arithmetic."}));
  meta.roof.forEach(function (r) {
    var div = h("div", {class: "chart roofline", data: {kind: r.kind}});
    main.append(h("h3", {text: r.kind}), div);
    queue.add(div, function () { return roofChart(div, r); });
  });
}
