"""The TensorFlow adapter: keras models, compiled tf.function steps, mixed precision and XLA.

Inputs are tensors created on the device before timing; the step is one call (collect.frameworks.
tensorflow.steps). The classic protocol (model.fit, as the original) is in classic.py.
"""

from __future__ import annotations

import gc
import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's C++ start-up chatter off the terminal

import tensorflow as tf  # noqa: E402
from tensorflow import keras  # noqa: E402  (Keras 3 on TF 2.16+, Keras 2 before)

from collect.contract.record import WORKLOAD_RATE_UNIT  # noqa: E402
from collect.frameworks.tensorflow import device as tdv  # noqa: E402
from collect.frameworks.tensorflow import keras_compat as kc  # noqa: E402
from collect.frameworks.tensorflow import llm_run, membw, steps  # noqa: E402
from collect.frameworks.tensorflow.models import build_model, make_inputs, mode_flops  # noqa: E402
from collect.measure import bandwidth, energy, envinfo, llm_math, suites  # noqa: E402
from collect.measure.adapter import Budget, OutOfMemory, Unsupported  # noqa: E402
from collect.measure.outcome import Outcome, Parallel, Settings, Stats  # noqa: E402
from collect.measure.step import checked, cpu_checked, noise_notes, time_step  # noqa: E402
from collect.measure.suites import Config  # noqa: E402
from collect.measure.timing import measure  # noqa: E402

XLA_WORDS = ("xla", "jit")  # a jit_compile=True function that XLA cannot compile raises an error naming it


def is_oom(exc: BaseException) -> bool:
    return isinstance(exc, (tf.errors.ResourceExhaustedError, MemoryError)) or "out of memory" in str(exc).lower()


