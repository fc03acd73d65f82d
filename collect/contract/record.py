"""The one record type that flows from a runner to results/*.csv to the charts.

Its field list *is* the CSV header. Every column is documented in
collect.contract.columns.DOCS (unit or allowed values, meaning); the README's column
table is checked against it by a test, so the two cannot drift apart.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass

# 2 added world_size, distributed, global_batch_size (v1 files read as single-device);
# 3 added backend, step_ms_p99, energy_j_per_sample, energy_method (older rows: their framework's default backend);
# 4 added trial (older rows: not stated); the llm and membw workloads with modes prefill and decode, and
#   rate_unit, seq_len, context_len, bytes_per_sample, gb_per_s (older rows: samples, not stated)
# 5 added protocol (older rows: from their source and note, see protocol_of) and the device identity: cpu_vendor,
#   cpu_family, cpu_model, cpu_stepping, cpu_arch, cpu_isa, math_library, host_product, accel_capability,
#   accel_units, accel_power_limit_w, accel_clock_mhz (older rows: "generation not recorded"), and licence (a
#   published row's terms; empty: the dataset's own, LICENSE-DATA)
SCHEMA_VERSION = 5

FRAMEWORKS = ("torch", "tensorflow")
DEVICE_KINDS = ("cpu", "cuda", "mps", "gpu", "unknown")
MODES = ("train", "infer", "train_forward", "train_backward", "prefill", "decode")
PRECISIONS = ("fp32", "fp16", "bf16", "mixed_fp16", "mixed_bf16", "tf32", "fp64")
SOURCES = ("measured", "published", "legacy")
STATUSES = ("ok", "oom", "unsupported", "error", "skipped")
PLATFORMS = ("local", "colab", "kaggle", "ci", "unknown")
WORKLOADS = ("mlp", "cnn", "matmul", "transformer", "llm", "membw")
# What samples_per_s counts: samples (images, sequences, products), tokens (llm), bytes (membw). Never on one axis.
RATE_UNITS = ("samples", "tokens", "bytes")
# The workloads whose rates are not samples: what their runners write as rate_unit, and what the tables split by.
WORKLOAD_RATE_UNIT = {"llm": "tokens", "membw": "bytes"}
# How a rate of each unit reads in text (logs, notes, --check): bytes/s would run to 11 digits, so GB/s.
RATE_SHOWN = {"samples": ("samples/s", 1.0), "tokens": ("tok/s", 1.0), "bytes": ("GB/s", 1e9)}


def rate_shown(value: float, rate_unit: str) -> tuple[float, str]:
    """(the value in the unit text shows it in, that unit): GB/s for bytes rows, tok/s for tokens, samples/s for
    the rest (an empty rate_unit, as every row before schema 4 has, means samples)."""
    label, scale = RATE_SHOWN.get(str(rate_unit or "samples"), RATE_SHOWN["samples"])
    return float(value) / scale, label
ON_OFF = ("on", "off")
YES_NO = ("yes", "no")
POWER_SOURCES = ("ac", "battery", "unknown")
DISTRIBUTED = ("none", "ddp", "mirrored", "multi_worker")
BACKENDS = ("eager", "torch_compile", "onnxruntime", "tensorrt", "tf_function", "xla")
BACKENDS_OF = {"torch": ("eager", "torch_compile", "onnxruntime", "tensorrt"), "tensorflow": ("eager", "tf_function", "xla")}
# How energy was measured: counters and sampled power (see collect/measure/energy.py); `none`: no method was available.
ENERGY_METHODS = ("nvml_energy", "nvml_power", "rapl", "powermetrics", "none")

# Trials of one configuration whose fastest and slowest samples/s differ by more than this are `unsteady`.
# Measured on the 2-core development machine: 2-second windows inside one process agree within 3%, while
# separate processes settled as far apart as 1.43x (benchmarking-rules 8a). A steady machine repeats within a
# few percent between processes; 15% is several times that, and well below the 2x swings that make a row lie.
UNSTEADY_RATIO = 1.15
# What makes two rows of one run trials of one configuration (the runner's note and --check's review agree on it).
TRIAL_KEY = ("framework", "device_kind", "workload", "model", "mode", "precision", "batch_size", "backend", "world_size")

# How a row was measured (`protocol`): devicebench's steady-state loop, the classic model.fit protocol, an ancestor's
# wall time (legacy); a published row names the harness that produced it (free text: "tf_cnn_benchmarks"). Rankings
# rank one protocol at a time: RANKED's rows are ranked, every other protocol is shown beside them as a reference.
STEADY, CLASSIC, LEGACY = "devicebench", "classic", "legacy"
RANKED = STEADY
PROTOCOLS_OF_SOURCE = {"measured": (STEADY, CLASSIC), "legacy": (LEGACY,)}
PROTOCOL_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._:/+()-]{0,79}$")
LICENCE_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]{0,39}$")  # an SPDX identifier: CC-BY-SA-4.0, BSD-3-Clause, MIT
# The note a classic-protocol row starts with (frameworks/tensorflow/classic.py writes it): older rows are told by it.
CLASSIC_NOTE = "classic protocol"


def protocol_of(source: str, note: str = "", protocol: str = "") -> str:
    """The protocol a row was measured under: its own cell where it has one, else what its source and note say
    (rows before schema 5): measured -> devicebench, or classic where the note says so; legacy -> legacy; a published
    row that names no harness -> "published"."""
    if protocol:
        return protocol
    if source == "legacy":
        return LEGACY
    if source == "published":
        return "published"
    return CLASSIC if str(note or "").startswith(CLASSIC_NOTE) else STEADY


ENV_RE = re.compile(r"^[a-z0-9._-]{1,64}$")
# One epoch of the classic MLP benchmark: CIFAR-10's 50,000 training images. The classic protocol,
# legacy rows (wall time of 3 such epochs) and the headline's seconds-per-epoch axis all mean this.
EPOCH_SAMPLES = 50_000


@dataclass(frozen=True)
class Record:
    """One measurement (or one published / legacy figure). Empty string = not measured."""

    # identity and provenance
    env: str
    framework: str
    device_kind: str
    workload: str
    model: str
    mode: str
    precision: str
    batch_size: int
    status: str = "ok"
    schema_version: int = SCHEMA_VERSION
    source: str = "measured"
    reference: str = ""
    run_id: str = ""
    timestamp_utc: str = ""
    platform: str = "unknown"
    framework_version: str = ""
    device_name: str = ""
    dataset: str = "synthetic"
    # metrics
    samples_per_s: float | str = ""
    step_ms_median: float | str = ""
    step_ms_p10: float | str = ""
    step_ms_p90: float | str = ""
    step_ms_p99: float | str = ""
    steps: int | str = ""
    warmup_steps: int | str = ""
    compile_s: float | str = ""
    peak_mem_mb: float | str = ""
    flops_per_sample: float | str = ""
    tflops: float | str = ""
    power_w: float | str = ""
    note: str = ""
    # execution backend and energy (schema 3)
    backend: str = ""
    energy_j_per_sample: float | str = ""
    energy_method: str = ""
    wall_s: float | str = ""
    rel_err: float | str = ""
    # repeated measurements (schema 4): trial k of a run's round-robin rounds, each in its own process
    trial: int | str = ""
    # language models and memory bandwidth (schema 4)
    rate_unit: str = ""
    seq_len: int | str = ""
    context_len: int | str = ""
    bytes_per_sample: float | str = ""
    gb_per_s: float | str = ""
    # multi-device runs (schema 2)
    world_size: int | str = 1
    distributed: str = "none"
    global_batch_size: int | str = ""
    # settings that took effect
    threads: int | str = ""
    tf32: str = ""
    matmul_precision: str = ""
    cudnn_benchmark: str = ""
    xla: str = ""
    # environment fingerprint
    os: str = ""
    python_version: str = ""
    cpu_name: str = ""
    cpu_count: int | str = ""
    ram_gb: float | str = ""
    accel_mem_gb: float | str = ""
    cuda_version: str = ""
    cudnn_version: str = ""
    driver_version: str = ""
    keras_version: str = ""
    rosetta: str = ""
    power_source: str = ""
    harness_version: str = ""
    # how it was measured and exactly what ran (schema 5): see protocol_of and collect.contract.cpus
    protocol: str = ""
    licence: str = ""
    cpu_vendor: str = ""
    cpu_family: int | str = ""
    cpu_model: int | str = ""
    cpu_stepping: int | str = ""
    cpu_arch: str = ""
    cpu_isa: str = ""
    math_library: str = ""
    host_product: str = ""
    accel_capability: str = ""
    accel_units: int | str = ""
    accel_power_limit_w: float | str = ""
    accel_clock_mhz: float | str = ""


# The public column order: the contract columns first, in the order users know.
CONTRACT = (
    "schema_version", "env", "source", "reference", "run_id", "timestamp_utc", "platform",
    "framework", "framework_version", "device_kind", "device_name", "workload", "model",
    "mode", "precision", "batch_size", "dataset", "samples_per_s", "step_ms_median",
    "step_ms_p10", "step_ms_p90", "step_ms_p99", "steps", "warmup_steps", "compile_s", "peak_mem_mb",
    "flops_per_sample", "tflops", "power_w", "status", "note",
)
_ALL = tuple(f.name for f in dataclasses.fields(Record))
FIELDS = CONTRACT + tuple(name for name in _ALL if name not in CONTRACT)

REQUIRED = (
    "schema_version", "env", "source", "run_id", "platform", "framework",
    "device_kind", "workload", "model", "mode", "precision", "batch_size", "status",
)
INT_COLUMNS = ("schema_version", "batch_size", "steps", "warmup_steps", "threads", "cpu_count", "world_size", "trial",
               "seq_len", "context_len",
               "global_batch_size", "cpu_family", "cpu_model", "cpu_stepping", "accel_units")
FLOAT_COLUMNS = (
    "samples_per_s", "step_ms_median", "step_ms_p10", "step_ms_p90", "step_ms_p99", "compile_s",
    "peak_mem_mb", "flops_per_sample", "tflops", "power_w", "energy_j_per_sample", "wall_s", "rel_err",
    "bytes_per_sample", "gb_per_s",
    "ram_gb", "accel_mem_gb", "accel_power_limit_w", "accel_clock_mhz",
)
NUMERIC_COLUMNS = INT_COLUMNS + FLOAT_COLUMNS
CHOICES = {
    "framework": FRAMEWORKS, "device_kind": DEVICE_KINDS, "mode": MODES,
    "precision": PRECISIONS, "source": SOURCES, "status": STATUSES, "platform": PLATFORMS,
    "workload": WORKLOADS, "tf32": ON_OFF, "cudnn_benchmark": ON_OFF, "xla": ON_OFF,
    "rosetta": YES_NO, "power_source": POWER_SOURCES, "distributed": DISTRIBUTED,
    "backend": BACKENDS, "energy_method": ENERGY_METHODS, "rate_unit": RATE_UNITS,
}
# Columns a file of an older schema may lack, and the value they mean there (`backend`: see default_backend).
DEFAULTS_FOR_OLDER = {"world_size": "1", "distributed": "none", "global_batch_size": ""}


def default_backend(framework: str, xla: str = "", workload: str = "") -> str:
    """The backend a row without one ran on: what the runners did before backends were a choice
    (torch eager; TensorFlow a compiled tf.function, with XLA where the row says it took effect;
    both runners issue a matmul eagerly)."""
    if framework == "tensorflow" and workload != "matmul":
        return "xla" if xla == "on" else "tf_function"
    return "eager"


def older_row(row: dict[str, str]) -> dict[str, str]:
    """Cells of a row from an older schema, completed with what the new columns mean there."""
    out = {**DEFAULTS_FOR_OLDER, **row}
    if not out.get("backend"):
        out["backend"] = default_backend(out.get("framework", ""), out.get("xla", ""), out.get("workload", ""))
    return out


def choice_error(name: str, allowed, value) -> str:
    """The one wording for a bad value, everywhere: names the thing and what is allowed."""
    return f"`{name}` must be one of {tuple(allowed)!r}, but {value!r} was passed"


def check_env(env: str) -> str:
    """Return env if it is a safe slug for a file name, else raise ValueError saying why."""
    if not isinstance(env, str) or not ENV_RE.match(env):
        raise ValueError(
            "`env` must be 1-64 characters of lower-case letters, digits, '.', '_' or '-', "
            f"but {env!r} was passed"
        )
    return env


def slugify(text: str, limit: int = 64) -> str:
    """A readable env slug from free text: 'Tesla T4 (Colab)' -> 'tesla-t4-colab'."""
    slug = re.sub(r"[^a-z0-9._]+", "-", text.lower()).strip("-._")
    return re.sub(r"-{2,}", "-", slug)[:limit].strip("-._") or "unknown"


def make_record(**values) -> Record:
    """Build a Record, checking the allowed-value columns so a runner bug fails loudly here."""
    for name, allowed in CHOICES.items():
        value = values.get(name, getattr(Record, name, ""))
        if value != "" and value not in allowed:
            raise ValueError(choice_error(name, allowed, value))
    backend, framework = values.get("backend", ""), values.get("framework", "")
    if backend and backend not in BACKENDS_OF.get(framework, BACKENDS):
        raise ValueError(choice_error(f"backend` of `{framework}", BACKENDS_OF[framework], backend))
    check_env(values.get("env", ""))
    return Record(**values)


def to_row(record: Record) -> dict[str, str]:
    """A record as CSV cells: numbers in repr-exact form, newlines flattened out of text."""
    row = {}
    for name in FIELDS:
        value = getattr(record, name)
        if isinstance(value, float):
            value = repr(value) if value == value else ""
        row[name] = " ".join(str(value).split("\n")) if isinstance(value, str) else str(value)
    return row
