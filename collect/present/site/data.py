"""The site's data files (data/*.js), each a payload for one page or a group of env pages.

    data/index.js        the shared code book (dictionaries), one line per env, the boards, the downloads
    data/overview.js     the overview's panels
    data/board-<id>.js   one leaderboard (a workload and mode): each env's fastest batch size per configuration
    data/envs-<k>.js     a shard of env pages: every configuration of its envs, the rows that did not run,
                         notes and fingerprints (env.html?env=NAME loads the one shard that holds NAME)

Envs are packed into shards in name order, up to SHARD_ROWS configurations or SHARD_ENVS envs each, so
10,000 envs make a few hundred files of a few hundred kB rather than 10,000 files; a page loads one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from collect.present.site import encode, tables
from collect.present.summary import Summary

SHARD_ROWS = 2000  # configurations per shard file (an env with more has a shard of its own)
SHARD_ENVS = 64
# Columnar layouts: text columns (column -> dictionary), whole numbers, measured figures.
FIGURES = ("rate", "rate_min", "rate_max", "step_ms", "tflops")
BOARD_TEXT = {"env": "env", "device_kind": "kind", "device_name": "device", "source": "source", "model": "model",
              "framework": "framework", "precision": "precision", "backend": "backend"}
CONFIG_TEXT = {**BOARD_TEXT, "workload": "workload", "mode": "mode"}
OTHER_TEXT = {name: name for name in ("workload", "mode", "status")} | {
    "env": "env", "device_kind": "kind", "model": "model", "framework": "framework", "precision": "precision",
    "backend": "backend"}
INTS = ("batch_size", "world_size", "n")


@dataclass
class SiteData:
    """Every data file's text by its path under data/, and what the pages need to know of them."""

    files: dict[str, str] = field(default_factory=dict)
    boards: list[dict] = field(default_factory=list)
    book: encode.Dictionary = field(default_factory=encode.Dictionary)


def _figures(rows: pd.DataFrame) -> pd.DataFrame:
    """The range only where there is one (n > 1): a single row's range is its median."""
    single = rows["n"] <= 1
    return rows.assign(rate_min=rows["rate_min"].mask(single), rate_max=rows["rate_max"].mask(single))


def board_id(workload: str, mode: str) -> str:
    """A file-name-safe id of a workload and mode: their letters, digits, '_' and '-'."""
    return re.sub(r"[^a-z0-9_-]+", "_", f"{workload}-{mode}".lower())


