"""Decoder-only language models as both runners build them: sizes, weight layout, FLOPs and bytes per token.

Framework-free, so torch and TensorFlow build the same network from one description and report identical
analytic FLOPs and bytes (tests/test_llm.py checks both, and torch's FlopCounterMode against the formulas).

Conventions (the harness's: FLOPs = 2 x multiply-accumulates of matrix products):
- counted: the Q, K, V and output projections, attention scores and the weighted sum over the context, the
  MLP, the LM head; not counted: norms, softmax, GELU / SiLU, rotary positions, residual adds, embedding lookups.
- prefill reads a prompt of P tokens into the KV cache and computes the logits of its last position only
  (what the first generated token needs). Attention is causal: token i attends to i + 1 positions, so the
  prompt costs L x q_dim x P (P + 1) attention multiply-adds, not the masked-out half of a P x P product.
- decode generates one token per step at positions P .. P + T - 1 and then starts over at P (the cache
  position cycles; nothing is re-prefilled, the entries past P are simply overwritten), so every timed step
  is one token attending to between P + 1 and P + T cached positions. FLOPs and bytes are per token at the
  cycle's mean context, P + (T + 1) / 2: linear in the context, so that is the mean over a cycle.
- bytes per decoded token: every streamed weight once per step, shared by the batch, plus the KV cache
  read at that context. Streamed: each layer's weights, the final norm and the LM head (with tied
  embeddings the token table is that head, counted once); the rows gathered from the embedding tables
  (B x d values a step) and activations are left out. Prefill: the weights once per step, shared by its
  B x P tokens, plus the KV cache written (the least traffic a prompt needs).
"""

from __future__ import annotations

from dataclasses import dataclass

PROMPT_TOKENS = 512  # P: the pp512 of llama-bench's tables
DECODE_TOKENS = 128  # T: the tg128; here generated after the P-token prompt (llama-bench's "tg128 @ d512")
ROPE_BASE = 10_000.0
NORM_EPS = 1e-5
INIT_STD = 0.02  # random weights, GPT-2's initialisation; nothing is downloaded


@dataclass(frozen=True)
class LLMSpec:
    style: str  # "gpt2": LayerNorm, GELU MLP, learned positions, biases; "llama": RMSNorm, rotary, SwiGLU, GQA
    layers: int
    d_model: int
    heads: int
    kv_heads: int
    ffn: int
    vocab: int
    tied: bool  # LM head = the token embedding table (transposed)
    max_positions: int = 0  # gpt2: rows of the learned position table

    @property
    def head_dim(self) -> int:
        return self.d_model // self.heads

    @property
    def kv_dim(self) -> int:
        return self.kv_heads * self.head_dim


LLMS = {
    # Quick suite: Llama-style (so the quick rows exercise rotary, GQA and SwiGLU), seconds on 2 CPU cores.
    "llm-tiny": LLMSpec("llama", layers=2, d_model=256, heads=4, kv_heads=2, ffn=688, vocab=8192, tied=False),
    # GPT-2 small, tied embedding: 124,439,808 parameters, as the released model.
    "gpt2-small": LLMSpec("gpt2", layers=12, d_model=768, heads=12, kv_heads=12, ffn=3072, vocab=50257, tied=True,
                          max_positions=1024),
    # Llama-style ~1B (Llama-3.2-1B's body with Llama 2's 32,000 vocabulary, untied): 1,104,218,112 parameters.
    "llama-1b": LLMSpec("llama", layers=16, d_model=2048, heads=32, kv_heads=8, ffn=8192, vocab=32000, tied=False),
}
LLM_MODES = ("prefill", "decode")


def cache_len() -> int:
    """Positions the preallocated KV cache holds: the prompt and the generated tokens."""
    return PROMPT_TOKENS + DECODE_TOKENS


def mean_decode_context() -> float:
    """The mean context a decode step attends to over the position cycle (P+1 .. P+T)."""
    return PROMPT_TOKENS + (DECODE_TOKENS + 1) / 2


def layer_shapes(spec: LLMSpec) -> dict[str, tuple[int, ...]]:
    """One block's weights, (in, out) for projections: the layout both frameworks create."""
    d, q, kv, f = spec.d_model, spec.heads * spec.head_dim, spec.kv_dim, spec.ffn
    shapes = {"wq": (d, q), "wk": (d, kv), "wv": (d, kv), "wo": (q, d)}
    if spec.style == "gpt2":
        shapes.update(bq=(q,), bk=(kv,), bv=(kv,), bo=(d,), norm1_w=(d,), norm1_b=(d,), norm2_w=(d,), norm2_b=(d,),
                      w_fc=(d, f), b_fc=(f,), w_proj=(f, d), b_proj=(d,))
    else:
        shapes.update(norm1_w=(d,), norm2_w=(d,), w_gate=(d, f), w_up=(d, f), w_down=(f, d))
    return shapes


