"""A training job that can be killed at any moment and resumed, and the tools to kill and resume it.

Taught in chapter 04. Run the job as a separate process, so it can really be killed::

    python -m mio_utils.resumable --workdir runs/a --epochs 8                         # atomic checkpoints
    python -m mio_utils.resumable --workdir runs/b --epochs 8 --checkpointer keras    # BackupAndRestore
    python -m mio_utils.resumable --workdir runs/c --epochs 8 --checkpointer both     # both, resumes atomic

Run the same command again after a kill and it continues from the last complete checkpoint. The job
trains the digits classifier of :mod:`mio_utils.training` on the digits training split (a fixed 20%
held out for validation), with seeds, deterministic ops and a data order that depends only on
``(seed, epoch)``, so a resumed run can be compared bit for bit with an uninterrupted one.

It appends one JSON line per event to ``<workdir>/progress.jsonl`` with :func:`mio_utils.jobs.append_event`
(``start``; ``epoch`` after each epoch's checkpoint is on disk; ``end``) and writes ``<workdir>/result.json``
when it finishes.
Two switches make the job SIGKILL *itself* at a chosen moment, so a demonstration never depends on
luck: ``--kill-during-save N`` fires *while* Keras is writing the checkpoint of epoch N (the model holds
an identity layer whose save hook sends the signal), ``--kill-mid-epoch N`` fires halfway through
epoch N. A kill from outside (:meth:`mio_utils.jobs.Job.kill`) can land anywhere.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import sys
from pathlib import Path

import keras
import numpy as np
import tensorflow as tf

from . import jobs
from .data import load
from .files import atomic_write
from .training import AtomicCheckpoint, build_digits_classifier, epoch_batches, restore_latest

PROGRESS = "progress.jsonl"
RESULT = "result.json"
CHECKPOINTS = "checkpoints"  # the atomic checkpoints
BACKUP = "backup"  # BackupAndRestore's folder
CHECKPOINTERS = ("atomic", "keras", "both")
VALIDATION_FRACTION = 0.2


def read_progress(workdir) -> list[dict]:
    """The job's events, oldest first. A last line cut short by a kill is skipped. Taught in chapter 04."""
    return jobs.read_events(Path(workdir) / PROGRESS)


def completed_epochs(workdir) -> list[int]:
    """Epoch numbers (1-based) in the order the job's processes reported them done. Taught in chapter 04."""
    return [e["epoch"] for e in read_progress(workdir) if e["event"] == "epoch"]


def weights_digest(model) -> str:
    """A short SHA-256 of all model weights: equal digests mean bit-identical models. Used in chapter 04
    through :func:`train`."""
    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(keras.ops.convert_to_numpy(weight).tobytes())
    return digest.hexdigest()[:16]


def _digits_split(examples: int | None):
    digits = load("digits")
    x, y = digits.x_train, digits.y_train
    order = np.random.default_rng(0).permutation(len(x))
    n_val = int(round(VALIDATION_FRACTION * len(x)))
    val, train = order[:n_val], order[n_val:]
    if examples is not None:
        train = train[:examples]
    return x[train], y[train], x[val], y[val]


def _build_model(kill_switch, width: int):
    """The digits MLP with an identity layer (the kill switch) between its hidden and output layers."""
    base = build_digits_classifier(kind="mlp", width=width)
    model = keras.Sequential([keras.Input(base.input_shape[1:], name="pixels"), *base.layers[:-1],
                              kill_switch, base.layers[-1]], name="resumable_digits_mlp")
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    return model


