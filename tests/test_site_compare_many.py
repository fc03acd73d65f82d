"""A comparison of many sides in headless Chromium: five envs of which only some pairs share configurations.

base-cpu and twin-cpu share the MLP and ResNet-50 inference, third-cuda shares ResNet-50 with both and BERT with
fourth-cpu, lone-cpu shares nothing; no configuration is shared by all five. The table shows by default what two or
more of them share, each pair's mean is over what that pair shares, and the picker keeps every side of the link.
Energy: base-cpu and twin-cpu measured by RAPL (the CPU package), third-cuda by NVML (the GPU alone). The browser and
helpers are tests/test_site.py's.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import record, write
from test_site import build, column_text, errors, shown, visit, wait
from test_site_views import headers

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_compare_many")

FIVE = ["base-cpu", "twin-cpu", "third-cuda", "fourth-cpu", "lone-cpu"]
MLP = dict(workload="mlp", model="mlp-d5-w1024", mode="train", batch_size=64)
RESNET = dict(workload="cnn", model="resnet50", mode="infer", batch_size=16)
BERT = dict(workload="transformer", model="bert-base", mode="infer", batch_size=8)


def rapl(joules: float) -> dict:
    return dict(energy_method="rapl", energy_j_per_sample=joules, power_w=60.0)


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("many-sides") / "results"
    folder.mkdir()
    write(folder, "base-cpu", [record(env="base-cpu", device_name="Base CPU", samples_per_s=1000.0, **MLP, **rapl(0.01)),
                               record(env="base-cpu", device_name="Base CPU", samples_per_s=10.0, **RESNET),
                               record(env="base-cpu", device_name="Base CPU", samples_per_s=500.0, **{**MLP, "batch_size": 128})])
    write(folder, "twin-cpu", [record(env="twin-cpu", device_name="Twin CPU", samples_per_s=2000.0, **MLP, **rapl(0.005)),
                               record(env="twin-cpu", device_name="Twin CPU", samples_per_s=40.0, **RESNET)])
    gpu = dict(env="third-cuda", device_kind="cuda", device_name="Some GPU")
    write(folder, "third-cuda", [record(**gpu, samples_per_s=20.0, **RESNET, energy_method="nvml_energy", energy_j_per_sample=0.02,
                                        power_w=300.0),
                                 record(**gpu, samples_per_s=30.0, **BERT)])
    write(folder, "fourth-cpu", [record(env="fourth-cpu", device_name="Fourth CPU", samples_per_s=60.0, **BERT)])
    write(folder, "lone-cpu", [record(env="lone-cpu", device_name="Lone CPU", workload="llm", model="gpt2-small", mode="decode",
                                      batch_size=1, rate_unit="tokens", samples_per_s=5.0)])
    for k in range(2):  # a link of seven: more than fit side by side
        write(folder, f"extra-{k}-cpu", [record(env=f"extra-{k}-cpu", device_name=f"Extra {k}", samples_per_s=100.0 * (k + 1))])
    return build(folder, folder.parent / "site")


def pair_lines(driver) -> dict[tuple[str, str], str]:
    """(first side, second side) -> the text of the pair's summary line."""
    return {(li.get_attribute("data-a"), li.get_attribute("data-b")): li.text
            for li in driver.find_elements("css selector", "ul.speedups li.pair")}


def test_five_sides_show_what_two_or_more_share_by_default_with_blanks_where_a_side_lacks_it(browser, site):
    visit(browser, site, "compare.html#envs=" + ",".join(FIVE), charts=True)
    assert browser.find_element("css selector", "input[name=partial]").is_selected()  # "only some share": the default with five
    assert shown(browser) == (3, 3)  # MLP, ResNet-50, BERT; not base-cpu's batch 128 nor lone-cpu's decode: one side each
    assert sorted(column_text(browser, "model")) == ["bert-base", "mlp-d5-w1024", "resnet50"]
    sides = dict(zip(column_text(browser, "model"), column_text(browser, "sides"), strict=True))
    assert sides == {"mlp-d5-w1024": "2", "resnet50": "3", "bert-base": "2"}  # how many of the five measured each
    by_model = dict(zip(column_text(browser, "model"), zip(*(column_text(browser, f"fig{k}") for k in range(5)), strict=True), strict=True))
    assert by_model["resnet50"] == ("10", "40", "20", "", "")  # a blank cell for each side that lacks it
    assert by_model["bert-base"] == ("", "", "30", "60", "")
    assert "Every configuration two or more of them share" in browser.find_element("id", "comparison").text
    left = browser.find_element("id", "left-out").text
    assert "base-cpu: 1 configuration of its 3 that no other side has" in left and "lone-cpu: 1 configuration of its 1" in left
    assert browser.find_elements("css selector", "#charts .js-plotly-plot") and errors(browser) == []  # bars where base-cpu shares


