"""Suites, flag narrowing and the analytic MLP FLOP count (framework-free)."""

from __future__ import annotations

import analytic_flops
import pytest

from collect.measure import suites


def test_quick_suite_has_mlp_and_cnn_train_and_infer():
    configs = suites.expand("quick", device_kind="cpu")
    seen = {(c.workload, c.mode) for c in configs}
    assert {("mlp", "train"), ("mlp", "infer"), ("cnn", "train"), ("cnn", "infer")} <= seen
    assert {("transformer", "train"), ("transformer", "infer"), ("matmul", "infer")} <= seen
    assert {("llm", "prefill"), ("llm", "decode"), ("membw", "infer")} <= seen


def test_language_models_join_the_suites():
    quick = [(c.model, c.mode, c.batch_size) for c in suites.expand("quick", device_kind="cpu") if c.workload == "llm"]
    assert quick == [("llm-tiny", "prefill", 1), ("llm-tiny", "decode", 1)]
    default = suites.expand("default", device_kind="cpu", framework="tensorflow", default_backend="tf_function")
    assert {(c.model, c.mode, c.batch_size, c.precision, c.backend) for c in default if c.workload == "llm"} == {
        ("gpt2-small", mode, 1, "fp32", "tf_function") for mode in ("prefill", "decode")}  # batch 8: accelerators
    assert {c.model for c in default if c.workload == "membw"} == {"membw-copy-1024", "membw-axpy-1024"}
    gpu = suites.expand("default", device_kind="cuda", workloads=["llm"])
    assert {c.precision for c in gpu} == {"fp32", "fp16", "bf16"} and {c.batch_size for c in gpu} == {1, 8}
    full = suites.expand("full", device_kind="cpu")
    assert {c.model for c in full if c.workload == "llm"} == {"llm-tiny", "gpt2-small", "llama-1b"}
    assert {c.precision for c in full if c.workload == "llm"} == {"fp32", "bf16"}
    # the full suite's every mode: prefill and decode only for language models, never for the others
    assert {c.mode for c in full if c.workload == "llm"} == {"prefill", "decode"}
    assert not {c.mode for c in full if c.workload in ("mlp", "cnn")} & {"prefill", "decode"}


def test_language_model_modes_follow_the_flags():
    asked = suites.expand("default", device_kind="cpu", models=["gpt2-small", "mlp-d5-w1024"], modes=["decode"])
    assert [(c.model, c.mode, c.batch_size) for c in asked] == [("gpt2-small", "decode", 1)]
    assert not suites.expand("default", device_kind="cpu", models=["gpt2-small"], modes=["infer"])
    assert suites.workload_of("llm-tiny") == "llm" and suites.workload_of("llm-huge") == "cnn"


def test_flags_replace_suite_choices():
    configs = suites.expand("default", device_kind="cpu", models=["mlp-d5-w1024", "vgg11"], modes=["infer"],
                            precisions=["bf16"], batch_sizes=[1, 2])
    assert {(c.model, c.workload) for c in configs} == {("mlp-d5-w1024", "mlp"), ("vgg11", "cnn")}
    assert {c.batch_size for c in configs} == {1, 2} and {c.mode for c in configs} == {"infer"}
    assert len(configs) == 2 * 2


def test_the_default_suite_trains_bert_base_only_where_it_is_not_too_slow():
    """On a CPU BERT-base only infers in the default suite (3 training steps took 22 s a round there); asked for
    with --modes, or on an accelerator, it trains."""
    cpu = {(c.model, c.mode) for c in suites.expand("default", device_kind="cpu", workloads=["transformer"])}
    assert cpu == {("distilbert-base", "train"), ("distilbert-base", "infer"), ("bert-base", "infer")}
    gpu = {(c.model, c.mode) for c in suites.expand("default", device_kind="cuda", workloads=["transformer"])}
    assert ("bert-base", "train") in gpu
    asked = suites.expand("default", device_kind="cpu", models=["bert-base"], modes=["train"])
    assert [(c.model, c.mode) for c in asked] == [("bert-base", "train")]


