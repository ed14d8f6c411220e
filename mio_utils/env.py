"""The environment a chapter runs in: online or not, Colab or not, which device, where data is cached.

Taught in chapter 00.
"""
from __future__ import annotations

import logging
import os
import platform
import re
import socket
import sys
import threading
import warnings
from importlib import metadata
from pathlib import Path

from . import dryrun
from .profiles import profile

OFFLINE_ENV_VAR = "MIO_OFFLINE"
# TFDS and Keras download from Google Cloud Storage; reaching it is what "online" has to mean here.
PROBE_HOST = ("storage.googleapis.com", 443)

_online_cache: bool | None = None


def _probe(host: tuple[str, int], timeout: float) -> bool:
    try:
        with socket.create_connection(host, timeout=timeout):
            return True
    except OSError:
        return False


def is_online(timeout: float = 2.0, refresh: bool = False) -> bool:
    """True when dataset and weight downloads can work; answers within ``timeout`` seconds.

    ``MIO_OFFLINE=1`` forces False (the course's offline switch, used by tests). The DNS lookup
    cannot be given a timeout, so the probe runs in a thread that we stop waiting for.
    Taught in chapter 00.
    """
    global _online_cache
    if dryrun.active():
        return True  # downloads are served by tfds.testing.mock_data
    if os.environ.get(OFFLINE_ENV_VAR, "").strip() not in ("", "0"):
        return False
    if _online_cache is not None and not refresh:
        return _online_cache
    result: list[bool] = []
    worker = threading.Thread(target=lambda: result.append(_probe(PROBE_HOST, timeout)), daemon=True)
    worker.start()
    worker.join(timeout)
    _online_cache = bool(result and result[0])
    return _online_cache


def is_colab() -> bool:
    """True inside Google Colab. Used by every chapter through :func:`setup`."""
    return "google.colab" in sys.modules


def repo_root() -> Path | None:
    """The course checkout this package lives in, or None when installed from a wheel (e.g. on Colab)."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "chapters").is_dir() else None


def cache_dir() -> Path:
    """Where generated and downloaded data is kept: ``$MIO_CACHE_DIR``, else ``data/cache`` in the
    checkout (git-ignored), else ``~/.cache/mio``. Taught in chapter 03; every chapter's generated data
    is kept there."""
    if os.environ.get("MIO_CACHE_DIR"):
        path = Path(os.environ["MIO_CACHE_DIR"])
    elif repo_root() is not None:
        path = repo_root() / "data" / "cache"
    else:
        path = Path.home() / ".cache" / "mio"
    path.mkdir(parents=True, exist_ok=True)
    return path


def devices() -> list[str]:
    """Human-readable accelerator names, e.g. ``['GPU:0 (NVIDIA T4)']``; empty on a CPU-only machine."""
    import tensorflow as tf

    names = []
    for i, gpu in enumerate(tf.config.list_physical_devices("GPU")):
        details = tf.config.experimental.get_device_details(gpu)
        names.append(f"GPU:{i} ({details.get('device_name', 'unknown')})")
    return names


# The lower bounds of requirements.txt for what the chapters import (tests/test_versions.py keeps them equal).
MINIMUM_VERSIONS = {
    "tensorflow": "2.19",
    "keras": "3.10",
    "tensorflow-datasets": "4.9.7",
    "numpy": "1.26",
    "pandas": "2.2",
    "scikit-learn": "1.5",
    "scipy": "1.13",
    "matplotlib": "3.9",
}


def _release(version: str) -> tuple[int, ...]:
    """``"2.19.0rc1"`` -> ``(2, 19, 0)``: the leading numeric release, enough to compare with a minimum."""
    return tuple(int(part) for part in re.findall(r"\d+", version.split("+")[0])[:3])


def check_versions(installed=None) -> None:
    """Raise RuntimeError, one line per package, if an installed package is older than the course supports.

    ``installed`` maps a distribution name to its version (``importlib.metadata.version``).
    Used by every chapter (its setup cell calls :func:`setup`).
    """
    installed = installed or metadata.version
    problems = []
    for name, minimum in MINIMUM_VERSIONS.items():
        try:
            version = installed(name)
        except metadata.PackageNotFoundError:
            continue  # its import fails first, with Python's own clear message
        if _release(version) < _release(minimum):
            problems.append(
                f"{name} {version} is older than this course supports (>= {minimum}): run "
                f'`pip install -U "{name}>={minimum}"` and restart the kernel '
                "(on Colab: Runtime > Restart session)."
            )
    if problems:
        raise RuntimeError("\n".join(problems))


STRICT_WARNINGS_ENV_VAR = "MIO_STRICT_WARNINGS"  # set by the tests (conftest.py), never by a learner
SEED_ENV_VAR = "MIO_SEED"  # a seed for a whole run: MIO_SEED=1 make course PROFILE=smoke


def _deprecations_are_errors() -> None:
    """Tests only: a deprecation raised by a notebook cell's call or by mio_utils is an error, so an
    upgrade's breakage shows up in CI before it reaches a learner."""
    warnings.filterwarnings("error", category=DeprecationWarning, module=r"__main__|mio_utils")


