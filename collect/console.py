"""`devicebench`: one command for the whole project, installed by `pip install devicebench`.

  devicebench run --suite quick                 # measure this machine (= python -m collect ...)
  devicebench plot                              # merge results/ into the charts (= python plot_results.py ...)
  devicebench check                             # validate results/ only (= python plot_results.py --check ...)
  devicebench score                             # this machine's devicebench score, rank and range (= python -m collect.closing)
  devicebench submit results/results_<env>.csv  # send that one file as a pull request (asks first)

`devicebench SUBCOMMAND --help` explains each one's flags.
"""

from __future__ import annotations

import argparse
import sys

from collect import __version__
from collect.contract import cli_args

SUBCOMMANDS = {
    "run": ("measure this machine: append rows to results/results_<env>.csv (the same flags as python -m collect)",
            "python -m collect"),
    "plot": ("validate and merge results/*.csv into results.png, results.md and figures/ "
             "(the same flags as plot_results.py)", "python plot_results.py"),
    "check": ("validate results/*.csv only, write nothing; exit 1 if any file is invalid "
              "(the flags of plot_results.py, --check implied)", "python plot_results.py --check"),
    "score": ("print an env's devicebench score per framework (range, rank, neighbours) or the members it lacks and "
              "the command that adds them; reads results/, writes nothing", "python -m collect.closing"),
    "submit": ("validate one results file, show what would be sent, and after you agree open a pull request "
               "adding only that file", None),
}


def build_parser() -> argparse.ArgumentParser:
    """The top level and `submit`; run, plot and check hand their arguments to the parser they stand for."""
    from collect.submit.command import add_arguments

    parser = argparse.ArgumentParser(prog="devicebench", description=__doc__, formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--version", action="version", version=f"devicebench {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="{" + ",".join(SUBCOMMANDS) + "}", required=True)
    for name, (summary, same_as) in SUBCOMMANDS.items():
        description = summary + (f". Same as `{same_as} ...`." if same_as else ".")
        child = sub.add_parser(name, help=summary, description=description, formatter_class=cli_args.HelpFormatter,
                               add_help=same_as is None)
        if name == "submit":
            add_arguments(child)
    return parser


def delegated_parser(command: str) -> argparse.ArgumentParser:
    """The parser `devicebench <command>` hands its arguments to, named as this command (for --help)."""
    if command == "run":
        from collect.cli import build_parser as runner_parser

        parser = runner_parser()
    elif command == "score":
        from collect.closing import build_parser as score_parser

        parser = score_parser()
    else:
        import plot_results

        parser = plot_results.build_parser()
    parser.prog = f"devicebench {command}"
    parser.epilog = f"devicebench {command} ... is the same as {SUBCOMMANDS[command][1]} ..."
    return parser


def delegate(command: str, rest: list[str]) -> int:
    """run / score / plot / check: the same arguments, parser and exit code as the command they stand for. The arguments are
    parsed here first, so --help and argparse's errors name `devicebench <command>`."""
    delegated_parser(command).parse_args(rest)
    if command == "run":
        from collect.cli import main as run_main

        return run_main(rest)
    if command == "score":
        from collect.closing import main as score_main

        return score_main(rest)
    import plot_results

    return plot_results.main(["--check", *rest] if command == "check" else rest)


def main(argv: list[str] | None = None) -> int:
    argv = cli_args.arguments(argv)
    if argv and argv[0] in SUBCOMMANDS and SUBCOMMANDS[argv[0]][1]:
        return delegate(argv[0], argv[1:])
    args = build_parser().parse_args(argv)  # submit, or an error / --help / --version from argparse (exit 2 / 0)
    from collect.submit.command import run as submit

    return submit(args)


if __name__ == "__main__":
    sys.exit(main())
