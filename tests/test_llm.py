"""The llm workload: sizes, analytic FLOPs and bytes, the KV cache against recomputation, torch's FLOP counter,
the two frameworks' models against each other, and rows through the command line (tokens/s)."""

from __future__ import annotations

import pytest

from collect.dataset.loader import load
from collect.measure import llm_math, suites
from collect.measure.llm_math import LLMS, LLMSpec
from collect.measure.suites import Config

# Real measurements here warm up for 0.2 s, not 1 s (conftest.py's short_warmup): the tests check what the rows
# say, not how steady they are.
pytestmark = pytest.mark.usefixtures("short_warmup")

# Both shapes small: GPT-2's (tied, learned positions, biases) and Llama's (rotary, GQA 4:2, SwiGLU).
SMALL = {"gpt2": LLMSpec("gpt2", layers=2, d_model=64, heads=4, kv_heads=4, ffn=256, vocab=500, tied=True, max_positions=64),
         "llama": LLMSpec("llama", layers=2, d_model=64, heads=4, kv_heads=2, ffn=160, vocab=500, tied=False)}
PROMPT, NEW = 16, 8  # the cache tests: a 16-token prompt, then 8 tokens one at a time


def test_sizes_are_the_named_networks():
    assert llm_math.params(LLMS["gpt2-small"]) == 124_439_808  # GPT-2 small as released: tied embedding
    assert llm_math.params(LLMS["llama-1b"]) == 1_104_218_112
    assert {suites.workload_of(name) for name in LLMS} == {"llm"}
    # The tied table is the LM head: a decode step streams it once; the position table is only gathered from.
    gpt2 = LLMS["gpt2-small"]
    assert llm_math.streamed_params(gpt2) == llm_math.params(gpt2) - 1024 * 768


def test_flops_and_bytes_by_hand():
    s = SMALL["llama"]  # q 64, kv 32, ffn 160: per token and layer 64*64 + 2*64*32 + 64*64 + 3*64*160 MACs
    layer = 64 * 64 + 2 * 64 * 32 + 64 * 64 + 3 * 64 * 160
    assert llm_math.layer_macs(s) == layer
    # a prompt of 4: 4 tokens x 2 layers, causal attention over 1+2+3+4 positions (2 x 64 MACs each), last-token head
    assert llm_math.prefill_flops(s, 4) == 2 * (4 * 2 * layer + 2 * 2 * 64 * 10 + 64 * 500)
    assert llm_math.decode_flops_per_token(s, 10) == 2 * (2 * (layer + 2 * 64 * 10) + 64 * 500)
    assert llm_math.decode_bytes_per_token(s, 2, batch=4, context=10) == llm_math.streamed_params(s) * 2 / 4 + 2 * 2 * 32 * 2 * 10
    # decode counts the mean context of its cycle P+1 .. P+T
    contexts = range(llm_math.PROMPT_TOKENS + 1, llm_math.PROMPT_TOKENS + llm_math.DECODE_TOKENS + 1)
    mean = sum(llm_math.decode_flops_per_token(s, c) for c in contexts) / len(contexts)
    assert llm_math.decode_flops_per_token(s) == pytest.approx(mean, rel=1e-12)


def test_decode_positions_cycle_and_rows_describe_them():
    p, t = llm_math.PROMPT_TOKENS, llm_math.DECODE_TOKENS
    seen, pos = [], p
    for _ in range(2 * t):
        seen.append(pos)
        pos = llm_math.next_position(pos)
    assert seen == list(range(p, p + t)) * 2
    assert llm_math.row_lengths("decode") == {"seq_len": 128, "context_len": 640}
    assert llm_math.row_lengths("prefill") == {"seq_len": 512}
    # decode at batch 1 is timed token by token (a latency row); prefill and membw never are
    from collect.measure.step import is_latency_row

    assert is_latency_row(Config("llm", "llm-tiny", "decode", "fp32", 1))
    assert not is_latency_row(Config("llm", "llm-tiny", "decode", "fp32", 8))
    assert not is_latency_row(Config("llm", "llm-tiny", "prefill", "fp32", 1))
    assert not is_latency_row(Config("membw", "membw-copy-64", "infer", "fp32", 1))


