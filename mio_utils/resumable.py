"""A training job that can be killed at any moment and resumed, and the tools to kill and resume it.

Taught in chapter 04. Run the job as a separate process, so it can really be killed::

    python -m mio_utils.resumable --workdir runs/a --epochs 8                         # atomic checkpoints
    python -m mio_utils.resumable --workdir runs/b --epochs 8 --checkpointer keras    # BackupAndRestore
    python -m mio_utils.resumable --workdir runs/c --epochs 8 --checkpointer both     # both, resumes atomic

Run the same command again after a kill and it continues from the last complete checkpoint. The job
trains the digits classifier of :mod:`mio_utils.training` on the digits training split (a fixed 20%
held out for validation), with seeds, deterministic ops and a data order that depends only on
``(seed, epoch)``, so a resumed run can be compared bit for bit with an uninterrupted one.

It appends one JSON line per event to ``<workdir>/progress.jsonl`` (``start``; ``epoch`` after each
epoch's checkpoint is on disk; ``end``) and writes ``<workdir>/result.json`` when it finishes.
Two switches make the job SIGKILL *itself* at a chosen moment, so a demonstration never depends on
luck: ``--kill-during-save N`` fires *while* Keras is writing the checkpoint of epoch N (the model holds
an identity layer whose save hook sends the signal), ``--kill-mid-epoch N`` fires halfway through
epoch N. A kill from outside (:func:`kill`) can land anywhere.
"""
from __future__ import annotations

import argparse
import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from .training import atomic_checkpoint, build_digits_classifier, epoch_batches, restore_latest

PROGRESS = "progress.jsonl"
RESULT = "result.json"
CHECKPOINTS = "checkpoints"  # the atomic checkpoints
BACKUP = "backup"  # BackupAndRestore's folder
CHECKPOINTERS = ("atomic", "keras", "both")
VALIDATION_FRACTION = 0.2


def _append_progress(workdir: Path, **event) -> None:
    """One JSON line per event, flushed to disk before the job goes on."""
    event = {"pid": os.getpid(), "time": round(time.time(), 3), **event}
    with open(workdir / PROGRESS, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(event) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_progress(workdir) -> list[dict]:
    """The job's events, oldest first. A last line cut short by a kill is skipped. Taught in chapter 04."""
    path = Path(workdir) / PROGRESS
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


def completed_epochs(workdir) -> list[int]:
    """Epoch numbers (1-based) in the order the job's processes reported them done. Taught in chapter 04."""
    return [e["epoch"] for e in read_progress(workdir) if e["event"] == "epoch"]


def weights_digest(model) -> str:
    """A short SHA-256 of all model weights: equal digests mean bit-identical models."""
    import keras

    digest = hashlib.sha256()
    for weight in model.weights:
        digest.update(keras.ops.convert_to_numpy(weight).tobytes())
    return digest.hexdigest()[:16]


def _digits_split(examples: int | None):
    import numpy as np

    from .data import load

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
    import keras

    base = build_digits_classifier(kind="mlp", width=width)
    model = keras.Sequential([keras.Input(base.input_shape[1:], name="pixels"), *base.layers[:-1],
                              kill_switch, base.layers[-1]], name="resumable_digits_mlp")
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def train(workdir, epochs: int = 8, seed: int = 0, checkpointer: str = "atomic",
          kill_during_save: int | None = None, kill_mid_epoch: int | None = None,
          examples: int | None = None, batch_size: int = 32, width: int = 32) -> dict:
    """Train (or resume) the job in ``workdir`` in this process; return what ``result.json`` records.

    ``checkpointer="atomic"`` saves with :func:`mio_utils.training.atomic_checkpoint` into
    ``<workdir>/checkpoints`` and resumes with ``restore_latest`` + ``initial_epoch``; ``"keras"`` uses
    ``keras.callbacks.BackupAndRestore`` on ``<workdir>/backup``; ``"both"`` writes both (BackupAndRestore
    first) and resumes like ``"atomic"``: it exists to crash both kinds of save at the same moment.
    Taught in chapter 04.
    """
    import keras
    import tensorflow as tf

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
            _append_progress(workdir, event="epoch", epoch=epoch + 1,
                             val_accuracy=round(float(logs["val_accuracy"]), 6))

    savers = []
    if checkpointer in ("keras", "both"):
        savers.append(keras.callbacks.BackupAndRestore(str(workdir / BACKUP)))
    if checkpointer == "keras":
        first_epoch = None  # BackupAndRestore decides inside fit; the history tells which epochs ran
    else:
        first_epoch = restore_latest(model, workdir / CHECKPOINTS)
        savers.append(atomic_checkpoint(workdir / CHECKPOINTS))
    _append_progress(workdir, event="start", checkpointer=checkpointer, first_epoch=first_epoch)
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
    _append_progress(workdir, event="end", **result)
    temporary = workdir / f".{RESULT}.tmp"
    temporary.write_text(json.dumps(result, indent=1))
    os.replace(temporary, workdir / RESULT)
    return result


# ------------------------------------------------------------------------- driving it from outside
def launch(workdir, **options) -> subprocess.Popen:
    """Start the job in ``workdir`` as a separate Python process and return it (it runs in the
    background). Options are :func:`train`'s keyword arguments. Its stderr goes to
    ``<workdir>/stderr.log``. Taught in chapter 04.
    """
    workdir = Path(workdir)
    workdir.mkdir(parents=True, exist_ok=True)
    command = [sys.executable, "-m", "mio_utils.resumable", "--workdir", str(workdir)]
    for key, value in options.items():
        if value is not None:
            command += [f"--{key.replace('_', '-')}", str(value)]
    package_parent = str(Path(__file__).resolve().parent.parent)
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3",
           "PYTHONPATH": os.pathsep.join(filter(None, [package_parent, os.environ.get("PYTHONPATH")]))}
    stderr = open(workdir / "stderr.log", "ab")
    try:
        return subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=stderr, env=env)
    finally:
        stderr.close()  # the child has its own copy of the file descriptor


