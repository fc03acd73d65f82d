"""The `devicebench submit` subcommand: its flags, and the flow from the file to the pull request."""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from dataclasses import dataclass
from pathlib import Path

from collect.submit import github, gitops, plan
from collect.submit.plan import Submission, SubmitError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", type=Path, help="the results file to send, e.g. results/results_<env>.csv")
    parser.add_argument("--yes", action="store_true", help="send without asking (what is sent is still printed first)")
    parser.add_argument("--checkout", type=Path,
                        help="the git checkout of devicebench to make the branch in (default: the one holding FILE, "
                             "else the current folder's)")
    parser.add_argument("--remote", help="git remote of your fork, pushed to (default: `fork` if that remote exists, "
                                         "else `origin`)")
    parser.add_argument("--upstream", help=f"OWNER/NAME of the repository the pull request goes to (default: the "
                                           f"`upstream` remote's on GitHub, else {github.PROJECT})")
    parser.add_argument("--base", default="main", help="branch the pull request goes to; the new branch starts from it")
    parser.add_argument("--branch", help="name of the new branch (default: results-<env>-<UTC date>, made unique)")


@dataclass(frozen=True)
class Route:
    checkout: Path
    remote: str | None  # the fork's git remote; None: there is none to push to
    source: str  # what the base branch is fetched from: the `upstream` remote, else the target's GitHub URL
    target: str  # OWNER/NAME the pull request goes to
    base: str
    branch: str
    head: str  # --head of the pull request: owner:branch from a fork


def route(args, sub: Submission) -> Route:
    """Where the file goes, from the flags and the checkout's remotes; SubmitError when there is no checkout."""
    checkout = args.checkout or gitops.toplevel(sub.path.resolve().parent) or gitops.toplevel(Path.cwd())
    if checkout is None:
        raise SubmitError(f"{sub.path} is not inside a git checkout and none was given: clone "
                          f"https://github.com/{github.PROJECT} and pass --checkout DIR")
    names = gitops.remotes(checkout)
    remote = args.remote or next((r for r in ("fork", "origin") if r in names), None)
    if remote is not None and remote not in names:
        raise SubmitError(f"no git remote {remote!r} in {checkout} (remotes: {', '.join(names) or 'none'})")
    upstream_url = gitops.remote_url(checkout, "upstream") if "upstream" in names else None
    target = args.upstream or github.slug(upstream_url) or github.PROJECT
    source = "upstream" if upstream_url and not args.upstream else f"https://github.com/{target}.git"
    stem = args.branch or f"results-{sub.env}-{dt.datetime.now(dt.timezone.utc):%Y%m%d}"
    branch = gitops.unused_branch(checkout, stem) if not args.branch else stem
    if args.branch and gitops.branch_exists(checkout, branch):
        raise SubmitError(f"branch {branch} already exists in {checkout}: pass another --branch")
    fork = github.slug(gitops.remote_url(checkout, remote)) if remote else None
    return Route(Path(checkout), remote, source, target, args.base, branch, github.head_ref(fork, target, branch))


def confirm(ask=input) -> bool:
    try:
        return ask("Send it? [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:  # no one to ask: the answer is no
        return False


def run(args) -> int:
    try:
        sub = plan.inspect(args.file)
        way = route(args, sub)
        push_to = (f"remote {way.remote} ({gitops.remote_url(way.checkout, way.remote)})" if way.remote
                   else "nowhere yet (no fork remote: the steps are printed)")
    except SubmitError as exc:
        print(f"devicebench submit: {exc}", file=sys.stderr)
        return 1
    print(plan.describe(sub, way.branch, push_to, f"{way.target} ({way.base})"))
    if not args.yes and not confirm():
        print("Nothing was sent.")
        return 1
    try:
        return send(sub, way)
    except SubmitError as exc:
        print(f"devicebench submit: {exc}", file=sys.stderr)
        return 1


def send(sub: Submission, way: Route) -> int:
    """Branch, commit, push, pull request: each step only after the one before it worked."""
    try:
        base_sha = gitops.fetch_base(way.checkout, way.source, way.base)
    except SubmitError as exc:
        ref, base_sha = gitops.local_base(way.checkout, way.base, ["upstream", "origin"])
        print(f"could not fetch {way.base} from {way.source} ({exc}); starting from {ref}", file=sys.stderr)
    sha = gitops.commit_one_file(way.checkout, base_sha, sub.path, sub.destination, plan.commit_message(sub))
    gitops.create_branch(way.checkout, way.branch, sha)
    print(f"branch {way.branch}: commit {sha[:12]} adds {sub.destination} and nothing else")
    pushed, output = gitops.push(way.checkout, way.remote, way.branch) if way.remote else (False, "")
    steps = github.remaining_steps(way.checkout, way.branch, way.remote, pushed, way.target, way.base, way.head)
    if way.remote and not pushed:
        print(f"git push {way.remote} {way.branch} failed:\n{output}\n{steps}", file=sys.stderr)
        return 1
    if pushed and github.gh_ready(way.checkout):
        title, body = plan.pull_request_text(sub)
        ok, output = github.open_pull_request(way.checkout, github.pr_command(way.target, way.base, way.head, title, body))
        print(f"pull request: {output}" if ok else f"gh pr create failed:\n{output}\n{steps}", file=sys.stdout if ok else sys.stderr)
        return 0 if ok else 1
    print(steps)
    return 0
