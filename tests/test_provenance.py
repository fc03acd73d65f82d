"""Where results files come from (collect.dataset.provenance): the commit that added each file and the pull request
its subject names, from one git log; None outside a git checkout."""

from __future__ import annotations

from conftest import record, write
from test_site_worth import git

from collect import HOME
from collect.dataset.provenance import added, repository


def test_each_file_maps_to_the_commit_that_added_it_and_its_pull_request(tmp_path):
    results = tmp_path / "results"
    write(results, "a-cpu", [record(env="a-cpu")])
    git(tmp_path, "init", "-q", "-b", "main")
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "Merge pull request #12 from someone/a-cpu")
    write(results, "a-cpu", [record(env="a-cpu", run_id="run-2")])  # a later change does not move the commit that added it
    write(results, "b-cpu", [record(env="b-cpu")])
    git(tmp_path, "add", ".")
    git(tmp_path, "commit", "-q", "-m", "Add b (#13)")
    write(results, "c-cpu", [record(env="c-cpu")])  # not committed yet
    found = added(results)
    assert set(found) == {"results_a-cpu.csv", "results_b-cpu.csv"}
    assert (found["results_a-cpu.csv"].pr, found["results_b-cpu.csv"].pr) == (12, 13)
    assert found["results_a-cpu.csv"].date == "2026-11-30" and len(found["results_a-cpu.csv"].commit) == 40
    assert repository(results) == HOME  # no GitHub origin: the project's own


def test_outside_a_checkout_there_is_no_provenance(tmp_path):
    write(tmp_path / "results", "a-cpu", [record(env="a-cpu")])
    assert added(tmp_path / "results") is None and added(tmp_path / "missing") is None
