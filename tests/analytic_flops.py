"""Analytic FLOP counts the frameworks' counters are checked against (2 x multiply-accumulates per sample).

Independent of both runners: a counter that drifts (or a model that changes shape) fails the comparison.
"""

from __future__ import annotations

from collect.measure.suites import MLP_CLASSES, MLP_INPUT, MLP_WIDTH, SEQ_LEN, TRANSFORMER_CLASSES, TRANSFORMERS


def transformer_flops_per_sample(name: str, mode: str) -> int:
    """FLOPs per sequence: projections and feed-forward per token, attention per token pair, the head
    on the first token. Backward = 2 x forward (every layer's input needs a gradient: the embedding
    is trained). torch.utils.flop_counter must count exactly this for nn.TransformerEncoder."""
    layers, d, _heads, ff = TRANSFORMERS[name]
    per_layer = SEQ_LEN * (8 * d * d + 4 * d * ff) + 4 * SEQ_LEN * SEQ_LEN * d
    forward = layers * per_layer + 2 * d * TRANSFORMER_CLASSES
    return {"infer": forward, "train_forward": forward, "train_backward": 2 * forward, "train": 3 * forward}[mode]


def mlp_flops_per_sample(depth: int, mode: str, width: int = MLP_WIDTH) -> int:
    """FLOPs (2 x multiply-accumulates) of the MLP per sample; bias adds and ReLU not counted.

    Backward computes, per Linear layer, the weight gradient (same MACs as forward) and the
    input gradient (same again) except for the first layer, whose input needs no gradient.
    Both frameworks' counters must give exactly this.
    """
    shapes = [(MLP_INPUT, width)] + [(width, width)] * (depth - 1) + [(width, MLP_CLASSES)]
    forward = sum(2 * a * b for a, b in shapes)
    backward = 2 * forward - 2 * shapes[0][0] * shapes[0][1]
    return {"infer": forward, "train_forward": forward, "train_backward": backward, "train": forward + backward}[mode]

