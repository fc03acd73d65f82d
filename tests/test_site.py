"""The results website (collect/present/site): its data files and folder handling, and the pages in a real browser.

The browser tests drive Debian's chromium through chromedriver (selenium) on the pages opened from file://:
every page of the shipped results opens without a console error; a leaderboard filters, sorts, searches and
pages; its env links open env pages; a comparison URL survives a reload; charts hover, toggle and switch
scale; contributors' text stays text. Without chromium they skip, loudly (the reason says so).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from conftest import ROOT, record, write

from collect.dataset.export import write_merged
from collect.dataset.loader import discover, load
from collect.present.site import env_files, write_site
from collect.present.site.build import MARKER
from collect.present.site.encode import integers, numbers, round_sig, safe_json
from collect.present.summary import summarize

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site")

EVIL = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=2">'


def build(results: Path, out: Path, *, downloads: bool = True) -> Path:
    """The site of a results folder, as plot_results.py builds it: merged data in the downloads, env files linked."""
    loaded = load(discover(results))
    data = write_merged(loaded.frame, [out.parent / f"{out.name}-merged.csv", out.parent / f"{out.name}-merged.parquet"])
    write_site(summarize(loaded.frame), out, subtitle=f"{loaded.frame['env'].nunique()} environments",
               csv_paths=env_files(loaded.frame), downloads={p.name.replace(f"{out.name}-merged", "results"): p for p in data}
               if downloads else None)
    return out


@pytest.fixture(scope="module")
def hostile(tmp_path_factory) -> Path:
    """Two envs whose every free-text cell (device, note, reference, run id, CPU, OS) carries markup."""
    folder = tmp_path_factory.mktemp("hostile") / "results"
    folder.mkdir()
    text = dict(device_name="Evil " + EVIL, reference="ref " + EVIL, cpu_name="cpu " + EVIL, os="os " + EVIL)
    write(folder, "evil-cpu", [record(env="evil-cpu", note="note " + EVIL, run_id="run " + EVIL, **text),
                               record(env="evil-cpu", run_id="run-2", workload="cnn", model="resnet50", samples_per_s=50.0, **text),
                               record(env="evil-cpu", run_id="run-3", workload="cnn", model="resnet50", batch_size=512, status="oom",
                                      samples_per_s=float("nan"), note="oom " + EVIL, **text)])
    write(folder, "evil-cuda", [record(env="evil-cuda", device_kind="cuda", samples_per_s=9000.0, **text),
                                record(env="evil-cuda", device_kind="cuda", workload="cnn", model="resnet50", samples_per_s=500.0, **text)])
    return build(folder, folder.parent / "site")


@pytest.fixture(scope="module")
def many(tmp_path_factory) -> Path:
    """130 envs with repeat rows: leaderboards of several pages."""
    folder = tmp_path_factory.mktemp("many") / "results"
    folder.mkdir()
    for i in range(130):
        env, kind = f"env-{i:04d}-{('cpu', 'cuda')[i % 2]}", ("cpu", "cuda")[i % 2]
        write(folder, env, [record(env=env, device_kind=kind, device_name=f"Device {i}", framework=framework, run_id=f"r{trial}",
                                   samples_per_s=100.0 + 10 * i + trial + (50 if framework == "torch" else 0))
                            for framework in ("torch", "tensorflow") for trial in range(2)])
    return build(folder, folder.parent / "site", downloads=False)


# ---- without a browser: the files ---------------------------------------------------------------------------------

def test_numbers_are_rounded_to_their_decimal_spelling_and_runs_are_encoded():
    assert round_sig([1234.5678, 0.0123456, 98765432.1]).tolist() == [1235.0, 0.01235, 98770000.0]
    assert numbers([1234.5678, float("nan"), 5.0, float("inf")]) == "[1234.5678,null,5,null]"
    assert numbers([float("nan")]) is None
    assert integers([3, 3, 3, 3, 3, 3, 7]) == '{"r":[3,6,7,1]}'
    assert integers([1, 2, 3]) == "[1,2,3]"
    assert "<" not in safe_json({"x": "</script><!--\u2028"}) and "\\u2028" in safe_json("\u2028")


def test_rates_are_labelled_with_what_they_count():
    import pandas as pd

    from collect.present.site.tables import units

    frame = pd.DataFrame({"workload": ["llm", "llm", "llm", "cnn", "membw"], "rate_unit": ["tokens", "tokens", "", "", "bytes"]})
    assert units(frame.astype("category")) == {"llm": "tokens/s", "membw": "bytes/s"}  # cnn: none stated, samples/s


def test_data_files_hold_contributor_text_only_as_escaped_json(hostile):
    for path in (hostile / "data").glob("*.js"):
        text = path.read_text(encoding="ascii")
        assert "<" not in text, path.name
        key, payload = re.fullmatch(r'DB\.put\(("[^"]+"),(.*)\);\n', text, re.S).groups()
        json.loads(payload)  # every payload is plain JSON
    shard = (hostile / "data" / "envs-0.js").read_text()
    assert json.dumps(EVIL, ensure_ascii=True).replace("<", "\\u003c")[1:-1] in shard


def test_plotly_is_shipped_once_and_no_page_inlines_a_script(shipped):
    assert [p.name for p in shipped.rglob("plotly*.js")] == ["plotly.min.js"]
    assert (shipped / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    for page in shipped.glob("*.html"):
        html = page.read_text()
        assert len(html) < 6000 and "<script>" not in html and 'src="http' not in html, page.name
        assert all(re.fullmatch(r"(assets|data)/[\w.-]+\.js", src) for src in re.findall(r'<script defer src="([^"]+)"', html))


def test_pages_hold_aggregates_and_the_downloads_hold_every_row(shipped):
    index = json.loads((shipped / "data" / "index.js").read_text()[len('DB.put("index",'):-3])
    rows = len(load(discover(ROOT / "results")).frame)  # every valid row shipped, however many files arrive
    assert sum(index["envs"]["cols"]["rows"]) == rows and {d["name"] for d in index["downloads"]} == {"results.csv", "results.parquet"}
    assert (shipped / "downloads" / "results.csv").read_text().count("\n") == rows + 1
    agg = summarize(load(discover(ROOT / "results")).frame).agg
    pooled = 0
    for k, path in enumerate(sorted((shipped / "data").glob("envs-*.js"))):  # the envs are sharded as the data grows
        shard = json.loads(path.read_text()[len(f'DB.put("shard/{k}",'):-3])
        pool = shard["rows"]["cols"].get("pool", [0] * shard["rows"]["n"])
        pool = pool if isinstance(pool, list) else [v for v, n in zip(pool["r"][::2], pool["r"][1::2], strict=True) for _ in range(n)]
        pooled += sum(code != 1 for code in pool)
        # medians and counts, never the raw rows (a shard whose every line has one row may leave its equal range out)
        assert set(shard["rows"]["cols"]) >= {"rate", "n"} and "samples_per_s" not in shard["rows"]["cols"]
    # one line per configuration in the pooled view (a line per version beside it where it has several), not a line per row
    assert pooled == len(agg) < rows
    assert sorted(p.name for p in (shipped / "downloads" / "env").iterdir()) == sorted(p.name for p in (ROOT / "results").glob("*.csv"))


def test_a_folder_is_rewritten_only_if_the_site_made_it(shipped, tmp_path):
    foreign = tmp_path / "mine"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("keep me")
    frame = load(discover(ROOT / "results")).frame
    with pytest.raises(ValueError, match="refusing to write the site into"):
        write_site(summarize(frame), foreign, subtitle="x")
    assert (foreign / "notes.txt").read_text() == "keep me"
    site = tmp_path / "site"
    write_site(summarize(frame), site, subtitle="x")
    (site / "data" / "envs-99.js").write_text("stale")
    write_site(summarize(frame[frame["env"] == "intel-xeon-cpu"]), site, subtitle="x")
    assert (site / MARKER).is_file() and not (site / "data" / "envs-99.js").exists()
    assert not (site / "board-cnn-train_forward.html").exists()  # a board the smaller data has not


def test_plot_results_writes_the_site_when_it_has_the_flag(tmp_path):
    import plot_results

    if "--site" not in plot_results.build_parser().format_help():
        pytest.skip("plot_results.py has no --site yet: write_site is tested directly above")
    rc = plot_results.main(["--results-dir", str(ROOT / "results"), "--out", str(tmp_path / "r.png"),
                            "--markdown", str(tmp_path / "r.md"), "--site", str(tmp_path / "site")])
    assert rc == 0 and (tmp_path / "site" / "index.html").is_file() and any((tmp_path / "site" / "downloads").glob("*.csv"))


def test_pages_workflow_publishes_the_site_with_least_privilege():
    import yaml

    data = yaml.safe_load((ROOT / ".github" / "workflows" / "pages.yml").read_text())
    triggers = data.get("on") or data.get(True)  # YAML 1.1 reads a bare `on` key as True
    assert triggers["push"]["branches"] == ["main"] and "pull_request_target" not in str(triggers)
    assert data["permissions"] == {"contents": "read"} and data["jobs"]["build"]["permissions"] == {"contents": "read"}
    assert data["jobs"]["deploy"]["permissions"] == {"pages": "write", "id-token": "write"}
    runs = " ".join(step.get("run", "") for step in data["jobs"]["build"]["steps"])
    assert "pip install -r requirements-plot.txt" in runs and "--site site" in runs
    assert data["jobs"]["build"]["steps"][0]["with"]["persist-credentials"] is False


# ---- in the browser ------------------------------------------------------------------------------------------------

# `browser`: tests/conftest.py's fixture (one chromium for the session, at the default window size in each module).


def wait(driver, condition: str, seconds: float = 30):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, seconds).until(lambda d: d.execute_script("return " + condition))


def errors(driver) -> list[str]:
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def visit(driver, site: Path, page: str, charts: bool = False) -> None:
    """Open a page from file://, wait until it is ready (and every chart drawn), and fail on any console error."""
    driver.get(f"file://{site}/{page}")
    wait(driver, "document.body.dataset.ready === '1'" + (" && document.body.dataset.charts === 'all'" if charts else ""))
    assert errors(driver) == [], page
    assert driver.find_elements("css selector", "p.error") == [], page


