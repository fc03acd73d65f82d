"""The merged data: every valid row of every file in one CSV, and a Parquet file where pyarrow is installed.

plot_results.py writes them beside results.md, whose tables and figures are bounded: the full data is
one download away. Columns are the contract's (record.FIELDS), then `file` and `line`, where each row
came from. Each file is written to a temporary name and renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pandas as pd

from collect.contract import record as r
from collect.dataset import cells

EXACT = 2**53  # whole numbers up to here survive a float; larger ones stay floats


def merged(frame: pd.DataFrame) -> pd.DataFrame:
    """The valid rows with the contract's columns, whole-number columns as nullable integers."""
    out = frame[[*r.FIELDS, "file", "line"]].copy()
    for name in r.INT_COLUMNS:
        values = out[name].to_numpy(dtype=float)
        missing = np.isnan(values)
        if np.all(missing | (np.abs(values) <= EXACT)):
            out[name] = pd.arrays.IntegerArray(np.where(missing, 0, values).astype(np.int64), mask=missing)
    return out


def data_paths(markdown: Path) -> list[Path]:
    """Where the merged data goes: beside the markdown file, with its stem (results.md -> results.csv, results.parquet)."""
    names = [markdown.with_suffix(".csv")] + ([markdown.with_suffix(".parquet")] if cells.USE_ARROW else [])
    return [p if p != markdown else markdown.with_name(markdown.name + p.suffix) for p in names]


def arrow_table(frame: pd.DataFrame):
    """The merged rows as a pyarrow table, built column by column from the frame (no pandas copy of a million rows):
    text columns stay dictionary-encoded, whole-number columns become integers where every value is exact."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = [*r.FIELDS, "file", "line"]
    arrays = []
    for name in names:
        array = pa.Array.from_pandas(frame[name])  # NaN -> null
        if name in r.INT_COLUMNS and pc.all(pc.less_equal(pc.abs(array), EXACT)).as_py() in (True, None):
            array = pc.cast(array, pa.int64())
        arrays.append(array)
    return pa.table(arrays, names=names)


def inert(frame: pd.DataFrame) -> pd.DataFrame:
    """The frame with an apostrophe before each text cell a spreadsheet would run as a formula (cells.FORMULA).
    Validation refuses such cells, so for loaded rows this changes nothing: it is the second guard, for a frame
    built some other way, and costs a look at each text column's few categories."""
    fixed = {}
    for name in r.FIELDS:
        if name in r.NUMERIC_COLUMNS:
            continue
        bad = cells.formula_like(frame[name]).to_numpy()
        if bad.any():
            text = frame[name].astype(object)
            fixed[name] = text.where(~bad, "'" + text.astype(str))
    return frame.assign(**fixed) if fixed else frame


def write_merged(frame: pd.DataFrame, paths: list[Path]) -> list[Path]:
    """Write the merged rows to each path (.csv, .parquet); returns the paths written."""
    frame = inert(frame)
    table = arrow_table(frame) if cells.USE_ARROW else merged(frame)
    for path in paths:
        with _replacing(path) as tmp:
            if path.suffix == ".parquet":
                import pyarrow.parquet as pq

                pq.write_table(table, tmp)
            elif cells.USE_ARROW:
                import pyarrow.csv as pacsv

                pacsv.write_csv(table, tmp)
            else:
                table.to_csv(tmp, index=False)
    return paths


class _replacing:
    """A temporary file beside `path`, renamed onto it when the block succeeds, removed when it fails."""

    def __init__(self, path: Path):
        self.path = Path(path)

    def __enter__(self) -> str:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.tmp = str(self.path.with_name(f".tmp-{os.getpid()}-{threading.get_ident()}-{self.path.name}"))  # umask's mode
        return self.tmp

    def __exit__(self, kind, *_exc) -> None:
        if kind is None:
            os.replace(self.tmp, self.path)
        elif os.path.exists(self.tmp):
            os.unlink(self.tmp)
