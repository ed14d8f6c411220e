"""The environment a chapter runs in: online or not, Colab or not, which device, where data is cached.

Taught in chapter 00.
"""
from __future__ import annotations

import logging
import os
import platform
import socket
import sys
import threading
from pathlib import Path

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
    """True inside Google Colab. Taught in chapter 00."""
    return "google.colab" in sys.modules


def repo_root() -> Path | None:
    """The course checkout this package lives in, or None when installed from a wheel (e.g. on Colab)."""
    root = Path(__file__).resolve().parent.parent
    return root if (root / "chapters").is_dir() else None


def cache_dir() -> Path:
    """Where generated and downloaded data is kept: ``$MIO_CACHE_DIR``, else ``data/cache`` in the
    checkout (git-ignored), else ``~/.cache/mio``. Taught in chapter 00."""
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
    chapter trains several models (see ``_DropRetracingWarning``). Returns what it printed, as a dict.
    Taught in chapter 00.
    """
    import keras
    import numpy as np
    import tensorflow as tf

    active = profile()
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