def train(workdir, epochs: int = 8, seed: int = 0, checkpointer: str = "atomic",
          kill_during_save: int | None = None, kill_mid_epoch: int | None = None,
          examples: int | None = None, batch_size: int = 32, width: int = 32) -> dict:
    """Train (or resume) the job in ``workdir`` in this process; return what ``result.json`` records.

    ``checkpointer="atomic"`` saves with :class:`mio_utils.training.AtomicCheckpoint` into
    ``<workdir>/checkpoints`` and resumes with ``restore_latest`` + ``initial_epoch``; ``"keras"`` uses
    ``keras.callbacks.BackupAndRestore`` on ``<workdir>/backup``; ``"both"`` writes both (BackupAndRestore
    first) and resumes like ``"atomic"``: it exists to crash both kinds of save at the same moment.
    Taught in chapter 04.
    """
    if checkpointer not in CHECKPOINTERS:
        raise ValueError(f"checkpointer must be one of {CHECKPOINTERS}; got {checkpointer!r}.")
    if epochs < 1:
        raise ValueError(f"epochs must be >= 1; got {epochs}.")
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()
    x_train, y_train, x_val, y_val = _digits_split(examples)

    class KillSwitch(keras.layers.Layer):
        """Identity; while armed, SIGKILLs this process from inside Keras's checkpoint writing."""

        armed = False

        def call(self, inputs):
            return inputs

        def save_own_variables(self, store):
            if self.armed:
                os.kill(os.getpid(), signal.SIGKILL)

    switch = KillSwitch(name="kill_switch")
    model = _build_model(switch, width)

    class Arm(keras.callbacks.Callback):
        """Arms the kill switch before the checkpoint of epoch `kill_during_save` is written, and kills
        the process halfway through epoch `kill_mid_epoch`."""

        epoch = 0

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch + 1

        def on_train_batch_end(self, batch, logs=None):
            if self.epoch == kill_mid_epoch and batch == self.params["steps"] // 2:
                os.kill(os.getpid(), signal.SIGKILL)

        def on_epoch_end(self, epoch, logs=None):
            switch.armed = kill_during_save == epoch + 1

    class Progress(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            jobs.append_event(workdir / PROGRESS, event="epoch", epoch=epoch + 1,
                             val_accuracy=round(float(logs["val_accuracy"]), 6))

    savers = []
    if checkpointer in ("keras", "both"):
        savers.append(keras.callbacks.BackupAndRestore(str(workdir / BACKUP)))
    if checkpointer == "keras":
        first_epoch = None  # BackupAndRestore decides inside fit; the history tells which epochs ran
    else:
        first_epoch = restore_latest(model, workdir / CHECKPOINTS)
        savers.append(AtomicCheckpoint(workdir / CHECKPOINTS))
    jobs.append_event(workdir / PROGRESS, event="start", checkpointer=checkpointer, first_epoch=first_epoch)
    if first_epoch is not None and first_epoch >= epochs:
        history_epochs, val_accuracy = [], None
    else:
        if first_epoch is None:
            fit_args = dict(x=x_train, y=y_train, batch_size=batch_size, shuffle=True)
        else:
            dataset, steps = epoch_batches(x_train, y_train, batch_size, seed, epochs, first_epoch)
            fit_args = dict(x=dataset, steps_per_epoch=steps, initial_epoch=first_epoch, shuffle=False)
        history = model.fit(**fit_args, epochs=epochs, validation_data=(x_val, y_val), verbose=0,
                            callbacks=[Arm(), *savers, Progress()])
        history_epochs = [e + 1 for e in history.epoch]
        val_accuracy = history.history["val_accuracy"][-1]
    if val_accuracy is None:
        val_accuracy = model.evaluate(x_val, y_val, verbose=0)[1]
    result = {
        "epochs_this_run": history_epochs,
        "epochs_completed": epochs,
        "val_accuracy": float(val_accuracy),
        "weights_digest": weights_digest(model),
        "checkpointer": checkpointer,
    }
    jobs.append_event(workdir / PROGRESS, event="end", **result)
    with atomic_write(workdir / RESULT) as temporary:
        temporary.write_text(json.dumps(result, indent=1))
    return result


# ------------------------------------------------------------------------- driving it from outside
def launch(workdir, **options) -> jobs.Job:
    """Start the job in ``workdir`` as a separate Python process and return its :class:`mio_utils.jobs.Job`
    (it runs in the background). Options are :func:`train`'s keyword arguments. Its output goes to
    ``<workdir>/output.log``. Taught in chapter 04.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    args = ["--workdir", workdir]
    for key, value in options.items():
        if value is not None:
            args += [f"--{key.replace('_', '-')}", value]
    return jobs.launch("mio_utils.resumable", *args, log=workdir / "output.log", progress=workdir / PROGRESS,
                       env={"TF_CPP_MIN_LOG_LEVEL": "3"})


def main(argv=None) -> int:
    """The command line: ``python -m mio_utils.resumable --workdir DIR [options]`` runs :func:`train`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workdir", type=Path, required=True)
    parser.add_argument("--epochs", type=int, default=8)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--checkpointer", choices=CHECKPOINTERS, default="atomic")
    parser.add_argument("--kill-during-save", type=int, default=None, metavar="EPOCH")
    parser.add_argument("--kill-mid-epoch", type=int, default=None, metavar="EPOCH")
    parser.add_argument("--examples", type=int, default=None, help="use only this many training examples")
    parser.add_argument("--batch-size", type=int, default=32)
    parser.add_argument("--width", type=int, default=32)
    args = parser.parse_args(argv)
    result = train(args.workdir, args.epochs, args.seed, args.checkpointer, args.kill_during_save,
                   args.kill_mid_epoch, args.examples, args.batch_size, args.width)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
