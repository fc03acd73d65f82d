"""The timed steps of the TensorFlow `llm` rows (collect.frameworks.tensorflow.llm), as torch's llm_run.

prefill: one compiled call over the prompt (B x P random tokens) that fills the KV cache. decode: one compiled
call per generated token; the position lives in a device variable that the call reads and advances through
the cycle P .. P+T-1 (llm_math.next_position), so nothing is fed from the host between steps. The cache is
filled by an untimed prefill first. `tf_function` and `eager` attend to the pos + 1 cached entries, as torch;
`xla` (static shapes) attends to all P + T entries masked, and its FLOPs and bytes count that.
"""

from __future__ import annotations

import tensorflow as tf

from collect.contract.record import WORKLOAD_RATE_UNIT
from collect.frameworks.tensorflow import llm
from collect.measure import llm_math
from collect.measure.adapter import Unsupported
from collect.measure.suites import Config

DTYPES = {"fp32": tf.float32, "fp16": tf.float16, "bf16": tf.bfloat16}


def dtype_of(config: Config):
    if config.precision not in DTYPES:
        raise Unsupported(f"llm rows hold weights and cache in one dtype: {', '.join(DTYPES)}, not {config.precision}")
    return DTYPES[config.precision]


def wrap(fn, backend: str):
    return fn if backend == "eager" else tf.function(fn, jit_compile=backend == "xla")


def llm_step(config: Config, dtype, holder: list):
    """The timed step of a prefill or decode row; its logits land in holder[0] for the sync to wait on."""
    spec = llm_math.LLMS[config.model]
    model = llm.build(spec, dtype)
    cache = model.new_cache(config.batch_size)
    prompt = tf.random.uniform((config.batch_size, llm_math.PROMPT_TOKENS), maxval=spec.vocab, dtype=tf.int32)
    fill = wrap(lambda ids: model(ids, 0, cache), config.backend)
    if config.mode == "prefill":
        def prefill():
            holder[0] = fill(prompt)
        return prefill
    tokens = tf.random.uniform((config.batch_size, llm_math.DECODE_TOKENS), maxval=spec.vocab, dtype=tf.int32)
    holder[0] = fill(prompt)  # untimed: the prompt the generated tokens follow
    position = tf.Variable(llm_math.PROMPT_TOKENS, dtype=tf.int32, trainable=False)
    p, t = llm_math.PROMPT_TOKENS, llm_math.DECODE_TOKENS

    def one_token():
        pos = position.read_value()
        ids = tf.gather(tokens, [pos - p], axis=1)
        logits = model(ids, pos, cache, masked=config.backend == "xla")
        position.assign(p + (pos + 1 - p) % t)
        return logits
    call = wrap(one_token, config.backend)

    def decode():
        holder[0] = call()
    return decode


def attended_context(config: Config) -> float | None:
    """The decode context FLOPs and bytes count: the cycle's mean (None), or the whole cache under XLA."""
    return float(llm_math.cache_len()) if config.backend == "xla" and config.mode == "decode" else None


def context_note(config: Config) -> str:
    if attended_context(config) is None:
        return ""
    return f"xla: every token attends to all {llm_math.cache_len()} cache positions, masked (static shapes); FLOPs and bytes count that"


def llm_fields(config: Config, dtype) -> dict:
    spec = llm_math.LLMS[config.model]
    context = attended_context(config)
    if context is None:
        flops = llm_math.flops_per_token(spec, config.mode)
        traffic = llm_math.bytes_per_token(spec, config.mode, dtype.size, config.batch_size)
    else:
        flops = llm_math.decode_flops_per_token(spec, context)
        traffic = llm_math.decode_bytes_per_token(spec, dtype.size, config.batch_size, context)
    return {"rate_unit": WORKLOAD_RATE_UNIT["llm"], "flops_per_sample": flops, "bytes_per_sample": traffic,
            **llm_math.row_lengths(config.mode)}


def cpu_agreement(config: Config, device: str) -> float:
    """The device's fp32 logits against the CPU's, same weights and tokens: a 16-token prompt, two decode steps."""
    spec = llm_math.LLMS[config.model]
    outputs = []
    ids = tf.constant([[(7919 * i) % spec.vocab for i in range(18)]], tf.int32)
    for where in ("/CPU:0", device):
        with tf.device(where):
            model = llm.build(spec, tf.float32, max_len=18)
            cache = model.new_cache(1)
            logits = [model(ids[:, :16], 0, cache)] + [model(ids[:, p:p + 1], tf.constant(p), cache) for p in (16, 17)]
            outputs.append(tf.cast(tf.concat(logits, axis=1), tf.float64))
    want, got = outputs
    return float(tf.norm(got - want) / tf.maximum(tf.norm(want), 1e-30))


def needed_bytes(config: Config) -> int:
    spec = llm_math.LLMS[config.model]
    itemsize = DTYPES.get(config.precision, tf.float32).size
    cache = llm_math.kv_bytes_per_position(spec, itemsize) * config.batch_size * llm_math.cache_len()
    return llm_math.params(spec) * itemsize + cache
