"""Stas Bekman's Maximum Achievable Matmul FLOPS table (stas00/ml-engineering, CC BY-SA 4.0) as bf16 matmul rows.

third_party/ml-engineering/mamf-table.md is the table's heading, introduction and BF16 table, verbatim;
row-dates.csv gives the commit that first showed each row's figure (the table states no dates). These rows are
ShareAlike: they live in results files of their own (results_*-mamf.csv), licence CC-BY-SA-4.0, credited in each
row's note.
"""

from __future__ import annotations

import csv
import math

from collect.contract.devices import device_key

from .common import THIRD_PARTY, env_slug, number, published, reference

REPO, COMMIT = "stas00/ml-engineering", "744d01e18b79512572f64a6bbd8b5f4a725203a7"
LICENCE, PROTOCOL = "CC-BY-SA-4.0", "mamf-finder"
PATH, TABLE = "compute/accelerator/README.md", "Maximum Achievable Matmul FLOPS comparison table, BF16"
FOLDER = THIRD_PARTY / "ml-engineering"
CREDIT = "figure by Stas Bekman, ml-engineering (https://github.com/stas00/ml-engineering), CC BY-SA 4.0"
# devicebench's matmul sweep sizes: the model name is the one nearest (in log scale) to the best shape's cube root.
SIZES = (256, 512, 1024, 2048, 4096, 8192)
# The table's accelerator -> (device name as the driver reports it where the table says enough, device_kind, what
# the name cannot say). AMD runs torch's cuda device on ROCm; Gaudi's HPU has no kind of its own in the schema.
DEVICES = {
    "Intel Gaudi 2": ("Intel Gaudi 2", "gpu", "Intel Gaudi HPU in lazy mode (device_kind gpu: the schema has no hpu)"),
    "NVIDIA A100 SXM": ("NVIDIA A100-SXM4", "cuda", "A100 SXM4, memory size (40 or 80 GB) not stated"),
    "NVIDIA GH200 SXM": ("NVIDIA GH200", "cuda", "GH200's GPU, the 900 W 141 GiB HBM3e version"),
    "NVIDIA A100 PCIe": ("NVIDIA A100-PCIE", "cuda", "A100 PCIe, memory size (40 or 80 GB) not stated"),
    "NVIDIA H100 SXM": ("NVIDIA H100 80GB HBM3", "cuda", "H100 SXM (80 GB HBM3, the SXM5 board)"),
    "NVIDIA B300 SXM": ("NVIDIA B300", "cuda", "B300 SXM"),
    "NVIDIA B200 SXM": ("NVIDIA B200", "cuda", "B200 SXM"),
    "Intel Gaudi 3": ("Intel Gaudi 3", "gpu", "Intel Gaudi HPU in lazy mode (device_kind gpu: the schema has no hpu)"),
    "NVIDIA GB200 SXM": ("NVIDIA GB200", "cuda", "GB200's GPU"),
    "AMD MI355X": ("AMD Instinct MI355X", "cuda", "AMD GPU under ROCm (torch's cuda device)"),
    "AMD MI325X": ("AMD Instinct MI325X", "cuda", "AMD GPU under ROCm (torch's cuda device)"),
    "AMD MI300X": ("AMD Instinct MI300X", "cuda", "AMD GPU under ROCm (torch's cuda device)"),
}
COLUMNS = ("accelerator", "mamf", "theory", "efficiency", "shape", "torch", "notes")


def table_rows(text: str) -> list[dict[str, str]]:
    """The BF16 table's filled rows as cells, in the table's order."""
    lines = text.splitlines()
    start = lines.index("**BF16**:")
    out = []
    for line in lines[start + 1:]:
        if not line.startswith("|"):
            if out:
                break
            continue
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if cells[0] and cells[0] != "Accelerator" and not cells[0].startswith(":"):
            out.append(dict(zip(COLUMNS, cells, strict=True)))
    return out


def nearest_size(shape: str) -> tuple[int, float]:
    """(the sweep size nearest the shape in log scale, the shape's cube root): '1024x10240x5120' -> (4096, 3744.1)."""
    m, n, k = (int(part) for part in shape.split("x"))
    root = (m * n * k) ** (1 / 3)
    return min(SIZES, key=lambda size: abs(math.log(size / root))), root


def note(cells: dict, size: int, root: float, caveat: str) -> str:
    env_notes = f"; the table's notes: {cells['notes']}" if cells["notes"] else ""
    return (f"mamf-finder.py: torch.mm on randn bf16 inputs, a brute-force search over M, N and K, each shape 50 warm-up "
            f"and 100 timed iterations with device events and the L2 cache flushed between them; the table gives the "
            f"mean TFLOP/s at the best shape {cells['shape']} (its method page says the fastest is picked: the source "
            f"disagrees with itself); named matmul-{size}, devicebench's sweep size nearest that shape (cube root "
            f"{root:.0f}), samples/s = TFLOP/s / (2 x {size}^3); theory {cells['theory']} TFLOP/s, efficiency "
            f"{cells['efficiency']} as the table gives them; torch {cells['torch']}; {caveat}{env_notes}; date: the "
            f"commit that first showed this figure; {CREDIT}")


def records() -> dict[str, list]:
    """env -> its one row, in the table's order."""
    with open(FOLDER / "row-dates.csv", encoding="utf-8", newline="") as fh:
        dates = {row["accelerator"]: row["commit_date"] for row in csv.DictReader(fh)}
    out = {}
    for cells in table_rows((FOLDER / "mamf-table.md").read_text(encoding="utf-8")):
        name, kind, caveat = DEVICES[cells["accelerator"]]
        size, root = nearest_size(cells["shape"])
        tflops, flops = number(cells["mamf"]), 2.0 * size ** 3
        env = env_slug(device_key(name), "mamf")
        out[env] = [published(
            env=env, framework="torch", framework_version=cells["torch"], device_kind=kind, device_name=name,
            workload="matmul", model=f"matmul-{size}", mode="infer", precision="bf16", batch_size=1,
            samples_per_s=tflops * 1e12 / flops, flops_per_sample=flops, tflops=tflops, backend="eager",
            protocol=PROTOCOL, licence=LICENCE, timestamp_utc=dates[cells["accelerator"]],
            reference=reference(REPO, COMMIT, PATH, f"{TABLE}, row {cells['accelerator']}"),
            run_id=f"published:mamf:{env_slug(cells['accelerator'])}", note=note(cells, size, root, caveat))]
    return out
