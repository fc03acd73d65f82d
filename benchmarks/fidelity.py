"""Does the runner measure what a plain synchronized loop measures? Prints ratios per case.

    python benchmarks/fidelity.py                      # torch on CPU: mlp-d5 train, resnet18 infer, gpt2-small decode bs1
    python benchmarks/fidelity.py --framework tensorflow
    python benchmarks/fidelity.py --processes 5 --pairs 6 --seconds 2

A machine's speed swings between processes and over minutes (benchmarking rule 8a), so runner and
plain loop are compared where the swing cancels: inside one fresh worker process they alternate ABBA
(runner, plain, plain, runner, ...), each adjacent pair gives a ratio runner / plain, and the process
reports the median of its pair ratios. Several fresh processes repeat this, one case after the other
(process 1 of every case, then process 2, ...), and the figure is the median over the processes with
its range (min-max). Absolute samples/s of the processes are printed beside them: they may differ by
tens of percent while the ratios agree, which is what this figure is for.
Targets: runner / plain within 3% (0.97-1.03); harness overhead (its own cost per step, timed on a
no-op step) under 2% of a step. About 4 minutes with the defaults on a quiet 2-core CPU.

Energy sampler overhead (target under 1%): the first case runs with and without a power sampler
polling every 50 ms on its background thread (as NVML power sampling does), alternating, in this
process. Where no NVML or readable RAPL exists, the sampler reads a sysfs-like file instead: the same
thread, the same wake-ups, the same GIL hand-offs. Also printed: the time the sampler's reads took per second.
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from collect.measure.suites import Config  # noqa: E402
from collect.measure.timing import measure  # noqa: E402

# A batch-1 decode row is a latency row: the runner times every token alone (a sync and a clock pair per step)
# where the plain loop times a block of tokens between two syncs, so it is the case where the harness's per-step
# cost would show. gpt2-small: the decode row the suites run by default (about 50 ms a token on a 2-core CPU).
CASES = {
    "torch": [Config("mlp", "mlp-d5-w1024", "train", "fp32", 64), Config("cnn", "resnet18", "infer", "fp32", 8),
              Config("llm", "gpt2-small", "decode", "fp32", 1)],
    # TensorFlow's plain loop calls the same compiled tf.function the runner's default backend times.
    "tensorflow": [Config("mlp", "mlp-d5-w1024", "train", "fp32", 64, backend="tf_function"),
                   Config("cnn", "mobilenet_v2", "infer", "fp32", 8, backend="tf_function"),
                   Config("llm", "gpt2-small", "decode", "fp32", 1, backend="tf_function")],
}


def plain_torch(config: Config, seconds: float) -> float:
    """The simplest honest loop: data on the device, warm up, N steps, one sync, one clock pair."""
    import torch

    if config.workload == "llm":
        return _plain_loop(plain_torch_decode(config), lambda: None, config.batch_size, seconds)
    from collect.frameworks.torch.models import build_model, make_inputs

    model = build_model(config.model)
    x, y = make_inputs(config.model, config.batch_size, "cpu")
    if config.mode == "infer":
        model.eval()

        def step():
            with torch.inference_mode():
                model(x)
    else:
        opt = torch.optim.SGD(model.parameters(), lr=0.01)

        def step():
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.cross_entropy(model(x), y).backward()
            opt.step()
    return _plain_loop(step, lambda: None, config.batch_size, seconds)


def plain_torch_decode(config: Config):
    """A decode step written out here, not the runner's: the model and its KV cache built directly, the prompt
    filled once, then one token per sequence per step at positions P .. P+T-1, cycling (as the runner's rows)."""
    import torch

    from collect.frameworks.torch import llm
    from collect.measure import llm_math

    spec = llm_math.LLMS[config.model]
    model = llm.build(spec, torch.float32, "cpu")
    cache = model.new_cache(config.batch_size)
    tokens = torch.randint(0, spec.vocab, (config.batch_size, llm_math.cache_len()))
    with torch.inference_mode():
        model(tokens[:, :llm_math.PROMPT_TOKENS], 0, cache)
    position = [llm_math.PROMPT_TOKENS]

    def step():
        pos = position[0]
        with torch.inference_mode():
            model(tokens[:, pos:pos + 1], pos, cache)
        position[0] = llm_math.PROMPT_TOKENS + (pos + 1 - llm_math.PROMPT_TOKENS) % llm_math.DECODE_TOKENS
    return step


def plain_tensorflow(config: Config, seconds: float) -> float:
    if config.workload == "llm":
        import tensorflow as tf

        from collect.frameworks.tensorflow import adapter as tf_runner
        from collect.frameworks.tensorflow import device as tdv
        from collect.frameworks.tensorflow import llm_run

        tf_runner.TFAdapter("cpu", jit="off")  # the runner's device setup; then its compiled decode call, bare
        holder = [None]
        step = llm_run.llm_step(config, tf.float32, holder)
        return _plain_loop(step, tdv.make_sync(tf, holder), config.batch_size, seconds)
    from collect.frameworks.tensorflow import adapter as tf_runner

    step, sync = tf_runner.plain_step(config)
    return _plain_loop(step, sync, config.batch_size, seconds)


def _plain_loop(step, sync, batch: int, seconds: float) -> float:
    for _ in range(5):
        step()
    sync()
    start, count = time.perf_counter(), 0
    while True:  # estimate how many steps fill the budget, then time exactly that many
        step()
        sync()
        count += 1
        if time.perf_counter() - start > seconds / 4:
            break
    per_step = (time.perf_counter() - start) / count
    n = max(3, int(seconds / max(per_step, 1e-9)))
    start = time.perf_counter()
    for _ in range(n):
        step()
    sync()
    return n * batch / (time.perf_counter() - start)


def harness_overhead_s() -> float:
    """Per-step time the harness itself adds: a no-op step timed through measure()."""
    m = measure(lambda: None, sync=lambda: None, samples_per_step=1, max_seconds=0.5, min_block_s=0.01)
    return m.median_ms / 1e3


def runner_rate(framework: str, config: Config, seconds: float, meter=None) -> tuple[float, float]:
    from collect.cli import make_adapter
    from collect.measure.adapter import Budget
    from collect.measure.energy import EnergyPlan

    adapter = make_adapter(framework, "cpu", "auto")
    out = adapter.measure(config, Budget(seconds, EnergyPlan(meter, meter.method if meter else "")))
    adapter.release()
    return out.stats.samples_per_s, out.stats.step_ms_median / 1e3


class TimedSource:
    """A power source whose reads are timed: the real RAPL / NVML where readable, else a sysfs-like file."""

    def __init__(self, folder: Path):
        from collect.measure import energy

        self.busy_s, self.reads = 0.0, 0
        self.meter, _ = energy.nvml_meter()
        if self.meter is None:
            self.meter, _ = energy.rapl_meter()
        if self.meter is not None:
            self.what = f"{self.meter.method} (real)"
            read = getattr(self.meter, "sample", None) or (lambda: sum(self.meter.read()))
        else:
            path = folder / "energy_uj"
            path.write_text("123456789\n")
            read = lambda: float(path.read_text())  # noqa: E731
            self.what = "a file read like sysfs (no NVML or readable RAPL here)"
        self.read = read

    def __call__(self) -> float:
        start = time.perf_counter()
        value = self.read()
        self.busy_s += time.perf_counter() - start
        self.reads += 1
        return value


class NullMeter:
    """The same timed-region length as the sampler run, and no thread: the baseline."""

    method = "none"

    def __init__(self, window_s: float):
        self.min_window_s = window_s

    def start(self):
        pass

    def stop(self):
        return None


def sampler_overhead(framework: str, config: Config, seconds: float, rounds: int) -> bool:
    import tempfile

    from collect.measure.energy import SampledMeter

    with tempfile.TemporaryDirectory() as folder:
        source = TimedSource(Path(folder))
        meter = SampledMeter("nvml_power", source, interval_s=0.05, update_s=0.1)
        meter.min_window_s = seconds  # both runs time at least this long: only the sampler thread differs
        without, with_sampler, window = [], [], 0.0
        for i in range(rounds):
            order = [(without, NullMeter(seconds)), (with_sampler, meter)]
            for rates, chosen in order if i % 2 == 0 else order[::-1]:  # alternate, so drift hits both alike
                start = time.perf_counter()
                rates.append(runner_rate(framework, config, seconds, chosen)[0])
                window += (time.perf_counter() - start) if chosen is meter else 0.0
    # Paired: each round's two runs sit side by side in time, so the machine's drift cancels in their ratio.
    ratios = sorted(w / b for w, b in zip(with_sampler, without, strict=True))
    cost = 1 - statistics.median(ratios)
    q1, q3 = ratios[len(ratios) // 4], ratios[(3 * len(ratios)) // 4]
    print(f"sampler overhead on {config.label()}: median paired slowdown {cost:+.2%} (target < 1%; IQR of the "
          f"ratios {1 - q3:+.2%} to {1 - q1:+.2%}, {len(ratios)} rounds); {statistics.median(with_sampler):,.1f} vs "
          f"{statistics.median(without):,.1f} samples/s; sampler reads: {source.reads} x "
          f"{source.busy_s / max(source.reads, 1) * 1e6:.1f} us = {source.busy_s / window:.4%} of the measured time; "
          f"source: {source.what}")
    return cost < 0.01


MARK = "FIDELITY_RESULT "  # a worker's one line of results on stdout, among the frameworks' own output


def abba_worker(framework: str, config: Config, pairs: int, seconds: float) -> dict:
    """In this process: runner (A) and plain loop (B) ABBA, one ratio A/B per adjacent pair."""
    plain = plain_torch if framework == "torch" else plain_tensorflow
    runner, plains, ratios, steps = [], [], [], []
    for i in range(pairs):
        first_runner = i % 2 == 0  # A B, then B A: a drift within the process hits both sides alike
        for run_runner in ((True, False) if first_runner else (False, True)):
            if run_runner:
                rate, step_s = runner_rate(framework, config, seconds)
                runner.append(rate)
                steps.append(step_s)
            else:
                plains.append(plain(config, seconds))
        ratios.append(runner[-1] / plains[-1])
    return {"ratios": ratios, "runner": runner, "plain": plains, "step_s": statistics.median(steps)}


def spawn_worker(args, case: int) -> dict:
    """One fresh process: it imports the framework, builds the model and runs its ABBA pairs."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", str(case), "--framework", args.framework,
               "--pairs", str(args.pairs), "--seconds", str(args.seconds)]
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    lines = [line for line in done.stdout.splitlines() if line.startswith(MARK)]
    if done.returncode != 0 or not lines:
        raise RuntimeError(f"worker {' '.join(command)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    return json.loads(lines[-1][len(MARK):])


def unit(config: Config) -> str:
    return "tokens/s" if config.workload == "llm" else "samples/s"


def chosen(args) -> list[int]:
    """Indexes into CASES[framework] of the cases to run: all, or those whose model --cases names."""
    cases = CASES[args.framework]
    return [i for i, c in enumerate(cases) if not args.cases or c.model in args.cases.split(",")]


def across_processes(args) -> list[list[dict]]:
    """Process p of every case, then process p + 1: each case's processes are spread over the run."""
    results = [[] for _ in chosen(args)]
    for p in range(args.processes):
        for slot, case in enumerate(chosen(args)):
            config = CASES[args.framework][case]
            results[slot].append(spawn_worker(args, case))
            out = results[slot][-1]
            print(f"  process {p + 1} {config.label()}: pair ratios {[round(r, 3) for r in out['ratios']]}, "
                  f"median {statistics.median(out['ratios']):.3f}; runner {statistics.median(out['runner']):,.1f}, "
                  f"plain {statistics.median(out['plain']):,.1f} {unit(config)}", flush=True)
    return results


def summarize(framework: str, config: Config, processes: list[dict], overhead_s: float) -> bool:
    medians = [statistics.median(p["ratios"]) for p in processes]
    ratio = statistics.median(medians)
    share = overhead_s / statistics.median(p["step_s"] for p in processes)
    runner = [statistics.median(p["runner"]) for p in processes]
    plain = [statistics.median(p["plain"]) for p in processes]
    print(f"{framework} {config.label()}: runner / plain {ratio:.3f}, median over {len(medians)} processes of "
          f"their ABBA pair-ratio medians (range {min(medians):.3f}-{max(medians):.3f}; target 0.97-1.03); "
          f"harness overhead {share:.4%} of a step (target < 2%); {unit(config)} across the processes: runner "
          f"{min(runner):,.1f}-{max(runner):,.1f}, plain {min(plain):,.1f}-{max(plain):,.1f}")
    return abs(ratio - 1) <= 0.03 and share < 0.02


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--framework", default="torch", choices=sorted(CASES))
    parser.add_argument("--processes", type=int, default=3, help="fresh worker processes per case (default 3)")
    parser.add_argument("--pairs", type=int, default=4,
                        help="adjacent runner/plain pairs per process, in ABBA order (default 4)")
    parser.add_argument("--seconds", type=float, default=1.5, help="time budget of each measurement (default 1.5)")
    parser.add_argument("--no-sampler", action="store_true", help="skip the energy sampler overhead check")
    parser.add_argument("--sampler-rounds", type=int, default=10, help="rounds of the sampler check (with and without)")
    parser.add_argument("--cases", default="", help="comma list of the case models to run (default: all of the framework's: "
                        + "; ".join(f"{f}: {', '.join(c.model for c in cases)}" for f, cases in CASES.items()) + ")")
    parser.add_argument("--worker", type=int, default=None, help=argparse.SUPPRESS)  # a spawned process: case index
    args = parser.parse_args(argv)
    for name in ("processes", "pairs", "sampler_rounds"):
        if getattr(args, name) < 1:
            parser.error(f"--{name.replace('_', '-')} must be at least 1")
    if args.seconds <= 0:
        parser.error("--seconds must be > 0")
    if args.worker is not None and not 0 <= args.worker < len(CASES[args.framework]):
        parser.error(f"--worker must be a case index below {len(CASES[args.framework])}")
    unknown = set(filter(None, args.cases.split(","))) - {c.model for c in CASES[args.framework]}
    if unknown:
        parser.error(f"`cases` must be among {tuple(c.model for c in CASES[args.framework])!r}, but {sorted(unknown)!r} was passed")
    return args


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.worker is not None:
        result = abba_worker(args.framework, CASES[args.framework][args.worker], args.pairs, args.seconds)
        print(MARK + json.dumps(result), flush=True)
        return 0
    overhead = harness_overhead_s()
    print(f"harness cost per step (no-op step): {overhead * 1e6:.2f} us")
    print(f"{args.processes} processes x {args.pairs} ABBA pairs per case, {args.seconds:g} s per measurement:", flush=True)
    ok = True
    for case, processes in zip(chosen(args), across_processes(args), strict=True):
        ok &= summarize(args.framework, CASES[args.framework][case], processes, overhead)
    if not args.no_sampler:
        ok &= sampler_overhead(args.framework, CASES[args.framework][chosen(args)[0]], args.seconds, args.sampler_rounds)
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
