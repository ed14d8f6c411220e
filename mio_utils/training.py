"""Training helpers: the course's small models, learning-rate curves, crash-safe checkpoints, and the shared
recipe that trains and measures a classifier.

Taught in chapter 04 (training); the model builders are reused from chapter 05 on, and
:func:`fit_and_measure` trains every model of the comparisons in chapters 07 and 08. The model, schedule,
callback, training loop and ``train_step`` override that a chapter writes out are in the generated blocks at
the end of this file, copied from the chapter's ``# @save`` cells: edit the chapter, then run ``make export``.

Checkpoints here are written *atomically*: a checkpoint is saved under a temporary name, flushed to disk,
and only then renamed to its final name with ``os.replace``. A rename is atomic on POSIX and Windows
file systems, so a process killed at any moment leaves either the previous checkpoints or the new one,
never a half-written file under a checkpoint's name. Keras's own ``BackupAndRestore`` (Keras 3.15)
writes straight into ``latest.weights.h5`` and then, separately, a JSON file with the epoch; chapter 04
kills it in the middle of that write to show why this matters.
"""
from __future__ import annotations

import math
import re
import time
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf
from keras import layers

from .files import atomic_write

CHECKPOINT_PATTERN = re.compile(r"^epoch-(\d{4,})\.weights\.h5$")


# ---------------------------------------------------------------------------- learning-rate schedules
def schedule_values(schedule, steps) -> np.ndarray:
    """The learning rate a schedule gives at each optimizer step in ``steps`` (for plotting).

    ``schedule`` is a ``keras.optimizers.schedules.LearningRateSchedule`` or any step -> rate callable.
    Taught in chapter 04.
    """
    return np.array([float(schedule(step)) for step in steps], dtype=np.float64)


# ------------------------------------------------------------------------------ atomic checkpoints
def _build_optimizer(model, caller: str) -> None:
    """Create the optimizer's variables, so a checkpoint always holds (and expects) all of them."""
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        raise ValueError(f"{caller} needs a compiled model (a checkpoint holds the optimizer's state).")
    if not optimizer.built:
        optimizer.build(model.trainable_variables)


def checkpoint_path(directory, epoch: int) -> Path:
    """Where :func:`save_checkpoint` puts the state after ``epoch`` completed epochs. Used in chapter 04
    through :func:`mio_utils.resumable.train`."""
    return Path(directory) / f"epoch-{epoch:04d}.weights.h5"


def save_checkpoint(model, directory, epoch: int, keep: int = 2) -> Path:
    """Save the model's weights *and optimizer state* after ``epoch`` completed epochs, atomically.

    Writes ``.epoch-NNNN.<pid>.tmp.weights.h5``, flushes it to disk, renames it to
    ``epoch-NNNN.weights.h5`` with ``os.replace`` (atomic), then deletes all but the ``keep`` newest
    checkpoints. The epoch is part of the file name, so weights and epoch can never disagree.
    Used in chapter 04 through :func:`mio_utils.resumable.train`.
    """
    if epoch < 1:
        raise ValueError(f"epoch counts completed epochs and must be >= 1; got {epoch}.")
    if keep < 1:
        raise ValueError(f"keep must be >= 1; got {keep}.")
    final = checkpoint_path(directory, epoch)
    _build_optimizer(model, "save_checkpoint")
    with atomic_write(final) as temporary:
        model.save_weights(temporary)  # Keras saves the optimizer's variables with the model's
    for _, old_path in list_checkpoints(directory)[:-keep]:
        old_path.unlink(missing_ok=True)
    return final


def list_checkpoints(directory) -> list[tuple[int, Path]]:
    """Complete checkpoints in ``directory`` as ``(epoch, path)``, oldest first; temporary files are
    ignored. Used in chapter 04 through :func:`mio_utils.resumable.train`."""
    directory = Path(directory)
    if not directory.is_dir():
        return []
    found = []
    for path in directory.iterdir():
        match = CHECKPOINT_PATTERN.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    return sorted(found)


def restore_latest(model, directory) -> int:
    """Load the newest checkpoint in ``directory`` into ``model`` (weights and optimizer state) and
    return its epoch, or return 0 and change nothing when there is none.

    The model must be built and compiled (the optimizer's variables are created here if needed).
    Pass the result to ``model.fit(..., initial_epoch=...)``.
    Used in chapter 04 through :func:`mio_utils.resumable.train`.
    """
    checkpoints = list_checkpoints(directory)
    if not checkpoints:
        return 0
    if not model.built:
        raise ValueError("restore_latest needs a built model: give it a keras.Input or call it on a batch.")
    _build_optimizer(model, "restore_latest")
    epoch, path = checkpoints[-1]
    model.load_weights(path)
    return epoch


