"""Lambda's TensorFlow benchmark (LambdaColdStorage/lambda-tensorflow-benchmark, BSD-3-Clause): single-GPU
ResNet-50 runs of tf_cnn_benchmarks on synthetic data, one row per per-run log.

third_party/lambda-tensorflow-benchmark/logs.txt holds, per log, the lines this reader uses, verbatim, under a
'### <path> blob=<git blob id>' heading. The folders are those Lambda's own tools/log2csv.py reads for its
single-GPU rows, the XLA-off twin of each of its XLA folders (same host and TensorFlow), and the single-GPU folders
of GPUs log2csv does not list (RTX 3070, A100 SXM4 with and without XLA, Quadro RTX 6000, Radeon Pro VII).
"""

from __future__ import annotations

import re

from collect.contract.devices import device_key

from .common import THIRD_PARTY, driver_name, env_slug, number, published, reference

REPO, COMMIT = "LambdaColdStorage/lambda-tensorflow-benchmark", "e086e0e7d88a19991642d0774793693d4b7cbe46"
LICENCE, PROTOCOL = "BSD-3-Clause", "tf_cnn_benchmarks"
EXCERPT = THIRD_PARTY / "lambda-tensorflow-benchmark" / "logs.txt"
PATH = re.compile(r"^logs/(?P<folder>[^/]+)\.logs/syn-replicated-(?P<prec>fp16|fp32)-1gpus(?P<infer>-inference)?/"
                  r"resnet50-(?P<batch>\d+)/throughput/1$")
# AMD's GPU under ROCm TensorFlow reports its chip ("Vega 20"); the folder names the board.
BOARDS = {"Vega 20": "AMD Radeon Pro VII"}
FIELDS = {
    "tf": re.compile(r"^TensorFlow:\s+(\S+)", re.M), "mode": re.compile(r"^Mode:\s+(.+)$", re.M),
    "dataset": re.compile(r"^Dataset:\s+(.+)$", re.M), "batch": re.compile(r"^Batch size:\s+(\d+) global", re.M),
    "format": re.compile(r"^Data format:\s+(\S+)", re.M), "total": re.compile(r"^total images/sec: (\S+)$", re.M),
    "date": re.compile(r"^(\d{4}-\d\d-\d\d) \d\d:\d\d:\d\d", re.M),
    "device": re.compile(r"physical GPU \(device: 0, name: ([^,)]+)"),
    "capability": re.compile(r"compute capability: (\d+\.\d+)\)"),
    "units": re.compile(r"coreCount: (\d+)"), "memory": re.compile(r"deviceMemorySize: ([\d.]+)GiB"),
    "clock": re.compile(r"coreClock: ([\d.]+)GHz"),
}


def sections(text: str) -> dict[str, str]:
    """path -> the excerpt's lines of that log."""
    out, path = {}, None
    for line in text.splitlines():
        if line.startswith("### "):
            path = line[4:].split(" blob=")[0]
            out[path] = ""
        elif path is not None:
            out[path] += line + "\n"
    return out


def parse(body: str) -> dict[str, str]:
    """The facts one log states ("" where it does not say)."""
    found = {name: (m.group(1) if (m := pattern.search(body)) else "") for name, pattern in FIELDS.items()}
    found["xla"] = "on" if "Compiled cluster using XLA" in body else "off"
    return found


def note(facts: dict, folder: str, mode: str, prec: str) -> str:
    what = "training step (forward, backward, SGD update)" if mode == "train" else "inference (forward only)"
    precision = ("--use_fp16: fp16 compute with fp32 variables (mixed precision)" if prec == "fp16" else
                 "fp32 (on an Ampere GPU TensorFlow may run its convolutions and matmuls in TF32: not recorded)")
    return (f"tf_cnn_benchmarks resnet50 {what}, {facts['dataset']}: random images generated on the GPU, no data "
            f"loading in the timed loop; images/s over 100 batches after warm-up ('total images/sec' of the log); {precision}; "
            f"XLA {facts['xla']} (the log {'says' if facts['xla'] == 'on' else 'does not say'} 'Compiled cluster using "
            f"XLA'); {facts['format']}; variable_update replicated; batch {facts['batch']} (Lambda's batch for this GPU and precision); "
            f"TensorFlow {facts['tf']}; tf_cnn_benchmarks' own ResNet-50 graph, not keras.applications; log folder "
            f"{folder}; date from the log")


def row(path: str, body: str):
    """The row of one log."""
    match = PATH.match(path)
    facts, folder = parse(body), match["folder"]
    mode = "infer" if match["infer"] else "train"
    if facts["mode"] != ("forward only" if mode == "infer" else "training") or facts["batch"] != match["batch"]:
        raise ValueError(f"{path}: the log's mode or batch size disagrees with its folder")
    name = BOARDS.get(facts["device"], driver_name(facts["device"]))
    amd = name.startswith("AMD")
    cloud = "-cloud" if "LambdaCloud" in folder else ""
    return published(
        env=env_slug(device_key(name), f"lambda{cloud}-tf"), framework="tensorflow", framework_version=facts["tf"],
        device_kind="gpu" if amd else "cuda", device_name=name, workload="cnn", model="resnet50", mode=mode,
        precision="mixed_fp16" if match["prec"] == "fp16" else "fp32", batch_size=int(match["batch"]),
        samples_per_s=number(facts["total"]), backend="xla" if facts["xla"] == "on" else "tf_function",
        xla=facts["xla"], protocol=PROTOCOL, licence=LICENCE, timestamp_utc=facts["date"],
        reference=reference(REPO, COMMIT, path, "line 'total images/sec'"), run_id=f"published:lambda-tf:{folder}",
        accel_capability=facts["capability"], accel_units=int(facts["units"]) if facts["units"] else "",
        accel_mem_gb=number(facts["memory"]) if facts["memory"] else "",
        accel_clock_mhz=round(number(facts["clock"]) * 1000.0, 1) if facts["clock"] else "",
        note=note(facts, folder, mode, match["prec"]) + ("; AMD GPU under ROCm TensorFlow (device_kind gpu), "
                                                          f"reported as '{facts['device']}' (gfx906); accel_units: its compute units" if amd else ""))


def records() -> dict[str, list]:
    """env -> rows, in the excerpt's order."""
    out: dict[str, list] = {}
    for path, body in sections(EXCERPT.read_text(encoding="utf-8")).items():
        record = row(path, body)
        out.setdefault(record.env, []).append(record)
    return out
