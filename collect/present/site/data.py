"""The site's data files (data/*.js), each a payload for one page or a group of env pages.

    data/index.js        the shared code book (dictionaries), one line per env, the boards, the downloads
    data/overview.js     the overview's panels
    data/board-<id>.js   one leaderboard (a workload and mode): each env's fastest batch size per configuration
    data/envs-<k>.js     a shard of env pages: every configuration of its envs, the rows that did not run,
                         notes and fingerprints (env.html?env=NAME loads the one shard that holds NAME), and where
                         each env stands among the others (its STANDING most shared configurations: bounded,
                         as the runner's closing panel is; a full list for 10,000 envs would be a third of the site)
    data/devs-<k>.js     a shard of device pages (devices.py)

Aggregates keep framework versions apart (stats.py): each configuration per major.minor, plus the pooled line
where a configuration has several versions; a `pool` code per line says which view shows it.

Envs are packed into shards in name order, up to SHARD_ROWS configurations or SHARD_ENVS envs each, so
10,000 envs make a few hundred files of a few hundred kB rather than 10,000 files; a page loads one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from collect.contract.record import RANKED
from collect.present import flags
from collect.present.site import devices, encode, extras, roof, tables
from collect.present.site.stats import ok_part, site_agg
from collect.present.standing import standings
from collect.present.summary import CONFIG, Summary, ranked

SHARD_ROWS = 2000  # configurations per shard file (an env with more has a shard of its own)
SHARD_ENVS = 64
# Columnar layouts: text columns (column -> dictionary), whole numbers, measured figures.
FIGURES = ("rate", "rate_min", "rate_max", "q1", "q3", "step_ms", "tflops", "peak_frac", "peak", "per_j")
BOARD_TEXT = {"env": "env", "device_kind": "kind", "device_name": "device", "source": "source", "model": "model",
              "framework": "framework", "precision": "precision", "backend": "backend", "version": "version",
              "device": "dkey", "protocol": "protocol", "energy": "energy"}
CONFIG_TEXT = {**BOARD_TEXT, "workload": "workload", "mode": "mode"}
OTHER_TEXT = {name: name for name in ("workload", "mode", "status")} | {
    "env": "env", "device_kind": "kind", "model": "model", "framework": "framework", "precision": "precision",
    "backend": "backend"}
INTS = ("batch_size", "world_size", "n", "pool", "flags")
STANDING = 8  # standings per env in its shard: the configurations shared by the most envs
STANDING_TEXT = {"env": "env", "device_kind": "kind", "framework": "framework", "workload": "workload", "model": "model",
                 "mode": "mode", "precision": "precision", "backend": "backend", "above_env": "env", "below_env": "env"}


@dataclass
class SiteData:
    """Every data file's text by its path under data/, and what the pages need to know of them."""

    files: dict[str, str] = field(default_factory=dict)
    boards: list[dict] = field(default_factory=list)
    book: encode.Dictionary = field(default_factory=encode.Dictionary)
    devices: pd.DataFrame = field(default_factory=pd.DataFrame)
    site: pd.DataFrame = field(default_factory=pd.DataFrame)  # every line the pages show (stats.site_agg, notes)


def env_devices(site: pd.DataFrame, facts: pd.DataFrame) -> pd.Series:
    """The device key of each env: the one most of its configurations have ("" for an env with none)."""
    if site.empty:
        return pd.Series("", index=facts.index)
    counts = site.groupby([site["env"].astype(str), site["device"]], sort=False).size().rename("k").reset_index()
    top = counts.sort_values("k", ascending=False, kind="stable").drop_duplicates("env")
    return pd.Series(top["device"].to_numpy(), index=top["env"].to_numpy()).reindex(facts.index).fillna("")


def _figures(rows: pd.DataFrame) -> pd.DataFrame:
    """The range only where there is one (n > 1): a single row's range is its median; the quartiles from 4 rows
    on (of two or three they say no more than the range)."""
    few = {"rate_min": 1, "rate_max": 1, "q1": 3, "q3": 3}
    return rows.assign(**{c: rows[c].mask(rows["n"] <= k) for c, k in few.items() if c in rows})


