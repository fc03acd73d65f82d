"""The original wide results_<env>.csv (env rows x depth columns of wall seconds) reads as legacy rows."""

from __future__ import annotations

import pandas as pd

import plot_results
from collect.dataset.loader import load
from collect.present.headline import mlp_rows


def write_legacy(folder, name="results_M1 GPU.csv"):
    # Exactly what the original script wrote: pd.DataFrame({depth: {env: seconds}}).to_csv(..., index=True)
    results = {5: {"M1 GPU": 60.0, "Colab K80": 75.0}, 10: {"M1 GPU": 90.0, "Colab K80": 120.0},
               15: {"M1 GPU": 120.0}, 20: {"M1 GPU": 150.0}}
    path = folder / name
    pd.DataFrame(results).to_csv(path, index=True)
    return path


def test_legacy_file_becomes_tidy_rows(tmp_path):
    loaded = load([write_legacy(tmp_path)])
    assert not loaded.problems
    frame = loaded.frame
    assert len(frame) == 6  # Colab K80 ran only two depths
    m1 = frame[frame["env"] == "m1-gpu"].sort_values("model")
    assert set(m1["source"]) == {"legacy"} and set(m1["framework"]) == {"tensorflow"}
    assert set(m1["device_kind"]) == {"unknown"} and set(m1["mode"]) == {"train"}
    d5 = m1[m1["model"] == "mlp-d5-w1024"].iloc[0]
    assert d5["wall_s"] == 60.0
    assert d5["samples_per_s"] == 3 * 50_000 / 60.0
    assert d5["batch_size"] == 32
    assert d5["device_name"] == "M1 GPU"


def test_legacy_rows_plot_a_third_of_wall_time_per_epoch(tmp_path):
    rows = mlp_rows(load([write_legacy(tmp_path)]).frame)
    k80 = rows[(rows["env"] == "colab-k80") & (rows["depth"] == 10)]
    assert k80["epoch_s"].tolist() == [40.0]
    assert set(rows["style"]) == {"tensorflow (legacy: incl. build)"}


def test_legacy_file_passed_explicitly(tmp_path, results_dir, valid_file, capsys):
    legacy = write_legacy(tmp_path)
    rc = plot_results.main(["--check", "--results-dir", str(results_dir), str(legacy)])
    out = capsys.readouterr().out
    assert rc == 0 and "2 files: 2 valid, 0 invalid; 8 valid rows" in out


def test_bad_legacy_cell_is_named(tmp_path):
    path = tmp_path / "results_old.csv"
    path.write_text(",5,10\nM1,60,slow\n")
    problems = [str(p) for p in load([path]).problems]
    assert problems == [f"{path}:2: 10: must be seconds (a number), but 'slow' was found"]


def test_any_number_of_legacy_files_merge_beside_measured_ones(tmp_path, results_dir, valid_file, capsys):
    # The seed project's own workflow: one wide file per machine, side by side (two of them crashed the plotter).
    (results_dir / "results_colab-k80.csv").write_bytes(b"\xef\xbb\xbf,5,10,15,20\r\nColab K80,75,120,,\r\n")
    (results_dir / "results_kaggle-p100.csv").write_text(",5,10\nKaggle P100,50,80\ntest env cpu,40,\n")  # that env is measured too
    write_legacy(results_dir)
    loaded = load(sorted(results_dir.iterdir()))
    assert not loaded.problems and len(loaded.files_ok) == 4
    assert len(loaded.frame) == 2 + 2 + 3 + 6  # the measured file's two rows, then each legacy file's timings
    assert set(loaded.frame.loc[loaded.frame["source"] == "legacy", "env"]) == {"colab-k80", "kaggle-p100", "test-env-cpu", "m1-gpu"}
    rc = plot_results.main(["--results-dir", str(results_dir), "--out", str(tmp_path / "r.png"), "--markdown", str(tmp_path / "r.md")])
    assert rc == 0, capsys.readouterr().err


def test_legacy_depths_are_whole_numbers_named_once(tmp_path):
    for header, column in ((",5,5.5", "5.5"), (",5,0", "0"), (",5,5", "5")):
        path = tmp_path / "results_old.csv"
        path.write_text(f"{header}\nM1,60,70\n")
        (problem,) = load([path]).problems
        assert (problem.line, problem.column) == (1, column)
