"""The results website's views (issue 21), in headless Chromium: the view as a CSV download, state in the address
(reload and back), every submission of a device, what a comparison names, and where an env stands.

One results folder, written here: 130 filler envs (two leaderboard pages of torch rows), one GPU under two spellings
("NVIDIA GeForce RTX 3090", "RTX 3090") with repeat rows under torch 2.13 and 2.14, and two CPUs whose
fingerprints differ in device, CPU and OS only. The browser and helpers are tests/test_site.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import record, write
from test_site import build, column_text, errors, shown, visit, wait

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_views")

GPU = dict(device_kind="cuda", framework="torch", batch_size=64, os="Linux-6.1", cpu_name="Some CPU")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("views") / "results"
    folder.mkdir()
    for i in range(130):
        env = f"env-{i:04d}-cpu"
        write(folder, env, [record(env=env, device_name=f"Filler {i}", framework=("torch", "tensorflow")[i % 2],
                                   framework_version="2.14.0", samples_per_s=10.0 + i)])
    write(folder, "gpu-a-cuda", [record(env="gpu-a-cuda", device_name="NVIDIA GeForce RTX 3090", framework_version="2.13.1+cu121",
                                        run_id=f"a{k}", samples_per_s=1000.0 + 10 * k, **GPU) for k in range(4)]
          + [record(env="gpu-a-cuda", device_name="NVIDIA GeForce RTX 3090", framework_version="2.14.1+cu130", run_id=f"b{k}",
                    samples_per_s=1200.0 + 10 * k, **GPU) for k in range(2)])
    write(folder, "gpu-b-cuda", [record(env="gpu-b-cuda", device_name="RTX 3090", framework_version="2.14.0", run_id=f"c{k}",
                                        samples_per_s=1100.0 + 10 * k, **GPU) for k in range(4)])
    cpu = dict(framework_version="2.14.0", python_version="3.11.7", driver_version="550.1")
    write(folder, "cpu-x", [record(env="cpu-x", device_name="Intel Xeon", cpu_name="Intel Xeon", os="Linux-6.1", samples_per_s=100.0, **cpu),
                            record(env="cpu-x", device_name="Intel Xeon", cpu_name="Intel Xeon", os="Linux-6.1", workload="cnn",
                                   model="resnet50", samples_per_s=5.0, **cpu)])
    write(folder, "cpu-y", [record(env="cpu-y", device_name="AMD EPYC", cpu_name="AMD EPYC", os="Linux-6.8", samples_per_s=200.0, **cpu)])
    return build(folder, folder.parent / "site", downloads=False)


def table_rows(driver) -> list[list[str]]:
    """The cells of the page's (first) data table, as shown."""
    return driver.execute_script("""return Array.from(document.querySelectorAll('table.data tbody tr:not(.apart)')).map(function (tr) {
      return Array.from(tr.children).map(function (td) { return td.textContent; }); });""")


def headers(driver) -> list[str]:
    """The labels of the page's (first) data table, every column: shown, or collapsed on this screen."""
    return driver.execute_script("""return Array.from(document.querySelector('table.data').querySelectorAll('thead th'))
      .map(function (th) { return th.textContent.replace(/[▲▼]/g, '').trim(); });""")


def capture(driver) -> None:
    driver.execute_script("""window.__blobs = []; var make = URL.createObjectURL;
      URL.createObjectURL = function (b) { window.__blobs.push(b); return make.call(URL, b); };""")


def blob_text(driver) -> str:
    return driver.execute_async_script("var done = arguments[0]; window.__blobs[window.__blobs.length - 1].text().then(done);")


def parse_csv(text: str) -> list[list[str]]:
    import csv
    import io

    return list(csv.reader(io.StringIO(text)))


def same(shown_cell: str, csv_cell: str) -> bool:
    """A cell on screen and in the download: equal text, or the same number (the download keeps every digit)."""
    if shown_cell == csv_cell or (shown_cell[:1] in ("=", "+", "-", "@") and csv_cell == "'" + shown_cell):
        return True  # the download makes a cell a spreadsheet would run inert
    try:
        a, b = float(shown_cell.replace(",", "")), float(csv_cell)
    except ValueError:
        return False
    return abs(a - b) <= 0.005 * max(abs(a), abs(b))


