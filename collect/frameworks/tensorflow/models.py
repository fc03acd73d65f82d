"""Keras models and synthetic inputs for each workload, and their FLOPs (analytic, torch's convention).

mlp: the classic MLP; cnn: keras.applications (weights=None, nothing is downloaded);
transformer: an encoder stack of Keras MultiHeadAttention + feed-forward layers with token and
position embeddings and a small head on the first token, the same shape as the PyTorch one.
"""

from __future__ import annotations

import functools

import tensorflow as tf
from tensorflow import keras

from collect.frameworks.tensorflow import device as tdv
from collect.frameworks.tensorflow import keras_compat as kc
from collect.measure import suites


class AddPositions(keras.layers.Layer):
    """Learned position embeddings added to the token embeddings."""

    def build(self, input_shape):
        self.positions = self.add_weight(name="positions", shape=(int(input_shape[1]), int(input_shape[2])),
                                         initializer="random_normal")

    def call(self, x):
        return x + tf.cast(self.positions, x.dtype)


class FirstToken(keras.layers.Layer):
    def call(self, x):
        return x[:, 0]


def build_transformer(name: str):
    layers, d, heads, ff = suites.TRANSFORMERS[name]
    ids = keras.Input(shape=(suites.SEQ_LEN,), dtype="int32")
    x = AddPositions()(keras.layers.Embedding(suites.VOCAB, d)(ids))
    for _ in range(layers):  # post-norm, as torch.nn.TransformerEncoderLayer's default
        attn = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=d // heads, dropout=0.1)(x, x)
        x = keras.layers.LayerNormalization(epsilon=1e-5)(x + keras.layers.Dropout(0.1)(attn))
        f = keras.layers.Dense(d)(keras.layers.Dropout(0.1)(keras.layers.Dense(ff, activation="gelu")(x)))
        x = keras.layers.LayerNormalization(epsilon=1e-5)(x + keras.layers.Dropout(0.1)(f))
    return keras.Model(ids, keras.layers.Dense(suites.TRANSFORMER_CLASSES)(FirstToken()(x)))


def build_model(name: str, classic: bool = False):
    mlp = suites.parse_mlp(name)
    if mlp:
        depth, width = mlp
        layers = [keras.Input(shape=(32, 32, 3)), keras.layers.Flatten()]
        layers += [keras.layers.Dense(width, activation="relu") for _ in range(depth)]
        # The classic protocol kept the original's sigmoid output; otherwise logits, as torch.
        layers.append(keras.layers.Dense(suites.MLP_CLASSES, activation="sigmoid" if classic else None))
        return keras.Sequential(layers)
    if name in suites.TRANSFORMERS:
        return build_transformer(name)
    cls = kc.application(keras, name)
    return cls(weights=None, input_shape=(224, 224, 3), classes=suites.CNN_CLASSES, classifier_activation=None)


def make_inputs(name: str, batch: int, seed: tuple[int, int] | None = None):
    """Random inputs and labels as tensors on the current device (call inside tf.device)."""
    if name in suites.TRANSFORMERS:
        ids = tf.random.uniform((batch, suites.SEQ_LEN), maxval=suites.VOCAB, dtype=tf.int32)
        return ids, tf.random.uniform((batch,), maxval=suites.TRANSFORMER_CLASSES, dtype=tf.int32)
    shape, classes = ((32, 32, 3), suites.MLP_CLASSES) if suites.parse_mlp(name) else ((224, 224, 3), suites.CNN_CLASSES)
    x = tf.random.stateless_uniform((batch, *shape), seed=seed) if seed else tf.random.uniform((batch, *shape))
    return x, tf.random.uniform((batch,), maxval=classes, dtype=tf.int32)


@functools.lru_cache(maxsize=64)
def flops_per_sample(name: str) -> tuple[int, int]:
    model = build_model(name)
    try:
        # A transformer's first weighted layer reads the (trained) embedding: its input needs a gradient.
        return tdv.keras_flops(model, first_input_needs_grad=name in suites.TRANSFORMERS)
    finally:
        del model
        keras.backend.clear_session()


def mode_flops(name: str, mode: str) -> int:
    return suites.flops_for_mode(name, mode, flops_per_sample)