def shown(driver) -> tuple[int, int]:
    counter = driver.find_element("css selector", ".count")
    return int(counter.get_attribute("data-shown")), int(counter.get_attribute("data-total"))


def column_text(driver, key: str) -> list[str]:
    """The cells of the table column whose sort button has data-key `key`, on the page shown."""
    return driver.execute_script("""var key = arguments[0], ths = Array.from(document.querySelectorAll('table.data th'));
      var k = ths.findIndex(function (th) { var b = th.querySelector('button'); return b !== null && b.dataset.key === key; });
      return Array.from(document.querySelectorAll('table.data tbody tr:not(.apart)')).map(function (tr) { return tr.children[k].textContent; });""", key)


def one_file_per_kind(paths: list[Path]) -> list[Path]:
    """The first results file of each kind of first row (schema version, source, device kind, framework): every shape of
    env page the shipped results hold, a number that does not grow with the files (the dataset is meant to)."""
    import csv

    kinds: dict[tuple, Path] = {}
    for path in paths:
        with path.open(newline="", encoding="utf-8", errors="replace") as fh:
            row = next(csv.DictReader(fh), None) or {}
        kinds.setdefault(tuple(row.get(k, "") for k in ("schema_version", "source", "device_kind", "framework")), path)
    return list(kinds.values())


