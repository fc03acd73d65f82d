"""The pull request: through GitHub's `gh` when it is installed and signed in, else the steps left to do by hand."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

PROJECT = "devicebench/devicebench"  # where pull requests go unless an `upstream` remote names another repository
_GITHUB = re.compile(r"^(?:https?://|ssh://)?(?:[^@/]+@)?github\.com[:/](?P<owner>[^/]+)/(?P<name>[^/]+?)(?:\.git)?/?$")


def slug(url: str | None) -> str | None:
    """owner/name of a GitHub remote URL (https, ssh or scp-like), else None."""
    match = _GITHUB.match((url or "").strip())
    return f"{match['owner']}/{match['name']}" if match else None


def gh_ready(checkout: Path) -> bool:
    """`gh` is on PATH and signed in."""
    if shutil.which("gh") is None:
        return False
    return subprocess.run(["gh", "auth", "status"], cwd=checkout, capture_output=True, check=False).returncode == 0


def head_ref(fork_slug: str | None, target: str, branch: str) -> str:
    """--head for `gh pr create`: owner:branch from a fork, the bare branch inside the target repository itself."""
    if fork_slug and fork_slug != target:
        return f"{fork_slug.split('/')[0]}:{branch}"
    return branch


def pr_command(target: str, base: str, head: str, title: str, body: str) -> list[str]:
    return ["gh", "pr", "create", "--repo", target, "--base", base, "--head", head, "--title", title, "--body", body]


def open_pull_request(checkout: Path, command: list[str]) -> tuple[bool, str]:
    """Run `gh pr create`; (ok, its output: the pull request's URL when it worked)."""
    done = subprocess.run(command, cwd=checkout, capture_output=True, text=True, check=False)
    return done.returncode == 0, (done.stdout + done.stderr).strip()


def compare_url(target: str, base: str, head: str) -> str:
    return f"https://github.com/{target}/compare/{base}...{head}?expand=1"


def remaining_steps(checkout: Path, branch: str, remote: str | None, pushed: bool, target: str, base: str,
                    head: str) -> str:
    """What is left to do by hand, the branch already made (and pushed, when it could be)."""
    steps = []
    if not pushed:
        if remote is None or ":" not in head:  # no fork to push to (a clone of the project itself): make one first
            steps.append(f"fork {target} and add your fork as the remote `fork`: cd {checkout} && gh repo fork --remote "
                         f"--remote-name fork (or fork it on GitHub, then: git -C {checkout} remote add fork "
                         f"https://github.com/<you>/{target.split('/')[1]}.git)")
            remote, head = "fork", f"<you>:{branch}"
        steps.append(f"git -C {checkout} push {remote} {branch}")
    steps.append(f"open the pull request: {compare_url(target, base, head)}")
    lines = [f"The branch {branch} holds your file{' and is pushed' if pushed else ''}. Remaining steps:"]
    lines += [f"  {i}. {step}" for i, step in enumerate(steps, 1)]
    lines.append(f"     (or, with GitHub's CLI signed in: cd {checkout} && gh pr create --repo {target} --base {base} --head {head})")
    return "\n".join(lines)
