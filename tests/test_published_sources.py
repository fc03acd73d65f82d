"""The published rows of tools/published/ are what their sources say, traced to the vendored cell (issue 32).

Every row that `python -m tools.published` writes to results/ is held against the excerpt under third_party/ that
its `reference` names, parsed here with plain csv / re / line scanning, not with the readers' code; a planted change
of one figure (in an excerpt or in a results file) makes that check fail; the readers reproduce the shipped files
byte for byte; every row carries a licence and an owner/repo@commit:path reference of an openly licensed source, the
ShareAlike rows live in files of their own, and the files pass `plot_results.py --check`.
"""

from __future__ import annotations

import csv
import math
import re
import shutil
import statistics
from pathlib import Path

import pandas as pd
import pytest

import plot_results
from collect.contract.devices import device_key
from collect.present.roofline import matmul_size
from tools.published import __main__ as published_cli
from tools.published.common import driver_name

ROOT = Path(__file__).resolve().parent.parent
RESULTS, THIRD_PARTY = ROOT / "results", ROOT / "third_party"
REFERENCE = re.compile(r"^(?P<repo>[\w.-]+/[\w.-]+)@(?P<commit>[0-9a-f]{40}):(?P<path>.+?) \((?P<part>.+)\)$")
# repository -> (the excerpt folder under third_party/, the SPDX licences its rows may carry)
OPEN = {
    "huggingface/pytorch-image-models": ("pytorch-image-models", {"Apache-2.0"}),
    "LambdaColdStorage/lambda-tensorflow-benchmark": ("lambda-tensorflow-benchmark", {"BSD-3-Clause"}),
    "stas00/ml-engineering": ("ml-engineering", {"CC-BY-SA-4.0"}),
    "NVIDIA/DeepLearningExamples": ("DeepLearningExamples", {"Apache-2.0", "BSD-3-Clause"}),
    "ryujaehun/pytorch-gpu-benchmark": ("pytorch-gpu-benchmark", {"MIT"}),
}
# Sources without an open licence (../shared/published-sources.md): cited in the docs, never imported.
CITE_ONLY = ("lambdal/deeplearning-benchmark", "mrdbourke/mac-ml-speed-test", "ggml-org/llama.cpp",
             "lucadiliello/pytorch-apple-silicon-benchmarks", "u39kun/deep-learning-benchmark",
             "XiongjieDai/GPU-Benchmarks-on-LLM-Inference", "geerlingguy/ai-benchmarks", "TensorFlow2/LanguageModeling",
             "developer.nvidia.com/deep-learning-performance")
TIMM_MODELS = {"resnet18": "resnet18", "resnet50": "resnet50", "mobilenet_v2": "mobilenetv2_100",
               "mobilenet_v3_large": "mobilenetv3_large_100"}


def close(a: float, b: float) -> bool:
    return math.isclose(float(a), float(b), rel_tol=1e-12, abs_tol=1e-12)


def shipped_files() -> list[Path]:
    """The results files tools/published writes (one per env of its sources)."""
    return sorted(RESULTS / f"results_{env}.csv" for env in published_cli.all_records())


def rows_of(paths) -> list[dict[str, str]]:
    out = []
    for path in paths:
        with open(path, encoding="utf-8", newline="") as fh:
            out += [{**row, "_file": path.name} for row in csv.DictReader(fh)]
    return out


# ---- each source's cell, found by plain parsing of its excerpt ----

def timm_cell(row, ref, root) -> list[str]:
    path = root / "pytorch-image-models" / ref["path"]
    with open(path, encoding="utf-8", newline="") as fh:
        lines = list(csv.DictReader(fh))
    mode = row["mode"]
    match = [c for c in lines if c["model"] == TIMM_MODELS[row["model"]] and c[f"{mode}_img_size"] == "224"]
    if len(match) != 1:
        return [f"{ref['path']}: {len(match)} lines of {row['model']} at 224 px"]
    cell = match[0]
    problems = []
    if not close(row["samples_per_s"], float(cell[f"{mode}_samples_per_sec"])):
        problems.append(f"samples_per_s {row['samples_per_s']} != cell {cell[f'{mode}_samples_per_sec']}")
    if int(row["batch_size"]) != int(float(cell[f"{mode}_batch_size"])):
        problems.append(f"batch_size {row['batch_size']} != cell {cell[f'{mode}_batch_size']}")
    return problems


