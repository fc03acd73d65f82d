"""Time validate + merge + plot over many synthetic results files, and report peak memory.

    python benchmarks/bench_merge.py                 # 10,000 files, 1,000,000 rows (the target case)
    python benchmarks/bench_merge.py --files 100 --rows 10000

Target on a 2-core machine: under 15 s and under 2 GB peak memory (ru_maxrss of this process).
"""

from __future__ import annotations

import argparse
import csv
import io
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collect.contract import cli_args  # noqa: E402
from collect.contract.record import FIELDS, make_record, to_row  # noqa: E402

MODELS = [("mlp", f"mlp-d{d}-w1024") for d in (5, 10, 15, 20)] + [("cnn", m) for m in ("resnet18", "resnet50", "mobilenet_v2")]


def file_text(env: str, rows: int, rng: random.Random) -> str:
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    kind = env.rsplit("-", 1)[1]
    for i in range(rows):
        workload, model = MODELS[i % len(MODELS)]
        rate = rng.uniform(10, 5000)
        writer.writerow(to_row(make_record(
            env=env, framework=("torch", "tensorflow")[i % 2], device_kind=kind, device_name=f"Device {env}",
            workload=workload, model=model, mode=("train", "infer")[(i // 2) % 2], precision="fp32",
            batch_size=(16, 64)[(i // 4) % 2], run_id=f"{env}-{i // 28}", timestamp_utc="2026-11-22T05:00:00+00:00",
            platform="local", samples_per_s=rate, step_ms_median=64000 / rate, step_ms_p10=60000 / rate,
            step_ms_p90=70000 / rate, steps=20, warmup_steps=3, harness_version="0.1.0",
            os="Linux-6.1-x86_64", python_version="3.11.7", cpu_name="Some CPU", cpu_count=8, ram_gb=32.0)))
    return buf.getvalue()


def write_dataset(folder: Path, files: int, rows: int) -> None:
    rng = random.Random(0)
    per_file = rows // files
    for i in range(files):
        env = f"machine-{i:05d}-{('cpu', 'cuda', 'mps')[i % 3]}"
        (folder / f"results_{env}.csv").write_text(file_text(env, per_file, rng), encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--files", type=int, default=10_000, help="results files to merge")
    parser.add_argument("--rows", type=int, default=1_000_000, help="rows over all files")
    parser.add_argument("--dir", type=Path, help="keep the synthetic results here and reuse them on the next run")
    args = parser.parse_args(cli_args.arguments(argv))  # a misspelt flag is an error, not a 10,000-file run
    import plot_results

    with tempfile.TemporaryDirectory() as tmp:
        folder = args.dir or Path(tmp) / "results"
        if not (folder.is_dir() and any(folder.glob("*.csv"))):
            folder.mkdir(parents=True, exist_ok=True)
            t0 = time.perf_counter()
            write_dataset(folder, args.files, args.rows)
            print(f"wrote {args.files:,} files, {args.rows:,} rows in {time.perf_counter() - t0:.1f} s (not timed)")
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        rc = plot_results.main(["--results-dir", str(folder), "--out", str(Path(tmp) / "r.png"),
                                "--markdown", str(Path(tmp) / "r.md"), "--figures", str(Path(tmp) / "figures")])
        elapsed = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux
    if sys.platform == "darwin":
        peak_mb /= 1024  # bytes on macOS
    print(f"validate + merge + plot: {elapsed:.2f} s, exit {rc}; peak RSS {peak_mb:,.0f} MiB "
          f"(before plotting: {rss_before / 1024:,.0f} MiB); target < 15 s and < 2048 MiB")
    return 0 if rc == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
