"""The site's data files: compact columnar JSON, wrapped as JavaScript that a page loads with <script src>.

Browsers refuse fetch() of file:// URLs, so every data file is a script that hands its payload to
`DB.put(key, payload)`. The payload is JSON (a subset of JavaScript): ASCII only (U+2028/U+2029 and
every other non-ASCII character escaped) and with `<` written as `\\u003c`, so no text from a contributor
can close a <script> element or open an HTML comment, whether the JSON is in a file or inlined in a page.

Tables are columnar: {"n": rows, "cols": {name: [values]}}. A text column holds integer codes into a
dictionary (a list of the distinct strings, shared by every file of the site, in data/index.js); a column of
whole numbers may be run-length encoded, {"r": [value, count, ...]}; measured figures are rounded to SIG
significant digits; null is "not measured"; a column that is null throughout is left out.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd

SIG = 4  # significant digits of every measured figure (results.md shows 3, the CSV downloads every digit)


def round_sig(values, digits: int = SIG) -> np.ndarray:
    """Values rounded to `digits` significant digits, exactly as their decimal spelling (1234.5678 -> 1235.0,
    0.012345 -> 0.01235); NaN and inf stay as they are."""
    x = np.asarray(values, dtype=float)
    out = x.copy()
    with np.errstate(invalid="ignore"):
        ok = (np.abs(x) > 1e-280) & (np.abs(x) < 1e280)  # beyond these a power of ten overflows: left as they are
    if not ok.any():
        return out
    exp = np.floor(np.log10(np.abs(x[ok]))).astype(int) - (digits - 1)
    small, scale = exp < 0, 10.0 ** np.abs(exp)  # whole powers of ten: exact, so the result prints short
    with np.errstate(over="ignore"):  # np.where computes both branches: the one not taken may overflow
        out[ok] = np.where(small, np.round(x[ok] * scale) / scale, np.round(x[ok] / scale) * scale)
    return out


def numbers(values) -> str | None:
    """A JSON list of the numbers, NaN and inf as null; None when all are null. Mostly null (a range or quartiles
    exist only where a configuration has repeat rows): {"k": [gaps], "v": [values]}, only the numbers there are,
    each at the index after the previous one plus its gap."""
    x = np.asarray(values, dtype=float)
    x = np.where(np.isfinite(x), x, np.nan)
    if x.size and np.isnan(x).all():
        return None
    at = np.flatnonzero(~np.isnan(x))
    if 2 * len(at) < len(x):
        gaps = np.diff(np.r_[-1, at]) - 1
        return f'{{"k":{json.dumps(gaps.tolist(), separators=(",", ":"))},"v":{numbers(x[at])}}}'
    objects = x.astype(object)
    objects[np.isnan(x)] = None
    text = json.dumps(objects.tolist(), allow_nan=False, separators=(",", ":"))
    return text.replace(".0,", ",").replace(".0]", "]")  # 1234.0 -> 1234: in a list of numbers only whole ones end so


def integers(values) -> str:
    """A JSON list of whole numbers, or {"r": [value, count, value, count, ...]} where runs of one value make that
    shorter (an env's rows share their env, device and source)."""
    x = np.asarray(values, dtype=np.int64)
    if _runs(x):
        starts = np.flatnonzero(np.r_[True, x[1:] != x[:-1]])
        lengths = np.diff(np.r_[starts, len(x)])
        pairs = np.column_stack([x[starts], lengths]).ravel()
        return f'{{"r":{json.dumps(pairs.tolist(), separators=(",", ":"))}}}'
    return json.dumps(x.tolist(), separators=(",", ":"))


class Dictionary:
    """The distinct strings of each text column, in first-seen order: the site's shared code book."""

    def __init__(self):
        self.values: dict[str, dict[str, int]] = {}

    def codes(self, name: str, column) -> np.ndarray:
        """Integer codes of the strings in `column` in the dictionary `name` (new strings are added; missing is "")."""
        book = self.values.setdefault(name, {})
        series = pd.Series(column)
        if isinstance(series.dtype, pd.CategoricalDtype):  # a million rows: the codes are already there
            local, uniques = series.cat.codes.to_numpy(), list(series.cat.categories.astype(str))
        else:
            local, uniques = pd.factorize(series.astype(object).where(series.notna(), "").astype(str))
            uniques = list(uniques)
        mapping = np.array([book.setdefault(value, len(book)) for value in [*uniques, ""]], dtype=np.int64)
        return mapping[np.asarray(local, dtype=np.int64)]  # code -1 (missing) picks the "" at the end

    def as_lists(self) -> dict[str, list[str]]:
        return {name: list(book) for name, book in self.values.items()}


def columns(frame: pd.DataFrame, book: Dictionary, text: dict[str, str], ints: tuple[str, ...] = (),
            floats: tuple[str, ...] = ()) -> dict[str, np.ndarray]:
    """The columns of `frame` as arrays, once for all its rows: `text` columns as codes (column -> dictionary
    name), `ints` as whole numbers (missing: 0), `floats` rounded to SIG significant digits."""
    out = {column: book.codes(dictionary, frame[column]) for column, dictionary in text.items()}
    out.update({column: frame[column].fillna(0).to_numpy(dtype=np.int64) for column in ints})
    out.update({column: round_sig(frame[column].to_numpy(dtype=float)) for column in floats})
    return out


# The columns that together name a configuration: a few dozen distinct combinations repeat down thousands of rows,
# so one index into the combinations is shorter than a list per column (a fifth of a 10,000-env site).
JOINT = ("framework", "workload", "model", "mode", "precision", "backend", "batch_size", "world_size", "version")


def table(cols: dict[str, np.ndarray], rows=slice(None)) -> str:
    """A columnar JSON object of the `rows` (a slice or index array) of `cols` (from columns()): whole-number
    arrays as integers() writes them, floats as numbers() does; a float column null throughout is left out. The
    JOINT columns that do not shrink to runs of one value go into "joint" where that is shorter: {"c": [names],
    "t": [each combination's values, one after another], "i": each row's combination as integers() writes it}."""
    parts, n, joint = [], 0, {}
    for name, values in cols.items():
        part = values[rows]
        n = len(part)
        if name in JOINT and part.dtype.kind in "iub" and not _runs(part):
            joint[name] = part
            continue
        encoded = integers(part) if part.dtype.kind in "iub" else numbers(part)
        if encoded is not None:
            parts.append(f'"{name}":{encoded}')
    together = _joint(joint) if len(joint) > 1 else None
    if together is None:
        parts.extend(f'"{name}":{integers(part)}' for name, part in joint.items())
    return f'{{"n":{n},"cols":{{{",".join(parts)}}}' + (f',"joint":{together}' if together else "") + "}"


def _runs(x: np.ndarray) -> bool:
    """Whether integers() writes `x` as runs (its runs are under a third of its length)."""
    return x.size > 0 and 3 * (int(np.count_nonzero(x[1:] != x[:-1])) + 1) < len(x)


def _joint(columns: dict[str, np.ndarray]) -> str | None:
    """The columns as one index into their distinct combinations, or None where the lists apart are shorter."""
    stacked = np.column_stack(list(columns.values()))
    combos, index = np.unique(stacked, axis=0, return_inverse=True)
    text = (f'{{"c":{json.dumps(list(columns), separators=(",", ":"))},"t":{json.dumps(combos.ravel().tolist(), separators=(",", ":"))},'
            f'"i":{integers(np.asarray(index).ravel())}}}')
    apart = sum(len(integers(part)) + len(name) + 4 for name, part in columns.items())
    return text if len(text) < apart else None


def safe_json(value) -> str:
    """JSON that is safe inside a <script> element and in a .js file: ASCII only, no `<` (so no `</script>`,
    no `<!--`), no U+2028/U+2029."""
    return json.dumps(value, ensure_ascii=True, allow_nan=False, separators=(",", ":")).replace("<", "\\u003c")


def script(key: str, payload_json: str) -> str:
    """A data file: hands the payload to the page's loader. `payload_json` must come from this module (the
    columnar tables hold numbers and codes only; text goes through safe_json)."""
    if "<" in payload_json:
        raise ValueError("unescaped '<' in a data payload")
    return f"DB.put({safe_json(key)},{payload_json});\n"
