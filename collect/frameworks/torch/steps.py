"""The timed steps of a torch measurement: train, forward, backward, inference and the matmul product.

Each builder returns (step, setup): `step` is all that runs between the clock reads; `setup`, where a
mode needs one, runs untimed before each step (the forward pass whose backward is timed).
"""

from __future__ import annotations

import functools

import torch
from torch import nn

from collect.frameworks.torch.models import logits
from collect.measure import suites
from collect.measure.adapter import Unsupported
from collect.measure.suites import Config

AUTOCAST = {"fp16": torch.float16, "bf16": torch.bfloat16}
DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16, "fp64": torch.float64}


def optimizer(params, workload: str) -> torch.optim.Optimizer:
    """The workload's optimizer (suites.optimizer_for: one definition for both frameworks)."""
    spec = suites.optimizer_for(workload)
    if spec.name == "adam":
        return torch.optim.Adam(params, lr=spec.lr)
    return torch.optim.SGD(params, lr=spec.lr, momentum=spec.momentum)


def autocast_for(device_kind: str, precision: str):
    amp = AUTOCAST.get(precision)
    return functools.partial(torch.autocast, device_kind, dtype=amp, enabled=amp is not None)


def check_autocast(device_kind: str, device, precision: str) -> None:
    """Run a tiny conv + matmul under autocast: a dtype the device lacks raises here, not mid-suite."""
    try:
        with torch.autocast(device_kind, dtype=AUTOCAST[precision]):
            a = torch.randn(2, 3, 8, 8, device=device)
            out = nn.functional.conv2d(a, torch.randn(4, 3, 3, 3, device=device)).flatten(1)
            (out @ torch.randn(out.shape[1], 2, device=device)).sum().item()
    except Exception as exc:
        raise Unsupported(f"{precision} autocast on {device_kind}: {str(exc).splitlines()[0]}") from None


def matmul_step(n: int, precision: str, device):
    """C = A @ B on random operands (never zeros), rotating through enough operand sets that the
    working set exceeds the caches; the product is written in place, so no allocation is timed."""
    dtype = DTYPES[precision]
    sets = suites.matmul_operand_sets(n, torch.finfo(dtype).bits // 8)
    a = [torch.randn(n, n, device=device, dtype=dtype) for _ in range(sets)]
    b = [torch.randn(n, n, device=device, dtype=dtype) for _ in range(sets)]
    c = torch.empty(n, n, device=device, dtype=dtype)
    turn = [0]

    def step():
        i = turn[0] = (turn[0] + 1) % sets
        torch.matmul(a[i], b[i], out=c)
    return step


def model_step(model: nn.Module, x, y, config: Config, device_kind: str):
    """(step, setup) for the mode: setup is None except for train_backward."""
    autocast = autocast_for(device_kind, config.precision)
    loss_fn = nn.CrossEntropyLoss()
    if config.mode == "infer":
        model.eval()

        def infer():
            with torch.inference_mode(), autocast():
                model(x)
        return infer, None
    model.train()
    opt = optimizer(model.parameters(), config.workload)
    fp16 = AUTOCAST.get(config.precision) is torch.float16
    scaler = torch.amp.GradScaler(device_kind, enabled=fp16 and device_kind == "cuda")
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
