"""The package: extras read from the requirements files, the wheel and sdist built offline and checked, the wheel
installed into a fresh virtual environment and its `devicebench` command run; licences, citation, changelog."""

from __future__ import annotations

import ast
import email
import importlib.metadata
import re
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import ROOT
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import collect

try:
    import tomllib
except ModuleNotFoundError:  # Python 3.10: pip's own copy of the same parser
    from pip._vendor import tomli as tomllib

# Under pytest-xdist (make test) this module runs in one worker: the wheel is built and installed once.
pytestmark = pytest.mark.xdist_group("packaging")

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
DYNAMIC = PYPROJECT["tool"]["setuptools"]["dynamic"]
EXTRAS = ("plot", "torch", "tensorflow", "dev")
SKIP = shutil.ignore_patterns(".git", ".venv", "__pycache__", ".ruff_cache", ".pytest_cache", "build", "dist",
                              "*.egg-info", ".ipynb_checkpoints")


def requirements(name: str, follow: bool = True) -> set[str]:
    """The requirements of a file as normalized strings, `-r` includes followed."""
    out: set[str] = set()
    for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
        line = raw.split(" #")[0].strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith(("-r ", "--requirement ")):
            assert follow, f"{name}: pyproject.toml reads this file, and setuptools does not follow {line!r}"
            out |= requirements(line.split(None, 1)[1])
        else:
            assert not line.startswith("-"), f"{name}: {line!r} is not a requirement"
            out.add(str(Requirement(line)))
    return out


def extra_files(extra: str | None) -> list[str]:
    entry = DYNAMIC["dependencies"] if extra is None else DYNAMIC["optional-dependencies"][extra]
    return entry["file"] if isinstance(entry["file"], list) else [entry["file"]]


def declared(extra: str | None) -> set[str]:
    return set().union(*(requirements(f, follow=False) for f in extra_files(extra)))


def test_dependencies_and_extras_are_read_from_the_requirements_files():
    assert set(PYPROJECT["project"]["dynamic"]) == {"version", "dependencies", "optional-dependencies"}
    assert "dependencies" not in PYPROJECT["project"] and "optional-dependencies" not in PYPROJECT["project"]
    assert DYNAMIC["version"] == {"attr": "collect.__version__"}
    assert set(DYNAMIC["optional-dependencies"]) == set(EXTRAS)
    assert extra_files(None) == extra_files("plot") == ["requirements-plot.txt"]  # the light stack is the base install
    assert extra_files("dev") == ["requirements-dev.txt"]
    for extra in EXTRAS:
        assert declared(extra), extra  # every file exists, holds requirements, and no `-r` setuptools would misread


def test_requirements_txt_is_exactly_the_union_of_the_files_the_extras_read():
    # requirements.txt (make setup, CI) and the extras cannot drift: a requirement added to one is missing from the other.
    runner = declared(None) | declared("torch") | declared("tensorflow")
    assert requirements("requirements.txt") == runner, (
        "requirements.txt and pyproject.toml's extras differ: put a runner requirement into requirements-runner.txt, "
        "requirements-torch.txt or requirements-tensorflow.txt (the extras read those) and keep requirements.txt their union")
    names = {extra: {Requirement(r).name for r in declared(extra)} for extra in (None, "torch", "tensorflow")}
    assert not names[None] & {"torch", "torchvision", "tensorflow"}  # the base install is the light stack
    assert "torch" in names["torch"] and "tensorflow" not in names["torch"]
    assert "tensorflow" in names["tensorflow"] and "torch" not in names["tensorflow"]


# Which install must provide the third-party imports of each part of the code (longest prefix wins). The runner's
# framework-free parts run under either framework extra, so both must provide them.
PROVIDED_BY = {"collect": (None,), "plot_results.py": (None,), "collect/measure": ("torch", "tensorflow"),
               "collect/cli.py": ("torch", "tensorflow"), "collect/__main__.py": ("torch", "tensorflow"),
               "collect/frameworks/torch": ("torch",), "collect/frameworks/tensorflow": ("tensorflow",)}
TRANSITIVE = {"keras": "tensorflow"}  # Keras 3 is installed by TensorFlow 2.16+; collect reads it where present


def third_party_imports(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
            [node.module] if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module else [])
        found |= {n.split(".")[0] for n in names}
    return found - set(sys.stdlib_module_names) - {"collect", "plot_results", "__future__"}


def test_every_import_of_the_code_is_declared_by_the_install_that_runs_it():
    distributions = importlib.metadata.packages_distributions()
    missing = []
    for path in sorted((ROOT / "collect").rglob("*.py")) + [ROOT / "plot_results.py"]:
        rel = path.relative_to(ROOT).as_posix()
        extras = PROVIDED_BY[max((k for k in PROVIDED_BY if rel == k or rel.startswith(k + "/")), key=len)]
        for name in sorted(third_party_imports(path)):
            dists = {canonicalize_name(d) for d in distributions.get(name, [])}
            for extra in extras:
                declared_here = {canonicalize_name(Requirement(r).name) for r in declared(None) | declared(extra)}
                if not dists & declared_here and TRANSITIVE.get(name) not in declared_here:
                    missing.append(f"{rel} imports {name} ({', '.join(sorted(dists)) or 'not installed here'}), which "
                                   f"`pip install devicebench{f'[{extra}]' if extra else ''}` does not declare")
    assert missing == [], "\n".join(missing)


