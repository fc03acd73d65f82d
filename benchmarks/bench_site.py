"""Time the results website: how long write_site takes, how much it weighs, how soon its pages are interactive.

    python benchmarks/bench_site.py                          # the shipped results/ and a 10,000-env synthetic set
    python benchmarks/bench_site.py --shape shipped --screenshots figures   # also figures/site-<kind>-<width>.png
    python benchmarks/bench_site.py --dir /tmp/bench         # keep the synthetic results folder and reuse it

The synthetic set is benchmarks/bench_merge.py's `today` shape: 10,000 files, 1,000,000 rows (written once, not
timed). For each set: load and summarize (what plot_results.py does anyway), then write_site with the merged
data as downloads and every env's CSV file (timed: "site written"), the size of the pages, data and assets apart
from the downloads (the raw rows), and, in headless Chromium, each kind of page's time to interactive: from
navigation start to the page's ready mark (its tables live and the charts in view drawn), cold (a fresh browser,
no cached code) and warm (the page reloaded). The same checks as tests/test_site.py run on each site: every page
kind opens without a console error; a filter changes the row count; a sort orders it; an env link opens its page;
a comparison URL survives a reload.

Targets (issue 15), 10,000 envs and 1,000,000 rows on a 2-core machine: written in under 30 s, under 50 MB,
the largest page interactive within 3 s.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args  # noqa: E402

try:  # requirements-dev.txt, as for tests/test_site.py; main() says so when it is missing
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service
    from selenium.webdriver.support.ui import Select, WebDriverWait
except ImportError:
    webdriver = None

TARGET_S, TARGET_MB, TARGET_TTI = 30.0, 50.0, 3.0
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
RATES = """var k = Array.from(document.querySelectorAll('table.data th')).findIndex(function (th) {
  var b = th.querySelector('button'); return b !== null && b.dataset.key === 'figure'; });
