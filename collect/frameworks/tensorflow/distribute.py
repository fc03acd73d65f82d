"""Data-parallel training under tf.distribute: MirroredStrategy over this machine's devices, or
MultiWorkerMirroredStrategy across hosts when TF_CONFIG is set. No communication code of ours."""

from __future__ import annotations

import json
import os

import tensorflow as tf
from tensorflow import keras

from collect.frameworks.tensorflow import keras_compat as kc


def strategy_for(device_kind: str, replicas: int | None, environ=None):
    """(strategy, kind, writer) for --distributed mirrored."""
    environ = os.environ if environ is None else environ
    if environ.get("TF_CONFIG"):
        return tf.distribute.MultiWorkerMirroredStrategy(), "multi_worker", is_chief(environ["TF_CONFIG"])
    kind = "GPU" if device_kind != "cpu" else "CPU"
    devices = [d.name for d in tf.config.list_logical_devices(kind)]
    if replicas is not None:
        if replicas > len(devices):
            raise ValueError(f"--replicas {replicas} asks for more devices than TensorFlow sees ({len(devices)} {kind})")
        devices = devices[:replicas]
    return tf.distribute.MirroredStrategy(devices=devices), "mirrored", True


def is_chief(tf_config: str) -> bool:
    """The chief (or worker 0 when the cluster names no chief) alone writes rows."""
    spec = json.loads(tf_config)
    task, cluster = spec.get("task", {}), spec.get("cluster", {})
    if task.get("type") == "chief":
        return True
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0 and "chief" not in cluster


def train_function(strategy, model, opt, global_batch: int):
    """One compiled data-parallel step: each replica's loss is averaged over the global batch."""
    def replica_step(x, y):
        with tf.GradientTape() as tape:
            per_sample = keras.losses.sparse_categorical_crossentropy(y, tf.cast(model(x, training=True), tf.float32),
                                                                      from_logits=True)
            loss = tf.nn.compute_average_loss(per_sample, global_batch_size=global_batch)
            scaled = kc.scale_loss(opt, loss)
        grads = kc.unscale_gradients(opt, tape.gradient(scaled, model.trainable_variables))
        opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
        return loss

    @tf.function
    def train(x, y):
        losses = strategy.run(replica_step, args=(x, y))
        return strategy.reduce(tf.distribute.ReduceOp.SUM, losses, axis=None)
    return train


def per_replica_inputs(strategy, make):
    """Each replica draws its own synthetic batch, placed on its own device."""
    x = strategy.experimental_distribute_values_from_function(lambda ctx: make(ctx.replica_id_in_sync_group)[0])
    y = strategy.experimental_distribute_values_from_function(lambda ctx: make(ctx.replica_id_in_sync_group)[1])
    return x, y
