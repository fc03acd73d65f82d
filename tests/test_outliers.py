"""Like with like: a submission far outside the others of its device and configuration (collect.contract.outliers),
--check's hint for it, and the caveats that depend on other rows (collect.present.crosscheck: outlier, above roof).

The property tests generate devices with several submissions of a configuration, each a few trials with noise: the
honest ones within 10% of their device's rate (trials within 4%), so no band can flag them, and a planted one at 3x,
which no band of such others can hold."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from conftest import examples, record, write
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import plot_results
from collect.contract.outliers import MAD_SCALE, MAD_WIDTH, MIN_RATIO, outliers
from collect.dataset.loader import discover, load
from collect.present import crosscheck, summary
from collect.present.flags import BIT, FLAGS, row_flags
from collect.present.roofline import add_peak_frac

BASE = dict(framework="torch", device_kind="cpu", workload="cnn", mode="infer", precision="fp32", batch_size=16,
            world_size=1, backend="eager", status="ok", source="measured", protocol="devicebench")
NOISE = st.floats(-0.1, 0.1)  # log of an honest submission's level around its device's rate
TRIALS = st.lists(st.floats(-0.04, 0.04), min_size=1, max_size=4)  # log of each trial's factor around that level
ZEN3 = dict(device_name="AMD EPYC", cpu_vendor="AuthenticAMD", cpu_arch="Zen 3", cpu_isa="avx2 fma")
ZEN5 = dict(device_name="AMD EPYC", cpu_vendor="AuthenticAMD", cpu_arch="Zen 5", cpu_isa="avx2 avx512f")


def frame_of(submissions) -> pd.DataFrame:
    """One row per trial of (env, device, model, [rates]) submissions; `device` a dict of columns (no identity column:
    identity_column names it) or a name."""
    out = []
    for env, device, model, rates in submissions:
        named = device if isinstance(device, dict) else {"device": device, "device_name": device}
        out += [{**BASE, **named, "env": env, "model": model, "samples_per_s": rate, "trial": k} for k, rate in enumerate(rates)]
    return pd.DataFrame(out)


@st.composite
def planted(draw):
    """1-3 devices, each with 3-6 honest submissions of one configuration and one at 3x: (frame, the planted envs)."""
    submissions, outlying = [], set()
    for d in range(draw(st.integers(1, 3))):
        rate, honest = draw(st.floats(1e-2, 1e6)), draw(st.integers(3, 6))
        model = draw(st.sampled_from(["resnet50", "bert-base"]))
        for e in range(honest + 1):
            level = rate * (3.0 if e == honest else math.exp(draw(NOISE)))
            submissions.append((f"d{d}-e{e}", f"Device {d}", model, [level * math.exp(t) for t in draw(TRIALS)]))
        outlying.add(f"d{d}-e{honest}")
    return frame_of(submissions), outlying


@st.composite
def scattered(draw):
    """Cells of 1-8 submissions anywhere within e^1.5 of their device's rate: outliers or not, as they fall."""
    submissions = []
    for d in range(draw(st.integers(1, 2))):
        for model in draw(st.lists(st.sampled_from(["resnet50", "bert-base"]), min_size=1, max_size=2, unique=True)):
            rate = draw(st.floats(1e-2, 1e6))
            for e in range(draw(st.integers(1, 8))):
                level = rate * math.exp(draw(st.floats(-1.5, 1.5)))
                spread = draw(st.lists(st.floats(-0.3, 0.3), min_size=1, max_size=4))
                submissions.append((f"d{d}-e{e}", f"Device {d}", model, [level * math.exp(t) for t in spread]))
    return frame_of(submissions)


def named(found: pd.DataFrame) -> set:
    return set(zip(found["env"], found["model"], strict=True))


@settings(max_examples=examples(60))  # DEVICEBENCH_EXAMPLES=N: N random ones (conftest.py)
@given(planted())
def test_a_planted_submission_at_3x_is_named_and_the_honest_ones_are_not(case):
    frame, outlying = case
    found = outliers(frame)
    assert set(found["env"]) == outlying
    assert ((found["ratio"] > 2.5) & (found["others"] >= 3) & (found["rate"] > found["hi"])).all()


