"""The site's code as files: JavaScript, CSS and the page shell live under collect/present/site/assets/, no Python
string holds JavaScript, and the linter and node's unit tests that `make test` runs fail on a planted error.

The lint and node tests need node_modules (`make test` runs `npm ci` first); without them these skip, loudly.
"""

from __future__ import annotations

import ast
import os
import re
import shutil
import subprocess

import pytest
from conftest import ROOT

ASSETS = ROOT / "collect" / "present" / "site" / "assets"
ESLINT = ROOT / "node_modules" / ".bin" / "eslint"
NO_NODE = "NO NODE: the site's JavaScript checks did NOT run: run `npm ci` (make test does) with node and npm installed"
JS_MARKERS = re.compile(r"\bfunction\s*\(|document\.|addEventListener|=>\s*\{|\bvar\s+\w+\s*=")


def test_the_assets_are_files_and_every_script_is_in_the_bundle():
    from collect.present.site.build import SCRIPTS, site_js

    kinds = {p.suffix for p in ASSETS.iterdir()}
    assert {".js", ".css", ".html"} <= kinds
    assert sorted(SCRIPTS) == sorted(p.name for p in ASSETS.glob("*.js"))  # none forgotten, none listed twice
    bundle = site_js()
    for name in SCRIPTS:
        assert (ASSETS / name).read_text(encoding="utf-8").strip() in bundle, name


def test_no_python_string_holds_javascript():
    found = []
    for path in (ROOT / "collect").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            long_text = isinstance(node, ast.Constant) and isinstance(node.value, str) and len(node.value) > 120
            if long_text and len(JS_MARKERS.findall(node.value)) >= 2:
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}")
    assert not found, f"JavaScript in Python strings (move it to {ASSETS.relative_to(ROOT)}): {found}"


def _node_ready() -> None:
    if not (shutil.which("node") and ESLINT.exists()):
        pytest.skip(NO_NODE)


def run(command: list[str], **env) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120, env={**os.environ, **env})


def test_the_linter_passes_the_assets_and_fails_a_planted_error(tmp_path):
    _node_ready()
    clean = run([str(ESLINT), "--max-warnings", "0", str(ASSETS), "tests/js"])
    assert clean.returncode == 0, clean.stdout + clean.stderr
    # the same layout and config in a copy (eslint lints nothing outside its config's folder), one name planted
    copy = tmp_path / ASSETS.relative_to(ROOT)
    shutil.copytree(ASSETS, copy)
    shutil.copy(ROOT / "eslint.config.mjs", tmp_path)
    (tmp_path / "node_modules").symlink_to(ROOT / "node_modules")
    (copy / "logic.js").write_text((copy / "logic.js").read_text() + "\nfunction planted() { return undefinedThing + 1; }\n")
    broken = subprocess.run([str(ESLINT), "--max-warnings", "0", str(copy)], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert broken.returncode != 0 and "'undefinedThing' is not defined" in broken.stdout, broken.stdout + broken.stderr


def test_the_node_tests_pass_and_fail_a_planted_bug(tmp_path):
    _node_ready()
    passed = run(["node", "--test", "tests/js/"])
    assert passed.returncode == 0, passed.stdout + passed.stderr
    bug = tmp_path / "logic.js"  # unmeasured rows no longer sorted last: a real bug the tests must catch
    text = (ASSETS / "logic.js").read_text()
    assert "if (x !== x) return y !== y ? a - b : 1;" in text
    bug.write_text(text.replace("if (x !== x) return y !== y ? a - b : 1;", "if (x !== x) return -1;"))
    failed = run(["node", "--test", "tests/js/"], DEVICEBENCH_LOGIC=str(bug))
    assert failed.returncode != 0 and "unmeasured rows last" in failed.stdout
