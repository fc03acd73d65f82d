"""The matmul sweep's best fp32 result against a bare matmul loop at the same size, same process.

    python benchmarks/bench_matmul.py --framework torch
    python benchmarks/bench_matmul.py --framework tensorflow --sizes 512,1024,2048

Target: the runner reaches at least 95% of the bare loop's TFLOP/s.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collect.measure.suites import Config  # noqa: E402


def bare_torch(n: int, seconds: float) -> float:
    import torch

    a, b = torch.randn(n, n), torch.randn(n, n)
    c = torch.empty(n, n)
    return _loop(lambda: torch.matmul(a, b, out=c), lambda: None, n, seconds)


def bare_tensorflow(n: int, seconds: float) -> float:
    import tensorflow as tf

    with tf.device("/CPU:0"):
        a, b = tf.random.normal((n, n)), tf.random.normal((n, n))
        last = [None]

        def step():
            last[0] = tf.linalg.matmul(a, b)
        return _loop(step, lambda: last[0][0, 0].numpy(), n, seconds)


def _loop(step, sync, n: int, seconds: float) -> float:
    for _ in range(3):
        step()
    sync()
    start, count = time.perf_counter(), 0
    while time.perf_counter() - start < seconds:
        step()
        count += 1
    sync()
    return count * 2 * n**3 / (time.perf_counter() - start) / 1e12


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--framework", default="torch", choices=["torch", "tensorflow"])
    parser.add_argument("--sizes", default="256,512,1024,2048")
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args(argv)
    if args.framework == "tensorflow":
        try:
            import torchvision  # noqa: F401  (imported before TensorFlow: the other order crashes)
        except ImportError:
            pass
    from collect.cli import make_adapter
    from collect.measure.adapter import Budget

    adapter = make_adapter(args.framework, "cpu", "off")
    sweep = {}
    for n in (int(s) for s in args.sizes.split(",")):
        out = adapter.measure(Config("matmul", f"matmul-{n}", "infer", "fp32", 1), Budget(args.seconds))
        sweep[n] = out.tflops
        print(f"runner matmul-{n} fp32: {out.tflops:.3f} TFLOP/s")
    best = max(sweep, key=sweep.get)
    bare = (bare_torch if args.framework == "torch" else bare_tensorflow)(best, args.seconds)
    ratio = sweep[best] / bare
    print(f"{args.framework}: sweep best n={best}: {sweep[best]:.3f} TFLOP/s; bare loop at n={best}: {bare:.3f} TFLOP/s; "
          f"ratio {ratio:.3f} (target >= 0.95)")
    return 0 if ratio >= 0.95 else 1


if __name__ == "__main__":
    raise SystemExit(main())