def test_the_download_is_the_filtered_sorted_view_every_page_of_it(browser, site):
    from selenium.webdriver.support.ui import Select

    visit(browser, site, "board-mlp-train.html")
    Select(browser.find_element("css selector", "select[name=framework]")).select_by_value("torch")
    browser.find_element("css selector", "th button[data-key=figure]").click()  # ascending
    total = shown(browser)[0]
    assert total == 70  # 65 torch fillers, cpu-x, cpu-y, gpu-b and gpu-a twice (versions apart): two pages
    button = browser.find_element("css selector", "button.download")
    assert "70 rows, all 2 pages" in button.text
    capture(browser)
    button.click()
    rows = parse_csv(blob_text(browser))
    head = headers(browser)[1:]  # every column but the rank, collapsed ones too
    assert rows[0] == head and len(rows) == 1 + total
    page1 = table_rows(browser)
    browser.find_element("css selector", "button.next").click()
    on_screen = [r[1:] for r in page1 + table_rows(browser)]
    assert len(on_screen) == total
    # badges on screen and their reasons in the download; a copy button and the command; links and their targets
    other = {head.index(name) for name in ("caveats", "command", "from")}
    for k, (dom, down) in enumerate(zip(on_screen, rows[1:], strict=True)):
        assert all(same(a, b) for j, (a, b) in enumerate(zip(dom, down, strict=True)) if j not in other), (k, dom, down)
    commands = [r[head.index("command")] for r in rows[1:]]
    # each names its device kind (the CPU envs' and the CUDA ones' differ), then the configuration
    assert {c.split(" --models ")[0] for c in commands} == {"devicebench run --framework torch --device cpu",
                                                           "devicebench run --framework torch --device cuda"}
    assert all(r[head.index("framework")] == "torch" for r in rows[1:])
    rates = [float(r[head.index("samples/s")]) for r in rows[1:]]
    assert rates == sorted(rates)
    # a formula-first cell never reaches a page (validation refuses it: test_formula_cells.py); the download's own
    # guard still makes one inert
    assert browser.execute_script("return csvCell('a,\"b\"') + '|' + csvCell('-1') + '|' + csvCell('@x')") == '"a,""b"""|\'-1|\'@x'
    assert errors(browser) == []


def test_a_reload_restores_the_view_and_back_returns_to_the_one_before(browser, site):
    from selenium.webdriver.support.ui import Select

    visit(browser, site, "board-mlp-train.html")
    Select(browser.find_element("css selector", "select[name=framework]")).select_by_value("torch")
    browser.find_element("css selector", "th button[data-key=figure]").click()
    browser.find_element("css selector", "button.next").click()
    view = table_rows(browser)
    assert "page 2 of 2" in browser.find_element("css selector", ".pager").text
    browser.refresh()
    wait(browser, "document.body.dataset.ready === '1'")
    assert table_rows(browser) == view and "page 2 of 2" in browser.find_element("css selector", ".pager").text
    browser.back()  # page 1 of the same filtered, sorted view
    wait(browser, "document.querySelector('.pager').textContent.indexOf('page 1 of 2') >= 0")
    rates = [float(v.replace(",", "")) for v in column_text(browser, "figure")]
    assert rates == sorted(rates) and shown(browser) == (70, 135)
    browser.back()  # before the sort: fastest first
    wait(browser, "document.querySelector('th[aria-sort=descending] button[data-key=figure]') !== null")
    assert browser.find_element("css selector", "select[name=framework]").get_attribute("value") == "torch"
    browser.back()  # before the filter
    wait(browser, "document.querySelector('.count').dataset.shown === '135'")
    assert browser.find_element("css selector", "select[name=framework]").get_attribute("value") == "" and errors(browser) == []


