"""A decoder-only transformer in tf ops with a preallocated KV cache (workload `llm`), the torch model's twin.

The same network as collect/frameworks/torch/llm.py: weights llm_math.weight_shapes(spec) with projections
stored (in, out), one dtype for weights and cache (fp32, fp16 or bf16; no Keras mixed policy), random weights.
GPT-2 (LayerNorm, GELU MLP, learned positions, biases, tied embedding) and Llama (RMSNorm, rotary positions,
SwiGLU, grouped-query attention) shapes. Softmax runs in float32 for reduced precisions.

The cache is one variable per layer for K and one for V, (B, kv_heads, max_len, head_dim): a decode step
scatters its K and V in place at `pos` (a tensor, so one traced graph serves every position). It then attends
to the first pos + 1 entries (`dynamic` context: tf_function and eager) or, where shapes must be static (XLA),
to all max_len entries with the ones past pos masked out: the work of attending to the whole cache.
"""

from __future__ import annotations

import numpy as np
import tensorflow as tf

from collect.measure import llm_math
from collect.measure.llm_math import LLMSpec


def _init(gen, name: str, shape: tuple[int, ...]):
    if "norm" in name and name.endswith("_w"):
        return tf.ones(shape)
    if len(shape) == 1:
        return tf.zeros(shape)
    return gen.normal(shape, stddev=llm_math.INIT_STD)


def rope_tables(head_dim: int, length: int) -> tuple[np.ndarray, np.ndarray]:
    """cos and sin (length, head_dim) of the rotary angles, as torch's llm.rope_tables (float64, then float32)."""
    inv = 1.0 / (llm_math.ROPE_BASE ** (np.arange(0, head_dim, 2, dtype=np.float64) / head_dim))
    angles = np.outer(np.arange(length, dtype=np.float64), inv)
    angles = np.concatenate([angles, angles], axis=-1)
    return np.cos(angles).astype(np.float32), np.sin(angles).astype(np.float32)


