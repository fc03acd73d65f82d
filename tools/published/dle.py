"""NVIDIA DeepLearningExamples' README performance tables, only in folders that carry a licence: ResNet-50 v1.5 in
PyTorch (PyTorch/Classification/ConvNets, BSD-3-Clause) and TensorFlow (TensorFlow/Classification/ConvNets,
Apache-2.0), and BERT SQuAD inference in TensorFlow 1 (TensorFlow/LanguageModeling/BERT, Apache-2.0).

Each README.excerpt.md under third_party/DeepLearningExamples/<folder>/ is the README's performance results section,
verbatim; table-dates.csv gives the commit that first showed each table's first row (the tables state no date).
Single-GPU rows only (the multi-GPU rows of the training tables are left out).
"""

from __future__ import annotations

import csv
import re

from collect.contract.devices import device_key

from .common import THIRD_PARTY, env_slug, number, published, reference
from .markdown import Table, tables

REPO, COMMIT = "NVIDIA/DeepLearningExamples", "729963dd47e7c8bd462ad10bfac7a7b0b604e6dd"
FOLDER = THIRD_PARTY / "DeepLearningExamples"
V100_16, V100_32, V100_SXM3 = "Tesla V100-SXM2-16GB", "Tesla V100-SXM2-32GB", "Tesla V100-SXM3-32GB"
A100_40, A100_80, T4 = "NVIDIA A100-SXM4-40GB", "NVIDIA A100-SXM4-80GB", "Tesla T4"
# README -> (framework, licence, protocol, container, {table heading -> device name as the driver reports it}).
# DGX-1 holds V100 SXM2 boards, DGX-2 V100 SXM3 32 GB, DGX A100 A100 SXM4.
READMES = {
    "PyTorch/Classification/ConvNets/resnet50v1.5/README.md": ("torch", "BSD-3-Clause", "DLE ConvNets PyTorch", "pytorch-21.03", {
        "Training performance: NVIDIA DGX A100 (8x A100 80GB)": A100_80,
        "Training performance: NVIDIA DGX-1 16GB (8x V100 16GB)": V100_16,
        "Training performance: NVIDIA DGX-1 32GB (8x V100 32GB)": V100_32,
        "Inference performance: NVIDIA DGX-1 (1x V100 16GB)": V100_16, "Inference performance: NVIDIA T4": T4}),
    "TensorFlow/Classification/ConvNets/resnet50v1.5/README.md": (
        "tensorflow", "Apache-2.0", "DLE ConvNets TensorFlow", "20.06-tf1", {
        "Training performance: NVIDIA DGX A100 (8x A100 40GB)": A100_40,
        "Training performance: NVIDIA DGX-1 (8x V100 16G)": V100_16,
        "Training performance: NVIDIA DGX-2 (16x V100 32G)": V100_SXM3,
        "Inference performance: NVIDIA DGX A100 (1x A100 40GB)": A100_40,
        "Inference performance: NVIDIA DGX-1 (1x V100 16G)": V100_16,
        "Inference performance: NVIDIA DGX-2 (1x V100 32G)": V100_SXM3,
        "Inference performance: NVIDIA T4 (1x T4 16G)": T4}),
    "TensorFlow/LanguageModeling/BERT/README.md": ("tensorflow", "Apache-2.0", "DLE BERT TensorFlow", "20.06-py3", {
        "Inference performance: NVIDIA DGX-1 (1x V100 16GB)": V100_16,
        "Inference performance: NVIDIA DGX-1 (1x V100 32GB)": V100_32,
        "Inference performance: NVIDIA DGX-2 (1x V100 32GB)": V100_SXM3,
        "Inference performance: NVIDIA DGX A100 (1x A100 40GB)": A100_40,
        "Inference performance: NVIDIA Tesla T4 (1x T4 16GB)": T4}),
}
# A column or table title's precision word -> devicebench's precision.
PRECISION = {"tf32": "tf32", "fp32": "fp32", "mixed precision": "mixed_fp16", "fp16": "mixed_fp16"}
DATA = {
    "DLE ConvNets PyTorch": ("real ImageNet JPEGs: the input pipeline (PyTorch data loader, data_backend pytorch) "
                             "feeds the timed loop; 100 profiled iterations (--prof 100); AMP runs channels-last (configs.yml); the README does "
                             "not say whether its figure is the logger's compute_ips or total_ips"),
    "DLE ConvNets TensorFlow": ("real ImageNet TFRecords: the input pipeline (tf.data, no DALI) feeds the timed "
                                "loop; training: 200 warm-up iterations, then "
                                "images/s averaged over an epoch; inference: the README says 20 warm-up and 80 "
                                "measured iterations, its inference_benchmark.sh runs 50 and 400"),
    "DLE BERT TensorFlow": ("SQuAD v1.1 dev set through run_squad.py's input pipeline, the fine-tuned SQuAD model "
                            "(encoder and a span head); latency and throughput averaged over 1024 iterations"),
}


