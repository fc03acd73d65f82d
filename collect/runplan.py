"""What a run measures, decided before any framework loads: its arguments checked (a wrong value names the allowed
ones), and another env's configurations for --like. cli.plan turns the suite and the narrowing flags into the rest.
"""

from __future__ import annotations

from collect.contract.record import FRAMEWORKS, check_env, choice_error
from collect.measure import suites
from collect.measure.energy import METHODS as ENERGY_METHODS

DEVICES = ("auto", "cpu", "cuda", "mps", "gpu")
SUITE_NAMES = (*suites.SUITES, "classic")


def _check(name: str, value: str, allowed) -> str:
    if value not in allowed:
        raise ValueError(choice_error(name, allowed, value))
    return value


def like(args) -> list[suites.Config]:
    """--like ENV: ENV's configurations in this framework, narrowed by --workloads, --models and --modes."""
    from collect.dataset.configs import env_configs

    if args.precisions or args.batch_sizes or args.backends:
        raise ValueError("`like` measures ENV's own precisions, batch sizes and backends: leave out --precisions, "
                         "--batch-sizes and --backends")
    keep = {name: suites.split_list(getattr(args, name)) for name in ("workloads", "models", "modes")}
    wanted = {"workloads": "workload", "models": "model", "modes": "mode"}
    return [suites.Config(c["workload"], c["model"], c["mode"], c["precision"], c["batch_size"], backend=c["backend"])
            for c in env_configs(args.results_dir, args.like, args.framework)
            if all(not values or c[wanted[name]] in values for name, values in keep.items())]


def check_args(args) -> None:
    """Every value with a fixed set of choices, checked before any framework loads (ValueError naming them)."""
    _check("framework", args.framework, FRAMEWORKS)
    _check("suite", args.suite, SUITE_NAMES)
    _check("device", args.device, DEVICES)
    _check("jit", args.jit, ("on", "off", "auto"))
    _check("energy", args.energy, ENERGY_METHODS)
    if args.max_seconds is not None and args.max_seconds <= 0:
        raise ValueError(f"`max-seconds` must be > 0, but {args.max_seconds!r} was passed")
    _check("distributed", args.distributed, {"torch": ("none", "ddp"), "tensorflow": ("none", "mirrored")}[args.framework])
    if args.env is not None:
        check_env(args.env)
    for name, value in (("repeat", args.repeat), ("trial", args.trial)):
        if value is not None and value < 1:
            raise ValueError(f"`{name}` must be a whole number >= 1, but {value!r} was passed")
    if args.repeat is not None and args.repeat > 1 and (args.distributed != "none" or args.world_sizes):
        raise ValueError("`repeat` above 1 is not supported with --distributed or --world-sizes: launch the run again "
                         "for another trial")


def duration_said(args, configs: list[suites.Config], device_kind: str, rounds: int, default_backend: str) -> str:
    """How long the run will take by its plan (collect.measure.eta: each configuration's work at a typical
    device_kind's speed; the progress display corrects it as configurations finish), and on a run of over five
    minutes the flags that shorten it, with their own estimates."""
    from collect.measure import eta

    def seconds(chosen, suite: str, trials: int) -> float:
        max_s = args.max_seconds or float(suites.setting(suite, "max_seconds"))
        return eta.predicted(eta.shapes(chosen, device_kind, max_s, float(suites.setting(suite, "warmup_s")), args.framework),
                             device_kind, trials)

    total = seconds(configs, args.suite, rounds)
    speed = "the 2-core reference CPU's" if device_kind == "cpu" else f"a typical {device_kind} GPU's"
    said = f"planned: about {eta.say_duration(total)} at {speed} speed, corrected as it runs"
    if total < 300 or args.like or args.suite == "classic":
        return said
    shorter = []
    if args.suite != "quick":
        quick = suites.expand("quick", device_kind=device_kind, framework=args.framework, default_backend=default_backend)
        shorter.append(f"--suite quick (about {eta.say_duration(seconds(quick, 'quick', 1))}, no score)")
    if rounds > 1:
        shorter.append(f"--repeat 1 (about {eta.say_duration(seconds(configs, args.suite, 1))}, no spread between trials)")
    return said + (f"; shorter: {' or '.join(shorter)}" if shorter else "")
