"""Row validation with pandera, translated into one-line `FILE:LINE: column: reason` problems.

The schema runs on the raw text cells (empty cell = missing), indexed by a global row
number so every failure maps back to its file and line. Numbers are parsed once per
column before validation and the checks close over them; cross-column rules are checks
on the column they blame. That keeps a million rows to a few seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
import pandera.pandas as pa

from collect.contract import record as r
from collect.dataset.cells import FORMULA_REASON, formula_like, formula_reason, number_hint, parse_numbers

ROW = "_row"  # helper column: the row's global position; failures on it are reported as column "row"
# Free-text columns, checked for cells a spreadsheet would run as a formula (cells.FORMULA). Columns whose own
# check wants a letter or digit first (a choice, env, protocol, licence) already refuse such a cell, and say so once.
FREE_TEXT = tuple(name for name in r.FIELDS if name not in r.NUMERIC_COLUMNS and name not in r.CHOICES
                  and name not in ("env", "protocol", "licence"))


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None  # 0 (or None) for a problem of the whole file
    column: str
    reason: str
    level: str = "error"  # "warning" or "review": reported, does not invalidate the file

    def __str__(self) -> str:
        where = f"{self.path}:{self.line or 0}"
        prefix = "" if self.level == "error" else f"{self.level}: "
        return f"{where}: {self.column}: {prefix}{self.reason}"


def _number_checks(name: str, x: pd.Series) -> list[pa.Check]:
    valid = np.isfinite(x) & (x >= 0)
    if name in r.INT_COLUMNS:
        checks = [pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | (valid & (x == np.round(x))), error="must be a whole number >= 0")]
    else:
        checks = [pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | valid, error="must be a finite number >= 0")]
    if name == "schema_version":
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: ~(x > r.SCHEMA_VERSION),
                               error=f"is newer than this code knows ({r.SCHEMA_VERSION}); update devicebench to read it"))
    if name == "batch_size":
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: ~(x < 1), error="must be at least 1"))
    return checks


def _column_checks(name: str, frame: pd.DataFrame, numbers: dict, file_env) -> list[pa.Check]:
    checks = []
    if name in r.REQUIRED:
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.notna(), error="is required but empty"))
    if name in r.CHOICES:
        allowed = r.CHOICES[name]
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | s.isin(allowed), error=f"must be one of {allowed!r}"))
    if name in numbers:
        checks += _number_checks(name, numbers[name])
    if name in FREE_TEXT:
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: ~formula_like(s), error=FORMULA_REASON))
    if name == "env":
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | s.str.fullmatch(r.ENV_RE.pattern[1:-1]).fillna(False),
                               error="must be 1-64 of lower-case letters, digits, '.', '_', '-'"))
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: (file_env == "") | (s == file_env).fillna(False),
                               error="does not match the <env> in the file name"))
    if name == "timestamp_utc":
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | pd.to_datetime(s, errors="coerce", utc=True, format="ISO8601").notna(),
                               error="must be an ISO 8601 date or time"))
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.notna() | (frame["source"] != "measured"),
                               error="is required for measured rows"))
    if name == "backend":
        checks += _backend_checks(frame)
    if name == "protocol":
        checks += _protocol_checks(frame)
    if name == "licence":
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | s.str.fullmatch(r.LICENCE_RE.pattern[1:-1]).fillna(False),
                               error="must be an SPDX licence identifier such as CC-BY-SA-4.0, BSD-3-Clause, Apache-2.0 or MIT"))
    if name == "energy_method":  # a measured power figure says how it was measured (rule 11), never a guess
        power = numbers["power_w"]
        measured = (frame["source"] == "measured").fillna(False)
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: ~(measured & power.notna() & (s.isna() | (s == "none"))),
                               error="must name how a measured power_w was measured (nvml_energy, nvml_power, rapl, powermetrics)"))
    if name == "samples_per_s":
        rate = numbers[name]
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s: (frame["status"] != "ok") | (rate > 0),
                               error="must be a finite number > 0 when status is ok"))
    return checks


def _protocol_checks(frame: pd.DataFrame) -> list[pa.Check]:
    """A measured row ran under one of devicebench's protocols and a legacy row under the legacy one; a published
    row names its harness (any short name), never devicebench's steady-state protocol it did not run."""
    checks = [pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | s.str.fullmatch(r.PROTOCOL_RE.pattern[1:-1]).fillna(False),
                       error="must be a harness's name: 1-80 letters, digits, spaces and ._:/+()-")]
    for source, allowed in r.PROTOCOLS_OF_SOURCE.items():
        other = (frame["source"] != source).fillna(True)
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s, other=other, allowed=allowed: s.isna() | other | s.isin(allowed),
                               error=f"must be one of {allowed!r} for {source} rows"))
    published = (frame["source"] == "published").fillna(False)
    checks.append(pa.Check(ignore_na=False, check_fn=lambda s: s.isna() | ~published | (s != r.STEADY),
                           error=f"of a published row names the harness that produced it, not {r.STEADY!r}"))
    return checks