class TFAdapter:
    framework = "tensorflow"

    def __init__(self, device: str = "auto", jit: str = "auto", distributed: str = "none", replicas: int | None = None):
        gpus = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(gpus[0]) if gpus else {}
        metal = str(details.get("device_name", "")).upper() == "METAL"
        self.device_kind = tdv.resolve_device(device, gpus=len(gpus), metal=metal, cuda_build=tf.test.is_built_with_cuda())
        if self.device_kind == "cpu" and gpus:
            tdv.hide_gpus(tf)
        self.device = "/CPU:0" if self.device_kind == "cpu" else "/GPU:0"
        self.gpu = gpus[0] if gpus else None
        self.device_name = tdv.device_name(tf, self.gpu, self.device_kind)
        # --jit picks the backend when --backends is not given: XLA on CUDA GPUs unless told otherwise
        self.default_backend = "xla" if jit == "on" or (jit == "auto" and self.device_kind == "cuda") else "tf_function"
        self._rel_err: dict[str, float] = {}
        self.distributed, self.strategy, self.writer = distributed, None, True
        if distributed == "mirrored":
            from collect.frameworks.tensorflow.distribute import strategy_for

            self.strategy, self.distributed, self.writer = strategy_for(self.device_kind, replicas)

    def check_models(self, names: list[str]) -> None:
        for name in names:
            if suites.workload_of(name) == "cnn" and kc.application(keras, name) is None:
                raise ValueError(f"`models`: {name!r} is neither mlp-d<depth>-w<width>, matmul-<n>, a transformer size "
                                 f"({', '.join(suites.TRANSFORMERS)}), a language model ({', '.join(llm_math.LLMS)}), "
                                 f"membw-copy-<MiB>, membw-axpy-<MiB> nor a keras.applications model "
                                 f"(e.g. resnet50, mobilenet_v2, mobilenet_v3_large, efficientnet_b0; "
                                 f"all: {', '.join(kc.application_names(keras)[:8])}, ...)")

    def fingerprint(self) -> dict:
        build = tf.sysconfig.get_build_info()
        out = {"framework": "tensorflow", "framework_version": tf.__version__, "keras_version": kc.keras_version(keras),
               "device_kind": self.device_kind, "device_name": self.device_name,
               "threads": tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count() or ""}
        if self.device_kind == "cuda":
            out.update(cuda_version=str(build.get("cuda_version", "")), cudnn_version=str(build.get("cudnn_version", "")))
        out.update(tdv.device_identity(tf, self.gpu, self.device_kind, target=self.nvml_target()))  # what ran
        return out

    def nvml_target(self) -> dict:
        return energy.visible_gpu() if self.device_kind == "cuda" else {}

    def fits(self, config: Config) -> str | None:
        """Matmul operands, llm weights and cache, membw buffers that cannot fit in free memory are skipped (GPU
        memory: the OOM row decides)."""
        if config.workload in ("llm", "membw") and self.device_kind == "cpu":
            membw_size = bandwidth.parse_membw(config.model)
            needed = 2 * membw_size[1] * 2**20 if membw_size else llm_run.needed_bytes(config)
            free = envinfo.available_memory()
            return f"needs {needed / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free" if free and needed > free else None
        n = suites.matmul_size(config.model)
        if not n or self.device_kind != "cpu" or config.precision not in steps.DTYPES:
            return None
        free = envinfo.available_memory()
        needed = 3 * n * n * steps.DTYPES[config.precision].size
        return f"operands need {needed / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free" if free and needed > free else None

    def release(self) -> None:
        kc.set_policy(keras, "fp32")
        keras.backend.clear_session()
        gc.collect()

    def close(self) -> None:
        """Nothing to end: tf.distribute strategies need no shutdown."""

    def agree(self, value: float) -> float:
        """One process drives every replica (and each worker of a multi-worker run checks its own target)."""
        return value

    def measure(self, config: Config, budget: Budget) -> Outcome:
        try:
            if config.protocol == "classic":
                from collect.frameworks.tensorflow.classic import run_classic

                return run_classic(self, config)
            with tf.device(self.device):
                if self.strategy is not None:
                    return self._mirrored(config, budget)
                if config.workload == "matmul":
                    return self._matmul(config, budget)
                if config.workload in ("llm", "membw"):
                    return self._tokens_or_bytes(config, budget)
                return self._model(config, budget)
        except (Unsupported, OutOfMemory):
            raise
        except Exception as exc:
            if is_oom(exc):
                raise OutOfMemory(str(exc).splitlines()[0][:300]) from None
            raise

    def _model(self, config: Config, budget: Budget) -> Outcome:
        if config.precision not in kc.POLICIES:
            raise Unsupported(f"TensorFlow runs fp32, mixed_fp16, mixed_bf16 or fp64 (Keras policies), not {config.precision}")
        if config.mode == "train_backward":
            raise Unsupported("TensorFlow cannot time backward apart from forward: the gradient tape lives inside "
                              "one compiled call")
        if config.backend not in ("eager", "tf_function", "xla"):
            raise Unsupported(f"TensorFlow runs the eager, tf_function and xla backends, not {config.backend}")
        flops = mode_flops(config.model, config.mode)  # before timing: a counting failure fails fast
        policy = kc.set_policy(keras, config.precision)
        model = build_model(config.model)
        x, y = make_inputs(config.model, config.batch_size)  # on the device before timing
        fn = steps.model_fn(model, config, backend=config.backend)
        holder = [None]

        def step():
            holder[0] = fn(x, y)

        tdv.reset_peak(self.device_kind, tf)
        try:
            timed = time_step(budget, config, step, sync=tdv.make_sync(tf, holder))
        except Exception as exc:  # jit_compile=True either compiles with XLA or raises: never a silent fallback
            if config.backend == "xla" and any(word in str(exc).lower() for word in XLA_WORDS):
                raise Unsupported(f"XLA could not compile this here: {str(exc).splitlines()[0][:200]}") from None
            raise
        self._check_placement(holder[0], config)
        out = Outcome(timed.stats, flops, config.backend, Settings(xla="on" if config.backend == "xla" else "off"),
                      timed.energy, peak_mem_mb=tdv.peak_mem_mb(self.device_kind, tf),
                      notes=(*([f"policy {policy}"] if config.precision != "fp32" else []), *timed.notes))
        if config.backend != "eager" and config.mode == "infer":  # the compiled graph against plain Keras
            rel_err = steps.relative_error(holder[0], model(x, training=False))
            return checked(out, rel_err, self.device_kind, against=f"eager on {self.device_kind}", precision=config.precision)
        if config.backend != "eager":
            return out.with_notes("output compared with eager in the infer rows")
        if self.device_kind != "cpu":  # transformers too: dropout is off in inference
            return checked(out, self._correctness(config.model), self.device_kind, against="the CPU", precision="fp32")
        return out

    def _check_placement(self, result, config: Config) -> None:
        placed = result[0].device if isinstance(result, (list, tuple)) else result.device
        if not tdv.on_expected_device(self.device_kind, placed):
            raise Unsupported(f"{config.precision} ran on {placed}, not the GPU (TensorFlow placed it on the CPU)")

    def _mirrored(self, config: Config, budget: Budget) -> Outcome:
        from collect.frameworks.tensorflow import distribute as tfd

        if config.mode != "train" or config.workload == "matmul" or config.precision not in kc.POLICIES:
            raise Unsupported("--distributed mirrored measures training in fp32, mixed_fp16 or mixed_bf16")
        if config.backend != "tf_function":
            raise Unsupported("--distributed mirrored runs one tf.function per step: the tf_function backend")
        flops = mode_flops(config.model, config.mode)
        replicas = self.strategy.num_replicas_in_sync
        global_batch = config.batch_size * replicas
        kc.set_policy(keras, config.precision)
        with self.strategy.scope():
            model = build_model(config.model)
            opt = steps.optimizer(config.workload, config.precision, model.trainable_variables)
        x, y = tfd.per_replica_inputs(self.strategy, lambda i: make_inputs(config.model, config.batch_size, seed=(i, 7)))
        train, holder = tfd.train_function(self.strategy, model, opt, global_batch), [None]

        def step():
            holder[0] = train(x, y)

        m = measure(step, sync=tdv.make_sync(tf, holder), samples_per_step=global_batch, max_seconds=budget.max_seconds)
        return Outcome(Stats.of(m), flops, "tf_function", Settings(xla="off"),
                       parallel=Parallel(replicas, self.distributed, global_batch),
                       peak_mem_mb=tdv.peak_mem_mb(self.device_kind, tf),
                       notes=("each replica its own synthetic data", *noise_notes(m)))

    def _matmul(self, config: Config, budget: Budget) -> Outcome:
        if config.precision not in steps.DTYPES:
            raise Unsupported(f"TensorFlow matmul runs {', '.join(steps.DTYPES)}, not {config.precision}")
        n, holder = suites.matmul_size(config.model), [None]
        step = steps.matmul_step(n, config.precision, holder)
        timed = time_step(budget, config, step, sync=tdv.make_sync(tf, holder), samples_per_step=1)
        if not tdv.on_expected_device(self.device_kind, holder[0].device):
            raise Unsupported(f"{config.precision} matmul ran on {holder[0].device}, not the GPU "
                              "(TensorFlow placed it on the CPU)")
        return Outcome(timed.stats, suites.matmul_flops(n), "eager", Settings(xla="off"), timed.energy, notes=timed.notes)

    def _tokens_or_bytes(self, config: Config, budget: Budget) -> Outcome:
        """llm rows (tokens/s; collect.frameworks.tensorflow.llm_run) and membw rows (bytes/s; .membw)."""
        if config.backend not in ("eager", "tf_function", "xla"):
            raise Unsupported(f"TensorFlow runs the eager, tf_function and xla backends, not {config.backend}")
        holder: list = [None]
        if config.workload == "membw":
            step, per_step, flops, note = membw.membw_step(config, self.device_kind, holder)
            fields = {"rate_unit": WORKLOAD_RATE_UNIT["membw"], "bytes_per_sample": 1}
        else:
            dtype = llm_run.dtype_of(config)
            step, note = llm_run.llm_step(config, dtype, holder), llm_run.context_note(config)
            per_step, fields = llm_math.tokens_per_step(config.mode, config.batch_size), llm_run.llm_fields(config, dtype)
            flops = fields.pop("flops_per_sample")
        tdv.reset_peak(self.device_kind, tf)
        timed = time_step(budget, config, step, sync=tdv.make_sync(tf, holder),
                          samples_per_step=per_step)
        del step  # the model and its cache: gone before the CPU check builds its own
        if config.workload == "llm":
            self._check_placement(holder[0], config)
        out = Outcome(timed.stats, flops, config.backend, Settings(xla="on" if config.backend == "xla" else "off"),
                      timed.energy, peak_mem_mb=tdv.peak_mem_mb(self.device_kind, tf), notes=timed.notes,
                      **fields).with_notes(note)
        if config.workload == "membw":
            return out  # a copy has no output to check
        return cpu_checked(out, self.device_kind, self._rel_err, f"llm:{config.model}",
                           lambda: llm_run.cpu_agreement(config, self.device))

    def _correctness(self, name: str) -> float:
        if name not in self._rel_err:
            kc.set_policy(keras, "fp32")
            model = build_model(name)
            x, _ = make_inputs(name, 2, seed=(0, 1))
            with tf.device("/CPU:0"):
                want = model(x, training=False)
            with tf.device(self.device):
                got = model(x, training=False)
            self._rel_err[name] = steps.relative_error(got, want)
        return self._rel_err[name]


def plain_step(config: Config):
    """For benchmarks/fidelity.py: the same compiled step, with nothing of the harness around it."""
    TFAdapter("cpu", jit="off")  # the same device setup as the runner's (GPUs hidden)
    model = build_model(config.model)
    x, y = make_inputs(config.model, config.batch_size)
    fn = steps.model_fn(model, config, backend="tf_function")
    holder = [None]

    def step():
        holder[0] = fn(x, y)
    return step, tdv.make_sync(tf, holder)
