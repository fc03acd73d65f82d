"""Hypothesis strategies for results files a contributor can make: valid ones of every kind, and broken ones.

Column lists come from collect.contract.record (FIELDS, REQUIRED, CHOICES, the numeric columns, SCHEMA_VERSION,
DEFAULTS_FOR_OLDER), so a column added to the contract is generated without a change here. A valid file of an
older schema holds the required columns and some of the others: every layout an older runner wrote is such a
subset. Each strategy returns `File`s: a name, the bytes, how many rows it holds (valid) or where its first
problem is (broken).
"""

from __future__ import annotations

import csv
import io
import os
from dataclasses import dataclass, field

from hypothesis import HealthCheck, Phase, settings
from hypothesis import strategies as st

from collect.contract import record as r
from collect.dataset.validate import FREE_TEXT

LONG = int(os.environ.get("DEVICEBENCH_EXAMPLES", "0"))  # 0: the bounded, derandomised run of `make test`


def bounded(examples: int, shrink: bool = True):
    """Fixed seed (derandomize), a bounded number of examples, no deadline, no example database on disk;
    DEVICEBENCH_EXAMPLES=N: N random examples; DEVICEBENCH_NO_SHRINK=1 (or shrink=False): a failure as found,
    not shrunk (minutes for an example of many files)."""
    phases = [Phase.explicit, Phase.generate] if os.environ.get("DEVICEBENCH_NO_SHRINK") or not shrink else list(Phase)
    return settings(max_examples=LONG or examples, derandomize=not LONG, deadline=None, database=None,
                    suppress_health_check=list(HealthCheck), print_blob=True, phases=phases)


ENV = st.from_regex(r.ENV_RE.pattern, fullmatch=True)
# Formula-like text is valid behind an apostrophe or inside a cell ('=1+1, a=1+1), and so is a '-' first; a cell
# starting with = + @, a tab or a line break is refused (broken kind "formula cell").
TRICKY = ("a, with commas", 'say "hi"', "two\nlines", "cr\rlf\r\n", "'=1+1", "a=1+1", "-2", "- dash", "-cmd|' /C calc'!A0",
          "'@SUM(A1)", "ünïcødé ✓ 日本語", "<b>bold</b> | pipe", " padded ", "NA", "nan", "null", "{braces}", "\u2028sep",
          "'quoted'", "tab\there")
FORMULAS = ("=1+1", "+cmd", "@SUM(A1)", '=HYPERLINK("http://x", "y")', "\t=1+1", "\r=1+1", " =1+1", "+1.5")


def inert(text: str) -> bool:
    """True for text the loader accepts as a cell (measured: spaces stripped) or a legacy env name (flat)."""
    first = text.replace("\r", "\n").strip(" ")[:1]
    return not (first and first in "=+@\t\n") and flat(text)[:1] not in ("=", "+", "@")


TEXT = st.one_of(st.text(st.characters(codec="utf-8", exclude_characters="\x00"), max_size=12).filter(inert),
                 st.sampled_from(TRICKY))
NAMED = st.text(st.characters(codec="utf-8", exclude_characters="\x00"), min_size=1, max_size=12).filter(
    lambda s: s.strip() and inert(s))
RUN_IDS = st.one_of(st.sampled_from(["run-1", "run-2", "shared-run"]), NAMED)  # repeats across rows and files
NUMERIC = set(r.NUMERIC_COLUMNS)
# Column names no runner writes: any file may carry some (they are warned about and ignored).
UNKNOWN = st.from_regex(r"[a-z][a-z_]{0,11}", fullmatch=True).filter(lambda c: c not in r.FIELDS)
STAMPS = st.builds(lambda d, form: d.strftime(form), st.datetimes(min_value=__import__("datetime").datetime(1971, 1, 1),
                                                                    max_value=__import__("datetime").datetime(2200, 1, 1)),
                   st.sampled_from(["%Y-%m-%d", "%Y-%m-%dT%H:%M:%S", "%Y-%m-%dT%H:%M:%S+00:00", "%Y-%m-%dT%H:%M:%SZ",
                                    "%Y-%m-%dT%H:%M:%S.%f+05:30", "%Y-%m-%d %H:%M"]))
RATE = st.one_of(st.floats(1e-3, 1e7), st.floats(5e-324, 1e308), st.sampled_from([1e-300, 1e300, 1.0]))
AMOUNT = st.one_of(st.just(0.0), RATE)
WHOLE = st.one_of(st.integers(0, 10**6), st.sampled_from([0, 1, 2**53]))