def board_id(workload: str, mode: str) -> str:
    """A file-name-safe id of a workload and mode: their letters, digits, '_' and '-'."""
    return re.sub(r"[^a-z0-9_-]+", "_", f"{workload}-{mode}".lower())


def _runs(keys: np.ndarray) -> list[tuple[int, int]]:
    """(start, stop) of each run of equal values in a sorted array."""
    starts = np.flatnonzero(np.r_[True, keys[1:] != keys[:-1]]) if len(keys) else np.zeros(0, dtype=int)
    return list(zip(starts.tolist(), np.r_[starts[1:], len(keys)].tolist(), strict=True))


RAW_ROWS = 20_000  # a board whose rows (every status) are at most this many gets its own raw CSV download


def present(rows: pd.DataFrame, text: dict[str, str]) -> dict[str, str]:
    """The text columns of `text` that `rows` has (a frame built without `protocol` has none to encode)."""
    return {column: book for column, book in text.items() if column in rows}


def texts(rows: pd.DataFrame, column: str) -> np.ndarray:
    """A text column as plain strings, once for all rows ("" where the frame has no such column)."""
    return rows[column].astype(str).to_numpy(dtype=object) if column in rows else np.full(len(rows), "", dtype=object)


def local_text(values: np.ndarray, name: str, where: np.ndarray | None = None) -> tuple[dict, list[str]]:
    """({name: codes}, the distinct values) of a slice of a text column (texts()), coded into a list of the file's
    own ({} where every value is empty): a note or a run id belongs to a few configurations, so it stays out of the
    shared code book. where: only those rows' values (others "")."""
    if where is not None:
        values = np.where(where, values, "")
    codes, uniques = pd.factorize(values)
    return ({} if list(uniques) in ([""], []) else {name: codes}), list(uniques)


def boards(agg: pd.DataFrame, rank: dict[str, int], out: SiteData, raw: dict[tuple[str, str], int] | None = None) -> None:
    """One data file per workload and mode present; rows in env order (the page sorts them), so an env's
    columns run-length encode; each with the notes of its rows (their caveats' reasons). raw: (workload, mode) ->
    rows, so a small board links its own raw rows."""
    best = tables.board_rows(agg)
    if best.empty:
        return
    best = best.assign(workload=best["workload"].astype(str), mode=best["mode"].astype(str),
                       _rank=best["env"].astype(str).map(rank))
    best = _figures(best.sort_values(["workload", "mode", "_rank"], kind="stable"))
    cols = encode.columns(best, out.book, present(best, BOARD_TEXT), tuple(c for c in INTS if c in best),
                          tuple(c for c in FIGURES if c in best))
    board = (best["workload"] + "\x00" + best["mode"]).to_numpy()
    all_notes, all_runs, all_refs = texts(best, "note"), texts(best, "run"), texts(best, "reference")
    flagged = best["flags"].to_numpy() > 0 if "flags" in best else np.ones(len(best), dtype=bool)
    ranks = ranked(best).to_numpy(dtype=bool)  # a board whose ranked rows are one env's ranks nothing (ranked_envs)
    for start, stop in _runs(board):
        workload, mode = best["workload"].iat[start], best["mode"].iat[start]
        ident = board_id(workload, mode)
        while any(b["id"] == ident for b in out.boards):
            ident += "_"
        meta = {"id": ident, "workload": workload, "mode": mode, "rows": stop - start,
                "envs": int(best["env"].iloc[start:stop].nunique()),
                "ranked_envs": int(best["env"].iloc[start:stop][ranks[start:stop]].nunique())}
        if 0 < (raw or {}).get((workload, mode), RAW_ROWS + 1) <= RAW_ROWS:
            meta["raw"] = f"downloads/board-{ident}.csv"
        part = slice(start, stop)  # a board names the reasons of its caveats only: other notes are on the env's page
        note, notes = local_text(all_notes[part], "note", flagged[part])
        run, runs = local_text(all_runs[part], "run")
        ref, refs = local_text(all_refs[part], "reference")  # where a published figure was read: few rows have one
        rows = encode.table({**{k: v[part] for k, v in cols.items()}, **note, **run, **ref})
        payload = (f'{{"meta":{encode.safe_json(meta)},"rows":{rows},"notes":{encode.safe_json(notes)},'
                   f'"runs":{encode.safe_json(runs)},"references":{encode.safe_json(refs)}}}')
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


