"""The timed steps of a TensorFlow measurement: one call per step (eager Keras, a tf.function, or a
tf.function XLA compiles whole), and the matmul product. Never model.predict or fit, with their
per-call overhead; the classic protocol (model.fit, as the original) is in classic.py."""

from __future__ import annotations

import tensorflow as tf
from tensorflow import keras  # Keras 3 on TF 2.16+, Keras 2 before

from collect.frameworks.tensorflow import keras_compat as kc
from collect.measure import suites
from collect.measure.step import relative_error as formula
from collect.measure.suites import Config

DTYPES = {"fp32": tf.float32, "fp16": tf.float16, "bf16": tf.bfloat16, "fp64": tf.float64}


def optimizer(workload: str, precision: str, variables):
    """The workload's optimizer (suites.optimizer_for: the same settings as torch and as one device),
    loss-scaled for mixed_fp16, its state built before tracing. Call it inside a strategy's scope
    for data-parallel training."""
    spec = suites.optimizer_for(workload)
    opt = (keras.optimizers.Adam(learning_rate=spec.lr) if spec.name == "adam"
           else keras.optimizers.SGD(learning_rate=spec.lr, momentum=spec.momentum))
    if precision == "mixed_fp16":
        opt = kc.loss_scale_optimizer(keras, opt)
    kc.build_optimizer(opt, variables)
    return opt


def model_fn(model, config: Config, backend: str):
    """The step's function of (x, y): plain Keras calls (eager), one tf.function, or one tf.function XLA compiles."""
    def wrap(f):
        return f if backend == "eager" else tf.function(f, jit_compile=backend == "xla")
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
    if config.mode == "infer":
        return wrap(lambda x, y: model(x, training=False))
    if config.mode == "train_forward":
        return wrap(lambda x, y: loss_fn(y, tf.cast(model(x, training=True), tf.float32)))
    opt = optimizer(config.workload, config.precision, model.trainable_variables)

    def train(x, y):
        with tf.GradientTape() as tape:
            loss = loss_fn(y, tf.cast(model(x, training=True), tf.float32))
            scaled = kc.scale_loss(opt, loss)
        grads = kc.unscale_gradients(opt, tape.gradient(scaled, model.trainable_variables))
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss
    return wrap(train)


def matmul_step(n: int, precision: str, holder: list):
    """C = A @ B on random operands rotated through a working set larger than the caches; the last
    product is kept in holder[0] for the sync to wait on."""
    dtype = DTYPES[precision]
    sets = suites.matmul_operand_sets(n, dtype.size)
    a = [tf.cast(tf.random.normal((n, n)), dtype) for _ in range(sets)]
    b = [tf.cast(tf.random.normal((n, n)), dtype) for _ in range(sets)]
    turn = [0]

    def step():
        i = turn[0] = (turn[0] + 1) % sets
        holder[0] = tf.linalg.matmul(a[i], b[i])
    return step


def relative_error(got, want) -> float:
    """The output check's relative error (collect.measure.step.relative_error) of two outputs, in float64."""
    got, want = tf.cast(got, tf.float64), tf.cast(want, tf.float64)
    return formula(tf.norm(got - want), tf.norm(want))