def test_each_pair_is_compared_on_what_that_pair_shares_and_none_is_said_only_of_pairs_that_share_nothing(browser, site):
    visit(browser, site, "compare.html#envs=" + ",".join(FIVE), charts=True)
    pairs = pair_lines(browser)
    assert pairs[("base-cpu", "twin-cpu")] == "twin-cpu vs base-cpu: 2.83× (geometric mean over 2 configurations they share)"
    assert pairs[("base-cpu", "third-cuda")] == "third-cuda vs base-cpu: 2.00× (geometric mean over 1 configuration they share)"
    assert pairs[("twin-cpu", "third-cuda")] == "third-cuda vs twin-cpu: 0.50× (geometric mean over 1 configuration they share)"
    assert pairs[("third-cuda", "fourth-cpu")] == "fourth-cpu vs third-cuda: 2.00× (geometric mean over 1 configuration they share)"
    assert len(pairs) == 4  # every other pair of the ten shares nothing
    assert [li.get_attribute("data-shared") for li in browser.find_elements("css selector", "ul.speedups li.pair")] == ["2", "1", "1", "1"]
    none = {li.get_attribute("data-side"): li.text for li in browser.find_elements("css selector", "ul.speedups li.none")}
    assert none["base-cpu"].startswith("base-cpu shares no configuration with fourth-cpu, lone-cpu")
    assert none["twin-cpu"] == "twin-cpu shares no configuration with fourth-cpu, lone-cpu"
    assert none["third-cuda"] == "third-cuda shares no configuration with lone-cpu"
    assert none["fourth-cpu"] == "fourth-cpu shares no configuration with lone-cpu"
    assert "lone-cpu" not in none and errors(browser) == []


def test_the_all_share_choice_is_still_there_and_the_pairs_do_not_move_with_it(browser, site):
    visit(browser, site, "compare.html#envs=" + ",".join(FIVE), charts=True)
    before = pair_lines(browser)
    browser.find_element("css selector", "input[name=partial]").click()  # untick: only what all five share
    wait(browser, "location.hash.indexOf('partial=0') >= 0 && document.body.dataset.ready === '1'")
    assert not browser.find_element("css selector", "input[name=partial]").is_selected()
    assert shown(browser) == (0, 0) and pair_lines(browser) == before  # a pair's mean is over what it shares, whatever the view
    assert "that not every other side has" in browser.find_element("id", "left-out").text
    browser.find_element("css selector", "input[name=partial]").click()
    wait(browser, "location.hash.indexOf('partial=0') < 0 && document.body.dataset.ready === '1'")
    assert shown(browser) == (3, 3) and errors(browser) == []


def test_the_picker_shows_every_side_of_the_link_and_the_cap_is_said_not_applied_to_the_link(browser, site):
    visit(browser, site, "compare.html#envs=" + ",".join(FIVE), charts=True)
    boxes = [x.get_attribute("value") for x in browser.find_elements("css selector", "form.picker input")]
    assert boxes == [*FIVE, ""]  # five filled and one to add a sixth
    seven = [*FIVE, "extra-0-cpu", "extra-1-cpu"]
    visit(browser, site, "compare.html#envs=" + ",".join(seven), charts=True)
    boxes = browser.find_elements("css selector", "form.picker input")
    assert [x.get_attribute("value") for x in boxes] == seven  # past the cap: every side of the link kept
    assert "extra-1-cpu (at most 6 sides fit side by side)" in browser.find_element("css selector", "#comparison p.warning").text
    boxes[1].clear()  # the reader drops twin-cpu: the others, the seventh included, stay in the link
    browser.find_element("css selector", "form.picker button").click()
    wait(browser, "location.hash.indexOf('twin-cpu') < 0 && document.body.dataset.ready === '1'")
    six = [s for s in seven if s != "twin-cpu"]
    assert [x.get_attribute("value") for x in browser.find_elements("css selector", "form.picker input")] == six  # all fit: no box to add
    assert browser.find_elements("css selector", "#comparison p.warning") == [] and errors(browser) == []


def test_per_joule_names_its_scope_and_divides_only_figures_of_one_scope(browser, site):
    visit(browser, site, "compare.html#envs=" + ",".join(FIVE) + "&cols=1", charts=True)
    head = headers(browser)
    assert "per joule: base-cpu (CPU package)" in head and "per joule: twin-cpu (CPU package)" in head
    assert "per joule: third-cuda (GPU only)" in head  # beside, never among, the package figures
    ratios = [h for h in head if h.startswith("per joule ×")]
    assert ratios == ["per joule × vs base-cpu (CPU package)"]  # twin-cpu over base-cpu, both RAPL; none for the GPU
    by_model = dict(zip(column_text(browser, "model"), column_text(browser, "perj1-ratio"), strict=True))
    assert by_model["mlp-d5-w1024"] == "2.00×"  # 200 over 100 samples per joule
    assert errors(browser) == []