def _parts(rows: pd.DataFrame, facts: pd.DataFrame, book: encode.Dictionary, text: dict[str, str], figures: tuple,
           ints: tuple = INTS) -> dict:
    """shard number -> (its slice of the encoded columns, {"notes": [...], "runs": [...]}: the lists its `note` and
    `run` codes point into): rows sorted by env, as the shards are."""
    if rows.empty:
        return {}
    rank = rows["env"].astype(str).map(dict(zip(facts.index, range(len(facts)), strict=True))).to_numpy()
    rows = rows.iloc[np.argsort(rank, kind="stable")]
    rows = _figures(rows) if "n" in rows else rows
    cols = encode.columns(rows, book, present(rows, text), tuple(c for c in ints if c in rows), tuple(c for c in figures if c in rows))
    shard = facts["shard"].to_numpy()[np.sort(rank)]
    out, all_notes, all_runs, all_refs = {}, texts(rows, "note"), texts(rows, "run"), texts(rows, "reference")
    for start, stop in _runs(shard):
        part = slice(start, stop)
        (note, notes), (run, runs) = local_text(all_notes[part], "note"), local_text(all_runs[part], "run")
        ref, refs = local_text(all_refs[part], "reference")
        out[int(shard[start])] = (encode.table({**{k: v[part] for k, v in cols.items()}, **note, **run, **ref}),
                                  {"notes": notes or [""], "runs": runs, "references": refs})
    return out


def shards(summary: Summary, site: pd.DataFrame, facts: pd.DataFrame, per_env: dict[str, dict], out: SiteData) -> None:
    """The env pages' data files: for each shard its configurations ("rows", versions apart and pooled) and the
    rows that did not run ("other"), each with its own lists of notes and runs (`note`, `run` columns of codes into
    them), where its envs stand ("standing"), and per env its fingerprint and what per_env holds for it: its CSV
    links ("csv"), their commits ("from"), its scores ("score")."""
    prints = tables.fingerprints(summary.frame)
    roofs = roof.env_roofs(summary)
    head = standing_parts(summary)
    parts = {"rows": _parts(site, facts, out.book, CONFIG_TEXT | {"version": "version"}, FIGURES),
             "other": _parts(tables.other_rows(summary.frame), facts, out.book, OTHER_TEXT, ()),
             "standing": _parts(head, facts, out.book, STANDING_TEXT, ("rate", "above_rate", "below_rate", "tflop"),
                                  STANDING_INTS)}
    for number, envs in facts.groupby("shard", sort=True).groups.items():
        body = []
        for name, by_shard in parts.items():
            if int(number) in by_shard:
                payload, lists = by_shard[int(number)]
                body.append(f'"{name}":{payload},' + ",".join(f'"{name}_{k}":{encode.safe_json(v)}' for k, v in lists.items()))
        meta = {env: {"fp": prints.get(env, []), **{k: v[env] for k, v in per_env.items() if env in v}} for env in envs}
        for env in envs:
            meta[env].setdefault("csv", [])
        for env in envs:
            if env in roofs:
                meta[env]["roof"] = roofs[env]  # its measured roofs and the configurations under them (roof.py)
        body.append(f'"envs":{encode.safe_json(meta)}')
        out.files[f"envs-{int(number)}.js"] = encode.script(f"shard/{int(number)}", "{" + ",".join(body) + "}")


STANDING_INTS = ("batch_size", "world_size", "slower", "others")


def standing_parts(summary: Summary) -> pd.DataFrame:
    """The STANDING configurations of each env shared by the most envs: collect.present.standing's table, on the
    pooled aggregates (a rank is among envs, whatever version each ran)."""
    table = standings(summary.agg, tables.units(summary.frame), per_env=STANDING)
    for column in ("above_env", "below_env"):
        table[column] = table[column].astype(object).where(table[column].notna(), "")
    return table.assign(tflop=per_sample_tflop(table, summary.agg))