return Array.from(document.querySelectorAll('table.data tbody tr:not(.apart)')).map(function (tr) { return tr.children[k].textContent; });"""


def build(results: Path, out: Path) -> dict:
    """Load, summarize, merge and write the site; the times of each step and what the pages need to know."""
    from dataclasses import asdict

    from collect.dataset import provenance
    from collect.dataset.export import write_merged
    from collect.dataset.loader import discover, load
    from collect.dataset.prices import load_prices
    from collect.present.site import env_files, write_site
    from collect.present.summary import ranked as ranked_rows
    from collect.present.summary import summarize

    t0 = time.perf_counter()
    loaded = load(discover(results))
    t1 = time.perf_counter()
    summary = summarize(loaded.frame)
    t2 = time.perf_counter()
    merged = write_merged(loaded.frame, [out.parent / "merged" / "results.csv", out.parent / "merged" / "results.parquet"])
    t3 = time.perf_counter()
    prices, _problems = load_prices(ROOT / "prices" / "prices.csv")  # as plot_results.py: prices, and each file's commit
    added = provenance.added(results)
    write_site(summary, out, subtitle=f"{loaded.frame['env'].nunique():,} environments · {len(loaded.frame):,} rows",
               csv_paths=env_files(loaded.frame), downloads={p.name: p for p in merged}, prices=[asdict(p) for p in prices],
               added=None if added is None else {k: asdict(v) for k, v in added.items()},
               repository=provenance.repository(results))
    t4 = time.perf_counter()
    configs = summary.agg["env"].value_counts().to_dict()
    # the envs of devicebench's own protocol: a comparison of a measured env with a published one shares nothing
    ranked = summary.agg[ranked_rows(summary.agg).to_numpy(dtype=bool)]["env"].value_counts().to_dict()
    kinds = summary.agg.groupby("env")["device_kind"].nunique().to_dict()
    return {"load": t1 - t0, "summarize": t2 - t1, "merge": t3 - t2, "site": t4 - t3, "rows": len(loaded.frame),
            "configs": configs, "kinds": kinds, "ranked": ranked}


def sizes(site: Path) -> dict:
    files = [p for p in site.rglob("*") if p.is_file()]
    downloads = [p for p in files if p.relative_to(site).parts[0] == "downloads"]
    pages = [p for p in files if p not in set(downloads)]
    biggest = max(pages, key=lambda p: p.stat().st_size)
    return {"site_mb": sum(p.stat().st_size for p in pages) / 1e6, "files": len(pages),
            "downloads_mb": sum(p.stat().st_size for p in downloads) / 1e6, "downloads": len(downloads),
            "biggest": f"{biggest.relative_to(site)} ({biggest.stat().st_size / 1e6:.1f} MB)"}


def page_bytes(site: Path, page: str) -> int:
    """Bytes a page loads: its HTML, the scripts it names, and for an env page the shard it reads."""
    import re

    html = (site / page.split("?")[0].split("#")[0]).read_text()
    total = len(html) + sum((site / src).stat().st_size for src in re.findall(r'src="([^"]+)"', html))
    if page.startswith(("env.html", "compare.html", "device.html")):
        total += max(p.stat().st_size for p in (site / "data").glob("envs-*.js"))
    if page.startswith("device.html"):
        total += max((p.stat().st_size for p in (site / "data").glob("devs-*.js")), default=0)
    if page.startswith("device.html?"):  # a device's page loads plotly with its first chart (charts.js plotlyReady)
        total += (site / "assets" / "plotly.min.js").stat().st_size
    return total


def driver(scratch: Path | None = None):
    """A fresh headless Chromium with a new empty profile (no cache), under `scratch` where given."""
    os.environ["SE_AVOID_STATS"] = "true"  # selenium never reaches for the network
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    profile = tempfile.mkdtemp(prefix="bench-site-", dir=scratch)
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1400,1000",
                 "--hide-scrollbars", f"--user-data-dir={profile}"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    return webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)


def until(d, condition: str, seconds: float = 60):
    return WebDriverWait(d, seconds).until(lambda x: x.execute_script("return " + condition))


def open_page(d, site: Path, page: str, charts: bool = True, reload: bool = False) -> float:
    """Load (or reload) a page, wait for its ready mark (and every chart), fail on a console error; seconds to interactive."""
    if reload:
        d.refresh()
    else:
        d.get(f"file://{site}/{page}")
    until(d, "document.body.dataset.ready === '1'")
    ready = d.execute_script("return window.__readyAt") / 1000
    if charts:
        until(d, "document.body.dataset.charts === 'all' || !document.querySelector('.chart')")
    problems = [e["message"] for e in d.get_log("browser") if e["level"] == "SEVERE"]
    if problems or d.find_elements("css selector", "p.error"):
        raise SystemExit(f"{page}: console errors {problems}")
    return ready


def interactive(site: Path, pages: dict[str, str]) -> dict[str, tuple[float, float]]:
    """(cold, warm) seconds to interactive of each page: a fresh browser each, then the page reloaded."""
    out = {}
    for kind, page in pages.items():
        d = driver()
        try:
            d.get("about:blank")
            cold = open_page(d, site, page)
            warm = open_page(d, site, page, reload=True)
        finally:
            d.quit()
        out[kind] = (cold, warm)
    return out


def count(d) -> int:
    return int(d.find_element("css selector", ".count").get_attribute("data-shown"))


def check(site: Path, pages: dict[str, str]) -> None:
    """tests/test_site.py's checks, on any site: raises SystemExit on the first one that fails."""
    d = driver()
    try:
        for page in ["leaderboards.html", "machines.html", "downloads.html", *pages.values()]:
            open_page(d, site, page)
        open_page(d, site, pages["leaderboard"])
        total = count(d)
        Select(d.find_element("css selector", "select[name=framework]")).select_by_index(1)
        if not 0 < count(d) < total:
            raise SystemExit(f"{pages['leaderboard']}: a framework filter left {count(d)} of {total} rows")
        d.find_element("css selector", "th button[data-key=figure]").click()
        rates = [float(v.replace(",", "")) for v in d.execute_script(RATES)]
        if rates != sorted(rates):
            raise SystemExit(f"{pages['leaderboard']}: sorting by samples/s did not order the rows: {rates[:5]}")
        link = d.find_element("css selector", "table.data tbody a")
        env = link.text
        link.click()
        until(d, "location.pathname.endsWith('env.html') && document.body.dataset.ready === '1'")
        if d.find_element("css selector", "h1").text != env:
            raise SystemExit(f"the leaderboard's link to {env} opened another page")
        open_page(d, site, pages["compare"])
        before = count(d)
        d.refresh()
        until(d, "document.body.dataset.ready === '1'")
        if count(d) != before or not before:
            raise SystemExit(f"{pages['compare']}: {before} shared configurations, {count(d)} after a reload")
    finally:
        d.quit()


