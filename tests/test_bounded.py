"""Every output is bounded whatever the number of envs: each figure draws a bounded number of marks and labels
(the same bound for 10 and for 5,000 envs, saying "N of M shown" when it leaves some out), results.md holds
bounded tables, and the full data is one download away (the merged CSV and Parquet beside results.md)."""

from __future__ import annotations

import csv
import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest
from matplotlib.text import Text

import plot_results
from collect.contract.record import FIELDS, make_record, to_row
from collect.dataset.loader import discover, load
from collect.present.details import backends_figure, matmul_figure, power_figure, roofline_figure, scaling_figure
from collect.present.headline import headline_figure
from collect.present.report import MAX_ROWS, render
from collect.present.summary import summarize

# Under pytest-xdist (make test) this module runs in one worker: the 5,000-env figures (`drawn`) are drawn once.
pytestmark = pytest.mark.xdist_group("bounded")

FIGURES = {"headline": lambda s: headline_figure(s, "subtitle"), "matmul": matmul_figure, "scaling": scaling_figure,
           "backends": backends_figure, "power": power_figure, "roofline": roofline_figure}
# The most any figure may draw, whatever the data: artists, points (scatter offsets and line vertices), texts.
# (Measured at 5,000 envs: the headline 2,948 artists, 2,497 points, 933 texts; the detail figures far fewer.)
BOUND = {"artists": 4000, "points": 4000, "texts": 1200}


def row_kinds(kind: str) -> list[tuple[dict, float]]:
    """(row, rate factor) for one env of a device kind: enough rows for every figure: MLP depths, CNN train and
    infer, a transformer, a matmul sweep, 1 and 2 devices, two backends at batch 1 and 16, power figures, and the
    roofline's: a membw row (the bandwidth roof) and llm prefill and decode rows (its points)."""
    base = dict(framework="torch", device_kind=kind, platform="local", timestamp_utc="2026-11-22T05:00:00+00:00",
                precision="fp32", mode="train", batch_size=16)
    rows = [(dict(workload="mlp", model=f"mlp-d{d}-w1024"), 1 / d) for d in (5, 10, 15, 20)]
    rows += [(dict(workload="cnn", model="resnet50", power_w=60.0, energy_method="rapl"), 1.0),
             (dict(workload="cnn", model="resnet50", world_size=2, distributed="ddp"), 1.8),
             (dict(workload="transformer", model="bert-base"), 1 / 3)]
    rows += [(dict(workload="matmul", model=f"matmul-{n}", mode="infer", batch_size=1), 1 / n) for n in (512, 1024)]
    rows += [(dict(workload="cnn", model="resnet18", mode="infer", batch_size=b, backend=be), b * f)
             for b in (1, 16) for be, f in (("eager", 1.0), ("onnxruntime", 1.4))]
    rows += [(dict(workload="membw", model="membw-copy-256", mode="infer", batch_size=1, rate_unit="bytes",
                   bytes_per_sample=1, flops_per_sample=0.0), 1e7)]
    rows += [(dict(workload="llm", model="gpt2-small", mode=m, batch_size=1, rate_unit="tokens", flops_per_sample=f,
                   bytes_per_sample=b), r) for m, f, b, r in (("prefill", 2.9e8, 5e5, 8.0), ("decode", 2.6e8, 5e8, 0.2))]
    return [({**base, **row}, factor) for row, factor in rows]


TEMPLATES = {kind: [(to_row(make_record(env="x", run_id="x", samples_per_s=1.0, **row)), factor) for row, factor in row_kinds(kind)]
             for kind in ("cpu", "cuda", "mps")}


def env_rows(env: str, i: int) -> list[dict]:
    """The rows of env number i: its device kind's templates with its own name and rates."""
    rate = 100.0 + (i * 7919) % 5000
    out = []
    for template, factor in TEMPLATES[("cpu", "cuda", "mps")[i % 3]]:
        row = {**template, "env": env, "device_name": f"Device {i}", "run_id": f"r{i}", "samples_per_s": repr(rate * factor)}
        if row["batch_size"] == "1" and row["workload"] == "cnn":
            row["step_ms_median"], row["step_ms_p99"] = repr(1000 / (rate * factor)), repr(2000 / (rate * factor))
        if row["power_w"]:
            row["power_w"] = repr(50.0 + i % 300)
        out.append(row)
    return out


