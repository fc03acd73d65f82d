"""The classic protocol: the original M1 TensorFlow benchmark, reproduced on Keras 2 and 3.

Depths 5, 10, 15, 20; Flatten, depth x Dense(1024, relu), Dense(10, sigmoid); SGD,
categorical cross-entropy; model.fit for 3 epochs over 50,000 samples at batch 32. It records
both the original's figure (wall time from model build through 3 epochs: `wall_s`) and the
steady-state throughput of the epochs after the first (`samples_per_s`), with the first
epoch's extra cost (tracing) and the build in `compile_s`.
CIFAR-10 is used when Keras' cache already holds it; nothing is downloaded.
"""

from __future__ import annotations

import math
import pickle
import statistics
import time
from pathlib import Path

import numpy as np

from collect.contract.record import EPOCH_SAMPLES
from collect.measure.outcome import Outcome, Settings, Stats
from collect.measure.suites import MLP_DEPTHS, Config, mlp_name

EPOCHS = 3
BATCH = 32
CIFAR_DIR = Path.home() / ".keras" / "datasets" / "cifar-10-batches-py"


def classic_configs() -> list[Config]:
    return [Config("mlp", mlp_name(depth), "train", "fp32", BATCH, protocol="classic") for depth in MLP_DEPTHS]


def load_cifar10(folder: Path = CIFAR_DIR):
    """(images float32 in [0, 1] NHWC, labels) from the python pickles if present, else None."""
    files = [folder / f"data_batch_{i}" for i in range(1, 6)]
    if not all(f.is_file() for f in files):
        return None
    images, labels = [], []
    for f in files:
        with open(f, "rb") as fh:
            batch = pickle.load(fh, encoding="bytes")
        images.append(np.asarray(batch[b"data"], dtype=np.uint8).reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1))
        labels.extend(batch[b"labels"])
    return np.concatenate(images).astype("float32") / 255.0, np.asarray(labels)


def data(samples: int, folder: Path = CIFAR_DIR):
    cifar = load_cifar10(folder)
    if cifar is not None:
        return cifar[0][:samples], cifar[1][:samples], "cifar10"
    rng = np.random.default_rng(0)
    return rng.random((samples, 32, 32, 3), dtype=np.float32), rng.integers(0, 10, samples), "synthetic"


def classic_outcome(build_s: float, epoch_s: list[float], samples: int, batch: int, flops: float,
                    dataset: str = "synthetic") -> Outcome:
    """The row from the build time and each epoch's time (pure: tested on its own)."""
    steady = epoch_s[1:] or epoch_s
    per_epoch = statistics.median(steady)
    steps_per_epoch = math.ceil(samples / batch)
    wall = build_s + sum(epoch_s)
    stats = Stats(samples_per_s=samples / per_epoch, step_ms_median=per_epoch / steps_per_epoch * 1e3,
                  step_ms_p10=min(steady) / steps_per_epoch * 1e3, step_ms_p90=max(steady) / steps_per_epoch * 1e3,
                  step_ms_p99="", steps=steps_per_epoch * len(steady),
                  warmup_steps=steps_per_epoch * (len(epoch_s) - len(steady)),
                  compile_s=max(build_s + epoch_s[0] - per_epoch, 0.0))
    note = (f"classic protocol: model.fit {len(epoch_s)} epochs of {samples:,} at batch {batch}, sigmoid output; "
            f"wall_s {wall:.1f} s is the original benchmark's figure (build + all epochs); "
            "samples_per_s is the median of the epochs after the first")
    return Outcome(stats, flops, "tf_function", Settings(xla="off"), wall_s=wall, dataset=dataset, notes=(note,))


def run_classic(adapter, config: Config, samples: int = EPOCH_SAMPLES, epochs: int = EPOCHS,
                folder: Path = CIFAR_DIR) -> Outcome:
    import tensorflow as tf  # this module is imported by the command line (classic_configs): TF only when run
    from tensorflow import keras

    from collect.frameworks.tensorflow import keras_compat as kc
    from collect.frameworks.tensorflow.device import make_sync
    from collect.frameworks.tensorflow.models import build_model, mode_flops

    x, labels, dataset = data(samples, folder)
    y = kc.one_hot(keras, labels, 10)
    sync = make_sync(tf, [])
    epoch_s: list[float] = []

    class EpochTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            sync()  # fit's logs are already host values; sync anyway before reading the clock
            epoch_s.append(time.perf_counter() - self.start)

    with tf.device(adapter.device):
        start = time.perf_counter()
        model = build_model(config.model, classic=True)
        model.compile(optimizer="SGD", loss="categorical_crossentropy", metrics=["accuracy"])
        build_s = time.perf_counter() - start
        model.fit(x, y, epochs=epochs, batch_size=config.batch_size, verbose=0, callbacks=[EpochTimer()])
    return classic_outcome(build_s, epoch_s, samples, config.batch_size, mode_flops(config.model, "train"), dataset)
