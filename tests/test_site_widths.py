"""The site at each width: its stylesheet linted as code, and the pages and charts of the shipped results in headless
Chromium at a phone (390 px), a small laptop (800 px) and a desktop (1400 px).

The stylesheet: stylelint (stylelint.config.mjs) passes on it and fails on a copy with an @media block closed in the
wrong place. The pages: on a phone <main> keeps the page's background and font size and is no sideways scroller; no
page is wider than the window at any of the three widths; the command field is wide on a desktop. The charts: on a
phone each plots in most of its width, its bar labels inside it, its legend under the plot, tick labels apart; after a
1400 -> 390 -> 1400 resize every chart is as wide as before; no chart offers plotly's cloud; plotly is loaded only by
pages that draw. The browser and helpers are tests/test_site.py's.
"""

from __future__ import annotations

import shutil
import subprocess
import time
from pathlib import Path

import pytest
from conftest import ROOT
from test_site import errors, visit, wait

from collect.present.site.pages import pages

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_widths")

STYLESHEET = ROOT / "collect" / "present" / "site" / "assets" / "site.css"
STYLELINT = ROOT / "node_modules" / ".bin" / "stylelint"
PHONE, LAPTOP, DESKTOP = (390, 844), (800, 1000), (1400, 1000)
CHARTED = ["index.html", "env.html?env=intel-xeon-cpu", "compare.html#envs=intel-xeon-cpu,amd-epyc-2core-cpu"]
PAGES = [*CHARTED, "score.html", "add.html", "leaderboards.html", "board-cnn-infer.html", "machines.html", "device.html",
         "device.html?device=RTX%203090", "downloads.html"]


# ---- the stylesheet, linted ----------------------------------------------------------------------------------------