def _stderr_tail(workdir, lines: int = 15) -> str:
    path = Path(workdir) / "stderr.log"
    if not path.exists():
        return ""
    return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])


def wait_for_epoch(process: subprocess.Popen, workdir, epoch: int, timeout: float = 120.0) -> float:
    """Wait until the job in ``workdir`` reports ``epoch`` completed epochs (checkpoint on disk);
    return the seconds waited. Raises ``TimeoutError``, or ``RuntimeError`` with the job's stderr if it
    exits first. Taught in chapter 04.
    """
    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        done = completed_epochs(workdir)
        if done and max(done) >= epoch:
            return time.perf_counter() - started
        if process.poll() is not None:
            raise RuntimeError(f"the job exited with code {process.returncode} before epoch {epoch}:\n"
                               f"{_stderr_tail(workdir)}")
        time.sleep(0.02)
    raise TimeoutError(f"the job did not finish epoch {epoch} within {timeout:.0f} s")


def kill(process: subprocess.Popen) -> int:
    """SIGKILL the process (no clean-up handlers run, exactly like a crash or an out-of-memory kill)
    and return its exit code, ``-9`` on POSIX. Taught in chapter 04."""
    if process.poll() is not None:
        raise RuntimeError(f"the process already exited with code {process.returncode}; nothing to kill.")
    process.send_signal(signal.SIGKILL)
    return process.wait()


def finish(process: subprocess.Popen, workdir, timeout: float = 300.0) -> dict:
    """Wait for the job to end and return its ``result.json``; raise ``RuntimeError`` with its stderr
    if it failed. Taught in chapter 04."""
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        process.kill()
        raise TimeoutError(f"the job did not finish within {timeout:.0f} s") from None
    if code != 0:
        raise RuntimeError(f"the job exited with code {code}:\n{_stderr_tail(workdir)}")
    return json.loads((Path(workdir) / RESULT).read_text())


def main(argv=None) -> int:
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
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
    result = train(args.workdir, args.epochs, args.seed, args.checkpointer, args.kill_during_save,
                   args.kill_mid_epoch, args.examples, args.batch_size, args.width)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
