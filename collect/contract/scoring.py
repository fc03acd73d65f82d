"""The devicebench score: what it is made of, fixed and versioned.

A score answers "how fast is this machine for deep learning?" with one number per framework: the geometric mean,
over a fixed set of configurations, of the machine's median figure over a reference machine's, times SCALE. The
reference's score runs named in the version define SCALE (its other runs move only its own score). The set is chosen to run on a laptop CPU and on a datacenter GPU alike, in a
few minutes on a CPU (`devicebench run --suite score` measures exactly it), and to cover what people run: a
small MLP's training, a CNN's inference and training, a transformer encoder, a language model's prompt processing
and token generation, the best dense matrix product and memory bandwidth.

A score carries its version. Changing a member, a batch size or the reference makes a new version (a new entry of
SETS); an old version's definition never changes, so no old score moves: the reference's medians are part of the
definition (reference_values), not read again from its results file. `collect.present.score` computes it, for
the runner's closing panel, results.md, results.png and the site alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field

SCALE = 1000.0


@dataclass(frozen=True)
class Member:
    """One configuration of the set. `models` names one model, or candidates whose best figure counts (the matrix
    product: the best TFLOP/s of three sizes is the machine's dense-compute roof, whatever size suits it)."""

    key: str  # short and stable: the member's name in tables and tests
    label: str  # what a reader sees
    workload: str
    models: tuple[str, ...]
    mode: str
    batch_size: int
    figure: str  # "rate" (samples/s, tokens/s, bytes/s) or "tflops"
    why: str
    precision: str = "fp32"  # fp32 everywhere: the one precision every device and framework runs


@dataclass(frozen=True)
class ScoreSet:
    version: str
    reference: str  # the env whose medians the scores divide by; it measured every member in each framework
    members: tuple[Member, ...]
    defined: str  # the date this version was fixed
    # framework -> member key -> the reference's median in the member's figure, fixed with the version (its runs:
    # reference_runs), so a later run of the reference env never moves a score. tools/score_reference.py prints them.
    reference_values: dict[str, dict[str, float]] = field(default_factory=dict)
    reference_runs: tuple[str, ...] = ()

    def configs(self) -> list[tuple[str, str, str, str, int]]:
        """(workload, model, mode, precision, batch) of every configuration `--suite score` measures."""
        return [(m.workload, model, m.mode, m.precision, m.batch_size) for m in self.members for model in m.models]


def backends(framework: str, workload: str) -> tuple[str, ...]:
    """The backends a member's row may have run on: the framework's default (TensorFlow: tf_function, or xla where
    the runner chose it on a CUDA GPU), and for a matrix product or a copy what the runner always uses for them
    (measure.suites: one eager library call; TensorFlow's copy inside one tf.function)."""
    if workload == "matmul" or (workload == "membw" and framework == "torch"):
        return ("eager",)
    return ("tf_function", "xla") if framework == "tensorflow" else ("eager",)


V1 = ScoreSet(version="1", reference="amd-epyc-2core-cpu", defined="2026-12-02", members=(
    Member("mlp-train", "MLP training (mlp-d5-w1024, batch 64)", "mlp", ("mlp-d5-w1024",), "train", 64, "rate",
           "dense layers and their backward pass at a small batch: framework overhead and GEMM alike"),
    Member("cnn-infer", "CNN inference (resnet50, batch 16)", "cnn", ("resnet50",), "infer", 16, "rate",
           "the most compared vision model, convolutions at a batch a laptop holds"),
    Member("cnn-train", "CNN training (resnet50, batch 16)", "cnn", ("resnet50",), "train", 16, "rate",
           "the same network's backward pass and optimizer step"),
    Member("encoder-infer", "Transformer encoder (bert-base, batch 8, 128 tokens)", "transformer", ("bert-base",), "infer", 8,
           "rate", "attention and large GEMMs at the sequence length of most encoder work"),
    Member("llm-prefill", "Language model prompt (gpt2-small, 512 tokens)", "llm", ("gpt2-small",), "prefill", 1, "rate",
           "processing a prompt: compute-bound, time to first token"),
    Member("llm-decode", "Language model generation (gpt2-small, batch 1)", "llm", ("gpt2-small",), "decode", 1, "rate",
           "generating tokens one at a time with a KV cache: memory-bound, what a chat feels like"),
    Member("matmul-best", "Dense matrix product (best fp32 TFLOP/s of 1024, 2048, 4096)", "matmul",
           ("matmul-1024", "matmul-2048", "matmul-4096"), "infer", 1, "tflops", "the machine's measured compute roof"),
    Member("membw", "Memory bandwidth (axpy over 1 GiB)", "membw", ("membw-axpy-1024",), "infer", 1, "rate",
           "the machine's measured bandwidth roof"),
), reference_runs=("20261202T101116Z-1ffd4a", "20261202T101506Z-37c364"), reference_values={
    # samples/s (tokens/s for the language model, bytes/s for membw) or TFLOP/s (matmul-best): medians of 3 trials
    "tensorflow": {"mlp-train": 4911.72, "cnn-infer": 44.4478, "cnn-train": 10.0699, "encoder-infer": 16.6625,
                   "llm-prefill": 1609.13, "llm-decode": 29.4661, "matmul-best": 0.474167, "membw": 6.51278e10},
    "torch": {"mlp-train": 2464.14, "cnn-infer": 16.9672, "cnn-train": 7.56936, "encoder-infer": 8.244,
              "llm-prefill": 874.107, "llm-decode": 32.2371, "matmul-best": 0.202338, "membw": 6.54511e10},
})
SETS = {V1.version: V1}
# How far one machine's score moves between runs, measured (the site's score page and docs/methodology.md say it).
RUN_TO_RUN = ("Run to run: three 'devicebench run --suite score' runs of each framework on one quiet 2-core cloud VM "
              "(env intel-xeon-amx-2core-cpu, 2026-12-06, load average 1.3-2.3 with nothing else running) scored torch "
              "1,217, 1,235 and 1,249 and TensorFlow 690, 694 and 713: within 3.3% of each other. The same VM scored torch "
              "986 while other programs kept its two cores busy (load average 3.6): close other programs before a score run.")
CURRENT = V1.version