class Decoder(tf.Module):
    def __init__(self, spec: LLMSpec, dtype=tf.float32, max_len: int | None = None, seed: int = 0):
        super().__init__()
        self.spec, self.dtype = spec, dtype
        self.max_len = max_len or llm_math.cache_len()
        gen = tf.random.Generator.from_seed(seed)
        self.w = {name: tf.Variable(tf.cast(_init(gen, name, shape), dtype), name=name, trainable=False)
                  for name, shape in llm_math.weight_shapes(spec).items()}
        if spec.style == "llama":
            cos, sin = rope_tables(spec.head_dim, self.max_len)
            self.cos, self.sin = tf.constant(cos, dtype), tf.constant(sin, dtype)

    def new_cache(self, batch: int) -> list[tuple[tf.Variable, tf.Variable]]:
        s = self.spec
        shape = (batch, s.kv_heads, self.max_len, s.head_dim)
        return [(tf.Variable(tf.zeros(shape, self.dtype), trainable=False),
                 tf.Variable(tf.zeros(shape, self.dtype), trainable=False)) for _ in range(s.layers)]

    def __call__(self, ids, pos, cache, all_logits: bool = False, masked: bool = False):
        """Logits of the last position (every position with all_logits) of ids (B, n), n static, placed at
        pos .. pos+n-1. A prompt (n > 1) starts at position 0 (a Python int); a decode step's pos is a tensor."""
        w, s = self.w, self.spec
        n = ids.shape[1]
        x = tf.gather(w["embed"], ids)
        if s.style == "gpt2":
            x = x + (w["pos"][:n] if n > 1 else tf.gather(w["pos"], [pos]))
        for i in range(s.layers):
            x = self._block(i, x, pos, cache[i], masked)
        x = self._norm(x if all_logits else x[:, -1:], "norm_f")
        head = w["embed"] if s.tied else w["head"]
        return _dense(x, head, transpose=s.tied)

    def _norm(self, x, prefix: str):
        w, eps = self.w, llm_math.NORM_EPS
        if self.spec.style == "gpt2":
            mean, var = tf.nn.moments(x, axes=[-1], keepdims=True)
            return (x - mean) * tf.math.rsqrt(var + eps) * w[f"{prefix}_w"] + w[f"{prefix}_b"]
        return x * tf.math.rsqrt(tf.reduce_mean(tf.square(x), axis=-1, keepdims=True) + eps) * w[f"{prefix}_w"]

    def _proj(self, x, i: int, name: str, bias: str | None = None):
        out = _dense(x, self.w[f"l{i}_{name}"])
        return out + self.w[f"l{i}_{bias}"] if bias and self.spec.style == "gpt2" else out

    def _block(self, i: int, x, pos, cache, masked: bool):
        h = self._norm(x, f"l{i}_norm1")
        x = x + self._proj(self._attend(i, h, pos, cache, masked), i, "wo", "bo")
        h = self._norm(x, f"l{i}_norm2")
        if self.spec.style == "gpt2":
            mlp = self._proj(tf.nn.gelu(self._proj(h, i, "w_fc", "b_fc"), approximate=True), i, "w_proj", "b_proj")
        else:
            mlp = _dense(tf.nn.silu(self._proj(h, i, "w_gate")) * self._proj(h, i, "w_up"), self.w[f"l{i}_w_down"])
        return x + mlp

    def _heads(self, x, heads: int):
        s = self.spec
        return tf.transpose(tf.reshape(x, (tf.shape(x)[0], x.shape[1], heads, s.head_dim)), (0, 2, 1, 3))

    def _attend(self, i: int, h, pos, cache, masked: bool):
        s = self.spec
        n = h.shape[1]
        q = self._heads(self._proj(h, i, "wq", "bq"), s.heads)
        k = self._heads(self._proj(h, i, "wk", "bk"), s.kv_heads)
        v = self._heads(self._proj(h, i, "wv", "bv"), s.kv_heads)
        if s.style == "llama":
            # a decode step gathers its row: under XLA a slice at a tensor position would compile once per position
            cos, sin = (self.cos[:n], self.sin[:n]) if n > 1 else (tf.gather(self.cos, [pos]), tf.gather(self.sin, [pos]))
            q, k = rotate(q, cos, sin), rotate(k, cos, sin)
        if n > 1:
            return self._prompt_attention(q, k, v, cache)
        return self._token_attention(q, k, v, pos, cache, masked)

    def _prompt_attention(self, q, k, v, cache):
        s, n = self.spec, q.shape[2]
        cache[0][:, :, :n].assign(k)
        cache[1][:, :, :n].assign(v)
        group = s.heads // s.kv_heads
        keys, values = (tf.repeat(t, group, axis=1) if group > 1 else t for t in (k, v))
        causal = tf.linalg.band_part(tf.ones((n, n), tf.bool), -1, 0)
        out = _softmax_attention(q, keys, values, causal)  # (B, heads, n, head_dim)
        return tf.reshape(tf.transpose(out, (0, 2, 1, 3)), (tf.shape(q)[0], n, s.heads * s.head_dim))

    def _token_attention(self, q, k, v, pos, cache, masked: bool):
        s = self.spec
        batch = tf.shape(q)[0]
        grid = tf.stack(tf.meshgrid(tf.range(batch), tf.range(s.kv_heads), indexing="ij"), axis=-1)
        where = tf.concat([grid, tf.fill((batch, s.kv_heads, 1), tf.cast(pos, tf.int32))], axis=-1)
        cache[0].scatter_nd_update(where, k[:, :, 0])
        cache[1].scatter_nd_update(where, v[:, :, 0])
        if masked:  # static shapes: the whole cache, the positions past pos masked out
            keys, values, mask = cache[0].value(), cache[1].value(), (tf.range(self.max_len) <= pos)[None]
        else:
            keys, values, mask = cache[0][:, :, :pos + 1], cache[1][:, :, :pos + 1], None
        grouped = tf.reshape(q, (batch, s.kv_heads, s.heads // s.kv_heads, s.head_dim))
        out = _softmax_attention(grouped, keys, values, mask)
        return tf.reshape(out, (batch, 1, s.heads * s.head_dim))


def _dense(x, w, transpose: bool = False):
    """x (..., d) @ w (d, out), or @ w.T for a (out, d) table, as one 2-D product."""
    flat = tf.reshape(x, (-1, x.shape[-1]))
    out = tf.matmul(flat, w, transpose_b=transpose)
    return tf.reshape(out, tf.concat([tf.shape(x)[:-1], tf.shape(out)[-1:]], axis=0))


def _softmax_attention(q, keys, values, mask):
    """softmax(q k^T / sqrt(head_dim), masked) v, the softmax in float32."""
    scores = tf.matmul(q, keys, transpose_b=True) * tf.cast(q.shape[-1] ** -0.5, q.dtype)
    scores = tf.cast(scores, tf.float32)
    if mask is not None:
        scores = tf.where(mask, scores, tf.fill(tf.shape(scores), -1e30))
    return tf.matmul(tf.cast(tf.nn.softmax(scores, axis=-1), q.dtype), values)


def rotate(x, cos, sin):
    """Rotary positions, the 'rotate half' form: x cos + (-x2, x1) sin."""
    half = x.shape[-1] // 2
    return x * cos + tf.concat([-x[..., half:], x[..., :half]], axis=-1) * sin


def build(name_or_spec, dtype=tf.float32, max_len: int | None = None, seed: int = 0) -> Decoder:
    spec = llm_math.LLMS[name_or_spec] if isinstance(name_or_spec, str) else name_or_spec
    return Decoder(spec, dtype, max_len, seed)