def precision_of(text: str) -> str:
    """The precision a column or table title names: 'Throughput - TF32 + XLA' -> 'tf32'."""
    lowered = text.lower()
    return next(value for word, value in PRECISION.items() if word in lowered)


def table_dates() -> dict[tuple[str, str, str], str]:
    """(readme, heading, table title) -> the date of the commit that first showed the table's first row."""
    with open(FOLDER / "table-dates.csv", encoding="utf-8", newline="") as fh:
        return {(r["readme"], r["heading"], r["table"]): r["commit_date"] for r in csv.DictReader(fh)}


def value(cell: str) -> float:
    """A figure without its unit: '938 img/s' -> 938.0, '10.37 ms' -> 10.37."""
    return number(re.sub(r"\s*(img/s|ms)$", "", cell))


def train_batch(header: tuple, row: tuple, precision: str) -> int:
    """The per-GPU training batch: the table's 'Batch Size / GPU' cell ('256', '128 (FP32) / 256 (AMP)'), else
    PyTorch ConvNets' configs.yml (DGX A100: 256; DGX-1: AMP 256, FP32 112), which the table leaves out."""
    if "Batch Size / GPU" in header:
        cell = row[header.index("Batch Size / GPU")]
        sizes = dict((kind, int(size)) for size, kind in re.findall(r"(\d+) \((FP32|AMP)\)", cell))
        return sizes.get("AMP" if precision == "mixed_fp16" else "FP32", int(cell) if cell.isdigit() else 0)
    return 112 if precision == "fp32" else 256


def note(protocol: str, container: str, mode: str, precision: str, xla: bool, extra: str) -> str:
    timed = {"train": "single-GPU training throughput", "infer": "inference throughput and latency at a batch size"}[mode]
    half = {"mixed_fp16": "AMP (mixed fp16)", "tf32": "TF32", "fp32": "the table's FP32 (no TF32)"}[precision]
    return (f"NVIDIA DeepLearningExamples README table ({protocol}), NGC container {container}; {timed}; "
            f"{DATA[protocol]}; {half}; XLA {'on' if xla else 'off'}; {extra}vendor-tuned NGC stack (medium "
            "comparability); date: the commit that first showed the table")