def copy_tree(dest: Path) -> Path:
    return Path(shutil.copytree(ROOT, dest, ignore=SKIP))


def pip(*args: str, cwd: Path) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], cwd=cwd, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel, built offline from a copy of the tree (a build writes build/ and *.egg-info beside the sources)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = copy_tree(tmp / "src")
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", str(source), "-w", str(tmp / "out"), cwd=tmp)
    (found,) = (tmp / "out").glob("devicebench-*.whl")
    return found


def metadata(wheel_path: Path) -> email.message.Message:
    with zipfile.ZipFile(wheel_path) as z:
        name = next(n for n in z.namelist() if n.endswith(".dist-info/METADATA"))
        return email.message_from_string(z.read(name).decode())


def test_the_wheel_holds_every_collect_module_plot_results_and_the_entry_point(wheel):
    with zipfile.ZipFile(wheel) as z:
        names = set(z.namelist())
        entry_points = z.read(next(n for n in names if n.endswith("entry_points.txt"))).decode()
    sources = {p.relative_to(ROOT).as_posix() for p in (ROOT / "collect").rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    assert sources <= names, f"missing from the wheel: {sorted(sources - names)}"
    assert not any(n.endswith(".pyc") or "__pycache__" in n for n in names)
    for package in ("contract", "measure", "frameworks/torch", "frameworks/tensorflow", "dataset", "present", "submit"):
        assert f"collect/{package}/__init__.py" in names
    assert {"collect/__init__.py", "collect/__main__.py", "collect/cli.py", "collect/console.py", "plot_results.py"} <= names
    assert not any(n.split("/")[0] in ("tests", "tools", "benchmarks", "notebooks", "results", "figures") for n in names)
    assert re.search(r"^\[console_scripts\]\ndevicebench = collect\.console:main$", entry_points, re.MULTILINE)
    assert any(n.endswith(".dist-info/licenses/LICENSE") for n in names)


def test_the_wheel_metadata_has_the_one_version_and_each_extra(wheel):
    meta = metadata(wheel)
    assert meta["Name"] == "devicebench" and meta["Version"] == collect.__version__
    assert wheel.name == f"devicebench-{collect.__version__}-py3-none-any.whl"
    assert meta["License-Expression"] == "MIT" and meta["Requires-Python"] == ">=3.10"
    assert sorted(meta.get_all("Provides-Extra")) == sorted(EXTRAS)
    def key(line: str) -> str:
        req = Requirement(line)
        return f"{req.name}{req.specifier}"

    wanted = {(key(r), None) for r in declared(None)} | {(key(r), e) for e in EXTRAS for r in declared(e)}
    lines = meta.get_all("Requires-Dist")
    found = {(key(line), (re.search(r'extra == "([\w-]+)"', line) or [None, None])[1]) for line in lines}
    assert found == wanted
    assert [line for line in lines if "tensorflow-metal" in line and 'sys_platform == "darwin"' in line]  # markers kept


def test_the_sdist_carries_what_a_build_from_it_reads(tmp_path, wheel):
    source = copy_tree(tmp_path / "src")
    code = f"from setuptools import build_meta; print(build_meta.build_sdist({str(tmp_path / 'sdist')!r}))"
    done = subprocess.run([sys.executable, "-c", code], cwd=source, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    sdist = tmp_path / "sdist" / done.stdout.strip().splitlines()[-1]
    with tarfile.open(sdist) as tar:
        names = {n.split("/", 1)[1] for n in tar.getnames() if "/" in n}
        tar.extractall(tmp_path / "unpacked", filter="data")
    files = {f for e in (None, *EXTRAS) for f in extra_files(e)}
    assert files | {"pyproject.toml", "README.md", "LICENSE", "plot_results.py", "collect/console.py"} <= names
    (unpacked,) = (tmp_path / "unpacked").iterdir()
    pip("wheel", "--no-deps", "--no-build-isolation", "--no-index", "-q", str(unpacked), "-w", str(tmp_path / "out"), cwd=tmp_path)
    from_sdist = next((tmp_path / "out").glob("*.whl"))
    assert str(metadata(from_sdist)) == str(metadata(wheel))  # the same version, extras and requirements
    with zipfile.ZipFile(from_sdist) as a, zipfile.ZipFile(wheel) as b:
        assert sorted(n for n in a.namelist() if not n.endswith("RECORD")) == sorted(n for n in b.namelist() if not n.endswith("RECORD"))


@pytest.fixture(scope="module")
def installed(wheel, tmp_path_factory) -> Path:
    """A fresh virtual environment with only the wheel installed; the dependencies come from this test's environment
    through a .pth file (no network), never the checkout itself."""
    venv = tmp_path_factory.mktemp("venv") / "env"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    python = venv / "bin" / "python"
    pip("--python", str(python), "install", "--no-deps", "--no-index", "-q", str(wheel), cwd=venv)
    purelib = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                             capture_output=True, text=True, check=True).stdout.strip()
    Path(purelib, "deps-from-the-test-env.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return venv / "bin"


def run_in(bin_dir: Path, *command: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([str(bin_dir / command[0]), *command[1:]], cwd=cwd, capture_output=True, text=True, timeout=600)


def test_the_installed_command_checks_the_repositorys_results(installed, tmp_path):
    where = run_in(installed, "python", "-c", "import collect, plot_results; print(collect.__file__, plot_results.__file__)",
                   cwd=tmp_path)
    assert str(installed.parent) in where.stdout and str(ROOT) not in where.stdout, where.stdout + where.stderr
    assert run_in(installed, "devicebench", "--version", cwd=tmp_path).stdout.strip() == f"devicebench {collect.__version__}"
    done = run_in(installed, "devicebench", "check", "--results-dir", str(ROOT / "results"), cwd=tmp_path)
    assert done.returncode == 0 and " 0 invalid" in done.stdout, done.stdout + done.stderr
    assert run_in(installed, "python", "-m", "plot_results", "--help", cwd=tmp_path).returncode == 0
    assert run_in(installed, "devicebench", "check", "--no-such-flag", cwd=tmp_path).returncode == 2


@pytest.mark.slow
@pytest.mark.torch
def test_the_installed_command_measures_and_writes_a_valid_file(installed, tmp_path):
    pytest.importorskip("torch")
    # Two rounds: the parent and each round's process run the installed package (the rounds' PYTHONPATH is its folder).
    done = run_in(installed, "devicebench", "run", "--models", "mlp-d1-w1024", "--modes", "infer", "--batch-sizes", "2",
                  "--max-seconds", "0.2", "--repeat", "2", "--device", "cpu", "--no-progress", "--env", "wheel-test-cpu",
                  "--results-dir", "out", cwd=tmp_path)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "2 rows (2 trials) appended" in done.stdout, done.stdout
    assert (tmp_path / "out" / "results_wheel-test-cpu.csv").is_file()
    check = run_in(installed, "devicebench", "check", "--results-dir", "out", cwd=tmp_path)
    assert check.returncode == 0 and "1 valid, 0 invalid" in check.stdout, check.stdout + check.stderr


def test_citation_cff_is_valid_cff_1_2_0_and_names_no_second_version():
    cff = yaml.safe_load((ROOT / "CITATION.cff").read_text(encoding="utf-8"))
    assert cff["cff-version"] == "1.2.0" and cff["type"] == "software"
    assert cff["message"] and cff["title"] and cff["authors"] and all("name" in a or "family-names" in a for a in cff["authors"])
    assert cff.get("version", collect.__version__) == collect.__version__  # collect.__version__ is the one version string
    assert cff["license"] == PYPROJECT["project"]["license"] == "MIT"
    assert cff["repository-code"] == PYPROJECT["project"]["urls"]["Homepage"]


def test_licences_are_named_where_contributors_look():
    assert "MIT License" in (ROOT / "LICENSE").read_text()
    data = (ROOT / "LICENSE-DATA").read_text()
    assert "Attribution 4.0 International Public License" in data and "Section 8 -- Interpretation." in data
    for doc in ("README.md", "CONTRIBUTING.md", ".github/pull_request_template.md"):
        assert "CC BY 4.0" in (ROOT / doc).read_text(), doc
    for doc in ("README.md", "CONTRIBUTING.md"):
        assert "LICENSE-DATA" in (ROOT / doc).read_text(), doc
    assert re.search(r"^- \[ \] I agree .*CC BY 4\.0", (ROOT / ".github/pull_request_template.md").read_text(), re.MULTILINE)
    assert not [p.name for p in (ROOT / "results").iterdir() if p.suffix != ".csv"]  # results/ holds CSV files only


def test_changelog_records_each_schema_version_and_keeps_an_unreleased_section():
    text = (ROOT / "CHANGELOG.md").read_text()
    assert re.search(r"^## Unreleased$", text, re.MULTILINE)
    for version, columns in ((1, ["schema_version", "env"]), (2, ["world_size", "distributed", "global_batch_size"]),
                             (3, ["backend", "step_ms_p99", "energy_j_per_sample", "energy_method"])):
        section = re.search(rf"^### Schema {version}\b(.*?)(?=^##|\Z)", text, re.MULTILINE | re.DOTALL)
        assert section, f"CHANGELOG lacks a '### Schema {version}' section"
        for column in columns:
            assert f"`{column}`" in section[1], (version, column)
