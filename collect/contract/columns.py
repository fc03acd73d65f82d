"""What every CSV column means: (unit, meaning). The README's column table is made from this.

`python -m collect.contract.columns` prints the markdown table; tests check that the README
holds every column, so adding a field without documenting it fails CI.
"""

from __future__ import annotations

import sys

from collect.contract import record as r

DOCS: dict[str, tuple[str, str]] = {
    "schema_version": ("integer", f"Version of this column layout; this code writes and knows up to {r.SCHEMA_VERSION}."),
    "env": ("slug", "Name of the environment; equals `<env>` in `results_<env>.csv`. 1-64 of `a-z 0-9 . _ -`."),
    "source": (", ".join(r.SOURCES), "`measured` by a runner, `published` transcribed from a cited project, `legacy` read from an old wide CSV."),
    "reference": ("text", "Where a published or legacy figure comes from."),
    "run_id": ("text", "Identifies one invocation of the runner; repeat runs get new ids."),
    "timestamp_utc": ("ISO 8601", "When the row was measured (UTC), or the date of the published figure."),
    "platform": (", ".join(r.PLATFORMS), "Where it ran: Kaggle, Colab, a CI job, or a local machine."),
    "framework": (", ".join(r.FRAMEWORKS), "Deep-learning framework."),
    "framework_version": ("text", "Framework version that ran."),
    "device_kind": (", ".join(r.DEVICE_KINDS), "Device the workload ran on; `gpu` is a TensorFlow GPU such as Metal."),
    "device_name": ("text", "Device as the framework or OS names it (GPU name, Apple chip, CPU model)."),
    "workload": (", ".join(r.WORKLOADS), "Workload family."),
    "model": ("text", "Model: `mlp-d<depth>-w1024`, a torchvision / keras.applications name, `matmul-<n>`, a transformer size, a language model (`llm-tiny`, `gpt2-small`, `llama-1b`), `membw-copy-<MiB>` / `membw-axpy-<MiB>` (buffers of <MiB> MiB each)."),
    "mode": (", ".join(r.MODES), "`infer`: forward in eval mode; `train`: forward, backward and optimizer step; `train_forward` / `train_backward`: the two halves timed apart; `prefill`: a language model reads a prompt of `seq_len` tokens (its step time at batch 1 is the time to first token); `decode`: one new token per step with the KV cache filling to `context_len` (llm rows have only these two; membw rows are `infer`)."),
    "precision": (", ".join(r.PRECISIONS), "Numeric precision that took effect (autocast dtype, Keras mixed policy, TF32)."),
    "batch_size": ("samples", "Samples per step."),
    "dataset": ("text", "`synthetic` (generated on the device before timing) or the real dataset used, e.g. `cifar10`."),
    "samples_per_s": ("samples/s", "Samples processed in the timed steps divided by their synchronized wall time. Required and > 0 when status is ok."),
    "step_ms_median": ("ms", "Median time of one step in steady state (warm-up excluded)."),
    "step_ms_p10": ("ms", "10th percentile of the step time."),
    "step_ms_p90": ("ms", "90th percentile of the step time."),
    "step_ms_p99": ("ms", "99th percentile of the step time; batch-1 inference rows time every step alone, so their p10/median/p90/p99 are per-request latencies."),
    "steps": ("count", "Timed steps behind the statistics."),
    "warmup_steps": ("count", "Steps run before timing, the first (compile) step included."),
    "compile_s": ("s", "Time of the first step: tracing, compilation, autotuning. Not part of the step statistics."),
    "peak_mem_mb": ("MiB", "Peak memory: CUDA max allocated, MPS driver-allocated, TensorFlow GPU peak, else process peak RSS."),
    "flops_per_sample": ("FLOP", "Floating-point operations per sample, 2 x multiply-accumulates; training counts forward + backward. Per token for llm rows (analytic, equal in both frameworks); per byte counted for membw rows (axpy 2 per element, copy 0)."),
    "tflops": ("TFLOP/s", "Achieved rate: flops_per_sample x samples_per_s / 1e12."),
    "rate_unit": (", ".join(r.RATE_UNITS), "What `samples_per_s` counts: `tokens` for llm rows, `bytes` for membw rows, `samples` otherwise (and where empty)."),
    "seq_len": ("tokens", "llm rows: the prompt length (prefill) or the tokens generated (decode)."),
    "context_len": ("tokens", "llm decode rows: the KV cache length the last generated token attends to."),
    "bytes_per_sample": ("bytes", "Memory traffic per sample, where known (llm and membw rows). llm: per token, the weights streamed once per step and shared by the batch, plus the KV cache read (decode) or written (prefill); membw: 1, since its rate already counts the bytes read and written. With `flops_per_sample` it places a row on the roofline (FLOP per byte)."),
    "gb_per_s": ("GB/s", "Achieved memory bandwidth: bytes_per_sample x samples_per_s / 1e9."),
    "power_w": ("W", "Mean power during the timed steps (energy / time), where measured or published; see `energy_method`."),
    "backend": (", ".join(r.BACKENDS), "What executed the model: `eager` (torch as written; TensorFlow without tf.function), `torch_compile`, `onnxruntime` (the torch model exported to ONNX), `tensorrt` (ONNX Runtime's TensorRT provider), `tf_function`, `xla` (tf.function with jit_compile). Files before schema 3: eager for torch, tf_function or xla for TensorFlow."),
    "energy_j_per_sample": ("J/sample", "Energy of the timed steps divided by the samples they processed, from `energy_method`."),
    "energy_method": (", ".join(r.ENERGY_METHODS), "How power and energy were measured: NVML energy counter, NVML sampled power, Linux RAPL counters (CPU package), macOS powermetrics (an estimate); `none`: no method was available. Empty: not stated."),
    "status": (", ".join(r.STATUSES), "Outcome: `oom` ran out of memory, `unsupported` the device cannot run it, `skipped` not attempted (e.g. would not fit), `error` failed or gave wrong results."),
    "note": ("text", "Free text: reason for a non-ok status, warnings such as a noisy measurement."),
    "wall_s": ("s", "Whole-run wall time including model build and compile (classic protocol and legacy rows)."),
    "rel_err": ("ratio", "Relative error of the output: an accelerator's against the CPU in fp32 (eager rows), a backend's against eager on the same device, input and weights."),
    "trial": ("count", "Which of a run's repeated measurements this row is (`--repeat N`: 1 to N, each round in a fresh process); empty in files before schema 4 and in published rows."),
    "world_size": ("devices", "Devices (ranks or replicas) in the run; 1 for single-device rows and files of schema 1."),
    "distributed": (", ".join(r.DISTRIBUTED), "Data-parallel engine: `ddp` (torch.distributed), `mirrored` / `multi_worker` (tf.distribute), `none`."),
    "global_batch_size": ("samples", "Samples per step over all devices (`batch_size` stays per device)."),
    "threads": ("count", "CPU threads the framework used (torch.get_num_threads, TensorFlow intra-op)."),
    "tf32": (", ".join(r.ON_OFF), "Whether TF32 matmul/convolution was allowed (CUDA)."),
    "matmul_precision": ("text", "torch.get_float32_matmul_precision() in effect: highest, high, medium."),
    "cudnn_benchmark": (", ".join(r.ON_OFF), "Whether cuDNN autotuning was on."),
    "xla": (", ".join(r.ON_OFF), "Whether XLA compilation took effect (TensorFlow), not merely was asked for."),
    "os": ("text", "Operating system, release and architecture."),
    "python_version": ("text", "Python version."),
    "cpu_name": ("text", "CPU model name."),
    "cpu_count": ("count", "Logical CPU cores."),
    "ram_gb": ("GiB", "System memory."),
    "accel_mem_gb": ("GiB", "Accelerator memory (CUDA total; unified memory on Apple silicon)."),
    "cuda_version": ("text", "CUDA version the framework was built with."),
    "cudnn_version": ("text", "cuDNN version."),
    "driver_version": ("text", "GPU driver version where readable."),
    "keras_version": ("text", "Keras version (TensorFlow rows)."),
    "rosetta": (", ".join(r.YES_NO), "Whether Python ran under Rosetta 2 on an Apple-silicon Mac (about 2x slower)."),
    "power_source": (", ".join(r.POWER_SOURCES), "Mains or battery, where readable (laptops throttle on battery)."),
    "harness_version": ("text", "devicebench version that measured the row."),
    "protocol": ("devicebench, classic, legacy, or a harness's name", "How the figure was measured: devicebench's steady-state loop, the classic `model.fit` protocol, an ancestor's wall time (`legacy`), or for a published row the harness that produced it (`tf_cnn_benchmarks`). Rankings rank one protocol at a time; empty in older files: read from `source` and `note`."),
    "licence": ("SPDX identifier", "The terms a published figure is under (`CC-BY-SA-4.0`, `BSD-3-Clause`, `Apache-2.0`, `MIT`): its source's licence, carried with the row. Empty: the dataset's own terms (LICENSE-DATA)."),
    "cpu_vendor": ("text", "CPU vendor as the OS reports it: `AuthenticAMD`, `GenuineIntel`, `Apple`, or an Arm implementer (`ARM`, `Ampere`, `Qualcomm`)."),
    "cpu_family": ("integer", "x86 CPU family (25 and 26 are AMD Zen 3/4 and Zen 5; 6 is most Intel cores)."),
    "cpu_model": ("integer", "x86 CPU model number within its family, or an Arm part number (decimal)."),
    "cpu_stepping": ("integer", "CPU stepping (revision), where the OS reports it."),
    "cpu_arch": ("text", "Microarchitecture derived from vendor, family and model (`Zen 3`, `Sapphire Rapids`, `M2`, `Neoverse V1`): cloud VMs often report only \"AMD EPYC\"; `unknown` beyond devicebench's table. Empty in older files: generation not recorded."),
    "cpu_isa": ("text", "Instruction sets that matter for deep learning, space-separated: x86 `avx2 fma avx512f avx512_bf16 avx512_vnni amx`; Arm `neon sve sme bf16 i8mm`."),
    "math_library": ("text", "The math-library path the framework took: torch's CPU capability, BLAS and oneDNN (`cpu_capability=AVX512; blas=mkl; onednn=3.7`); TensorFlow's oneDNN on or off."),
    "host_product": ("text", "The host's DMI product name where readable (a cloud VM's instance family, a laptop's model)."),
    "accel_capability": ("text", "CUDA compute capability of the accelerator (`8.0`), where the framework reports it."),
    "accel_units": ("count", "Streaming multiprocessors (CUDA) or GPU cores (Apple) of the accelerator."),
    "accel_power_limit_w": ("W", "The accelerator's enforced power limit (NVML), where readable."),
    "accel_clock_mhz": ("MHz", "The accelerator's maximum SM clock (NVML), where readable."),
}


def markdown_table() -> str:
    lines = ["| column | unit / allowed values | meaning |", "|---|---|---|"]
    for name in r.FIELDS:
        unit, meaning = DOCS[name]
        required = " Required." if name in r.REQUIRED else ""
        lines.append(f"| `{name}` | {unit} | {meaning}{required} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.stdout.write(markdown_table() + "\n")