def row(readme: str, table: Table, date: str, **cells):
    """One devicebench row of one table cell; cells: device, mode, precision, xla, batch, rate, where, and optional
    model, seq_len, p99, extra."""
    framework, licence, protocol, container, _ = READMES[readme]
    device, precision, xla = cells["device"], cells["precision"], cells["xla"]
    short = "pytorch" if framework == "torch" else "tf"
    transformer = "model" in cells
    return published(
        env=env_slug(device_key(device), "dle", short), framework=framework, device_kind="cuda",
        device_name=device, workload="transformer" if transformer else "cnn",
        model=cells.get("model", "resnet50"), mode=cells["mode"], precision=precision, batch_size=cells["batch"],
        seq_len=cells.get("seq_len", ""), samples_per_s=cells["rate"], step_ms_p99=cells.get("p99", ""),
        dataset="squad-v1.1" if transformer else "imagenet",
        backend=("xla" if xla else "tf_function") if framework == "tensorflow" else "eager",
        xla=("on" if xla else "off") if framework == "tensorflow" else "",
        tf32="on" if precision == "tf32" else "", protocol=protocol, licence=licence, timestamp_utc=date,
        reference=reference(REPO, COMMIT, readme, f"table '{table.heading}'"
                            + (f" / '{table.title}'" if table.title else "") + f", {cells['where']}"),
        run_id=f"published:dle:{env_slug(device_key(device), short, table.title or table.heading)}",
        note=note(protocol, container, cells["mode"], precision, xla, cells.get("extra", "")))


def training(readme: str, table: Table, date: str, device: str) -> list:
    """The single-GPU row's throughput columns of a training table."""
    out = []
    for cells in table.rows:
        if cells[0] != "1":
            continue
        for col, name in enumerate(table.header):
            if name.startswith("Throughput - "):
                precision = precision_of(name)
                out.append(row(readme, table, date, device=device, mode="train", precision=precision,
                               xla="+ XLA" in name, batch=train_batch(table.header, cells, precision),
                               rate=value(cells[col]), where=f"GPUs 1, column '{name}'"))
    return out


def inference(readme: str, table: Table, date: str, device: str) -> list:
    """Every batch size of a ConvNets inference table (its title names precision and XLA)."""
    header = table.header
    rate = next(i for i, name in enumerate(header) if "hroughput" in name)
    mean = next(i for i, name in enumerate(header) if name.lower() in ("latency avg", "avg latency"))
    p99 = next(i for i, name in enumerate(header) if "99%" in name)
    return [row(readme, table, date, device=device, mode="infer", precision=precision_of(table.title),
                xla="XLA" in table.title, batch=int(cells[0]), rate=value(cells[rate]), p99=value(cells[p99]),
                where=f"Batch Size {cells[0]}", extra=f"mean latency {cells[mean]}; ")
            for cells in table.rows]


def bert(readme: str, table: Table, date: str, device: str) -> list:
    """The sequence-length-128 rows of a BERT SQuAD inference table (devicebench's encoders run 128 tokens)."""
    col = {name: i for i, name in enumerate(table.header)}
    out = []
    for cells in table.rows:
        if cells[col["Sequence Length"]] != "128":
            continue
        out.append(row(readme, table, date, device=device, mode="infer", precision=precision_of(cells[col["Precision"]]),
                       xla=True, batch=int(cells[col["Batch Size"]]), model=f"bert-{cells[col['Model']]}", seq_len=128,
                       rate=number(cells[col["Throughput-Average(sent/sec)"]]),
                       p99=number(cells[col["Latency-99%(ms)"]]),
                       where=(f"Model {cells[col['Model']]}, Sequence Length 128, Batch Size {cells[col['Batch Size']]}, "
                              f"Precision {cells[col['Precision']]}"),
                       extra=f"mean latency {cells[col['Latency-Average(ms)']]} ms; sequences/s; "))
    return out


def records() -> dict[str, list]:
    """env -> rows, README by README, table by table."""
    dates, out = table_dates(), {}
    for readme, (_, _, protocol, _, devices) in READMES.items():
        excerpt = (FOLDER / readme).with_name(readme.rsplit("/", 1)[1].replace(".md", ".excerpt.md"))
        for table in tables(excerpt.read_text(encoding="utf-8")):
            if table.heading not in devices:
                continue  # training time tables: estimates, not measurements
            device, date = devices[table.heading], dates[(readme, table.heading, table.title)]
            training_table = table.heading.startswith("Training")
            reader = bert if protocol.startswith("DLE BERT") else (training if training_table else inference)
            for record in reader(readme, table, date, device):
                out.setdefault(record.env, []).append(record)
    return out
