"""Read the original TensorFlow M1 benchmark's wide CSV as tidy `source=legacy` rows.

That script wrote `pd.DataFrame({depth: {env: seconds}}).to_csv('results_<env>.csv')`:
a first unnamed column of env names, then one column per MLP depth (hidden layers
of 1024 units), each cell the wall seconds to build the model and train it for 3
epochs on 50,000 CIFAR-10 images at Keras' default batch size 32.
"""

from __future__ import annotations

import csv
import io
import math

import numpy as np

from collect.contract.csvio import FileProblem
from collect.contract.record import EPOCH_SAMPLES, FIELDS, make_record, slugify, to_row
from collect.dataset.cells import Part

EPOCHS = 3
BATCH_SIZE = 32
REFERENCE = "M1-tensorflow-benchmark (original wide results_<env>.csv: wall s for build + 3 epochs)"


def legacy_part(path, header: tuple[str, ...], body: str) -> Part:
    """The file's timings as rows of the current header, so the loader parses and validates them like any file."""
    depths = []
    for cell in header[1:]:
        try:
            depths.append(int(float(cell)))
        except ValueError:
            raise FileProblem(1, cell, "legacy files need MLP depths (whole numbers) as column names") from None
    lines, numbers = [], []
    for line_no, cells in enumerate(csv.reader(body.split("\n")[:-1]), start=2):
        if len(cells) != len(header):
            raise FileProblem(line_no, "row", f"has {len(cells)} cells but the header has {len(header)}")
        name = cells[0].strip()
        if not name:
            raise FileProblem(line_no, "env", "legacy rows need an env name in the first column")
        for depth, cell in zip(depths, cells[1:], strict=True):
            if cell.strip() == "":
                continue  # this env did not run this depth
            seconds = _seconds(cell, line_no, header[1 + depths.index(depth)])
            lines.append(_encode(legacy_record(name, depth, seconds, path)))
            numbers.append(line_no)
    if not lines:
        raise FileProblem(None, "file", "legacy file has no timings")
    return Part(str(path), "", tuple(FIELDS), "\n".join(lines), np.array(numbers))


def _seconds(cell: str, line_no: int, column: str) -> float:
    try:
        value = float(cell)
    except ValueError:
        raise FileProblem(line_no, column, f"must be seconds (a number), but {cell!r} was found") from None
    if not math.isfinite(value) or value <= 0:
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


def _encode(record) -> str:
    buf = io.StringIO()
    csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="").writerow(to_row(record))
    return buf.getvalue()
