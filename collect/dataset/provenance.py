"""Where each results file came from: the commit that added it and the pull request that commit names.

One `git log` over the results folder, however many files: `added(results_dir)` maps each file's name to the
commit that first added it (None where the folder is not in a git checkout, or git is missing: the site then says
it was built without git). A pull request is read from the commit's subject as GitHub writes it ("Merge pull request
#12 from ...", "Add my machine (#12)").
"""

from __future__ import annotations

import re
import subprocess
from dataclasses import dataclass
from pathlib import Path

import collect

_PR = re.compile(r"(?:Merge pull request #(\d+)|\(#(\d+)\)\s*$)")
_SEP = "\x1f"  # a byte no commit subject holds: fields of one commit line


@dataclass(frozen=True)
class Added:
    commit: str  # full hash
    date: str  # YYYY-MM-DD, the author date
    subject: str
    pr: int | None


def _git(folder: Path, *args: str) -> str | None:
    try:
        done = subprocess.run(["git", "-C", str(folder), *args], capture_output=True, text=True, timeout=60, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout if done.returncode == 0 else None


def added(results_dir: str | Path) -> dict[str, Added] | None:
    """File name -> the commit that added it, for every results file git knows in the folder (None without git)."""
    folder = Path(results_dir).resolve()
    if not folder.is_dir() or _git(folder, "rev-parse", "--is-inside-work-tree") is None:
        return None
    log = _git(folder, "log", "--diff-filter=A", "--reverse", f"--format={_SEP}%H{_SEP}%ad{_SEP}%s", "--date=short",
               "--name-only", "--relative", "--", ".")
    if log is None:
        return None
    out: dict[str, Added] = {}
    current: Added | None = None
    for line in log.splitlines():
        if line.startswith(_SEP):
            _, commit, date, subject = line.split(_SEP, 3)
            found = _PR.search(subject)
            current = Added(commit, date, subject, int(found.group(1) or found.group(2)) if found else None)
        elif line.strip() and current is not None:
            out.setdefault(Path(line.strip()).name, current)  # the first commit that added it (--reverse)
    return out


def repository(results_dir: str | Path) -> str:
    """The GitHub address of the checkout's origin (https://github.com/OWNER/NAME): a fork's site links its own
    commits; the project's home where there is no GitHub origin."""
    url = _git(Path(results_dir).resolve(), "remote", "get-url", "origin")
    found = re.search(r"github\.com[:/]([\w.-]+/[\w.-]+?)(?:\.git)?\s*$", url or "")
    return f"https://github.com/{found.group(1)}" if found else collect.HOME
