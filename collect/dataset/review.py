"""Rows a reviewer should look at before merging: printed by `plot_results.py --check`.

Not errors (a file with such rows is still valid): a throughput above what the device can
physically do, a harness older than the oldest we still accept, one run_id in several files.
"""

from __future__ import annotations

import pandas as pd

from collect.dataset.validate import Problem

MIN_HARNESS_VERSION = (0, 1, 0)
PLAUSIBLE_SHARE = 0.9  # above ~90% of the dtype-matched peak is almost surely a sync or unit bug

# Peak dense TFLOP/s by device: (name pattern, fp32, tf32, fp16/bf16). Most specific pattern first.
# Sources: vendor datasheets (NVIDIA T4, P100, V100, A100, RTX 3090, H100 SXM; K80 per GK210 as
# Colab/Kaggle exposed it); Apple GPUs from philipturner/metal-benchmarks (Apple publishes none).
PEAKS = (
    ("m1 max", 10.6, None, 10.6),
    ("m1 pro", 5.3, None, 5.3),
    ("m1", 2.6, None, 2.6),
    ("m2", 3.6, None, 3.6),
    ("k80", 4.4, None, None),
    ("t4", 8.1, None, 65.0),
    ("p100", 9.3, None, 18.7),
    ("v100", 15.7, None, 125.0),
    ("a100", 19.5, 156.0, 312.0),
    ("rtx 3090", 35.6, None, 71.0),
    ("h100", 67.0, 494.0, 989.0),
)
_HALF = ("fp16", "bf16", "mixed_fp16", "mixed_bf16")


def peak_tflops(device_name: str, precision: str) -> float | None:
    name = device_name.lower().replace("-", " ")
    for pattern, fp32, tf32, half in PEAKS:
        if pattern in name:
            return {"fp32": fp32, "tf32": tf32 or fp32}.get(precision, half if precision in _HALF else None)
    return None


def _version(text: str) -> tuple[int, ...] | None:
    try:
        return tuple(int(part) for part in str(text).split(".")[:3])
    except ValueError:
        return None


def review(frame: pd.DataFrame) -> list[Problem]:
    out = []
    for r in frame.itertuples():
        where = (str(r.file), int(r.line))
        peak = peak_tflops(str(r.device_name), str(r.precision)) if str(r.device_kind) != "cpu" else None
        if peak and r.tflops == r.tflops and r.tflops > PLAUSIBLE_SHARE * peak:
            out.append(Problem(*where, "tflops", f"{r.tflops:.1f} TFLOP/s is above {PLAUSIBLE_SHARE:.0%} of the "
                               f"{peak:g} TFLOP/s {r.precision} peak of {r.device_name}: check sync and units",
                               level="review"))
        version = _version(r.harness_version) if str(r.source) == "measured" else None
        if version and version < MIN_HARNESS_VERSION:
            out.append(Problem(*where, "harness_version", f"{r.harness_version} is older than the oldest supported "
                               f"({'.'.join(map(str, MIN_HARNESS_VERSION))}); re-run with a current devicebench",
                               level="review"))
    ids = frame[frame["source"].astype(str) == "measured"].groupby("run_id", observed=True)["file"].agg(lambda f: sorted(set(map(str, f))))
    for run_id, files in ids.items():
        if len(files) > 1:
            out.append(Problem(files[0], None, "run_id", f"run {run_id!r} also appears in {', '.join(files[1:])}: "
                               "one run, one file", level="review"))
    return out