def test_every_kind_of_page_of_the_shipped_results_opens_without_a_console_error(browser, shipped):
    visit(browser, shipped, "index.html", charts=True)
    assert len(browser.find_elements("css selector", ".chart .main-svg")) >= 5
    boards = sorted(p.name for p in shipped.glob("board-*.html"))
    visit(browser, shipped, "downloads.html")
    assert [a.text for a in browser.find_elements("css selector", "ul.downloads a")] == ["results.csv", "results.parquet"]
    for page in ["leaderboards.html", "machines.html", *boards]:
        visit(browser, shipped, page)
    for path in one_file_per_kind(sorted((ROOT / "results").glob("*.csv"))):
        env = path.stem.removeprefix("results_")
        visit(browser, shipped, f"env.html?env={env}", charts=True)
        assert browser.find_element("css selector", "h1").text == env
        assert browser.find_element("css selector", "a[download]").get_attribute("href").endswith(f"downloads/env/{path.name}")
    visit(browser, shipped, "env.html?env=no-such-env")
    assert browser.find_element("css selector", "h1").text == "Unknown environment"


def test_a_leaderboard_filters_sorts_searches_and_pages(browser, many):
    from selenium.webdriver.support.ui import Select

    visit(browser, many, "board-mlp-train.html")
    assert shown(browser) == (260, 260) and "260 of 260 rows" in browser.find_element("css selector", ".count").text
    rates = [float(v.replace(",", "")) for v in column_text(browser, "figure")]
    assert len(rates) == 50 and rates == sorted(rates, reverse=True)
    Select(browser.find_element("css selector", "select[name=framework]")).select_by_value("tensorflow")
    assert shown(browser) == (130, 260) and set(column_text(browser, "framework")) == {"tensorflow"}
    browser.find_element("css selector", "th button[data-key=figure]").click()  # the sorted column again: ascending
    rates = [float(v.replace(",", "")) for v in column_text(browser, "figure")]
    assert rates == sorted(rates) and rates[0] < 200
    browser.find_element("css selector", "button.next").click()
    assert "page 2 of 3" in browser.find_element("css selector", ".pager").text
    browser.find_element("css selector", "input[name=q]").send_keys("device 12")
    wait(browser, "document.querySelector('.count').dataset.shown !== '130'")
    assert shown(browser) == (11, 260)  # the tensorflow rows of Device 12 and Device 120-129
    assert "framework=tensorflow" in browser.current_url and "q=device" in browser.current_url
    browser.refresh()  # the state is in the fragment
    wait(browser, "document.body.dataset.ready === '1'")
    assert shown(browser) == (11, 260) and errors(browser) == []


