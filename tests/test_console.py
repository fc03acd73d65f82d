"""The `devicebench` command: each subcommand stands for the command it names, with the same flags and errors."""

from __future__ import annotations

import inspect
import subprocess
import sys

import pytest
import yaml
from conftest import ROOT

import collect
import collect.cli
import plot_results
from collect import console

README = (ROOT / "README.md").read_text(encoding="utf-8")


@pytest.mark.parametrize("entry", [console.main, collect.cli.main, plot_results.main])
def test_every_entry_point_is_main_argv_none_returning_int(entry):
    signature = inspect.signature(entry)
    assert list(signature.parameters) == ["argv"] and signature.parameters["argv"].default is None
    assert signature.return_annotation in (int, "int")


def test_help_lists_and_explains_each_subcommand(capsys):
    with pytest.raises(SystemExit) as exit_:
        console.main(["--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0
    for name, (summary, _) in console.SUBCOMMANDS.items():
        assert name in out and summary.split()[0] in out


@pytest.mark.parametrize("name, flag", [("run", "--suite"), ("plot", "--results-dir"), ("check", "--results-dir"),
                                        ("submit", "--yes")])
def test_each_subcommand_explains_its_own_flags(name, flag, capsys):
    with pytest.raises(SystemExit) as exit_:
        console.main([name, "--help"])
    out = capsys.readouterr().out
    assert exit_.value.code == 0 and f"usage: devicebench {name}" in out and flag in out


@pytest.mark.parametrize("argv", [["--no-such-flag"], ["run", "--no-such-flag"], ["plot", "--no-such-flag"],
                                  ["check", "--no-such-flag"], ["submit", "x.csv", "--no-such-flag"], ["nope"], []])
def test_unknown_flags_and_subcommands_are_argparse_errors(argv, capsys):
    with pytest.raises(SystemExit) as exit_:
        console.main(argv)
    assert exit_.value.code == 2 and "devicebench" in capsys.readouterr().err


def test_version_is_the_one_version_string(capsys):
    with pytest.raises(SystemExit):
        console.main(["--version"])
    assert capsys.readouterr().out.strip() == f"devicebench {collect.__version__}"


def test_run_hands_its_arguments_to_the_runner_unchanged(monkeypatch):
    seen = []
    monkeypatch.setattr(collect.cli, "main", lambda argv=None: seen.append(argv) or 7)
    assert console.main(["run", "--framework", "torch", "--suite", "quick", "--device", "cpu"]) == 7
    assert seen == [["--framework", "torch", "--suite", "quick", "--device", "cpu"]]


def test_check_and_plot_are_plot_results(valid_file, tmp_path, capsys):
    results = str(valid_file.parent)
    assert console.main(["check", "--results-dir", results]) == plot_results.main(["--check", "--results-dir", results]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[: len(out) // 2] == out[len(out) // 2:] and "1 files: 1 valid, 0 invalid; 2 valid rows" in out
    assert console.main(["plot", "--results-dir", results, "--out", str(tmp_path / "r.png"),
                         "--markdown", str(tmp_path / "r.md"), "--figures", str(tmp_path / "f")]) == 0
    assert (tmp_path / "r.png").is_file() and (tmp_path / "r.md").is_file()


def test_python_m_forms_keep_working(tmp_path):
    for module in ("collect", "plot_results", "collect.console"):
        done = subprocess.run([sys.executable, "-m", module, "--help"], cwd=ROOT, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0 and "usage:" in done.stdout, (module, done.stderr[-2000:])


def test_readme_documents_the_install_and_every_subcommand():
    for needle in ('pip install "devicebench[torch] @ git+https://github.com/devicebench/devicebench"',
                   "devicebench[plot]", "devicebench[tensorflow]", "devicebench[dev]", *(f"devicebench {n}" for n in console.SUBCOMMANDS)):
        assert needle in README, needle


def test_the_pull_request_check_runs_on_every_supported_python():
    workflow = yaml.safe_load((ROOT / ".github" / "workflows" / "results.yml").read_text())
    job = workflow["jobs"]["check"]
    assert job["strategy"]["matrix"]["python"] == ["3.10", "3.11", "3.12", "3.13"]
    setup = next(s for s in job["steps"] if s.get("uses", "").startswith("actions/setup-python@"))
    assert setup["with"]["python-version"] == "${{ matrix.python }}"
    runs = [s.get("run", "") for s in job["steps"]]
    assert "pip install -r requirements-plot.txt" in runs and "python plot_results.py --check" in runs
    assert "pip install --no-deps . && devicebench check" in runs
