"""PyTorch backend: builds the model, puts synthetic data on the device, times the step.

Only the step runs inside the timed region; inputs, labels and the model are on the device
before the clock starts (see collect.timing for the protocol).
"""

from __future__ import annotations

import functools
import math

import torch
import torchvision
from torch import nn
from torch.utils.flop_counter import FlopCounterMode

from collect import suites
from collect import torch_device as td
from collect.runner import OutOfMemory, Unsupported
from collect.suites import Config
from collect.timing import measure

AUTOCAST = {"fp16": torch.float16, "bf16": torch.bfloat16}
REL_ERR_BOUND = 1e-3  # fp32 on an accelerator vs the CPU; beyond this the device computes garbage


def build_mlp(depth: int, width: int = suites.MLP_WIDTH) -> nn.Module:
    layers = [nn.Flatten(), nn.Linear(suites.MLP_INPUT, width), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, suites.MLP_CLASSES))


def classification_models() -> list[str]:
    return torchvision.models.list_models(module=torchvision.models)


def build_model(name: str) -> nn.Module:
    mlp = suites.parse_mlp(name)
    if mlp:
        return build_mlp(*mlp)
    return torchvision.models.get_model(name, weights=None, num_classes=suites.CNN_CLASSES)  # nothing downloaded


def input_shape(name: str) -> tuple[tuple[int, ...], int]:
    return ((3, 32, 32), suites.MLP_CLASSES) if suites.parse_mlp(name) else (suites.CNN_INPUT, suites.CNN_CLASSES)


def logits(out):
    """Some torchvision models return a namedtuple in train mode (inception's aux logits)."""
    return out.logits if hasattr(out, "logits") else out[0] if isinstance(out, tuple) else out


@functools.lru_cache(maxsize=64)
def flops_per_sample(name: str) -> tuple[int, int]:
    """(forward, backward) FLOPs per sample, counted on the meta device (no memory, no compute)."""
    shape, classes = input_shape(name)
    with torch.device("meta"):
        model = build_model(name).train()
        x = torch.randn(2, *shape)
        y = torch.randint(0, classes, (2,))
    with FlopCounterMode(display=False) as forward:
        loss = nn.functional.cross_entropy(logits(model(x)), y)
    with FlopCounterMode(display=False) as backward:
        loss.backward()
    return forward.get_total_flops() // 2, backward.get_total_flops() // 2


def mode_flops(name: str, mode: str) -> int:
    fwd, bwd = flops_per_sample(name)
    return {"infer": fwd, "train_forward": fwd, "train_backward": bwd, "train": fwd + bwd}[mode]


class TorchBackend:
    framework = "torch"

    def __init__(self, device: str = "auto"):
        self.device_kind = td.resolve_device(device, cuda=torch.cuda.is_available(), mps=td.mps_available())
        self.device = torch.device(self.device_kind)
        self.device_name = td.device_name(self.device_kind)
        self.sync = td.synchronizer(self.device_kind)
        self._rel_err: dict[str, float] = {}

    def check_models(self, names: list[str]) -> None:
        known = set(classification_models())
        for name in names:
            if not suites.parse_mlp(name) and name not in known:
                raise ValueError(f"`models`: {name!r} is neither mlp-d<depth>-w<width> nor a torchvision classification "
                                 f"model (e.g. {', '.join(sorted(known)[:6])}, ...)")

    def fingerprint(self) -> dict:
        return td.device_fingerprint(self.device_kind)

    def fits(self, config: Config) -> str | None:
        if self.device_kind != "cuda":
            return None
        free, _total = torch.cuda.mem_get_info()
        params = sum(p.numel() for p in build_model_meta(config.model).parameters()) * 4
        needed = params * (4 if config.mode.startswith("train") else 1)  # weights, grads, optimizer state
        return f"weights alone need {needed / 2**30:.1f} GiB, {free / 2**30:.1f} GiB free" if needed > free else None

    def release(self) -> None:
        td.free_memory(self.device_kind)

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
            raise

    def _measure(self, config: Config, max_seconds: float) -> dict:
        settings = self._precision_settings(config.precision)
        flops = mode_flops(config.model, config.mode)  # before timing: a counting failure fails fast
        model = build_model(config.model)
        dtype = torch.float64 if config.precision == "fp64" else torch.float32
        model = model.to(self.device, dtype)
        shape, classes = input_shape(config.model)
        # Synthetic data, made on the device before any timing.
        x = torch.randn(config.batch_size, *shape, device=self.device, dtype=dtype)
        y = torch.randint(0, classes, (config.batch_size,), device=self.device)
        step, setup = self._step(model, x, y, config)
        td.reset_peak(self.device_kind)
        m = measure(step, setup=setup, sync=self.sync, samples_per_step=config.batch_size, max_seconds=max_seconds)
        out = {"samples_per_s": m.samples_per_s, "step_ms_median": m.median_ms, "step_ms_p10": m.p10_ms,
               "step_ms_p90": m.p90_ms, "steps": m.steps, "warmup_steps": m.warmup_steps, "compile_s": m.compile_s,
               "peak_mem_mb": td.peak_mem_mb(self.device_kind), "flops_per_sample": float(flops),
               "tflops": flops * m.samples_per_s / 1e12, "threads": torch.get_num_threads(), **settings}
        notes = [f"noisy: IQR/median {m.rel_iqr:.0%}"] if m.rel_iqr > 0.10 else []
        if self.device_kind != "cpu":
            out["rel_err"] = self._correctness(config.model)
            if out["rel_err"] > REL_ERR_BOUND:
                raise RuntimeError(f"wrong results on {self.device_kind}: output differs from the CPU by "
                                   f"{out['rel_err']:.2g} (bound {REL_ERR_BOUND:g})")
        out["note"] = "; ".join(notes)
        return out

    def _precision_settings(self, precision: str) -> dict:
        if precision == "tf32" and not td.supports_tf32(self.device_kind):
            raise Unsupported("tf32 needs an NVIDIA GPU of the Ampere generation or newer")
        if precision == "fp64" and self.device_kind == "mps":
            raise Unsupported("MPS has no float64")
        if precision in AUTOCAST:
            self._check_autocast(precision)
        return td.math_settings(self.device_kind, precision)

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
        opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.0 if config.workload == "mlp" else 0.9)
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
            shape, _ = input_shape(name)
            x = torch.randn(2, *shape)
            dev_model = build_model(name).eval()
            dev_model.load_state_dict(cpu_model.state_dict())
            dev_model.to(self.device)
            with torch.inference_mode():
                want = logits(cpu_model(x)).double()
                got = logits(dev_model(x.to(self.device))).double().cpu()
            err = float(torch.linalg.vector_norm(got - want) / max(float(torch.linalg.vector_norm(want)), 1e-30))
            self._rel_err[name] = err if math.isfinite(err) else float("inf")
        return self._rel_err[name]


@functools.lru_cache(maxsize=16)
def build_model_meta(name: str) -> nn.Module:
    with torch.device("meta"):
        return build_model(name)
