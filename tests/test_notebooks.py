"""Both notebooks run headless with a tiny CPU configuration; the repository keeps them output-free."""

from __future__ import annotations

import os
import re
import shutil

import nbformat
import pytest
from conftest import ROOT, record, write
from nbclient import NotebookClient

from collect.contract import scoring

pytestmark = [pytest.mark.slow, pytest.mark.torch]
NOTEBOOKS = ROOT / "notebooks"


@pytest.fixture(autouse=True)
def _kernel_imports_this_checkout(monkeypatch):
    """The kernel imports devicebench from this checkout, as in a clone after `make setup`: the notebooks see that and
    install nothing (a test never reaches the network). The wheel's install is tested in test_packaging.py."""
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH")) if p))


def execute(name: str, params: str, cwd):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
    assert len(cells) == 1, "each notebook has one parameters cell"
    cells[0].source += "\n# injected by the test\n" + params
    NotebookClient(nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(cwd)}}).execute()
    return nb


def text_of(nb) -> str:
    out = []
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            out.append(output.get("text", "") or str(output.get("data", {}).get("text/plain", "")))
    return "\n".join(out)


def earlier_score_rows(env: str) -> list:
    """An earlier run of env holding the score's members but its MLP, each at the reference's figure."""
    out, ref = [], scoring.SETS[scoring.CURRENT].reference_values["torch"]
    for m in scoring.SETS[scoring.CURRENT].members:
        if m.workload == "mlp":
            continue
        extra = {"tflops": ref[m.key], "samples_per_s": 1.0} if m.figure == "tflops" else {"samples_per_s": ref[m.key]}
        unit = {"llm": "tokens", "membw": "bytes"}.get(m.workload, "samples")
        out.append(record(env=env, workload=m.workload, model=m.models[-1], mode=m.mode, batch_size=m.batch_size,
                          rate_unit=unit, run_id="earlier", **extra))
    return out


def test_run_benchmark_notebook(tmp_path):
    """The notebook's default suite (the score's set), narrowed here to its MLP member (one row, in the kernel:
    rounds are test_trials.py's); an earlier run of the env holds the other members, so the last cell ends with the
    score, its rank among the torch scores, and the file's way to a pull request is shown."""
    results = tmp_path / "results"
    results.mkdir()
    for name in ("amd-epyc-2core-cpu", "intel-xeon-amx-2core-cpu", "rtx-3090-cuda"):  # scored envs and a GPU's file
        shutil.copy(ROOT / "results" / f"results_{name}.csv", results)
    write(results, "notebook-test-cpu", earlier_score_rows("notebook-test-cpu"))
    params = (f"REPO_DIR = {str(ROOT)!r}\nRESULTS_DIR = {str(results)!r}\nENV = 'notebook-test-cpu'\n"
              "EXTRA_ARGS = ['--models', 'mlp-d5-w1024', '--max-seconds', '0.2', '--repeat', '1', '--device', 'cpu', "
              "'--no-progress']")
    nb = execute("run_benchmark.ipynb", params, tmp_path)
    assert 'SUITE = "score"' in nb.cells[1].source.split("# injected by the test")[0]
    last = "\n".join(o.get("text", "") for o in nb.cells[-1].outputs)
    assert re.search(r"^  torch: [\d,]+ .*· #\d+ of \d+ torch scores", last, re.M), last
    text = text_of(nb)
    assert "torch: exit code 0" in text
    assert f"devicebench is already importable from {ROOT} with everything it needs: nothing to install" in text
    assert "Not sent (SUBMIT = False)" in text  # the submit step is offered, never run by default
    assert "results_notebook-test-cpu.csv is in" in text and "open a pull request" in text
    assert (results / "results_notebook-test-cpu.csv").is_file()
    assert (tmp_path / "devicebench_results.png").is_file()
    assert any("image/png" in o.get("data", {}) for c in nb.cells for o in c.get("outputs", []))


def outputs_of(nb, marker: str) -> list[dict]:
    """The outputs of the one code cell whose source contains marker."""
    cells = [c for c in nb.cells if c.cell_type == "code" and marker in c.source]
    assert len(cells) == 1, marker
    return cells[0].outputs


def test_explore_results_notebook(tmp_path, results_dir):
    # A machine measured on its CPU and its GPU, in both frameworks: every section has something to show.
    for env, kind, rate in (("box-cpu", "cpu", 100.0), ("box-cuda", "cuda", 900.0)):
        write(results_dir, env, [record(env=env, device_kind=kind, samples_per_s=rate),
                                 record(env=env, device_kind=kind, framework="tensorflow", backend="tf_function",
                                        samples_per_s=rate / 2)])
    nb = execute("explore_results.ipynb", f"REPO_DIR = {str(ROOT)!r}\nRESULTS_DIR = {str(results_dir)!r}\nENV = 'box-cuda'",
                 tmp_path)
    assert "2 environments, 4 rows from 2 valid files" in text_of(nb)
    assert "nothing to install" in text_of(nb)
    pivot = outputs_of(nb, "pivot_table")[0]["data"]["text/plain"]
    assert "tensorflow / torch" in pivot and "0.5" in pivot  # TensorFlow at half torch's rate on both envs
    assert any("image/png" in o.get("data", {}) for o in outputs_of(nb, "speedup over the CPU"))
    compare = text_of(nb)
    assert "box-cuda: samples/s relative to each other env" in compare and "9.0" in compare  # 900 / 100


@pytest.mark.parametrize("name", ["run_benchmark.ipynb", "explore_results.ipynb"])
def test_notebooks_install_the_package_instead_of_putting_a_clone_on_sys_path(name):
    code = "\n".join(c.source for c in nbformat.read(NOTEBOOKS / name, as_version=4).cells if c.cell_type == "code")
    assert "sys.path.insert" not in code and "sys.path.append" not in code
    assert '[sys.executable, "-m", "pip", "install", "-q", target]' in code


@pytest.mark.parametrize("name", ["run_benchmark.ipynb", "explore_results.ipynb"])
def test_notebooks_are_stored_without_outputs(name):
    nb = nbformat.read(NOTEBOOKS / name, as_version=4)
    nbformat.validate(nb)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None


def test_readme_links_open_the_run_notebook_from_the_repository_it_clones():
    readme = (ROOT / "README.md").read_text()
    nb = nbformat.read(NOTEBOOKS / "run_benchmark.ipynb", as_version=4)
    repo = re.search(r'REPO_URL = "https://github.com/([^"]+)"', nb.cells[1].source).group(1)
    assert f"https://colab.research.google.com/github/{repo}/blob/main/notebooks/run_benchmark.ipynb" in readme
    assert f"https://kaggle.com/kernels/welcome?src=https://github.com/{repo}/blob/main/notebooks/run_benchmark.ipynb" in readme
