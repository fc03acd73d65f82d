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
