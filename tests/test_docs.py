"""The README documents every column and every command-line flag, so neither can drift."""

from __future__ import annotations

import re

import pytest
from conftest import ROOT

import plot_results
from collect.contract.columns import DOCS, markdown_table
from collect.contract.record import FIELDS

README = (ROOT / "README.md").read_text(encoding="utf-8")


def flags(parser):
    return [opt for action in parser._actions for opt in action.option_strings if opt.startswith("--") and opt != "--help"]


def test_every_column_is_documented_in_code_and_readme():
    assert set(DOCS) == set(FIELDS)
    for name in FIELDS:
        assert re.search(rf"^\| `{name}` \|", README, re.MULTILINE), f"README lacks column {name}"


def test_readme_column_table_is_the_one_made_from_docs():
    """Regenerate it with `python -m collect.contract.columns` (the table of DOCS) pasted over the README's."""
    assert markdown_table() in README, "README's column table differs from `python -m collect.contract.columns`"


@pytest.mark.parametrize("flag", flags(plot_results.build_parser()))
def test_plot_flags_are_in_readme(flag):
    assert f"`{flag}" in README


def test_help_explains_each_flag(capsys):
    with pytest.raises(SystemExit):
        plot_results.main(["--help"])
    out = capsys.readouterr().out
    for flag in flags(plot_results.build_parser()):
        assert flag in out
    assert "(default: results)" in out


def test_readme_gives_the_two_commands_and_ci_uses_the_test_one():
    assert "make bench" in README and "make test" in README
    assert "make test" in (ROOT / ".ci" / "run").read_text()
