"""Time validate + merge + plot (every figure, results.md, the merged data) over large synthetic results folders.

    python benchmarks/bench_merge.py                      # all four shapes
    python benchmarks/bench_merge.py --shape power        # one shape
    python benchmarks/bench_merge.py --dir /tmp/bench     # keep the generated folders and reuse them next time
    python benchmarks/bench_merge.py --shape today --files 100 --rows 10000

Shapes (each a folder of results files the plotter was not tuned to, beside the one it was):
  today   10,000 files, 1,000,000 rows: the MLP and three CNNs, two modes, two batch sizes
  power   10,000 envs x 100 rows of one model, every row with power_w; a quarter of the files published figures
  mixed   1,000 envs x 1,000 rows: every workload and mode, backends, device counts, statuses, some power
  legacy  10,000 old wide files (env rows x depth columns of wall seconds), some with a BOM or CRLF

Each shape runs in a fresh process (its own peak memory: ru_maxrss), as does a bare pyarrow read of the
same files (pyarrow.csv.read_csv of every file, then one concat_tables): the plotter's time is printed as a
ratio to it. Target on a 2-core machine: under 15 s and under 2 GB for every shape.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args  # noqa: E402
from collect.contract.record import FIELDS, make_record, to_row  # noqa: E402

AT = {name: i for i, name in enumerate(FIELDS)}
SHAPES = ("today", "power", "mixed", "legacy")
TARGET_S, TARGET_MB = 15.0, 2048.0
FINGERPRINT = dict(timestamp_utc="2026-11-22T05:00:00+00:00", platform="local", harness_version="0.1.0",
                   os="Linux-6.1-x86_64", python_version="3.11.7", cpu_name="Some CPU", cpu_count=8, ram_gb=32.0)


class Rows:
    """A results file's text, written fast: one template row per configuration (a Record, so every cell is
    valid), then each row as the template with its own numbers and run id."""

    def __init__(self, env: str):
        self.buf = io.StringIO()
        self.writer = csv.writer(self.buf, lineterminator="\n")
        self.writer.writerow(FIELDS)
        self.env = env
        self.templates: dict[tuple, list[str]] = {}

    def add(self, rng: random.Random, rate: float, run_id: str, power: float | None = None, **config) -> None:
        key = tuple(sorted(config.items()))
        if key not in self.templates:
            values = {**FINGERPRINT, "env": self.env, "run_id": "x", "samples_per_s": 1.0, **config}
            self.templates[key] = list(to_row(make_record(**values)).values())
        row, at = list(self.templates[key]), AT
        batch = float(row[at["batch_size"]])
        if row[at["status"]] == "ok":
            row[at["samples_per_s"]] = repr(rate)
            row[at["step_ms_median"]] = repr(batch / rate * 1e3)
            row[at["step_ms_p10"]] = repr(0.95 * batch / rate * 1e3)
            row[at["step_ms_p90"]] = repr(1.1 * batch / rate * 1e3)
        row[at["run_id"]] = run_id
        if power is not None:
            row[at["power_w"]] = repr(power)
            row[at["energy_j_per_sample"]] = repr(power / rate)
        self.writer.writerow(row)

    def text(self) -> str:
        return self.buf.getvalue()


CNNS = ("resnet18", "resnet50", "mobilenet_v2")


def today_file(env: str, rows: int, rng: random.Random) -> str:
    out = Rows(env)
    kind = env.rsplit("-", 1)[1]
    models = [("mlp", f"mlp-d{d}-w1024") for d in (5, 10, 15, 20)] + [("cnn", m) for m in CNNS]
    for i in range(rows):
        workload, model = models[i % len(models)]
        out.add(rng, rng.uniform(10, 5000), f"{env}-{i // 28}", framework=("torch", "tensorflow")[i % 2], device_kind=kind,
                device_name=f"Device {env}", workload=workload, model=model, mode=("train", "infer")[(i // 2) % 2],
                precision="fp32", batch_size=(16, 64)[(i // 4) % 2], steps=20, warmup_steps=3)
    return out.text()


def power_file(env: str, rows: int, rng: random.Random, published: bool) -> str:
    out = Rows(env)
    extra = dict(source="published", reference="Some blog (2024), table 2", energy_method="") if published else {}
    for i in range(rows):
        batch, precision, mode = (1, 8, 32, 128)[i % 4], ("fp32", "fp16")[(i // 4) % 2], ("train", "infer")[(i // 8) % 2]
        method = extra.get("energy_method", ("nvml_energy", "nvml_power", "rapl", "powermetrics")[zlib.crc32(env.encode()) % 4])
        out.add(rng, rng.uniform(50, 5000), f"{env}-{i // 16}", power=rng.uniform(20, 400), framework="torch",
                device_kind="cuda", device_name=f"GPU {env}", workload="cnn", model="resnet50", mode=mode, precision=precision,
                batch_size=batch, **{**extra, "energy_method": method})
    return out.text()


def mixed_file(env: str, rows: int, rng: random.Random) -> str:
    out = Rows(env)
    kind = ("cpu", "cuda", "mps")[zlib.crc32(env.encode()) % 3]
    models = [("mlp", f"mlp-d{d}-w1024") for d in (5, 10, 15, 20)] + [("cnn", m) for m in CNNS]
    models += [("transformer", m) for m in ("tiny", "bert-base")] + [("matmul", f"matmul-{n}") for n in (256, 512, 1024, 2048)]
    for i in range(rows):
        workload, model = models[i % len(models)]
        framework = ("torch", "tensorflow")[(i // 13) % 2]
        backend = (("eager", "torch_compile", "onnxruntime") if framework == "torch" else ("tf_function", "xla", "eager"))[(i // 26) % 3]
        mode = "infer" if workload == "matmul" else ("train", "infer", "train_forward", "train_backward")[(i // 78) % 4]
        if backend in ("onnxruntime", "xla") and mode != "infer" or workload == "matmul" and backend not in ("eager", "tf_function"):
            backend = "eager" if framework == "torch" else "tf_function"
        world = (1, 2, 4)[(i // 312) % 3] if mode == "train" and workload == "cnn" else 1
        status = "ok" if i % 50 else ("oom", "unsupported")[i % 100 == 0]
        out.add(rng, rng.uniform(10, 50000), f"{env}-{i // 100}", power=rng.uniform(10, 300) if i % 7 == 0 else None,
                framework=framework, backend=backend, device_kind=kind, device_name=f"Device {env}", workload=workload,
                model=model, mode=mode, precision=("fp32", "fp16", "bf16")[(i // 5) % 3], batch_size=(1, 16, 64)[(i // 3) % 3],
                world_size=world, distributed="none" if world == 1 else ("ddp" if framework == "torch" else "mirrored"),
                status=status, energy_method="nvml_energy" if i % 7 == 0 else "", note="" if status == "ok" else "out of memory")
    return out.text()


def legacy_file(i: int, rng: random.Random) -> bytes:
    depths = (5, 10, 15, 20)
    lines = [",".join(["", *map(str, depths)])]
    for j in range(1 + i % 3):
        cells = [f"{rng.uniform(20, 500):.6f}" if rng.random() > 0.1 else "" for _ in depths]
        cells[0] = cells[0] or "60.0"
        lines.append(",".join([f"Machine {i} GPU {j}", *cells]))
    text = "\n".join(lines) + "\n"
    if i % 5 == 0:
        text = text.replace("\n", "\r\n")
    return (b"\xef\xbb\xbf" if i % 7 == 0 else b"") + text.encode()


def write_shape(shape: str, folder: Path, files: int, rows: int) -> None:
    rng = random.Random(0)
    for i in range(files):
        kind = ("cpu", "cuda", "mps")[i % 3]
        env = f"machine-{i:05d}-{kind}"
        if shape == "legacy":
            (folder / f"results_legacy-{i:05d}.csv").write_bytes(legacy_file(i, rng))
            continue
        text = {"today": lambda: today_file(env, rows // files, rng),
                "power": lambda: power_file(env, rows // files, rng, published=i % 4 == 0),
                "mixed": lambda: mixed_file(env, rows // files, rng)}[shape]()
        (folder / f"results_{env}.csv").write_text(text, encoding="utf-8")


SIZES = {"today": (10_000, 1_000_000), "power": (10_000, 1_000_000), "mixed": (1_000, 1_000_000), "legacy": (10_000, 0)}


def peak_mb() -> float:
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / 2**20 if sys.platform == "darwin" else peak / 1024  # bytes on macOS, KiB on Linux


def cpu_s() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime  # every thread of this process


def measure(kind: str, folder: Path) -> dict:
    """One measurement in this (fresh) process: the plotter on the folder, or the bare pyarrow read."""
    if kind == "pyarrow":
        import pyarrow as pa
        import pyarrow.csv as pacsv

        t0, c0 = time.perf_counter(), cpu_s()
        tables = [pacsv.read_csv(path) for path in sorted(folder.glob("*.csv"))]
        rows = pa.concat_tables(tables, promote_options="permissive").num_rows
        return {"seconds": time.perf_counter() - t0, "cpu": cpu_s() - c0, "peak_mb": peak_mb(), "rows": rows}
    import plot_results

    with tempfile.TemporaryDirectory() as out:
        err = io.StringIO()
        t0, c0 = time.perf_counter(), cpu_s()
        with contextlib.redirect_stderr(err):
            rc = plot_results.main(["--results-dir", str(folder), "--out", f"{out}/r.png", "--markdown", f"{out}/r.md"])
        seconds, cpu = time.perf_counter() - t0, cpu_s() - c0
        written = sorted(p.relative_to(out).as_posix() for p in Path(out).rglob("*") if p.is_file())
    valid = re.search(r"([\d,]+) valid rows", err.getvalue())
    return {"seconds": seconds, "cpu": cpu, "peak_mb": peak_mb(), "rc": rc, "written": written,
            "rows": int(valid.group(1).replace(",", "")) if valid else 0, "tail": err.getvalue()[-500:] if rc else ""}


def run_measure(kind: str, folder: Path) -> dict:
    cmd = [sys.executable, __file__, "--measure", kind, "--dir", str(folder)]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if done.returncode != 0:
        raise SystemExit(f"{kind} on {folder} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def bench(shape: str, folder: Path, files: int, rows: int) -> bool:
    if not (folder.is_dir() and any(folder.glob("*.csv"))):
        folder.mkdir(parents=True, exist_ok=True)
        t0 = time.perf_counter()
        write_shape(shape, folder, files, rows)
        print(f"[{shape}] wrote {files:,} files in {time.perf_counter() - t0:.1f} s (not timed)", flush=True)
    plot = run_measure("plot", folder)
    bare = run_measure("pyarrow", folder)
    ok = plot["rc"] == 0 and plot["seconds"] < TARGET_S and plot["peak_mb"] < TARGET_MB
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(f"[{shape}] {files:,} files, {plot['rows']:,} valid rows: validate + merge + plot {plot['seconds']:.2f} s "
          f"(CPU {plot['cpu']:.1f} s), peak {plot['peak_mb']:,.0f} MiB, exit {plot['rc']}; bare pyarrow read "
          f"{bare['seconds']:.2f} s (CPU {bare['cpu']:.1f} s, {bare['peak_mb']:,.0f} MiB); ratio "
          f"{plot['seconds'] / bare['seconds']:.2f}x; load average {load:.1f} on {os.cpu_count()} CPUs; "
          f"target < {TARGET_S:.0f} s and < {TARGET_MB:.0f} MiB: {'met' if ok else 'MISSED'}", flush=True)
    tops = sorted({name.split("/")[0] for name in plot["written"]})  # the site alone is thousands of files: name its folder
    print(f"[{shape}] wrote {len(plot['written']):,} files: {', '.join(tops)}{plot['tail']}", flush=True)
    return ok


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--shape", choices=(*SHAPES, "all"), default="all", help="which folder shape to measure")
    parser.add_argument("--files", type=int, help="results files (default: the shape's)")
    parser.add_argument("--rows", type=int, help="rows over all files (default: the shape's; legacy files hold 1-3 envs)")
    parser.add_argument("--dir", type=Path, help="keep the synthetic folders here (one per shape) and reuse them")
    parser.add_argument("--measure", choices=("plot", "pyarrow"), help=argparse.SUPPRESS)  # one measurement, in a child
    args = parser.parse_args(cli_args.arguments(argv))  # a misspelt flag is an error, not a 10,000-file run
    if args.measure:
        print(json.dumps(measure(args.measure, args.dir)))
        return 0
    shapes = SHAPES if args.shape == "all" else (args.shape,)
    with tempfile.TemporaryDirectory() as tmp:
        base = args.dir or Path(tmp)
        results = []
        for shape in shapes:
            files, rows = args.files or SIZES[shape][0], args.rows or SIZES[shape][1]
            custom = "" if (files, rows) == SIZES[shape] else f"-{files}-{rows}"
            results.append(bench(shape, base / f"{shape}{custom}", files, rows))
    return 0 if all(results) else 1


if __name__ == "__main__":
    raise SystemExit(main())