def per_sample_tflop(table: pd.DataFrame, agg: pd.DataFrame) -> np.ndarray:
    """TFLOP per sample of each standing line whose workload is read in TFLOP/s (tables.RANKED_BY: a matrix product),
    NaN elsewhere: the page shows such a line, and its neighbours' (one configuration, one FLOP count), in TFLOP/s as
    the boards rank it, never in products per second."""
    out = np.full(len(table), np.nan)
    by_tflops = [w for w, (key, _unit, _scale) in tables.RANKED_BY.items() if key == "tflops"]
    if table.empty or agg.empty or "tflops" not in agg:
        return out
    keys = ["workload", "model", "mode", "batch_size"]
    part = agg[agg["workload"].astype(str).isin(by_tflops).to_numpy(dtype=bool) & (agg["rate"] > 0).to_numpy(dtype=bool)]
    if part.empty:
        return out
    ratio = (part["tflops"] / part["rate"]).groupby([part[k].astype(str) for k in keys], observed=True).median()
    index = pd.MultiIndex.from_arrays([table[k].astype(str) for k in keys])
    return ratio.reindex(index).to_numpy(dtype=float)


def index(facts: pd.DataFrame, out: SiteData, extra: dict) -> None:
    """data/index.js: one line per env (its shard, figures and the values most of its rows have), the boards, and
    the code book every other file's codes point into. Written last: encoding the others fills the code book."""
    text = {"env": "env", "device_name": "device", "device_kind": "kind", "platform": "platform", "source": "source",
            "device": "dkey", "file": "file", "commit": "commit"}
    envs = encode.table(encode.columns(facts.reset_index(names="env"), out.book, text, ("rows", "configs", "shard")))
    devs = encode.table(encode.columns(out.devices.reset_index(names="device"), out.book, {"device": "dkey"},
                                       ("rows", "envs", "shard")))
    fixed = {"boards": out.boards, **extra, "dict": out.book.as_lists()}
    out.files["index.js"] = encode.script("index", f'{{"envs":{envs},"devices":{devs},{encode.safe_json(fixed)[1:]}')


def build(summary: Summary, csv: dict[str, list[str]], extra: dict, *, prices: list[dict] | None = None,
          added: dict[str, dict] | None = None, repository: str | None = None) -> SiteData:
    """Every data file of the site, from the one Summary plot_results.py computed. prices: price lines (the
    dataset's prices file); added: results file name -> the commit that added it (None: built without git)."""
    out = SiteData()
    # every line with the notes of its rows: the env pages list them, the boards give them as their caveats' reasons
    part = ok_part(summary.frame, list(dict.fromkeys([*CONFIG, *devices.KEYS])))  # once, for both the env and device pages
    site = tables.with_notes(site_agg(summary.frame, summary.agg, summary.roofs.compute if summary.roofs else None, part),
                             summary.frame)
    site = tables.with_references(site, summary.frame)
    out.site = site
    facts = tables.env_facts(summary.frame, summary.agg)
    facts["shard"] = shard_of(facts)
    facts["device"] = env_devices(site, facts)
    out.devices = devices.build(summary.frame, out.book, out.files, extras.device_score_lines(summary.scores), part)
    counts = summary.frame.groupby(["workload", "mode"], observed=True).size()
    raw = {(str(w), str(m)): int(k) for (w, m), k in counts.items()}
    boards(site, dict(zip(facts.index, range(len(facts)), strict=True)), out, raw)
    files, git = extras.provenance_payload(csv, added, repository)
    first = {env: links[0] for env, links in files.items() if links}  # the board links each env's main file
    facts["file"] = [first.get(env, ["", ""])[0] for env in facts.index]
    facts["commit"] = [first.get(env, ["", ""])[1] for env in facts.index]
    shards(summary, site, facts, {"from": files, "score": extras.env_scores(summary.scores), "csv": csv}, out)
    index(facts, out, {**extra, **git, "units": tables.units(summary.frame), "figures": tables.figures(summary.frame),
                       "flags": flags.legend(), "score": extras.score_definition(), "prices": extras.price_payload(prices),
                       "ranked": RANKED, "protocols": extras.PROTOCOLS, "energy": extras.ENERGY,
                       "prices_file": extras.PRICES_FILE})
    return out
