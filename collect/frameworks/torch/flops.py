"""FLOP counting for PyTorch models: torch.utils.flop_counter with convolution backward counted right.

The stock formula for aten.convolution_backward (torch.utils.flop_counter.conv_backward_flop) counts
the weight gradient as a convolution of the input with the output gradient over all C_in x C_out
channel pairs, ignoring ``groups``: a grouped convolution's weight gradient is overcounted by the
group count, a depthwise one (groups = channels) by the channel count. mobilenet_v2 training then
counts 20x its forward instead of about 3x. ``conv_backward_flop`` below replaces it.

Every multiply-accumulate of a convolution pairs one input element, one weight element and one
output element; the two gradients visit the same pairs once each:
- grad_input (output_mask[0]) is a transposed convolution of grad_output with the (grouped) weight,
- grad_weight (output_mask[1]) a convolution of the input with grad_output, per group,
so each costs exactly the MACs of the forward convolution, for any stride, padding, dilation, groups,
transposed or not. The bias gradient (output_mask[2]) is a sum, counted 0 like the forward's bias.
"""

from __future__ import annotations

import torch
from torch.utils.flop_counter import FlopCounterMode, conv_flop_count


def forward_conv_flops(x_shape, w_shape, out_shape, transposed: bool) -> int:
    """2 x MACs of one convolution. The weight's second dimension is already per group
    (C_in / groups, or C_out / groups when transposed), so conv_flop_count is right for any groups."""
    return conv_flop_count(list(x_shape), list(w_shape), list(out_shape), transposed=transposed)


def conv_backward_flop(grad_out_shape, x_shape, w_shape, _bias, _stride, _padding, _dilation, transposed,
                       _output_padding, _groups, output_mask, out_shape=None, **kwargs) -> int:
    """FLOPs of aten.convolution_backward: the forward's count once per gradient asked for (input, weight).

    Takes the same arguments as the stock formula (tensor arguments replaced by their shapes)."""
    forward = forward_conv_flops(x_shape, w_shape, grad_out_shape, bool(transposed))
    return forward * (int(bool(output_mask[0])) + int(bool(output_mask[1])))


CUSTOM_MAPPING = {torch.ops.aten.convolution_backward: conv_backward_flop}


def counter() -> FlopCounterMode:
    """A FlopCounterMode that counts grouped and depthwise convolution backward right."""
    return FlopCounterMode(display=False, custom_mapping=CUSTOM_MAPPING)


def count_flops(model, x, y, loss_fn, make_counter=counter) -> tuple[int, int]:
    """(forward, backward) FLOPs of one training step's forward (model and loss) and its backward.

    Run on the meta device: shapes only, no memory, no arithmetic. make_counter is replaceable so a
    test can show what the stock counter gives."""
    with make_counter() as forward:
        loss = loss_fn(model(x), y)
    with make_counter() as backward:
        loss.backward()
    return forward.get_total_flops(), backward.get_total_flops()
