"""The site's first views, in headless Chromium at a desktop and a phone width: a comparison that works by default,
charts that keep their size through a resize, tables that fit their page with the ranked figure on the first screen,
each board ranked by its workload's own figure in readable units, and caveats shown where figures are ranked.

One results folder, written here: two CPU envs that each ran torch (two versions in one of them) and TensorFlow on
the same configurations; a TensorFlow GPU env at mixed precision only (it shares no configuration with them); five
more envs (a comparison of seven is more than fits); matmul and memory-bandwidth rows; an unsteady row, a published
one and a device name with quotes. The browser and helpers are tests/test_site.py's.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pytest
from conftest import record, write
from test_site import build, column_text, errors, shown, visit, wait
from test_site_views import blob_text, capture, headers

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_layout")

PAGES = ["index.html", "board-mlp-train.html", "board-matmul-infer.html", "machines.html", "device.html",
         "env.html?env=both-a-cpu", "compare.html#envs=both-a-cpu,both-b-cpu", "device.html?device=EPYC%20(generation%20not%20recorded)"]


def rows_of(env: str, device: str, versions: dict[str, str], speed: float, **extra) -> list:
    out = []
    for framework, version in versions.items():
        for trial in range(2):
            common = dict(env=env, device_name=device, framework=framework, framework_version=version, run_id=f"{framework}{trial}")
            out += [record(samples_per_s=speed * (1 + trial / 20), **common, **extra),
                    record(workload="cnn", model="resnet50", mode="infer", batch_size=16, samples_per_s=speed / 100, **common, **extra)]
            for n, rate in ((1024, 180.0), (4096, 3.2)):  # fewer products a second at 4096, more TFLOP/s
                out.append(record(workload="matmul", model=f"matmul-{n}", mode="infer", batch_size=1, samples_per_s=rate * speed / 1000,
                                  tflops=2 * n**3 * rate * speed / 1000 / 1e12, flops_per_sample=2 * n**3, **common, **extra))
            out.append(record(workload="membw", model="membw-axpy-1024", mode="infer", batch_size=1, rate_unit="bytes",
                              samples_per_s=47.26e9 * speed / 1000, **common, **extra))
    return out


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("layout") / "results"
    folder.mkdir()
    write(folder, "both-a-cpu", rows_of("both-a-cpu", "AMD EPYC", {"torch": "2.13.1", "tensorflow": "2.15.0"}, 1000.0)
          + rows_of("both-a-cpu", "AMD EPYC", {"torch": "2.14.0"}, 1100.0))
    write(folder, "both-b-cpu", rows_of("both-b-cpu", 'Intel "Quoted" Xeon', {"torch": "2.14.1", "tensorflow": "2.16.0"}, 1500.0))
    write(folder, "tf-mixed-cuda", [record(env="tf-mixed-cuda", device_kind="cuda", device_name="Some GPU", framework="tensorflow",
                                           precision="mixed_fp16", samples_per_s=9000.0)])
    write(folder, "flagged-cpu", [record(env="flagged-cpu", device_name="Flag CPU", samples_per_s=2000.0, run_id="f1",
                                         note="no energy method; unsteady: trials 1,500-2,000 samples/s"),
                                  record(env="flagged-cpu", device_name="Flag CPU", samples_per_s=1500.0, run_id="f2")])
    write(folder, "paper-cpu", [record(env="paper-cpu", device_name="Paper CPU", source="published", reference="a paper",
                                       samples_per_s=3000.0)])
    for k in range(3):
        write(folder, f"more-{k}-cpu", [record(env=f"more-{k}-cpu", device_name=f"More {k}", samples_per_s=100.0 * (k + 1))])
    return build(folder, folder.parent / "site")


def test_a_comparison_of_envs_that_ran_both_frameworks_lists_what_they_share_with_no_box_ticked(browser, site):
    visit(browser, site, "compare.html#envs=both-a-cpu,both-b-cpu", charts=True)
    assert not browser.find_element("css selector", "input[name=partial]").is_selected()
    assert not browser.find_element("css selector", "input[name=split]").is_selected()
    # mlp train, resnet50 infer, two matmul sizes and membw, in each framework: torch meets torch, TensorFlow TensorFlow
    assert shown(browser) == (10, 10)
    head = headers(browser)
    assert "both-a-cpu" in head and "both-b-cpu" in head and "× vs both-a-cpu" in head
    assert sorted(set(column_text(browser, "framework"))) == ["tensorflow", "torch"]
    # torch: 1,537.5 over 1,075 (both-a's two versions pooled), TensorFlow 1,537.5 over 1,025; five configurations each
    assert "1.46× (geometric mean over 10 configurations)" in browser.find_element("css selector", "ul.speedups").text
    browser.find_element("css selector", "input[name=split]").click()  # versions apart: only torch 2.14 meets torch 2.14
    wait(browser, "location.hash.indexOf('split=1') >= 0 && document.body.dataset.ready === '1'")
    assert shown(browser) == (5, 5) and errors(browser) == []


def test_a_comparison_of_more_envs_than_fit_says_which_it_left_out(browser, site):
    envs = ["both-a-cpu", "both-b-cpu", "flagged-cpu", "paper-cpu", "more-0-cpu", "more-1-cpu", "more-2-cpu"]
    visit(browser, site, "compare.html#envs=" + ",".join(envs), charts=True)
    warning = browser.find_element("css selector", "#comparison p.warning").text
    assert "more-2-cpu (at most 6 sides fit side by side)" in warning
    assert all(env in headers(browser) for env in envs[:6]) and errors(browser) == []


def test_envs_that_share_nothing_are_told_what_keeps_them_apart_and_what_is_near(browser, site):
    visit(browser, site, "compare.html#envs=both-a-cpu,tf-mixed-cuda", charts=True)
    apart = browser.find_element("id", "apart")
    assert "share no configuration" in apart.text
    fields = [li.get_attribute("data-field") for li in apart.find_elements("css selector", "ul.apart li")]
    assert fields == ["precision"]  # both have TensorFlow mlp training at batch 64: only the precision differs
    assert "fp32" in apart.text and "mixed_fp16" in apart.text
    near = apart.find_elements("css selector", "ul.nearest li")
    assert near and near[0].text.startswith("precision differ:") and errors(browser) == []


@pytest.mark.parametrize("width,height", [(1400, 1000), (390, 844)])
def test_no_table_is_wider_than_its_page_and_the_ranked_figure_is_on_the_first_screen(browser, site, width, height):
    browser.set_window_size(width, height)
    try:
        for page in PAGES:
            visit(browser, site, page, charts=page.startswith(("index", "env", "compare", "device.html?")))
            fit = browser.execute_script("""var page = document.documentElement.clientWidth;
              return Array.from(document.querySelectorAll('main table')).map(function (t) {
                var r = t.getBoundingClientRect(); return [t.className, Math.round(r.right), page, t.scrollWidth, t.clientWidth]; });""")
            assert all(right <= page and scroll <= client + 1 for _, right, page, scroll, client in fit), (page, fit)
            ranked = browser.execute_script("""var b = document.querySelector(
                'table.data th[aria-sort=descending] button, table.data th[aria-sort=ascending] button');
              return b ? Math.round(b.closest('th').getBoundingClientRect().right) : null;""")
            if page.startswith(("board", "env", "compare")):
                assert ranked is not None and ranked <= browser.execute_script("return document.documentElement.clientWidth"), page
    finally:
        browser.set_window_size(1400, 1000)


def test_a_board_folds_its_menus_when_the_window_turns_narrow_and_leaves_a_reader_choice_alone(browser, site):
    import time

    def folded():
        return browser.execute_script("return ['options', 'switch'].map(function (c) {"
                                      " return document.querySelector('details.' + c).open; })")

    try:
        visit(browser, site, "board-mlp-train.html")
        assert folded() == [True, True]  # wide: the menus open
        browser.set_window_size(390, 844)
        time.sleep(0.3)
        assert folded() == [False, False]  # a phone's first screen shows the ranking, not the menus
        first = browser.execute_script("var r = document.querySelector('table.data tbody tr:not(.apart)');"
                                       "return r ? Math.round(r.getBoundingClientRect().bottom) : null;")
        assert first is not None and first <= 844
        browser.execute_script("document.querySelector('details.options summary').click()")  # the reader opens one
        browser.set_window_size(1400, 1000)
        time.sleep(0.3)
        browser.set_window_size(390, 844)
        time.sleep(0.3)
        assert folded() == [True, False]  # what the reader chose stays; the other follows the width
    finally:
        browser.set_window_size(1400, 1000)


def chart_heights(driver) -> list[int]:
    return driver.execute_script("return Array.from(document.querySelectorAll('.chart')).map(function (d) { return d.offsetHeight; })")


@pytest.mark.parametrize("page", ["index.html", "env.html?env=both-a-cpu", "compare.html#envs=both-a-cpu,both-b-cpu"])
def test_charts_keep_their_height_through_a_resize(browser, site, page):
    import time

    visit(browser, site, page, charts=True)
    before = chart_heights(browser)
    assert before and min(before) >= 240
    for size in ((700, 1000), (1100, 900), (1400, 1000)):  # plotly's responsive relayout runs on each
        browser.set_window_size(*size)
        time.sleep(0.6)
    assert chart_heights(browser) == before and errors(browser) == []


def test_each_board_ranks_by_its_own_figure_in_readable_units(browser, site):
    visit(browser, site, "board-matmul-infer.html")
    assert "TFLOP/s" in headers(browser)
    models = column_text(browser, "model")
    assert models[0] == "matmul-4096"  # more TFLOP/s, though fewer products a second than matmul-1024
    visit(browser, site, "board-membw-infer.html")
    assert "GB/s" in headers(browser)
    values = [float(v) for v in column_text(browser, "figure")]
    assert values == sorted(values, reverse=True) and min(values) > 40 and max(values) < 100  # 47.26e9 bytes/s reads 47.3


def test_a_flagged_row_carries_its_badge_and_reason_and_the_filter_hides_it(browser, site):
    visit(browser, site, "board-mlp-train.html")
    badge = browser.find_element("css selector", "tbody .badge.unsteady")
    assert badge.get_attribute("title") == "unsteady: trials 1,500-2,000 samples/s"
    published = browser.find_element("css selector", "tbody .badge.published")
    assert "not measured by devicebench" in published.get_attribute("title")
    total = shown(browser)[0]
    browser.find_element("css selector", "input[name=clean]").click()
    wait(browser, f"document.querySelector('.count').dataset.shown === '{total - 2}'")
    assert "clean=1" in browser.current_url and not browser.find_elements("css selector", "tbody .badge")
    visit(browser, site, "index.html", charts=True)
    hover = browser.execute_script("""return Array.from(document.querySelectorAll('.chart')).reduce(function (k, div) {
      return k + div.data.reduce(function (m, trace) { return m + [].concat(trace.hovertemplate || []).filter(function (t) {
        return t.indexOf('unsteady: trials 1,500-2,000') >= 0; }).length; }, 0); }, 0);""")
    assert hover >= 1 and errors(browser) == []  # the overview's bar says it too


def test_hover_text_is_escaped_once(browser, site):
    visit(browser, site, "env.html?env=both-b-cpu", charts=True)
    hover = browser.execute_script("""var div = document.querySelector('.chart:not(.roofline)');
      Plotly.Fx.hover(div, [{curveNumber: 0, pointNumber: 0}]); return div.querySelector('.hoverlayer').textContent;""")
    assert 'Intel "Quoted" Xeon' in hover and "&quot;" not in hover


def test_the_view_download_writes_percent_of_peak_as_a_percentage_and_rates_in_their_unit(browser, site):
    visit(browser, site, "env.html?env=both-a-cpu", charts=True)
    capture(browser)
    browser.find_element("css selector", "button.download").click()
    rows = list(csv.DictReader(io.StringIO(blob_text(browser))))
    peak = {r["model"]: float(r["% of peak"]) for r in rows if r["% of peak"] and r["framework"] == "tensorflow"}
    # a percentage (TensorFlow's best matmul against the env's roof, torch's pooled best: 1,025 over 1,075), not 0.95
    assert 90 < peak["matmul-4096"] < 100 and 0 < peak["matmul-1024"] < peak["matmul-4096"]
    membw = [r for r in rows if r["model"] == "membw-axpy-1024"]
    assert membw and all(r["unit"] == "GB/s" and 40 < float(r["figure"]) < 60 for r in membw)