class AtomicCheckpoint(keras.callbacks.Callback):
    """A callback that calls :func:`save_checkpoint` into ``directory`` at the end of every epoch (the
    crash-safe counterpart of ``keras.callbacks.BackupAndRestore``). Resume with :func:`restore_latest`.
    Used in chapter 04 through :func:`mio_utils.resumable.train`.
    """

    def __init__(self, directory, keep: int = 2):
        super().__init__()
        self.directory, self.keep = Path(directory), keep

    def on_train_begin(self, logs=None):
        # A process killed while saving leaves its temporary file behind: never a checkpoint, so delete it.
        for stale in self.directory.glob(".epoch-*.tmp.weights.h5"):
            stale.unlink(missing_ok=True)

    def on_epoch_end(self, epoch, logs=None):
        save_checkpoint(self.model, self.directory, epoch + 1, keep=self.keep)


# ------------------------------------------------------------------- data order that survives restarts
def epoch_order(n: int, seed: int, epoch: int) -> np.ndarray:
    """The shuffled order of ``n`` examples in ``epoch``: a function of ``(seed, epoch)`` only.

    A resumed run therefore sees exactly the batches the uninterrupted run saw in that epoch, which is
    what makes "resume loses nothing" checkable to the last bit. Used in chapter 04 through :func:`epoch_batches`.
    """
    return np.random.default_rng([seed, epoch]).permutation(n)


def epoch_batches(x, y, batch_size: int, seed: int, epochs: int, first_epoch: int = 0):
    """A ``tf.data`` pipeline of the batches of epochs ``first_epoch .. epochs-1``, each epoch shuffled
    by :func:`epoch_order`, and the number of steps per epoch.

    Use as ``model.fit(dataset, epochs=epochs, initial_epoch=first_epoch, steps_per_epoch=steps)``.
    Taught in chapter 04.
    """
    x, y = np.asarray(x), np.asarray(y)
    if len(x) != len(y):
        raise ValueError(f"x and y must have the same length; got {len(x)} and {len(y)}.")
    if not 0 <= first_epoch < epochs:
        raise ValueError(f"need 0 <= first_epoch < epochs; got first_epoch={first_epoch}, epochs={epochs}.")
    steps = math.ceil(len(x) / batch_size)
    orders = np.stack([epoch_order(len(x), seed, e) for e in range(first_epoch, epochs)])
    x_t, y_t = tf.constant(x), tf.constant(y)
    dataset = (
        tf.data.Dataset.from_tensor_slices(orders)  # one row of indices per epoch
        .flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch_size))
        .map(lambda idx: (tf.gather(x_t, idx), tf.gather(y_t, idx)))
    )
    return dataset.prefetch(2), steps


# ------------------------------------------------------------------ the shared train-and-measure recipe
class EpochTimer(keras.callbacks.Callback):
    """A callback that records the wall-clock seconds of each epoch in ``seconds``. Taught in chapter 04
    (timing mixed precision). Used in chapters 07 and 08 through :func:`fit_and_measure`."""

    def on_train_begin(self, logs=None):
        self.seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._started = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.seconds.append(time.perf_counter() - self._started)