def weight_shapes(spec: LLMSpec) -> dict[str, tuple[int, ...]]:
    """Every weight by name (`l<i>_<name>` for block i); the one layout torch and TensorFlow both build."""
    shapes: dict[str, tuple[int, ...]] = {"embed": (spec.vocab, spec.d_model)}
    if spec.style == "gpt2":
        shapes["pos"] = (spec.max_positions, spec.d_model)
    for i in range(spec.layers):
        shapes.update({f"l{i}_{name}": shape for name, shape in layer_shapes(spec).items()})
    shapes["norm_f_w"] = (spec.d_model,)
    if spec.style == "gpt2":
        shapes["norm_f_b"] = (spec.d_model,)
    if not spec.tied:
        shapes["head"] = (spec.d_model, spec.vocab)
    return shapes


def _numel(shape: tuple[int, ...]) -> int:
    out = 1
    for n in shape:
        out *= n
    return out


def params(spec: LLMSpec) -> int:
    return sum(_numel(s) for s in weight_shapes(spec).values())


def streamed_params(spec: LLMSpec) -> int:
    """Weights a decode step reads whole: every block, the final norm, the LM head (the tied table counts once)."""
    gathered = _numel((spec.vocab, spec.d_model)) * (0 if spec.tied else 1) + spec.max_positions * spec.d_model
    return params(spec) - gathered


def layer_macs(spec: LLMSpec) -> int:
    """Multiply-adds per token of one block's projections and MLP (attention over the context apart)."""
    d, q, kv, f = spec.d_model, spec.heads * spec.head_dim, spec.kv_dim, spec.ffn
    mlp = (3 if spec.style == "llama" else 2) * d * f
    return d * q + 2 * d * kv + q * d + mlp


def attention_macs(spec: LLMSpec, context: float) -> float:
    """Multiply-adds of one token's attention in one block: scores (q . k) and the weighted sum of v."""
    return 2 * spec.heads * spec.head_dim * context


def head_macs(spec: LLMSpec) -> int:
    return spec.d_model * spec.vocab


def prefill_flops(spec: LLMSpec, prompt: int = PROMPT_TOKENS) -> int:
    """FLOPs of one prompt of `prompt` tokens (batch 1), causal attention, logits of the last position."""
    causal_pairs = prompt * (prompt + 1) // 2
    macs = prompt * spec.layers * layer_macs(spec) + spec.layers * 2 * spec.heads * spec.head_dim * causal_pairs
    return 2 * (macs + head_macs(spec))


def prefill_flops_per_token(spec: LLMSpec, prompt: int = PROMPT_TOKENS) -> float:
    return prefill_flops(spec, prompt) / prompt


def decode_flops_per_token(spec: LLMSpec, context: float | None = None) -> float:
    """FLOPs of one generated token attending to `context` positions (default: the cycle's mean)."""
    context = mean_decode_context() if context is None else context
    return 2 * (spec.layers * (layer_macs(spec) + attention_macs(spec, context)) + head_macs(spec))


def kv_bytes_per_position(spec: LLMSpec, itemsize: int) -> int:
    """K and V of one position in every layer."""
    return spec.layers * 2 * spec.kv_dim * itemsize


def decode_bytes_per_token(spec: LLMSpec, itemsize: int, batch: int, context: float | None = None) -> float:
    """Streamed weights once per step, shared by the batch, plus the KV cache read at `context`."""
    context = mean_decode_context() if context is None else context
    return streamed_params(spec) * itemsize / batch + kv_bytes_per_position(spec, itemsize) * context


def prefill_bytes_per_token(spec: LLMSpec, itemsize: int, batch: int, prompt: int = PROMPT_TOKENS) -> float:
    """Streamed weights once per step, shared by the batch's prompt tokens, plus the KV cache written."""
    return streamed_params(spec) * itemsize / (batch * prompt) + kv_bytes_per_position(spec, itemsize)


def flops_per_token(spec: LLMSpec, mode: str) -> float:
    return prefill_flops_per_token(spec) if mode == "prefill" else decode_flops_per_token(spec)


def bytes_per_token(spec: LLMSpec, mode: str, itemsize: int, batch: int) -> float:
    if mode == "prefill":
        return prefill_bytes_per_token(spec, itemsize, batch)
    return decode_bytes_per_token(spec, itemsize, batch)


def tokens_per_step(mode: str, batch: int) -> int:
    return batch * (PROMPT_TOKENS if mode == "prefill" else 1)


def row_lengths(mode: str) -> dict:
    """The Outcome's seq_len and context_len: the prompt (prefill); the tokens generated and the cache the last
    one attends to (decode)."""
    if mode == "prefill":
        return {"seq_len": PROMPT_TOKENS}
    return {"seq_len": DECODE_TOKENS, "context_len": PROMPT_TOKENS + DECODE_TOKENS}


def next_position(pos: int) -> int:
    """The decode cycle: P, P+1, ..., P+T-1, then P again."""
    return PROMPT_TOKENS + (pos + 1 - PROMPT_TOKENS) % DECODE_TOKENS


def is_llm(model: str) -> bool:
    return model in LLMS
