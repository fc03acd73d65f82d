"""The site's commands, units, energy and prices, in headless Chromium: every row's command uses only flags the runner
has and names its device kind and protocol (a Mac's CPU and MPS rows get two commands, a classic model.fit row the
classic suite); a published row links its source and offers the command that measures its configuration here, said
so; a matrix product reads in TFLOP/s and bandwidth in GB/s on every page; a column of mixed units sorts within a
unit; per joule compares one scope of measurement at a time; a board says where prices come from and why a row has
none; a device's version of one row is a dot, not a box; a board of one env does not rank it.

One results folder, written here: a Mac env with CPU and MPS rows, a TensorFlow classic row, a GPU measured with NVML,
a CPU measured with RAPL, a published GPU figure with a stated power and a GitHub reference, two envs of one CPU
(five trials under one torch version, one under another). The browser and helpers are tests/test_site.py's.
"""

from __future__ import annotations

import csv
import io
import shlex
from pathlib import Path
from urllib.parse import quote

import pytest
from conftest import record, write
from test_site import column_text, errors, visit, wait
from test_site_views import blob_text, capture, headers

from collect.dataset.loader import discover, load
from collect.dataset.prices import load_prices
from collect.present.site import env_files, write_site
from collect.present.summary import summarize

pytestmark = pytest.mark.xdist_group("test_site_commands_units")

# "Shared CPU" names no generation: its device identity says so (collect.contract.identity)
SHARED_PAGE = "device.html?device=" + quote("Shared (generation not recorded)")
SOURCE = "owner/harness@abcdef1:results/gpu.csv (row mlp-d5-w1024)"


def matmul(tflops: float, **extra) -> list:
    """A matmul-1024 and a membw row: the first reads in TFLOP/s, the second in GB/s, on every page."""
    n = 1024
    return [record(workload="matmul", model=f"matmul-{n}", mode="infer", batch_size=1, flops_per_sample=2 * n**3,
                   samples_per_s=tflops * 1e12 / (2 * n**3), tflops=tflops, **extra),
            record(workload="membw", model="membw-axpy-1024", mode="infer", batch_size=1, rate_unit="bytes",
                   samples_per_s=tflops * 1e9, **extra)]


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    top = tmp_path_factory.mktemp("commands")
    results = top / "results"
    results.mkdir()
    mac = dict(env="mac", device_name="Apple M1")
    write(results, "mac", [record(**mac, samples_per_s=900.0), record(**mac, device_kind="mps", samples_per_s=4000.0),
                           record(**mac, workload="cnn", model="resnet50", mode="infer", batch_size=16, samples_per_s=80.0)])
    write(results, "tf-classic-gpu", [record(env="tf-classic-gpu", framework="tensorflow", device_kind="gpu", device_name="Apple M1",
                                             batch_size=32, backend="tf_function", protocol="classic", samples_per_s=7000.0,
                                             wall_s=30.0, note="classic protocol: model.fit 3 epochs of 50,000 at batch 32")])
    gpu = dict(env="gpu-nvml", device_kind="cuda", device_name="NVIDIA GeForce RTX 3090", energy_method="nvml_energy")
    write(results, "gpu-nvml", [record(**gpu, samples_per_s=20000.0, energy_j_per_sample=0.002, power_w=40.0),
                                *matmul(30.0, **gpu)])
    cpu = dict(env="cpu-rapl", device_name="Rapl CPU", energy_method="rapl")
    write(results, "cpu-rapl", [record(**cpu, samples_per_s=1000.0, energy_j_per_sample=0.01, power_w=10.0), *matmul(1.0, **cpu)])
    write(results, "paper-gpu", [record(env="paper-gpu", device_kind="cuda", device_name="Paper GPU", source="published",
                                        protocol="some harness", reference=SOURCE, samples_per_s=30000.0, power_w=300.0)])
    shared = dict(device_name="Shared CPU")
    write(results, "shared-a-cpu", [record(env="shared-a-cpu", **shared, framework_version="2.13.0", run_id=f"r{k}",
                                           samples_per_s=100.0 + k) for k in range(5)]
          + [r for k in range(2) for r in matmul(0.5 + k / 10, env="shared-a-cpu", **shared, framework_version="2.13.0", run_id=f"m{k}")])
    write(results, "shared-b-cpu", [record(env="shared-b-cpu", **shared, framework_version="2.14.0", samples_per_s=120.0),
                                    *matmul(0.6, env="shared-b-cpu", **shared, framework_version="2.14.0")])
    prices_file = top / "prices.csv"
    prices_file.write_text("device,env,price_usd,per,source,date,note\nRTX 3090,,1499,unit,NVIDIA launch price,2020-09-01,\n",
                           encoding="utf-8")
    prices, problems = load_prices(prices_file)
    assert not problems
    loaded = load(discover(results))
    out = top / "site"
    write_site(summarize(loaded.frame), out, subtitle="test", csv_paths=env_files(loaded.frame),
               prices=[dict(device=p.device, env=p.env, usd=p.usd, per=p.per, source=p.source, date=p.date, note=p.note) for p in prices])
    return out


