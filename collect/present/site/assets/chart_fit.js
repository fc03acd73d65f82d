/* global Plotly, plotlyReady, barAxes */
// How a chart fits the width it has: drawn for it, drawn again when a resize changes its layout, and laid out compact
// on a phone (charts.js draws the charts themselves).
//
// Every chart is drawn for the width it has (drawChart()): its height is set on its element before plotly draws it, so
// plotly's responsive mode resizes the width only and no chart collapses to its minimum when the window changes
// size. Under NARROW_CHART px (a phone), or where its labels or legend beside the plot would take much of its width,
// a chart is laid out compact: a bar's label above it, the legend under the plot, fewer ticks. A resize that changes
// that draws it again for the new width, from the same data.

// plotly's cloud buttons ("Share chart" sends the data to chart-studio.plotly.com) leave the site: none on any chart
var PLOTLY_CONFIG = {displaylogo: false, responsive: true, showSendToCloud: false, showEditInChartStudio: false,
                     modeBarButtonsToRemove: ["select2d", "lasso2d", "sendChartToCloud", "sendDataToCloud", "editInChartStudio", "downloadJson"]};
var NARROW_CHART = 600;
var LABEL_FONT = 10, CHAR_PX = 5.8, LINE_PX = 13;  // compact labels: the width of a character and a line at that size
var TICK_CHAR_PX = 6.6;  // a character of a wide chart's labels (12 px)
// At most 4 ticks on a compact chart's value axis: a log axis over 3 or more decades then labels whole decades
// (10, 100, 1000), not the 2 and 5 between them that print over each other on a phone.
var COMPACT_TICKS = 4;

// Every chart drawn, with what draws it: spec(width) -> {traces, layout, compact}.
var CHARTS = [];
function isNarrow(width) { return width < NARROW_CHART; }

function drawChart(div, spec, config) {
  return plotlyReady().then(function () {
    var width = div.clientWidth, s = spec(width);
    var chart = {div: div, spec: spec, config: Object.assign({}, PLOTLY_CONFIG, config), width: width, compact: s.compact};
    CHARTS = CHARTS.filter(function (c) { return c.div !== div && c.div.isConnected; }).concat([chart]);
    div.dataset.compact = String(s.compact);
    div.style.height = s.layout.height + "px";
    return Plotly.newPlot(div, s.traces, s.layout, chart.config);
  });
}

// The charts whose layout changes at their new width (compact or not; a compact one whose width moved 40 px: its
// labels wrap to it) are drawn again for it; the reader's choices (a log or linear axis, a trace hidden from the
// legend) stay. Plotly's own resize, on the same event, fits the others' width.
function redrawForWidth() {
  CHARTS = CHARTS.filter(function (c) { return c.div.isConnected; });
  CHARTS.forEach(function (c) {
    var width = c.div.clientWidth;
    if (!c.div.data || !width || width === c.width) return;
    var s = c.spec(width);
    if (s.compact === c.compact && (!s.compact || Math.abs(width - c.width) < 40)) return;
    keepChoices(c.div, s);
    Object.assign(c, {width: width, compact: s.compact});
    c.div.dataset.compact = String(s.compact);
    c.div.style.height = s.layout.height + "px";
    Plotly.react(c.div, s.traces, s.layout, c.config);
  });
}
window.addEventListener("resize", function () {
  clearTimeout(redrawForWidth.timer);
  redrawForWidth.timer = setTimeout(redrawForWidth, 150);
});

function keepChoices(div, s) {
  ["xaxis", "yaxis"].forEach(function (axis) {
    var now = div.layout[axis] && div.layout[axis].type;
    if (now && s.layout[axis] && s.layout[axis].type && s.layout[axis].type !== "category") s.layout[axis].type = now;
    if (now && s.layout.updatemenus) s.layout.updatemenus[0].active = now === "log" ? 0 : 1;
  });
  var hidden = new Set(div.data.filter(function (t) { return t.visible === "legendonly"; }).map(function (t) { return t.name; }));
  s.traces.forEach(function (t) { if (hidden.has(t.name)) t.visible = "legendonly"; });
  return s;
}

// A chart laid out by its caller (device.js's strips, tradeoffs.js's scatters): on a phone its numeric axes get
// fewer ticks (COMPACT_TICKS) and a legend goes under the plot.
function plot(div, traces, layout, config) {
  return drawChart(div, function (width) {
    var narrow = isNarrow(width);
    return {traces: traces, layout: narrow ? phoneLayout(traces, layout, width) : layout, compact: narrow};
  }, config);
}
function phoneLayout(traces, layout, width) {
  var out = Object.assign({}, layout);
  ["xaxis", "yaxis"].forEach(function (axis) {
    if (layout[axis] && (layout[axis].type === "log" || layout[axis].type === "linear")) out[axis] = Object.assign({nticks: COMPACT_TICKS}, layout[axis]);
  });
  var named = traces.filter(function (t) { return t.showlegend !== false; });
  if (layout.showlegend !== false && named.length > 1) {
    var plotH = layout.height - layout.margin.t - layout.margin.b, under = legendBelow(named, width, plotH, layout.margin.b);
    Object.assign(out, {legend: under.legend, height: layout.height + under.px, margin: Object.assign({}, layout.margin, {b: layout.margin.b + under.px})});
  }
  return out;
}

