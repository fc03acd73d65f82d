"""The TensorFlow `membw` rows: one copy or axpy per step over preallocated variables (collect.measure.bandwidth).

Both kernels write in place into a variable's own buffer, one compiled call a step (the row's backend:
tf_function by default):
- copy: `scatter_update` of every row of b from a (one memcpy per row of 1/1024 of the buffer), the buffers cut
  into one shard per CPU thread, whose scatters the call runs side by side (a scatter is one thread's work on a
  CPU). TensorFlow's plain `b.assign(a)` copies nothing (b then shares a's buffer), and `b[:].assign(a)` or
  DeepCopy ran at a third of one scatter's rate on the 2-core development machine.
- axpy: ResourceApplyGradientDescent, a <- a - s b (the optimizer's kernel, multithreaded), s alternating +-0.5
  so the values stay where they started.
"""

from __future__ import annotations

import os

import tensorflow as tf

from collect.measure import bandwidth
from collect.measure.adapter import Unsupported
from collect.measure.suites import Config

DTYPES = {"fp32": tf.float32, "fp16": tf.float16, "bf16": tf.bfloat16, "fp64": tf.float64}
ROWS = 1024


def copy_shards(device_kind: str) -> int:
    """One per CPU thread TensorFlow runs ops on; a GPU's scatter kernel is parallel by itself."""
    if device_kind != "cpu":
        return 1
    return max(1, min(ROWS, tf.config.threading.get_intra_op_parallelism_threads() or os.cpu_count() or 1))


def _variables(rows: int, row_len: int, dtype):
    return tf.Variable(tf.cast(tf.random.uniform((rows, row_len)), dtype), trainable=False)


def membw_step(config: Config, device_kind: str, holder: list):
    """(step, bytes per step, FLOPs per byte, note); holder[0] is a written variable, for the sync."""
    kernel, mib = bandwidth.parse_membw(config.model)
    dtype = DTYPES.get(config.precision)
    if dtype is None:
        raise Unsupported(f"membw runs {', '.join(DTYPES)} elements, not {config.precision}")
    if config.backend not in ("eager", "tf_function", "xla"):
        raise Unsupported(f"TensorFlow runs the eager, tf_function and xla backends, not {config.backend}")
    n = bandwidth.buffer_elements(mib, dtype.size)
    row_len = n // ROWS
    if kernel == "copy":
        shards = copy_shards(device_kind)
        sizes = [ROWS // shards + (1 if i < ROWS % shards else 0) for i in range(shards)]
        pairs = [(_variables(rows, row_len, dtype), _variables(rows, row_len, dtype), tf.range(rows)) for rows in sizes]
        holder[0] = pairs[-1][1]

        def run():
            for a, b, rows in pairs:
                b.scatter_update(tf.IndexedSlices(a.value(), rows))
    else:
        a, b = _variables(ROWS, row_len, dtype), _variables(ROWS, row_len, dtype)
        holder[0] = a

        def run(scale):
            tf.raw_ops.ResourceApplyGradientDescent(var=a.handle, alpha=scale, delta=b.value())
    call = run if config.backend == "eager" else tf.function(run, jit_compile=config.backend == "xla")
    if kernel == "copy":
        step = call
    else:
        scales, turn = (tf.constant(bandwidth.AXPY_SCALE, dtype), tf.constant(-bandwidth.AXPY_SCALE, dtype)), [0]

        def step():
            turn[0] ^= 1
            call(scales[turn[0]])
    where = "GPU's L2" if device_kind != "cpu" else "last-level cache"
    llc = bandwidth.cpu_last_level_cache() if device_kind == "cpu" else None
    note = bandwidth.cache_note(n * dtype.size, llc, where)
    return step, bandwidth.bytes_per_step(kernel, n, dtype.size), bandwidth.flops_per_byte(kernel, dtype.size), note