@settings(max_examples=examples(60))
@given(planted(), st.floats(1e-6, 1e6), st.randoms(use_true_random=False))
def test_scaling_and_row_order_change_nothing(case, factor, rng):
    frame, _ = case
    order = list(range(len(frame)))
    rng.shuffle(order)
    shuffled = frame.iloc[order].reset_index(drop=True)
    scaled = frame.assign(samples_per_s=frame["samples_per_s"] * factor)
    base = outliers(frame)
    pd.testing.assert_frame_equal(outliers(shuffled), base)
    again = outliers(scaled)
    assert named(again) == named(base)
    assert np.allclose(again["ratio"], base["ratio"], rtol=1e-9) and (again["others"] == base["others"]).all()


@settings(max_examples=examples(60))
@given(scattered(), st.floats(1e-6, 1e6))
def test_scaling_keeps_the_outliers_of_any_data_away_from_the_band_edge(frame, factor):
    every = outliers(frame, every=True)
    margin = np.abs(np.abs(np.log(every["ratio"])) - np.log(every["hi"] / every["others_median"]))
    assume((margin > 1e-6).all())  # exactly on the edge, float rounding decides either way
    scaled = outliers(frame.assign(samples_per_s=frame["samples_per_s"] * factor))
    assert named(scaled) == named(outliers(frame))


def plain_rule(frame: pd.DataFrame) -> pd.DataFrame:
    """The rule written out, one submission at a time: the reference the vectorised one must equal."""
    per = frame.groupby(["device", "model", "env"])["samples_per_s"].agg(["median", "min", "max"]).reset_index()
    out = []
    for _, cell in per.groupby(["device", "model"]):
        for i, row in cell.iterrows():
            others = cell.drop(i)
            if len(others) < 3:
                continue
            logs = np.log(others["median"].to_numpy())
            centre = np.median(logs)
            half = max(MAD_WIDTH * MAD_SCALE * np.median(np.abs(logs - centre)),
                       np.log(others["max"] / others["min"]).max(), np.log(MIN_RATIO))
            out.append({"env": row["env"], "model": row["model"], "others_median": math.exp(centre), "half": half,
                        "widest": np.log(others["max"] / others["min"]).max(), "others": len(others),
                        "outlier": abs(math.log(row["median"]) - centre) > half})
    columns = {"env": object, "model": object, "others_median": float, "half": float, "widest": float, "others": int,
               "outlier": bool}
    return pd.DataFrame(out, columns=list(columns)).astype(columns)


@settings(max_examples=examples(60))
@given(scattered())
def test_the_band_is_the_rule_written_out_and_never_narrower_than_the_trials_spread(frame):
    every = outliers(frame, every=True).sort_values(["env", "model"]).reset_index(drop=True)
    expected = plain_rule(frame).sort_values(["env", "model"]).reset_index(drop=True)
    assert list(every["env"]) == list(expected["env"]) and list(every["model"]) == list(expected["model"])
    assert np.allclose(every["others_median"], expected["others_median"], rtol=1e-9)
    half = np.log(every["hi"] / every["others_median"])
    assert np.allclose(half, expected["half"], rtol=1e-9, atol=1e-12)
    assert np.allclose(np.log(every["others_median"] / every["lo"]), half, rtol=1e-9)  # symmetric on a log scale
    assert (half >= expected["widest"] - 1e-12).all() and (half >= math.log(MIN_RATIO) - 1e-12).all()
    margin = np.abs(np.abs(np.log(every["ratio"])) - half)
    sure = (margin > 1e-9).to_numpy()  # on the edge itself, float rounding decides either way
    assert (every["outlier"].to_numpy()[sure] == expected["outlier"].to_numpy()[sure]).all()
    assert (every["others"] == expected["others"]).all()


@settings(max_examples=examples(40))
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=3), st.floats(1e-2, 1e6))
def test_fewer_than_three_others_is_never_an_outlier(levels, rate):
    frame = frame_of([(f"e{i}", "Device", "resnet50", [rate * math.exp(x)]) for i, x in enumerate(levels)])
    assert outliers(frame).empty and outliers(frame, every=True).empty


