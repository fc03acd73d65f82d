"""How long each suite takes on this machine, as a newcomer runs it: wall time per framework, trials and process
starts included, and what the trials exposed (configurations noted unsteady, the median spread of their trials).

    python benchmarks/bench_suites.py                            # the quick suite, torch and TensorFlow
    python benchmarks/bench_suites.py --suites quick,default     # also the default suite (minutes per framework)
    python benchmarks/bench_suites.py --suites score --frameworks torch

Each run is `python -m collect --framework F --suite S --device cpu` in a fresh process writing to a temporary
results folder (never results/), with the suite's own defaults (its trials, windows and warm-up) unless --repeat or
--max-seconds say otherwise. The budgets (docs/measuring.md): the quick suite at most 60 s per framework; `make
bench` (both frameworks' default suites and the plot) at most 12 minutes on the 2-core development machine.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args  # noqa: E402
from collect.contract.csvio import read_rows  # noqa: E402
from collect.measure.trials import key_of  # noqa: E402

BUDGET_S = {"quick": 60.0}  # per framework
TOTAL_BUDGET_S = {"default": 12 * 60.0}  # `make bench`: both frameworks' default suites and the plot


def spread(rows: list[dict]) -> tuple[int, int, float]:
    """(configurations, of them unsteady, median over configurations of fastest / slowest trial)."""
    by_config: dict[tuple, list[float]] = {}
    for row in rows:
        if row.get("status") == "ok" and row.get("samples_per_s"):
            by_config.setdefault(key_of(row), []).append(float(row["samples_per_s"]))
    ratios = [max(v) / min(v) for v in by_config.values() if len(v) > 1 and min(v) > 0]
    unsteady = len({key_of(r) for r in rows if "unsteady" in r.get("note", "")})
    return len(by_config), unsteady, statistics.median(ratios) if ratios else 1.0


def run(framework: str, suite: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-suites-") as folder:
        command = [sys.executable, "-m", "collect", "--framework", framework, "--suite", suite, "--device", "cpu",
                   "--results-dir", folder, "--env", "bench-cpu", "--no-progress", "--no-summary", *extra]
        load = os.getloadavg()[0]
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        seconds = time.perf_counter() - start
        path = Path(folder) / "results_bench-cpu.csv"
        rows = read_rows(path) if path.exists() else []
    configs, unsteady, median_spread = spread(rows)
    trials = max((int(r.get("trial") or 1) for r in rows), default=0)
    return {"framework": framework, "suite": suite, "seconds": seconds, "rc": done.returncode, "rows": len(rows),
            "configs": configs, "trials": trials, "unsteady": unsteady, "spread": median_spread, "load": load,
            "load_end": os.getloadavg()[0], "tail": done.stderr[-800:] if done.returncode else ""}


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--suites", default="quick", help="comma list of suites to time: quick, default, score, backends")
    parser.add_argument("--frameworks", default="torch,tensorflow", help="comma list: torch, tensorflow")
    parser.add_argument("--repeat", type=int, help="trials, instead of each suite's own default")
    parser.add_argument("--max-seconds", type=float, help="timed window cap, instead of each suite's own")
    args = parser.parse_args(cli_args.arguments(argv))
    extra = (["--repeat", str(args.repeat)] if args.repeat else []) + (["--max-seconds", str(args.max_seconds)] if args.max_seconds else [])
    worst = 0
    for suite in [s.strip() for s in args.suites.split(",") if s.strip()]:
        total = 0.0
        for framework in [f.strip() for f in args.frameworks.split(",") if f.strip()]:
            r = run(framework, suite, extra)
            budget = BUDGET_S.get(suite)
            verdict = "" if budget is None else f"; budget {budget:.0f} s: {'met' if r['seconds'] <= budget else 'MISSED'}"
            print(f"[{suite}] {framework}: {r['seconds']:.1f} s wall ({r['seconds'] / 60:.1f} min), {r['trials']} trials of "
                  f"{r['configs']} configurations ({r['rows']} rows), exit {r['rc']}; {r['unsteady']} unsteady, median trial "
                  f"spread {r['spread']:.2f}x; load average {r['load']:.2f} at the start, {r['load_end']:.2f} at the end "
                  f"({os.cpu_count()} CPUs){verdict}",
                  flush=True)
            total += r["seconds"]
            if r["rc"]:
                print(r["tail"], file=sys.stderr)
                worst = 1
        if suite in TOTAL_BUDGET_S:
            budget = TOTAL_BUDGET_S[suite]
            print(f"[{suite}] all frameworks: {total / 60:.1f} min; `make bench` budget {budget / 60:.0f} min with the plot: "
                  f"{'met' if total <= budget else 'MISSED'} before the plot", flush=True)
    return worst


if __name__ == "__main__":
    raise SystemExit(main())