class _DropRetracingWarning(logging.Filter):
    """Keras builds a new ``tf.function`` for every model it fits or predicts with, so a chapter that
    trains several models in a loop trips TensorFlow's "triggered tf.function retracing" warning although
    nothing is retraced by mistake. This filter drops that one message and nothing else."""

    def filter(self, record: logging.LogRecord) -> bool:
        return "triggered tf.function retracing" not in record.getMessage()


def setup(seed: int = 42, deterministic: bool | None = None, quiet: bool = False) -> dict:
    """Start a chapter: seed Python, NumPy and TensorFlow, make ops deterministic, print the environment.

    ``deterministic`` defaults to True except in the ``gpu`` profile, where deterministic kernels cost
    speed. Determinism means bit-identical results on the same machine and thread count, not across
    machines. It also silences TensorFlow's "triggered tf.function retracing" warning, a false alarm when a
    chapter trains several models (see ``_DropRetracingWarning``). It first stops, with a one-line fix, if
    a package is older than the course supports (:func:`check_versions`). Under the tests
    (``MIO_STRICT_WARNINGS=1``) a deprecation raised by a cell or by mio_utils is an error; with
    ``MIO_GPU_DRYRUN=1`` it enters :mod:`mio_utils.dryrun`. ``MIO_SEED=<int>`` replaces ``seed`` (chapters
    use the returned ``info["seed"]`` for their data splits and models, so ``MIO_SEED=1 make course`` checks
    that a result is not one lucky seed). Returns what it printed, as a dict.
    Taught in chapter 00.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    check_versions()
    if os.environ.get(SEED_ENV_VAR, "").strip():
        seed = int(os.environ[SEED_ENV_VAR])
    active = profile()
    if os.environ.get(STRICT_WARNINGS_ENV_VAR, "").strip() not in ("", "0"):
        _deprecations_are_errors()
    if dryrun.active():
        dryrun.start()
    if deterministic is None:
        deterministic = active != "gpu"
    keras.utils.set_random_seed(seed)
    tf_logger = tf.get_logger()
    if not any(isinstance(f, _DropRetracingWarning) for f in tf_logger.filters):
        tf_logger.addFilter(_DropRetracingWarning())
    if deterministic:
        tf.config.experimental.enable_op_determinism()
    gpus = devices()
    info = {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "keras_backend": keras.backend.backend(),
        "numpy": np.__version__,
        "device": ", ".join(gpus) if gpus else f"CPU only ({os.cpu_count()} cores)",
        "profile": active,
        "online": is_online(),
        "colab": is_colab(),
        "seed": seed,
        "deterministic": deterministic,
    }
    if not quiet:
        width = max(map(len, info))
        for key, value in info.items():
            print(f"{key:<{width}} : {value}")
        if active == "gpu" and not gpus:
            print("note: the gpu profile is selected but no GPU is visible; training will be slow.")
    return info