@settings(max_examples=examples(40))
@given(st.lists(st.tuples(NOISE, TRIALS), min_size=8, max_size=8), st.floats(1, 1e4))
def test_a_zen_3_and_a_zen_5_epyc_never_compare(levels, rate):
    """Four Zen 3 and four Zen 5 "AMD EPYC" submissions 3x apart, named by identity_column: each device's are alike."""
    submissions = [(f"e{i}", ZEN5 if i >= 4 else ZEN3, "resnet50",
                    [rate * (3 if i >= 4 else 1) * math.exp(x + t) for t in trials]) for i, (x, trials) in enumerate(levels)]
    assert outliers(frame_of(submissions)).empty
    with_generation = outliers(frame_of(submissions), every=True)
    assert set(with_generation["device"]) == {"EPYC (Zen 3, AVX2)", "EPYC (Zen 5, AVX-512)"}


def test_one_device_for_both_would_have_flagged_them():
    """The control of the test above: one generation for all eight, and each half is 3x from the other's median."""
    submissions = [(f"e{i}", ZEN3, "resnet50", [50.0 * (3 if i >= 4 else 1)]) for i in range(8)]
    assert set(outliers(frame_of(submissions))["env"]) == {f"e{i}" for i in range(8)}


def test_only_devicebench_measurements_compare():
    honest = [(f"e{i}", "Device", "resnet50", [50.0 + i]) for i in range(3)]
    frame = frame_of([*honest, ("wild", "Device", "resnet50", [150.0])])
    assert set(outliers(frame)["env"]) == {"wild"}
    assert outliers(frame.assign(protocol=np.where(frame["env"] == "wild", "classic", "devicebench"))).empty
    assert outliers(frame.assign(source=np.where(frame["env"] == "wild", "published", "measured"))).empty
    assert outliers(frame.assign(protocol=np.where(frame["env"] == "e0", "classic", "devicebench"))).empty  # 2 others


def epyc_folder(results_dir, rates=(50, 48, 53, 150)) -> None:
    for i, rate in enumerate(rates):
        env = f"box{i}-cpu"
        write(results_dir, env, [record(env=env, workload="cnn", model="resnet50", mode="infer", batch_size=16,
                                        samples_per_s=rate * f, run_id=f"r{i}-{k}", trial=k, **ZEN5)
                                 for k, f in enumerate((0.98, 1.0, 1.02))])


def test_check_prints_the_outlier_as_a_hint_and_exits_as_before(capsys, results_dir):
    epyc_folder(results_dir, rates=(50, 48, 53))
    assert plot_results.main(["--check", "--results-dir", str(results_dir)]) == 0
    assert "outlier" not in capsys.readouterr().out
    epyc_folder(results_dir.parent / "more", rates=(50, 48, 53, 150))
    assert plot_results.main(["--check", "--results-dir", str(results_dir.parent / "more")]) == 0
    out = capsys.readouterr().out
    path = results_dir.parent / "more" / "results_box3-cpu.csv"
    assert (f"{path}:2: samples_per_s: review: outlier: torch resnet50 infer fp32 bs16 eager on EPYC (Zen 5, AVX-512): "
            "150 samples/s, 3.0x the median 50 of its device's 3 other submissions (band 33.3-75): a reviewer's hint, "
            "not a refusal") in out
    assert out.count("outlier:") == 1 and "4 files: 4 valid, 0 invalid" in out


def test_check_still_fails_an_invalid_file_beside_an_outlier(capsys, results_dir):
    epyc_folder(results_dir)
    (results_dir / "results_broken-cpu.csv").write_text("env\nbroken-cpu\n", encoding="utf-8")
    assert plot_results.main(["--check", "--results-dir", str(results_dir)]) == 1
    assert "outlier:" in capsys.readouterr().out


