"""The site's code as files: JavaScript, CSS and the page shell live under collect/present/site/assets/, no Python
string holds JavaScript, and the linter and node's unit tests that `make test` runs fail on a planted error.

The lint and node tests need node_modules (`make test` runs `npm ci` first); without them these skip, loudly.
"""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
import subprocess

import numpy as np
import pytest
from conftest import ROOT, examples
from hypothesis import given, settings
from hypothesis import strategies as st

from collect.present.site import encode

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


@settings(max_examples=examples(25))
@given(data=st.data())
def test_what_encode_writes_the_pages_read_back_exactly(data):
    """Any mix of columns: configuration codes (joint where that is shorter), runs of one env, floats with gaps,
    through encode.table and logic.js's expand in node, comes back value for value."""
    _node_ready()
    n = data.draw(st.integers(0, 60), label="rows")
    few = st.lists(st.integers(0, data.draw(st.sampled_from([1, 4]), label="codes")), min_size=n, max_size=n)
    cols = {name: np.array(data.draw(few, label=name), dtype=np.int64) for name in ("model", "mode", "batch_size")}
    cols["env"] = np.sort(np.array(data.draw(few, label="env"), dtype=np.int64))
    cols["rate"] = np.array(data.draw(st.lists(st.one_of(st.none(), st.floats(0.5, 1e6)), min_size=n, max_size=n),
                                      label="rate"), dtype=float)
    payload = encode.table({k: (encode.round_sig(v) if v.dtype.kind == "f" else v) for k, v in cols.items()})
    script = ("const L = require(process.argv[1]); const t = L.expand(JSON.parse(process.argv[2]));"
              "process.stdout.write(JSON.stringify(t.cols));")
    done = subprocess.run(["node", "-e", script, str(ROOT / "collect/present/site/assets/logic.js"), payload],
                          capture_output=True, text=True, timeout=60, check=True)
    back = json.loads(done.stdout)
    for name in ("model", "mode", "batch_size", "env"):
        assert back[name] == cols[name].tolist(), (name, payload)
    rate = encode.round_sig(cols["rate"])
    expected = [None if np.isnan(v) else v for v in rate.tolist()]
    assert back.get("rate", [None] * n) == expected, payload  # null throughout: left out of the file


def test_configuration_columns_are_written_together_where_that_is_shorter():
    pattern = np.tile(np.arange(7), 40)  # a shard: seven configurations down every env's rows
    cols = {"model": pattern, "mode": pattern % 2, "backend": pattern % 3, "env": np.repeat(np.arange(40), 7)}
    written = json.loads(encode.table(cols))
    assert written["joint"]["c"] == ["model", "mode", "backend"] and len(written["joint"]["t"]) == 7 * 3
    assert set(written["cols"]) == {"env"}
    alone = json.loads(encode.table({"model": np.arange(5), "mode": np.arange(5) % 2}))  # all distinct: apart
    assert "joint" not in alone and alone["cols"]["model"] == [0, 1, 2, 3, 4]
