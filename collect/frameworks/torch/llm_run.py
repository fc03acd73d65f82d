"""The timed steps of the torch `llm` rows, and what each row reports besides its timing.

prefill: the prompt's forward (B x P random tokens), filling the KV cache; the same positions every step.
decode: one token per sequence per step at position pos, attending to the cache's first pos + 1 entries; the
cache is filled by an untimed prefill before timing, and pos cycles P .. P+T-1 (llm_math.next_position),
so every timed step is one token over a context of P+1 .. P+T. The position is a Python int: nothing runs
on the device between steps. Token ids are random and made on the device before timing.
"""

from __future__ import annotations

import torch

from collect.contract.record import WORKLOAD_RATE_UNIT
from collect.frameworks.torch import llm
from collect.measure import bandwidth, llm_math
from collect.measure.adapter import Unsupported
from collect.measure.suites import Config

DTYPES = {"fp32": torch.float32, "tf32": torch.float32, "fp16": torch.float16, "bf16": torch.bfloat16}


def dtype_of(config: Config, device_kind: str, device) -> torch.dtype:
    """The dtype llm rows hold weights and cache in; one that cannot run here is Unsupported."""
    if config.precision not in DTYPES:
        raise Unsupported(f"llm rows run {', '.join(DTYPES)}, not {config.precision}")
    dtype = DTYPES[config.precision]
    try:
        a = torch.randn(1, 2, 4, 8, device=device, dtype=dtype)
        torch.nn.functional.scaled_dot_product_attention(a, a, a, is_causal=True).sum().item()
        (a.view(8, 8) @ a.view(8, 8)).sum().item()
    except Exception as exc:
        raise Unsupported(f"{config.precision} on {device_kind}: {str(exc).splitlines()[0]}") from None
    return dtype


def llm_step(config: Config, device, dtype: torch.dtype):
    """The timed step of a prefill or decode row, all of its data (model, cache, tokens) on the device."""
    spec = llm_math.LLMS[config.model]
    model = llm.build(spec, dtype, device)
    cache = model.new_cache(config.batch_size)
    prompt = torch.randint(0, spec.vocab, (config.batch_size, llm_math.PROMPT_TOKENS), device=device)
    if config.mode == "prefill":
        def prefill():
            with torch.inference_mode():
                model(prompt, 0, cache)
        return prefill
    tokens = torch.randint(0, spec.vocab, (config.batch_size, llm_math.DECODE_TOKENS), device=device)
    with torch.inference_mode():
        model(prompt, 0, cache)  # untimed: the prompt the generated tokens follow
    state = [llm_math.PROMPT_TOKENS]

    def decode():
        pos = state[0]
        with torch.inference_mode():
            model(tokens[:, pos - llm_math.PROMPT_TOKENS].unsqueeze(1), pos, cache)
        state[0] = llm_math.next_position(pos)
    return decode


def llm_fields(config: Config, dtype: torch.dtype) -> dict:
    """The row's Outcome fields besides timing: tokens, FLOPs and bytes per token, lengths."""
    spec = llm_math.LLMS[config.model]
    itemsize = torch.finfo(dtype).bits // 8
    return {"rate_unit": WORKLOAD_RATE_UNIT["llm"], "flops_per_sample": llm_math.flops_per_token(spec, config.mode),
            "bytes_per_sample": llm_math.bytes_per_token(spec, config.mode, itemsize, config.batch_size),
            **llm_math.row_lengths(config.mode)}


def cpu_agreement(config: Config, device) -> float:
    """Relative error of the device's fp32 logits against the CPU's, same weights and tokens: a 16-token prompt
    and two decode steps (the cache path) on a model of the row's shape."""
    spec = llm_math.LLMS[config.model]
    outputs = []
    for where in ("cpu", device):
        model = llm.build(spec, torch.float32, where, max_len=18)
        cache = model.new_cache(1)
        ids = torch.arange(18, device=where).unsqueeze(0) * 7919 % spec.vocab
        with torch.inference_mode():
            logits = [model(ids[:, :16], 0, cache)] + [model(ids[:, p:p + 1], p, cache) for p in (16, 17)]
        outputs.append(torch.cat(logits, dim=1).double().cpu())
        del model, cache
    want, got = outputs
    return float((got - want).norm() / want.norm().clamp_min(1e-30))



def needed_bytes(config: Config) -> tuple[str, int]:
    """(what, bytes) an llm or membw row needs in memory: weights and KV cache; the two buffers."""
    membw = bandwidth.parse_membw(config.model)
    if membw:
        return "buffers", 2 * membw[1] * 2**20
    spec = llm_math.LLMS[config.model]
    itemsize = torch.finfo(DTYPES.get(config.precision, torch.float32)).bits // 8
    cache = llm_math.kv_bytes_per_position(spec, itemsize) * config.batch_size * llm_math.cache_len()
    return "weights and KV cache", llm_math.params(spec) * itemsize + cache