def fit_and_measure(model, x_train, y_train, x_test, y_test, *, epochs: int, batch_size: int = 100,
                    learning_rate: float = 1e-2, class_weight=None, verbose: int = 0) -> dict:
    """Train a logits classifier with the course's shared recipe and measure it.

    Recipe: Adam, a cosine-decaying learning rate from ``learning_rate`` to 0 over the run, sparse
    categorical cross-entropy from logits, ``batch_size`` 100 (as in the published MNIST-1D runs).
    Every model in a comparison gets the same recipe, so differences come from the architecture.
    Returns ``accuracy`` (on the test set), ``predictions`` (test class indices), ``params``,
    ``seconds_per_epoch`` (the median epoch, robust to a busy machine), ``train_accuracy`` and the Keras
    ``history`` dict. Taught in chapter 07; reused in chapter 08.
    """
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1; got {epochs}.")
    steps = epochs * int(np.ceil(len(x_train) / batch_size))
    schedule = keras.optimizers.schedules.CosineDecay(learning_rate, decay_steps=steps)
    model.compile(optimizer=keras.optimizers.Adam(schedule),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    timer = EpochTimer()
    history = model.fit(x_train, y_train, batch_size=batch_size, epochs=epochs, class_weight=class_weight,
                        callbacks=[timer], verbose=verbose)
    predictions = np.argmax(model.predict(x_test, batch_size=512, verbose=0), axis=-1)
    return {
        "accuracy": float(np.mean(predictions == np.asarray(y_test))),
        "predictions": predictions,
        "train_accuracy": float(history.history["accuracy"][-1]),
        "params": int(model.count_params()),
        "seconds_per_epoch": float(np.median(timer.seconds)),
        "history": history.history,
    }


# ---- @save from chapters/05_evaluation.ipynb: generated, edit the chapter and run `make export` ----
def build_tabular_classifier(x_train, hidden: int = 16, num_classes: int = 2, dropout: float = 0.0):
    """A small classifier for float feature vectors, with standardisation *inside* the model.

    The ``Normalization`` layer learns each feature's mean and variance from ``x_train`` only (fit it
    on the training fold, never on data you will evaluate on). The output has no activation: two
    classes give one logit (``sigmoid`` of it is the probability of class 1; train with
    ``BinaryCrossentropy(from_logits=True)``), more give one logit per class (``softmax``;
    ``SparseCategoricalCrossentropy(from_logits=True)``). ``hidden=0`` is logistic regression.
    Taught in chapter 05.
    """
    x_train = np.asarray(x_train, dtype=np.float32)
    if x_train.ndim != 2:
        raise ValueError(f"x_train must be a matrix shaped (examples, features); got {x_train.shape}.")
    if num_classes < 2:
        raise ValueError(f"num_classes must be at least 2; got {num_classes}.")
    normalize = layers.Normalization(name="standardize")
    normalize.adapt(x_train)
    stack = [keras.Input((x_train.shape[1],), name="features"), normalize]
    if hidden:
        stack.append(layers.Dense(hidden, activation="relu", name="hidden"))
    if dropout:
        stack.append(layers.Dropout(dropout, name="dropout"))
    stack.append(layers.Dense(1 if num_classes == 2 else num_classes, dtype="float32", name="logits"))
    return keras.Sequential(stack, name="tabular_classifier")
# ---- end @save from chapters/05_evaluation.ipynb ----


# ---- @save from chapters/04_training.ipynb: generated, edit the chapter and run `make export` ----
def build_digits_classifier(
    input_shape=(8, 8, 1),
    num_classes: int = 10,
    kind: str = "cnn",
    width: int = 32,
    dropout: float = 0.0,
    l2: float = 0.0,
    augment: bool = False,
    name: str | None = None,
):
    """A small image classifier that takes raw ``uint8`` pixels (0-255) and outputs class logits.

    Preprocessing lives *inside* the model (``Rescaling(1/255)``), so a saved model needs no separate
    preprocessing code; augmentation layers (``augment=True``) are active only while training.
    ``kind="mlp"``: one hidden layer of ``4 * width`` units; ``kind="cnn"``: two 3x3 convolutions of
    ``width`` filters, max pooling and a dense layer of ``2 * width`` units. ``l2`` adds a weight
    penalty to every kernel, ``dropout`` a dropout layer before the output. The output layer has no
    activation: train with ``SparseCategoricalCrossentropy(from_logits=True)`` (numerically stable, as
    chapter 01 shows) and apply ``keras.ops.softmax`` where probabilities are needed. It computes in
    float32 even under a mixed-precision policy. Every layer has a fixed name, so checkpoints written by
    one process load in another. Taught in chapter 04.
    """
    if kind not in ("mlp", "cnn"):
        raise ValueError(f"kind must be 'mlp' or 'cnn'; got {kind!r}.")
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (height, width, channels); got {input_shape!r}.")
    if not 0 <= dropout < 1:
        raise ValueError(f"dropout is a probability in [0, 1); got {dropout!r}.")
    regularizer = keras.regularizers.L2(l2) if l2 else None
    stack = [keras.Input(input_shape, name="pixels"), layers.Rescaling(1 / 255, name="scale_0_1")]
    if augment:
        # About one pixel of shift and a few degrees of rotation: still the same digit.
        stack += [
            layers.RandomTranslation(0.12, 0.12, fill_mode="constant", name="augment_shift"),
            layers.RandomRotation(0.03, fill_mode="constant", name="augment_rotate"),
        ]
    if kind == "cnn":
        stack += [
            layers.Conv2D(width, 3, padding="same", activation="relu", kernel_regularizer=regularizer,
                          name="conv_1"),
            layers.Conv2D(width, 3, padding="same", activation="relu", kernel_regularizer=regularizer,
                          name="conv_2"),
            layers.MaxPooling2D(name="pool"),
            layers.Flatten(name="flatten"),
            layers.Dense(2 * width, activation="relu", kernel_regularizer=regularizer, name="hidden"),
        ]
    else:
        stack += [
            layers.Flatten(name="flatten"),
            layers.Dense(4 * width, activation="relu", kernel_regularizer=regularizer, name="hidden"),
        ]
    if dropout:
        stack.append(layers.Dropout(dropout, name="dropout"))
    stack.append(layers.Dense(num_classes, kernel_regularizer=regularizer, dtype="float32", name="logits"))
    return keras.Sequential(stack, name=name or f"digits_{kind}")


def step_decay(initial: float, factor: float = 0.5, every: int = 10):
    """An epoch -> learning-rate function for ``keras.callbacks.LearningRateScheduler``:
    ``initial * factor ** (epoch // every)``, i.e. the rate drops by ``factor`` every ``every`` epochs.

    Taught in chapter 04.
    """
    if initial <= 0 or not 0 < factor <= 1 or every < 1:
        raise ValueError(f"need initial > 0, 0 < factor <= 1, every >= 1; got {initial}, {factor}, {every}.")

    def schedule(epoch, lr=None):
        return float(initial * factor ** (epoch // every))

    return schedule


class LearningRateLogger(keras.callbacks.Callback):
    """A callback that records the optimizer's learning rate at the end of each epoch into the logs.

    With it, ``history.history["lr"]`` holds the rate every schedule actually used, whether it comes
    from a ``LearningRateSchedule``, ``LearningRateScheduler`` or ``ReduceLROnPlateau``.
    Taught in chapter 04.
    """

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["lr"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))


def custom_fit(model, optimizer, loss_fn, train_batches, steps_per_epoch, validation, epochs):
    """Train ``model`` like ``fit``, with a hand-written loop; return a list of per-epoch logs (dicts).

    ``train_batches`` yields the ``(x, y)`` batches of all epochs in order, ``steps_per_epoch`` per epoch (as
    :func:`epoch_batches` makes them); ``validation`` is a dataset of ``(x, y)`` batches, run after each epoch.
    Taught in chapter 04.
    """
    metrics = {name: keras.metrics.Mean(name) for name in ("loss", "val_loss")}
    metrics.update({name: keras.metrics.SparseCategoricalAccuracy(name) for name in ("accuracy", "val_accuracy")})

    @tf.function
    def train_step(x, y):
        with tf.GradientTape() as tape:
            logits = model(x, training=True)
            loss = loss_fn(y, logits) + sum(model.losses)
        gradients = tape.gradient(loss, model.trainable_variables)
        optimizer.apply_gradients(zip(gradients, model.trainable_variables))
        metrics["loss"].update_state(loss, sample_weight=tf.shape(x)[0])
        metrics["accuracy"].update_state(y, logits)

    @tf.function
    def val_step(x, y):
        logits = model(x, training=False)  # no tape: nothing here is differentiated
        metrics["val_loss"].update_state(loss_fn(y, logits), sample_weight=tf.shape(x)[0])
        metrics["val_accuracy"].update_state(y, logits)

    batches = iter(train_batches)
    logs = []
    for _ in range(epochs):
        for metric in metrics.values():
            metric.reset_state()
        for _ in range(steps_per_epoch):
            train_step(*next(batches))
        for x, y in validation:
            val_step(x, y)
        logs.append({name: float(metric.result()) for name, metric in metrics.items()})
    return logs


class GradientNormModel(keras.Model):
    """A Keras model whose ``fit`` also reports ``gradient_norm``: the global norm of the gradients (before any
    clipping), averaged over each epoch's steps. Wrap a built model: ``GradientNormModel(model.inputs,
    model.outputs)``. Taught in chapter 04.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gradient_norm = keras.metrics.Mean(name="gradient_norm")

    def train_step(self, data):
        x, y = data
        with tf.GradientTape() as tape:
            logits = self(x, training=True)
            loss = self.compute_loss(x=x, y=y, y_pred=logits)  # the compiled loss plus any L2 penalties
        gradients = tape.gradient(loss, self.trainable_variables)
        self.optimizer.apply(gradients, self.trainable_variables)
        self.gradient_norm.update_state(tf.linalg.global_norm(gradients))
        for metric in self.metrics:  # the loss tracker, the compiled metrics, and gradient_norm
            if metric.name == "loss":
                metric.update_state(loss, sample_weight=tf.shape(x)[0])
            elif metric.name != "gradient_norm":
                metric.update_state(y, logits)
        return {metric.name: metric.result() for metric in self.metrics}

    def test_step(self, data):
        logs = super().test_step(data)
        logs.pop("gradient_norm", None)  # validation computes no gradients
        return logs
# ---- end @save from chapters/04_training.ipynb ----
