"""The layer rules of collect/ (docs/development.md, "Layout and layer rules"), checked on the source with ast.

Every import counts, at module level or inside a function or `if TYPE_CHECKING`; relative imports are resolved.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

FRAMEWORK_LAYERS = ("frameworks", "frameworks.torch", "frameworks.tensorflow")
# The layers of ours each layer may import; the root `collect` (for __version__) is open to all but itself.
ALLOWED = {
    "collect": set(),
    "__main__": {"cli"},
    # The installed `devicebench` command: its subcommands stand for python -m collect, plot_results.py and submit.
    "console": {"console", "cli", "closing", "plot_results.py", "submit", "contract"},
    "submit": {"submit", "contract", "dataset"},  # one results file: validated, committed alone, sent as a pull request
    # dataset: the target file is checked before a run (preflight) and read after it; present: the closing standing
    "cli": {"cli", "preflight", "runplan", "closing", "contract", "measure", "dataset", "present", *FRAMEWORK_LAYERS},
    # the runner's helpers beside cli.py: what a run measures (runplan) and how it ends (closing)
    "runplan": {"contract", "measure", "dataset"},
    "closing": {"contract", "dataset", "present"},
    "preflight": {"contract", "measure", "dataset"},
    "contract": {"contract"},
    "measure": {"contract", "measure"},
    "frameworks": {"contract", "measure", "frameworks"},
    "frameworks.torch": {"contract", "measure", "frameworks.torch"},
    "frameworks.tensorflow": {"contract", "measure", "frameworks.tensorflow"},
    "dataset": {"contract", "dataset"},
    "present": {"contract", "present"},
    "plot_results.py": {"contract", "dataset", "present"},
}
TORCH_LIBS = {"torch", "torchvision"}
TF_LIBS = {"tensorflow", "keras", "tf_keras"}
PLOT_LIBS = {"matplotlib", "seaborn"}
# Third-party top-level packages a layer never imports: each framework only in its own folder, plotting only in
# present (and plot_results.py), pandas never in measure.
FORBIDDEN = {layer: TORCH_LIBS | TF_LIBS | PLOT_LIBS for layer in ALLOWED}
FORBIDDEN["measure"] = TORCH_LIBS | TF_LIBS | PLOT_LIBS | {"pandas"}
FORBIDDEN["frameworks.torch"] = TF_LIBS | PLOT_LIBS
FORBIDDEN["frameworks.tensorflow"] = TORCH_LIBS | PLOT_LIBS
FORBIDDEN["present"] = FORBIDDEN["plot_results.py"] = TORCH_LIBS | TF_LIBS


def layer_of(module: str) -> str | None:
    """The layer of a dotted module name of ours; None for a module outside every layer."""
    if module == "plot_results":
        return "plot_results.py"
    parts = module.split(".")
    if parts[0] != "collect":
        return None
    if len(parts) == 1:
        return "collect"
    if parts[1] in ("__main__", "cli", "console", "preflight", "runplan", "closing"):
        return parts[1] if len(parts) == 2 else None
    if parts[1] in ("contract", "measure", "dataset", "present", "submit"):
        return parts[1]
    if parts[1] == "frameworks":
        if len(parts) == 2:
            return "frameworks"
        if parts[2] in ("torch", "tensorflow"):
            return f"frameworks.{parts[2]}"
    return None


def sources(root: Path) -> list[Path]:
    files = sorted((root / "collect").rglob("*.py"))
    return files + [root / "plot_results.py"] if (root / "plot_results.py").exists() else files


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(root: Path, dotted: str) -> bool:
    base = root.joinpath(*dotted.split("."))
    return base.with_suffix(".py").is_file() or (base / "__init__.py").is_file()


def imports(root: Path, path: Path) -> list[tuple[int, str]]:
    """(line, imported module) for every import in the file, relative ones resolved, `from P import m` as P.m."""
    module = module_name(root, path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join(anchor + ([node.module] if node.module else []))
            for alias in node.names:
                sub = f"{base}.{alias.name}" if base else alias.name
                found.append((node.lineno, sub if alias.name != "*" and is_module(root, sub) else base))
    return sorted(found)


def reason(source: str, target: str) -> str | None:
    """Why a module of layer `source` may not import `target`, or None when it may."""
    top = target.split(".")[0]
    if top not in ("collect", "plot_results"):
        return f"{source} never imports {top}" if top in FORBIDDEN[source] else None
    layer = layer_of(target)
    if layer == "collect" and source != "collect":
        return None
    if layer in FRAMEWORK_LAYERS and source not in ("cli", *FRAMEWORK_LAYERS):
        return "only collect.cli imports collect.frameworks"
    if layer == "cli" and source not in ("cli", "__main__", "console"):
        return "only collect.__main__ and collect.console import collect.cli"
    if layer == "plot_results.py" and source not in ("plot_results.py", "console"):
        return "only collect.console imports plot_results"
    if layer not in ALLOWED[source]:
        return f"{source} never imports {layer or target + ' (outside every layer)'}"
    return None


def graph(root: Path) -> dict[str, dict[str, str]]:
    """Module -> {imported module of ours: 'file:line'}, from all imports, module and function level."""
    edges: dict[str, dict[str, str]] = {}
    for path in sources(root):
        module, rel = module_name(root, path), path.relative_to(root).as_posix()
        edges.setdefault(module, {})
        for line, target in imports(root, path):
            if target.split(".")[0] in ("collect", "plot_results") and target != module:
                edges[module].setdefault(target, f"{rel}:{line}")
    return edges


def cycles(edges: dict[str, dict[str, str]]) -> list[list[str]]:
    """Every simple import circle, each once, starting at its smallest module."""
    found = []

    def walk(start: str, path: list[str]) -> None:
        for nxt in sorted(edges.get(path[-1], {})):
            if nxt == start:
                found.append(path + [start])
            elif nxt > start and nxt not in path:
                walk(start, path + [nxt])

    for start in sorted(edges):
        walk(start, [start])
    return found


def violations(root: Path) -> list[str]:
    """One readable message per broken layer rule and per import circle, in file order."""
    found = []
    for path in sources(root):
        rel = path.relative_to(root).as_posix()
        layer = layer_of(module_name(root, path))
        if layer is None:
            found.append(f"{rel}: outside every layer folder (contract, measure, frameworks/torch, "
                         "frameworks/tensorflow, dataset, present)")
            continue
        for line, target in imports(root, path):
            why = reason(layer, target)
            if why:
                found.append(f"{rel}:{line} imports {target}: {why}")
    edges = graph(root)
    for circle in cycles(edges):
        where = ", ".join(edges[a][b] for a, b in zip(circle, circle[1:], strict=False))
        found.append(f"import circle: {' -> '.join(circle)} ({where})")
    return found


def oversized(root: Path, max_module: int = 300, max_function: int = 60) -> list[str]:
    found = []
    for path in sources(root):
        rel, text = path.relative_to(root).as_posix(), path.read_text(encoding="utf-8")
        if len(text.splitlines()) > max_module:
            found.append(f"{rel}: {len(text.splitlines())} lines (at most {max_module})")
        for node in ast.walk(ast.parse(text)):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                length = node.end_lineno - node.lineno + 1
                if length > max_function:
                    found.append(f"{rel}:{node.lineno} {node.name}(): {length} lines (at most {max_function})")
    return found


def test_the_tree_obeys_the_layer_rules():
    found = violations(ROOT)
    assert found == [], "layer rules broken:\n" + "\n".join(found)


def test_no_module_over_300_lines_and_no_function_over_60():
    found = oversized(ROOT)
    assert found == [], "too long:\n" + "\n".join(found)


# A tiny tree that obeys every rule; each planted case below rewrites or adds files to break exactly one.
CLEAN = {
    "collect/__init__.py": '__version__ = "0"\n',
    "collect/__main__.py": "from collect.cli import main\n",
    "collect/cli.py": "from collect.contract import record\nfrom collect.measure import loop\n\n\ndef main():\n"
                      "    from collect.frameworks.torch import a\n    from collect.frameworks.tensorflow import b\n",
    "collect/contract/__init__.py": "",
    "collect/contract/record.py": "import csv\n\nfrom collect import __version__\n",
    "collect/measure/__init__.py": "",
    "collect/measure/loop.py": "import statistics\n\nfrom ..contract import record\n",
    "collect/frameworks/__init__.py": "",
    "collect/frameworks/torch/__init__.py": "",
    "collect/frameworks/torch/a.py": "import torch\nimport torchvision\n\nfrom ...measure import loop\n",
    "collect/frameworks/tensorflow/__init__.py": "",
    "collect/frameworks/tensorflow/b.py": "import tensorflow as tf\nfrom tensorflow import keras\n\nfrom collect.contract.record import X\n",
    "collect/dataset/__init__.py": "",
    "collect/dataset/y.py": "import pandas\nimport pyarrow\n\nfrom collect.contract import record\n",
    "collect/present/__init__.py": "",
    "collect/present/x.py": "import matplotlib.pyplot as plt\nimport seaborn\n\nfrom . import z\nfrom ..contract import record\n",
    "collect/present/z.py": "from typing import TYPE_CHECKING\n\nif TYPE_CHECKING:\n    from collect.contract.record import Record\n",
    "plot_results.py": "import pandas\n\nfrom collect.dataset import y\nfrom collect.present import x\n",
    "collect/console.py": "import argparse\n\nimport plot_results\nfrom collect.cli import main\nfrom collect.submit import command\n",
    "collect/submit/__init__.py": "",
    "collect/submit/command.py": "import subprocess\n\nfrom collect.contract import record\nfrom collect.dataset import y\n",
}

PLANTED = {
    "measure imports torch": (
        {"collect/measure/loop.py": "from collect.contract import record\nimport torch\n"},
        "collect/measure/loop.py:2 imports torch: measure never imports torch"),
    "measure imports pandas in a function": (
        {"collect/measure/loop.py": "import statistics\n\n\ndef table(rows):\n    import pandas as pd\n    return pd\n"},
        "collect/measure/loop.py:5 imports pandas: measure never imports pandas"),
    "present imports dataset via from collect import": (
        {"collect/present/x.py": "import matplotlib\n\nfrom collect import dataset\n"},
        "collect/present/x.py:3 imports collect.dataset: present never imports dataset"),
    "dataset imports matplotlib": (
        {"collect/dataset/y.py": "import pandas\nimport matplotlib.pyplot as plt\n"},
        "collect/dataset/y.py:2 imports matplotlib.pyplot: dataset never imports matplotlib"),
    "torch imports tensorflow adapter relatively": (
        {"collect/frameworks/torch/a.py": "import torch\n\nfrom ..tensorflow import b\n"},
        "collect/frameworks/torch/a.py:3 imports collect.frameworks.tensorflow.b: "
        "frameworks.torch never imports frameworks.tensorflow"),
    "contract imports measure": (
        {"collect/contract/columns.py": "import csv\n\n\ndef check():\n    from collect.measure import loop\n"},
        "collect/contract/columns.py:5 imports collect.measure.loop: contract never imports measure"),
    "dataset imports frameworks": (
        {"collect/dataset/y.py": "import pandas\n\nimport collect.frameworks\n"},
        "collect/dataset/y.py:3 imports collect.frameworks: only collect.cli imports collect.frameworks"),
    "plot_results imports measure": (
        {"plot_results.py": "from collect.present import x\nfrom collect.measure.loop import run\n"},
        "plot_results.py:2 imports collect.measure.loop: plot_results.py never imports measure"),
    "measure imports plot_results": (
        {"collect/measure/loop.py": "import statistics\n\nimport plot_results\n"},
        "collect/measure/loop.py:3 imports plot_results: only collect.console imports plot_results"),
    "dataset imports the runner's command line": (
        {"collect/dataset/y.py": "import pandas\n\nfrom collect.cli import main\n"},
        "collect/dataset/y.py:3 imports collect.cli: only collect.__main__ and collect.console import collect.cli"),
    "submit imports measure": (
        {"collect/submit/command.py": "import subprocess\n\nfrom collect.measure import loop\n"},
        "collect/submit/command.py:3 imports collect.measure.loop: submit never imports measure"),
    "submit imports matplotlib": (
        {"collect/submit/command.py": "import matplotlib\n"},
        "collect/submit/command.py:1 imports matplotlib: submit never imports matplotlib"),
    "two-module import circle": (
        {"collect/dataset/y.py": "from collect.dataset import w\n",
         "collect/dataset/w.py": "def read():\n    from collect.dataset.y import parse\n"},
        "import circle: collect.dataset.w -> collect.dataset.y -> collect.dataset.w "
        "(collect/dataset/w.py:2, collect/dataset/y.py:1)"),
    "module outside every layer": (
        {"collect/helpers.py": "X = 1\n"},
        "collect/helpers.py: outside every layer folder (contract, measure, frameworks/torch, "
        "frameworks/tensorflow, dataset, present)"),
}


def plant(root: Path, files: dict[str, str]) -> Path:
    for rel, text in {**CLEAN, **files}.items():
        (root / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / rel).write_text(text, encoding="utf-8")
    return root


def test_a_clean_fake_tree_has_no_violations(tmp_path):
    assert violations(plant(tmp_path, {})) == []


@pytest.mark.parametrize("files, message", PLANTED.values(), ids=PLANTED.keys())
def test_the_checker_reports_each_planted_violation(tmp_path, files, message):
    assert violations(plant(tmp_path, files)) == [message]


def test_relative_imports_resolve_from_modules_and_packages(tmp_path):
    plant(tmp_path, {"collect/present/__init__.py": "from . import x\nfrom .z import Record\n"})
    assert imports(tmp_path, tmp_path / "collect/present/__init__.py") == [(1, "collect.present.x"), (2, "collect.present.z")]
    assert imports(tmp_path, tmp_path / "collect/frameworks/torch/a.py")[-1] == (4, "collect.measure.loop")


def test_sizes_are_counted_from_def_to_end(tmp_path):
    body = "".join(f"    x{i} = {i}\n" for i in range(60))
    plant(tmp_path, {"collect/measure/loop.py": f"def long():\n{body}\n\ndef short():\n    pass\n"})
    assert oversized(tmp_path) == ["collect/measure/loop.py:1 long(): 61 lines (at most 60)"]
    assert oversized(tmp_path, max_module=64) == ["collect/measure/loop.py: 65 lines (at most 64)",
                                                  "collect/measure/loop.py:1 long(): 61 lines (at most 60)"]
