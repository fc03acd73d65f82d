"""What every command line of devicebench shares: its help layout and which arguments it reads.

Unknown or misspelt flags are errors everywhere (argparse's own message, exit 2). The one
exception is the argument list a Jupyter kernel is started with (`-f kernel.json`), which a
notebook that calls `main()` without arguments would otherwise hand to the parser.
"""

from __future__ import annotations

import argparse
import os
import sys


class HelpFormatter(argparse.ArgumentDefaultsHelpFormatter, argparse.RawDescriptionHelpFormatter):
    """Defaults shown after each flag (except where "not given" is explained in the text); the
    description keeps its own line breaks, so the examples in a module docstring stay readable."""

    def _get_help_string(self, action):
        if action.default is None:
            return action.help
        return super()._get_help_string(action)


def in_kernel(argv0: str | None = None) -> bool:
    """True inside a Jupyter/IPython kernel process, whose sys.argv belongs to the kernel."""
    name = os.path.basename(sys.argv[0] if argv0 is None else argv0)
    return name in ("ipykernel_launcher.py", "ipykernel_launcher", "colab_kernel_launcher.py") or (
        "ipykernel" in name and name.endswith(".py"))


def arguments(argv: list[str] | None) -> list[str]:
    """The arguments to parse: argv when given; else the process's own, except in a notebook kernel."""
    if argv is not None:
        return list(argv)
    return [] if in_kernel() else sys.argv[1:]


def without(argv: list[str], flag: str) -> list[str]:
    """argv less a flag and its value (`--flag v` or `--flag=v`): to re-run a command line changed in one flag."""
    out, skip = [], False
    for item in argv:
        if skip:
            skip = False
        elif item == flag:
            skip = True
        elif not item.startswith(flag + "="):
            out.append(item)
    return out
