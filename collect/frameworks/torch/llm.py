"""A decoder-only transformer of our own layers with a preallocated KV cache (workload `llm`).

One class for both shapes of collect.measure.llm_math.LLMS: GPT-2 (LayerNorm, GELU MLP, learned positions,
biases, tied embedding) and Llama (RMSNorm, rotary positions, SwiGLU, grouped-query attention). The weights
are llm_math.weight_shapes(spec), projections stored (in, out) as the TensorFlow model stores them, in one
dtype (fp32, fp16 or bf16: weights and cache alike, no autocast), random (nothing is downloaded).

Attention is torch.nn.functional.scaled_dot_product_attention. A prompt (prefill) is causal from position 0;
a decode step writes its K and V at `pos` and attends to the cache's first pos + 1 entries, a view, with the
query heads of a KV head grouped into one (B, kv_heads, group, head_dim) query, so no K or V is copied.
"""

from __future__ import annotations

import torch
from torch import nn
from torch.nn import functional as F

from collect.measure import llm_math
from collect.measure.llm_math import LLMSpec


def _init(name: str, shape: tuple[int, ...]) -> torch.Tensor:
    if "norm" in name and name.endswith("_w"):
        return torch.ones(shape)
    if len(shape) == 1:  # biases
        return torch.zeros(shape)
    return torch.randn(shape) * llm_math.INIT_STD


class Decoder(nn.Module):
    def __init__(self, spec: LLMSpec, max_len: int | None = None):
        super().__init__()
        self.spec = spec
        self.max_len = max_len or llm_math.cache_len()
        self.w = nn.ParameterDict({name: nn.Parameter(_init(name, shape), requires_grad=False)
                                   for name, shape in llm_math.weight_shapes(spec).items()})
        if spec.style == "llama":
            cos, sin = rope_tables(spec.head_dim, self.max_len)
            self.register_buffer("cos", cos, persistent=False)
            self.register_buffer("sin", sin, persistent=False)

    def new_cache(self, batch: int) -> torch.Tensor:
        """(layers, 2, batch, kv_heads, max_len, head_dim) in the weights' dtype, on their device."""
        s, p = self.spec, self.w["embed"]
        return torch.zeros(s.layers, 2, batch, s.kv_heads, self.max_len, s.head_dim, dtype=p.dtype, device=p.device)

    def forward(self, ids: torch.Tensor, pos: int, cache: torch.Tensor, all_logits: bool = False) -> torch.Tensor:
        """Logits of the last position (all positions with all_logits) of `ids` (B, s) placed at pos .. pos+s-1,
        their K and V written into `cache`. More than one token only from position 0 (a prompt)."""
        if ids.shape[1] > 1 and pos != 0:
            raise ValueError("a prompt starts at position 0; later tokens come one at a time")
        w, s = self.w, self.spec
        x = F.embedding(ids, w["embed"])
        if s.style == "gpt2":
            x = x + w["pos"][pos:pos + ids.shape[1]]
        for i in range(s.layers):
            x = self._block(i, x, pos, cache[i])
        x = self._norm(x if all_logits else x[:, -1:], "norm_f")
        return x @ (w["embed"].t() if s.tied else w["head"])

    def _norm(self, x: torch.Tensor, prefix: str) -> torch.Tensor:
        w = self.w
        if self.spec.style == "gpt2":
            return F.layer_norm(x, x.shape[-1:], w[f"{prefix}_w"], w[f"{prefix}_b"], llm_math.NORM_EPS)
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + llm_math.NORM_EPS) * w[f"{prefix}_w"]

    def _proj(self, x: torch.Tensor, i: int, name: str, bias: str | None = None) -> torch.Tensor:
        out = x @ self.w[f"l{i}_{name}"]
        return out + self.w[f"l{i}_{bias}"] if bias and self.spec.style == "gpt2" else out

    def _block(self, i: int, x: torch.Tensor, pos: int, cache: torch.Tensor) -> torch.Tensor:
        h = self._norm(x, f"l{i}_norm1")
        x = x + self._proj(self._attend(i, h, pos, cache), i, "wo", "bo")
        h = self._norm(x, f"l{i}_norm2")
        if self.spec.style == "gpt2":
            mlp = self._proj(F.gelu(self._proj(h, i, "w_fc", "b_fc"), approximate="tanh"), i, "w_proj", "b_proj")
        else:
            mlp = (F.silu(self._proj(h, i, "w_gate")) * self._proj(h, i, "w_up")) @ self.w[f"l{i}_w_down"]
        return x + mlp

    def _attend(self, i: int, h: torch.Tensor, pos: int, cache: torch.Tensor) -> torch.Tensor:
        s = self.spec
        batch, n = h.shape[:2]
        q = self._proj(h, i, "wq", "bq").view(batch, n, s.heads, s.head_dim).transpose(1, 2)
        k = self._proj(h, i, "wk", "bk").view(batch, n, s.kv_heads, s.head_dim).transpose(1, 2)
        v = self._proj(h, i, "wv", "bv").view(batch, n, s.kv_heads, s.head_dim).transpose(1, 2)
        if s.style == "llama":
            cos, sin = self.cos[pos:pos + n], self.sin[pos:pos + n]
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        cache[0, :, :, pos:pos + n] = k
        cache[1, :, :, pos:pos + n] = v
        keys, values = cache[0, :, :, :pos + n], cache[1, :, :, :pos + n]
        if n == 1:  # one token sees the whole cache so far: the query heads of each KV head as one group
            group = q.reshape(batch, s.kv_heads, s.heads // s.kv_heads, s.head_dim)
            out = F.scaled_dot_product_attention(group, keys, values)
            return out.reshape(batch, 1, s.heads * s.head_dim)
        out = F.scaled_dot_product_attention(q, keys, values, is_causal=True, enable_gqa=s.heads != s.kv_heads)
        return out.transpose(1, 2).reshape(batch, n, s.heads * s.head_dim)


def rope_tables(head_dim: int, length: int) -> tuple[torch.Tensor, torch.Tensor]:
    """cos and sin (length, head_dim) of the rotary angles, the two halves of a head rotated together."""
    inv = 1.0 / (llm_math.ROPE_BASE ** (torch.arange(0, head_dim, 2, dtype=torch.float64) / head_dim))
    angles = torch.outer(torch.arange(length, dtype=torch.float64), inv)
    angles = torch.cat([angles, angles], dim=-1)
    return angles.cos().float(), angles.sin().float()


def rotate(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotary positions, the 'rotate half' form: x cos + (-x2, x1) sin, in x's dtype."""
    half = x.shape[-1] // 2
    turned = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    return x * cos.to(x.dtype) + turned * sin.to(x.dtype)


def build(name_or_spec, dtype=torch.float32, device="cpu", max_len: int | None = None, seed: int = 0) -> Decoder:
    """The model in `dtype` on `device`, weights from a fixed seed (made on the CPU, so any device gets the same)."""
    spec = llm_math.LLMS[name_or_spec] if isinstance(name_or_spec, str) else name_or_spec
    if str(device) == "meta":
        with torch.device("meta"):
            return Decoder(spec, max_len).to(dtype)
    torch.manual_seed(seed)
    return Decoder(spec, max_len).to(device=device, dtype=dtype).eval()
