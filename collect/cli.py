"""`python -m collect`: measure this machine and append rows to results/results_<env>.csv.

Examples:
  python -m collect --framework torch --suite quick        # the smallest run of every workload
  python -m collect --framework torch --suite score        # the configurations of the devicebench score
  python -m collect --framework torch --like rtx-3090-cuda --dry-run   # what another env measured
  python -m collect --framework torch --models resnet50 --batch-sizes 1,16,64 --precisions fp32,fp16
  python -m collect --framework tensorflow --suite classic # the original M1 TensorFlow benchmark
  python -m collect --framework torch --suite backends     # eager vs torch.compile vs ONNX Runtime
In a notebook: from collect.cli import main; main(["--suite", "quick"])
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import traceback
from pathlib import Path

from collect import closing
from collect.contract import cli_args
from collect.contract.csvio import results_path
from collect.contract.record import FRAMEWORKS, UNSTEADY_RATIO
from collect.measure import envinfo, eta, interrupts, launch, llm_math, progress, quiet, say, suites, trials
from collect.measure.adapter import Adapter, Budget
from collect.measure.energy import plan as energy_plan
from collect.measure.loop import new_run_id, run_suite, summary_table
from collect.preflight import preflight
from collect.runplan import DEVICES, check_args, duration_said, like

log = logging.getLogger("devicebench")


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m collect", description=__doc__, formatter_class=cli_args.HelpFormatter)
    p.add_argument("--framework", default="torch", help=f"framework to measure: one of {', '.join(FRAMEWORKS)}")
    p.add_argument("--suite", default="default",
                   help="quick (the smallest run of every workload), default (the headline comparison), score (exactly the "
                        "devicebench score's configurations), backends (the MLP and a "
                        "small CNN through every execution backend: throughput and batch-1 latency), full (every model, "
                        "mode, batch size and precision), classic (TensorFlow only: the original M1 MLP benchmark)")
    p.add_argument("--workloads", help=f"comma list narrowing the suite: {', '.join(suites.RUNNER_WORKLOADS)} (default: the suite's)")
    p.add_argument("--models", help="comma list replacing the suite's models: mlp-d<depth>-w1024, matmul-<n>, a transformer "
                                    "size (tiny, distilbert-base, bert-base, bert-large), a language model "
                                    f"({', '.join(llm_math.LLMS)}), membw-<copy|axpy>-<MiB> or any torchvision / keras.applications classification "
                                    "model, e.g. mlp-d5-w1024,resnet50,matmul-4096,gpt2-small,membw-copy-1024")
    p.add_argument("--modes", help="comma list: train, infer, train_forward, train_backward; prefill, decode (language "
                                   "models: a 512-token prompt, 128 generated tokens) (default: the suite's)")
    p.add_argument("--batch-sizes", help="comma list of batch sizes, e.g. 1,16,64 (default: the suite's)")
    p.add_argument("--precisions", help="comma list: fp32, fp16, bf16, tf32, fp64 (torch); fp32, mixed_fp16, "
                                        "mixed_bf16 (tensorflow) (default: the suite's)")
    p.add_argument("--device", default="auto", help=f"one of {', '.join(DEVICES)}; auto picks CUDA, then MPS / GPU, then CPU")
    p.add_argument("--env", help="name of this environment, used in results_<env>.csv (default: from platform and device, "
                                 "e.g. colab-tesla-t4-cuda)")
    p.add_argument("--results-dir", default="results", help="folder the CSV is appended to")
    p.add_argument("--max-seconds", type=float, help="time budget of the timed steps of one measurement (default: the suite's)")
    p.add_argument("--backends", help="comma list of execution backends, measured side by side. torch: eager, torch_compile, "
                                      "onnxruntime, tensorrt (where TensorRT is installed); tensorflow: eager, tf_function, "
                                      "xla (default: the suite's; else eager for torch, --jit's choice for tensorflow)")
    p.add_argument("--jit", default="auto", help="TensorFlow's backend when --backends is not given: on = xla, off = "
                                                 "tf_function, auto = xla on CUDA GPUs")
    p.add_argument("--energy", default="auto",
                   help="how to measure energy: auto (NVML on NVIDIA GPUs, RAPL on Linux CPUs where readable), nvml, rapl, "
                        "powermetrics (macOS, needs sudo; opt-in), none")
    p.add_argument("--distributed", default="none",
                   help="data-parallel training: ddp (torch, launched by torchrun), mirrored (tensorflow: "
                        "MirroredStrategy over the visible GPUs, MultiWorkerMirroredStrategy when TF_CONFIG is set), none")
    p.add_argument("--world-sizes", help="scaling sweep: comma list of device counts, one run each, e.g. 1,2,4,8 "
                                         "(torch: launched through torchrun; tensorflow: the first N devices)")
    p.add_argument("--replicas", type=int, help="tensorflow --distributed mirrored: use the first N devices (default: all)")
    p.add_argument("--repeat", type=int,
                   help="trials: measure every configuration N times, round-robin, each round in a fresh process, each "
                        f"trial a row of its own; configurations whose trials disagree by more than {(UNSTEADY_RATIO - 1) * 100:.0f}%% are noted "
                        "`unsteady` (default: the suite's: 1 for quick, 3 for the others; 1 for data-parallel runs)")
    p.add_argument("--trial", type=int, default=1, help="internal, set by --repeat for each round's process: the trial number")
    p.add_argument("--run-id", help="internal, set by --repeat for each round's process: the run's id (default: a new one)")
    p.add_argument("--like", metavar="ENV",
                   help="measure exactly the configurations ENV has in --results-dir (this --framework's, on one device), "
                        "so this machine lines up with ENV everywhere; --workloads, --models and --modes narrow them")
    p.add_argument("--dry-run", action="store_true", help="print the measurements that would run, run nothing")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs only)")
    p.add_argument("--no-summary", action="store_true",
                   help="do not end with how this run stacks up against the other envs in --results-dir")
    p.add_argument("-v", "--verbose", action="store_true", help="debug logging, tracebacks of failed measurements")
    return p


def make_adapter(framework: str, device: str, jit: str, distributed: str = "none", replicas: int | None = None) -> Adapter:
    """The framework adapter. Each framework is imported here only, so one run loads one of them."""
    if framework == "torch":
        from collect.frameworks.torch.adapter import TorchAdapter

        return TorchAdapter(device, distributed=distributed)
    from collect.frameworks.tensorflow.adapter import TFAdapter

    return TFAdapter(device, jit=jit, distributed=distributed, replicas=replicas)


def _offered_extras(framework: str, device_kind: str) -> list[str]:
    """TensorRT joins a suite's backends only where it is installed (and the GPU is NVIDIA's)."""
    if framework != "torch" or device_kind != "cuda":
        return []
    from collect.frameworks.torch.backends import tensorrt_installed

    return ["tensorrt"] if tensorrt_installed() else []


def plan(args, device_kind: str, default_backend: str = "eager") -> list[suites.Config]:
    if args.like:
        return like(args)
    if args.suite == "classic":
        if args.framework != "tensorflow":
            raise ValueError("`suite` 'classic' is the original TensorFlow benchmark: use it with --framework tensorflow")
        from collect.frameworks.tensorflow.classic import classic_configs

        return classic_configs()
    modes = suites.split_list(args.modes)
    if args.distributed != "none":  # data parallelism is about training; a product has no gradient to all-reduce
        modes = modes or ["train"]
    backends = suites.split_list(args.backends)
    configs = suites.expand(args.suite, device_kind=device_kind, workloads=suites.split_list(args.workloads),
                         models=suites.split_list(args.models), modes=modes,
                         precisions=suites.split_list(args.precisions), batch_sizes=suites.parse_batch_sizes(args.batch_sizes),
                         framework=args.framework, backends=backends, default_backend=default_backend,
                         extra_backends=_offered_extras(args.framework, device_kind) if not backends else [])
    return [c for c in configs if args.distributed == "none" or c.workload != "matmul"]


def main(argv: list[str] | None = None) -> int:
    argv = cli_args.arguments(argv)  # a notebook kernel's own arguments are the only ones ignored
    args = build_parser().parse_args(argv)
    quiet.configure_logging(args.verbose)
    if _is_round(args) and not args.verbose:  # its parent shows the run: plan, progress, table
        log.setLevel(logging.WARNING)
    # A round or a world size started by devicebench: its launcher says what an interrupt left. torchrun reports a
    # worker that exits non-zero as a failure, with a traceback: one that stopped as asked ends with 0.
    launched = interrupts.PARENT_ENV in os.environ
    kept = say.Kept(Path(args.results_dir), silent=launched, code=0 if launched and os.environ.get("LOCAL_RANK") else 130)
    with interrupts.handled() as state:
        try:
            interrupts.die_with_parent()
            return _run(args, argv, kept)
        except KeyboardInterrupt:
            log.debug("interrupted:\n%s", traceback.format_exc())  # -v: where it stopped
            return _interrupted(args, kept)
        except Exception:
            if not state.count:
                raise
            log.debug("after an interrupt:\n%s", traceback.format_exc())  # e.g. a data-parallel peer that stopped
            return _interrupted(args, kept)


def _interrupted(args, kept: say.Kept, speak: bool = True) -> int:
    """One line, and exit status 130; a process devicebench launched says nothing (its launcher speaks for the run)."""
    if speak and not kept.silent:
        print(say.interrupted_line(kept), file=sys.stderr)
    return kept.code


def _is_round(args) -> bool:
    return args.run_id is not None  # set by --repeat's parent on each round's command line


def _run(args, argv: list[str], kept: say.Kept) -> int:
    try:
        check_args(args)
        if args.world_sizes and not os.environ.get("RANK"):
            kept.rows = None
            return launch.sweep(args.framework, argv, suites.parse_batch_sizes(args.world_sizes), verbose=args.verbose)
        with quiet.startup(args.verbose):  # the framework's start-up lines: only with -v
            adapter = make_adapter(args.framework, args.device, args.jit, args.distributed, args.replicas)
            configs = plan(args, adapter.device_kind, adapter.default_backend)
            adapter.check_models(sorted({c.model for c in configs}))
    except ValueError as exc:
        print(f"python -m collect: error: {exc}", file=sys.stderr)
        return 2
    if not adapter.writer:
        log.setLevel(logging.WARNING)  # rank 0 reports for the world
    fingerprint = envinfo.fingerprint()
    env = args.env or envinfo.default_env(fingerprint["platform"], adapter.device_name, adapter.device_kind)
    kept.path = results_path(args.results_dir, env)
    if not args.dry_run and not _ready(args, configs, env, adapter):
        return 2
    if args.dry_run:
        print(f"{len(configs)} measurements on {adapter.device_name} ({adapter.device_kind}), env {env}"
              f"{f', {_repeat(args)} trials each' if _repeat(args) > 1 else ''}:")
        print("\n".join("  " + c.label() for c in configs))
        print(duration_said(args, configs, adapter.device_kind, _repeat(args), adapter.default_backend))
        return 0
    # The energy meter every row uses, or why there is none: the plan line says which.
    energy = energy_plan(args.energy, adapter.device_kind, nvml_kwargs=adapter.nvml_target(), distributed=adapter.distributed)
    if adapter.writer and not _is_round(args):
        log.info(say.plan_line(len(configs), _repeat(args), adapter.device_name, adapter.device_kind,
                               say.energy_said(energy, args.energy), kept.path))
        log.info(duration_said(args, configs, adapter.device_kind, _repeat(args), adapter.default_backend))
    budget = Budget(_max_seconds(args), energy, float(suites.setting(args.suite, "warmup_s")))
    shapes = eta.shapes(configs, adapter.device_kind, budget.max_seconds, budget.warmup_s, args.framework)  # time left: the plan
    if _repeat(args) > 1:
        adapter.close()
        return repeated(args, argv, env, shapes, kept, adapter.device_kind)
    return once(args, adapter, configs, env, budget, fingerprint, kept, shapes)


def _max_seconds(args) -> float:
    return args.max_seconds or float(suites.setting(args.suite, "max_seconds"))


def once(args, adapter: Adapter, configs, env: str, budget: Budget, fingerprint: dict, kept: say.Kept, shapes=None) -> int:
    """One round in this process: a plain run, or one round of --repeat (which reports to its parent only)."""
    shown = adapter.writer and not _is_round(args)
    display = progress.display(1, len(configs), shown and not args.no_progress, cli_args.in_kernel(), plan=shapes,
                               device_kind=adapter.device_kind)
    reporter = (progress.writer_from_env() or progress.Silent()) if _is_round(args) else display if shown else None
    display.round_started(1)
    try:
        result = run_suite(adapter, configs, env=env, results_dir=args.results_dir, budget=budget,
                           fingerprint=fingerprint, progress=reporter, run_id=args.run_id, trial=args.trial)
    finally:
        display.close()
    adapter.close()
    kept.rows = len(result.records)
    if result.interrupted:
        return _interrupted(args, kept, speak=shown)
    if not adapter.writer:
        return 0  # another rank's process: rank 0 reports and writes
    code = 0 if any(r.status == "ok" for r in result.records) else 1
    if not shown:
        return code  # a round: its parent reports
    print(summary_table(result.records))
    print(f"\n{len(result.records)} rows appended to {result.path}")
    if args.repeat is None and _repeat(args) == 1 and args.distributed == "none" and not args.world_sizes:
        print(f"One trial (the {args.suite} suite's): no spread between processes is measured; --repeat 3, or the "
              "default and score suites, measure three.")
    if result.records:
        closing.stack_up(args, env, result.records[0].run_id)
    return code


def _ready(args, configs, env: str, adapter: Adapter) -> bool:
    """preflight on the writing process; in a data-parallel run every rank learns its verdict before any measures."""
    problem = None
    if adapter.writer:
        try:
            preflight(args, configs, env)
        except ValueError as exc:
            problem = exc
            print(f"python -m collect: error: {exc}", file=sys.stderr)
            if args.verbose:
                traceback.print_exception(exc)
    if adapter.agree(1.0 if problem else 0.0):
        adapter.close()
        return False
    return True


def _repeat(args) -> int:
    """--repeat, or its default: the suite's trials (suites.SUITES, 3 unless it says); 1 for data-parallel runs (their
    launcher starts the processes)."""
    if args.repeat is not None:
        return args.repeat
    if args.distributed != "none" or args.world_sizes:
        return 1
    return int(suites.setting(args.suite, "trials"))


def repeated(args, argv: list[str], env: str, shapes: list, kept: say.Kept, device_kind: str = "cpu") -> int:
    """--repeat N: each round in a fresh process under one display, then the verdict on each configuration's trials.
    shapes: each configuration's eta.Shape, the time-left estimate's plan."""
    run_id, rounds = new_run_id(), _repeat(args)
    kept.rows = None  # counted from the file once the rounds end
    display = progress.display(rounds, len(shapes), not args.no_progress, cli_args.in_kernel(), plan=shapes,
                               device_kind=device_kind)
    try:
        code = launch.run_rounds([*cli_args.without(argv, "--env"), "--env", env], rounds, run_id, display=display)
    finally:
        display.close()
    rows, notes = trials.conclude(kept.path, run_id)
    kept.rows = len(rows)
    if code == 130:
        kept.round = f"round {max(display.estimate.round, 1)} of {rounds}"
        return _interrupted(args, kept)
    print(trials.table(rows, notes))
    print(f"\n{len(rows)} rows ({rounds} trials) appended to {kept.path}; {len(notes)} configurations unsteady")
    advice = trials.advice(notes)
    if advice:
        print(advice)
    closing.stack_up(args, env, run_id)
    return 0 if any(r.get("status") == "ok" for r in rows) else (code or 1)
