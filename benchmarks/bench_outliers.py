"""Time the cross-submission checks over generated datasets of 1,000 and 10,000 envs (20 configurations each).

    python benchmarks/bench_outliers.py                    # 1,000 and 10,000 envs, 40 devices
    python benchmarks/bench_outliers.py --envs 10000 --devices 1 --trials 5

Each env runs 20 configurations (two frameworks, five models, two batch sizes) with --trials rows each, on one of
--devices devices: four CPUs named "AMD EPYC" that only their generation (cpu_arch) tells apart, the rest with a model
number, so the device identity is worked out as --check does it. One env in a hundred is planted at 3x its device.
Timed, the best and the median of --repeat calls:
  outliers(rows)   collect.contract.outliers.outliers on the loaded-like rows: what --check's hint costs
  cross_bits       collect.present.crosscheck.cross_bits on the rows and their aggregate: what summarize adds
The frames are built in memory with categorical columns, as the loader gives them (no CSV is written or read).
Target: well under a second for 10,000 envs on a 2-core machine.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args  # noqa: E402
from collect.contract.outliers import outliers  # noqa: E402
from collect.present import crosscheck, summary  # noqa: E402
from collect.present.roofline import add_peak_frac  # noqa: E402

MODELS = ("resnet50", "bert-base", "mlp-d5-w1024", "gpt2-small", "vit-b16")
ARCHES = ("Zen 2", "Zen 3", "Zen 4", "Zen 5")


def dataset(envs: int, devices: int, trials: int, seed: int = 0) -> pd.DataFrame:
    """envs x 20 configurations x trials rows, categorical like a loaded frame; 1% of envs planted at 3x."""
    rng = np.random.default_rng(seed)
    configs = [(f, m, b) for f in ("torch", "tensorflow") for m in MODELS for b in (16, 64)]
    env = np.repeat(np.arange(envs), len(configs) * trials)
    config = np.tile(np.repeat(np.arange(len(configs)), trials), envs)
    device = rng.integers(0, devices, envs)[env]
    level = np.exp(rng.normal(0, 0.05, envs))[env] * np.where(rng.random(envs) < 0.01, 3.0, 1.0)[env]
    base = 100.0 * (1 + device) * (1 + config)
    rate = base * level * np.exp(rng.normal(0, 0.02, len(env)))
    # the first devices are named "AMD EPYC" and told apart by their generation, the rest by a model number
    names = [f"AMD EPYC {9000 + d}" if d >= len(ARCHES) else "AMD EPYC" for d in range(devices)]
    per_config = {name: np.asarray([c[k] for c in configs], dtype=object) for k, name in enumerate(("framework", "model"))}
    frame = pd.DataFrame({
        "env": pd.Categorical.from_codes(env, [f"env{i:05d}-cpu" for i in range(envs)]),
        "framework": pd.Categorical(per_config["framework"][config]),
        "model": pd.Categorical(per_config["model"][config]),
        "batch_size": np.asarray([c[2] for c in configs], dtype=float)[config],
        "device_name": pd.Categorical(np.asarray(names, dtype=object)[device]),
        "cpu_vendor": pd.Categorical(np.full(len(env), "AuthenticAMD", dtype=object)),
        "cpu_arch": pd.Categorical(np.asarray([*ARCHES, *[""] * devices], dtype=object)[device]),
        "samples_per_s": rate, "step_ms_median": 1000.0 / rate, "trial": np.tile(np.arange(trials), envs * len(configs)),
    })
    constant = dict(device_kind="cpu", workload="cnn", mode="infer", precision="fp32", backend="eager", status="ok",
                    source="measured", protocol="devicebench", note="")
    for name, value in constant.items():
        frame[name] = pd.Categorical(np.full(len(frame), value, dtype=object))
    frame["world_size"], frame["seq_len"], frame["context_len"], frame["tflops"] = 1.0, np.nan, np.nan, np.nan
    return frame


def timed(fn, repeat: int) -> tuple[float, float, object]:
    """(best, median) seconds of repeat calls, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), statistics.median(times), result


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--envs", type=int, nargs="+", default=[1000, 10000], help="dataset sizes, in envs")
    parser.add_argument("--devices", type=int, default=40, help="devices the envs are spread over")
    parser.add_argument("--trials", type=int, default=3, help="rows per env and configuration")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls of each check")
    args = parser.parse_args(cli_args.arguments(argv))
    print(f"{'envs':>6} {'rows':>9} {'outliers':>8} {'outliers(rows) s':>22} {'cross_bits s':>20}  (best / median)")
    for envs in args.envs:
        frame = dataset(envs, args.devices, args.trials)
        with_device = summary.with_device(frame)
        agg, found = add_peak_frac(summary.aggregate(with_device))
        best, median, hits = timed(lambda f=frame: outliers(f), args.repeat)
        cross_best, cross_median, _ = timed(lambda: crosscheck.cross_bits(with_device, agg, found.compute), args.repeat)
        print(f"{envs:>6} {len(frame):>9,} {len(hits):>8} {best:>11.3f} / {median:<8.3f} "
              f"{cross_best:>10.3f} / {cross_median:<8.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
