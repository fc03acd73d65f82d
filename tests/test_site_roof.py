"""The roofline on an env's page, in headless Chromium: the env's measured roofs and its configurations placed by
arithmetic intensity, the same numbers as figures/roofline.png (collect.present.roofline)."""

from __future__ import annotations

import pytest
from conftest import record, write
from test_site import build, visit

from collect.present.site.roof import POINTS

# Under pytest-xdist (make test) each browser module runs in one worker (its sites built once); the modules spread
# over the workers, each worker with one chromium.
pytestmark = pytest.mark.xdist_group("test_site_roof")


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    folder = tmp_path_factory.mktemp("roof") / "results"
    folder.mkdir()
    common = dict(env="box-cpu", mode="infer", batch_size=1)
    write(folder, "box-cpu", [
        record(workload="matmul", model="matmul-1000", samples_per_s=500.0, flops_per_sample=2e9, tflops=1.0, **common),
        record(workload="membw", model="membw-copy-1024", samples_per_s=10e9, rate_unit="bytes", bytes_per_sample=1,
               gb_per_s=10.0, **common),
        record(workload="llm", model="gpt2-small", mode="decode", batch_size=1, samples_per_s=20.0, rate_unit="tokens",
               seq_len=128, context_len=640, flops_per_sample=2.5e8, bytes_per_sample=5e8, tflops=0.005, gb_per_s=10.0,
               env="box-cpu")])
    write(folder, "plain-cpu", [record(env="plain-cpu")])  # no matmul, no membw: no roofline
    return build(folder, folder.parent / "site", downloads=False)


def test_an_env_page_draws_its_roofs_and_points(browser, site):
    visit(browser, site, "env.html?env=box-cpu", charts=True)
    traces = browser.execute_script("""var d = document.querySelector('div.roofline'); return d.data.map(function (t) {
      return {mode: t.mode, name: t.name, x: t.x, y: t.y}; });""")
    roofs = [t for t in traces if t["mode"] == "lines"]
    assert len(roofs) == 1 and roofs[0]["name"] == "fp32: 1 TFLOP/s, 10 GB/s"
    corner = [y for x, y in zip(roofs[0]["x"], roofs[0]["y"], strict=True) if x < 100]  # left of the ridge (100 FLOP/byte)
    assert corner and all(y < 1.0 for y in corner) and max(roofs[0]["y"]) == pytest.approx(1.0)
    points = {(t["name"], x, y) for t in traces if t["mode"] == "markers" for x, y in zip(t["x"], t["y"], strict=True)}
    assert ("llm · torch", 0.5, 0.005) in points  # 2.5e8 FLOPs over 5e8 bytes a token
    # 2 n^3 FLOPs over 3 n^2 fp32 elements: 2000 / 12 FLOP/byte at n = 1000
    assert any(n == "matmul · torch" and x == pytest.approx(2000 / 12) and y == pytest.approx(1.0) for n, x, y in points)
    assert len(points) == 2 <= POINTS  # membw copy sets the roof and is no point


def test_an_env_without_roofs_has_no_roofline(browser, site):
    visit(browser, site, "env.html?env=plain-cpu", charts=True)
    assert browser.find_elements("css selector", "div.roofline") == []