def lambda_cell(row, ref, root) -> list[str]:
    text = (root / "lambda-tensorflow-benchmark" / "logs.txt").read_text(encoding="utf-8")
    start = text.find(f"### {ref['path']} ")
    if start < 0:
        return [f"no section {ref['path']} in logs.txt"]
    body = text[start:].split("\n### ", 1)[0]
    total = re.findall(r"^total images/sec: ([\d.]+)$", body, re.M)
    batch = re.search(r"/resnet50-(\d+)/throughput/1$", ref["path"]).group(1)
    problems = [] if len(total) == 1 and close(row["samples_per_s"], float(total[0])) else [
        f"samples_per_s {row['samples_per_s']} != log's total images/sec {total}"]
    if row["batch_size"] != batch or f"Batch size:  {batch} global" not in body:
        problems.append(f"batch_size {row['batch_size']} != the log's {batch}")
    return problems


def mamf_cell(row, ref, root) -> list[str]:
    name = ref["part"].rsplit("row ", 1)[1]
    lines = [line for line in (root / "ml-engineering" / "mamf-table.md").read_text(encoding="utf-8").splitlines()
             if line.startswith(f"| {name} ")]
    bf16 = lines[0].split("|") if lines else []
    if len(lines) != 1:
        return [f"{len(lines)} lines for {name} in the BF16 table"]
    problems = [] if close(row["tflops"], float(bf16[2])) else [f"tflops {row['tflops']} != cell {bf16[2].strip()}"]
    if row["framework_version"] != bf16[6].strip():
        problems.append(f"framework_version {row['framework_version']} != cell {bf16[6].strip()}")
    n = int(row["model"].removeprefix("matmul-"))
    if not (close(row["flops_per_sample"], 2.0 * n ** 3)
            and math.isclose(float(row["samples_per_s"]) * 2.0 * n ** 3 / 1e12, float(bf16[2]), rel_tol=1e-9)):
        problems.append("samples_per_s x flops_per_sample is not the table's TFLOP/s")
    return problems


def dle_cell(row, ref, root) -> list[str]:
    """The README excerpt's table under the named heading (and title), the row and column the reference names."""
    part = re.match(r"^table '(?P<heading>[^']+)'(?: / '(?P<title>[^']+)')?, (?P<where>.+)$", ref["part"])
    text = (root / "DeepLearningExamples" / ref["path"]).with_name(Path(ref["path"]).stem + ".excerpt.md")
    lines = text.read_text(encoding="utf-8").splitlines()
    at = lines.index(f"##### {part['heading']}")
    if part["title"]:
        at = next(i for i in range(at, len(lines)) if lines[i].strip("#* ").strip() == part["title"])
    start = next(i for i in range(at, len(lines)) if lines[i].startswith("|"))
    header = [c.strip().replace("**", "") for c in lines[start].strip().strip("|").split("|")]
    body = []
    for line in lines[start + 2:]:
        if not line.startswith("|"):
            break
        body.append([c.strip() for c in line.strip().strip("|").split("|")])
    if part["where"].startswith("GPUs 1, column "):
        column = part["where"].removeprefix("GPUs 1, column ").strip("'")
        cell = next(r for r in body if r[0] == "1")[header.index(column)]
    elif part["where"].startswith("Batch Size "):
        size = part["where"].removeprefix("Batch Size ")
        line = next(r for r in body if r[0] == size)
        cell = next(line[i] for i, name in enumerate(header) if "hroughput" in name)
        if row["batch_size"] != size:
            return [f"batch_size {row['batch_size']} != {size}"]
    else:
        where = dict(re.findall(r"(Model|Sequence Length|Batch Size|Precision) ([^,]+)", part["where"]))
        line = next(r for r in body if all(r[header.index(k)] == v for k, v in where.items()))
        cell = line[header.index("Throughput-Average(sent/sec)")]
        if row["batch_size"] != where["Batch Size"] or row["seq_len"] != where["Sequence Length"]:
            return [f"batch/seq {row['batch_size']}/{row['seq_len']} != {where}"]
    figure = float(re.sub(r"\s*img/s$", "", cell))
    return [] if close(row["samples_per_s"], figure) else [f"samples_per_s {row['samples_per_s']} != cell {cell!r}"]


