"""write_site: the static results website, a folder that opens from file:// and from GitHub Pages alike.

    index.html            overview: the headline comparisons, interactive (plotly)
    leaderboards.html     the list of leaderboards; board-<workload>-<mode>.html one each
    machines.html         every env; env.html?env=NAME one env's page; compare.html#envs=A,B two to four side by side
    device.html           every device; device.html?device=KEY every submission of one device
    downloads.html        the merged data (downloads/), each env's own CSV file (downloads/env/)
    assets/               plotly.min.js (once for every page), site.js (the files of the package's assets/ folder
                          joined, SCRIPTS order), site.css
    score.html            what the score is made of, and its rankings: one per framework (data/score.js)
    data/                 the payloads the pages read through <script src> (see data.py)

Nothing is fetched from elsewhere. A folder is only ever rewritten if a previous write_site made it (it holds
MARKER); its old data, assets, downloads and pages are removed first, so no stale shard survives.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import collect
from collect.present.site import data, extras
from collect.present.site.encode import safe_json, script
from collect.present.site.overview import overview
from collect.present.site.pages import asset, pages
from collect.present.summary import Summary

MARKER = ".devicebench-site"
OWNED = ("assets", "data", "downloads")  # folders write_site replaces whole; plus its *.html pages
WHAT = {".csv": "CSV, every valid row", ".parquet": "Parquet (pandas, pyarrow, DuckDB, Polars read it), every valid row"}


def plotly_js() -> str:
    """plotly.js as the plotly package bundles it: offline, one copy for the whole site."""
    from plotly.offline import get_plotlyjs

    return get_plotlyjs()


# The site's JavaScript (collect/present/site/assets/*.js), classic scripts joined into one assets/site.js: one
# request, one scope. logic.js first (its functions are the ones node's tests load alone), pages.js last (it starts
# the page once the document is parsed).
SCRIPTS = ("logic.js", "row_logic.js", "table_logic.js", "compare_logic.js", "core.js", "table.js", "views.js", "columns.js",
           "worth.js", "chart_fit.js", "charts.js", "score.js", "tradeoffs.js", "env.js", "roof.js", "standing.js", "device.js",
           "compare.js", "compare_why.js", "compare_page.js", "pages.js")


def site_js() -> str:
    return "".join(f"// ---- {name}\n{asset(name).rstrip()}\n" for name in SCRIPTS)


def prepare(folder: Path) -> None:
    """An empty folder to write into: a new one, an empty one, or the site a previous call wrote (cleared)."""
    if folder.exists() and not folder.is_dir():
        raise ValueError(f"refusing to write the site to {folder}: it is a file")
    if folder.is_dir() and any(folder.iterdir()):
        if not (folder / MARKER).is_file():
            raise ValueError(f"refusing to write the site into {folder}: it holds files and no {MARKER} "
                             "(a folder write_site did not make); choose an empty or new folder")
        for name in OWNED:
            shutil.rmtree(folder / name, ignore_errors=True)
        for page in folder.glob("*.html"):
            page.unlink()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MARKER).write_text("written by devicebench's plot_results.py; rewritten whole on the next run\n", encoding="utf-8")


def place(source: str | os.PathLike, target: str | os.PathLike) -> None:
    """target as a copy of the merged data at source: a hard link where the file system allows one (a merged CSV of
    hundreds of MB costs no copying; export.write_merged replaces the file by renaming a new one onto it, so the
    site's name keeps the data it was built with), else a real copy (another volume, no links)."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def copy_downloads(folder: Path, downloads: dict[str, Path] | None) -> list[dict]:
    """Each download copied to downloads/<name>: [{name, href, bytes, what}]."""
    out = []
    for name, source in (downloads or {}).items():
        target = folder / "downloads" / Path(name).name
        target.parent.mkdir(parents=True, exist_ok=True)
        place(source, target)
        out.append({"name": target.name, "href": f"downloads/{target.name}", "bytes": target.stat().st_size,
                    "what": WHAT.get(target.suffix, "")})
    return out


def copy_env_files(folder: Path, csv_paths: dict[str, Path | list[Path]] | None) -> dict[str, list[str]]:
    """Each env's results files under downloads/env/ (a file shared by several envs, as a legacy file is, once):
    env -> their hrefs. Placed as place() does (a hard link where it can be): the runner never changes a results file
    in place (csvio writes a new file and renames it onto the name), so the site's name keeps the rows it was built
    with. Plain strings, not Paths: 10,000 files are 10,000 links, and pathlib's parsing cost more than the links."""
    target_of: dict[str, str] = {}
    taken: set[str] = set()
    out: dict[str, list[str]] = {}
    copies: list[tuple[str, str]] = []
    into = os.path.join(folder, "downloads", "env")
    for env, paths in (csv_paths or {}).items():
        for path in [paths] if isinstance(paths, (str, os.PathLike)) else paths:
            key = os.path.abspath(path)
            if key not in target_of:
                name = os.path.basename(key)
                stem, suffix = os.path.splitext(name)
                k = 1
                while name in taken:
                    k += 1
                    name = f"{stem}-{k}{suffix}"
                taken.add(name)
                copies.append((key, os.path.join(into, name)))
                target_of[key] = f"downloads/env/{name}"
            out.setdefault(str(env), []).append(target_of[key])
    if copies:
        os.makedirs(into, exist_ok=True)
        for source, target in copies:
            place(source, target)
    return out


def write_raw(folder: Path, summary: Summary, boards: list[dict]) -> None:
    """Each small board's raw rows (every status, every column as loaded) as downloads/board-<id>.csv."""
    for board in boards:
        if "raw" in board:
            frame = summary.frame
            rows = frame[((frame["workload"] == board["workload"]) & (frame["mode"] == board["mode"])).to_numpy(dtype=bool)]
            (folder / "downloads").mkdir(parents=True, exist_ok=True)
            rows.to_csv(folder / board["raw"], index=False)


def write_site(summary: Summary, folder: Path, *, subtitle: str, csv_paths: dict[str, Path | list[Path]] | None = None,
               downloads: dict[str, Path] | None = None, prices: list[dict] | None = None,
               added: dict[str, dict] | None = None, repository: str | None = None) -> Path:
    """Write the website of `summary` (what plot_results.py's summarize() made) into `folder`; returns index.html.

    subtitle: the line under the navigation (plot_results.subtitle: envs, rows, files, dates).
    csv_paths: env -> its results file(s), copied so its page can offer them; None: no such links.
    downloads: file name -> path of the merged data (results.csv, results.parquet), copied to folder/downloads/;
    None: the downloads page says the site was built without them.
    prices: price lines ({device, env, usd, per, source, date, note}) for samples per dollar; None: no prices.
    added: results file name -> {commit, date, subject, pr} of the commit that added it (None: built without git,
    which the pages say); repository: the GitHub address its commits and pull requests link to.
    """
    folder = Path(folder)
    prepare(folder)
    listed = copy_downloads(folder, downloads)
    hrefs = copy_env_files(folder, csv_paths)
    import plotly

    extra = {"subtitle": subtitle, "downloads": listed, "version": collect.__version__, "plotly": plotly.__version__}
    built = data.build(summary, hrefs, extra, prices=prices, added=added, repository=repository)
    built.files["overview.js"] = script("overview", safe_json({**overview(summary, built.site),
                                                               "score": extras.overview_scores(summary.scores),
                                                               "tradeoffs": extras.tradeoffs(built.site, prices)}))
    built.files["score.js"] = script("score", safe_json(extras.score_rankings(summary.scores, extras.SCORE_ROWS)))
    write_raw(folder, summary, built.boards)
    (folder / "data").mkdir()
    for name, text in built.files.items():
        (folder / "data" / name).write_text(text, encoding="ascii")
    (folder / "assets").mkdir()
    (folder / "assets" / "plotly.min.js").write_text(plotly_js(), encoding="utf-8")
    (folder / "assets" / "site.js").write_text(site_js(), encoding="utf-8")
    (folder / "assets" / "site.css").write_text(asset("site.css"), encoding="utf-8")
    for name, text in pages(built.boards, subtitle, listed, extras.score_definition()).items():
        (folder / name).write_text(text, encoding="utf-8")
    return folder / "index.html"
