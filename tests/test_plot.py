"""plot_results.py end to end, and the headline figure checked through its drawn artists."""

from __future__ import annotations

import hashlib

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from conftest import record, write

import plot_results
from collect.dataset.loader import discover, load
from collect.present.headline import headline_figure
from collect.present.summary import summarize


def snapshot(folder):
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


def mlp(env, depth, rate, framework="torch", **kw):
    return record(env=env, model=f"mlp-d{depth}-w1024", samples_per_s=rate, framework=framework, **kw)


def cnn(env, mode, rate, model="resnet18", framework="torch", **kw):
    return record(env=env, workload="cnn", model=model, mode=mode, samples_per_s=rate, framework=framework,
                  batch_size=16, **kw)


@pytest.fixture
def dataset(results_dir):
    write(results_dir, "laptop-cpu", [mlp("laptop-cpu", d, 5000 / d) for d in (5, 10)]
          + [cnn("laptop-cpu", "train", 10.0), cnn("laptop-cpu", "infer", 40.0)])
    write(results_dir, "box-cuda", [mlp("box-cuda", d, 50000 / d, device_kind="cuda") for d in (5, 10)]
          + [cnn("box-cuda", "infer", r, device_kind="cuda", run_id=f"r{r}") for r in (900.0, 1000.0, 1100.0)])
    return results_dir


def figure_for(folder):
    return headline_figure(summarize(load(discover(folder)).frame), "subtitle")


def test_main_writes_png_and_markdown_and_leaves_results_untouched(dataset, tmp_path, capsys):
    before = snapshot(dataset)
    out, md = tmp_path / "chart.png", tmp_path / "tables.md"
    rc = plot_results.main(["--results-dir", str(dataset), "--out", str(out), "--markdown", str(md)])
    assert rc == 0
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "| resnet18 | infer | box-cuda |" in md.read_text()
    assert snapshot(dataset) == before


def test_refuses_to_write_inside_results(dataset, capsys):
    before = snapshot(dataset)
    rc = plot_results.main(["--results-dir", str(dataset), "--out", str(dataset / "x.png")])
    assert rc == 1 and "refusing to write" in capsys.readouterr().err
    assert snapshot(dataset) == before


