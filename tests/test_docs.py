"""The docs stay true: README.md, CONTRIBUTING.md and docs/*.md (the rules: docs/development.md, "Writing the docs").

- every column and every plot_results.py flag is documented, the column table is the one made from the code;
- every relative link resolves to a file of the repository, every #anchor to a heading (GitHub's slugs);
- every command shown (python -m collect, devicebench, python plot_results.py, python benchmarks/<x>.py, make,
  torchrun ... -m collect) parses with the real parser and uses only flags and subcommands that exist, in full;
- every time or speed figure names the command and the machine that produced it.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.util
import io
import re
import shlex
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from unittest import mock

import pytest
from conftest import ROOT

import collect.cli
import plot_results
from collect import console
from collect.contract.columns import DOCS, markdown_table
from collect.contract.record import FIELDS

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOC_FILES = [ROOT / "README.md", ROOT / "CONTRIBUTING.md", *sorted((ROOT / "docs").glob("*.md"))]
COLUMNS_PAGE = ROOT / "docs" / "results-files.md"
PLOT_PAGE = ROOT / "docs" / "plotting-and-site.md"


def flags(parser):
    return [opt for action in parser._actions for opt in action.option_strings if opt.startswith("--") and opt != "--help"]


def rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix() if path.is_relative_to(ROOT) else path.name


# --- what the docs must document --------------------------------------------------------------------------------


def test_every_column_is_documented_in_code_and_docs():
    text = COLUMNS_PAGE.read_text(encoding="utf-8")
    assert set(DOCS) == set(FIELDS)
    for name in FIELDS:
        assert re.search(rf"^\| `{name}` \|", text, re.MULTILINE), f"{rel(COLUMNS_PAGE)} lacks column {name}"


def test_docs_column_table_is_the_one_made_from_docs():
    """Regenerate it with `python -m collect.contract.columns` (the table of DOCS) pasted over the page's."""
    assert markdown_table() in COLUMNS_PAGE.read_text(encoding="utf-8"), \
        f"{rel(COLUMNS_PAGE)}'s column table differs from `python -m collect.contract.columns`"


@pytest.mark.parametrize("flag", flags(plot_results.build_parser()))
def test_plot_flags_are_in_docs(flag):
    assert f"`{flag}" in PLOT_PAGE.read_text(encoding="utf-8")


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


def test_readme_is_a_landing_page_and_links_every_docs_page():
    assert len(README.splitlines()) <= 200, "README.md is the landing page: move detail to docs/"
    assert README.index("make bench") < README.index("## Install"), "the two commands come before the install"
    index = (ROOT / "docs" / "README.md").read_text(encoding="utf-8")
    for page in sorted((ROOT / "docs").glob("*.md")):
        if page.name != "README.md":
            assert f"({page.name}" in index, f"docs/README.md does not list {page.name}"
            assert f"(docs/{page.name}" in README, f"README.md does not link docs/{page.name}"


# --- reading markdown ---------------------------------------------------------------------------------------------

FENCE = re.compile(r"^\s*(```+|~~~+)\s*([\w+-]*)")
SHELL = {"", "sh", "bash", "shell", "console", "zsh"}


@dataclass
class Unit:
    """A paragraph, list item, table or code block: the text a command, a figure and a machine must share."""

    kind: str  # paragraph, item, table, code, heading
    lang: str
    text: str
    line: int


def units(text: str) -> list[Unit]:
    """The file cut into units; blank lines end paragraphs and tables, list markers start items."""
    out: list[Unit] = []
    lines = text.splitlines()
    i, current = 0, None

    def close():
        nonlocal current
        if current is not None:
            out.append(current)
        current = None

    while i < len(lines):
        line = lines[i]
        fence = FENCE.match(line)
        if fence:
            close()
            mark, body, start = fence.group(1), [], i + 1
            i += 1
            while i < len(lines) and not lines[i].strip().startswith(mark[:3]):
                body.append(lines[i])
                i += 1
            out.append(Unit("code", fence.group(2).lower(), "\n".join(body), start + 1))
            i += 1
            continue
        stripped = line.strip()
        if not stripped:
            close()
        elif re.match(r"#{1,6}\s", stripped) and not line.startswith("    "):
            close()
            out.append(Unit("heading", "", stripped, i + 1))
        elif stripped.startswith("|"):
            if current is None or current.kind != "table":
                close()
                current = Unit("table", "", "", i + 1)
            current.text += line + "\n"
        elif re.match(r"\s{0,3}([-*+]|\d+[.)])\s", line):
            close()
            current = Unit("item", "", line + "\n", i + 1)
        else:
            if current is None or current.kind == "table":
                close()
                current = Unit("paragraph", "", "", i + 1)
            current.text += line + "\n"
        i += 1
    close()
    return out


