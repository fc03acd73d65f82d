"""`devicebench submit` end to end: local bare repositories stand in for GitHub, a fake `gh` records its arguments.

The user's checkout has remotes that look like GitHub (`origin` = their fork, `upstream` = the project); git's
url.<base>.insteadOf sends them to two bare repositories under tmp_path, so nothing leaves the machine.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from conftest import ROOT, record, write

from collect import console
from collect.submit import github

ENV = "test-box-cuda"
NAME = f"results_{ENV}.csv"
FAKE_GH = """#!{python}
import json, os, sys
with open(os.environ["GH_LOG"], "a") as log:
    log.write(json.dumps(sys.argv[1:]) + "\\n")
if sys.argv[1:3] == ["auth", "status"]:
    sys.exit(int(os.environ.get("GH_SIGNED_OUT", "0")))
if sys.argv[1:3] == ["pr", "create"]:
    print("https://github.com/devicebench/devicebench/pull/42")
"""


def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True).stdout.strip()


def commit_all(repo: Path, message: str) -> None:
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)


@pytest.fixture
def world(tmp_path, monkeypatch):
    """upstream.git (the project), fork.git (the user's fork, one commit of its own on main), and the user's checkout
    (a local commit on main, an edited tracked file, an untracked file) holding the results file to send."""
    up, fork, checkout = tmp_path / "upstream.git", tmp_path / "fork.git", tmp_path / "devicebench"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(up))
    git(tmp_path, "clone", "-q", str(up), str(checkout))
    git(checkout, "config", "user.name", "Alice Example")
    git(checkout, "config", "user.email", "alice@example.com")
    (checkout / "README.md").write_text("devicebench\n")
    write(checkout / "results", "published-ref", [record(env="published-ref")])
    commit_all(checkout, "upstream history")
    git(checkout, "push", "-q", "origin", "main")
    git(tmp_path, "clone", "-q", "--bare", str(up), str(fork))
    git(checkout, "remote", "set-url", "origin", "https://github.com/alice/devicebench.git")
    git(checkout, "remote", "add", "upstream", "https://github.com/devicebench/devicebench.git")
    git(checkout, "config", f"url.{tmp_path / 'fork'}.insteadOf", "https://github.com/alice/devicebench")
    git(checkout, "config", f"url.{tmp_path / 'upstream'}.insteadOf", "https://github.com/devicebench/devicebench")
    (checkout / "NOTES.md").write_text("fork-only work\n")
    commit_all(checkout, "something on the fork's main")
    git(checkout, "push", "-q", "origin", "main")  # the fork's main is now ahead of the project's
    (checkout / "README.md").write_text("devicebench, edited locally\n")
    (checkout / "scratch.txt").write_text("untracked\n")
    csv = write(checkout / "results", ENV, [
        record(env=ENV, device_kind="cuda", device_name="NVIDIA Test GPU", os="Linux-6.1-x86_64", cpu_name="Test CPU 9000",
               python_version="3.11.7", harness_version="0.2.0"),
        record(env=ENV, device_kind="cuda", device_name="NVIDIA Test GPU", os="Linux-6.1-x86_64", run_id="run-2",
               cpu_name="Test CPU 9000", python_version="3.11.7", harness_version="0.2.0", samples_per_s=1200.0)])
    bin_dir, log = tmp_path / "bin", tmp_path / "gh.log"
    bin_dir.mkdir()
    (bin_dir / "git").symlink_to(shutil.which("git"))
    (bin_dir / "gh").write_text(FAKE_GH.format(python=sys.executable))
    (bin_dir / "gh").chmod(0o755)
    monkeypatch.setenv("PATH", str(bin_dir))  # git and the fake gh only: a real gh can never be reached
    monkeypatch.setenv("GH_LOG", str(log))
    return SimpleNamespace(up=up, fork=fork, checkout=checkout, csv=csv, bin=bin_dir, log=log,
                           state=lambda: (git(checkout, "rev-parse", "HEAD"), git(checkout, "status", "--porcelain"),
                                          git(checkout, "branch", "--show-current")))


def gh_calls(world) -> list[list[str]]:
    return [json.loads(line) for line in world.log.read_text().splitlines()] if world.log.exists() else []


def sent_branches(world) -> list[str]:
    return git(world.fork, "for-each-ref", "--format=%(refname:short)", "refs/heads/").split()


def test_submit_asks_then_sends_one_commit_with_only_the_csv_and_opens_the_pull_request(world):
    before = world.state()
    done = subprocess.run([sys.executable, "-m", "collect.console", "submit", str(world.csv)], input="y\n", text=True,
                          capture_output=True, cwd=world.checkout, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    print(done.stdout, done.stderr)
    assert done.returncode == 0, done.stderr
    # What will be sent, shown before the question: the file, its size, the fingerprint columns it holds.
    shown = done.stdout.split("Send it? [y/N]")[0]
    assert f"exactly one file: {world.csv}" in shown and f"{world.csv.stat().st_size:,} bytes" in shown
    assert "device_name" in shown and "NVIDIA Test GPU" in shown and "cpu_name" in shown and "Test CPU 9000" in shown
    assert "CC BY 4.0" in shown
    # The branch, in the fork: one commit on top of the project's main, holding the CSV and nothing else.
    branch = next(b for b in sent_branches(world) if b.startswith(f"results-{ENV}-"))
    project_main = git(world.up, "rev-parse", "main")
    assert git(world.fork, "rev-list", "--parents", "-n", "1", branch).split() == [git(world.fork, "rev-parse", branch), project_main]
    assert git(world.fork, "diff-tree", "--no-commit-id", "--name-status", "-r", branch) == f"A\tresults/{NAME}"
    assert git(world.fork, "show", f"{branch}:results/{NAME}") == world.csv.read_text().strip()
    assert git(world.fork, "log", "-1", "--format=%an <%ae>%n%s", branch) == f"Alice Example <alice@example.com>\nAdd results for {ENV}"
    assert git(world.checkout, "rev-parse", branch) == git(world.fork, "rev-parse", branch)  # the local branch is made too
    # The recorded gh call: the pull request from alice's fork to the project's main.
    calls = gh_calls(world)
    assert calls[0] == ["auth", "status"]
    create = calls[1]
    assert create[:10] == ["pr", "create", "--repo", "devicebench/devicebench", "--base", "main", "--head", f"alice:{branch}",
                           "--title", f"Add results for {ENV}"]
    assert create[10] == "--body" and f"`results/{NAME}`" in create[11] and "- [x] I agree" in create[11]
    assert "pull request: https://github.com/devicebench/devicebench/pull/42" in done.stdout
    assert world.state() == before  # the user's HEAD, branch, index and working tree are as they were


@pytest.mark.parametrize("answer", ["n\n", ""], ids=["no", "no one to ask"])
def test_submit_sends_nothing_unless_the_user_agrees(world, answer):
    before = world.state()
    done = subprocess.run([sys.executable, "-m", "collect.console", "submit", str(world.csv)], input=answer, text=True,
                          capture_output=True, cwd=world.checkout, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120)
    assert done.returncode == 1 and "Nothing was sent." in done.stdout
    assert sent_branches(world) == ["main"] and gh_calls(world) == []
    assert git(world.checkout, "branch", "--list", "results-*") == ""
    assert world.state() == before


@pytest.mark.parametrize("gh", ["missing", "signed out"])
def test_without_a_signed_in_gh_the_branch_is_pushed_and_the_remaining_step_printed(world, gh, capsys, monkeypatch):
    if gh == "missing":
        (world.bin / "gh").unlink()
    else:
        monkeypatch.setenv("GH_SIGNED_OUT", "1")
    outside = world.checkout.parent / "elsewhere" / NAME  # a notebook's file, outside the checkout
    outside.parent.mkdir()
    shutil.copy(world.csv, outside)
    rc = console.main(["submit", str(outside), "--yes", "--checkout", str(world.checkout), "--branch", "my-results"])
    out = capsys.readouterr().out
    assert rc == 0
    assert sent_branches(world) == ["main", "my-results"]
    assert git(world.fork, "diff-tree", "--no-commit-id", "--name-only", "-r", "my-results") == f"results/{NAME}"
    assert "The branch my-results holds your file and is pushed. Remaining steps:" in out
    assert "https://github.com/devicebench/devicebench/compare/main...alice:my-results?expand=1" in out
    assert [c[:2] for c in gh_calls(world)] == ([] if gh == "missing" else [["auth", "status"]])  # never `pr create`


def test_an_invalid_file_is_refused_before_anything_happens(world, capsys):
    bad = world.checkout / "results" / "results_broken-box.csv"
    bad.write_text("env,framework\nbroken-box,torch\n")
    before = world.state()
    assert console.main(["submit", str(bad), "--yes"]) == 1
    err = capsys.readouterr().err
    assert "is not a valid results file; nothing was sent" in err and "required column is missing" in err
    assert sent_branches(world) == ["main"] and gh_calls(world) == [] and world.state() == before


def test_the_same_file_twice_gets_a_new_branch_and_an_unchanged_file_is_not_sent(world, capsys):
    assert console.main(["submit", str(world.csv), "--yes"]) == 0
    assert console.main(["submit", str(world.csv), "--yes"]) == 0  # the project has not merged it: a second branch
    branches = [b for b in sent_branches(world) if b != "main"]
    assert len(branches) == 2 and branches[1] == branches[0] + "-2"
    git(world.fork, "push", "-q", str(world.up), f"{branches[0]}:main")  # the project merges the first
    assert console.main(["submit", str(world.csv), "--yes"]) == 1
    assert "already on the base branch with the same content: nothing to send" in capsys.readouterr().err


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/alice/devicebench.git", "alice/devicebench"),
    ("https://github.com/alice/devicebench", "alice/devicebench"),
    ("git@github.com:alice/devicebench.git", "alice/devicebench"),
    ("ssh://git@github.com/alice/devicebench.git", "alice/devicebench"),
    ("https://gitlab.com/alice/devicebench.git", None),
    ("/tmp/fork.git", None),
])
def test_github_remote_urls(url, expected):
    assert github.slug(url) == expected


def test_head_of_the_pull_request():
    assert github.head_ref("alice/devicebench", "devicebench/devicebench", "b") == "alice:b"
    assert github.head_ref("devicebench/devicebench", "devicebench/devicebench", "b") == "b"  # a maintainer's own branch
    assert github.head_ref(None, "devicebench/devicebench", "b") == "b"


def test_a_clone_of_the_project_without_a_fork_gets_the_branch_and_the_steps_to_fork(world, capsys):
    git(world.checkout, "remote", "remove", "upstream")
    git(world.checkout, "remote", "set-url", "origin", "https://github.com/devicebench/devicebench.git")
    git(world.checkout, "config", f"url.{world.checkout.parent / 'nowhere'}.pushInsteadOf", "https://github.com/devicebench/devicebench")
    rc = console.main(["submit", str(world.csv), "--yes", "--branch", "my-results"])
    captured = capsys.readouterr()
    assert rc == 1 and "git push origin my-results failed" in captured.err
    assert git(world.checkout, "diff-tree", "--no-commit-id", "--name-only", "-r", "my-results") == f"results/{NAME}"
    assert "gh repo fork --remote --remote-name fork" in captured.err
    assert f"git -C {world.checkout} push fork my-results" in captured.err
    assert "https://github.com/devicebench/devicebench/compare/main...<you>:my-results?expand=1" in captured.err
    assert sent_branches(world) == ["main"] and gh_calls(world) == []
