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
    # a name beginning with a formula character never gets this far (validation refuses it: test_formula_cells.py);
    # what does is escaped: the table's separator and markup
    write(results_dir, "test-env-cpu", [record(device_name="Bold | <b>GPU</b>")])
    text = markdown(results_dir)
    assert "Bold \\| &lt;b&gt;GPU&lt;/b&gt; (generation not recorded) [cpu]" in text
    assert "<b>" not in text


def test_leaderboard_takes_median_and_count(results_dir):
    write(results_dir, "test-env-cpu", [record(run_id=f"r{i}", samples_per_s=r) for i, r in enumerate([10.0, 30.0, 20.0])])
    text = markdown(results_dir)
    assert "| mlp-d5-w1024 | train | test-env-cpu | Test (generation not recorded) [cpu] | torch | fp32 | 64 | 1 | 20 | 64 |  | 3 | measured |" in text


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


def llm_and_membw_rows(env: str, kind: str = "cpu", scale: float = 1.0) -> list:
    """A matmul roof (1 TFLOP/s), a membw-copy row (10 GB/s) and a gpt2-small decode row (5 tokens/s, 1 GFLOP a token)."""
    return [record(env=env, device_kind=kind, workload="matmul", model="matmul-1000", mode="infer", batch_size=1,
                   samples_per_s=500.0 * scale, flops_per_sample=2e9, tflops=1.0 * scale, run_id="m"),
            record(env=env, device_kind=kind, workload="membw", model="membw-copy-256", mode="infer", batch_size=1,
                   rate_unit="bytes", samples_per_s=10e9 * scale, bytes_per_sample=1, gb_per_s=10.0 * scale,
                   flops_per_sample=0.0, tflops=0.0, run_id="b"),
            record(env=env, device_kind=kind, workload="llm", model="gpt2-small", mode="decode", batch_size=1,
                   rate_unit="tokens", samples_per_s=5.0 * scale, flops_per_sample=1e9, bytes_per_sample=1e9,
                   gb_per_s=5.0 * scale, tflops=0.005 * scale, seq_len=128, context_len=640, run_id="d")]


def header(text: str, section: str) -> list[str]:
    lines = [line for line in text.split(f"## {section}\n")[1].split("\n## ")[0].splitlines() if line.startswith("| ")]
    return [c.strip() for c in lines[0].strip("|").split("|")]


def test_each_leaderboard_names_its_workloads_unit_and_shows_peak_fraction(results_dir):
    write(results_dir, "box-cpu", [record(env="box-cpu", workload="cnn", model="resnet18", samples_per_s=40.0),
                                   *llm_and_membw_rows("box-cpu")])
    text = markdown(results_dir)
    assert "tokens/s" in header(text, "llm") and "samples/s" not in header(text, "llm")
    assert "GB/s" in header(text, "membw") and "samples/s" not in header(text, "membw")
    assert "samples/s" in header(text, "cnn") and "tokens/s" not in header(text, "cnn")
    assert "% of peak" not in header(text, "cnn")  # nothing in it has FLOPs against a roof
    # gpt2-small decode: 128 tokens over a 640-token cache, 5 tokens/s, 0.5% of the 1 TFLOP/s matmul roof
    assert "| gpt2-small | decode | 128 @ 640 | box-cpu | Test (generation not recorded) [cpu] | torch | fp32 | 1 | 1 | 5 | 64 | 0.005 | 0.5% | 1 |" in text
    assert "| membw-copy-256 | infer | box-cpu | Test (generation not recorded) [cpu] | torch | fp32 | 1 | 1 | 10 | 64 | 0 |" in text  # GB/s
    assert "| matmul-1000 | infer | box-cpu | Test (generation not recorded) [cpu] | torch | fp32 | 1 | 1 | 500 | 64 | 1 | 100% | 1 |" in text


def test_tables_of_several_workloads_split_by_unit(results_dir):
    write(results_dir, "mac-cpu", [record(env="mac-cpu", samples_per_s=100.0), *llm_and_membw_rows("mac-cpu")])
    write(results_dir, "mac-mps", [record(env="mac-mps", device_kind="mps", samples_per_s=450.0),
                                   *llm_and_membw_rows("mac-mps", "mps", scale=4.0)])
    section = markdown(results_dir).split("## Speedup vs CPU")[1]
    assert "### samples/s" in section and "### tokens/s" in section and "### bytes/s" in section
    tokens = section.split("### tokens/s")[1].split("###")[0]
    assert "| cpu tokens/s | tokens/s | speedup |" in tokens and "| gpt2-small | decode |" in tokens
    assert "mlp-d5" not in tokens


def test_the_runners_terminal_table_names_each_rows_unit():
    from collect.measure.loop import summary_table

    table = summary_table([record(), *llm_and_membw_rows("box-cpu")])
    lines = table.splitlines()
    assert "1,000.0 samples/s" in lines[2] and "500.0 samples/s" in lines[3]
    assert "10.0 GB/s" in lines[4] and "5.0 tok/s" in lines[5]
