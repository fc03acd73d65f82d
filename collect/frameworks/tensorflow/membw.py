"""The TensorFlow `membw` rows: one copy or axpy per step over two preallocated variables (collect.measure.bandwidth).

Both kernels write in place into a variable's own buffer, one op a step, issued eagerly:
- copy: `scatter_update` of every row of b (1024 rows) from a: one memcpy per row. TensorFlow's plain
  `b.assign(a)` copies nothing (b then shares a's buffer), and `b[:].assign(a)` or DeepCopy ran at a third of
  this rate on the 2-core development machine.
- axpy: ResourceApplyGradientDescent, a <- a - s b (the optimizer's kernel), s alternating +-0.5 so the
  values stay where they started.
"""

from __future__ import annotations

import tensorflow as tf

from collect.measure import bandwidth
from collect.measure.adapter import Unsupported
from collect.measure.suites import Config

DTYPES = {"fp32": tf.float32, "fp16": tf.float16, "bf16": tf.bfloat16, "fp64": tf.float64}
ROWS = 1024


def membw_step(config: Config, device_kind: str, holder: list):
    """(step, bytes per step, FLOPs per byte, note); holder[0] is the written variable, for the sync."""
    kernel, mib = bandwidth.parse_membw(config.model)
    dtype = DTYPES.get(config.precision)
    if dtype is None:
        raise Unsupported(f"membw runs {', '.join(DTYPES)} elements, not {config.precision}")
    n = bandwidth.buffer_elements(mib, dtype.size)
    shape = (ROWS, n // ROWS)
    a = tf.Variable(tf.cast(tf.random.uniform(shape), dtype), trainable=False)
    b = tf.Variable(tf.cast(tf.random.uniform(shape), dtype), trainable=False)
    if kernel == "copy":
        rows = tf.range(ROWS)
        holder[0] = b

        def step():
            b.scatter_update(tf.IndexedSlices(a.value(), rows))
    else:
        scales, turn = (tf.constant(bandwidth.AXPY_SCALE, dtype), tf.constant(-bandwidth.AXPY_SCALE, dtype)), [0]
        holder[0] = a

        def step():
            turn[0] ^= 1
            tf.raw_ops.ResourceApplyGradientDescent(var=a.handle, alpha=scales[turn[0]], delta=b.value())
    where = "GPU's L2" if device_kind != "cpu" else "last-level cache"
    llc = bandwidth.cpu_last_level_cache() if device_kind == "cpu" else None
    note = bandwidth.cache_note(n * dtype.size, llc, where)
    return step, bandwidth.bytes_per_step(kernel, n, dtype.size), bandwidth.flops_per_byte(kernel, dtype.size), note