def rel(got, want) -> float:
    return float(abs(got - want).max() / abs(want).max())


@pytest.fixture(scope="module")
def torch_llm():
    pytest.importorskip("torch")
    from collect.frameworks.torch import llm

    return llm


@pytest.fixture(scope="module")
def tf_llm():
    pytest.importorskip("tensorflow")
    from collect.frameworks.tensorflow import llm

    return llm


@pytest.mark.torch
@pytest.mark.parametrize("style", SMALL)
def test_torch_decode_with_the_cache_equals_recomputing(style, torch_llm):
    import torch

    model = torch_llm.build(SMALL[style], max_len=PROMPT + NEW)
    ids = torch.randint(0, 500, (2, PROMPT + NEW))
    with torch.inference_mode():
        full = model(ids, 0, model.new_cache(2), all_logits=True)[:, PROMPT - 1:]
        cache = model.new_cache(2)
        steps = [model(ids[:, :PROMPT], 0, cache)] + [model(ids[:, p:p + 1], p, cache) for p in range(PROMPT, PROMPT + NEW)]
    err = float((torch.cat(steps, 1) - full).norm() / full.norm())
    assert err < 1e-4


@pytest.mark.tensorflow
@pytest.mark.parametrize("masked", [False, True], ids=["tf_function", "xla"])
@pytest.mark.parametrize("style", SMALL)
def test_tensorflow_decode_with_the_cache_equals_recomputing(style, masked, tf_llm):
    import tensorflow as tf

    model = tf_llm.build(SMALL[style], max_len=PROMPT + NEW)
    ids = tf.random.stateless_uniform((2, PROMPT + NEW), seed=(1, 2), maxval=500, dtype=tf.int32)
    full = model(ids, 0, model.new_cache(2), all_logits=True)[:, PROMPT - 1:]
    cache = model.new_cache(2)
    step = tf.function(lambda x, p: model(x, p, cache, masked=masked), jit_compile=masked)
    steps = [model(ids[:, :PROMPT], 0, cache)] + [step(ids[:, p:p + 1], tf.constant(p)) for p in range(PROMPT, PROMPT + NEW)]
    err = float(tf.norm(tf.concat(steps, 1) - full) / tf.norm(full))
    assert err < 1e-4


@pytest.mark.torch
@pytest.mark.tensorflow
@pytest.mark.parametrize("style", SMALL)
def test_both_frameworks_build_the_same_network(style, torch_llm, tf_llm):
    """Same weights in, same logits out (fp32): the layouts, norms, rotary and attention agree."""
    import tensorflow as tf
    import torch

    spec = SMALL[style]
    theirs = torch_llm.build(spec, max_len=PROMPT + 1)
    ours = tf_llm.build(spec, max_len=PROMPT + 1)
    assert {k: tuple(v.shape) for k, v in ours.w.items()} == llm_math.weight_shapes(spec)
    assert {k: tuple(v.shape) for k, v in theirs.w.items()} == llm_math.weight_shapes(spec)
    for name, value in theirs.w.items():
        ours.w[name].assign(value.detach().numpy())
    ids = torch.randint(0, spec.vocab, (1, PROMPT + 1))
    with torch.inference_mode():
        cache = theirs.new_cache(1)
        want = torch.cat([theirs(ids[:, :PROMPT], 0, cache), theirs(ids[:, PROMPT:], PROMPT, cache)], 1).numpy()
    tf_ids, cache = tf.constant(ids.numpy(), tf.int32), ours.new_cache(1)
    got = tf.concat([ours(tf_ids[:, :PROMPT], 0, cache), ours(tf_ids[:, PROMPT:], tf.constant(PROMPT), cache)], 1).numpy()
    assert rel(got, want) < 1e-4


