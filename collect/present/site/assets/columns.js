/* global h, fmt, spread, percent, column, figure, caveatsOf, badges, caveatText, referenceBadge */
// Columns the tables share: a row's figure in its workload's unit, its spread, its caveats, % of peak.

var UNIT_ORDER = ["samples/s", "tokens/s", "TFLOP/s", "GB/s"];  // a mixed column's units, in the order its sorts list them

// The figure of each row in the unit its workload is read in (one workload: the board's; several: each row's own).
function figureColumn(t, workloadOf, o) {
  var values = new Array(t.n), units = new Array(t.n), fixed = o && o.unit;
  for (var j = 0; j < t.n; j++) {
    var f = figure(workloadOf(j)), v = column(t, f.key)[j];
    values[j] = typeof v === "number" ? v / f.scale : null;
    units[j] = f.unit;
  }
  var col = {key: (o && o.key) || "figure", label: fixed || "figure", num: values, level: 1, csvLabel: fixed || "figure",
             title: "median over the repeat rows"};
  if (!fixed) {  // rows of several workloads: each cell names its unit, the download has a unit column
    // One column, sorted unit first, then by value within the unit: the rows of a unit stay together (samples/s, then
    // tokens/s, TFLOP/s, GB/s), so a sort never ranks 1,000 samples/s above 300 TFLOP/s. One column per unit would
    // leave an env's table mostly empty cells and wider than its page; a unit's rows in a run read as its own list.
    // The table sorts within each unit (table.js `within`, as a comparison's figure columns do): a code per row, in
    // UNIT_ORDER, any other unit after them by name.
    var order = UNIT_ORDER.concat(Array.from(new Set(units.filter(function (u) { return UNIT_ORDER.indexOf(u) < 0; }))).sort());
    col.within = units.map(function (u) { return order.indexOf(u); });
    col.fmt = null;
    col.cell = function (i) { return values[i] === null ? "" : fmt(values[i]) + " " + units[i]; };
    col.title = "median over the repeat rows, in its workload's unit; sorting keeps each unit's rows together (" +
      UNIT_ORDER.join(", ") + "), ordered by value within each";
    col.csvValue = function (i) { return values[i] === null ? "" : String(values[i]); };
  }
  var unit = {key: "unit", label: "unit", sort: false, level: 3, cell: function (i) { return units[i]; }};
  return {col: col, values: values, units: units, unit: fixed ? null : unit};
}

// n, then the range (2 rows on) and the IQR (4 rows on) of the figure's rows, scaled as the figure is.
function spreadColumns(t, workloadOf, levels) {
  var scaleOf = function (j) { var f = figure(workloadOf(j)); return f.key === "rate" ? f.scale : null; };
  var part = function (lo, hi, least) {
    return function (i) {
      var s = scaleOf(i), n = t.cols.n[i];
      return s === null ? "" : spread(column(t, lo)[i] === null ? null : column(t, lo)[i] / s,
                                      column(t, hi)[i] === null ? null : column(t, hi)[i] / s, n, least);
    };
  };
  return [{key: "range", label: "range", sort: false, level: levels[0], cell: part("rate_min", "rate_max", 2),
           title: "the slowest and fastest repeat row (from 2 rows)"},
          {key: "n", label: "n", num: t.cols.n, fmt: String, level: levels[1], title: "repeat rows behind the median"},
          {key: "iqr", label: "IQR", sort: false, level: 3, cell: part("q1", "q3", 4), title: "the middle half of the repeat rows (from 4 rows)"}];
}

// Badges with their reasons (the download writes the reasons); refs: a reference row's first badge says it is not ranked
// and what its protocol timed.
function caveatColumn(t, notes, refs) {
  var flags = column(t, "flags").map(function (v) { return v || 0; }), note = t.cols.note, peak = column(t, "peak");
  var list = function (i) {
    var c = caveatsOf(flags[i], note && notes ? notes[note[i]] : "", peak[i]);
    return refs && refs[i] ? [referenceBadge(t, i)].concat(c) : c;
  };
  return {key: "caveats", label: "caveats", level: 1, sortValue: function (i) { return flags[i] + (refs && refs[i] ? 0.5 : 0); },
          cell: function (i) { var c = list(i), node = badges(c); node.dataset.csv = caveatText(c); return node; },
          title: "reference (another protocol, not ranked), unsteady, noisy, bimodal, partial, input pipeline, over peak, " +
            "published: hover a badge for its reason"};
}

function peakColumn(t) {
  if (!column(t, "peak_frac").some(function (v) { return v !== null; })) return [];
  return [{key: "peak_frac", label: "% of peak", num: t.cols.peak_frac, fmt: percent, level: 3, csvLabel: "% of peak",
           csv: function (v) { return String(Number((100 * v).toPrecision(4))); },
           title: "its TFLOP/s over the env's best matmul TFLOP/s at its precision"}];
}

function secondaryFigures(t, primaryKey) {  // the figures a row has besides the ranked one, collapsed by default
  var out = [{key: "step_ms", label: "step ms", num: column(t, "step_ms"), level: 3}];
  if (primaryKey !== "tflops") out.push({key: "tflops", label: "TFLOP/s", num: column(t, "tflops"), level: 3});
  return out.concat(peakColumn(t));
}

function textColumn(key, label, codes, dict, level, extra) {
  return Object.assign({key: key, label: label, codes: codes, dict: dict, level: level || 1}, extra || {});
}

function noteCell(notes, codes) {  // a note readable where it is: a wrapping cell with a sensible width
  return function (i) { return codes ? notes[codes[i]] || "" : ""; };
}

function emptyNote(main, text) { main.appendChild(h("p", {class: "note", text: text})); }