def code_spans(text: str) -> list[str]:
    """Inline code spans of a unit of text (a line break inside a span reads as a space, as markdown has it)."""
    return [m.group(2).strip() for m in re.finditer(r"(`+)(.+?)\1", text.replace("\n", " "))]


def without_code(text: str) -> str:
    return re.sub(r"(`+)(.+?)\1", " ", text.replace("\n", " "))


def slug(heading: str) -> str:
    """GitHub's anchor for a heading: its text, lower case, punctuation dropped, spaces to hyphens."""
    text = re.sub(r"^#+\s*", "", heading).strip()
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", text)  # a link's text stays
    text = re.sub(r"[^\w\- ]", "", text.lower())
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    seen: dict[str, int] = {}
    out = set()
    for unit in units(path.read_text(encoding="utf-8")):
        if unit.kind == "heading":
            base = slug(unit.text)
            n = seen.get(base, 0)
            seen[base] = n + 1
            out.add(base if n == 0 else f"{base}-{n}")
    return out


# --- links ----------------------------------------------------------------------------------------------------------

LINK = re.compile(r"\]\(\s*<?([^)\s>]+)>?(?:\s+\"[^\"]*\")?\s*\)")


def links(path: Path) -> list[tuple[int, str]]:
    return [(unit.line, m.group(1)) for unit in units(path.read_text(encoding="utf-8"))
            if unit.kind != "code" for m in LINK.finditer(without_code(unit.text) if "`" in unit.text else unit.text)]


def ignored_by_git(paths: list[Path]) -> set[str]:
    """Paths git ignores (build outputs: a link to one works here but not on GitHub)."""
    if not (ROOT / ".git").exists() or not paths:
        return set()
    done = subprocess.run(["git", "check-ignore", "--stdin"], cwd=ROOT, input="\n".join(rel(p) for p in paths),
                          capture_output=True, text=True)
    return set(done.stdout.split())