@dataclass
class File:
    name: str
    data: bytes
    rows: int = 0  # valid files: the rows they hold
    line: int | None = None  # broken files: where their first problem is (0: the whole file), when known
    column: str | None = None  # and its column, when known
    kind: str = "valid"
    envs: set[str] = field(default_factory=set)


def encode(header: list[str], rows: list[list[str]], draw) -> bytes:
    """CSV as a contributor's tool might save it: quoted where needed, LF or CRLF, with or without a BOM,
    trailing newline and blank lines at the end."""
    text = _csv([header, *rows], crlf=draw(st.booleans()))
    text = text + draw(st.sampled_from(["", "\n", "\n\n"])) if draw(st.booleans()) else text.rstrip("\r\n")
    return (b"\xef\xbb\xbf" if draw(st.booleans()) else b"") + text.encode("utf-8")


def _number(draw, name: str, strategy) -> str:
    value = draw(strategy)
    if name in r.INT_COLUMNS:
        return draw(st.sampled_from([str(int(value)), f"{int(value)}.0"]))
    return repr(float(value))


def _cell(draw, name: str) -> str:
    """A valid cell of one column, ignoring the rules that tie columns together (see _row)."""
    optional = name not in r.REQUIRED
    if optional and draw(st.integers(0, 2)) == 0:
        return ""
    if name == "schema_version":
        return str(draw(st.integers(1, r.SCHEMA_VERSION)))
    if name == "batch_size":
        return _number(draw, name, st.integers(1, 4096))
    if name in r.CHOICES:
        return draw(st.sampled_from(r.CHOICES[name]))
    if name in NUMERIC:
        return _number(draw, name, WHOLE if name in r.INT_COLUMNS else AMOUNT)
    if name == "timestamp_utc":
        return draw(STAMPS)
    if name == "run_id":
        return draw(RUN_IDS)
    if name == "licence":
        return draw(st.sampled_from(["MIT", "CC-BY-SA-4.0", "BSD-3-Clause", "Apache-2.0"]))
    if name == "model":
        return draw(st.one_of(st.sampled_from(["mlp-d5-w1024", "mlp-d20-w1024", "resnet50", "matmul-1024", "matmul-x",
                                               "bert-base", "mlp-d0-w1024", "matmul-99999999"]), NAMED))
    return draw(NAMED if not optional else TEXT)


def _row(draw, env: str, header: list[str]) -> list[str]:
    row = {name: _cell(draw, name) for name in r.FIELDS}
    row["env"] = env
    if "timestamp_utc" not in header and row["source"] == "measured":
        row["source"] = draw(st.sampled_from([s for s in r.SOURCES if s != "measured"]))
    if row["source"] == "measured" and not row["timestamp_utc"]:
        row["timestamp_utc"] = draw(STAMPS)
    if row["protocol"]:  # the protocol a row of its source may have (validate._protocol_checks)
        allowed = r.PROTOCOLS_OF_SOURCE.get(row["source"], ("tf_cnn_benchmarks", "timm benchmark.py", "published"))
        row["protocol"] = draw(st.sampled_from(allowed))
    if row["backend"] and row["backend"] not in r.BACKENDS_OF.get(row["framework"], r.BACKENDS):
        row["backend"] = draw(st.sampled_from(r.BACKENDS_OF[row["framework"]]))
    if row["status"] == "ok" and "samples_per_s" not in header:
        row["status"] = draw(st.sampled_from([s for s in r.STATUSES if s != "ok"]))
    if row["status"] == "ok" and not (row["samples_per_s"] and float(row["samples_per_s"]) > 0):
        row["samples_per_s"] = repr(draw(RATE))
    if row["source"] == "measured" and "power_w" in header and row["power_w"]:
        if "energy_method" in header:
            row["energy_method"] = draw(st.sampled_from([m for m in r.ENERGY_METHODS if m != "none"]))
        else:
            row["power_w"] = ""
    return [row[name] if name in row else draw(TEXT) for name in header]