def stylelint(path: Path) -> subprocess.CompletedProcess:
    if not STYLELINT.exists():
        pytest.skip("NO CSS LINT: node_modules/.bin/stylelint is missing (npm ci installs it; make test runs npm ci): "
                    "the stylesheet's lint did NOT run")
    return subprocess.run([str(STYLELINT), "--config", str(ROOT / "stylelint.config.mjs"), "--max-warnings", "0", str(path)],
                          cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_stylesheet_passes_its_lint():
    done = stylelint(STYLESHEET)
    assert done.returncode == 0, done.stdout + done.stderr


def unclosed(css: str) -> str:
    """The last @media block left open: every rule after its last one is swallowed by it."""
    head, _brace, tail = css.rstrip().rpartition("}")
    assert "@media" in head and not tail.strip()
    return head + "\n"


def closed_late(css: str) -> str:
    """The slip as it once shipped: a one-line phone @media block whose brace closes three rules later."""
    lines = css.splitlines()
    k = next(i for i, line in enumerate(lines) if line.startswith("input.command"))
    lines[k - 1] = "@media (max-width: 760px) { main { padding: 0.6rem; }"
    lines[k + 2] += " }"
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("slip", [unclosed, closed_late])
def test_a_media_block_closed_in_the_wrong_place_fails_the_lint(tmp_path, slip):
    planted = tmp_path / "site.css"
    shutil.copy(STYLESHEET, planted)
    assert stylelint(planted).returncode == 0  # the copy lints as the original does
    planted.write_text(slip(STYLESHEET.read_text(encoding="utf-8")), encoding="utf-8")
    done = stylelint(planted)
    assert done.returncode != 0
    expected = "Unclosed block" if slip is unclosed else "@stylistic/indentation"
    assert expected in done.stdout + done.stderr


# ---- which pages load plotly ---------------------------------------------------------------------------------------

def test_only_pages_that_always_draw_name_plotly():
    html = pages([], "subtitle", score=None)
    named = {name for name, text in html.items() if "plotly.min.js" in text}
    assert named == {"index.html", "env.html", "compare.html"}  # device.html loads it for a device's charts only


# ---- in the browser ------------------------------------------------------------------------------------------------


@pytest.fixture
def window(browser):
    """The browser at a width the test sets; back at the default after it."""
    yield browser
    browser.set_window_size(*DESKTOP)


def at(driver, size: tuple[int, int], site: Path, page: str) -> None:
    driver.set_window_size(*size)
    visit(driver, site, page, charts=page.startswith(("index", "env", "compare", "device.html?")))


def test_main_keeps_the_page_background_and_font_size_on_a_phone(window, shipped):
    for page in ("index.html", "score.html", "add.html"):
        at(window, PHONE, shipped, page)
        main, body = window.execute_script("""var m = getComputedStyle(document.querySelector('main')), b = getComputedStyle(document.body);
          return [[m.backgroundColor, m.fontSize, m.overflowX], [b.backgroundColor, b.fontSize]];""")
        assert main[0] in ("rgba(0, 0, 0, 0)", body[0]), page  # the page's own white, not the header's grey band
        assert main[1] == body[1] == "15px" and main[2] == "visible", page


@pytest.mark.parametrize("size", [PHONE, LAPTOP, DESKTOP], ids=lambda s: f"{s[0]}px")
def test_no_page_is_wider_than_the_window(window, shipped, size):
    for page in PAGES:
        at(window, size, shipped, page)
        fit = window.execute_script("""var d = document.documentElement, m = document.querySelector('main');
          return [d.scrollWidth, d.clientWidth, m.scrollWidth, m.clientWidth];""")
        assert fit[0] <= fit[1] and fit[2] <= fit[3], (page, fit)
        # the score's set on its page: inside main, not a table wider than it
        if page == "score.html":
            right = window.execute_script("return document.querySelector('table.score-set').getBoundingClientRect().right")
            assert right <= fit[1], right


def test_the_command_field_is_wide_on_a_desktop_and_fits_a_phone(window, shipped):
    def command_width():
        # its column shown as "all columns" shows it on a phone, the field opened as "show" opens it
        return window.execute_script("""var d = document.querySelector('details.reproduce'); d.open = true;
          d.closest('.table-block').classList.add('all-cols');
          return d.querySelector('input.command').getBoundingClientRect().width;""")
    at(window, DESKTOP, shipped, "board-cnn-infer.html")
    assert command_width() >= 600  # a whole command line readable, not 177 px of it
    at(window, PHONE, shipped, "env.html?env=intel-xeon-cpu")
    assert 0 < command_width() <= 0.8 * PHONE[0] + 1


# what each chart on the page shows: its width, its plot area, its legend, its labels and ticks
CHARTS = """return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (c) {
  var box = c.getBoundingClientRect(), plot = c.querySelector('.nsewdrag').getBoundingClientRect();
  var legend = c.querySelector('.legend'), rect = function (e) { var r = e.getBoundingClientRect(); return [r.left, r.top, r.right, r.bottom]; };
  return {id: c.id || c.className, width: box.width, svg: c.querySelector('.main-svg').getBoundingClientRect().width,
          height: box.height, compact: c.dataset.compact, plot: [plot.left, plot.top, plot.right, plot.bottom],
          legend: legend ? rect(legend) : null, chart: [box.left, box.top, box.right, box.bottom],
          labels: Array.from(c.querySelectorAll('.annotation-text, .ytick text')).map(rect),
          xticks: Array.from(c.querySelectorAll('.xtick text')).map(rect), yticks: Array.from(c.querySelectorAll('.ytick text')).map(rect)};
});"""


def apart(boxes: list[list[float]], axis: int) -> bool:
    """No two tick labels overlap along the axis (0: x, side by side; 1: y, one above the other)."""
    spans = sorted((b[axis], b[axis + 2]) for b in boxes if b[axis + 2] > b[axis])
    return all(a[1] <= b[0] + 0.5 for a, b in zip(spans, spans[1:], strict=False))


@pytest.mark.parametrize("page", CHARTED)
def test_a_phone_sees_each_chart_whole(window, shipped, page):
    at(window, PHONE, shipped, page)
    charts = window.execute_script(CHARTS)
    assert charts
    for c in charts:
        left, top, right, bottom = c["plot"]
        assert right - left >= 200, c["id"]  # the bars plot in most of the width (64 px once, beside cut labels)
        assert c["compact"] == "true" and c["svg"] <= c["width"] + 1, c["id"]
        assert all(lab[0] >= c["chart"][0] - 1 and lab[2] <= c["chart"][2] + 1 for lab in c["labels"]), c["id"]  # none cut
        if c["legend"]:
            assert c["legend"][1] >= bottom, c["id"]  # under the plot, not over the bars
        assert apart(c["xticks"], 0) and apart(c["yticks"], 1), c["id"]  # not "10100 1000"
    assert errors(window) == []


def fitted(driver, seconds: float = 10) -> None:
    """Give the charts up to `seconds` to fit the window (plotly's resize, then chart_fit.js's own redraw 150 ms after it)."""
    from selenium.common.exceptions import TimeoutException

    time.sleep(0.5)
    try:
        wait(driver, """Array.from(document.querySelectorAll('.js-plotly-plot')).every(function (c) {
          return Math.abs(c.querySelector('.main-svg').getBoundingClientRect().width - c.clientWidth) < 2; })""", seconds)
    except TimeoutException:
        pass  # the comparison below says which chart kept which width
    time.sleep(0.3)


@pytest.mark.parametrize("page", CHARTED)
def test_every_chart_is_as_wide_as_before_after_a_phone_width(window, shipped, page):
    at(window, DESKTOP, shipped, page)
    before = window.execute_script(CHARTS)
    window.set_window_size(*PHONE)
    fitted(window)
    assert all(c["svg"] < PHONE[0] for c in window.execute_script(CHARTS))
    window.set_window_size(*DESKTOP)
    fitted(window)
    after = window.execute_script(CHARTS)
    widths = [(c["id"], round(c["svg"]), round(c["plot"][2] - c["plot"][0]), round(c["height"])) for c in before]
    assert [(c["id"], round(c["svg"]), round(c["plot"][2] - c["plot"][0]), round(c["height"])) for c in after] == widths
    assert all(svg > 1000 for _id, svg, _plot, _height in widths)  # the MLP lines and the roofline too, not 356 px
    assert errors(window) == []


def test_a_bar_chart_keeps_the_readers_scale_and_hidden_traces_across_widths(window, shipped):
    at(window, DESKTOP, shipped, "index.html")
    window.execute_script("var d = document.getElementById('panel-1'); Plotly.relayout(d, {'xaxis.type': 'linear'});"
                          "Plotly.restyle(d, {visible: 'legendonly'}, [1]);")
    window.set_window_size(*PHONE)
    wait(window, "document.getElementById('panel-1').dataset.compact === 'true'")
    time.sleep(0.3)
    state = window.execute_script("var d = document.getElementById('panel-1');"
                                  "return [d.layout.xaxis.type, d.data.map(function (t) { return t.visible === 'legendonly'; })];")
    assert state[0] == "linear" and state[1][1] and not state[1][0]


def test_no_chart_offers_plotlys_cloud(window, shipped):
    for page in ("env.html?env=intel-xeon-cpu", "index.html"):
        at(window, DESKTOP, shipped, page)
        found = window.execute_script("""return Array.from(document.querySelectorAll('.js-plotly-plot')).map(function (c) {
          return [c.className, c._context.showSendToCloud, Array.from(c.querySelectorAll('.modebar-btn')).map(function (b) {
            return b.getAttribute('data-title'); })]; });""")
        assert found and (not page.startswith("env") or any("roofline" in name for name, _send, _titles in found))
        for _name, send, titles in found:
            assert send is False and titles, page  # a modebar, without the button that sends the data to plotly's cloud
            assert not [t for t in titles if "cloud" in t.lower() or "studio" in t.lower() or "share" in t.lower()], titles


def test_the_list_of_devices_draws_nothing_and_loads_no_plotly_and_a_device_page_does(window, shipped):
    at(window, DESKTOP, shipped, "device.html")
    assert window.execute_script("return typeof Plotly") == "undefined"
    assert not window.find_elements("css selector", ".js-plotly-plot")
    at(window, DESKTOP, shipped, "device.html?device=RTX%203090")
    assert window.execute_script("return typeof Plotly") == "object" and window.find_elements("css selector", ".js-plotly-plot")
