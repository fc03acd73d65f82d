"""Workloads, suites and the expansion of command-line choices into measurements.

Shared by both runners so their rows line up: the same model names, modes, batch sizes.
No framework imports here. Language models (`llm`: the sizes of llm_math.LLMS, modes prefill and decode, a
prompt of llm_math.PROMPT_TOKENS = 512 and DECODE_TOKENS = 128 generated: pp512 / tg128) and memory bandwidth
(`membw-<copy|axpy>-<MiB>`, collect.measure.bandwidth) are named here like every other model.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from collect.contract import scoring
from collect.contract.record import BACKENDS_OF, MODES, PRECISIONS, choice_error
from collect.measure import bandwidth, llm_math
from collect.measure.bandwidth import membw_name
from collect.measure.llm_math import LLM_MODES, LLMS

MLP_WIDTH = 1024
MLP_INPUT = 32 * 32 * 3  # CIFAR-10-shaped
MLP_CLASSES = 10
MLP_DEPTHS = (5, 10, 15, 20)
CNN_INPUT = (3, 224, 224)
CNN_CLASSES = 1000
RUNNER_WORKLOADS = ("mlp", "cnn", "matmul", "transformer", "llm", "membw")
_MLP_RE = re.compile(r"^mlp-d(\d+)-w(\d+)$")
_MATMUL_RE = re.compile(r"^matmul-(\d+)$")
MATMUL_SIZES = (256, 512, 1024, 2048, 4096, 8192)
MATMUL_WORKING_SET = 64 * 2**20  # operand bytes cycled through, so caches cannot flatter small sizes
# Encoder stacks from the frameworks' own layers: (layers, d_model, heads, feed-forward).
TRANSFORMERS = {"tiny": (2, 128, 2, 512), "distilbert-base": (6, 768, 12, 3072),
                "bert-base": (12, 768, 12, 3072), "bert-large": (24, 1024, 16, 4096)}
SEQ_LEN = 128
VOCAB = 30_522
TRANSFORMER_CLASSES = 2


@dataclass(frozen=True)
class Config:
    workload: str
    model: str
    mode: str
    precision: str
    batch_size: int
    protocol: str = "steady"  # or "classic": the original M1 TensorFlow benchmark's model.fit run
    backend: str = "eager"  # what executes the model (record.BACKENDS)

    def label(self) -> str:
        extra = "" if self.protocol == "steady" else f" ({self.protocol})"
        return f"{self.model} {self.mode} {self.precision} bs{self.batch_size} {self.backend}{extra}"


def mlp_name(depth: int, width: int = MLP_WIDTH) -> str:
    return f"mlp-d{depth}-w{width}"


def parse_mlp(model: str) -> tuple[int, int] | None:
    """(depth, width) of an mlp-d<depth>-w<width> name, None for other models."""
    match = _MLP_RE.match(model)
    return (int(match.group(1)), int(match.group(2))) if match else None


def matmul_size(model: str) -> int | None:
    match = _MATMUL_RE.match(model)
    return int(match.group(1)) if match else None


def workload_of(model: str) -> str:
    if parse_mlp(model):
        return "mlp"
    if matmul_size(model):
        return "matmul"
    if llm_math.is_llm(model):  # llm-tiny, gpt2-small, llama-1b (collect.measure.llm_math.LLMS)
        return "llm"
    if bandwidth.parse_membw(model):  # membw-copy-<MiB>, membw-axpy-<MiB>
        return "membw"
    return "transformer" if model in TRANSFORMERS else "cnn"


def matmul_flops(n: int) -> int:
    """One n x n x n product: n^3 multiply-adds = 2 n^3 FLOPs."""
    return 2 * n**3


def flops_for_mode(name: str, mode: str, counter) -> int:
    """FLOPs per sample of a mode, from a framework's counter(name) -> (forward, backward) per sample.
    A matmul is one product: 2 n^3."""
    n = matmul_size(name)
    if n:
        return matmul_flops(n)
    fwd, bwd = counter(name)
    return {"infer": fwd, "train_forward": fwd, "train_backward": bwd, "train": fwd + bwd}[mode]


def matmul_operand_sets(n: int, itemsize: int) -> int:
    """How many (A, B) operand pairs a matmul step cycles through: enough that the working set exceeds
    the caches (MATMUL_WORKING_SET), so small sizes are not flattered; 2 to 64 pairs."""
    return min(64, max(2, math.ceil(MATMUL_WORKING_SET / (2 * n * n * itemsize))))


@dataclass(frozen=True)
class Optimizer:
    """What a workload trains with, the same in both frameworks and on one device or many."""

    name: str  # "sgd" or "adam"
    lr: float
    momentum: float = 0.0


def optimizer_for(workload: str) -> Optimizer:
    """Transformers: Adam 1e-4; the MLP: plain SGD 0.01 (as the classic benchmark); CNNs: SGD 0.01, momentum 0.9."""
    if workload == "transformer":
        return Optimizer("adam", 1e-4)
    return Optimizer("sgd", 0.01, 0.0 if workload == "mlp" else 0.9)


_LM_AND_MEMBW = [*LLMS, *(membw_name(k, n) for k in bandwidth.MEMBW_KERNELS for n in bandwidth.MEMBW_SIZES)]
SUITES = {
    # A first look in under a minute per framework on the 2-core development CPU, process start included: MLP, CNN and
    # encoder, train and infer; the matmul sweep's small sizes; llm-tiny's prefill and decode at batch 1; one membw
    # size. One trial (two, each a fresh process, took 66 s and 73 s there: over the minute; the default and score
    # suites take three), half a second of warm-up and a 1 s window cap (it ends sooner once its blocks agree within
    # 5%): docs/measuring.md has the measurements.
    "quick": {"models": ["mlp-d5-w1024", "resnet18", "tiny", "matmul-256", "matmul-512", "matmul-1024", "llm-tiny",
                         membw_name("copy", 256)],
              "models@tensorflow": ["mlp-d5-w1024", "mobilenet_v2", "tiny", "matmul-256", "matmul-512", "matmul-1024",
                                    "llm-tiny", membw_name("copy", 256)],
              "modes": ["train", "infer"], "precisions": ["fp32"],
              "batch_sizes": {"mlp": [64], "cnn": [8], "transformer": [8], "matmul": [1], "llm": [1]}, "max_seconds": 1.0,
              "warmup_s": 0.5, "trials": 1},
    # The headline comparison: the classic MLP depth sweep, three real CNNs, two encoders, the matmul sweep,
    # GPT-2 small's prefill and decode (batch 1: time to first token, per-token latency; batch 8 on an accelerator)
    # and membw. Three trials in `make bench`'s 12 minutes on the 2-core development CPU (both frameworks took 17.6
    # there with 2 s windows, batch-8 GPT-2 and BERT-base training): on a CPU BERT-base only infers (distilbert
    # trains), GPT-2 runs at batch 1, and each window is at most 1 s after half a second of warm-up; the trials'
    # spread comes from the machine's state between processes, not the window's length (docs/measuring.md).
    "default": {"models": [mlp_name(d) for d in MLP_DEPTHS] + ["resnet50", "mobilenet_v2", "mobilenet_v3_large",
                                                                "distilbert-base", "bert-base"]
                + [f"matmul-{n}" for n in MATMUL_SIZES[:5]] + ["gpt2-small", membw_name("copy", 1024), membw_name("axpy", 1024)],
                "modes": ["train", "infer"], "precisions": ["fp32"],
                "matmul_precisions@accelerator": ["fp32", "fp16", "bf16"], "llm_precisions@accelerator": ["fp32", "fp16", "bf16"],
                # the score's batch sizes everywhere (CNN 16, encoder 8: collect.contract.scoring), an accelerator's
                # bigger ones beside them, so every device's `make bench` ends with its score
                "batch_sizes": {"mlp": [64], "cnn": [16], "cnn@accelerator": [16, 64], "transformer": [8],
                                "transformer@accelerator": [8, 32], "matmul": [1], "llm": [1], "llm@accelerator": [1, 8]},
                "infer_only@cpu": ["bert-base"], "max_seconds": 1.0, "warmup_s": 0.5},
    # The same models through each execution backend: throughput, and batch-1 latency (p50/p90/p99).
    "backends": {"models": ["mlp-d5-w1024", "resnet18"], "models@tensorflow": ["mlp-d5-w1024", "mobilenet_v2"],
                 "modes": ["infer", "train"], "precisions": ["fp32"],
                 "backends": ["eager", "torch_compile", "onnxruntime"], "backends@tensorflow": ["eager", "tf_function", "xla"],
                 "batch_sizes": {"mlp": [1, 64], "cnn": [1, 16], "cnn@accelerator": [1, 64], "transformer": [1, 8]},
                 "batch_1_infer_only": True, "max_seconds": 4.0},
    # Exactly the configurations of the current devicebench score (collect.contract.scoring): a few minutes on a CPU.
    "score": {"score": scoring.CURRENT, "max_seconds": 4.0},
    # Everything the device supports.
    "full": {"models": [mlp_name(d) for d in MLP_DEPTHS] + ["resnet18", "resnet50", "mobilenet_v2", "mobilenet_v3_large"]
             + _LM_AND_MEMBW,
             "models@tensorflow": [mlp_name(d) for d in MLP_DEPTHS] + ["resnet50", "mobilenet_v2", "mobilenet_v3_large"]
             + _LM_AND_MEMBW,
             "precisions@tensorflow": ["fp32", "mixed_fp16", "mixed_bf16"],
             "modes": list(MODES), "precisions": ["fp32", "fp16", "bf16"],
             "llm_precisions": ["fp32", "bf16"], "llm_precisions@accelerator": ["fp32", "fp16", "bf16"],
             "batch_sizes": {"mlp": [32, 64, 256], "cnn": [1, 16, 64], "llm": [1, 8]}, "max_seconds": 15.0},
}


# What a suite runs with where it says nothing (and for the TensorFlow runner's classic suite, which is not here).
SETTING_DEFAULTS = {"max_seconds": 10.0, "warmup_s": 1.0, "trials": 3}


def setting(suite: str, key: str) -> float:
    """A suite's max_seconds (timed-window cap), warmup_s (least warm-up) or trials (default --repeat)."""
    return (SUITES.get(suite) or {}).get(key, SETTING_DEFAULTS[key])


