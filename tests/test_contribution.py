"""The contribution flow: the workflow's safety properties, --check's review flags, the docs."""

from __future__ import annotations

import yaml
from conftest import ROOT, record, write

import plot_results
from collect.contract.peaks import peak_tflops

WORKFLOW = ROOT / ".github" / "workflows" / "results.yml"


def workflow():
    data = yaml.safe_load(WORKFLOW.read_text())
    return data, data.get("on") or data.get(True)  # YAML 1.1 reads a bare `on` key as True


def test_pull_requests_use_pull_request_never_pull_request_target():
    for path in (ROOT / ".github" / "workflows").glob("*.yml"):
        text = path.read_text()
        assert "pull_request_target" not in text.replace("never `pull_request_target`", ""), path
    _, triggers = workflow()
    assert "results/**" in triggers["pull_request"]["paths"]
    assert triggers["push"]["branches"] == ["main"]


def test_least_privilege():
    data, _ = workflow()
    assert data["permissions"] == {"contents": "read"}
    assert "permissions" not in data["jobs"]["check"]  # inherits read-only
    assert data["jobs"]["regenerate"]["permissions"] == {"contents": "write"}
    checkout = data["jobs"]["check"]["steps"][0]
    assert checkout["uses"].startswith("actions/checkout@") and checkout["with"]["persist-credentials"] is False


def test_pr_check_installs_only_the_light_stack_validates_and_uploads_the_chart():
    data, _ = workflow()
    job = data["jobs"]["check"]
    assert job["if"] == "github.event_name == 'pull_request'"
    runs = [s.get("run", "") for s in job["steps"]]
    assert "pip install -r requirements-plot.txt" in runs
    assert not any("torch" in r or "tensorflow" in r or "requirements.txt" in r.replace("requirements-plot.txt", "") for r in runs)
    assert "python plot_results.py --check" in runs
    upload = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-artifact@")]
    assert upload and "pr-results.png" in upload[0]["with"]["path"]
    light = [line for line in (ROOT / "requirements-plot.txt").read_text().splitlines() if not line.startswith("#")]
    assert not any("torch" in line or "tensorflow" in line for line in light)


def test_push_to_main_regenerates_the_charts():
    data, _ = workflow()
    runs = " ".join(s.get("run", "") for s in data["jobs"]["regenerate"]["steps"])
    assert "python plot_results.py" in runs and "git add results.png results.md" in runs


def test_peak_table_matches_devices_and_dtypes():
    assert peak_tflops("NVIDIA A100-SXM4-40GB", "fp32") == 19.5
    assert peak_tflops("NVIDIA A100-SXM4-40GB", "tf32") == 156.0
    assert peak_tflops("Tesla T4", "mixed_fp16") == 65.0
    assert peak_tflops("Apple M1 Max (32-core GPU)", "fp32") == 10.6
    assert peak_tflops("Apple M1 (8-core GPU)", "fp32") == 2.6
    assert peak_tflops("Some Future GPU", "fp32") is None


def test_check_flags_implausible_rows_for_review(results_dir, capsys):
    write(results_dir, "colab-tesla-t4-cuda", [
        record(env="colab-tesla-t4-cuda", device_kind="cuda", device_name="Tesla T4", tflops=7.9, run_id="r1"),
        record(env="colab-tesla-t4-cuda", device_kind="cuda", device_name="Tesla T4", tflops=3.1, run_id="r1",
               samples_per_s=500.0),
        record(env="colab-tesla-t4-cuda", device_kind="cuda", device_name="Tesla T4", run_id="r1",
               samples_per_s=400.0, harness_version="0.0.9"),
    ])
    write(results_dir, "other-cpu", [record(env="other-cpu", run_id="r1")])
    rc = plot_results.main(["--check", "--results-dir", str(results_dir)])
    out = capsys.readouterr().out
    t4 = results_dir / "results_colab-tesla-t4-cuda.csv"
    assert rc == 0  # review flags do not invalidate a file
    assert f"{t4}:2: tflops: review: 7.9 TFLOP/s is above 90% of the 8.1 TFLOP/s fp32 peak of Tesla T4" in out
    assert f"{t4}:3: tflops" not in out
    assert f"{t4}:4: harness_version: review: 0.0.9 is older than the oldest supported (0.1.0)" in out
    assert "run_id: review: run 'r1' also appears in" in out


def test_contributing_walks_through_both_routes():
    text = (ROOT / "CONTRIBUTING.md").read_text()
    for needle in ("Add your machine", "python -m collect", "run_benchmark.ipynb", "plot_results.py --check",
                   "pull request", "Add a workload"):
        assert needle in text


def test_review_flags_are_worked_out_per_column_and_capped_per_file(results_dir):
    from collect.dataset.loader import load
    from collect.dataset.review import MAX_FLAGS_PER_FILE, review

    rows = [record(env="t4-cuda", device_kind="cuda", device_name="Tesla T4", tflops=8.0, run_id=f"r{i}",
                   samples_per_s=100.0 + i) for i in range(MAX_FLAGS_PER_FILE + 10)]
    path = write(results_dir, "t4-cuda", rows)
    flags = [str(f) for f in review(load([path]).frame)]
    assert len(flags) == MAX_FLAGS_PER_FILE + 1
    assert flags[0] == f"{path}:2: tflops: review: 8.0 TFLOP/s is above 90% of the 8.1 TFLOP/s fp32 peak of Tesla T4: check sync and units"
    assert flags[-1] == f"{path}:0: tflops: review: 10 more rows flagged like this"