@st.composite
def header(draw) -> list[str]:
    """The required columns, timestamp_utc mostly, and any others: every schema's layout and more."""
    layout = draw(st.sampled_from(["current", "older", "subset"]))
    rest = [c for c in r.FIELDS if c not in r.REQUIRED]
    if layout == "current":
        chosen = set(rest)
    elif layout == "older":  # as a runner before the columns DEFAULTS_FOR_OLDER stands for wrote it
        chosen = {c for c in rest if c not in r.DEFAULTS_FOR_OLDER}
    else:
        chosen = draw(st.sets(st.sampled_from(rest)))
    columns = [c for c in r.FIELDS if c in r.REQUIRED or c in chosen]
    columns += draw(st.lists(UNKNOWN, max_size=2, unique=True))
    return draw(st.permutations(columns)) if draw(st.integers(0, 3)) == 0 else columns


@st.composite
def measured_file(draw, env: str, max_rows: int = 6) -> File:
    """A valid results_<env>.csv: any schema layout, repeat runs, published and legacy-sourced rows, quoted text."""
    columns = draw(header())
    rows, seen = [], set()
    known = [i for i, c in enumerate(columns) if c in r.FIELDS]
    for _ in range(draw(st.integers(1, max_rows))):
        row = _row(draw, env, columns)
        key = tuple(row[i].replace("\r\n", "\n").replace("\r", "\n").strip(" ") for i in known)  # as the reader sees the cells
        if key not in seen:  # an exact repeat of an earlier row is an error (a pasted duplicate)
            seen.add(key)
            rows.append(row)
    return File(f"results_{env}.csv", encode(columns, rows, draw), rows=len(rows), envs={env})


def flat(text: str) -> str:
    """A name as it reads back: line breaks (CR, LF, CRLF) as spaces, stripped."""
    return " ".join(text.replace("\r\n", "\n").replace("\r", "\n").split("\n")).strip()


@st.composite
def legacy_file(draw, name: str, names=NAMED) -> File:
    """The original benchmark's wide file: env names down the first column, MLP depths across, wall seconds in
    the cells (any subset of depths; an empty cell: not run)."""
    depths = draw(st.lists(st.integers(1, 200), min_size=1, max_size=5, unique=True))
    first = draw(st.sampled_from(["", "Unnamed: 0"]))
    head = [first] + [draw(st.sampled_from([str(d), f"{d}.0"])) for d in depths]
    envs = draw(st.lists(names, min_size=1, max_size=3, unique_by=flat))
    rows, count = [], 0
    for env in envs:
        cells = [draw(st.one_of(st.just(""), st.floats(1e-3, 1e6).map(repr))) for _ in depths]
        if not any(cells):
            cells[0] = "60.0"
        count += sum(1 for c in cells if c)
        rows.append([env, *cells])
    return File(name, encode(head, rows, draw), rows=count, kind="legacy")


@st.composite
def valid_folder(draw, min_files: int = 1, max_files: int = 20) -> list[File]:
    """1-20 valid files: measured files (one env each, any schema) and legacy files, some legacy rows naming an
    env a measured file has too."""
    envs = draw(st.lists(ENV, min_size=max_files, max_size=max_files, unique=True))
    count = draw(st.integers(min_files, max_files))
    out = []
    for i in range(count):
        if draw(st.integers(0, 4)) == 0:
            shared = st.sampled_from([e for e in envs[:count] if r.slugify(e) == e] or ["m1 gpu"])
            out.append(draw(legacy_file(f"results_legacy {i}.csv", names=st.one_of(NAMED, shared))))
        else:
            out.append(draw(measured_file(envs[i])))
    return out


BROKEN = ("drop required", "empty required", "out of set", "not a number", "negative", "too few cells", "too many cells",
          "duplicated header", "empty file", "binary junk", "other env", "newer schema", "header only", "repeated row",
          "semicolons", "bad file name", "bad env in name", "unclosed quote", "blank line", "not a date", "ok without rate",
          "power without method", "other framework's backend", "batch 0", "formula cell", "legacy not seconds",
          "legacy bad depth", "legacy formula name")
NOT_NUMBERS = ("fast", "n/a", "1,5", "12abc", "--1", "0x10", "nan", "inf", "-inf", "Infinity", "1e999")


def _csv(rows: list[list[str]], crlf: bool = False) -> str:
    """Rows as CSV text; a cell holding CR or LF is quoted (the writer quotes the characters of its line ending)."""
    buf = io.StringIO()
    csv.writer(buf, lineterminator="\r\n").writerows(rows)
    return buf.getvalue() if crlf else buf.getvalue().replace("\r\n", "\n")


