"""Every third-party package a side of the project imports is declared in that side's requirements file.

The light stack (plot_results.py and collect's contract, dataset and present layers: what the pull-request
check installs from requirements-plot.txt alone) and the runner (the rest of collect/, benchmarks/ and tools/:
requirements.txt, which includes the light stack). Checked on the source with ast: every import counts, at
module level or inside a function, except one guarded by `except ImportError` (an optional extra, e.g. NVML).
"""

from __future__ import annotations

import ast
import functools
import importlib.metadata
import re
import sys
from pathlib import Path

import pytest
from conftest import ROOT

LIGHT = ["plot_results.py", "collect/__init__.py", "collect/contract", "collect/dataset", "collect/present"]
SIDES = {
    "light stack": (LIGHT, ["requirements-plot.txt"]),
    "runner": (["collect", "benchmarks", "tools", "plot_results.py"], ["requirements.txt"]),
}
OURS = {"collect", "plot_results", "conftest"}


def canonical(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def declared(name: str) -> set[str]:
    """Distribution names a requirements file holds, `-r` includes followed."""
    out: set[str] = set()
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split("#")[0].strip()
        if line.startswith(("-r ", "--requirement ")):
            out |= declared(line.split(None, 1)[1])
        elif line and not line.startswith("-"):
            out.add(canonical(re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0]))
    return out


def _guarded(node: ast.AST, parents: dict) -> bool:
    """Whether an import sits in a `try` whose handlers catch ImportError (or any exception): optional."""
    while node in parents:
        node, child = parents[node], node
        if isinstance(node, ast.Try) and child in node.body:
            for handler in node.handlers:
                caught = handler.type
                names = [caught] if not isinstance(caught, ast.Tuple) else list(caught.elts)
                if caught is None or any(isinstance(n, ast.Name) and n.id in ("ImportError", "ModuleNotFoundError", "Exception")
                                         for n in names):
                    return True
    return False


def third_party(path: Path) -> dict[str, int]:
    """Top-level third-party modules imported (not guarded) -> first line."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    parents = {child: node for node in ast.walk(tree) for child in ast.iter_child_nodes(node)}
    found: dict[str, int] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""]
        else:
            continue
        for name in names:
            top = name.split(".")[0]
            if top and top not in OURS and top not in sys.stdlib_module_names and not _guarded(node, parents):
                found.setdefault(top, node.lineno)
    return found


def files(roots: list[str]) -> list[Path]:
    out = []
    for root in roots:
        path = ROOT / root
        out += sorted(path.rglob("*.py")) if path.is_dir() else [path] if path.exists() else []
    return out


@functools.cache
def distributions() -> dict[str, list[str]]:
    return importlib.metadata.packages_distributions()  # reads every installed package's metadata: once


def undeclared(roots: list[str], requirement_files: list[str]) -> list[str]:
    allowed = set().union(*(declared(f) for f in requirement_files))
    problems = []
    for path in files(roots):
        for module, line in third_party(path).items():
            names = {canonical(d) for d in distributions().get(module, [])}
            if not names & allowed:
                what = ", ".join(sorted(names)) or "not installed"
                problems.append(f"{path.relative_to(ROOT)}:{line} imports {module} ({what}): not in {' or '.join(requirement_files)}")
    return problems


@pytest.mark.parametrize("side", SIDES)
def test_every_import_is_declared_in_its_sides_requirements(side):
    roots, requirement_files = SIDES[side]
    found = undeclared(roots, requirement_files)
    assert found == [], f"{side}: add these to {requirement_files[0]}:\n" + "\n".join(found)


def test_filelock_is_part_of_the_light_stack():
    # collect/contract/csvio.py locks a results file while appending; it arrived only through torch before.
    assert "filelock" in third_party(ROOT / "collect/contract/csvio.py")
    assert "filelock" in declared("requirements-plot.txt")


def test_the_checker_finds_an_undeclared_import_and_skips_a_guarded_one(tmp_path, monkeypatch):
    (tmp_path / "mod.py").write_text("import os\nimport yaml\n\ntry:\n    import pynvml\nexcept ImportError:\n    pynvml = None\n"
                                     "\n\ndef f():\n    import numpy.linalg\n", encoding="utf-8")
    assert third_party(tmp_path / "mod.py") == {"yaml": 2, "numpy": 11}
    (tmp_path / "req.txt").write_text("# comment\nnumpy>=1.24  # arrays\n", encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert undeclared(["mod.py"], ["req.txt"]) == ["mod.py:2 imports yaml (pyyaml): not in req.txt"]
