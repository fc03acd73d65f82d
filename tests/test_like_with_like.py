"""Like with like: a row's protocol and its device's generation decide what it is ranked with.

Through the real loader, validator, summary, results.md, results.png and the runner's standing lines: a published
figure of another harness is a reference, never a rank; two "AMD EPYC" envs of two generations are two devices.
"""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
from conftest import record, write

import plot_results
from collect.contract.devices import identity
from collect.contract.identity import identity_column
from collect.contract.record import protocol_of
from collect.dataset.loader import discover, load
from collect.present import standing
from collect.present.headline import headline_figure
from collect.present.report import render
from collect.present.score import device_scores
from collect.present.summary import summarize

ZEN3 = dict(device_name="AMD EPYC", cpu_vendor="AuthenticAMD", cpu_family=25, cpu_model=1, cpu_arch="Zen 3",
            cpu_isa="avx avx2 fma")
ZEN5 = dict(device_name="AMD EPYC", cpu_vendor="AuthenticAMD", cpu_family=26, cpu_model=2, cpu_arch="Zen 5",
            cpu_isa="avx avx2 fma avx512f avx512_bf16 avx512_vnni")
CNN = dict(workload="cnn", model="resnet50", mode="infer", batch_size=16)


def loaded(folder):
    return load(discover(folder))


def test_protocol_of_older_rows():
    assert protocol_of("measured", "noisy: IQR 12%") == "devicebench"
    assert protocol_of("measured", "classic protocol: model.fit 3 epochs") == "classic"
    assert protocol_of("legacy") == "legacy" and protocol_of("published", "input pipeline") == "published"
    assert protocol_of("published", "", "tf_cnn_benchmarks") == "tf_cnn_benchmarks"


def test_the_loader_fills_the_protocol_of_rows_that_state_none(results_dir):
    write(results_dir, "a-cpu", [record(env="a-cpu"), record(env="a-cpu", run_id="c", note="classic protocol: model.fit"),
                                 record(env="a-cpu", run_id="p", source="published", note="input pipeline bound"),
                                 record(env="a-cpu", run_id="t", source="published", protocol="tf_cnn_benchmarks")])
    frame = loaded(results_dir).frame
    assert list(frame["protocol"].astype(str)) == ["devicebench", "classic", "published", "tf_cnn_benchmarks"]


@pytest.mark.parametrize("source, protocol, reason", [
    ("measured", "tf_cnn_benchmarks", "protocol: must be one of ('devicebench', 'classic') for measured rows"),
    ("published", "devicebench", "protocol: of a published row names the harness that produced it, not 'devicebench'"),
    ("published", "bad;name", "protocol: must be a harness's name"),
])
def test_a_protocol_that_does_not_fit_its_source_is_named_at_its_line(results_dir, capsys, source, protocol, reason):
    write(results_dir, "a-cpu", [record(env="a-cpu"), record(env="a-cpu", run_id="x", source=source)])
    path = results_dir / "results_a-cpu.csv"
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("protocol")] = protocol
    path.write_text("\n".join([lines[0], lines[1], ",".join(cells)]) + "\n")
    assert plot_results.main(["--check", "--results-dir", str(results_dir)]) == 1
    captured = capsys.readouterr()
    err = captured.out + captured.err
    assert f"results_a-cpu.csv:3: {reason}" in err and "Traceback" not in err


def test_a_cpu_name_without_a_model_number_carries_its_generation():
    assert identity("EPYC", "cpu", "Zen 3", "avx2 fma") == "EPYC (Zen 3, AVX2)"
    assert identity("EPYC", "cpu", "Zen 5", "avx2 avx512f") == "EPYC (Zen 5, AVX-512)"
    assert identity("EPYC", "cpu") == "EPYC (generation not recorded)"
    assert identity("Xeon", "cpu", "unknown", "avx2 avx512f amx_tile", 6, 167) == "Xeon (family 6 model 167, AMX)"
    # a model number names the generation already; an accelerator's name is its chip
    assert identity("EPYC 7B13", "cpu", "Zen 3", "avx2") == "EPYC 7B13" and identity("RTX 3090", "cuda") == "RTX 3090"


def test_two_generations_of_one_name_are_two_devices_everywhere(results_dir):
    write(results_dir, "zen3-cpu", [record(env="zen3-cpu", samples_per_s=20.0, **ZEN3, **CNN)])
    write(results_dir, "zen5-cpu", [record(env="zen5-cpu", samples_per_s=60.0, **ZEN5, **CNN)])
    write(results_dir, "old-cpu", [record(env="old-cpu", samples_per_s=50.0, device_name="AMD EPYC", **CNN)])
    frame = loaded(results_dir).frame
    devices = dict(zip(frame["env"].astype(str), identity_column(frame).astype(str), strict=True))
    assert devices == {"zen3-cpu": "EPYC (Zen 3, AVX2)", "zen5-cpu": "EPYC (Zen 5, AVX-512)",
                       "old-cpu": "EPYC (generation not recorded)"}
    summary = summarize(frame)
    assert set(summary.agg["device"].astype(str)) == set(devices.values())
    text = render(summary, "subtitle")
    assert "EPYC (Zen 3, AVX2) [cpu]" in text and "EPYC (Zen 5, AVX-512) [cpu]" in text