def _runs(keys: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal values in a sorted array."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=int)
    return list(zip(starts.tolist(), np.r_[starts[1:], len(keys)].tolist(), strict=True))


def boards(agg: pd.DataFrame, rank: dict[str, int], out: SiteData) -> None:
    """One data file per workload and mode present; rows in env order (the page sorts them), so an env's
    columns run-length encode."""
    best = tables.board_rows(agg)
    if best.empty:
        return
    best = _figures(best.assign(_rank=best["env"].map(rank)).sort_values(["workload", "mode", "_rank"], kind="stable"))
    cols = encode.columns(best, out.book, BOARD_TEXT, INTS, FIGURES)
    board = (best["workload"] + "\x00" + best["mode"]).to_numpy()
    for start, stop in _runs(board):
        workload, mode = best["workload"].iat[start], best["mode"].iat[start]
        ident = board_id(workload, mode)
        while any(b["id"] == ident for b in out.boards):
            ident += "_"
        meta = {"id": ident, "workload": workload, "mode": mode, "rows": stop - start,
                "envs": int(best["env"].iloc[start:stop].nunique())}
        payload = f'{{"meta":{encode.safe_json(meta)},"rows":{encode.table(cols, slice(start, stop))}}}'
        out.files[f"board-{ident}.js"] = encode.script(f"board/{ident}", payload)
        out.boards.append(meta)


def shard_of(facts: pd.DataFrame) -> np.ndarray:
    """The shard number of each env (facts in name order): consecutive envs, SHARD_ROWS configurations or
    SHARD_ENVS envs a shard, whichever comes first."""
    shard, rows, envs, out = 0, 0, 0, []
    for configs in facts["configs"].tolist():
        if envs and (rows + configs > SHARD_ROWS or envs >= SHARD_ENVS):
            shard, rows, envs = shard + 1, 0, 0
        out.append(shard)
        rows, envs = rows + configs, envs + 1
    return np.asarray(out, dtype=np.int64)


def _parts(rows: pd.DataFrame, facts: pd.DataFrame, book: encode.Dictionary, text: dict[str, str], figures: tuple) -> dict:
    """shard number -> (its slice of the encoded columns, its notes): rows sorted by env, as the shards are."""
    if rows.empty:
        return {}
    rank = rows["env"].map(dict(zip(facts.index, range(len(facts)), strict=True))).to_numpy()
    rows = rows.iloc[np.argsort(rank, kind="stable")]
    rows = _figures(rows) if figures else rows
    cols = encode.columns(rows, book, text, INTS, figures)
    shard = facts["shard"].to_numpy()[np.sort(rank)]
    notes = rows["note"].astype(str).to_numpy(dtype=object)
    out = {}
    for start, stop in _runs(shard):
        codes, uniques = pd.factorize(notes[start:stop])
        extra = {} if list(uniques) == [""] else {"note": codes}
        out[int(shard[start])] = (encode.table({**cols, **extra}, slice(start, stop)), list(uniques))
    return out


def shards(summary: Summary, facts: pd.DataFrame, csv: dict[str, list[str]], out: SiteData) -> None:
    """The env pages' data files: for each shard its configurations ("rows") and the rows that did not run
    ("other"), each with its own list of notes (a `note` column of codes into it), and per env its fingerprint
    and CSV links."""
    prints = tables.fingerprints(summary.frame)
    parts = {"rows": _parts(tables.with_notes(summary.agg, summary.frame), facts, out.book, CONFIG_TEXT, FIGURES),
             "other": _parts(tables.other_rows(summary.frame), facts, out.book, OTHER_TEXT, ())}
    for number, envs in facts.groupby("shard", sort=True).groups.items():
        body = []
        for name, by_shard in parts.items():
            if int(number) in by_shard:
                payload, notes = by_shard[int(number)]
                body.append(f'"{name}":{payload},"{name}_notes":{encode.safe_json(notes)}')
        meta = {env: {"fp": prints.get(env, []), "csv": csv.get(env, [])} for env in envs}
        body.append(f'"envs":{encode.safe_json(meta)}')
        out.files[f"envs-{int(number)}.js"] = encode.script(f"shard/{int(number)}", "{" + ",".join(body) + "}")


def index(facts: pd.DataFrame, out: SiteData, extra: dict) -> None:
    """data/index.js: one line per env (its shard, figures and the values most of its rows have), the boards, and
    the code book every other file's codes point into. Written last: encoding the others fills the code book."""
    text = {"env": "env", "device_name": "device", "device_kind": "kind", "platform": "platform", "source": "source"}
    envs = encode.table(encode.columns(facts.reset_index(names="env"), out.book, text, ("rows", "configs", "shard")))
    fixed = {"boards": out.boards, **extra, "dict": out.book.as_lists()}
    out.files["index.js"] = encode.script("index", f'{{"envs":{envs},{encode.safe_json(fixed)[1:]}')


def build(summary: Summary, csv: dict[str, list[str]], extra: dict) -> SiteData:
    """Every data file of the site, from the one Summary plot_results.py computed."""
    out = SiteData()
    facts = tables.env_facts(summary.frame, summary.agg)
    facts["shard"] = shard_of(facts)
    boards(summary.agg, dict(zip(facts.index, range(len(facts)), strict=True)), out)
    shards(summary, facts, csv, out)
    index(facts, out, {**extra, "units": tables.units(summary.frame)})
    return out
