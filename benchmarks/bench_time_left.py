"""Is the time left that a run shows right? Predicted against actual, for whole runs of a suite.

    python benchmarks/bench_time_left.py                                  # both default suites (what `make bench` runs)
    python benchmarks/bench_time_left.py --suite quick --repeat 3         # a quicker look
    python benchmarks/bench_time_left.py --frameworks torch --suite score

Each run is `python -m collect --framework F --suite S --device cpu --no-progress` in a fresh process writing to a
temporary results folder (never results/). The runner logs one line per finished configuration ending in "(k of N
done; about X left)"; each line is timed as it arrives, and once the run has ended its actual time left is known.
Printed per framework: the plan's duration said before the first configuration against the run's wall time, the
estimate at the end of round 1, and the largest error from the end of round 1 to the end (lines with under 30 s
really left are skipped: "about 10 s left" with 20 s to go is right enough). The target (issue #33): within 20% from
the end of round 1 on.
"""

from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from collect.contract import cli_args  # noqa: E402

DONE = re.compile(r"\((\d+) of (\d+) done(?:; (.+?))?\)\s*$")
PLANNED = re.compile(r"planned: about ([\d.]+) (s|min|h)\b")
UNIT_S = {"s": 1.0, "min": 60.0, "h": 3600.0}
TARGET = 0.20


def seconds_of(text: str | None) -> float | None:
    """progress.say_left's words back to seconds: 'about 2 min 30 s left', 'about 42 s left', 'almost done'."""
    if not text:
        return 0.0
    if "almost done" in text:
        return 0.0
    match = re.search(r"about (?:(\d+) h )?(?:(\d+) min )?(?:(\d+) s )?left", text)
    if not match:
        return None
    hours, minutes, secs = (int(g) if g else 0 for g in match.groups())
    return 3600.0 * hours + 60.0 * minutes + secs


def run(framework: str, suite: str, extra: list[str]) -> dict:
    """One run: its timed log lines, the plan's duration and the wall time."""
    with tempfile.TemporaryDirectory(prefix="bench-eta-") as folder:
        command = [sys.executable, "-m", "collect", "--framework", framework, "--suite", suite, "--device", "cpu",
                   "--results-dir", folder, "--env", "bench-eta-cpu", "--no-progress", "--no-summary", *extra]
        started = time.monotonic()
        child = subprocess.Popen(command, cwd=ROOT, stderr=subprocess.PIPE, stdout=subprocess.DEVNULL, text=True,
                                 env={**os.environ, "PYTHONUNBUFFERED": "1"})
        lines = [(time.monotonic() - started, line.rstrip("\n")) for line in child.stderr]
        child.wait()
        wall = time.monotonic() - started
    planned = next((float(m.group(1)) * UNIT_S[m.group(2)] for _, line in lines if (m := PLANNED.search(line))), None)
    points = []
    for at, line in lines:
        match = DONE.search(line)
        if match:
            points.append((at, int(match.group(1)), int(match.group(2)), seconds_of(match.group(3))))
    return {"code": child.returncode, "wall": wall, "planned": planned, "points": points,
            "tail": [line for _, line in lines[-3:]]}


def report(framework: str, rounds: int, result: dict) -> bool:
    """Print one run's predicted-against-actual table; True when within TARGET from the end of round 1 on."""
    wall, points = result["wall"], result["points"]
    if result["code"] != 0 or not points:
        print(f"{framework}: the run failed (exit {result['code']}): {' | '.join(result['tail'])}")
        return False
    total = points[0][2]
    per_round = total // max(rounds, 1)
    print(f"\n{framework}: {total} configurations ({rounds} rounds), wall {wall / 60:.1f} min; planned before the first: "
          + (f"{result['planned'] / 60:.1f} min ({result['planned'] / wall - 1:+.0%})" if result["planned"] else "not said"))
    print(f"  {'done':>9} {'elapsed':>8} {'predicted':>9} {'actual':>8} {'error':>7}")
    worst = 0.0
    for at, k, n, left in points:
        actual = wall - at
        error = (left - actual) / actual if left is not None and actual > 0 else float("nan")
        counted = k >= per_round and actual >= 30 and left is not None
        if counted:
            worst = max(worst, abs(error))
        if k % max(1, per_round // 4) == 0 or k in (per_round, n):
            mark = "" if counted else "  (before round 1 ends or under 30 s left: not counted)"
            print(f"  {k:>4}/{n:<4} {at / 60:7.1f}m {(left or 0) / 60:8.1f}m {actual / 60:7.1f}m {error:+7.0%}{mark}")
    print(f"  largest error from the end of round 1 on: {worst:.0%} (target: within {TARGET:.0%})")
    return worst <= TARGET


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=cli_args.HelpFormatter)
    parser.add_argument("--frameworks", default="torch,tensorflow", help="comma list: torch, tensorflow")
    parser.add_argument("--suite", default="default", help="the runner's --suite (default: default, as make bench)")
    parser.add_argument("--repeat", type=int, help="the runner's --repeat (default: the suite's trials)")
    args = parser.parse_args(cli_args.arguments(argv))
    from collect.measure import suites

    rounds = args.repeat or int(suites.setting(args.suite, "trials"))
    extra = ["--repeat", str(args.repeat)] if args.repeat else []
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    ok = True
    for framework in [f.strip() for f in args.frameworks.split(",") if f.strip()]:
        ok &= report(framework, rounds, run(framework, args.suite, extra))
    print(f"\nload average after: {os.getloadavg()[0]:.2f}")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