def ryujaehun_cell(row, ref, root) -> list[str]:
    column = re.match(r"^column (\S+), mean of (\d+) iterations$", ref["part"])
    with open(root / "pytorch-gpu-benchmark" / ref["path"], encoding="utf-8", newline="") as fh:
        ms = [float(r[column.group(1)]) for r in csv.DictReader(fh)]
    problems = []
    if len(ms) != int(column.group(2)) or int(row["steps"]) != len(ms):
        problems.append(f"{len(ms)} iterations in the file, the row says {row['steps']}")
    if not math.isclose(float(row["samples_per_s"]), 12 * 1000.0 / (sum(ms) / len(ms)), rel_tol=1e-12):
        problems.append(f"samples_per_s {row['samples_per_s']} != 12 / mean of the column")
    if not close(row["step_ms_median"], statistics.median(ms)):
        problems.append(f"step_ms_median {row['step_ms_median']} != the column's median")
    return problems


CELLS = {"huggingface/pytorch-image-models": timm_cell, "LambdaColdStorage/lambda-tensorflow-benchmark": lambda_cell,
         "stas00/ml-engineering": mamf_cell, "NVIDIA/DeepLearningExamples": dle_cell,
         "ryujaehun/pytorch-gpu-benchmark": ryujaehun_cell}


def mismatches(rows, root: Path = THIRD_PARTY) -> list[str]:
    """'file:line: what differs' for every row whose figure is not its source cell under root."""
    out = []
    for number, row in enumerate(rows):
        ref = REFERENCE.match(row["reference"])
        if not ref or ref["repo"] not in CELLS:
            out.append(f"{row['_file']}: row {number}: reference {row['reference']!r} names no vendored source")
            continue
        try:
            problems = CELLS[ref["repo"]](row, ref, root)
        except (StopIteration, ValueError, KeyError, IndexError, AttributeError, OSError) as exc:
            problems = [f"cell not found ({type(exc).__name__}: {exc})"]
        out += [f"{row['_file']}: {row['reference']}: {p}" for p in problems]
    return out


# ---- the tests ----

def test_every_imported_figure_equals_its_source_cell():
    rows = rows_of(shipped_files())
    assert len(rows) >= 150
    assert mismatches(rows) == []


def test_a_planted_change_of_one_figure_in_an_excerpt_fails(tmp_path):
    root = Path(shutil.copytree(THIRD_PARTY, tmp_path / "third_party"))
    table = root / "ml-engineering" / "mamf-table.md"
    table.write_text(table.read_text(encoding="utf-8").replace("|  271.2 |", "|  272.2 |"), encoding="utf-8")
    log = root / "lambda-tensorflow-benchmark" / "logs.txt"
    log.write_text(log.read_text(encoding="utf-8").replace("total images/sec: 1019.62", "total images/sec: 1119.62"),
                   encoding="utf-8")
    found = mismatches(rows_of(shipped_files()), root)
    rows = {line.split(": ")[1] for line in found}  # the references of the rows that no longer match
    assert len(rows) == 2, found
    assert any("row NVIDIA A100 SXM" in r for r in rows) and any("7662-GeForce_RTX_3090" in r for r in rows), found


def test_a_planted_change_of_one_figure_in_a_results_file_fails():
    rows = rows_of(shipped_files())
    for kind in ("timm", "dle", "ryujaehun"):
        planted = [dict(r) for r in rows]
        victim = next(r for r in planted if r["_file"].endswith(f"-{kind}.csv") or f"-{kind}-" in r["_file"])
        victim["samples_per_s"] = repr(float(victim["samples_per_s"]) * 1.01)
        found = mismatches(planted)
        assert len(found) == 1 and victim["reference"] in found[0], (kind, found)


def test_every_vendored_cell_became_a_row():
    """Nothing silently dropped: as many rows per source as the excerpts hold figures the readers import."""
    rows = rows_of(shipped_files())
    by_repo = {repo: sum(r["reference"].startswith(repo + "@") for r in rows) for repo in OPEN}
    timm_lines = sum(len(p.read_text(encoding="utf-8").splitlines()) - 1
                     for p in (THIRD_PARTY / "pytorch-image-models" / "results").glob("*.csv"))
    logs = (THIRD_PARTY / "lambda-tensorflow-benchmark" / "logs.txt").read_text(encoding="utf-8").count("\n### ")
    mamf = sum(1 for line in (THIRD_PARTY / "ml-engineering" / "mamf-table.md").read_text(encoding="utf-8").splitlines()
               if re.match(r"^\| (NVIDIA|AMD|Intel) ", line))
    ryu = sum(len(next(csv.reader(p.open(encoding="utf-8"))))
              for p in (THIRD_PARTY / "pytorch-gpu-benchmark").rglob("*_benchmark.csv"))
    assert by_repo["huggingface/pytorch-image-models"] == timm_lines == 76
    assert by_repo["LambdaColdStorage/lambda-tensorflow-benchmark"] == logs == 88
    assert by_repo["stas00/ml-engineering"] == mamf == 12
    assert by_repo["ryujaehun/pytorch-gpu-benchmark"] == ryu == 64
    assert by_repo["NVIDIA/DeepLearningExamples"] == 253  # 6 + 36 PyTorch ConvNets, 6 + 117 TF ConvNets, 88 BERT