def link_problems(path: Path) -> list[str]:
    problems, targets = [], []
    for line, target in links(path):
        if re.match(r"[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # https:, mailto:
            continue
        file_part, _, anchor = target.partition("#")
        dest = (path.parent / file_part).resolve() if file_part else path
        where = f"{rel(path)}:{line}: ({target})"
        if not dest.is_relative_to(ROOT):
            problems.append(f"{where}: outside the repository")
        elif not dest.exists():
            problems.append(f"{where}: no such file")
        else:
            targets.append(dest)
            if anchor and dest.suffix == ".md" and anchor not in anchors(dest):
                problems.append(f"{where}: no heading #{anchor} in {rel(dest)}")
    problems += [f"{rel(path)}: links to {p}, which git ignores" for p in sorted(ignored_by_git(targets))]
    return problems


@pytest.mark.parametrize("path", DOC_FILES, ids=rel)
def test_every_link_resolves(path):
    assert not link_problems(path), "\n".join(link_problems(path))


def test_slugs_follow_github():
    assert slug("## `devicebench submit`: one command, opt-in") == "devicebench-submit-one-command-opt-in"
    assert slug("## Columns (schema v4)") == "columns-schema-v4"
    assert slug("## plot_results.py") == "plot_resultspy"
    assert slug("## Several GPUs: data-parallel scaling") == "several-gpus-data-parallel-scaling"


# --- commands -------------------------------------------------------------------------------------------------------


class Captured(Exception):
    def __init__(self, parser):
        self.parser = parser


def benchmark_parser(script: Path) -> argparse.ArgumentParser:
    """The parser a benchmark script's main() builds (caught as it is about to parse; nothing runs)."""
    spec = importlib.util.spec_from_file_location(f"_doc_{script.stem}", script)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # its dataclasses look their module up
    spec.loader.exec_module(module)

    def capture(self, *args, **kwargs):
        raise Captured(self)

    with mock.patch.object(argparse.ArgumentParser, "parse_args", capture), \
            mock.patch.object(argparse.ArgumentParser, "parse_known_args", capture):
        try:
            module.main([])
        except Captured as caught:
            return caught.parser
    raise AssertionError(f"{rel(script)}: main() parsed no arguments")


def make_targets() -> tuple[set[str], set[str]]:
    text = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([A-Za-z0-9_.-]+)\s*:(?!=)", text, re.MULTILINE)) - {".PHONY"}
    variables = set(re.findall(r"^([A-Z_][A-Z0-9_]*)\s*[?:+]?=", text, re.MULTILINE))
    return targets, variables


@dataclass
class Command:
    """A command line of ours: which parser reads it and the arguments it gets."""

    kind: str  # runner, plot, console, benchmark, make, module
    args: list[str]
    target: str = ""


PLACEHOLDER = "PLACEHOLDER"


def tokens(text: str) -> list[str]:
    text = re.sub(r"<[^<>]*>", PLACEHOLDER, text)  # <env>, <your clone>
    try:
        return shlex.split(text)
    except ValueError:
        return text.split()


def is_python(word: str) -> bool:
    return re.fullmatch(r"(.*/)?python(3(\.\d+)?)?", word) is not None


def classify(piece: str) -> Command | None:
    """The command of ours that a shell command line runs, or None (another program, or not a command)."""
    words = tokens(piece)
    while words and re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*=\S*", words[0]):  # SUITE=quick make bench
        words = words[1:]
    if not words:
        return None
    head, rest = words[0], words[1:]
    if is_python(head) and rest[:1] == ["-m"] and len(rest) > 1:
        module, rest = rest[1], rest[2:]
        if not re.fullmatch(r"[A-Za-z_][\w.]*", module):
            return None  # e.g. `python -m collect: error: ...`, a message
        if module == "collect":
            return Command("runner", rest)
        if module == "plot_results":
            return Command("plot", rest)
        if module == "collect.console":
            return Command("console", rest)
        if module.split(".")[0] in ("collect", "benchmarks", "tools"):
            return Command("module", rest, module)
        return None  # python -m pytest, pip, ...
    if is_python(head) and rest:
        head, rest = rest[0], rest[1:]
    elif is_python(head):
        return None
    if head.endswith("plot_results.py"):
        return Command("plot", rest)
    if re.fullmatch(r"(\./)?benchmarks/[\w-]+\.py", head):
        return Command("benchmark", rest, head.removeprefix("./"))
    if re.fullmatch(r"(\./)?tools/[\w-]+\.py", head):
        return Command("module", rest, head.removeprefix("./"))
    if re.fullmatch(r"(.*/bin/)?devicebench", head):
        return Command("console", rest)
    if head == "make":
        return Command("make", words)
    if head == "torchrun" and "-m" in rest:
        at = rest.index("-m")
        if rest[at + 1:at + 2] == ["collect"]:
            return Command("runner", rest[at + 2:])
    return None


def pieces(line: str) -> list[str]:
    """One shell line cut at &&, ||, ; and pipes, less its comment."""
    line = re.sub(r"(^|\s)#.*$", "", line)
    return [p.strip() for p in re.split(r"&&|\|\||;|\s\|\s", line) if p.strip()]


def shell_lines(code: str) -> list[str]:
    return [re.sub(r"^\$\s+", "", line) for line in code.replace("\\\n", " ").splitlines() if line.strip()]


def variants(args: list[str]) -> list[list[str]]:
    """Usage brackets dropped, `...` dropped, and one argument list per alternative of `a|b|c`."""
    clean = []
    for word in args:
        word = word.strip("[]") if word.startswith("[") or word.endswith("]") else word
        if word and word not in ("...", "…"):
            clean.append(word)
    options = [word.split("|") if "|" in word and not word.startswith("-") else [word] for word in clean]
    width = max((len(o) for o in options), default=1)
    return [[o[min(i, len(o) - 1)] for o in options] for i in range(width)] or [[]]


def parse_problem(parser: argparse.ArgumentParser, args: list[str]) -> str | None:
    """Why parser cannot read args: a flag it lacks (or one only abbreviated), or argparse's own error."""
    known = parser._option_string_actions
    args = [a for a in args if not (a in ("-h", "--help", "--version") and a in known)]
    for word in args:
        name = word.split("=", 1)[0]
        if re.match(r"--?[A-Za-z]", name) and name not in known:
            return f"unknown flag {name}"
    err = io.StringIO()
    required = [(action, action.required) for action in parser._actions]
    try:
        for action, _ in required:  # prose names `devicebench submit` without its file: only what exists counts
            action.required = False
        with contextlib.redirect_stderr(err), contextlib.redirect_stdout(io.StringIO()):
            _, unknown = parser.parse_known_args(args)
    except SystemExit:
        return err.getvalue().strip().splitlines()[-1] if err.getvalue().strip() else "argparse error"
    finally:
        for action, was in required:
            action.required = was
    return f"unrecognised {' '.join(unknown)}" if unknown else None


def subparser(parser: argparse.ArgumentParser, name: str) -> argparse.ArgumentParser | None:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            return action.choices.get(name)
    return None


_BENCHMARKS: dict[str, argparse.ArgumentParser] = {}


def command_problem(command: Command) -> str | None:
    if PLACEHOLDER in command.target or (command.kind in ("make", "console") and PLACEHOLDER in command.args[:2]):
        return None  # a form, `make <target>`, not a command
    if command.kind == "make":
        targets, variables = make_targets()
        for word in command.args[1:]:
            name = word.split("=", 1)[0]
            if "=" in word and name not in variables:
                return f"the Makefile has no variable {name}"
            if "=" not in word and not word.startswith("-") and word not in targets:
                return f"the Makefile has no target {word}"
        return None
    if command.kind == "module":
        target = command.target
        if target.endswith(".py"):
            return None if (ROOT / target).is_file() else f"no script {target}"
        return None if importlib.util.find_spec(target) else f"no module {target}"
    if command.kind == "benchmark":
        script = ROOT / command.target
        if not script.is_file():
            return f"no script {command.target}"
        if command.target not in _BENCHMARKS:
            _BENCHMARKS[command.target] = benchmark_parser(script)
        parser, args = _BENCHMARKS[command.target], command.args
    elif command.kind == "runner":
        parser, args = collect.cli.build_parser(), command.args
    elif command.kind == "plot":
        parser, args = plot_results.build_parser(), command.args
    else:  # devicebench ...
        args = command.args
        if args and args[0] in console.SUBCOMMANDS and console.SUBCOMMANDS[args[0]][1]:
            parser, args = console.delegated_parser(args[0]), args[1:]
        elif args and args[0] in console.SUBCOMMANDS:
            parser, args = subparser(console.build_parser(), args[0]), args[1:]
        elif args and not args[0].startswith("-"):
            return f"devicebench has no subcommand {args[0]} (it has {', '.join(console.SUBCOMMANDS)})"
        else:
            parser = console.build_parser()
            if not [a for a in args if a not in ("-h", "--help", "--version")]:
                return None
    for variant in variants(args):
        problem = parse_problem(parser, variant)
        if problem:
            return problem
    return None


def commands(path: Path) -> list[tuple[int, str, Command]]:
    """Every command of ours the file shows: in shell code blocks, and in inline code."""
    out = []
    for unit in units(path.read_text(encoding="utf-8")):
        if unit.kind == "code":
            if unit.lang in SHELL:
                for offset, line in enumerate(shell_lines(unit.text)):
                    out += [(unit.line + offset, p, c) for p in pieces(line) if (c := classify(p))]
        elif unit.kind != "heading":
            for span in code_spans(unit.text):
                out += [(unit.line, p, c) for p in pieces(span) if (c := classify(p))]
    return out


def all_flags() -> set[str]:
    parsers = [collect.cli.build_parser(), plot_results.build_parser(), console.build_parser(),
               subparser(console.build_parser(), "submit")]
    parsers += [benchmark_parser(script) for script in sorted((ROOT / "benchmarks").glob("*.py"))
                if re.search(r"^def main\(", script.read_text(), re.MULTILINE)]
    return {flag for parser in parsers for flag in parser._option_string_actions}


OTHER_PROGRAMS = {"pip", "pip3", "git", "gh", "pytest", "sudo", "torchrun", "ruff", "uv", "conda", "brew", "apt",
                  "apt-get", "python", "python3", "chromium", "jupyter", "nvidia-smi", "powermetrics", "node", "npm", "npx"}


def stray_flags(path: Path, known: set[str]) -> list[str]:
    """Flags in inline code outside a command of ours (a flag table, `--repeat 1`) that no parser of ours has."""
    out = []
    for unit in units(path.read_text(encoding="utf-8")):
        if unit.kind in ("code", "heading"):
            continue
        for span in code_spans(unit.text):
            for piece in pieces(span):
                words = tokens(piece)
                if not words or classify(piece) or words[0].split("/")[-1] in OTHER_PROGRAMS:
                    continue
                for flag in re.findall(r"(?<![\w-])(--[A-Za-z][\w-]*|-[A-Za-z](?![\w-]))", piece):
                    if flag not in known:
                        out.append(f"{rel(path)}:{unit.line}: `{span}`: no command of devicebench has {flag}")
    return out


@pytest.mark.parametrize("path", DOC_FILES, ids=rel)
def test_every_command_shown_exists_with_its_flags(path):
    problems = [f"{rel(path)}:{line}: `{text}`: {problem}"
                for line, text, command in commands(path) if (problem := command_problem(command))]
    problems += stray_flags(path, all_flags())
    assert not problems, "\n".join(problems)


def test_the_docs_show_commands_of_every_kind():
    """The command check sees what it is meant to see (a reader that found nothing would pass anything)."""
    kinds = {command.kind for path in DOC_FILES for _, _, command in commands(path)}
    assert {"runner", "plot", "console", "benchmark", "make"} <= kinds, kinds


@pytest.mark.parametrize("line, problem", [
    ("python -m collect --suite quick --frobnicate", "unknown flag --frobnicate"),
    ("python -m collect --suit quick", "unknown flag --suit"),  # an abbreviation argparse would take
    ("devicebench frobnicate", "no subcommand frobnicate"),
    ("devicebench submit results/results_<env>.csv --frobnicate", "unknown flag --frobnicate"),
    ("python plot_results.py [--frobnicate DIR]", "unknown flag --frobnicate"),
    ("python benchmarks/bench_merge.py --shape today|nonsense", "invalid choice"),
    ("make frobnicate", "no target frobnicate"),
    ("torchrun --nproc-per-node 4 -m collect --frobnicate", "unknown flag --frobnicate"),
])
def test_the_command_check_catches_what_does_not_exist(line, problem):
    found = [command_problem(c) for p in pieces(line) if (c := classify(p))]
    assert found and problem in (found[0] or ""), found


def test_the_command_check_passes_what_exists():
    for line in ("python -m collect --framework torch|tensorflow --suite quick --repeat 1 --device cpu",
                 "SUITE=quick make bench", "devicebench submit results/results_<env>.csv --yes",
                 "python plot_results.py [FILES ...] [--results-dir DIR] [--check] [-v]", "devicebench --version",
                 "python benchmarks/fidelity.py --processes 5 --pairs 6 --seconds 2", "python -m collect.contract.columns"):
        found = [command_problem(c) for p in pieces(line) if (c := classify(p))]
        assert found == [None], (line, found)


# --- time and speed figures ---------------------------------------------------------------------------------------

NUMBER = r"\d[\d,]*(?:\.\d+)?"
UNIT = (r"(?:ms|µs|us|ns|s|secs?|seconds?|mins?|minutes?|h|hours?|days?"
        r"|(?:samples|tokens|images|sequences|products|requests|steps|rows|it)/s"
        r"|[kMGTP]?FLOP/s|(?-i:[kMGTP]?FLOPS)|[kMGT]i?B/s)")
FIGURE = re.compile(rf"(?<![\w.-])(?:{NUMBER}(?:\s?(?:[-–]|to)\s?{NUMBER})?\s?{UNIT}(?![\w/])"
                    r"|\b(?:a|an|one|two|three|four|five|ten|half an?)[ -](?:minute|hour)s?\b"
                    r"|\b(?:one|two|three|four|five|ten)[ -]seconds?\b)", re.IGNORECASE)
BOUND_BEFORE = re.compile(r"\b(?:under|over|above|below|at least|at most|up to|within|every|than|default|defaults to|"
                          r"target:?|beyond|budget of)\s+(?:about\s+|roughly\s+)?$", re.IGNORECASE)
BOUND_AFTER = re.compile(r"^\s*(?:target|limit|budget|timeout)\b", re.IGNORECASE)
MACHINE = re.compile(r"\b\d+-core\b|\bx86[-_]64\b|\barm64\b|\baarch64\b|\bEPYC\b|\bXeon\b|\bRyzen\b|\bCore i\d\b"
                     r"|\bApple M\d|\bM\d (?:Pro|Max|Ultra)\b|\bRTX ?\d{4}\b|\bGTX ?\d{3,4}\b|\bTesla [A-Z]\d+"
                     r"|\b(?:A100|A10G|H100|H200|L4|T4|V100|P100|K80)\b|\bTPU v\d|\bMacBook|\bMac Studio|\bMac mini")


def figures(text: str) -> list[str]:
    """The time and speed figures a text states, less bounds and settings ("under 15 s", "every 50 ms")."""
    found = []
    for m in FIGURE.finditer(text):
        if not (BOUND_BEFORE.search(text[max(0, m.start() - 40):m.start()]) or BOUND_AFTER.match(text[m.end():])):
            found.append(m.group(0))
    return found


def names_command(context: list[Unit]) -> bool:
    """A command of ours (or `pip install ...`) in the inline code of these units, or a line of their shell code."""
    shown = [line for u in context if u.kind == "code" and u.lang in SHELL for line in shell_lines(u.text)]
    shown += [span for u in context if u.kind != "code" for span in code_spans(u.text)]
    return any(runnable(p) for text in shown for p in pieces(text))


def runnable(piece: str) -> bool:
    """A whole command line one could type (`python plot_results.py`, `devicebench check`), not a file's name."""
    words = tokens(piece)
    return len(words) >= 2 and (words[:2] == ["pip", "install"] or (
        classify(piece) is not None and (is_python(words[0]) or words[0].split("/")[-1] in ("devicebench", "make", "torchrun"))))


def figure_problems(path: Path) -> list[str]:
    """Each figure must share its unit (a table or a text block: with the units just before and after it, within its
    section) with a command in backticks and a machine named by its hardware."""
    problems = []
    all_units = units(path.read_text(encoding="utf-8"))
    for i, unit in enumerate(all_units):
        if unit.kind == "heading":
            continue
        if unit.kind == "code":
            if unit.lang in SHELL:
                text = " ".join(re.findall(r"(?:^|\s)#(.*)$", unit.text, re.MULTILINE))  # the comments
            elif unit.lang in ("text", "txt", "output"):
                text = unit.text
            else:
                continue
        else:
            text = without_code(unit.text)
        found = figures(text)
        if not found:
            continue
        context = [unit]
        if unit.kind == "table" or (unit.kind == "code" and unit.lang not in SHELL):
            context += [u for u in all_units[max(0, i - 1):i + 2] if u is not unit and u.kind not in ("heading",)]
        whole = "\n".join(u.text for u in context)
        if not names_command(context):
            problems.append(f"{rel(path)}:{unit.line}: {', '.join(found)}: no command in backticks beside it")
        if not MACHINE.search(whole):
            problems.append(f"{rel(path)}:{unit.line}: {', '.join(found)}: no machine named beside it (e.g. 2-core AMD EPYC)")
    return problems


@pytest.mark.parametrize("path", DOC_FILES, ids=rel)
def test_every_time_or_speed_figure_names_its_command_and_machine(path):
    assert not figure_problems(path), "\n".join(figure_problems(path))


def test_the_figure_check_tells_figures_from_bounds(tmp_path):
    assert figures("the quick suite took 39.6 s, about a minute; 820 / 810 tokens/s, 34.2 GB/s, 2.5 minutes") == [
        "39.6 s", "a minute", "810 tokens/s", "34.2 GB/s", "2.5 minutes"]
    assert figures("steps under 10 ms; every 50 ms; target under 15 s; at least 1 s; miss the 15 s target") == []
    page = tmp_path / "page.md"
    page.write_text("# Page\n\nThe quick suite takes 22 s on a laptop.\n\n"
                    "It takes 39.6 s (`python -m collect --suite quick --repeat 1`) on the 2-core AMD EPYC VM.\n\n"
                    "| run | time |\n|---|---|\n| quick | 39.6 s |\n\n"
                    "Measured by `python -m collect --suite quick` on an Apple M1.\n")
    problems = "\n".join(figure_problems(page))
    assert "page.md:3: 22 s: no command" in problems and "page.md:3: 22 s: no machine" in problems
    assert ":5:" not in problems and ":7:" not in problems