def test_workloads_narrow_models():
    configs = suites.expand("default", device_kind="cpu", workloads=["mlp"])
    assert {c.workload for c in configs} == {"mlp"}
    assert {c.model for c in configs} == {f"mlp-d{d}-w1024" for d in (5, 10, 15, 20)}


def test_accelerators_get_bigger_cnn_batches_beside_the_scores():
    assert {c.batch_size for c in suites.expand("default", device_kind="cuda", workloads=["cnn"])} == {16, 64}
    assert {c.batch_size for c in suites.expand("default", device_kind="cpu", workloads=["cnn"])} == {16}


@pytest.mark.parametrize("framework, backend", [("torch", "eager"), ("tensorflow", "tf_function"), ("tensorflow", "xla")])
@pytest.mark.parametrize("kind", ["cpu", "cuda", "mps", "gpu"])
def test_the_default_suite_holds_every_configuration_of_the_score_on_every_device_kind(kind, framework, backend):
    """`make bench` (the default suite) ends with the score wherever it runs: its plan, as the runner's plan() reads
    it for the device kind, holds the score suite's every configuration, with the backend the score counts."""
    from types import SimpleNamespace

    from collect.cli import plan
    from collect.contract import scoring

    args = SimpleNamespace(like=None, suite="default", framework=framework, modes=None, backends=None, workloads=None,
                           models=None, precisions=None, batch_sizes=None, distributed="none")
    default = set(plan(args, kind, backend))
    score = set(plan(SimpleNamespace(**{**vars(args), "suite": "score"}), kind, backend))
    assert len(score) == len(scoring.SETS[scoring.CURRENT].configs()) == 10
    assert score <= default, sorted(c.label() for c in score - default)
    for c in score:
        assert c.backend in scoring.backends(framework, c.workload)


@pytest.mark.parametrize("kwargs, message", [
    ({"modes": ["eval"]}, "`modes` must be one of ('train', 'infer', 'train_forward', 'train_backward', 'prefill', 'decode'), "
                          "but 'eval' was passed"),
    ({"precisions": ["fp8"]}, "`precisions` must be one of"),
    ({"workloads": ["rnn"]}, "`workloads` must be one of ('mlp', 'cnn', 'matmul', 'transformer', 'llm', 'membw'), "
                             "but 'rnn' was passed"),
])
def test_bad_choices_name_the_allowed_values(kwargs, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")):
        suites.expand("quick", device_kind="cpu", **kwargs)


def test_unknown_suite():
    with pytest.raises(ValueError, match=r"`suite` must be one of \('quick', 'default', 'backends', 'score', 'full'\), but 'huge' was passed"):
        suites.expand("huge", device_kind="cpu")


def test_batch_sizes_parse():
    assert suites.parse_batch_sizes("1, 16,64") == [1, 16, 64]
    with pytest.raises(ValueError, match="`batch-sizes` must be whole numbers >= 1, but 'x' was passed"):
        suites.parse_batch_sizes("1,x")
    with pytest.raises(ValueError):
        suites.parse_batch_sizes("0")


def test_mlp_names_round_trip():
    assert suites.parse_mlp(suites.mlp_name(15)) == (15, 1024)
    assert suites.parse_mlp("resnet50") is None
    assert suites.workload_of("mlp-d5-w1024") == "mlp" and suites.workload_of("resnet50") == "cnn"


def test_mlp_flops_by_hand():
    # depth 1: 3072x1024 and 1024x10 layers.
    fwd = 2 * (3072 * 1024 + 1024 * 10)
    assert analytic_flops.mlp_flops_per_sample(1, "infer") == fwd
    assert analytic_flops.mlp_flops_per_sample(1, "train_backward") == 2 * fwd - 2 * 3072 * 1024
    assert analytic_flops.mlp_flops_per_sample(1, "train") == 3 * fwd - 2 * 3072 * 1024
    assert analytic_flops.mlp_flops_per_sample(5, "infer") == fwd + 4 * 2 * 1024 * 1024
