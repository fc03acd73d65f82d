"""PyTorch backend: builds the model, puts synthetic data on the device, times the step.

Only the step runs inside the timed region; inputs, labels and the model are on the device
before the clock starts (see collect.measure.timing for the protocol).
"""

from __future__ import annotations

import functools
import math

import torch
from torch import nn

from collect.frameworks.torch import backends as tb
from collect.frameworks.torch import device as td
from collect.frameworks.torch.models import build_model, build_model_meta, classification_models, logits, make_inputs, mode_flops
from collect.measure import energy, envinfo, suites
from collect.measure.loop import OutOfMemory, Unsupported, time_step, wrong_results
from collect.measure.suites import Config

AUTOCAST = {"fp16": torch.float16, "bf16": torch.bfloat16}
DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16, "fp64": torch.float64}
MATMUL_WORKING_SET = 64 * 2**20  # operand bytes cycled through, so caches cannot flatter small sizes


class TorchBackend:
    framework = "torch"
    default_backend = "eager"

    def __init__(self, device: str = "auto", distributed: str = "none"):
        self.distributed, self.rank = distributed, None
        if distributed == "ddp":
            from collect.frameworks.torch import ddp as torch_ddp

            self.rank = torch_ddp.init(device)
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
                                 f"({', '.join(suites.TRANSFORMERS)}) nor a torchvision classification model "
                                 f"(e.g. {', '.join(sorted(known)[:6])}, ...)")

    def fingerprint(self) -> dict:
        return td.device_fingerprint(self.device_kind)

    def nvml_target(self) -> dict:
        """Which GPU NVML should read: this device's PCI address (CUDA_VISIBLE_DEVICES renumbers, PCI does not)."""
        if self.device_kind != "cuda":
            return {}
        return td.pci_bus_id(self.device) or energy.visible_gpu()

    def fits(self, config: Config) -> str | None:
        n = suites.matmul_size(config.model)
        free = torch.cuda.mem_get_info()[0] if self.device_kind == "cuda" else envinfo.available_memory()
        if n:  # three operand sets at least: A, B and C
            needed = 3 * n * n * torch.finfo(DTYPES[config.precision]).bits // 8
        elif self.device_kind == "cuda":
            params = sum(p.numel() for p in build_model_meta(config.model).parameters()) * 4
            needed = params * (4 if config.mode.startswith("train") else 1)  # weights, grads, optimizer state
        else:
            return None
        if free is None:
            return None
        what = "operands" if n else "weights alone"
        return f"{what} need {needed / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free" if needed > free else None

    def release(self) -> None:
        td.free_memory(self.device_kind)

    def close(self) -> None:
        if self.rank is not None:
            from collect.frameworks.torch import ddp as torch_ddp

            torch_ddp.shutdown()

    def measure(self, config: Config, max_seconds: float) -> dict:
        try:
            return self._measure(config, max_seconds)
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

    def _measure(self, config: Config, max_seconds: float) -> dict:
        if self.rank is not None and (config.mode != "train" or config.workload == "matmul" or config.backend != "eager"):
            raise Unsupported("--distributed ddp measures eager training (forward, backward with the gradient all-reduce, step)")
        settings = self._precision_settings(config.precision)
        flops = mode_flops(config.model, config.mode)  # before timing: a counting failure fails fast
        prepare_s, check, notes = 0.0, None, []
        if config.workload == "matmul":
            step, setup = self._matmul_step(suites.matmul_size(config.model), config.precision), None
        else:
            dtype = torch.float64 if config.precision == "fp64" else torch.float32
            model = build_model(config.model).to(self.device, dtype)
            if self.rank is not None:
                from collect.frameworks.torch import ddp as torch_ddp

                torch.manual_seed(torch_ddp.seed_for(self.rank.rank))  # each rank its own data
                ids = [self.rank.local_rank] if self.device_kind == "cuda" else None
                model = nn.parallel.DistributedDataParallel(model, device_ids=ids)
            x, y = make_inputs(config.model, config.batch_size, self.device, dtype)  # on the device before timing
            if config.backend in ("onnxruntime", "tensorrt"):
                step, prepare_s, check, note = self._onnx(model, x, config)
                setup = None
                notes.append(note)
            else:
                runnable = tb.compile_model(model) if config.backend == "torch_compile" else model
                step, setup = self._step(runnable, x, y, config)
                if config.backend == "torch_compile" and config.mode == "infer":
                    check = self._compare(runnable, model, x, config)
                elif config.backend == "torch_compile":
                    notes.append("output compared with eager in the infer rows")
        td.reset_peak(self.device_kind)
        agree = None
        if self.rank is not None:
            from collect.frameworks.torch import ddp as torch_ddp

            agree = functools.partial(torch_ddp.reduce_max, device=self.device)
        m, out, timing_notes = time_step(self, config, step, setup=setup, sync=self.sync, max_seconds=max_seconds,
                                         flops=flops, agree=agree)
        out.update({"peak_mem_mb": td.peak_mem_mb(self.device_kind), "threads": torch.get_num_threads(), **settings})
        out["compile_s"] += prepare_s
        notes += timing_notes
        if self.rank is not None:
            out.update(self._slowest_rank(m, config, flops, agree))
            notes.append("each rank its own synthetic data; step times are the slowest rank's")
        elif check is not None:
            out["rel_err"] = check()
            notes += wrong_results(out, self.device_kind, against=f"eager on {self.device_kind}", precision=config.precision)
        elif self.device_kind != "cpu" and config.workload != "matmul":
            out["rel_err"] = self._correctness(config.model)
            notes += wrong_results(out, self.device_kind)
        out["note"] = "; ".join(notes)
        return out

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
        amp = AUTOCAST.get(config.precision)

        def check() -> float:
            with torch.inference_mode(), torch.autocast(self.device_kind, dtype=amp, enabled=amp is not None):
                return tb.relative_error(logits(compiled(x)), logits(eager(x)))
        return check

    def _slowest_rank(self, m, config: Config, flops: int, reduce) -> dict:
        """Global rate over the slowest rank's time; the slowest rank's step statistics."""
        world = self.rank.world
        total = reduce(m.total_s)
        rate = world * config.batch_size * m.steps / total
        return {"samples_per_s": rate, "step_ms_median": reduce(m.median_ms), "step_ms_p10": reduce(m.p10_ms),
                "step_ms_p90": reduce(m.p90_ms), "compile_s": reduce(m.compile_s), "tflops": flops * rate / 1e12,
                "world_size": world, "distributed": "ddp", "global_batch_size": world * config.batch_size}

    def _precision_settings(self, precision: str) -> dict:
        if precision == "tf32" and not td.supports_tf32(self.device_kind):
            raise Unsupported("tf32 needs an NVIDIA GPU of the Ampere generation or newer")
        if precision == "fp64" and self.device_kind == "mps":
            raise Unsupported("MPS has no float64")
        if precision in AUTOCAST:
            self._check_autocast(precision)
        return td.math_settings(self.device_kind, precision)

    def _matmul_step(self, n: int, precision: str):
        """C = A @ B on random operands (never zeros), rotating through enough operand sets that the
        working set exceeds the caches; the product is written in place, so no allocation is timed."""
        dtype = DTYPES[precision]
        pair = 2 * n * n * torch.finfo(dtype).bits // 8
        sets = min(64, max(2, math.ceil(MATMUL_WORKING_SET / pair)))
        a = [torch.randn(n, n, device=self.device, dtype=dtype) for _ in range(sets)]
        b = [torch.randn(n, n, device=self.device, dtype=dtype) for _ in range(sets)]
        c = torch.empty(n, n, device=self.device, dtype=dtype)
        turn = [0]

        def step():
            i = turn[0] = (turn[0] + 1) % sets
            torch.matmul(a[i], b[i], out=c)
        return step

    def _check_autocast(self, precision: str) -> None:
        """Run a tiny conv + matmul under autocast: a dtype the device lacks raises here, not mid-suite."""
        try:
            with torch.autocast(self.device_kind, dtype=AUTOCAST[precision]):
                a = torch.randn(2, 3, 8, 8, device=self.device)
                out = nn.functional.conv2d(a, torch.randn(4, 3, 3, 3, device=self.device)).flatten(1)
                (out @ torch.randn(out.shape[1], 2, device=self.device)).sum().item()
        except Exception as exc:
            raise Unsupported(f"{precision} autocast on {self.device_kind}: {str(exc).splitlines()[0]}") from None

    def _step(self, model: nn.Module, x, y, config: Config):
        """The timed step for the mode, and an untimed setup where the mode needs one."""
        amp = AUTOCAST.get(config.precision)
        autocast = functools.partial(torch.autocast, self.device_kind, dtype=amp, enabled=amp is not None)
        loss_fn = nn.CrossEntropyLoss()
        if config.mode == "infer":
            model.eval()

            def infer():
                with torch.inference_mode(), autocast():
                    model(x)
            return infer, None
        model.train()
        opt = (torch.optim.Adam(model.parameters(), lr=1e-4) if config.workload == "transformer"
               else torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.0 if config.workload == "mlp" else 0.9))
        scaler = torch.amp.GradScaler(self.device_kind, enabled=amp is torch.float16 and self.device_kind == "cuda")
        if config.mode == "train":
            def train():
                opt.zero_grad(set_to_none=True)
                with autocast():
                    loss = loss_fn(logits(model(x)), y)
                scaler.scale(loss).backward()
                scaler.step(opt)
                scaler.update()
            return train, None
        if config.mode == "train_forward":
            def forward():
                with autocast():
                    loss_fn(logits(model(x)), y)
            return forward, None
        state = {}

        def make_graph():  # untimed: the forward pass whose backward is timed
            opt.zero_grad(set_to_none=True)
            with autocast():
                state["loss"] = loss_fn(logits(model(x)), y)

        def backward():
            state.pop("loss").backward()
        return backward, make_graph

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
                want = logits(cpu_model(x)).double()
                got = logits(dev_model(x.to(self.device))).double().cpu()
            err = float(torch.linalg.vector_norm(got - want) / max(float(torch.linalg.vector_norm(want)), 1e-30))
            self._rel_err[name] = err if math.isfinite(err) else float("inf")
        return self._rel_err[name]