def test_a_device_page_shows_every_submission_version_by_version(browser, site):
    visit(browser, site, "board-mlp-train.html#q=3090")
    link = browser.find_element("css selector", "table.data tbody a[href^='device.html']")
    assert link.text == "RTX 3090"
    link.click()
    wait(browser, "location.pathname.endsWith('device.html') && document.body.dataset.ready === '1'")
    wait(browser, "document.body.dataset.charts === 'all'")
    assert browser.find_element("css selector", "h1").text == "RTX 3090"
    lead = browser.find_element("css selector", "p.lead").text
    assert "“NVIDIA GeForce RTX 3090”" in lead and "“RTX 3090”" in lead and "2 environments" in lead
    head = headers(browser)
    rows = {r[head.index("version")]: r for r in table_rows(browser)}
    assert set(rows) == {"2.13", "2.14"}
    assert [rows["2.13"][head.index(c)] for c in ("n", "envs", "IQR", "range")] == ["4", "1", "1,008 – 1,022", "1,000 – 1,030"]  # quartiles 1007.5, 1022.5: 4 digits, half to even
    assert [rows["2.14"][head.index(c)] for c in ("n", "envs", "range")] == ["6", "2", "1,100 – 1,210"]
    spread = browser.find_element("css selector", "ul.spread").text
    assert "2.13: n 4 · median 1,015" in spread and "2.14: n 6" in spread
    assert len(browser.find_elements("css selector", ".chart .main-svg")) >= 1
    browser.find_element("css selector", "input[name=pool]").click()
    assert "pool=1" in browser.current_url
    browser.refresh()
    wait(browser, "document.body.dataset.ready === '1'")
    rows = table_rows(browser)
    assert len(rows) == 1 and rows[0][head.index("version")] == "2.13 + 2.14" and rows[0][head.index("n")] == "10"
    assert errors(browser) == []


def test_a_comparison_names_the_fields_that_differ_and_what_it_left_out(browser, site):
    visit(browser, site, "compare.html#envs=cpu-x,cpu-y", charts=True)
    fields = [li.get_attribute("data-field") for li in browser.find_elements("css selector", "#differences li")]
    # not Python, framework, driver ...: those are the same; the device identity ("Xeon (generation not recorded)") differs too
    assert sorted(fields) == ["CPU", "OS", "device", "device identity"]
    text = browser.find_element("id", "differences").text
    assert "Intel Xeon" in text and "AMD EPYC" in text and "Linux-6.8" in text
    left = browser.find_element("id", "left-out").text
    assert "cpu-x: 1 configuration of its 2" in left and "cpu-y" not in left
    assert shown(browser) == (1, 1) and errors(browser) == []


def test_an_env_page_says_how_it_stacks_up(browser, site):
    visit(browser, site, "env.html?env=cpu-y", charts=True)
    panel = browser.find_element("id", "standing")
    lines = [tr.text for tr in panel.find_elements("css selector", "tbody tr")]
    assert len(lines) == 1
    assert "faster than 66 of 68" in lines[0]  # 65 torch fillers (the fastest 138) and cpu-x are slower
    assert "gpu-b-cuda" not in lines[0] and "gpu-a-cuda 1,025" in lines[0] and "env-0128-cpu 138" in lines[0]
    visit(browser, site, "env.html?env=env-0000-cpu", charts=True)
    assert "faster than 0 of 68" in browser.find_element("id", "standing").text and errors(browser) == []


def test_versions_are_major_minor_and_pooled_lines_are_added_only_where_they_differ(results_dir):
    from collect.dataset.loader import discover, load
    from collect.present.site.stats import APART, BOTH, POOLED, minor, site_agg

    assert [minor(v) for v in ("2.14.1+cu130", "1.12.0.dev20220520", "2", "", "nightly")] == ["2.14", "1.12", "2", "", "nightly"]
    rows = [record(framework_version=v, run_id=f"r{k}", samples_per_s=s) for k, (v, s) in
            enumerate([("2.13.1", 10.0), ("2.13.0", 20.0), ("2.14.1+cu130", 40.0)])]
    rows.append(record(model="mlp-d10-w1024", framework_version="2.14.0", samples_per_s=5.0))
    write(results_dir, "test-env-cpu", rows)
    table = site_agg(load(discover(results_dir)).frame)
    got = sorted((str(r.model), r.version, r.pool, r.n, r.rate) for r in table.itertuples())
    assert got == [("mlp-d10-w1024", "2.14", BOTH, 1, 5.0), ("mlp-d5-w1024", "2.13", APART, 2, 15.0),
                   ("mlp-d5-w1024", "2.13 + 2.14", POOLED, 3, 20.0), ("mlp-d5-w1024", "2.14", APART, 1, 40.0)]
    # "Test CPU": the trailing CPU is not part of the key; a CPU whose name hides its generation is named with it
    assert set(table["device"]) == {"Test (generation not recorded)"}