def results_folder(folder, envs: int):
    folder.mkdir()
    for i in range(envs):
        env = f"machine-{i:05d}-with-a-long-name"
        buf = io.StringIO()
        writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(env_rows(env, i))
        (folder / f"results_{env}.csv").write_text(buf.getvalue(), encoding="utf-8")
    return folder


def counts(fig) -> dict[str, int]:
    artists = fig.findobj()
    points = sum(len(a.get_offsets()) for a in artists if hasattr(a, "get_offsets") and not isinstance(a, Text))
    points += sum(len(a.get_xdata()) for a in artists if hasattr(a, "get_xdata"))
    texts = sum(1 for a in artists if isinstance(a, Text) and a.get_text())
    return {"artists": len(artists), "points": points, "texts": texts}


def titles(fig) -> str:
    return " ".join([fig._suptitle.get_text() if fig._suptitle else ""] + [ax.get_title() for ax in fig.axes])


@pytest.fixture(scope="module")
def drawn(tmp_path_factory):
    """Counts and titles of every figure, and results.md, for 10 and for 5,000 envs."""
    out = {}
    for envs in (10, 5000):
        summary = summarize(load(discover(results_folder(tmp_path_factory.mktemp("r") / "results", envs))).frame)
        for name, draw in FIGURES.items():
            fig = draw(summary)
            fig.canvas.draw()  # the ticks and labels as they are drawn
            out[envs, name] = counts(fig), titles(fig)
            plt.close(fig)
        out[envs, "md"] = render(summary, "sub", ("results.csv", "results.parquet"))
    return out


@pytest.mark.parametrize("name", FIGURES)
def test_each_figure_draws_the_same_bounded_number_of_marks_for_10_and_5000_envs(drawn, name):
    (small, _), (large, title) = drawn[10, name], drawn[5000, name]
    for what, most in BOUND.items():
        assert small[what] <= most and large[what] <= most, (name, what, small, large)
    assert " of 5,000 " in title or " of 10,000 " in title, title  # "N of M shown" says what is left out
    if name == "roofline":  # a panel per env: 6 of them, so 10 envs are already more than it draws
        assert "(6 of 10 envs shown" in drawn[10, name][1]
    else:
        assert "shown" in title and "shown" not in drawn[10, name][1]


def test_results_md_holds_bounded_tables_and_links_the_full_data(drawn):
    small, large = drawn[10, "md"], drawn[5000, "md"]
    # 5,000 envs: about what 10 envs take; at most MAX_ROWS rows in each of the dozen tables (llm and membw among them)
    assert len(large) < 3 * len(small) + 20_000 and len(large) < 80_000
    tables = [block for block in large.split("\n## ")[1:]]
    for block in tables:
        assert sum(1 for line in block.splitlines() if line.startswith("| ")) <= MAX_ROWS + 1  # the header row too
    assert "of 5,000 rows shown" in large or "rows shown" in large
    assert "[results.csv](results.csv)" in large and "[results.parquet](results.parquet)" in large


def test_the_merged_data_beside_results_md_holds_every_valid_row(tmp_path):
    folder = results_folder(tmp_path / "results", 30)
    rc = plot_results.main(["--results-dir", str(folder), "--out", str(tmp_path / "out" / "r.png"),
                            "--markdown", str(tmp_path / "out" / "r.md")])
    assert rc == 0
    merged = pd.read_csv(tmp_path / "out" / "r.csv")
    assert len(merged) == 30 * len(env_rows("x", 0)) and list(merged.columns) == [*FIELDS, "file", "line"]
    assert merged["batch_size"].dtype.kind == "i"  # whole numbers stay whole
    parquet = pd.read_parquet(tmp_path / "out" / "r.parquet")
    assert len(parquet) == len(merged)
    assert sorted(p.name for p in (tmp_path / "out" / "figures").iterdir()) == ["backends.png", "matmul.png", "power.png",
                                                                                "roofline.png", "scaling.png"]
