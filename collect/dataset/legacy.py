"""Read the original TensorFlow M1 benchmark's wide CSV as tidy `source=legacy` rows.

That script wrote `pd.DataFrame({depth: {env: seconds}}).to_csv('results_<env>.csv')`:
a first unnamed column of env names, then one column per MLP depth (hidden layers
of 1024 units), each cell the wall seconds to build the model and train it for 3
epochs on 50,000 CIFAR-10 images at Keras' default batch size 32.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np

from collect.contract.csvio import FileProblem
from collect.contract.record import EPOCH_SAMPLES, FIELDS, make_record, slugify, to_row
from collect.dataset.cells import FORMULA, Part, formula_reason, number_hint

EPOCHS = 3
BATCH_SIZE = 32
REFERENCE = "M1-tensorflow-benchmark (original wide results_<env>.csv: wall s for build + 3 epochs)"


def legacy_part(path, header: tuple[str, ...], records, notes: tuple = ()) -> Part:
    """The file's timings as rows of the current header, so the loader parses and validates them like any file.
    records: (line, cells) of each row below the header, each with the header's cell count."""
    depths = [_depth(cell) for cell in header[1:]]
    if len(set(depths)) != len(depths):
        twice = next(cell for cell, depth in zip(header[1:], depths, strict=True) if depths.count(depth) > 1)
        raise FileProblem(1, twice, "column appears more than once in the header")
    lines, numbers = [], []
    for line_no, cells in records:
        name = " ".join(cells[0].split("\n")).strip()  # as to_row writes text: one line
        if not name:
            raise FileProblem(line_no, "env", "legacy rows need an env name in the first column")
        if FORMULA.match(name):  # it becomes the rows' device_name: named here, at the cell the file holds
            raise FileProblem(line_no, "env", formula_reason(name))
        known = {"env": slugify(name), "device_name": _quote(name), "run_id": _quote(f"legacy:{Path(path).name}")}
        for column, depth, cell in zip(header[1:], depths, cells[1:], strict=True):
            if cell.strip() == "":
                continue  # this env did not run this depth
            seconds = _seconds(cell, line_no, column)
            lines.append(TEMPLATE.format(**known, model=f"mlp-d{depth}-w1024", wall_s=repr(seconds),
                                         samples_per_s=repr(EPOCHS * EPOCH_SAMPLES / seconds)))
            numbers.append(line_no)
    if not lines:
        raise FileProblem(0, "file", "legacy file has no timings")
    return Part(str(path), "", tuple(FIELDS), "\n".join(lines).encode("utf-8"), np.array(numbers), multiline=False, notes=notes)


def _depth(cell: str) -> int:
    try:
        value = float(cell)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value.is_integer() and 1 <= value <= 100_000):
        raise FileProblem(1, cell, "legacy files need MLP depths (whole numbers from 1) as column names")
    return int(value)


def _seconds(cell: str, line_no: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        hint = number_hint(cell)
        raise FileProblem(line_no, column, f"must be seconds (a number), but {cell!r} was found" + (f": {hint}" if hint else "")) from None
    if not math.isfinite(value) or value <= 0 or not math.isfinite(EPOCHS * EPOCH_SAMPLES / value):
        raise FileProblem(line_no, column, f"must be a finite number of seconds > 0, but {cell!r} was found")
    return value


def legacy_record(name: str, depth: int, seconds: float, path):
    """One legacy timing as a record. The rate includes model build and tracing."""
    return make_record(
        env=slugify(name), source="legacy", reference=REFERENCE, run_id=f"legacy:{path.name}",
        platform="unknown", framework="tensorflow", device_kind="unknown", device_name=name,
        workload="mlp", model=f"mlp-d{depth}-w1024", mode="train", precision="fp32",
        batch_size=BATCH_SIZE, dataset="cifar10", wall_s=seconds,
        samples_per_s=EPOCHS * EPOCH_SAMPLES / seconds,
        note="legacy: wall time of build + 3 epochs; includes model build and first-epoch tracing",
    )


def _quote(text: str) -> str:
    """A CSV cell as csv.writer writes it (quoted when it holds a comma, quote or line break)."""
    return '"' + text.replace('"', '""') + '"' if any(c in text for c in ',"\n\r') else text


def _template() -> str:
    """One legacy row as a format string: the cells every legacy row shares written out, the others {named}.
    Filling it is what writing legacy_record(...) through csv.writer gives, at a fraction of the cost."""
    row = to_row(legacy_record("name", 5, 60.0, Path("results_x.csv")))
    varying = ("env", "device_name", "run_id", "model", "wall_s", "samples_per_s")
    return ",".join("{" + name + "}" if name in varying else _quote(row[name]).replace("{", "{{").replace("}", "}}")
                    for name in FIELDS)


TEMPLATE = _template()