def commands(browser) -> list[dict]:
    """Every command cell of the page: its label, its command, its source links and what it says before the command."""
    return browser.execute_script("""return Array.from(document.querySelectorAll('details.reproduce')).map(function (d) {
      var row = d.closest('tr'), model = row ? Array.from(row.children).map(function (td) { return td.textContent; }).join('|') : '';
      return {label: d.querySelector('summary').textContent, command: d.querySelector('input.command').value, row: model,
              links: Array.from(d.querySelectorAll('a')).map(function (a) { return a.getAttribute('href'); }),
              text: d.textContent, csv: d.dataset.csv}; });""")


def parsed(command: str):
    """The command's arguments as the runner parses them: an unknown flag fails here, as it would at a terminal."""
    from collect import cli

    argv = shlex.split(command)
    assert argv[:2] == ["devicebench", "run"], command
    return cli.build_parser().parse_args(argv[2:])


def test_a_macs_cpu_and_mps_rows_get_a_command_each_naming_its_device(browser, site, capsys):
    from collect import cli

    visit(browser, site, "env.html?env=mac#cols=1")
    found = [c for c in commands(browser) if "mlp-d5-w1024" in c["row"]]
    assert len(found) == 2 and {c["label"] for c in found} == {"reproduce"}
    devices = sorted(parsed(c["command"]).device for c in found)
    assert devices == ["cpu", "mps"]
    cpu = next(c["command"] for c in found if parsed(c["command"]).device == "cpu")
    assert cli.main(shlex.split(cpu)[2:] + ["--dry-run"]) == 0  # this machine runs the CPU one: that configuration only
    listed = capsys.readouterr().out
    assert "mlp-d5-w1024 train fp32 bs64 eager" in listed and listed.count("\n  ") == 1
    assert errors(browser) == []


def test_a_classic_row_gets_the_classic_suite_on_its_device(browser, site):
    visit(browser, site, "env.html?env=tf-classic-gpu#cols=1")
    (cell,) = commands(browser)
    assert cell["command"] == "devicebench run --framework tensorflow --device gpu --suite classic"
    args = parsed(cell["command"])
    assert (args.suite, args.device, args.framework) == ("classic", "gpu", "tensorflow")
    assert cell["label"] == "reproduce"


