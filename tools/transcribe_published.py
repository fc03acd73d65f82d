"""Write the published reference figures (from the projects devicebench descends from) to results/.

Run once by a maintainer: `python tools/transcribe_published.py [--results-dir results]`.
Each figure is copied as published; derived values (img/s from seconds, ms from s) are
plain unit conversions. It refuses to overwrite a file that exists.

The openly licensed tables of other harnesses (timm, Lambda's tf_cnn_benchmarks logs, the MAMF table,
NVIDIA DeepLearningExamples, pytorch-gpu-benchmark) are written by `python -m tools.published` from the
excerpts vendored under third_party/.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collect.contract import cli_args  # noqa: E402
from collect.contract.csvio import append_records, results_path  # noqa: E402
from collect.contract.record import make_record  # noqa: E402

IMAGE_BENCH = ("PyTorch image inference benchmark, Apple silicon vs CUDA (image_benchmark.py; "
               "README logs of 2022-07-17/18; 100,000 random 224x224 images)")
MPS_BENCH = ("Bechmark PyTorch MPS (README table, seconds per batch; torchvision ResNet-50 224x224; "
             "torch 1.12.0.dev20220520, macOS 12.4)")
TF_METAL = ("tf-metal-experiments (README tables: training throughput; "
            "RTX 3090 with XLA and mixed_float16)")
PIPELINE = "input pipeline included: preprocessing ran on one CPU core inside the timed loop"


def image_bench():
    common = dict(source="published", reference=IMAGE_BENCH, framework="torch", workload="cnn",
                  model="resnet50", mode="infer", precision="fp32", batch_size=64, platform="local")
    yield "apple-m1-max-mbp14-mps", [make_record(
        env="apple-m1-max-mbp14-mps", run_id="published:image-bench:mbp14", timestamp_utc="2022-07-17",
        device_kind="mps", device_name="Apple M1 Max 32-core GPU (MacBook Pro 14-inch 2021, 64 GB)",
        samples_per_s=100_000 / 404.6518, wall_s=404.6518, ram_gb=64.0,
        note=f"100,000 images in 404.65 s; {PIPELINE}", **common)]
    yield "apple-m1-max-studio-mps", [make_record(
        env="apple-m1-max-studio-mps", run_id="published:image-bench:studio", timestamp_utc="2022-07-17",
        device_kind="mps", device_name="Apple M1 Max 32-core GPU (Mac Studio, 64 GB)",
        samples_per_s=100_000 / 380.2072, wall_s=380.2072, ram_gb=64.0,
        note=f"100,000 images in 380.21 s; {PIPELINE}", **common)]
    yield "rtx-3090-cuda", [make_record(
        env="rtx-3090-cuda", run_id="published:image-bench:rtx3090", timestamp_utc="2022-07-18",
        device_kind="cuda", device_name="NVIDIA GeForce RTX 3090", samples_per_s=106.69,
        note=f"partial: 106.69 img/s after 8,512 of 100,000 images; input pipeline bound ({PIPELINE})",
        **common)]


# seconds per batch: (mode, batch) -> (cpu, mps)
MPS_TABLE = {
    ("infer", 1): (0.019279, 0.009077), ("infer", 4): (0.061646, 0.017558), ("infer", 16): (0.236246, 0.051581),
    ("train_forward", 1): (0.018578, 0.029572), ("train_forward", 4): (0.067474, 0.063275),
    ("train_forward", 16): (0.237479, 0.179594),
    ("train_backward", 1): (0.035397, 0.020894), ("train_backward", 4): (0.150062, 0.033974),
    ("train_backward", 16): (0.447114, 0.079660),
}


def mps_bench():
    env, rows = "apple-m1-mba13-2020", []
    for (mode, batch), seconds in MPS_TABLE.items():
        for kind, s in zip(("cpu", "mps"), seconds, strict=True):
            rows.append(make_record(
                env=env, source="published", reference=MPS_BENCH, run_id="published:mps-bench",
                platform="local", framework="torch", framework_version="1.12.0.dev20220520",
                device_kind=kind, device_name="Apple M1 (MacBook Air 2020, 16 GB)", workload="cnn",
                model="resnet50", mode=mode, precision="fp32", batch_size=batch,
                samples_per_s=batch / s, step_ms_median=s * 1000, ram_gb=16.0, os="macOS 12.4",
                note="seconds per batch as published; warm-up, sync and repeats not stated"))
    yield env, rows


# model -> (workload, batch, M1 Max img|seq/s, W, memory, RTX 3090 img|seq/s, W)
TF_TABLE = {
    "resnet50": ("cnn", 64, 135, 40, "13 GB", 957, 300),
    "mobilenet_v2": ("cnn", 128, 352, 37, "15 GB", 1927, 310),
    "distilbert-base": ("transformer", 64, 120, 35, "9 GB", 1040, 310),
    "bert-large": ("transformer", 32, 18, 36, "14 GB", 164, 320),
}


def tf_metal():
    m1, rtx = [], []
    for model, (workload, batch, m1_rate, m1_w, mem, rtx_rate, rtx_w) in TF_TABLE.items():
        common = dict(source="published", reference=TF_METAL, platform="local", framework="tensorflow",
                      workload=workload, model=model, mode="train", batch_size=batch)
        m1.append(make_record(
            env="apple-m1-max-32c-tf-metal", run_id="published:tf-metal:m1max", device_kind="gpu",
            device_name="Apple M1 Max 32-core GPU (Metal)", precision="fp32", samples_per_s=float(m1_rate),
            backend="tf_function",
            power_w=float(m1_w), energy_method="powermetrics",
            note=f"GPU power from powermetrics (1 s average); memory {mem}", **common))
        rtx.append(make_record(
            env="rtx-3090-tf-xla", run_id="published:tf-metal:rtx3090", device_kind="cuda",
            device_name="NVIDIA GeForce RTX 3090", precision="mixed_fp16", xla="on",
            samples_per_s=float(rtx_rate), power_w=float(rtx_w), backend="xla",
            note="XLA and mixed_float16; power method not stated", **common))
    yield "apple-m1-max-32c-tf-metal", m1
    yield "rtx-3090-tf-xla", rtx


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--results-dir", default="results", help="folder the published rows are written to")
    args = parser.parse_args(cli_args.arguments(argv))  # a misspelt flag is an error, not ignored
    for source in (image_bench, mps_bench, tf_metal):
        for env, rows in source():
            path = results_path(args.results_dir, env)
            if path.exists():
                print(f"{path} exists; left as it is", file=sys.stderr)
                continue
            append_records(path, rows)
            print(f"wrote {len(rows)} rows to {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
