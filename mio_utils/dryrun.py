"""gpu-dryrun: walk a chapter down the gpu profile's code path on a CPU, in seconds. A test mode.

With ``MIO_GPU_DRYRUN=1`` (and ``MIO_PROFILE=gpu``), :func:`mio_utils.setup` calls :func:`start`:
:func:`mio_utils.is_online` answers True, and TFDS datasets come from ``tfds.testing.mock_data``: the
real feature specs (28x28x1 MNIST, 32x32x3 CIFAR-10, IMDB strings) with random values and few examples,
instead of downloads. ``profile_config`` keeps the gpu profile's choices (datasets, shapes, model sizes,
mixed precision) but takes the smoke profile's amounts of work and quality bars (:func:`scale`), so a
shape, dtype or API error on the path every Colab badge advertises fails CI, not a learner.
"""
from __future__ import annotations

import os
import re

ENV_VAR = "MIO_GPU_DRYRUN"
MOCK_EXAMPLES = 256  # per split: enough for chapter 03's smoke-sized shards (8 x 32 records)
# Settings that say how much work to do, not which code runs: they take the smoke profile's value.
# batch_size too: smoke's data is cut to fit smoke's batches (chapter 03's 32-record shards cannot fill
# the gpu profile's batches of 64, and a vectorised read of such a shard yields nothing, forever).
_WORK_KEYS = re.compile(r"epochs|steps|trials|examples|train|test|chars|seeds|members|folds|patience"
                        r"|shards|per_shard|pairs|latency|batch_size|^n_|^check_")
# The gpu profile's widest language models cost seconds per thousand characters on a CPU: fewer still.
MAX_CHARS = 2_000
# Quality bars (min_accuracy, max_perplexity...): mock data is random, so no bar can be met; they are lifted.
_BAR = re.compile(r"^(min|max)_")

_mock = None


def active() -> bool:
    """True when ``MIO_GPU_DRYRUN`` is set to something other than 0."""
    return os.environ.get(ENV_VAR, "").strip() not in ("", "0")


def start(num_examples: int = MOCK_EXAMPLES) -> None:
    """Serve every ``tfds.load`` in this process from ``tfds.testing.mock_data``, once."""
    global _mock
    if _mock is not None:
        return
    import tensorflow_datasets as tfds

    _mock = tfds.testing.mock_data(num_examples=num_examples)
    _mock.__enter__()  # kept open for the life of the kernel


def _lifted(key: str, value):
    """The bar ``key`` lifted: -inf for a minimum, +inf for a maximum (per entry of a per-dataset dict)."""
    if isinstance(value, dict):
        return {name: _lifted(key, entry) for name, entry in value.items()}
    return float("-inf") if key.startswith("min_") else float("inf")


def scale(chosen: dict, smoke: dict) -> dict:
    """``chosen`` (the gpu settings) with smoke's amounts of work and every quality bar smoke sets lifted."""
    scaled = dict(chosen)
    for key, value in smoke.items():
        if _BAR.match(key):
            scaled[key] = _lifted(key, chosen.get(key, value))
        elif _WORK_KEYS.search(key):
            scaled[key] = min(value, MAX_CHARS) if "chars" in key and isinstance(value, int) else value
    return scaled