@pytest.mark.torch
@pytest.mark.parametrize("name", ["gpt2-small", "llama-1b"])
def test_flop_counter_agrees_with_the_analytic_count(name, torch_llm):
    """FlopCounterMode on the meta device (nothing allocated) over a prompt and a decode step. It counts the
    matrix products as llm_math does, but prices the causal prompt attention as the full P x P square: exactly
    2 L heads head_dim P (P - 1) FLOPs more than the causal count (gpt2-small: +5.2%, llama-1b: +1.7%).
    Neither counts norms, softmax, activations, rotary positions or embedding lookups."""
    import torch
    from torch.utils.flop_counter import FlopCounterMode

    spec, p = LLMS[name], llm_math.PROMPT_TOKENS
    model = torch_llm.build(spec, device="meta")
    assert sum(w.numel() for w in model.parameters()) == llm_math.params(spec)
    cache = model.new_cache(1)
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, p, dtype=torch.long, device="meta"), 0, cache)
    masked_half = 2 * spec.layers * spec.heads * spec.head_dim * p * (p - 1)
    assert counter.get_total_flops() == llm_math.prefill_flops(spec) + masked_half
    assert masked_half / llm_math.prefill_flops(spec) == pytest.approx({"gpt2-small": 0.0525, "llama-1b": 0.0169}[name], abs=5e-4)
    with FlopCounterMode(display=False) as counter:
        model(torch.zeros(1, 1, dtype=torch.long, device="meta"), 600, cache)
    assert counter.get_total_flops() == llm_math.decode_flops_per_token(spec, context=601)


@pytest.mark.torch
@pytest.mark.tensorflow
@pytest.mark.parametrize("mode", llm_math.LLM_MODES)
@pytest.mark.parametrize("precision", ["fp32", "bf16"])
def test_both_runners_report_the_same_flops_and_bytes(mode, precision):
    import tensorflow as tf
    import torch

    from collect.frameworks.tensorflow import llm_run as tf_run
    from collect.frameworks.torch import llm_run as torch_run

    config = Config("llm", "gpt2-small", mode, precision, 8, backend="tf_function")
    ours = torch_run.llm_fields(config, torch_run.DTYPES[precision])
    theirs = tf_run.llm_fields(config, tf_run.DTYPES[precision])
    assert ours == theirs and ours["flops_per_sample"] > 0 and ours["bytes_per_sample"] > 0
    assert (torch.finfo(torch_run.DTYPES[precision]).bits // 8, tf.as_dtype(tf_run.DTYPES[precision]).size) == \
        ({"fp32": 4, "bf16": 2}[precision],) * 2


CLI = ["--models", "llm-tiny", "--batch-sizes", "1", "--max-seconds", "0.3", "--device", "cpu", "--no-progress",
       "--repeat", "1", "--env", "test-llm-cpu"]


@pytest.mark.slow
@pytest.mark.parametrize("framework", ["torch", "tensorflow"])
def test_rows_through_the_command_line_validate(framework, results_dir):
    pytest.importorskip(framework)
    from collect import cli

    assert cli.main(["--framework", framework, *CLI, "--results-dir", str(results_dir)]) == 0
    loaded = load([results_dir / "results_test-llm-cpu.csv"])
    assert not [p for p in loaded.problems if p.level == "error"]
    rows = {r.mode: r for r in loaded.frame.itertuples()}
    assert set(rows) == {"prefill", "decode"} and {r.status for r in rows.values()} == {"ok"}
    assert {r.rate_unit for r in rows.values()} == {"tokens"} and {r.workload for r in rows.values()} == {"llm"}
    spec = LLMS["llm-tiny"]
    assert rows["prefill"].flops_per_sample == llm_math.prefill_flops_per_token(spec)
    assert rows["decode"].bytes_per_sample == llm_math.decode_bytes_per_token(spec, 4, 1)
    assert (rows["prefill"].seq_len, rows["decode"].seq_len, rows["decode"].context_len) == (512, 128, 640)
    decode = rows["decode"]
    # a latency row gets min_steps (10) requests unless they would take over 4x the 0.3 s budget (measure.timing),
    # and at least 3: how many depends on the machine's load (5 in one loaded 2-core CI run, 347 on the same VM alone)
    assert decode.steps >= (10 if decode.step_ms_median * 10 < 4 * 300 else 3)
    assert decode.step_ms_p10 <= decode.step_ms_median <= decode.step_ms_p99
    assert decode.gb_per_s == pytest.approx(decode.bytes_per_sample * decode.samples_per_s / 1e9)