WIDTHS = ((1400, 1000), (800, 1000), (390, 844))  # a desktop, a small laptop or tablet, a phone


def shoot(d, target: Path) -> None:
    from PIL import Image

    time.sleep(0.8)  # plotly's resize and the last chart's transition
    d.save_screenshot(str(target))
    Image.open(target).convert("RGB").quantize(colors=128).save(target, optimize=True)
    print(f"  wrote {target}", flush=True)


def screenshots(site: Path, pages: dict[str, str], folder: Path) -> None:
    """The first screen of every kind of page, palette-compressed: site-<kind>-<width>.png at each of WIDTHS, opened
    at another width and resized to it (the layout a reader sees when they turn a phone or narrow a window), and
    site-<kind>-resized-1400.png, opened at 1400 px, narrowed to 390 and widened back (nothing may stay narrow)."""
    folder.mkdir(parents=True, exist_ok=True)
    d = driver()
    try:
        for width, height in WIDTHS:
            for kind, page in pages.items():
                d.set_window_size(1100, height)
                open_page(d, site, page)
                d.set_window_size(width, height)
                shoot(d, folder / f"site-{kind}-{width}.png")
        (wide, height), (narrow, tall) = WIDTHS[0], WIDTHS[-1]
        for kind, page in pages.items():
            d.set_window_size(wide, height)
            open_page(d, site, page)
            d.set_window_size(narrow, tall)
            time.sleep(0.8)  # the charts are drawn again for the phone (chart_fit.js redrawForWidth), then widened back
            d.set_window_size(wide, height)
            shoot(d, folder / f"site-{kind}-resized-{wide}.png")
    finally:
        d.quit()


def busiest_device(site: Path) -> str:
    """The device key with the most envs (then rows): the device page to measure."""
    import json

    text = (site / "data" / "index.js").read_text()
    index = json.loads(text[text.index(",") + 1:-3])
    cols, names = index["devices"]["cols"], index["dict"]["dkey"]

    def column(name):
        c = cols[name]
        return c if isinstance(c, list) else [v for v, k in zip(c["r"][::2], c["r"][1::2], strict=True) for _ in range(k)]
    devices, envs, rows = column("device"), column("envs"), column("rows")
    best = max(range(len(devices)), key=lambda k: (envs[k], rows[k]))
    return names[devices[best]]


def page_set(site: Path, built: dict) -> dict[str, str]:
    """The page of each kind to measure: the overview, the list of leaderboards and the heaviest one, the env with
    the most configurations, a comparison of the two biggest envs of devicebench's own protocol (a published figure
    meets only its own harness's), the envs, the devices and the device with the most envs, the downloads."""
    from urllib.parse import quote

    boards = sorted(site.glob("board-*.html"), key=lambda p: (site / "data" / (p.stem + ".js")).stat().st_size)
    envs = sorted(built["configs"], key=lambda e: (-built["configs"][e], e))
    measured = sorted(built["ranked"], key=lambda e: (-built["ranked"][e], e))  # a comparison ranks one protocol
    pair = measured[:2] if len(measured) > 1 else envs[:2]
    return {"overview": "index.html", "leaderboards": "leaderboards.html", "leaderboard": boards[-1].name,
            "env": f"env.html?env={envs[0]}", "compare": f"compare.html#envs={','.join(pair)}", "machines": "machines.html",
            "devices": "device.html", "device": f"device.html?device={quote(busiest_device(site))}", "downloads": "downloads.html",
            "score": "score.html", "add": "add.html"}


