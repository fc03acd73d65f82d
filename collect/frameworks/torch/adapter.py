"""The PyTorch adapter: builds the model, puts synthetic data on the device, times the step.

Only the step runs inside the timed region; inputs, labels and the model are on the device
before the clock starts (see collect.measure.timing for the protocol).
"""

from __future__ import annotations

import dataclasses
import functools

import torch
from torch import nn

from collect.contract.record import WORKLOAD_RATE_UNIT
from collect.frameworks.torch import backends as tb
from collect.frameworks.torch import device as td
from collect.frameworks.torch import llm_run, membw, steps
from collect.frameworks.torch.models import build_model, build_model_meta, classification_models, logits, make_inputs, mode_flops
from collect.measure import energy, envinfo, llm_math, suites
from collect.measure.adapter import Budget, OutOfMemory, Unsupported
from collect.measure.outcome import Outcome, Parallel, Settings, Stats
from collect.measure.step import checked, cpu_checked, time_step
from collect.measure.suites import Config


class TorchAdapter:
    framework = "torch"
    default_backend = "eager"

    def __init__(self, device: str = "auto", distributed: str = "none"):
        self.distributed, self.rank = distributed, None
        if distributed == "ddp":
            from collect.frameworks.torch import ddp

            self.rank = ddp.init(device)
            self.device_kind, self.device = self.rank.device.type, self.rank.device
        else:
            self.device_kind = td.resolve_device(device, cuda=torch.cuda.is_available(), mps=td.mps_available())
            self.device = torch.device(self.device_kind)
        self.device_name = td.device_name(self.device_kind)
        self.sync = td.synchronizer(self.device_kind)
        self._rel_err: dict[str, float] = {}

    @property
    def writer(self) -> bool:
        """Only rank 0 writes rows in a data-parallel run."""
        return self.rank is None or self.rank.writer

    def check_models(self, names: list[str]) -> None:
        known = set(classification_models())
        for name in names:
            if suites.workload_of(name) == "cnn" and name not in known:
                raise ValueError(f"`models`: {name!r} is neither mlp-d<depth>-w<width>, matmul-<n>, a transformer size "
                                 f"({', '.join(suites.TRANSFORMERS)}), a language model ({', '.join(llm_math.LLMS)}), "
                                 f"membw-copy-<MiB>, membw-axpy-<MiB> nor a torchvision classification model "
                                 f"(e.g. {', '.join(sorted(known)[:6])}, ...)")

    def fingerprint(self) -> dict:
        return td.device_fingerprint(self.device_kind, target=self.nvml_target())  # NVML reads this GPU

    def nvml_target(self) -> dict:
        """Which GPU NVML should read: this device's PCI address (CUDA_VISIBLE_DEVICES renumbers, PCI does not)."""
        if self.device_kind != "cuda":
            return {}
        return td.pci_bus_id(self.device) or energy.visible_gpu()

    def fits(self, config: Config) -> str | None:
        n = suites.matmul_size(config.model)
        free = torch.cuda.mem_get_info()[0] if self.device_kind == "cuda" else envinfo.available_memory()
        if config.workload in ("llm", "membw"):
            what, needed = llm_run.needed_bytes(config)
            return f"{what} need {needed / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free" if free and needed > free else None
        if n:  # three operand sets at least: A, B and C
            needed = 3 * n * n * torch.finfo(steps.DTYPES[config.precision]).bits // 8
        elif self.device_kind == "cuda":
            params = sum(p.numel() for p in build_model_meta(config.model).parameters()) * 4
            needed = params * (4 if config.mode.startswith("train") else 1)  # weights, grads, optimizer state
        else:
            return None
        if free is None:
            return None
        what = "operands" if n else "weights alone"
        return f"{what} need {needed / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free" if needed > free else None

    def agree(self, value: float) -> float:
        """The maximum over the ranks of a data-parallel run (a collective every rank must reach), else value."""
        if self.rank is None:
            return value
        from collect.frameworks.torch import ddp

        return ddp.reduce_max(value, self.device)

    def release(self) -> None:
        td.free_memory(self.device_kind)

    def close(self) -> None:
        if self.rank is not None:
            from collect.frameworks.torch import ddp

            ddp.shutdown()

    def measure(self, config: Config, budget: Budget) -> Outcome:
        try:
            return self._measure(config, budget)
        except (Unsupported, OutOfMemory):
            raise
        except Exception as exc:
            if td.is_oom(exc):
                raise OutOfMemory(str(exc).split("\n")[0]) from None
            if td.is_unsupported(exc):
                raise Unsupported(f"{config.precision} on {self.device_kind}: {str(exc).splitlines()[0]}") from None
            if config.backend == "torch_compile" and tb.is_compile_failure(exc):
                raise Unsupported(f"torch.compile cannot compile this here: {str(exc).splitlines()[0][:200]}") from None
            raise

    def _measure(self, config: Config, budget: Budget) -> Outcome:
        if self.rank is not None and (config.mode != "train" or config.workload == "matmul" or config.backend != "eager"):
            raise Unsupported("--distributed ddp measures eager training (forward, backward with the gradient all-reduce, step)")
        if config.workload in ("llm", "membw"):
            return self._tokens_or_bytes(config, budget)
        settings = self._precision_settings(config.precision)
        flops = mode_flops(config.model, config.mode)  # before timing: a counting failure fails fast
        step, setup, prepare_s, check, notes = self._prepare(config)
        td.reset_peak(self.device_kind)
        agree = None
        if self.rank is not None:
            from collect.frameworks.torch import ddp

            agree = functools.partial(ddp.reduce_max, device=self.device)
        timed = time_step(budget, config, step, setup=setup, sync=self.sync, agree=agree)
        out = Outcome(Stats.of(timed.measurement, prepare_s=prepare_s), flops, config.backend, settings,
                      timed.energy, peak_mem_mb=td.peak_mem_mb(self.device_kind), notes=(*notes, *timed.notes))
        if self.rank is not None:
            return dataclasses.replace(self._slowest_rank(timed.measurement, config, agree), flops_per_sample=flops,
                                       settings=settings, peak_mem_mb=out.peak_mem_mb,
                                       notes=(*out.notes, "each rank its own synthetic data; step times are the slowest rank's"))
        if check is not None:
            return checked(out, check(), self.device_kind, against=f"eager on {self.device_kind}", precision=config.precision)
        if self.device_kind != "cpu" and config.workload != "matmul":
            return checked(out, self._correctness(config.model), self.device_kind, against="the CPU", precision="fp32")
        return out

    def _tokens_or_bytes(self, config: Config, budget: Budget) -> Outcome:
        """llm rows (tokens/s; collect.frameworks.torch.llm_run) and membw rows (bytes/s; .membw): eager torch."""
        if config.backend != "eager":
            raise Unsupported(f"{config.workload} rows run eager torch, not {config.backend}")
        if config.precision == "tf32" and not td.supports_tf32(self.device_kind):
            raise Unsupported("tf32 needs an NVIDIA GPU of the Ampere generation or newer")
        settings = Settings(threads=torch.get_num_threads(), **td.math_settings(self.device_kind, config.precision))
        if config.workload == "membw":
            step, per_step, flops, note = membw.membw_step(config, self.device)
            fields = {"rate_unit": WORKLOAD_RATE_UNIT["membw"], "bytes_per_sample": 1}
        else:
            dtype = llm_run.dtype_of(config, self.device_kind, self.device)
            step, note = llm_run.llm_step(config, self.device, dtype), ""
            per_step, fields = llm_math.tokens_per_step(config.mode, config.batch_size), llm_run.llm_fields(config, dtype)
            flops = fields.pop("flops_per_sample")
        td.reset_peak(self.device_kind)
        timed = time_step(budget, config, step, sync=self.sync, samples_per_step=per_step)
        del step  # the model and its cache: gone before the CPU check builds its own
        out = Outcome(timed.stats, flops, "eager", settings, timed.energy, peak_mem_mb=td.peak_mem_mb(self.device_kind),
                      notes=timed.notes, **fields).with_notes(note)
        if config.workload == "membw":
            return out  # a copy has no output to check
        return cpu_checked(out, self.device_kind, self._rel_err, f"llm:{config.model}",
                           lambda: llm_run.cpu_agreement(config, self.device))

    def _prepare(self, config: Config):
        """(step, setup, prepare_s, output check or None, notes): everything built before the clock starts."""
        if config.workload == "matmul":
            return steps.matmul_step(suites.matmul_size(config.model), config.precision, self.device), None, 0.0, None, []
        dtype = torch.float64 if config.precision == "fp64" else torch.float32
        model = build_model(config.model).to(self.device, dtype)
        if self.rank is not None:
            from collect.frameworks.torch import ddp

            torch.manual_seed(ddp.seed_for(self.rank.rank))  # each rank its own data
            ids = [self.rank.local_rank] if self.device_kind == "cuda" else None
            model = nn.parallel.DistributedDataParallel(model, device_ids=ids)
        x, y = make_inputs(config.model, config.batch_size, self.device, dtype)  # on the device before timing
        if config.backend in ("onnxruntime", "tensorrt"):
            step, prepare_s, check, note = self._onnx(model, x, config)
            return step, None, prepare_s, check, [note]
        runnable = tb.compile_model(model) if config.backend == "torch_compile" else model
        step, setup = steps.model_step(runnable, x, y, config, self.device_kind)
        if config.backend == "torch_compile" and config.mode == "infer":
            return step, setup, 0.0, self._compare(runnable, model, x, config), []
        if config.backend == "torch_compile":
            return step, setup, 0.0, None, ["output compared with eager in the infer rows"]
        return step, setup, 0.0, None, []

    def _onnx(self, model: nn.Module, x, config: Config):
        """ONNX Runtime (or its TensorRT provider) over the exported model: inference in fp32 only."""
        if config.mode != "infer":
            raise Unsupported(f"{config.backend} runs inference sessions: no training")
        if config.precision != "fp32":
            raise Unsupported(f"{config.backend} runs the fp32 export; {config.precision} is not measured")
        model.eval()
        run = tb.OnnxRun(model, x, device_kind=self.device_kind, backend=config.backend, threads=torch.get_num_threads())

        def check() -> float:
            with torch.inference_mode():
                want = logits(model(x))
            return tb.relative_error(run.outputs(), want)
        return run.step, run.prepare_s, check, run.note()

    def _compare(self, compiled: nn.Module, eager: nn.Module, x, config: Config):
        """After timing (so compilation stays in compile_s): compiled vs eager output, same weights and input."""
        autocast = steps.autocast_for(self.device_kind, config.precision)

        def check() -> float:
            with torch.inference_mode(), autocast():
                return tb.relative_error(logits(compiled(x)), logits(eager(x)))
        return check

    def _slowest_rank(self, m, config: Config, reduce) -> Outcome:
        """Global rate over the slowest rank's time; every step statistic is the slowest rank's."""
        world = self.rank.world
        rate = world * config.batch_size * m.steps / reduce(m.total_s)
        stats = Stats(rate, reduce(m.median_ms), reduce(m.p10_ms), reduce(m.p90_ms), reduce(m.p99_ms), m.steps,
                      m.warmup_steps, reduce(m.compile_s))
        return Outcome(stats, 0.0, "eager", parallel=Parallel(world, "ddp", world * config.batch_size))

    def _precision_settings(self, precision: str) -> Settings:
        if precision == "tf32" and not td.supports_tf32(self.device_kind):
            raise Unsupported("tf32 needs an NVIDIA GPU of the Ampere generation or newer")
        if precision == "fp64" and self.device_kind == "mps":
            raise Unsupported("MPS has no float64")
        if precision in steps.AUTOCAST:
            steps.check_autocast(self.device_kind, self.device, precision)
        return Settings(threads=torch.get_num_threads(), **td.math_settings(self.device_kind, precision))

    def _correctness(self, name: str) -> float:
        """Relative error of the device's fp32 output against the CPU, same weights and input."""
        if name not in self._rel_err:
            torch.manual_seed(0)
            cpu_model = build_model(name).eval()
            x, _ = make_inputs(name, 2, "cpu")
            dev_model = build_model(name).eval()
            dev_model.load_state_dict(cpu_model.state_dict())
            dev_model.to(self.device)
            with torch.inference_mode():
                want = logits(cpu_model(x))
                got = logits(dev_model(x.to(self.device)))
            self._rel_err[name] = tb.relative_error(got, want)
        return self._rel_err[name]