def test_check_writes_nothing(dataset, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert plot_results.main(["--check", "--results-dir", str(dataset)]) == 0
    assert not (tmp_path / "results.png").exists() and not (tmp_path / "results.md").exists()


def test_invalid_file_is_skipped_in_plot_mode(dataset, tmp_path, capsys):
    (dataset / "results_broken.csv").write_text("nonsense\n")
    rc = plot_results.main(["--results-dir", str(dataset), "--out", str(tmp_path / "a.png"),
                            "--markdown", str(tmp_path / "a.md")])
    captured = capsys.readouterr()
    assert rc == 0 and "results_broken.csv" in captured.err


def test_no_valid_rows_exits_1(results_dir, tmp_path, capsys):
    (results_dir / "results_broken.csv").write_text("nonsense\n")
    assert plot_results.main(["--results-dir", str(results_dir), "--out", str(tmp_path / "a.png")]) == 1


def test_panels_titles_and_units(dataset):
    fig = figure_for(dataset)
    titles = [ax.get_title() for ax in fig.axes]
    assert titles[0].startswith("Classic MLP") and "CNN training" in titles[1] and "CNN inference" in titles[2]
    assert fig.axes[0].get_ylabel() == "seconds per epoch (log)" and fig.axes[0].get_yscale() == "log"
    assert fig.axes[2].get_xlabel() == "images/s (higher is better)"
    plt.close(fig)


def test_mlp_panel_draws_one_line_per_env_with_epoch_times(dataset):
    fig = figure_for(dataset)
    ax = fig.axes[0]
    lines = [list(line.get_ydata()) for line in ax.get_lines() if line.get_gid() == "median"]
    # 50,000 samples / (5000/d samples/s) = 10*d s for the laptop; a tenth of that for the box.
    assert sorted(lines) == [pytest.approx([5.0, 10.0]), pytest.approx([50.0, 100.0])]
    plt.close(fig)


def test_bars_show_median_of_repeats_sorted_fastest_first(dataset):
    fig = figure_for(dataset)
    ax = fig.axes[2]  # CNN inference
    widths = [patch.get_width() for patch in ax.patches if patch.get_width() > 0]
    assert widths == [1000.0, 40.0]  # median of 900/1000/1100, then the laptop
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["resnet18 · box-cuda · torch", "resnet18 · laptop-cpu · torch"]
    assert any("n=3" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_env_colour_is_the_same_in_every_panel(dataset):
    fig = figure_for(dataset)
    legend = {t.get_text(): h.get_color() for t, h in zip(fig.axes[0].get_legend().get_texts(),
                                                          fig.axes[0].get_legend().legend_handles, strict=True)}
    ticks = {t.get_text().split(" · ")[1]: t.get_color() for t in fig.axes[2].get_yticklabels()}
    assert set(ticks) == {"box-cuda", "laptop-cpu"}
    for env, colour in ticks.items():
        assert legend[env] == colour
    plt.close(fig)


def test_a_new_env_appears_by_itself(dataset):
    write(dataset, "new-machine-mps", [cnn("new-machine-mps", "infer", 300.0, device_kind="mps")])
    fig = figure_for(dataset)
    labels = [t.get_text() for t in fig.axes[2].get_yticklabels()]
    assert "resnet18 · new-machine-mps · torch" in labels
    plt.close(fig)


def test_many_envs_stay_readable(results_dir):
    for i in range(50):
        env = f"machine-number-{i:02d}-with-a-rather-long-name-cuda"
        write(results_dir, env, [cnn(env, "infer", 100.0 + i)])
    fig = figure_for(results_dir)
    ax = fig.axes[-1]
    assert len(ax.get_yticklabels()) == 50
    assert all(len(line) <= 34 for t in ax.get_yticklabels() for line in t.get_text().split("\n"))
    assert fig.get_figheight() > 50 * 0.25  # bars get room instead of overlapping
    plt.close(fig)


def test_shipped_results_check_and_show_published_rows(capsys):
    from conftest import ROOT

    assert plot_results.main(["--check", "--results-dir", str(ROOT / "results")]) == 0
    fig = figure_for(ROOT / "results")

    def labels(title: str) -> list[str]:
        ax = next(a for a in fig.axes if a.get_title().startswith(title))
        return [t.get_text() for t in ax.get_yticklabels()]

    # Both envs hold published rows only (image benchmark, tf-metal-experiments): each bar is a published row.
    assert "resnet50 · apple-m1-max-mbp14-mps\n· torch" in labels("CNN inference")
    assert "bert-large · apple-m1-max-32c-tf-\nmetal [gpu] · tensorflow · train" in labels("Transformer")
    plt.close(fig)


def test_mlp_line_keeps_one_batch_size_and_classic_rows_get_their_own_style(results_dir):
    from collect.present.headline import mlp_rows

    rows = [mlp("box-cpu", d, 1000.0 / d, batch_size=64, run_id=f"a{d}") for d in (5, 10, 15)]
    rows += [mlp("box-cpu", 5, 5000.0, batch_size=32, run_id="b5")]  # faster, but at one depth only
    rows += [mlp("box-cpu", d, 800.0 / d, batch_size=32, framework="tensorflow", run_id=f"c{d}",
                 note="classic protocol: model.fit 3 epochs") for d in (5, 10)]
    write(results_dir, "box-cpu", rows)
    picked = mlp_rows(load(discover(results_dir)).frame)
    torch_line = picked[picked["style"] == "torch"]
    assert set(torch_line["batch_size"]) == {64} and sorted(torch_line["depth"]) == [5, 10, 15]
    assert set(picked["style"]) == {"torch", "tensorflow (classic: model.fit)"}


def test_both_frameworks_of_one_env_get_their_own_bars(results_dir):
    write(results_dir, "box-cpu", [cnn("box-cpu", "infer", 40.0), cnn("box-cpu", "infer", 30.0, framework="tensorflow")])
    fig = figure_for(results_dir)
    ax = next(a for a in fig.axes if a.get_title().startswith("CNN inference"))
    assert [t.get_text() for t in ax.get_yticklabels()] == ["resnet18 · box-cpu · torch", "resnet18 · box-cpu · tensorflow"]
    plt.close(fig)


def test_a_misspelt_flag_is_an_error_and_writes_nothing(dataset, tmp_path, capsys):
    before = sorted(p.name for p in tmp_path.iterdir())
    with pytest.raises(SystemExit) as exit_:
        plot_results.main(["--chek", "--results-dir", str(dataset)])
    assert exit_.value.code == 2
    assert "plot_results.py: error: unrecognized arguments: --chek" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == before  # no results.png, results.md or figures/ here


def test_a_notebook_kernels_own_arguments_are_not_read_as_flags(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr("sys.argv", ["/venv/ipykernel_launcher.py", "-f", "/run/kernel-1.json"])
    assert plot_results.main() == 1  # the defaults: no results/ folder here, not argparse's exit 2
    assert "no results files" in capsys.readouterr().err


@pytest.fixture
def every_table(results_dir):
    """Rows behind every optional table: scaling, backends, energy and speedup vs CPU."""
    write(results_dir, "node-cuda", [
        record(env="node-cuda", device_kind="cuda", samples_per_s=100.0, run_id="a"),
        record(env="node-cuda", device_kind="cuda", samples_per_s=180.0, world_size=2, distributed="ddp",
               global_batch_size=128, run_id="b", power_w=300.0, energy_method="nvml_energy"),
        *[record(env="node-cuda", device_kind="cuda", workload="cnn", model="resnet18", mode="infer", batch_size=16,
                 backend=b, samples_per_s=r, run_id=f"i-{b}") for b, r in (("eager", 800.0), ("onnxruntime", 1200.0))]])
    write(results_dir, "node-cpu", [record(env="node-cpu", samples_per_s=20.0, power_w=80.0, energy_method="rapl")])
    return results_dir


def test_each_table_is_computed_once_per_plot_run(every_table, tmp_path, monkeypatch):
    from collect.present import summary

    calls = {}

    def counting(name: str, real):
        def counted(*args):
            calls[name] = calls.get(name, 0) + 1
            return real(*args)
        return counted

    for name in ("aggregate", "scaling", "backend_comparison", "efficiency", "speedups"):
        monkeypatch.setattr(summary, name, counting(name, getattr(summary, name)))
    rc = plot_results.main(["--results-dir", str(every_table), "--out", str(tmp_path / "r.png"),
                            "--markdown", str(tmp_path / "r.md"), "--figures", str(tmp_path / "figures")])
    assert rc == 0
    assert sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["backends.png", "power.png", "scaling.png"]
    text = (tmp_path / "r.md").read_text()
    assert all(f"## {t}" in text for t in ("Scaling over devices", "Backends", "Energy efficiency", "Speedup vs CPU"))
    assert calls == {"aggregate": 1, "scaling": 1, "backend_comparison": 1, "efficiency": 1, "speedups": 1}


def column(markdown: str, section: str, header: str) -> list[str]:
    """The cells of one column of the table under `## section`."""
    lines = [line for line in markdown.split(f"## {section}\n")[1].split("\n## ")[0].splitlines() if line.startswith("|")]
    at = [c.strip() for c in lines[0].strip("|").split("|")].index(header)
    return [[c.strip() for c in line.strip("|").split("|")][at] for line in lines[2:]]


def test_figures_and_markdown_show_the_same_numbers(every_table):
    from collect.present.details import backends_figure, power_figure, scaling_figure
    from collect.present.report import numbers, render

    bundle = summarize(load(discover(every_table)).frame)
    text = render(bundle, "sub")

    def drawn(values) -> list[str]:  # as results.md writes them
        return sorted(numbers(pd.Series(list(values), dtype=float)))

    backends = backends_figure(bundle)
    assert drawn(p.get_width() for p in backends.axes[0].patches) == sorted(column(text, "Backends", "samples/s")) == ["1,200", "800"]
    power = power_figure(bundle)
    points = np.concatenate([c.get_offsets() for c in power.axes[0].collections])
    assert drawn(points[:, 0]) == sorted(column(text, "Energy efficiency", "power W")) == ["300", "80"]
    assert drawn(points[:, 1]) == sorted(column(text, "Energy efficiency", "samples/s")) == ["180", "20"]
    scaling = scaling_figure(bundle)
    solid = [y for line in scaling.axes[0].get_lines() if line.get_linestyle() == "-" for y in line.get_ydata()]
    assert drawn(solid) == sorted(column(text, "Scaling over devices", "samples/s")) == ["100", "180"]
    for fig in (backends, power, scaling):
        plt.close(fig)


def test_figures_go_beside_the_chart_and_nothing_lands_where_the_command_line_did_not_point(every_table, tmp_path, monkeypatch):
    work = tmp_path / "elsewhere"
    work.mkdir()
    monkeypatch.chdir(work)  # as when run from the repository on another folder: its own figures/ stays untouched
    out = tmp_path / "site" / "chart.png"
    rc = plot_results.main(["--results-dir", str(every_table), "--out", str(out), "--markdown", str(tmp_path / "site" / "t.md")])
    assert rc == 0 and list(work.iterdir()) == []
    assert sorted(p.name for p in (tmp_path / "site").iterdir()) == ["chart.png", "figures", "site", "t.csv", "t.md", "t.parquet"]


def test_an_unexpected_error_is_one_line_and_v_shows_its_traceback(dataset, tmp_path, monkeypatch, capsys):
    from collect.present import summary

    def broken(frame):
        raise RuntimeError("a bug")

    monkeypatch.setattr(summary, "summarize", broken)
    args = ["--results-dir", str(dataset), "--out", str(tmp_path / "r.png"), "--markdown", str(tmp_path / "r.md")]
    assert plot_results.main(args) == 2
    err = capsys.readouterr().err
    assert "plot_results.py: error: RuntimeError: a bug (-v: traceback)" in err and "Traceback" not in err
    assert plot_results.main(["-v", *args]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and 'raise RuntimeError("a bug")' in err


def test_a_file_named_twice_counts_once_and_an_input_is_never_overwritten(dataset, tmp_path, capsys):
    first = sorted(dataset.iterdir())[0]
    assert plot_results.main(["--check", "--results-dir", str(dataset), str(first)]) == 0
    assert "2 files: 2 valid, 0 invalid; 9 valid rows" in capsys.readouterr().out
    outside = tmp_path / "results_x.csv"
    outside.write_bytes(first.read_bytes().replace(b"box-cuda", b"x").replace(b"laptop-cpu", b"x"))
    before = outside.read_bytes()
    rc = plot_results.main(["--results-dir", str(dataset), str(outside), "--out", str(tmp_path / "r.png"),
                            "--markdown", str(tmp_path / "results_x.md")])  # its merged CSV would be results_x.csv
    assert rc == 1 and "refusing to write" in capsys.readouterr().err and outside.read_bytes() == before


def test_llm_and_membw_rows_stay_off_the_headline_and_it_says_where_they_are(results_dir, tmp_path):
    from test_report import llm_and_membw_rows

    write(results_dir, "box-cpu", [cnn("box-cpu", "infer", 40.0), *llm_and_membw_rows("box-cpu")])
    fig = figure_for(results_dir)
    labels = [t.get_text() for ax in fig.axes for t in ax.get_yticklabels()]
    assert labels and not any("gpt2-small" in t or "membw" in t for t in labels)
    assert {ax.get_xlabel() for ax in fig.axes} <= {"images/s (higher is better)", "TFLOP/s (higher is better)"}
    assert ("Not drawn here, in their own units: language models (tokens/s) and memory bandwidth (GB/s): "
            "results.md and figures/roofline.png") in fig._suptitle.get_text()
    plt.close(fig)
    rc = plot_results.main(["--results-dir", str(results_dir), "--out", str(tmp_path / "r.png"),
                            "--markdown", str(tmp_path / "r.md"), "--figures", str(tmp_path / "figures")])
    assert rc == 0 and sorted(p.name for p in (tmp_path / "figures").iterdir()) == ["matmul.png", "roofline.png"]


def test_the_headline_says_nothing_of_other_units_without_such_rows(dataset):
    fig = figure_for(dataset)
    assert "Not drawn here" not in fig._suptitle.get_text()
    plt.close(fig)
