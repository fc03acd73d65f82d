"""ryujaehun/pytorch-gpu-benchmark (MIT): per-iteration milliseconds of torchvision models at batch 12, as rows.

Each vendored file under third_party/pytorch-gpu-benchmark/ keeps the source CSV's resnet18, resnet50 and
mobilenet_v2 columns (cells verbatim: one row per timed iteration); manifest.csv gives each file's git blob and the
commit that first added it (its date is the row's date; the files were not changed since).
"""

from __future__ import annotations

import csv
import re
import statistics

from .common import THIRD_PARTY, driver_name, env_slug, published, reference

REPO, COMMIT = "ryujaehun/pytorch-gpu-benchmark", "3f47a9e2a43ca751ffade0add700b54b00e44bf0"
LICENCE, PROTOCOL = "MIT", "pytorch-gpu-benchmark benchmark_models.py"
FOLDER = THIRD_PARTY / "pytorch-gpu-benchmark"
BATCH = 12
NAME = re.compile(r"^(?P<device>.+?)(?P<gpus>_1_gpus_)?_(?P<prec>float|single|half)_model_"
                  r"(?P<mode>train|training|inference)_benchmark\.csv$")
TIMED = {
    # 2020-2021 files (benchmark_models.py of 2020-01-17 and 2021-01-04): 50 timed iterations
    True: ("torch.randn images in a CPU DataLoader (8 workers): the input pipeline's last step, the host-to-device "
           "copy of each batch (img.to('cuda')), is inside the timed region"),
    # 2018 files: 20 timed iterations, the input made on the GPU once
    False: "torch.randn input made on the GPU once (no copy in the timed region)",
}


def note(found: dict, steps: int, new: bool, device: str) -> str:
    what = ("zero_grad, forward, cross-entropy loss and backward: no optimizer step" if found["mode"] != "inference"
            else "forward under torch.no_grad, model.eval()")
    precision = ("model.half(): pure fp16, no autocast" if found["prec"] == "half" else
                 "fp32" + (" (torch 1.7 of NGC pytorch:20.10 allowed TF32 by default)" if "A100" in device else ""))
    return (f"pytorch-gpu-benchmark benchmark_models.py: torchvision model, {what}; batch {BATCH}; {TIMED[new]}; "
            f"cudnn.benchmark on; 5 warm-up and {steps} timed iterations, each timed with torch.cuda.synchronize and "
            f"time.time; samples/s = {BATCH} / mean iteration time; step_ms from the {steps} iterations; {precision}; "
            "a small batch that leaves launch overheads in the figure (medium-low comparability); date: the commit "
            "that added the file")


def rows_of(rel: str, dates: dict) -> list:
    """The rows of one vendored file (one per model column)."""
    found = NAME.match(rel.rsplit("/", 1)[-1]).groupdict()
    device = driver_name(found["device"])
    new = bool(found["gpus"])
    with open(FOLDER / rel, encoding="utf-8", newline="") as fh:
        table = list(csv.reader(fh))
    out = []
    for col, model in enumerate(table[0]):
        ms = [float(r[col]) for r in table[1:]]
        mean = statistics.fmean(ms)
        deciles = statistics.quantiles(ms, n=10, method="inclusive")  # numpy.percentile's linear interpolation
        out.append(published(
            env=env_slug(device.replace("NVIDIA ", "").replace("GeForce ", ""), "ryujaehun"), framework="torch",
            device_kind="cuda", device_name=device, workload="cnn", model=model,
            mode="infer" if found["mode"] == "inference" else "train",
            precision="fp16" if found["prec"] == "half" else "fp32", batch_size=BATCH,
            samples_per_s=BATCH * 1000.0 / mean, step_ms_median=statistics.median(ms),
            step_ms_p10=deciles[0], step_ms_p90=deciles[-1],
            steps=len(ms), warmup_steps=5, backend="eager", cudnn_benchmark="on",
            tf32="on" if "A100" in device and found["prec"] != "half" else "",
            protocol=PROTOCOL, licence=LICENCE, timestamp_utc=dates[rel],
            reference=reference(REPO, COMMIT, rel, f"column {model}, mean of {len(ms)} iterations"),
            run_id=f"published:ryujaehun:{env_slug(rel.rsplit('/', 1)[0])}", note=note(found, len(ms), new, device)))
    return out


def records() -> dict[str, list]:
    """env -> rows, in the manifest's order."""
    with open(FOLDER / "manifest.csv", encoding="utf-8", newline="") as fh:
        dates = {row["path"]: row["commit_date"] for row in csv.DictReader(fh)}
    out: dict[str, list] = {}
    for rel in dates:
        for row in rows_of(rel, dates):
            out.setdefault(row.env, []).append(row)
    return out
