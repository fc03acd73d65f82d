"""Writing results/results_<env>.csv safely, and reading raw CSV text.

A runner appends one row per finished measurement. Each append rewrites the
file through a temporary file and an atomic rename, under a lock shared by
every process on the machine, so that
  - a kill or Ctrl-C at any moment leaves the previous complete file,
  - two runners appending to the same env file lose no rows.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import tempfile
from pathlib import Path

from collect.contract.record import FIELDS, Record, check_env, older_row, to_row

MAX_FILE_BYTES = 50 * 1024 * 1024  # files above this are refused by the reader


def results_path(results_dir: str | os.PathLike, env: str) -> Path:
    return Path(results_dir) / f"results_{check_env(env)}.csv"


def _lock_for(path: Path):
    # The lock lives outside results/ so that folder only ever holds CSV files.
    from filelock import FileLock

    digest = hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]
    return FileLock(os.path.join(tempfile.gettempdir(), f"devicebench-{digest}.lock"))


def append_records(path: str | os.PathLike, records: list[Record]) -> Path:
    """Append rows to a results file atomically; create it with the header if new."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with _lock_for(path):
        existing = path.read_text(encoding="utf-8") if path.exists() else ""
        if existing and existing.splitlines()[0].lstrip("\ufeff") != ",".join(FIELDS):
            existing = _migrate(existing, path)
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
        if not existing:
            writer.writeheader()
        elif not existing.endswith("\n"):
            existing += "\n"
        writer.writerows(to_row(rec) for rec in records)
        _atomic_write(path, existing + buf.getvalue())
    return path


def read_rows(path: str | os.PathLike) -> list[dict[str, str]]:
    """The rows of a results file as cells (a runner reading back its own run)."""
    text = Path(path).read_text(encoding="utf-8").lstrip("\ufeff")
    return list(csv.DictReader(io.StringIO(text)))


def annotate_run(path: str | os.PathLike, run_id: str, note_for) -> int:
    """Add a note to rows of one run in its own file (the run that is finishing, nobody else's rows):
    note_for(row) -> str ("" for none). Atomic and under the same lock as appends; returns rows changed."""
    path = Path(path)
    with _lock_for(path):
        rows = read_rows(path)
        header = list(rows[0].keys()) if rows else list(FIELDS)
        changed = 0
        for row in rows:
            note = note_for(row) if row.get("run_id") == run_id else ""
            if note and note not in row.get("note", ""):
                row["note"] = "; ".join(n for n in (row.get("note", ""), note) if n)
                changed += 1
        if changed:
            buf = io.StringIO()
            writer = csv.DictWriter(buf, fieldnames=header, lineterminator="\n")
            writer.writeheader()
            writer.writerows(rows)
            _atomic_write(path, buf.getvalue())
    return changed


def unknown_columns(path: str | os.PathLike) -> list[str]:
    """Header columns of an existing file that this version does not write: appending to it would lose them."""
    first = Path(path).read_text(encoding="utf-8").lstrip("\ufeff").partition("\n")[0]
    header = next(csv.reader([first]), []) if first else []
    return sorted(set(header) - set(FIELDS))


def _migrate(text: str, path: Path) -> str:
    """Rewrite a file of an older schema with today's header (its rows keep their schema_version);
    a file with columns this version does not know is left alone."""
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    old = list(rows[0].keys()) if rows else next(csv.reader([text.splitlines()[0]]))
    if not set(old) <= set(FIELDS):
        raise ValueError(f"{path} has columns this version of devicebench does not write "
                         f"({', '.join(sorted(set(old) - set(FIELDS)))}); pass another --env or move that file away")
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    for row in rows:
        full = older_row(row)
        writer.writerow({name: full.get(name, "") for name in FIELDS})
    return buf.getvalue()


def _atomic_write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


class FileProblem(Exception):
    """A whole-file problem found before any row is parsed (size, encoding, delimiter)."""

    def __init__(self, line: int | None, column: str, reason: str):
        super().__init__(reason)
        self.line, self.column, self.reason = line, column, reason


def read_text(path: Path) -> str:
    """Return the file's text: UTF-8, BOM dropped, CRLF / CR normalised to LF.

    Raises FileProblem for files over MAX_FILE_BYTES, empty files and bytes that are
    not UTF-8 (with the line where the first bad byte sits).
    """
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise FileProblem(None, "file", f"file is {size / 2**20:.1f} MiB; files over {MAX_FILE_BYTES // 2**20} MiB are refused")
    data = path.read_bytes()
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise FileProblem(line, "file", f"byte 0x{data[exc.start]:02x} is not UTF-8; save the file as UTF-8") from None
    text = text.lstrip("\ufeff")
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    if not text.strip():
        raise FileProblem(None, "file", "file is empty")
    # Trailing blank lines are harmless editor residue; blank lines inside stay and fail.
    return text.rstrip("\n") + "\n"
