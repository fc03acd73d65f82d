"""The site's answers beyond speed, in headless Chromium: the score on the overview, env, device and compare pages;
samples per joule where energy was measured and per dollar where a price is known, never elsewhere; where each row
came from (file, run, commit, pull request) in a git checkout; and a reproduce command that measures the row's
configuration.

The results folder is a git repository made here: a reference env and two more that measured the score's set (one
with NVML energy, one on a priced GPU), a third with part of it, committed as a pull request would add them. The
browser and helpers are tests/test_site.py's.
"""

from __future__ import annotations

import shlex
import subprocess
from pathlib import Path

import pytest
from conftest import ROOT
from test_score import REF, TEST_SET, member_rows
from test_site import column_text, errors, visit
from test_site_views import headers

from collect.contract import scoring
from collect.contract.csvio import append_records, results_path

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_worth")


def git(folder: Path, *args: str) -> None:
    subprocess.run(["git", "-C", str(folder), *args], check=True, capture_output=True,
                   env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@t",
                        "GIT_AUTHOR_DATE": "2026-11-30T12:00:00", "GIT_COMMITTER_DATE": "2026-11-30T12:00:00", "HOME": str(folder)})


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    import plot_results

    top = tmp_path_factory.mktemp("worth")
    results = top / "results"
    results.mkdir()
    git(top, "init", "-q", "-b", "main")
    append_records(results_path(results, REF), member_rows(REF, 1.0, device="AMD EPYC"))
    git(top, "add", ".")
    git(top, "commit", "-q", "-m", "The reference machine")
    append_records(results_path(results, "gpu-cuda"), member_rows("gpu-cuda", 20.0, device="NVIDIA GeForce RTX 3090",
                                                                   device_kind="cuda", energy_j_per_sample=0.002,
                                                                   energy_method="nvml_energy", power_w=300.0))
    append_records(results_path(results, "box-cpu"), member_rows("box-cpu", 2.0, device="Some CPU", skip=("membw",)))
    git(top, "add", ".")
    git(top, "commit", "-q", "-m", "Add my machines (#7)")
    prices = top / "prices.csv"
    prices.write_text("device,env,price_usd,per,source,date,note\nRTX 3090,,1499,unit,NVIDIA launch price,2020-09-01,\n"
                      ",box-cpu,0.5,hour,a cloud's price list,2026-11-01,\n", encoding="utf-8")
    out = top / "out"
    with pytest.MonkeyPatch.context() as patch:  # scores against test_score's reference medians
        patch.setitem(scoring.SETS, "1", TEST_SET)
        assert plot_results.main(["--results-dir", str(results), "--out", str(out / "r.png"), "--markdown", str(out / "r.md"),
                                  "--prices", str(prices)]) == 0
    return out / "site"


def test_the_overview_ranks_the_scored_envs_and_links_the_definition(browser, site):
    visit(browser, site, "index.html", charts=True)
    labels = browser.execute_script("return document.getElementById('score-envs-torch').data[0].y")  # one chart per framework
    assert labels[0].startswith("gpu-cuda") and any(label.startswith(REF) for label in labels)
    assert not any(label.startswith("box-cpu") for label in labels)  # 7 of 8: no score
    assert "1 more env side measured only part of the set." in browser.find_element("id", "main").text
    browser.find_element("css selector", "a[href='score.html']").click()
    assert "gpt2-small" in browser.find_element("id", "main").text and "they define 1,000" in browser.find_element("id", "main").text
    for page in ("index.html", "board-mlp-train.html", "env.html?env=box-cpu"):  # every page links how to add a machine
        visit(browser, site, page)
        assert browser.find_element("css selector", "header nav a[href='add.html']").text == "Add your machine"