def test_device_scores_keep_generations_apart():
    import pandas as pd

    table = pd.DataFrame({"env": ["a", "b"], "device_kind": "cpu", "framework": "torch", "device_name": "AMD EPYC",
                          "device": ["EPYC (Zen 3, AVX2)", "EPYC (Zen 5, AVX-512)"], "score": [737.0, 1000.0]})
    assert list(device_scores(table)["device"]) == ["EPYC (Zen 5, AVX-512)", "EPYC (Zen 3, AVX2)"]


@pytest.fixture
def with_a_published_figure(results_dir):
    write(results_dir, "laptop-cpu", [record(env="laptop-cpu", samples_per_s=310.0, **CNN)])
    write(results_dir, "box-cpu", [record(env="box-cpu", samples_per_s=90.0, **CNN)])
    write(results_dir, "gpu-cuda", [record(env="gpu-cuda", device_kind="cuda", device_name="NVIDIA GeForce RTX 3090",
                                           source="published", samples_per_s=107.0, run_id="published:x",
                                           reference="image_benchmark.py logs", timestamp_utc="2022-07-18",
                                           note="input pipeline bound (preprocessing on one CPU core)", **CNN)])
    return results_dir


def test_results_md_ranks_measured_rows_and_lists_published_ones_as_references(with_a_published_figure):
    text = render(summarize(loaded(with_a_published_figure).frame), "subtitle")
    section = text[text.index("## cnn"):]
    ranked, references = section.split("### cnn: references")
    assert "laptop-cpu" in ranked and "box-cpu" in ranked and "gpu-cuda" not in ranked
    assert "gpu-cuda" in references and "| published |" in references and "not ranked" in references


def test_results_png_draws_references_below_the_ranking_hatched(with_a_published_figure):
    fig = headline_figure(summarize(loaded(with_a_published_figure).frame), "subtitle")
    (ax,) = [a for a in fig.axes if a.get_title().startswith("CNN inference")]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    # the published 107 is faster than box-cpu's 90, but it is drawn after every ranked bar, never between them
    assert [label.split(" · ")[1] for label in labels] == ["laptop-cpu", "box-cpu", "gpu-cuda"]
    hatched = [p for p in ax.patches if p.get_hatch()]
    assert [round(p.get_width()) for p in hatched] == [107]
    assert any("published, 2022-07-18, input pipeline" in t.get_text() for t in ax.texts)
    plt.close(fig)


def test_where_a_run_sits_never_counts_a_published_figure(with_a_published_figure):
    summary = summarize(loaded(with_a_published_figure).frame)
    table = standing.standings(summary.agg)
    assert set(table["env"]) == {"laptop-cpu", "box-cpu"}
    box = table[table["env"] == "box-cpu"].iloc[0]
    assert (box["slower"], box["others"], box["above_env"]) == (0, 1, "laptop-cpu")


def test_a_published_best_matmul_without_a_memory_size_is_the_roof_of_both_memory_variants():
    import pandas as pd

    from collect.present.roofline import compute_roofs

    agg = pd.DataFrame({"env": ["mamf", "mine-40", "mine-80"], "device_kind": "cuda",
                        "device": ["A100-SXM4", "A100-SXM4-40GB", "A100-SXM4-80GB"],
                        "workload": ["matmul", "cnn", "cnn"], "model": ["matmul-4096", "resnet50", "resnet50"],
                        "precision": "bf16", "rate": [1.0, 100.0, 100.0], "tflops": [271.2, 120.0, 130.0]})
    roofs = compute_roofs(agg).set_index("env")["peak_tflops"]
    assert roofs["mine-40"] == roofs["mine-80"] == 271.2


def test_results_md_flags_a_figure_above_its_devices_roof_where_it_shows_it(results_dir):
    mm = dict(workload="matmul", model="matmul-1024", mode="infer", batch_size=1)
    write(results_dir, "a-cpu", [record(env="a-cpu", samples_per_s=100.0, tflops=0.2, **ZEN5, **mm),
                                 record(env="a-cpu", run_id="r2", samples_per_s=10.0, tflops=0.3, **ZEN5, **CNN),
                                 record(env="a-cpu", run_id="r3", samples_per_s=5.0, tflops=0.1, **ZEN5,
                                        **dict(CNN, mode="train"))])
    text = render(summarize(loaded(results_dir).frame), "subtitle")
    assert "| 150% (above roof) |" in text and "| 50% |" in text