def test_a_published_row_links_its_source_and_is_measured_here_not_reproduced(browser, site):
    visit(browser, site, "board-mlp-train.html#cols=1")
    cells = commands(browser)
    paper = next(c for c in cells if "paper-gpu" in c["row"])
    assert paper["label"] == "measure here" and "measure this configuration here:" in paper["text"]
    assert paper["links"] == ["https://github.com/owner/harness/blob/abcdef1/results/gpu.csv"]
    assert paper["csv"] == "measure here: " + paper["command"] and " --device cuda " in paper["command"]
    args = parsed(paper["command"])
    assert (args.models, args.modes, args.batch_sizes, args.precisions, args.backends) == ("mlp-d5-w1024", "train", "64", "fp32", "eager")
    title = browser.execute_script("return document.querySelector('tr details.reproduce.elsewhere summary').title")
    assert "It cannot reproduce this figure, which some harness measured its own way" in title
    measured = [c for c in cells if "paper-gpu" not in c["row"]]
    assert measured and {c["label"] for c in measured} == {"reproduce"} and all(c["links"] == [] for c in measured)
    titles = browser.execute_script("return Array.from(document.querySelectorAll('table.data th')).map(function (th) { return th.title; })")
    assert any("measure here: for another harness's figure" in t for t in titles)
    capture(browser)
    browser.find_element("css selector", "button.download").click()
    rows = list(csv.DictReader(io.StringIO(blob_text(browser))))
    by_env = {r["env"]: r["command"] for r in rows}
    assert by_env["paper-gpu"] == "measure here: " + paper["command"]  # the download says it too
    assert by_env["gpu-nvml"].startswith("devicebench run --framework torch --device cuda --models ")


def test_per_joule_is_compared_only_within_one_scope_each_named(browser, site):
    visit(browser, site, "board-mlp-train.html#cols=1")
    head = headers(browser)
    assert {"per joule, GPU only", "per joule, CPU package", "per joule, as published"} <= set(head)
    assert "per joule" not in head  # no column that mixes scopes
    envs = column_text(browser, "env")
    gpu, cpu, stated = (dict(zip(envs, column_text(browser, k), strict=True)) for k in ("per_j_gpu", "per_j_cpu", "per_j_stated"))
    assert (gpu["gpu-nvml"], cpu["gpu-nvml"], stated["gpu-nvml"]) == ("500", "", "")  # 1 / 0.002 J, a GPU alone
    assert (gpu["cpu-rapl"], cpu["cpu-rapl"], stated["cpu-rapl"]) == ("", "100", "")  # 1 / 0.01 J, a CPU package
    assert (gpu["paper-gpu"], cpu["paper-gpu"], stated["paper-gpu"]) == ("", "", "100")  # 30,000 / 300 W as published
    hovers = browser.execute_script("""return Array.from(document.querySelectorAll('td span[title^="samples per joule"]'))
      .map(function (s) { return s.title; });""")
    assert "samples per joule, GPU only: NVML energy counter" in hovers
    assert "samples per joule, as published: as published by its source (method: not stated)" in hovers
    visit(browser, site, "index.html", charts=True)  # speed against efficiency: one chart per scope, never two on one axis
    scopes = browser.execute_script("""return Array.from(document.querySelectorAll('.chart.tradeoff[data-kind=joule]'))
      .map(function (d) { return [d.dataset.scope, d.data[0].x.length]; });""")
    assert sorted(scopes) == [["cpu", 1], ["gpu", 1], ["stated", 1]]


def test_a_board_says_where_prices_come_from_and_why_a_row_has_none(browser, site):
    visit(browser, site, "board-mlp-train.html#cols=1")
    note = browser.find_element("css selector", "p.note.prices").text
    assert note.startswith("Per dollar: 1 of 7 environments here has a price. Prices come from prices/prices.csv")
    assert "no line there for itself or its device" in note
    envs, buy = column_text(browser, "env"), column_text(browser, "per_usd")
    by_env = dict(zip(envs, buy, strict=True))
    assert by_env["gpu-nvml"] not in ("", "–") and by_env["cpu-rapl"] == "–"
    why = browser.execute_script("return document.querySelector('span.no-price').title")
    assert why.startswith("no price: prices/prices.csv has no line for its device (")