def test_lambdas_published_csv_holds_the_imported_logs_figures_rounded():
    """Lambda's own tf-train-throughput CSVs (its published table) agree with the per-run logs the rows come from."""
    folders = {"RTX 3080": "3960X-GeForce_RTX_3080_XLA", "A100 40GB PCIe": "7502-A100-PCIE-40GB",
               "RTX A6000": "7502-RTX_A6000_XLA_TF1_15", "RTX 3090": "7662-GeForce_RTX_3090",
               "RTX 2080Ti": "Gold_6230-GeForce_RTX_2080_Ti_XLA_trt_TF1_15",
               "RTX 8000": "Gold_6230-Quadro_RTX_8000_XLA_trt_TF1_15", "Lambda Cloud — RTX A6000": "LambdaCloud-RTX_A6000",
               "V100 32GB": "Platinum-Tesla_V100-SXM3-32GB_HP16_TF2_2",
               "RTX 2080 SUPER MAX-Q": "i7-10875H-GeForce_RTX_2080_Super_with_Max-Q_Design_XLA_TF2_2",
               "GTX 1080Ti": "i7-6850K-GeForce_GTX_1080_Ti",
               "RTX 2070 MAX-Q": "i7-9750H-GeForce_RTX_2070_with_Max-Q_Design_XLA_TF1_15",
               "RTX 2080 MAX-Q": "i7-9750H-GeForce_RTX_2080_with_Max-Q_Design_XLA_TF1_15"}
    rows = [r for r in rows_of(shipped_files()) if r["protocol"] == "tf_cnn_benchmarks" and r["mode"] == "train"]
    checked = 0
    for precision, name in (("fp32", "fp32"), ("mixed_fp16", "fp16")):
        with open(THIRD_PARTY / "lambda-tensorflow-benchmark" / f"tf-train-throughput-{name}.csv", encoding="utf-8") as fh:
            for line in csv.DictReader(fh):
                if line["num_gpu"] != "1":
                    continue
                folder = folders[line["name_gpu"]]
                row = next(r for r in rows if f"logs/{folder}.logs/" in r["reference"] and r["precision"] == precision)
                assert round(float(row["samples_per_s"])) == int(line["resnet50"]), (line["name_gpu"], precision)
                checked += 1
    assert checked == 24


def test_the_readers_reproduce_the_shipped_files_byte_for_byte(tmp_path, capsys):
    assert published_cli.main(["--results-dir", str(tmp_path)]) == 0
    written = sorted(tmp_path.glob("results_*.csv"))
    assert [p.name for p in written] == [p.name for p in shipped_files()]
    for path in written:
        assert path.read_bytes() == (RESULTS / path.name).read_bytes(), path.name
    assert plot_results.main(["--check", "--results-dir", str(tmp_path)]) == 0


def test_the_writer_never_overwrites_a_file_unless_told_into_another_folder(tmp_path, capsys):
    assert published_cli.main(["--results-dir", str(tmp_path), "--source", "mamf"]) == 0
    planted = tmp_path / "results_h100-80gb-hbm3-mamf.csv"
    planted.write_text("edited\n", encoding="utf-8")
    assert published_cli.main(["--results-dir", str(tmp_path), "--source", "mamf"]) == 0
    assert planted.read_text(encoding="utf-8") == "edited\n"
    assert "exists; left as it is" in capsys.readouterr().err
    assert published_cli.main(["--results-dir", str(tmp_path), "--source", "mamf", "--replace"]) == 0
    assert planted.read_bytes() == (RESULTS / planted.name).read_bytes()
    assert published_cli.main(["--results-dir", str(RESULTS), "--replace"]) == 2
    assert "never in" in capsys.readouterr().err