def test_a_leaderboard_link_opens_the_env_page(browser, many):
    visit(browser, many, "board-mlp-train.html")
    link = browser.find_element("css selector", "table.data tbody a")
    env = link.text
    link.click()
    wait(browser, "location.pathname.endsWith('env.html') && document.body.dataset.ready === '1'")
    assert browser.find_element("css selector", "h1").text == env and errors(browser) == []
    assert shown(browser) == (2, 2)  # its two configurations (torch, tensorflow), each the median of two rows
    assert column_text(browser, "n") == ["2", "2"]


def test_a_comparison_is_a_url_that_survives_a_reload(browser, many, tmp_path):
    visit(browser, many, "compare.html#envs=env-0000-cpu,env-0001-cuda", charts=True)
    assert shown(browser) == (2, 2)
    summary = browser.find_element("css selector", "ul.speedups").text
    assert "env-0001-cuda vs env-0000-cpu:" in summary and "×" in summary
    ratios = column_text(browser, "ratio1")
    browser.refresh()
    wait(browser, "document.body.dataset.ready === '1'")
    assert column_text(browser, "ratio1") == ratios and errors(browser) == []
    third = browser.find_element("css selector", "input[name=env2]")
    third.send_keys("env-0002-cpu")
    browser.find_element("css selector", "form.picker button").click()
    wait(browser, "location.hash.indexOf('env-0002-cpu') >= 0 && document.body.dataset.ready === '1'")
    assert "env-0002-cpu" in browser.find_element("css selector", "table.data thead").text and errors(browser) == []
    browser.save_screenshot(str(tmp_path / "compare.png"))
    assert (tmp_path / "compare.png").stat().st_size > 10_000


