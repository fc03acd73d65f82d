"""Datasheet peaks: the dense TFLOP/s a device can physically do, by precision.

A figure above PLAUSIBLE_SHARE of its device's dtype-matched peak is almost surely a sync or unit bug
(benchmarking-rules 10): `plot_results.py --check` lists such rows for a reviewer, and the site badges them
"over peak" wherever they are ranked.

Sources: vendor datasheets (NVIDIA T4, P100, V100, A100, RTX 3090, H100 SXM; K80 per GK210 as Colab/Kaggle
exposed it); Apple GPUs from philipturner/metal-benchmarks (Apple publishes none).
"""

from __future__ import annotations

PLAUSIBLE_SHARE = 0.9
# (name pattern, fp32, tf32, fp16/bf16). Most specific pattern first.
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
    """The datasheet peak of a device at a precision; None where the device or precision is not in PEAKS."""
    name = str(device_name).lower().replace("-", " ")
    for pattern, fp32, tf32, half in PEAKS:
        if pattern in name:
            return {"fp32": fp32, "tf32": tf32 or fp32}.get(precision, half if precision in _HALF else None)
    return None