def test_matmul_reads_in_tflops_and_bandwidth_in_gbs_on_every_page(browser, site):
    visit(browser, site, "env.html?env=cpu-rapl")
    lines = {tr.find_elements("css selector", "td")[0].text: tr.find_elements("css selector", "td")[1].text
             for tr in browser.find_elements("css selector", "#standing tbody tr")}
    matmul_line = next(v for k, v in lines.items() if "matmul-1024" in k)
    membw_line = next(v for k, v in lines.items() if "membw" in k)
    assert matmul_line == "1 TFLOP/s" and membw_line == "1 GB/s"
    near = browser.find_element("css selector", "#standing").text.splitlines()
    assert next(x for x in near if "matmul-1024" in x).endswith("gpu-nvml 30 TFLOP/s shared-b-cpu 0.6 TFLOP/s")  # neighbours too
    assert next(x for x in near if "membw" in x).endswith("gpu-nvml 30 GB/s shared-b-cpu 0.6 GB/s")
    visit(browser, site, SHARED_PAGE, charts=True)
    units = browser.execute_script("""return Array.from(document.querySelectorAll('.chart.strip')).map(function (d) {
      return d.layout.xaxis.title.text; });""")
    assert "TFLOP/s (higher is better)" in units and "GB/s (higher is better)" in units
    assert not any(u.startswith("samples/s") for u in units if "mlp" in u)
    figures = column_text(browser, "figure")
    assert any(f.endswith(" TFLOP/s") for f in figures) and any(f.endswith(" GB/s") for f in figures)


def test_a_column_of_several_units_sorts_within_each_unit(browser, site):
    visit(browser, site, "env.html?env=gpu-nvml")
    for direction in ("desc", "asc"):  # the page's default, then the other way: the units keep their order either way
        wait(browser, "document.body.dataset.ready === '1'")
        cells = [cell.rsplit(" ", 1) for cell in column_text(browser, "figure") if cell]
        units = [unit for _, unit in cells]
        runs = [u for k, u in enumerate(units) if k == 0 or units[k - 1] != u]
        assert runs == ["samples/s", "TFLOP/s", "GB/s"], (direction, units)  # 20,000 samples/s never beside 30 TFLOP/s
        for unit in runs:  # and by value within each unit, in the direction asked
            values = [float(v.replace(",", "")) for v, u in cells if u == unit]
            assert values == sorted(values, reverse=direction == "desc"), (direction, unit, values)
        browser.find_element("css selector", "th button[data-key=figure]").click()


def test_a_devices_version_of_fewer_than_four_rows_is_points_not_a_box(browser, site):
    visit(browser, site, SHARED_PAGE, charts=True)
    traces = browser.execute_script("""return Array.from(document.querySelectorAll('.chart.strip')).map(function (d) {
      return d.data.map(function (t) { return [t.name, t.type, t.x.length]; }); });""")
    mlp = next(t for t in traces if any(x[2] == 5 for x in t))
    assert sorted(mlp) == [["2.13", "box", 5], ["2.14", "scatter", 1]]
    axes = browser.execute_script("return Array.from(document.querySelectorAll('.chart.strip')).map(function (d) { return d.layout.yaxis.type; })")
    assert set(axes) == {"category"}  # a version is a name: "2.13" and "2.14" are two rows, not points on a number line
    assert "fewer rows are drawn as points alone" in browser.find_element("id", "charts").text


def test_a_board_of_one_env_says_so_and_ranks_nothing(browser, site):
    visit(browser, site, "board-cnn-infer.html")
    lead = browser.find_element("css selector", "p.lead").text
    assert lead.startswith("Not a ranking: one environment measured this: nothing to rank it against yet.")
    ranks = browser.execute_script("return Array.from(document.querySelectorAll('table.data tbody tr td:first-child')).map(function (td) { return td.textContent; })")
    assert ranks == ["–"]
    visit(browser, site, "board-mlp-train.html")
    assert browser.execute_script("return document.querySelector('table.data tbody tr td:first-child').textContent") == "1"
    visit(browser, site, "leaderboards.html")
    item = next(li.text for li in browser.find_elements("css selector", "main li") if li.text.startswith("cnn · infer"))
    assert item.endswith("(one environment measured this: nothing to rank it against yet)")
