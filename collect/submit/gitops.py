"""The git side of submit: a branch whose one commit adds one file, and its push to the user's fork.

The commit is built with git's plumbing in a temporary index (read-tree, hash-object, update-index,
write-tree, commit-tree), so the user's working tree, index and current branch are never touched, and
the commit is checked to change exactly that one path before anything is pushed.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path

from collect.submit.plan import SubmitError


def git(checkout: Path, *args: str, env: dict | None = None) -> str:
    """stdout of `git -C checkout ARGS`; SubmitError with git's own message when it fails."""
    done = subprocess.run(["git", "-C", str(checkout), *args], capture_output=True, text=True,
                          env={**os.environ, **(env or {})}, check=False)
    if done.returncode != 0:
        raise SubmitError(f"git {' '.join(args)} failed: {(done.stderr or done.stdout).strip()}")
    return done.stdout.strip()


def toplevel(folder: Path) -> Path | None:
    """The root of the git checkout holding folder, or None."""
    done = subprocess.run(["git", "-C", str(folder), "rev-parse", "--show-toplevel"], capture_output=True, text=True,
                          check=False)
    return Path(done.stdout.strip()) if done.returncode == 0 and done.stdout.strip() else None


def remotes(checkout: Path) -> list[str]:
    return git(checkout, "remote").split()


def remote_url(checkout: Path, name: str) -> str:
    """The URL as configured (before any url.<base>.insteadOf rewriting): what names the GitHub repository."""
    return git(checkout, "config", "--get", f"remote.{name}.url")


def fetch_base(checkout: Path, source: str, base: str) -> str:
    """The sha of branch `base` of the repository the pull request goes to, fetched now (a read, nothing sent), so the
    new branch differs from it by the one file even when the user's own branches or fork carry other commits."""
    git(checkout, "fetch", "--quiet", "--no-tags", source, f"refs/heads/{base}")
    return git(checkout, "rev-parse", "FETCH_HEAD^{commit}")


def local_base(checkout: Path, base: str, candidates: list[str]) -> tuple[str, str]:
    """(ref, sha) of the first remote-tracking <remote>/<base>, else local <base>: the offline fallback."""
    refs = [f"refs/remotes/{r}/{base}" for r in candidates] + [f"refs/heads/{base}"]
    for ref in refs:
        done = subprocess.run(["git", "-C", str(checkout), "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}"],
                              capture_output=True, text=True, check=False)
        if done.returncode == 0:
            return ref, done.stdout.strip()
    raise SubmitError(f"no branch {base!r} to start from (looked for {', '.join(refs)}): run `git fetch` or pass --base")


def branch_exists(checkout: Path, branch: str) -> bool:
    return subprocess.run(["git", "-C", str(checkout), "rev-parse", "--verify", "--quiet", f"refs/heads/{branch}"],
                          capture_output=True, check=False).returncode == 0


def unused_branch(checkout: Path, stem: str) -> str:
    """stem, or stem-2, stem-3, ...: never an existing branch."""
    name, n = stem, 1
    while branch_exists(checkout, name):
        n += 1
        name = f"{stem}-{n}"
    return name


def commit_one_file(checkout: Path, base_sha: str, source: Path, destination: str, message: str) -> str:
    """A commit on top of base_sha whose only change is destination := source's bytes; its sha."""
    with tempfile.TemporaryDirectory(prefix="devicebench-submit-") as tmp:
        index = {"GIT_INDEX_FILE": str(Path(tmp) / "index")}
        git(checkout, "read-tree", base_sha, env=index)
        blob = git(checkout, "hash-object", "-w", "--path", destination, str(source.resolve()))
        git(checkout, "update-index", "--add", "--cacheinfo", f"100644,{blob},{destination}", env=index)
        tree = git(checkout, "write-tree", env=index)
    if tree == git(checkout, "rev-parse", f"{base_sha}^{{tree}}"):
        raise SubmitError(f"{destination} is already on the base branch with the same content: nothing to send")
    sha = git(checkout, "commit-tree", tree, "-p", base_sha, "-m", message)
    changed = git(checkout, "diff-tree", "--no-commit-id", "--name-only", "-r", base_sha, sha).splitlines()
    if changed != [destination]:  # cannot happen by construction; checked because a wrong push cannot be taken back
        raise SubmitError(f"the commit would change {changed}, not only {destination}; nothing was sent")
    return sha


def create_branch(checkout: Path, branch: str, sha: str) -> None:
    git(checkout, "branch", branch, sha)


def push(checkout: Path, remote: str, branch: str) -> tuple[bool, str]:
    """Push that one branch (never --all, never tags); (ok, git's output)."""
    done = subprocess.run(["git", "-C", str(checkout), "push", "--porcelain", remote, f"refs/heads/{branch}:refs/heads/{branch}"],
                          capture_output=True, text=True, check=False)
    return done.returncode == 0, (done.stdout + done.stderr).strip()