def _backend_checks(frame: pd.DataFrame) -> list[pa.Check]:
    """One check per framework, so a failure names the backends of that row's framework, not every list.
    A backend no framework has, or an unknown framework, is already reported by its CHOICES check."""
    checks = []
    for framework, runs in r.BACKENDS_OF.items():
        other = (frame["framework"] != framework).fillna(True)
        checks.append(pa.Check(ignore_na=False, check_fn=lambda s, other=other, runs=runs: s.isna() | ~s.isin(r.BACKENDS) | other | s.isin(runs),
                               error=f"must be one of {framework}'s backends {runs!r}"))
    return checks


def duplicate_rows(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """True for rows that repeat an earlier row exactly (same file included in `columns`)."""
    # Cheap candidates on a few telling columns first; the full comparison only for those.
    probe = [c for c in ("timestamp_utc", "run_id", "samples_per_s", "model", "mode", "batch_size", "_file") if c in columns]
    candidates = frame.duplicated(subset=probe, keep=False).to_numpy()
    result = np.zeros(len(frame), dtype=bool)
    if candidates.any():
        result[candidates] = frame.loc[candidates, columns].duplicated(keep="first").to_numpy()
    return result


def validate_strings(frame: pd.DataFrame, file_env, file_of: np.ndarray,
                     numbers: dict[str, pd.Series] | None = None) -> tuple[pd.DataFrame, dict[str, pd.Series]]:
    """Validate text cells (columns FIELDS, NaN = empty); file_env holds each row's file-name env ("" for
    legacy files), file_of a number per file (a row repeating another file's row is no duplicate); numbers:
    the numeric columns parsed already (cells.numbers), else parsed here.

    Returns (failures with columns index, column, reason, value; the parsed numeric columns).
    """
    if numbers is None:
        numbers = {name: parse_numbers(frame[name]) for name in r.NUMERIC_COLUMNS}
    dupes = duplicate_rows(frame.assign(_file=file_of), list(r.FIELDS) + ["_file"])
    columns = {name: pa.Column(checks=_column_checks(name, frame, numbers, file_env), required=False, nullable=True)
               for name in r.FIELDS}
    columns[ROW] = pa.Column(checks=[pa.Check(ignore_na=False, check_fn=lambda s: pd.Series(~dupes, index=s.index), error="repeats an earlier row of this file exactly")])
    schema = pa.DataFrameSchema(columns, strict=False)
    try:
        schema.validate(frame.assign(**{ROW: np.arange(len(frame))}), lazy=True, inplace=True)
    except pa.errors.SchemaErrors as exc:
        return _translate(exc.failure_cases), numbers
    return pd.DataFrame(columns=["index", "column", "reason", "value"]), numbers


def _translate(fc: pd.DataFrame) -> pd.DataFrame:
    fc = fc[fc["index"].notna()]
    column = fc["column"].astype(str).replace(ROW, "row")
    value = fc["failure_case"].astype(object).where(fc["failure_case"].notna() & (column != "row"), "")
    out = pd.DataFrame({"index": fc["index"].astype(int), "column": column,
                        "reason": fc["check"].astype(str), "value": value.astype(str)})
    out = out.drop_duplicates(["index", "column", "reason"])
    return out.sort_values(["index", "column"], kind="stable").reset_index(drop=True)


def reason_with_value(reason: str, value: str, column: str) -> str:
    """Quote the offending cell when there is one: `..., but 'abc' was found`; for a number as a spreadsheet
    shows it (1,234.5), say so and how to save it."""
    if value == "" or column == "row":
        return reason
    if reason == FORMULA_REASON:
        return formula_reason(value)
    hint = number_hint(value) if column in r.NUMERIC_COLUMNS else ""
    return f"{reason}, but {value!r} was found" + (f": {hint}" if hint else "")