def summarized(results_dir) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The loaded frame with its device, the aggregate with peak_frac, and cross_bits as summarize computes them."""
    frame = summary.with_device(load(discover(results_dir)).frame)
    agg, found = add_peak_frac(summary.aggregate(frame))
    return frame, agg, crosscheck.cross_bits(frame, agg, found.compute)


def test_the_outlying_envs_rows_carry_the_outlier_bit_and_row_flags_shows_it(results_dir):
    epyc_folder(results_dir)
    frame, _, bits = summarized(results_dir)
    flagged = set(frame.loc[(bits & BIT["outlier"]) > 0, "env"].astype(str))
    assert flagged == {"box3-cpu"} and ((bits & BIT["outlier"]) > 0).sum() == 3  # its three trials
    shown, _ = row_flags(frame.assign(cross_flags=bits))
    assert ((shown & BIT["outlier"]) > 0).sum() == 3
    assert (row_flags(frame)[0] & BIT["outlier"]).sum() == 0  # no cross_flags column: no such bit


def roof_folder(results_dir, device_name: str, own_matmul: float | None = None) -> None:
    """a-cpu measured a matmul at 1 TFLOP/s (and 0.6 at another size); b-cpu, on the same device_name, a decode at
    2 TFLOP/s and a prefill at 0.5, and a matmul of its own at own_matmul where given."""
    def matmul(env, n, tflops):
        return record(env=env, workload="matmul", model=f"matmul-{n}", mode="infer", batch_size=1, device_name=device_name,
                      samples_per_s=tflops * 1e12 / (2 * n**3), flops_per_sample=2.0 * n**3, tflops=tflops)
    write(results_dir, "a-cpu", [matmul("a-cpu", 1024, 1.0), matmul("a-cpu", 512, 0.6)])
    llm = dict(env="b-cpu", workload="llm", model="gpt2-small", batch_size=1, rate_unit="tokens", seq_len=128,
               context_len=640, flops_per_sample=1e9, device_name=device_name)
    write(results_dir, "b-cpu", [record(mode="decode", samples_per_s=2e3, tflops=2.0, **llm),
                                 record(mode="prefill", samples_per_s=5e2, tflops=0.5, **llm),
                                 *([matmul("b-cpu", 256, own_matmul)] if own_matmul else [])])


def above_roof(frame: pd.DataFrame, bits: np.ndarray) -> set:
    """(env, model, mode) of the rows that carry the above-roof bit."""
    hit = (bits & BIT["above roof"]) > 0
    return set(zip(frame["env"].astype(str)[hit], frame["model"].astype(str)[hit], frame["mode"].astype(str)[hit], strict=True))


@pytest.mark.parametrize("own_matmul", [None, 0.25])
def test_a_row_above_its_devices_measured_roof_carries_the_above_roof_bit(results_dir, own_matmul):
    """b-cpu's decode (2 TFLOP/s) is above the best matmul of its device (a-cpu's 1 TFLOP/s), its prefill (0.5) is
    not, whether b-cpu measured no matmul or a slow one of its own (0.25: the roof is still the device's best)."""
    roof_folder(results_dir, "AMD EPYC 7B13", own_matmul)
    frame, agg, bits = summarized(results_dir)
    b = agg[agg["env"] == "b-cpu"].set_index("mode")["peak_frac"]
    assert (b["decode"], b["prefill"]) == (pytest.approx(2.0), pytest.approx(0.5))  # over a-cpu's matmul
    assert above_roof(frame, bits) == {("b-cpu", "gpt2-small", "decode")}
    assert (bits & BIT["outlier"]).sum() == 0


def test_a_cpu_whose_generation_was_not_recorded_keeps_its_own_roof(results_dir):
    """"Test CPU" names no generation ("Test (generation not recorded)"): two such envs may be two generations, so
    b-cpu, which measured no matmul, has no roof to be held against: no peak fraction, no bit."""
    roof_folder(results_dir, "Test CPU")
    frame, agg, bits = summarized(results_dir)
    assert agg.loc[agg["env"] == "b-cpu", "peak_frac"].isna().all()
    assert above_roof(frame, bits) == set()


def test_a_cpu_whose_generation_was_not_recorded_is_never_an_outlier():
    rates = (50.0, 48.0, 53.0, 150.0)
    old = dict(device_name="AMD EPYC")  # no cpu_arch: a file before schema 5
    assert outliers(frame_of([(f"e{i}", old, "resnet50", [rate]) for i, rate in enumerate(rates)])).empty
    assert set(outliers(frame_of([(f"e{i}", ZEN5, "resnet50", [rate]) for i, rate in enumerate(rates)]))["env"]) == {"e3"}


def test_flags_are_appended_so_the_sites_list_keeps_its_bits():
    assert [label for label, _, _ in FLAGS][-3:] == ["published", "outlier", "above roof"]
    assert (BIT["published"], BIT["outlier"], BIT["above roof"]) == (64, 128, 256)


def test_crosscheck_joins_on_the_summarys_configuration():
    assert (*summary.CONFIG, *summary.LENGTHS) == crosscheck.CONFIG