def split_list(text: str | None) -> list[str] | None:
    """'a, b,,c' -> ['a', 'b', 'c']; None stays None (flag not given)."""
    if text is None:
        return None
    return [item.strip() for item in text.split(",") if item.strip()]


def check_choices(name: str, values: list[str], allowed) -> list[str]:
    for value in values:
        if value not in allowed:
            raise ValueError(choice_error(name, allowed, value))
    return values


INFER_ONLY_BACKENDS = ("onnxruntime", "tensorrt")  # inference sessions: no training


def expand(suite: str, *, device_kind: str, workloads=None, models=None, modes=None, precisions=None,
           batch_sizes=None, framework: str = "torch", backends=None, default_backend: str = "eager",
           extra_backends=()) -> list[Config]:
    """The measurements to run: the suite's choices, each replaced by a flag where one was given.
    Backends vary fastest, so the rows a backend comparison puts side by side run back to back."""
    if suite not in SUITES:
        raise ValueError(choice_error("suite", tuple(SUITES), suite))
    spec = SUITES[suite]
    workloads = check_choices("workloads", workloads, RUNNER_WORKLOADS) if workloads else list(RUNNER_WORKLOADS)
    if "score" in spec:
        if precisions or batch_sizes or backends:
            raise ValueError("`suite` 'score' is a fixed set (its batch sizes, fp32, each framework's default backend): "
                             "leave out --precisions, --batch-sizes and --backends, or choose another suite")
        return _score_configs(spec["score"], framework, default_backend, workloads, models, modes)
    user_modes = bool(modes)
    modes = check_choices("modes", modes, MODES) if modes else spec["modes"]
    user_precisions = bool(precisions)
    precisions = check_choices("precisions", precisions, PRECISIONS) if precisions else spec.get(
        f"precisions@{framework}", spec["precisions"])
    chosen = [m for m in (models or spec.get(f"models@{framework}", spec["models"])) if workload_of(m) in workloads]
    if backends:
        check_choices("backends", backends, BACKENDS_OF[framework])
    suite_backends = spec.get(f"backends@{framework}", spec.get("backends"))
    backends = backends or ([*suite_backends, *extra_backends] if suite_backends else [default_backend])
    configs = []
    for model in chosen:
        workload = workload_of(model)
        sizes = batch_sizes or _suite_batches(spec, workload, device_kind)
        model_modes, model_precisions = _modes_of(workload, modes, user_modes), precisions
        if device_kind == "cpu" and model in spec.get("infer_only@cpu", ()) and not user_modes:
            model_modes = [m for m in model_modes if m == "infer"]  # a suite's too-slow training on a CPU
        if workload in ("matmul", "membw"):  # a product or a copy has no training: one "infer" row per size and dtype
            sizes = [1]
        if workload in ("matmul", "llm") and not user_precisions:
            model_precisions = _workload_precisions(spec, workload, device_kind, framework)
        if workload == "membw" and not user_precisions:
            model_precisions = ["fp32"]  # bytes are bytes: fp32 elements
        model_backends = _backends_of(workload, backends, framework)
        for mode in model_modes:
            for precision in model_precisions:
                for batch in sizes:
                    for backend in model_backends:
                        # The suite's train modes skip inference-only backends; asked for by name, the row says why not.
                        if mode != "infer" and backend in INFER_ONLY_BACKENDS and not user_modes:
                            continue
                        if mode != "infer" and batch == 1 and spec.get("batch_1_infer_only") and not batch_sizes:
                            continue  # the suite's batch 1 is a latency measurement
                        configs.append(Config(workload, model, mode, precision, int(batch), backend=backend))
    return configs


