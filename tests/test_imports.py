"""The light stack (record, CSV IO, validation, plotting) imports without torch or TensorFlow."""

from __future__ import annotations

import subprocess
import sys

import pytest
from conftest import ROOT

BLOCKER = """
import sys
class Block:
    def find_spec(self, name, path=None, target=None):
        if name.split('.')[0] in ('torch', 'torchvision', 'tensorflow', 'keras', 'tf_keras'):
            raise ModuleNotFoundError(f'{name} is blocked: the light stack must not import it')
sys.meta_path.insert(0, Block())
"""


def run_blocked(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", BLOCKER + code], cwd=ROOT, capture_output=True, text=True, timeout=120)


@pytest.mark.slow
def test_plotting_path_imports_and_runs_without_frameworks(tmp_path):
    code = (
        "import plot_results, collect.dataset.loader, collect.present.headline, collect.present.report, collect.dataset.validate, collect.contract.csvio, collect.contract.record\n"
        "import collect.cli, collect.measure.loop, collect.measure.suites, collect.measure.timing, collect.measure.envinfo, collect.contract.columns, collect.dataset.legacy\n"
        "import collect.measure.energy, collect.present.details, collect.present.style, collect.present.summary\n"
        "import collect.dataset.cells, collect.dataset.files, collect.dataset.review\n"
        f"rc = plot_results.main(['--out', r'{tmp_path / 'r.png'}', '--markdown', r'{tmp_path / 'r.md'}', "
        f"'--figures', r'{tmp_path / 'figures'}'])\n"
        "assert rc == 0, rc\n"
        "print('frameworks loaded:', sorted(m for m in sys.modules if m.split('.')[0] in ('torch', 'tensorflow')))\n"
    )
    result = run_blocked(code)
    assert result.returncode == 0, result.stderr
    assert "frameworks loaded: []" in result.stdout


def test_blocker_really_blocks():
    # Guard against a blocker that silently lets everything through.
    result = run_blocked("import torch")
    assert result.returncode != 0 and "blocked" in result.stderr


def run_blocking(blocked: tuple[str, ...], code: str) -> subprocess.CompletedProcess:
    # As if not installed: find_spec() answers None and import raises ModuleNotFoundError.
    absent = "import sys\n" + "".join(f"sys.modules[{name!r}] = None\n" for name in blocked)
    return subprocess.run([sys.executable, "-c", absent + code], cwd=ROOT, capture_output=True, text=True, timeout=180,
                          env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "3"})


@pytest.mark.slow
def test_each_runner_imports_only_its_own_framework():
    pytest.importorskip("tensorflow")
    result = run_blocking(("torch", "torchvision"), "import collect.frameworks.tensorflow.adapter, collect.frameworks.tensorflow.distribute, collect.frameworks.tensorflow.classic")
    assert result.returncode == 0, result.stderr[-1500:]
    result = run_blocking(("tensorflow", "keras"), "import collect.frameworks.torch.adapter, collect.frameworks.torch.ddp")
    assert result.returncode == 0, result.stderr[-1500:]
