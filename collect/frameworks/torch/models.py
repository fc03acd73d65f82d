"""PyTorch models and synthetic inputs for each workload, and their FLOPs.

mlp: the classic MLP; cnn: any torchvision classification model (weights=None, nothing is
downloaded); transformer: an encoder stack of torch.nn.TransformerEncoder layers with token
and position embeddings and a small classification head on the first token.
"""

from __future__ import annotations

import functools

import torch
import torchvision
from torch import nn

from collect.frameworks.torch import flops
from collect.measure import suites


def build_mlp(depth: int, width: int = suites.MLP_WIDTH) -> nn.Module:
    layers = [nn.Flatten(), nn.Linear(suites.MLP_INPUT, width), nn.ReLU()]
    for _ in range(depth - 1):
        layers += [nn.Linear(width, width), nn.ReLU()]
    return nn.Sequential(*layers, nn.Linear(width, suites.MLP_CLASSES))


class Encoder(nn.Module):
    def __init__(self, layers: int, d_model: int, heads: int, ff: int):
        super().__init__()
        self.tokens = nn.Embedding(suites.VOCAB, d_model)
        self.positions = nn.Parameter(torch.randn(suites.SEQ_LEN, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.1, activation="gelu", batch_first=True)
        self.encoder = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.head = nn.Linear(d_model, suites.TRANSFORMER_CLASSES)

    def forward(self, ids):
        return self.head(self.encoder(self.tokens(ids) + self.positions)[:, 0])


def classification_models() -> list[str]:
    return torchvision.models.list_models(module=torchvision.models)


def build_model(name: str) -> nn.Module:
    mlp = suites.parse_mlp(name)
    if mlp:
        return build_mlp(*mlp)
    if name in suites.TRANSFORMERS:
        return Encoder(*suites.TRANSFORMERS[name])
    return torchvision.models.get_model(name, weights=None, num_classes=suites.CNN_CLASSES)  # nothing downloaded


def make_inputs(name: str, batch: int, device, dtype=torch.float32):
    """Random inputs and labels, created directly on the device."""
    if name in suites.TRANSFORMERS:
        ids = torch.randint(0, suites.VOCAB, (batch, suites.SEQ_LEN), device=device)
        return ids, torch.randint(0, suites.TRANSFORMER_CLASSES, (batch,), device=device)
    shape, classes = ((3, 32, 32), suites.MLP_CLASSES) if suites.parse_mlp(name) else (suites.CNN_INPUT, suites.CNN_CLASSES)
    return torch.randn(batch, *shape, device=device, dtype=dtype), torch.randint(0, classes, (batch,), device=device)


def logits(out):
    """Some torchvision models return a namedtuple in train mode (inception's aux logits)."""
    return out.logits if hasattr(out, "logits") else out[0] if isinstance(out, tuple) else out


@functools.lru_cache(maxsize=64)
def flops_per_sample(name: str) -> tuple[int, int]:
    """(forward, backward) FLOPs per sample, counted on the meta device (no memory, no compute).

    Counted in training mode, where nn.TransformerEncoder takes no fused fast path, so every
    matmul is seen; inference does the same arithmetic. Convolution backward is counted by
    flops.conv_backward_flop: right for grouped and depthwise convolutions, which the stock
    torch.utils.flop_counter formula overcounts by the group count.
    """
    return _count(name, flops.counter)


def _count(name: str, make_counter) -> tuple[int, int]:
    batch = 2
    model = _build_on_meta(name).train()
    x, y = make_inputs(name, batch, "meta")
    forward, backward = flops.count_flops(model, x, y, lambda out, y: nn.functional.cross_entropy(logits(out), y),
                                          make_counter)
    return forward // batch, backward // batch


def mode_flops(name: str, mode: str) -> int:
    return suites.flops_for_mode(name, mode, flops_per_sample)


@functools.lru_cache(maxsize=16)
def build_model_meta(name: str) -> nn.Module:
    return _build_on_meta(name)


def _build_on_meta(name: str) -> nn.Module:
    """The model with shapes only; built on the CPU and moved where its builder computes with tensors
    (torchvision's regnet derives its widths with torch ops, which meta tensors cannot hand back)."""
    try:
        with torch.device("meta"):
            return build_model(name)
    except NotImplementedError:
        return build_model(name).to("meta")
