"""timm's own throughput tables (huggingface/pytorch-image-models results/benchmark-*.csv, Apache-2.0) as rows.

Each vendored file under third_party/pytorch-image-models/results/ holds the source CSV's header and its rows for
resnet18, resnet50, mobilenetv2_100 and mobilenetv3_large_100 at 224 px, verbatim; manifest.csv gives each file's
git blob and the date of the last commit that changed it (the CSVs carry no date of their own).
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

from .common import THIRD_PARTY, driver_name, env_slug, number, published, reference

REPO, COMMIT = "huggingface/pytorch-image-models", "aa4b5850c1543fa488abf260f18390eda46cf85d"
LICENCE, PROTOCOL = "Apache-2.0", "timm benchmark.py"
FOLDER = THIRD_PARTY / "pytorch-image-models"
MODELS = {"resnet18": "resnet18", "resnet50": "resnet50", "mobilenetv2_100": "mobilenet_v2",
          "mobilenetv3_large_100": "mobilenet_v3_large"}
DEVICES = {"rtx3090": "GeForce RTX 3090", "rtx4090": "GeForce RTX 4090", "4090": "GeForce RTX 4090",
           "5090": "GeForce RTX 5090", "pro6000maxq": "RTX PRO 6000 Blackwell Max-Q Workstation Edition"}
ENVS = {"GeForce RTX 3090": "rtx-3090", "GeForce RTX 4090": "rtx-4090", "GeForce RTX 5090": "rtx-5090",
        "RTX PRO 6000 Blackwell Max-Q Workstation Edition": "rtx-pro-6000-max-q"}
TORCH = {"pt112": "1.12", "pt113": "1.13", "pt210": "2.1.0", "pt240": "2.4.0", "pt291": "2.9.1"}
PRECISIONS = {"amp": ("mixed_fp16", "AMP fp16 autocast"), "amp_bf16": ("mixed_bf16", "AMP bf16 autocast"),
              "bf16": ("bf16", "model and input in bfloat16 (no autocast)")}
NAME = re.compile(r"^benchmark-(?P<mode>infer|train)-(?P<prec>amp_bf16|amp|bf16)-(?P<layout>nchw|nhwc)-(?P<pt>pt\d+)-"
                  r"cu(?P<cu>\d+)-(?P<device>[a-z0-9]+?)(?P<dynamo>-dynamo)?\.csv$")
TIMED = ("torch.randn input made on the GPU once; 10 warm-up and 40 timed batches (benchmark.py's defaults) with "
         "torch.cuda.synchronize; samples/s = the timed batches' images over their elapsed time")


def settings(name: str) -> dict:
    """What a file name says: mode, precision, memory layout, torch and CUDA versions, device, compiled or eager."""
    match = NAME.match(name)
    if not match:
        raise ValueError(f"{name}: not a timm benchmark file name this reader knows")
    found = match.groupdict()
    cuda = found["cu"]
    return {**found, "cuda": f"{cuda[:-1]}.{cuda[-1]}", "torch": TORCH[found["pt"]], "device": DEVICES[found["device"]]}


def manifest() -> dict[str, dict[str, str]]:
    """path -> {blob, last_commit, commit_date} of every vendored file."""
    with open(FOLDER / "manifest.csv", encoding="utf-8", newline="") as fh:
        return {row["path"]: row for row in csv.DictReader(fh)}


def note(found: dict, batch: int, step_ms: str) -> str:
    layout = "channels-last (NHWC)" if found["layout"] == "nhwc" else "channels-first (NCHW)"
    compiled = "torch.compile (dynamo)" if found["dynamo"] else "eager"
    train = found["mode"] == "train"
    what = "training step (forward, loss, backward, optimizer step; SGD)" if train else "inference (forward only)"
    return (f"timm benchmark.py {what}; {TIMED}; {PRECISIONS[found['prec']][1]}; {layout}; {compiled}; batch {batch} "
            f"(the largest the run used); mean step {step_ms} ms; timm's model, the same architecture, parameters and "
            f"MACs as torchvision's; torch {found['torch']}, CUDA {found['cuda']}; date: the commit that added the file "
            "(the CSV gives none)")


def rows_of(path: Path, dates: dict) -> list:
    """The rows of one vendored file."""
    rel = f"results/{path.name}"
    found = settings(path.name)
    mode = found["mode"]
    out = []
    with open(path, encoding="utf-8", newline="") as fh:
        for cells in csv.DictReader(fh):
            batch = int(number(cells[f"{mode}_batch_size"]))
            out.append(published(
                env=env_slug(ENVS[found["device"]], "timm", found["pt"], found["layout"]), framework="torch",
                framework_version=found["torch"], cuda_version=found["cuda"], device_kind="cuda",
                device_name=driver_name(found["device"]), workload="cnn", model=MODELS[cells["model"]],
                mode=mode, precision=PRECISIONS[found["prec"]][0], batch_size=batch,
                samples_per_s=number(cells[f"{mode}_samples_per_sec"]),
                backend="torch_compile" if found["dynamo"] else "eager", protocol=PROTOCOL, licence=LICENCE,
                reference=reference(REPO, COMMIT, rel, f"row {cells['model']}, {cells[f'{mode}_img_size']} px"),
                run_id=f"published:timm:{path.stem}", timestamp_utc=dates[rel]["commit_date"],
                note=note(found, batch, cells[f"{mode}_step_time"])))
    return out


def records() -> dict[str, list]:
    """env -> rows, every vendored timm file in name order. An env is a device with one torch version and memory
    layout ('rtx-3090-timm-pt240-nhwc'): devicebench's configuration has no layout column, so NCHW and NHWC (and two
    torch versions) in one env would pool as repeats of one configuration."""
    dates, out = manifest(), {}
    for path in sorted((FOLDER / "results").glob("benchmark-*.csv")):
        for row in rows_of(path, dates):
            out.setdefault(row.env, []).append(row)
    return out