def _lines(rows: list[list[str]]) -> list[int]:
    """The file line each row starts on (quoted cells may hold line breaks; the header is line 1)."""
    starts, line = [], 2
    for row in rows:
        starts.append(line)
        line += _csv([row]).replace("\r\n", "\n").replace("\r", "\n").count("\n")
    return starts


def _set(draw, columns, rows, name, value):
    """Put value into column `name` of a drawn row; returns (line, name)."""
    i = draw(st.integers(0, len(rows) - 1))
    rows[i][columns.index(name)] = value
    return _lines(rows)[i], name


@st.composite
def broken_file(draw, env: str, other: str, kinds: tuple[str, ...] = BROKEN) -> File:
    """A results file with one thing wrong (one of `kinds`), and where the checker must say so (line 0: the whole file)."""
    kind = draw(st.sampled_from(kinds))
    if kind.startswith("legacy"):
        return _broken_legacy(draw, env, kind)
    base = draw(measured_file(env, max_rows=4))
    text = base.data.decode("utf-8").lstrip("\ufeff").replace("\r\n", "\n")
    records = list(csv.reader(io.StringIO(text)))
    columns, rows = records[0], [row for row in records[1:] if row]
    name, where = f"results_{env}.csv", (None, None)
    simple = {"empty file": b"", "binary junk": b"schema_version,env\n\xff\xfe\x00junk\x9c,\x81\n",
              "semicolons": ";".join(columns).encode() + b"\n1;2\n", "header only": ",".join(columns).encode() + b"\n"}
    if kind in simple:
        data = draw(st.sampled_from([simple[kind], b"\n\n", b"\xef\xbb\xbf"])) if kind == "empty file" else simple[kind]
        line = {"binary junk": 2, "semicolons": 2}.get(kind, 0)  # ';' is read as the separator: a row is too short
        return File(name, data, line=line, column="row" if kind == "semicolons" else "file", kind=kind)
    if kind == "bad file name":
        return File(draw(st.sampled_from([f"results-{env}.csv", f"notes-{env}.csv", "results_.csv"])), base.data, line=0, column="file", kind=kind)
    if kind == "bad env in name":
        return File(f"results_{draw(st.sampled_from(['Big Mac', 'UPPER', 'x' * 65, 'a+b']))}.csv", base.data, line=0, column="file", kind=kind)
    if kind == "unclosed quote" and '"' in _csv(rows):
        kind = "empty required"  # a quoted cell further down would close the quote: break it another way
    where, columns, rows = _break_rows(draw, kind, columns, rows, other)
    data = _csv([columns, *rows])
    if kind == "unclosed quote":
        head, _, body = data.partition("\n")
        data = head + '\n"' + body
        where = (2, "row")
    if kind == "blank line":
        first = _lines(rows)[1] - 1 if len(rows) > 1 else 1
        lines = data.replace("\r\n", "\n").replace("\r", "\n").split("\n")  # lines as the reader counts them
        data = "\n".join(lines[:first] + [""] + lines[first:])
        where = (first + 1, "row")
    return File(name, data.encode("utf-8"), line=where[0], column=where[1], kind=kind)


def _break_rows(draw, kind, columns, rows, other):
    """One breakage applied to header and rows; (line, column) of the problem, or (None, None) when it may show
    at more than one place."""
    present = lambda names: [c for c in names if c in columns]  # noqa: E731
    if kind == "drop required":
        gone = draw(st.sampled_from(r.REQUIRED))
        at = columns.index(gone)
        return (1, gone), [c for c in columns if c != gone], [row[:at] + row[at + 1:] for row in rows]
    if kind == "empty required":
        return _set(draw, columns, rows, draw(st.sampled_from(r.REQUIRED)), ""), columns, rows
    if kind == "out of set":
        name = draw(st.sampled_from(present(r.CHOICES)))
        value = draw(st.sampled_from(["x", "TORCH", "Train", "o k", "gpu0", "yes please"]).filter(lambda v: v not in r.CHOICES[name]))
        return _set(draw, columns, rows, name, value), columns, rows
    if kind in ("not a number", "negative"):
        name = draw(st.sampled_from(present(r.NUMERIC_COLUMNS)))
        value = draw(st.sampled_from(NOT_NUMBERS)) if kind == "not a number" else "-" + repr(draw(st.floats(1e-3, 1e9)))
        return _set(draw, columns, rows, name, value), columns, rows
    if kind in ("too few cells", "too many cells"):
        i = draw(st.integers(0, len(rows) - 1))
        rows[i] = rows[i][:-1] if kind == "too few cells" else rows[i] + ["extra"]
        return (_lines(rows)[i], "row"), columns, rows
    if kind == "duplicated header":
        name = draw(st.sampled_from(columns))
        at = columns.index(name)
        return (1, name), columns + [name], [row + [row[at]] for row in rows]
    if kind == "other env":
        return _set(draw, columns, rows, "env", other), columns, rows
    if kind == "newer schema":
        return _set(draw, columns, rows, "schema_version", str(r.SCHEMA_VERSION + draw(st.integers(1, 5)))), columns, rows
    if kind == "repeated row":
        rows.append(list(rows[draw(st.integers(0, len(rows) - 1))]))
        return (_lines(rows)[-1], "row"), columns, rows
    if kind == "batch 0":
        return _set(draw, columns, rows, "batch_size", "0"), columns, rows
    if kind == "formula cell":
        name = draw(st.sampled_from([c for c in present(FREE_TEXT) if c != 'timestamp_utc']))
        return _set(draw, columns, rows, name, draw(st.sampled_from(FORMULAS))), columns, rows
    return _cross_column(draw, kind, columns, rows)


