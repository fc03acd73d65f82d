"""results.md: leaderboards, speedup vs CPU, and escaping of contributor text."""

from __future__ import annotations

from conftest import record, write

from collect.dataset.loader import discover, load
from collect.present.report import cell, render
from collect.present.summary import summarize


def markdown(folder) -> str:
    return render(summarize(load(discover(folder)).frame), "sub")


def test_cells_are_escaped_and_formulas_inert():
    assert cell("a|b") == "a\\|b"
    assert cell("<script>x</script>") == "&lt;script&gt;x&lt;/script&gt;"
    for dangerous in ("=1+1", "+cmd", "-2", "@SUM(A1)"):
        assert cell(dangerous) == "'" + dangerous
    assert cell("plain") == "plain"


def test_markdown_escapes_names_from_files(results_dir):
    write(results_dir, "test-env-cpu", [record(device_name="=HYPERLINK(x) | <b>GPU</b>")])
    text = markdown(results_dir)
    assert "'=HYPERLINK(x) \\| &lt;b&gt;GPU&lt;/b&gt; (cpu)" in text
    assert "<b>" not in text


def test_leaderboard_takes_median_and_count(results_dir):
    write(results_dir, "test-env-cpu", [record(run_id=f"r{i}", samples_per_s=r) for i, r in enumerate([10.0, 30.0, 20.0])])
    text = markdown(results_dir)
    assert "| mlp-d5-w1024 | train | test-env-cpu | Test CPU (cpu) | torch | fp32 | 64 | 1 | 20 | 64 |  | 3 | measured |" in text


def test_speedup_vs_cpu_for_one_machine(results_dir):
    write(results_dir, "mac-cpu", [record(env="mac-cpu", samples_per_s=100.0)])
    write(results_dir, "mac-mps", [record(env="mac-mps", device_kind="mps", samples_per_s=450.0)])
    write(results_dir, "other-cuda", [record(env="other-cuda", device_kind="cuda", samples_per_s=9000.0)])
    text = markdown(results_dir)
    assert "## Speedup vs CPU" in text
    assert "| mac | mps | torch | mlp-d5-w1024 | train | fp32 | 64 | 100 | 450 | 4.50x |" in text
    assert "other" not in text.split("## Speedup vs CPU")[1]


def test_no_speedup_section_without_pairs(results_dir):
    write(results_dir, "mac-cpu", [record(env="mac-cpu")])
    assert "Speedup" not in markdown(results_dir)