def test_every_row_has_a_licence_and_a_repo_at_commit_path_reference_of_an_open_source():
    rows = rows_of(shipped_files())
    for row in rows:
        ref = REFERENCE.match(row["reference"])
        assert ref, row["reference"]
        folder, licences = OPEN[ref["repo"]]
        assert row["licence"] in licences, row
        assert row["source"] == "published" and row["protocol"] and row["protocol"] != "devicebench"
        assert row["run_id"].startswith("published:") and row["timestamp_utc"]
        assert ref["commit"] in (THIRD_PARTY / folder / "SOURCE.md").read_text(encoding="utf-8")
        assert any(p.name.startswith(("LICENSE", "NOTICE")) for p in (THIRD_PARTY / folder).rglob("*"))


def test_no_row_comes_from_a_cite_only_source():
    for row in rows_of(sorted(RESULTS.glob("results_*.csv"))):
        text = f"{row['reference']} {row['note']} {row['run_id']}"
        assert not any(name in text for name in CITE_ONLY), (row["_file"], row["reference"])


def test_the_sharealike_rows_live_in_files_of_their_own_and_credit_the_author():
    for path in sorted(RESULTS.glob("results_*.csv")):
        licences = {row.get("licence", "") for row in rows_of([path])}  # files before schema 5 have no licence
        if "CC-BY-SA-4.0" in licences:
            assert licences == {"CC-BY-SA-4.0"} and path.name.endswith("-mamf.csv"), path.name
            assert all("Stas Bekman" in row["note"] and "CC BY-SA 4.0" in row["note"] for row in rows_of([path]))
    licence_data = (ROOT / "LICENSE-DATA").read_text(encoding="utf-8")
    assert "results_*-mamf.csv" in licence_data and "Stas Bekman" in licence_data and "ShareAlike" in licence_data


def test_mamf_rows_are_matmuls_the_roofline_reads():
    rows = [r for r in rows_of(shipped_files()) if r["protocol"] == "mamf-finder"]
    assert len(rows) == 12
    sizes = matmul_size(pd.Series([r["model"] for r in rows]))
    assert sizes.notna().all() and set(sizes) <= {4096.0, 8192.0}
    assert {r["workload"] for r in rows} == {"matmul"} and {r["precision"] for r in rows} == {"bf16"}


@pytest.mark.parametrize(("spelling", "driver"), [
    ("GeForce RTX 3080", "NVIDIA GeForce RTX 3080"), ("A100-SXM4-40GB", "NVIDIA A100-SXM4-40GB"),
    ("RTX A6000", "NVIDIA RTX A6000"), ("TITAN Xp", "NVIDIA TITAN Xp"), ("Tesla V100-SXM3-32GB", "Tesla V100-SXM3-32GB"),
    ("Quadro RTX 8000", "Quadro RTX 8000"), ("NVIDIA GeForce RTX 3090", "NVIDIA GeForce RTX 3090"),
])
def test_old_driver_spellings_become_todays(spelling, driver):
    assert driver_name(spelling) == driver


def test_one_device_gathers_every_sources_figures():
    """A device key groups the rows of every source that measured it: the A100 SXM4 40GB has four harnesses."""
    rows = rows_of(shipped_files())
    protocols: dict[str, set] = {}
    for row in rows:
        protocols.setdefault(device_key(row["device_name"]).casefold(), set()).add(row["protocol"])
    assert protocols["a100-sxm4-40gb"] == {"tf_cnn_benchmarks", "DLE ConvNets TensorFlow", "DLE BERT TensorFlow",
                                           "pytorch-gpu-benchmark benchmark_models.py"}
    assert protocols["rtx 3090"] == {"tf_cnn_benchmarks", "timm benchmark.py"}
    assert {"rtx 2080 ti", "gtx 1080 ti", "t4", "v100-sxm2-16gb"} <= set(protocols)
    assert len(protocols) >= 30


def test_licence_data_names_every_file_of_third_party_rows():
    """Each shipped file matches one of LICENSE-DATA's patterns, and all files of one pattern carry one source."""
    patterns = re.findall(r"results/(results_\*-[\w*-]+\.csv)", (ROOT / "LICENSE-DATA").read_text(encoding="utf-8"))
    for path in shipped_files():
        matching = [p for p in patterns if Path(path.name).match(p)]
        assert len(matching) == 1, (path.name, matching)
    for pattern in patterns:
        repos = {REFERENCE.match(r["reference"])["repo"] for r in rows_of(sorted(RESULTS.glob(pattern)))}
        assert len(repos) == 1, (pattern, repos)