def test_overview_charts_hover_toggle_and_switch_scale(browser, shipped):
    visit(browser, shipped, "index.html", charts=True)
    hover = browser.execute_script("""var div = document.getElementById('panel-1');
      Plotly.Fx.hover(div, [{curveNumber: 0, pointNumber: 0}]); return div.querySelector('.hoverlayer').textContent;""")
    for word in ("device:", "framework:", "batch:", "precision:", "median:", "n:"):
        assert word in hover
    browser.find_element("css selector", "#panel-1 .legend .traces .legendtoggle").click()
    wait(browser, "document.getElementById('panel-1').data.some(function (t) { return t.visible === 'legendonly'; })")
    before = browser.execute_script("return document.getElementById('panel-1').layout.xaxis.type")
    other = "linear" if before == "log" else "log"
    button = [b for b in browser.find_elements("css selector", "#panel-1 .updatemenu-button") if b.text == other]
    button[0].click()
    wait(browser, f"document.getElementById('panel-1').layout.xaxis.type === '{other}'")
    assert errors(browser) == []


def test_contributor_text_is_shown_as_text_never_run(browser, hostile):
    pages = ["index.html", "env.html?env=evil-cpu", "board-cnn-train.html", "machines.html", "compare.html#envs=evil-cpu,evil-cuda"]
    for page in pages:
        visit(browser, hostile, page, charts=page.startswith(("index", "env", "compare")))
        assert browser.execute_script("return window.__pwned") is None, page
        assert browser.execute_script("return document.querySelectorAll('img').length") == 0, page
        if page.startswith(("env", "board", "machines")):
            assert EVIL in browser.find_element("id", "main").text, page
    visit(browser, hostile, "env.html?env=evil-cpu", charts=True)
    text = browser.find_element("id", "main").text
    for cell in ("note ", "oom ", "ref ", "run ", "cpu ", "os "):
        assert cell + EVIL in text, cell
    hover = browser.execute_script("""var div = document.querySelector('.chart');
      Plotly.Fx.hover(div, [{curveNumber: 0, pointNumber: 0}]); return div.querySelector('.hoverlayer').textContent;""")
    assert "Evil <script>" in hover and browser.execute_script("return window.__pwned") is None


def test_a_download_keeps_the_data_the_site_was_built_with(tmp_path):
    """The merged data is placed by a hard link where it can be; rewriting it (as write_merged does, a new file renamed
    onto the name) leaves the site's download as it was, and so does an env file the runner appends to later (it too
    writes a new file and renames it: a hard link keeps the old rows)."""
    results = tmp_path / "results"
    env_file = write(results, "box-cpu", [record(env="box-cpu")])
    loaded = load(discover(results))
    (merged,) = write_merged(loaded.frame, [tmp_path / "results.csv"])
    before = merged.read_text()
    site = tmp_path / "site"
    write_site(summarize(loaded.frame), site, subtitle="s", csv_paths=env_files(loaded.frame), downloads={"results.csv": merged})
    assert (site / "downloads" / "env" / env_file.name).stat().st_ino == env_file.stat().st_ino  # linked, not copied
    write_merged(loaded.frame.iloc[:0], [merged])
    write(results, "box-cpu", [record(env="box-cpu", run_id="run-2")])
    assert (site / "downloads" / "results.csv").read_text() == before != merged.read_text()
    assert (site / "downloads" / "env" / env_file.name).read_text().count("\n") == 2  # header and the first row