def test_env_device_and_compare_pages_say_their_score(browser, site):
    visit(browser, site, "env.html?env=gpu-cuda", charts=True)
    assert "torch: 20,000" in browser.find_element("id", "score").text
    visit(browser, site, "env.html?env=box-cpu", charts=True)
    assert "7 of 8 measured (missing: membw)" in browser.find_element("id", "score").text
    # the command that adds the missing member, the runner's closing lines' own (collect.closing.missing_command)
    from collect.closing import missing_command

    assert missing_command("torch", ["membw"], "box-cpu") in browser.find_element("css selector", "#score code").text
    visit(browser, site, "device.html?device=RTX%203090", charts=True)
    assert "score v1, torch: 20,000" in browser.find_element("css selector", "ul.scores").text
    visit(browser, site, f"compare.html#envs={REF},gpu-cuda", charts=True)
    scores = [li.text for li in browser.find_elements("css selector", "ul.speedups li.score")]
    assert f"{REF} · torch: score v1 1,000" in scores and "gpu-cuda · torch: score v1 20,000" in scores and errors(browser) == []
    head = headers(browser)
    assert "per joule: gpu-cuda" in head and f"per joule: {REF}" not in head  # only the side whose energy was measured
    assert set(column_text(browser, "perj1")) == {"500"}


def test_per_joule_only_where_measured_and_per_dollar_only_where_priced(browser, site):
    visit(browser, site, "board-mlp-train.html#cols=1")
    head = headers(browser)
    assert "per joule, GPU only" in head and "per $1k (to buy)" in head and "per $ (rented)" in head
    envs, joule = column_text(browser, "env"), column_text(browser, "per_j_gpu")  # NVML: the GPU alone
    buy, rent = column_text(browser, "per_usd"), column_text(browser, "per_usd_rented")
    by_env = {e: (j, b, r) for e, j, b, r in zip(envs, joule, buy, rent, strict=True)}
    assert by_env["gpu-cuda"][0] == "500" and by_env[REF][0] == "" and by_env["box-cpu"][0] == ""  # 1 / 0.002 J
    assert by_env["gpu-cuda"][1] != "" and by_env["gpu-cuda"][2] == ""  # a bought GPU: per $1k of its price
    assert by_env["box-cpu"][2] != "" and by_env["box-cpu"][1] == ""  # a rented machine: per dollar spent
    assert by_env[REF][1] == by_env[REF][2] == "–"  # no price known: no figure, a dash whose hover says why
    title = browser.execute_script("return document.querySelector('td.lv2 span[title*=\"NVIDIA launch price\"]').title")
    assert "$1,499" in title and "2020-09-01" in title


def test_a_rows_provenance_names_its_file_run_and_commit(browser, site):
    visit(browser, site, "board-mlp-train.html#cols=1")
    cells = browser.execute_script("""return Array.from(document.querySelectorAll('.provenance')).map(function (p) {
      return [p.textContent, Array.from(p.querySelectorAll('a')).map(function (a) { return a.getAttribute('href'); })]; });""")
    gpu = next(c for c in cells if "results_gpu-cuda.csv" in c[0])
    assert "run run-1" in gpu[0] and "commit " in gpu[0] and "#7" in gpu[0]
    assert any(href.endswith("/pull/7") for href in gpu[1]) and any("/commit/" in href for href in gpu[1])
    visit(browser, site, "env.html?env=gpu-cuda")
    assert "results_gpu-cuda.csv" in browser.find_element("id", "provenance").text and "#7" in browser.find_element("id", "provenance").text


def test_a_rows_reproduce_command_measures_that_configuration(browser, site, capsys):
    from collect import cli

    visit(browser, site, "board-cnn-train.html#cols=1")
    command = browser.execute_script("return document.querySelector('input.command').value")
    argv = shlex.split(command)
    assert argv[:2] == ["devicebench", "run"]
    assert cli.main(argv[2:] + ["--dry-run", "--device", "cpu"]) == 0
    listed = capsys.readouterr().out
    assert "resnet50 train fp32 bs16 eager" in listed and listed.count("\n  ") == 1  # that configuration, and only it


def test_the_price_file_is_validated_like_results(tmp_path, capsys):
    import plot_results

    prices = tmp_path / "prices.csv"
    prices.write_text("device,env,price_usd,per,source,date,note\nRTX 3090,,-5,unit,shop,2020-09-01,\n"
                      ",box,3,hour,,2026-13-01,\n", encoding="utf-8")
    assert plot_results.main(["--results-dir", str(ROOT / "results"), "--check", "--prices", str(prices)]) == 1
    out = capsys.readouterr().out
    assert f"{prices}:2: price_usd: must be a number of US dollars above 0, but '-5' was given" in out
    assert f"{prices}:3: source: say where the price was read" in out and f"{prices}:3: date: must be the day" in out
