"""Keras 2 (TensorFlow 2.13-2.15) and Keras 3 (TensorFlow 2.16+) differ in a few calls we need.

Each difference is one small function here, taking the keras module as an argument so tests
can hand it a fake of either generation.
"""

from __future__ import annotations

POLICIES = {"fp32": "float32", "mixed_fp16": "mixed_float16", "mixed_bf16": "mixed_bfloat16", "fp64": "float64"}


def keras_version(keras) -> str:
    version = getattr(keras, "__version__", None)
    if version is None and hasattr(keras, "version"):
        version = keras.version()
    if version is None:  # TF 2.13-2.15: tf.keras is an API module; the keras package beside it has the version
        try:
            import keras as standalone

            version = getattr(standalone, "__version__", None)
        except ImportError:
            pass
    return str(version or "")


def set_policy(keras, precision: str) -> str:
    """Set the global mixed-precision policy for a precision name; return the policy in effect."""
    keras.mixed_precision.set_global_policy(POLICIES[precision])
    return keras.mixed_precision.global_policy().name


def loss_scale_optimizer(keras, optimizer):
    """Keras 3: keras.optimizers.LossScaleOptimizer; Keras 2: keras.mixed_precision.LossScaleOptimizer."""
    cls = getattr(keras.optimizers, "LossScaleOptimizer", None) or keras.mixed_precision.LossScaleOptimizer
    return cls(optimizer)


def scale_loss(optimizer, loss):
    if hasattr(optimizer, "scale_loss"):  # Keras 3
        return optimizer.scale_loss(loss)
    if hasattr(optimizer, "get_scaled_loss"):  # Keras 2
        return optimizer.get_scaled_loss(loss)
    return loss


def unscale_gradients(optimizer, grads):
    """Keras 2 wants gradients unscaled by hand; Keras 3's apply_gradients unscales itself."""
    if hasattr(optimizer, "get_unscaled_gradients") and not hasattr(optimizer, "scale_loss"):
        return optimizer.get_unscaled_gradients(grads)
    return grads


def build_optimizer(optimizer, variables) -> None:
    """Create optimizer state before tracing, so no variable is created inside a tf.function."""
    if hasattr(optimizer, "build"):
        try:
            optimizer.build(variables)
        except (TypeError, ValueError):  # Keras 2 optimizers build lazily on first apply
            pass


def one_hot(keras, labels, classes: int):
    """to_categorical without the dtype argument the original script passed (gone in Keras 3)."""
    return keras.utils.to_categorical(labels, num_classes=classes).astype("float32")


def application(keras, name: str):
    """keras.applications class for a snake_case name: mobilenet_v3_large -> MobileNetV3Large."""
    wanted = name.replace("_", "").replace("-", "").lower()
    for attr in dir(keras.applications):
        if attr[:1].isupper() and attr.lower() == wanted:
            return getattr(keras.applications, attr)
    return None


def application_names(keras) -> list[str]:
    return sorted(a for a in dir(keras.applications) if a[:1].isupper())
