"""The device identity of every row of a loaded frame, as a categorical: what groups envs into devices.

`identity_column(frame)` works on the categorical codes of the columns that name a device (device_name, device_kind
and the CPU generation columns of schema 5), so a million rows cost what their few distinct devices cost. Spellings
of one device merge under the most common one (devices.device_keys, weighted by rows), then a CPU whose name hides
its generation gets it (devices.identity). The dataset side (--check's outlier review) and the presenting side (device
pages, device medians of the score, the measured roofs) all group by this one column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from collect.contract.devices import device_keys, identity

GENERATION = ("cpu_arch", "cpu_isa", "cpu_family", "cpu_model")


def _codes(column: pd.Series) -> tuple[np.ndarray, list]:
    """(codes, values) of a column; missing values are "" (so a file that lacks the column reads as not recorded)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        values = ["" if v != v else v for v in column.cat.categories.tolist()] + [""]
        codes = column.cat.codes.to_numpy(dtype=np.int64)
        return np.where(codes < 0, len(values) - 1, codes), values
    codes, uniques = pd.factorize(column.astype(object).where(column.notna(), ""), use_na_sentinel=False)
    return codes.astype(np.int64), list(uniques)


def identity_column(frame: pd.DataFrame) -> pd.Categorical:
    """The device identity of each row: devices.identity of its merged device key, kind and generation."""
    n = len(frame)
    if not n:
        return pd.Categorical([], categories=[])
    name_codes, names = _codes(frame["device_name"])
    weights = np.bincount(name_codes, minlength=len(names))
    keys = device_keys([str(v) for v in names], weights.tolist())
    parts = {"name": name_codes}
    values = {"name": names}
    for column in ("device_kind", *GENERATION):
        parts[column], values[column] = _codes(frame[column]) if column in frame else (np.zeros(n, np.int64), [""])
    group = combined(list(parts.values()))  # one hash pass over the codes, not a groupby of six columns
    at = np.unique(group, return_index=True)[1]  # the first row of each group, in group order
    labels = []
    for row in at:
        name = str(values["name"][parts["name"][row]])
        text = {c: values[c][parts[c][row]] for c in parts if c != "name"}
        labels.append(identity(keys.get(name, ""), str(text["device_kind"]), str(text["cpu_arch"]), str(text["cpu_isa"]),
                               _number(text["cpu_family"]), _number(text["cpu_model"])))
    codes, uniques = pd.factorize(np.asarray(labels, dtype=object))
    return pd.Categorical.from_codes(codes[group], categories=list(uniques))


def combined(codes: list[np.ndarray]) -> np.ndarray:
    """One dense id (0, 1, ... in order of first appearance) per distinct combination of integer code columns: mixed
    radix into one int64, re-densified before a column could overflow it. A groupby's ngroup does the same, but
    factorizes every column again (already codes here) at several times the cost."""
    key = np.zeros(len(codes[0]), dtype=np.int64)
    for column in codes:
        radix = int(column.max()) + 2 if len(column) else 1  # codes start at -1 (missing)
        if int(key.max(initial=0)) >= (2**62) // radix:
            key = pd.factorize(key)[0].astype(np.int64)
        key = key * radix + (column + 1)
    return pd.factorize(key)[0].astype(np.int64)


def _number(value):
    """A family or model cell as an int, None where empty."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return int(number) if number == number else None
