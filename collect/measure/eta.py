"""How long a run will take: each configuration's seconds from its work, before anything is measured, and fitted to
what the first configurations took once they have.

A configuration's wall time is its model's build and first step, the warm-up and the timed window
(collect.measure.timing: a warm-up of at least 3 steps and SETTING warmup_s, at most half the budget; a window of
at least the budget and 3 steps). A step's seconds are its work over the device's speed: FLOPs over FLOP/s, or
bytes over bytes/s for a copy. Two unknowns make a machine: its speed and its overhead (build and start-up) against
PRIORS; `fit` finds both from finished configurations (least squares of log times, pulled gently toward the priors
so one finished configuration cannot throw the rest far). Framework-free: the work comes from the names alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from collect.measure import bandwidth, llm_math, suites

# Forward FLOPs of one 224x224 image (2 x multiply-adds; torchvision's published GFLOPS, which count multiply-adds).
CNN_FLOPS = {"resnet18": 2 * 1.81e9, "resnet50": 2 * 4.09e9, "mobilenet_v2": 2 * 0.30e9, "mobilenet_v3_large": 2 * 0.22e9,
             "resnet101": 2 * 7.80e9, "vgg11": 2 * 7.61e9, "efficientnet_b0": 2 * 0.39e9}
UNKNOWN_CNN_FLOPS = 2 * 4.0e9  # a model the table lacks: a ResNet-50's, the fit corrects the machine, not the model
TRAIN_FACTOR = 3.0  # forward + backward (twice the forward) per sample


@dataclass(frozen=True)
class Prior:
    """A device kind's assumed speed before anything is measured: effective FLOP/s of a model's step (below its matmul
    roof), bytes/s of a copy, and seconds to build a model and take its first step (start-up of a fresh process:
    `start_s`). From the reference machine (2-core CPU) and typical GPUs; `fit` replaces them with the machine's."""

    flops: float
    bytes: float
    build_s: float
    start_s: float


PRIORS = {"cpu": Prior(1.5e11, 4e10, 0.7, 5.0), "cuda": Prior(1e13, 5e11, 3.0, 10.0),
          "mps": Prior(1.5e12, 8e10, 3.0, 8.0), "gpu": Prior(2e12, 1e11, 3.0, 10.0)}


def prior(device_kind: str) -> Prior:
    """A device kind's prior (an unknown kind: a GPU's)."""
    return PRIORS.get(device_kind, PRIORS["gpu"])


def step_work(config: suites.Config) -> tuple[float, float]:
    """(FLOPs, bytes) of one step of a configuration: a copy only moves bytes, a language model's step does both, the
    rest are counted by their FLOPs."""
    batch, train = config.batch_size, config.mode in ("train", "train_backward")
    factor = TRAIN_FACTOR if train else 1.0
    if config.workload == "membw":
        kernel, mib = bandwidth.parse_membw(config.model)
        return 0.0, float(bandwidth.bytes_per_step(kernel, bandwidth.buffer_elements(mib, 4), 4))
    if config.workload == "matmul":
        return float(suites.matmul_flops(suites.matmul_size(config.model))), 0.0
    if config.workload == "llm":  # a generated token streams the weights: bytes, not FLOPs, set its time
        spec, tokens = llm_math.LLMS[config.model], llm_math.tokens_per_step(config.mode, batch)
        return (llm_math.flops_per_token(spec, config.mode) * tokens,
                llm_math.bytes_per_token(spec, config.mode, 4, batch) * tokens)
    if config.workload == "mlp":
        depth, width = suites.parse_mlp(config.model)
        weights = suites.MLP_INPUT * width + (depth - 1) * width * width + width * suites.MLP_CLASSES
        return 2.0 * weights * batch * factor, 0.0
    if config.workload == "transformer":
        layers, d, _heads, ff = suites.TRANSFORMERS[config.model]
        per_token = layers * (2 * (4 * d * d + 2 * d * ff) + 4 * suites.SEQ_LEN * d)
        return float(per_token * suites.SEQ_LEN * batch * factor), 0.0
    return CNN_FLOPS.get(config.model, UNKNOWN_CNN_FLOPS) * batch * factor, 0.0


@dataclass(frozen=True)
class Shape:
    """What a configuration's time is made of: step seconds at the prior speed, the build at the prior overhead, and
    the budget's fixed parts."""

    step_s: float
    build_s: float
    warmup_s: float
    max_seconds: float

    def seconds(self, speed: float = 1.0, overhead: float = 1.0) -> float:
        step = self.step_s / speed
        warm = max(step, min(max(3 * step, self.warmup_s), max(self.max_seconds / 2, self.warmup_s)))
        return overhead * self.build_s + step + warm + max(self.max_seconds, 3 * step)


# A framework's model build and first step against torch's: Keras builds the model and traces its tf.function.
BUILD_FACTOR = {"tensorflow": 2.5}


def shapes(configs, device_kind: str, max_seconds: float, warmup_s: float, framework: str = "torch") -> list[Shape]:
    assumed = prior(device_kind)
    build = assumed.build_s * BUILD_FACTOR.get(framework, 1.0)
    out = []
    for c in configs:
        flops, moved = step_work(c)
        out.append(Shape(flops / assumed.flops + moved / assumed.bytes, build, warmup_s, max_seconds))
    return out


GRID = [10 ** (k / 10) for k in range(-20, 21)]  # 1/100x to 100x the prior, 41 steps a decade apart by 10
PULL = 0.02  # how strongly the fit stays near the priors: weak, one configuration's worth at a factor of about 3
RECENT = 20  # the fit reads the last RECENT finished configurations: the machine as it is now, at a bounded cost


def fit(done: list[tuple[Shape, float]]) -> tuple[float, float]:
    """(speed, overhead) against the priors that best explain the most recent finished configurations' seconds
    (a grid of 41 x 21 over at most RECENT of them: milliseconds, however long the suite)."""
    if not done:
        return 1.0, 1.0
    best, chosen = math.inf, (1.0, 1.0)
    logs = [(shape, math.log(max(seconds, 1e-3))) for shape, seconds in done[-RECENT:]]
    for speed in GRID:
        for overhead in GRID[10:31]:  # overhead: 1/10x to 10x
            err = sum((math.log(shape.seconds(speed, overhead)) - t) ** 2 for shape, t in logs)
            err += PULL * (math.log(speed) ** 2 + math.log(overhead) ** 2)
            if err < best:
                best, chosen = err, (speed, overhead)
    return chosen


def predicted(plan: list[Shape], device_kind: str, rounds: int, speed: float = 1.0, overhead: float = 1.0) -> float:
    """Seconds of a whole run: every round's start-up and configurations."""
    start = prior(device_kind).start_s * overhead
    return rounds * (start + sum(s.seconds(speed, overhead) for s in plan))


def say_duration(seconds: float) -> str:
    if seconds < 90:
        return f"{max(1, round(seconds))} s"
    if seconds < 5400:
        return f"{round(seconds / 60)} min"
    return f"{seconds / 3600:.1f} h"