def _score_configs(version: str, framework: str, default_backend: str, workloads, models, modes) -> list[Config]:
    """The score's configurations (collect.contract.scoring), narrowed by --workloads, --models and --modes only."""
    if modes:
        check_choices("modes", modes, MODES)
    out = []
    for workload, model, mode, precision, batch in scoring.SETS[version].configs():
        if workload in workloads and (not models or model in models) and (not modes or mode in modes):
            backend = _backends_of(workload, [default_backend], framework)[0]
            out.append(Config(workload, model, mode, precision, batch, backend=backend))
    return out


def _modes_of(workload: str, modes: list[str], user_modes: bool) -> list[str]:
    """A product or a copy: "infer" (as asked or not); a language model: prefill and decode (the suite's
    train / infer mean both; asked-for modes without them mean none); the rest: never prefill or decode."""
    if workload in ("matmul", "membw"):
        return [m for m in modes if m == "infer"] or ["infer"]
    if workload == "llm":
        return [m for m in modes if m in LLM_MODES] or ([] if user_modes else list(LLM_MODES))
    return [m for m in modes if m not in LLM_MODES]


def _backends_of(workload: str, backends: list[str], framework: str) -> list[str]:
    """A product: one library call, issued eagerly. A copy: eager torch; TensorFlow's runs its shards side by side
    in one tf.function (collect/frameworks/tensorflow/membw.py). The rest: the suite's or the flag's."""
    if workload == "matmul" or (workload == "membw" and framework != "tensorflow"):
        return ["eager"]
    return ["tf_function"] if workload == "membw" else backends


def _workload_precisions(spec: dict, workload: str, device_kind: str, framework: str) -> list[str]:
    """matmul and llm: the dtypes themselves (fp32 / fp16 / bf16, in both frameworks), not Keras' mixed policies."""
    key = f"{workload}_precisions@accelerator" if device_kind != "cpu" else f"{workload}_precisions"
    chosen = spec.get(key, spec.get(f"{workload}_precisions", ["fp32"]))
    return [p for p in chosen if framework == "torch" or p != "tf32"]


def _suite_batches(spec: dict, workload: str, device_kind: str) -> list[int]:
    sizes = spec["batch_sizes"]
    if device_kind != "cpu" and f"{workload}@accelerator" in sizes:
        return sizes[f"{workload}@accelerator"]
    return sizes.get(workload, [8])


def parse_batch_sizes(text: str | None) -> list[int] | None:
    items = split_list(text)
    if items is None:
        return None
    sizes = []
    for item in items:
        if not item.isdigit() or int(item) < 1:
            raise ValueError(f"`batch-sizes` must be whole numbers >= 1, but {item!r} was passed")
        sizes.append(int(item))
    return sizes
