"""Like with like on the results website, in headless Chromium: a device is its identity (two EPYCs of two generations
are two devices), a comparison names the generation, instruction sets and math library that differ, only devicebench's
own measurements are ranked (other protocols follow them as references a reader can hide), and the score ranks each
framework apart.

One results folder, written here: the score's reference env (an EPYC of Zen 3, AVX2, MKL) and a second EPYC that
differs from it only in generation (Zen 5, AVX-512, oneDNN), both measuring the score's set in torch and TensorFlow
(the second faster in torch, slower in TensorFlow); a published figure of another harness and a classic model.fit row,
each faster than every ranked row. The browser and helpers are tests/test_site.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import record, write
from test_score import REF, TEST_SET, member_rows
from test_site import build, column_text, errors, shown, visit, wait

from collect.contract import scoring

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_like")

ZEN3 = dict(device="AMD EPYC", cpu_name="AMD EPYC", cpu_vendor="AuthenticAMD", cpu_family=25, cpu_model=1, cpu_arch="Zen 3",
            cpu_isa="sse4_2 avx avx2 fma", math_library="MKL")
ZEN5 = dict(ZEN3, cpu_family=26, cpu_model=2, cpu_arch="Zen 5", cpu_isa="sse4_2 avx avx2 fma avx512f", math_library="oneDNN")
RUN_TO_RUN = "The reference laptop's torch score moved within 2% over 5 runs on 2026-12-02."
MLP = dict(workload="mlp", model="mlp-d5-w1024", mode="train", batch_size=64)


def rows(env: str, cpu: dict, torch: float, tensorflow: float) -> list:
    return (member_rows(env, torch, framework="torch", **cpu) + member_rows(env, tensorflow, framework="tensorflow", **cpu))


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("like") / "results"
    folder.mkdir()
    write(folder, REF, rows(REF, ZEN3, 1.0, 1.0))
    write(folder, "epyc-zen5-cpu", rows("epyc-zen5-cpu", ZEN5, 3.0, 0.5))
    write(folder, "paper-cuda", [record(env="paper-cuda", device_kind="cuda", device_name="Paper GPU", source="published",
                                        protocol="some_harness", reference="a paper, table 2", samples_per_s=90000.0, **MLP),
                                 record(env="paper-cuda", device_kind="cuda", device_name="Paper GPU", source="published",
                                        protocol="some_harness", reference="a paper, table 2", workload="cnn", model="resnet50",
                                        mode="infer", batch_size=16, samples_per_s=9000.0)])
    write(folder, "classic-cpu", [record(env="classic-cpu", device_name="Classic CPU", framework="tensorflow", protocol="classic",
                                         note="classic protocol: model.fit 3 epochs of 50,000 at batch 64", samples_per_s=50000.0, **MLP),
                                  record(env="classic-cpu", device_name="Classic CPU", framework="tensorflow", samples_per_s=40.0, **MLP,
                                         run_id="steady")])
    with pytest.MonkeyPatch.context() as patch:  # scores against test_score's reference medians; a run-to-run sentence
        patch.setitem(scoring.SETS, "1", TEST_SET)
        patch.setattr(scoring, "RUN_TO_RUN", RUN_TO_RUN, raising=False)
        return build(folder, folder.parent / "site", downloads=False)


def test_two_epycs_that_differ_only_in_generation_are_two_devices_with_a_page_each(browser, site):
    visit(browser, site, "device.html")
    listed = column_text(browser, "device")
    assert "EPYC (Zen 3, AVX2)" in listed and "EPYC (Zen 5, AVX-512)" in listed and "EPYC" not in listed
    for key, env in (("EPYC (Zen 3, AVX2)", REF), ("EPYC (Zen 5, AVX-512)", "epyc-zen5-cpu")):
        visit(browser, site, "device.html")
        browser.find_element("link text", key).click()
        wait(browser, "location.search.indexOf('device=') >= 0 && document.body.dataset.ready === '1'")
        assert browser.find_element("css selector", "h1").text == key
        assert "1 environment," in browser.find_element("css selector", "p.lead").text
        assert [a.text for a in browser.find_elements("css selector", "p.links a")] == [env]
    visit(browser, site, "env.html?env=epyc-zen5-cpu", charts=True)
    assert "every submission of EPYC (Zen 5, AVX-512)" in browser.find_element("css selector", "p.links").text
    fingerprint = browser.find_element("css selector", "table.kv").text
    assert "CPU generation Zen 5" in fingerprint and "math library oneDNN" in fingerprint and "CPU family/model/stepping 26/2" in fingerprint
    assert errors(browser) == []


def test_a_leaderboard_ranks_devicebench_rows_and_shows_other_protocols_after_them_as_references(browser, site):
    visit(browser, site, "board-mlp-train.html")
    envs, ranks = column_text(browser, "env"), browser.execute_script(
        "return Array.from(document.querySelectorAll('table.data tbody tr:not(.apart)')).map(function (tr) { return tr.children[0].textContent; })")
    # the published figure and the classic model.fit row are the fastest, yet come after every ranked row
    assert envs[-2:] == ["paper-cuda", "classic-cpu"] and ranks[-2:] == ["ref", "ref"]
    assert ranks[:-2] == [str(k) for k in range(1, len(ranks) - 1)] and "classic-cpu" in envs[:-2]  # its steady row ranks
    line = browser.find_elements("css selector", "table.data tbody tr.apart")
    assert len(line) == 1 and "References, not ranked" in line[0].text
    badges = [b.get_attribute("title") for b in browser.find_elements("css selector", "tr.reference .badge.reference")]
    assert len(badges) == 2 and any("some_harness" in b for b in badges) and any("model.fit" in b for b in badges)
    browser.find_element("css selector", "th button[data-key=env]").click()  # whatever the sort: never interleaved
    assert column_text(browser, "env")[-2:] == ["classic-cpu", "paper-cuda"]
    total = shown(browser)[0]
    browser.find_element("css selector", "input[name=noref]").click()
    wait(browser, f"document.querySelector('.count').dataset.shown === '{total - 2}'")
    assert "noref=1" in browser.current_url and not browser.find_elements("css selector", "tr.reference, tr.apart")
    browser.refresh()  # remembered, as every view's choice is: in the address
    wait(browser, "document.body.dataset.ready === '1'")
    assert browser.find_element("css selector", "input[name=noref]").is_selected() and shown(browser)[0] == total - 2
    assert errors(browser) == []


def test_the_overview_draws_references_after_the_ranked_bars_and_hides_them_on_request(browser, site):
    visit(browser, site, "index.html", charts=True)
    refs = """return Array.from(document.querySelectorAll('.chart')).filter(function (div) { return div.layout && div.layout.yaxis &&
      (div.layout.yaxis.categoryarray || []).some(function (c) { return c.indexOf('paper-cuda') >= 0; }); }).map(function (div) {
      return div.layout.yaxis.categoryarray; });"""
    charts = browser.execute_script(refs)
    assert charts, "the CNN inference panel holds the published bar"
    for cats in charts:
        at = [k for k, c in enumerate(cats) if "(ref)" in c]
        assert at and at == list(range(len(cats) - len(at), len(cats))), cats  # the references last
    browser.find_element("css selector", "input[name=noref]").click()
    wait(browser, "location.hash.indexOf('noref=1') >= 0 && document.body.dataset.charts === 'all'")
    assert browser.execute_script(refs) == [] and errors(browser) == []


def test_an_env_page_charts_its_references_after_its_ranked_bars_and_follows_the_table_s_choice(browser, site):
    visit(browser, site, "env.html?env=classic-cpu", charts=True)
    labels = "return [].concat.apply([], Array.from(document.querySelectorAll('#charts .chart')).map(function (d) { return d.layout.yaxis.categoryarray; }))"
    assert [label.split(" · ")[-1] for label in browser.execute_script(labels)] == ["tf_function", "classic (ref)"]
    assert column_text(browser, "model") == ["mlp-d5-w1024", "mlp-d5-w1024"] and len(browser.find_elements("css selector", "tr.reference")) == 1
    browser.find_element("css selector", "input[name=noref]").click()  # the table's box: the charts are drawn again without it
    wait(browser, "document.body.dataset.charts === 'all' && document.querySelectorAll('#charts .js-plotly-plot').length === 1")
    assert [label.split(" · ")[-1] for label in browser.execute_script(labels)] == ["tf_function"] and errors(browser) == []


def test_a_comparison_of_two_generations_names_generation_instruction_sets_and_math_library(browser, site):
    visit(browser, site, f"compare.html#envs={REF},epyc-zen5-cpu", charts=True)
    fields = [li.get_attribute("data-field") for li in browser.find_elements("css selector", "#differences li")]
    assert fields[:4] == ["CPU generation", "instruction sets", "CPU family/model/stepping", "math library"]  # what tells them apart first
    assert "device identity" in fields and "CPU" not in fields and "device" not in fields  # one name: "AMD EPYC" on both
    warning = browser.find_element("css selector", "#differences p.identity").text
    assert "CPU generation" in warning and "math library" in warning
    text = browser.find_element("id", "differences").text
    assert "Zen 3" in text and "Zen 5" in text and "MKL" in text and "oneDNN" in text
    visit(browser, site, f"compare.html#envs={REF},paper-cuda", charts=True)  # a published figure never meets a measured one
    apart = [li.get_attribute("data-field") for li in browser.find_elements("css selector", "#apart ul.apart li")]
    assert "protocol" in apart and errors(browser) == []


def test_the_score_ranks_each_framework_apart_and_says_how_far_a_score_moves_between_runs(browser, site):
    visit(browser, site, "score.html")
    assert browser.find_element("id", "run-to-run").text.endswith(RUN_TO_RUN)
    heads = [h.text for h in browser.find_elements("css selector", "#rankings h3")]
    assert [h.split(":")[0] for h in heads] == ["torch", "tensorflow"]
    envs = browser.execute_script("""return Array.from(document.querySelectorAll('#rankings .by-env table.data')).map(function (t) {
      return Array.from(t.querySelectorAll('tbody tr')).map(function (tr) { return tr.children[1].textContent; }); });""")
    assert envs == [["epyc-zen5-cpu", REF], [REF, "epyc-zen5-cpu"]]  # torch: 3x the reference; TensorFlow: half
    devices = browser.execute_script("""return Array.from(document.querySelectorAll('#rankings .by-device table.data')).map(function (t) {
      return Array.from(t.querySelectorAll('tbody tr')).map(function (tr) { return tr.children[1].textContent; }); });""")
    assert devices == [["EPYC (Zen 5, AVX-512)", "EPYC (Zen 3, AVX2)"], ["EPYC (Zen 3, AVX2)", "EPYC (Zen 5, AVX-512)"]]
    visit(browser, site, "index.html", charts=True)
    frameworks = browser.execute_script("""return Array.from(document.querySelectorAll('.chart[id^=score-]')).map(function (div) {
      return [div.id, Array.from(new Set(div.data.filter(function (t) { return t.x.length; }).map(function (t) { return t.name; })))]; });""")
    assert sorted(frameworks) == [["score-devices-tensorflow", ["tensorflow"]], ["score-devices-torch", ["torch"]],
                                  ["score-envs-tensorflow", ["tensorflow"]], ["score-envs-torch", ["torch"]]]
    assert errors(browser) == []


def test_the_score_page_leaves_out_a_run_to_run_sentence_it_does_not_have():
    from collect.present.site.extras import score_definition
    from collect.present.site.pages import score_body

    definition = score_definition()
    assert "run-to-run" not in score_body({**definition, "run_to_run": ""})
    assert "moved within 2%" in score_body({**definition, "run_to_run": RUN_TO_RUN})


def test_a_device_page_draws_no_strip_for_a_configuration_of_one_row(browser, site):
    """A published figure (one row per configuration) would be a dot on an empty axis: the page says the table holds
    them instead of drawing a chart per figure."""
    visit(browser, site, "device.html")
    browser.find_element("link text", "Paper GPU").click()
    wait(browser, "location.search.indexOf('device=') >= 0 && document.body.dataset.ready === '1'")
    wait(browser, "document.querySelectorAll('h2').length > 0 && Array.from(document.querySelectorAll('h2')).some("
                  "function (e) { return e.textContent.indexOf('version by version') >= 0; })")
    assert browser.find_elements("css selector", "div.chart.strip") == []
    notes = [p.text for p in browser.find_elements("css selector", "p.note")]
    assert any("No configuration of this device has more than one row yet" in text for text in notes)
    assert errors(browser) == []