def bench(name: str, results: Path, shots: Path | None) -> bool:
    with tempfile.TemporaryDirectory(prefix="bench-site-") as tmp:
        site = Path(tmp) / "site"
        built = build(results, site)
        size = sizes(site)
        pages = page_set(site, built)
        print(f"[{name}] {len(built['configs']):,} envs, {built['rows']:,} rows: load {built['load']:.1f} s, summarize "
              f"{built['summarize']:.1f} s, merged data {built['merge']:.1f} s (plot_results.py does these anyway); "
              f"site written in {built['site']:.1f} s (copying {size['downloads']:,} downloads included)", flush=True)
        print(f"[{name}] pages, data and assets: {size['site_mb']:.1f} MB in {size['files']:,} files, largest {size['biggest']}; "
              f"downloads (merged CSV + Parquet, each env's CSV): {size['downloads_mb']:.1f} MB", flush=True)
        times = interactive(site, pages)
        for kind, page in pages.items():
            cold, warm = times[kind]
            print(f"[{name}]   {kind:<12} {page:<48} loads {page_bytes(site, page) / 1e6:5.1f} MB: interactive in "
                  f"{cold:.2f} s cold, {warm:.2f} s warm", flush=True)
        check(site, pages)
        print(f"[{name}] browser checks passed: every page kind, filter, sort, env link, comparison reload", flush=True)
        worst = max(cold for cold, _warm in times.values())
        ok = built["site"] < TARGET_S and size["site_mb"] < TARGET_MB and worst < TARGET_TTI
        print(f"[{name}] targets: written < {TARGET_S:.0f} s, < {TARGET_MB:.0f} MB, every page interactive < {TARGET_TTI:.0f} s "
              f"(worst {worst:.2f} s cold): {'met' if ok else 'MISSED'}", flush=True)
        if shots:
            screenshots(site, pages, shots)
    return ok


def synthetic(folder: Path) -> Path:
    if not (folder.is_dir() and any(folder.glob("*.csv"))):
        spec = importlib.util.spec_from_file_location("bench_merge", ROOT / "benchmarks" / "bench_merge.py")
        bench_merge = importlib.util.module_from_spec(spec)  # the sibling script's shapes, loaded from its file
        spec.loader.exec_module(bench_merge)
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        bench_merge.write_shape("today", folder, 10_000, 1_000_000)
        print(f"[synthetic] wrote 10,000 files, 1,000,000 rows in {time.perf_counter() - t0:.0f} s (not timed)", flush=True)
    return folder


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--shape", choices=("shipped", "synthetic", "all"), default="all", help="which results to build a site of")
    parser.add_argument("--dir", type=Path, help="keep the synthetic results folder here and reuse it")
    parser.add_argument("--screenshots", type=Path, help="write site-<kind>-<width>.png of the shipped site here: every kind "
                                                          "of page at 1400, 800 and 390 px wide, and at 1400 after a resize to "
                                                          "390 and back (site-<kind>-resized-1400.png)")
    args = parser.parse_args(cli_args.arguments(argv))
    if webdriver is None or not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        print(f"needs selenium (requirements-dev.txt), {CHROMIUM} and {CHROMEDRIVER} (apt-get install chromium chromium-driver)",
              file=sys.stderr)
        return 2
    results = []
    if args.shape in ("shipped", "all"):
        results.append(bench("shipped", ROOT / "results", args.screenshots))
    if args.shape in ("synthetic", "all"):
        with tempfile.TemporaryDirectory(prefix="bench-site-data-") as tmp:
            results.append(bench("synthetic", synthetic((args.dir or Path(tmp)) / "today-10000"), None))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