// A horizontal legend under the plot, below its axis title (axisPx under the plot area): its layout and the pixels
// it takes, its entries packed into rows of the chart's width.
function legendBelow(traces, width, plotH, axisPx) {
  var rows = 1, used = 0;
  traces.forEach(function (t) {
    var w = 40 + CHAR_PX * String(t.name || "").replace(/&[a-z#0-9]+;/g, "x").length;
    if (used && used + w > width - 10) { rows++; used = 0; }
    used += w;
  });
  return {legend: {orientation: "h", x: 0, xanchor: "left", y: -axisPx / plotH, yanchor: "top", font: {size: LABEL_FONT}, title: {text: ""}},
          px: rows * 19 + 8};
}

// A label in lines of at most `chars` characters, broken after a space or a "·" (a word longer than a line is cut
// into pieces): plotly draws "<br>" as a line break and never wraps by itself.
function wrapLabel(text, chars) {
  var lines = [], line = "";
  text.split(/(?<= )/).forEach(function (word) {
    while (word.length > chars) { if (line) { lines.push(line); line = ""; } lines.push(word.slice(0, chars)); word = word.slice(chars); }
    if ((line + word).trimEnd().length > chars) { lines.push(line); line = ""; }
    line += word;
  });
  if (line.trim()) lines.push(line);
  return lines.map(function (l) { return l.trimEnd(); });
}

// Labels above the bars on a phone, and wherever the labels beside them would leave the bars under 60% of the width.
function labelsAbove(b, width) {
  var longest = Math.max.apply(null, b.cats.map(function (c) { return c.length; }).concat([0]));
  return isNarrow(width) || longest * TICK_CHAR_PX > 0.4 * width;
}

// Compact (a phone, or labels too long to sit beside the bars): each bar's label above it, wrapped to the width (the
// plot takes the whole width: no label column beside it), a few ticks, the legend under the plot. Every band is as
// tall as the longest label needs; the bars sit in its lower part (plotly's offset and width, in bands), each label
// right above its bar.
function compactBars(b, width) {
  var o = b.o, margin = {l: 8, r: 14, t: 40, b: 46};
  var plotW = width - margin.l - margin.r, chars = Math.max(12, Math.floor(plotW / CHAR_PX));
  var wrapped = b.cats.map(function (c) { return wrapLabel(c, chars); });
  var lines = Math.max.apply(null, wrapped.map(function (l) { return l.length; }).concat([1]));
  var sides = o.grouped || 1, barPx = o.grouped ? 7 * sides + 4 : 12, labelPx = lines * LINE_PX + 3, band = labelPx + barPx + 6;
  var plotH = band * b.cats.length, many = b.traces.length > 1, under = legendBelow(b.traces, width, plotH, margin.b);
  var barW = barPx / band, top = 0.5 - 4 / band - barW;  // a band spans -0.5..0.5 around its category, downwards
  var traces = b.traces.map(function (t, i) {
    var k = o.grouped && i < sides ? i : 0;
    return Object.assign({}, t, {width: barW / sides, offset: top + k * barW / sides});
  });
  var layout = Object.assign(barAxes(b), {barmode: "overlay", showlegend: many, margin: Object.assign(margin, {b: margin.b + (many ? under.px : 0)}),
    legend: under.legend, annotations: wrapped.map(function (l, k) {
      // on white: a dotted line (a ratio of 1, where the references start) passes behind it
      return {xref: "paper", x: 0, xanchor: "left", yref: "y", y: k + top, yanchor: "bottom", yshift: 1, showarrow: false, align: "left",
              text: l.join("<br>"), font: {size: LABEL_FONT, color: "#333"}, bgcolor: "rgba(255,255,255,0.85)", borderpad: 0};
    })});
  layout.height = plotH + layout.margin.t + layout.margin.b;
  Object.assign(layout.xaxis, {nticks: COMPACT_TICKS, tickfont: {size: LABEL_FONT}, title: {text: layout.xaxis.title.text, font: {size: 11}}});
  Object.assign(layout.yaxis, {showticklabels: false, automargin: false});
  return {traces: traces, layout: layout, compact: true};
}

// A chart whose legend sits beside the plot on a wide screen and under it on a phone, or where it would take more
// than a third of the width beside it (the MLP lines, the roofline): wide {height, legend, margin}; compact, the plot
// keeps plotH px and the chart grows by what its legend takes.
function legendChart(traces, layout, wide, width) {
  var longest = Math.max.apply(null, traces.map(function (t) { return String(t.name || "").length; }));
  if (!isNarrow(width) && 40 + longest * CHAR_PX * 1.1 < width / 3) {
    return {traces: traces, layout: Object.assign({}, layout, {height: wide.height, legend: wide.legend, margin: wide.margin}), compact: false};
  }
  var margin = Object.assign({}, wide.margin, {l: Math.min(wide.margin.l, 56), r: 14}), plotH = wide.plotH;
  var under = legendBelow(traces, width, plotH, margin.b);
  margin.b += under.px;
  var out = Object.assign({}, layout, {height: plotH + margin.t + margin.b, legend: under.legend, margin: margin});
  ["xaxis", "yaxis"].forEach(function (axis) { out[axis] = Object.assign({}, layout[axis], {nticks: COMPACT_TICKS, tickfont: {size: LABEL_FONT}}); });
  return {traces: traces, layout: out, compact: true};
}