def _cross_column(draw, kind, columns, rows):
    """Breakages of the rules that tie columns together; where a file's columns cannot carry one, an empty env."""
    col = columns.index
    i = draw(st.integers(0, len(rows) - 1))
    if kind == "not a date" and "timestamp_utc" in columns:
        rows[i][col("timestamp_utc")] = draw(st.sampled_from(["yesterday", "2026-13-45", "22/11/2026 05:00", "soon"]))
        return (_lines(rows)[i], "timestamp_utc"), columns, rows
    if kind == "ok without rate" and "samples_per_s" in columns:
        rows[i][col("status")], rows[i][col("samples_per_s")] = "ok", draw(st.sampled_from(["", "0", "0.0"]))
        return (_lines(rows)[i], "samples_per_s"), columns, rows
    if kind == "power without method" and {"power_w", "timestamp_utc"} <= set(columns):
        rows[i][col("source")], rows[i][col("power_w")] = "measured", "65.0"
        rows[i][col("timestamp_utc")] = rows[i][col("timestamp_utc")] or "2026-11-22"
        if "energy_method" in columns:
            rows[i][col("energy_method")] = draw(st.sampled_from(["", "none"]))
        return (_lines(rows)[i], "energy_method"), columns, rows
    if kind == "other framework's backend" and "backend" in columns:
        framework = rows[i][col("framework")]
        others = [b for b in r.BACKENDS if b not in r.BACKENDS_OF[framework]]
        rows[i][col("backend")] = draw(st.sampled_from(others))
        return (_lines(rows)[i], "backend"), columns, rows
    if kind in ("unclosed quote", "blank line"):
        return (None, None), columns, rows  # the text is broken after encoding
    rows[i][col("env")] = ""
    return (_lines(rows)[i], "env"), columns, rows


def _broken_legacy(draw, env: str, kind: str) -> File:
    depths = draw(st.lists(st.integers(1, 50), min_size=1, max_size=4, unique=True))
    if kind == "legacy formula name":
        name = draw(st.sampled_from(["=1+1", "+cmd", "@SUM(A1)", "\t=cmd"]))
        text = ",".join(["", *map(str, depths)]) + "\nOld Mac" + ",60" * len(depths) + "\n"
        return File(f"results_{env}.csv", (text + name + ",60" * len(depths) + "\n").encode(), line=3, column="env", kind=kind)
    if kind == "legacy bad depth":
        bad = draw(st.sampled_from(["x", "5.5", "-5", "0", "deep"]))
        text = ",".join(["", *map(str, depths), bad]) + "\nM1 GPU" + ",60" * (len(depths) + 1) + "\n"
        return File(f"results_{env}.csv", text.encode(), line=1, column=bad, kind=kind)
    bad = draw(st.sampled_from(["slow", "-60", "0", "nan", "inf", "1e-320"]))
    at = draw(st.integers(0, len(depths) - 1))
    cells = ["60.5"] * len(depths)
    cells[at] = bad
    text = ",".join(["", *map(str, depths)]) + "\n" + ",".join(["Old Mac", *cells]) + "\n"
    return File(f"results_{env}.csv", text.encode(), line=2, column=str(depths[at]), kind=kind)
