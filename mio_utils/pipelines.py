"""Input pipelines from naive to optimised, over generated TFRecord shards with a simulated read latency.

Taught in chapter 03 (input pipelines and I/O). ``python -m mio_utils.bench`` uses these pipelines.

Local SSDs are so fast that a laptop never shows why input pipelines matter. Training data usually
lives further away (network file systems, object stores), where every read waits for a round trip.
:func:`simulated_read` adds that wait explicitly: a ``time.sleep`` of ``latency_ms`` per record inside
``tf.numpy_function``. Sleeping releases Python's GIL and occupies no core, exactly like waiting for
I/O, so parallel ``map`` calls and ``interleave`` over shards hide it the way they hide real latency.
"""
from __future__ import annotations

import contextlib
import time
import zlib
from pathlib import Path

import numpy as np
import tensorflow as tf
from tensorflow.python.framework import config  # internal: tf.config has no public "disable"

from .env import cache_dir
from .formats import parse_image_batch, parse_image_example, write_tfrecord

IMAGE_SHAPE = (32, 32, 3)
NUM_CLASSES = 10


# ------------------------------------------------------------------------------------- the shards
def synthetic_images(n: int, seed: int = 0, image_shape=IMAGE_SHAPE):
    """``n`` learnable uint8 images (one smooth colour pattern per class, plus noise) and their labels.

    The labels come out *sorted by class*, as data written from class folders often is: that makes the
    shuffle-buffer lesson of chapter 03 visible. Used in chapter 03 through :func:`write_shards`.
    """
    if n < 1:
        raise ValueError(f"synthetic_images needs n >= 1; got {n}.")
    rng = np.random.default_rng(seed)
    h, w, c = image_shape
    yy, xx = np.meshgrid(np.linspace(0, np.pi, h), np.linspace(0, np.pi, w), indexing="ij")
    patterns = np.stack([
        np.stack([np.sin((k + 1) * xx + ch) * np.cos((k % 3 + 1) * yy) for ch in range(c)], axis=-1)
        for k in range(NUM_CLASSES)
    ])
    labels = np.sort(rng.integers(0, NUM_CLASSES, n))
    noisy = 128 + 80 * patterns[labels] + rng.normal(0, 40, (n, h, w, c))
    return np.clip(noisy, 0, 255).astype(np.uint8), labels.astype(np.int64)


def write_shards(n_shards: int = 8, records_per_shard: int = 256, seed: int = 0, root=None,
                 images=None, labels=None, name: str = "synthetic") -> list[str]:
    """Write ``n_shards`` TFRecord files of image records (once; later calls reuse them).

    The records are :func:`synthetic_images` unless ``images`` and ``labels`` (uint8 ``(n, 32, 32, 3)``,
    e.g. CIFAR-10) are given. Either way they are written in class order across the shards, like a
    dataset converted class by class. Files are ``shard-00000-of-00008.tfrecord`` under
    ``mio.cache_dir()/shards/`` (git-ignored), each written atomically. Returns the paths, in order.
    Taught in chapter 03.
    """
    if n_shards < 1 or records_per_shard < 1:
        raise ValueError(f"need n_shards >= 1 and records_per_shard >= 1; got {n_shards}, {records_per_shard}.")
    n = n_shards * records_per_shard
    folder = Path(root or cache_dir()) / "shards" / f"{name}-{n_shards}x{records_per_shard}-seed{seed}"
    paths = [folder / f"shard-{i:05d}-of-{n_shards:05d}.tfrecord" for i in range(n_shards)]
    if all(p.exists() for p in paths):
        return [str(p) for p in paths]
    if images is None:
        images, labels = synthetic_images(n, seed)
    else:
        images, labels = np.asarray(images), np.asarray(labels)
        wrong_shape = images.shape[1:] != IMAGE_SHAPE or images.dtype != np.uint8
        if wrong_shape or len(images) < n or len(labels) != len(images):
            raise ValueError(f"write_shards needs at least {n} uint8 images shaped {IMAGE_SHAPE} with one label "
                             f"each; got {images.dtype}{list(images.shape)} and {len(labels)} labels.")
        order = np.argsort(labels[:n], kind="stable")
        images, labels = images[:n][order], labels[:n][order]
    for i, path in enumerate(paths):
        part = slice(i * records_per_shard, (i + 1) * records_per_shard)
        write_tfrecord(path, images[part], labels[part])
    return [str(p) for p in paths]


# ------------------------------------------------------------------------------- simulated latency
def record_latency_s(record: bytes, latency_ms: float, jitter: float = 0.0) -> float:
    """Seconds to "read" one record: ``latency_ms``, optionally varied per record.

    With ``jitter > 0`` the latency is ``latency_ms * (1 - jitter + jitter * E)`` with ``E`` exponential
    (mean 1): same mean, a long tail of slow reads, as on a busy network. ``E`` comes from a hash of the
    record, so a record is always equally slow and reruns are repeatable. Used in chapter 03 through
    :func:`build_pipeline`.
    """
    if latency_ms < 0 or not 0 <= jitter <= 1:
        raise ValueError(f"need latency_ms >= 0 and 0 <= jitter <= 1; got {latency_ms}, {jitter}.")
    if jitter == 0:
        return latency_ms / 1000
    u = (zlib.crc32(record) + 0.5) / 2**32
    return latency_ms / 1000 * (1 - jitter + jitter * -np.log(u))


def simulated_read(latency_ms: float, jitter: float = 0.0):
    """A function for ``Dataset.map`` that waits like storage would, then returns the records unchanged.

    It accepts one serialized record or a batch of them and sleeps ``latency_ms`` *per record*, so
    reading a batch in one call saves Python overhead but never the latency itself (no cheating).
    The wrapped function is declared ``stateful=False``: it has no state that matters, and under
    ``tf.config.experimental.enable_op_determinism()`` tf.data runs *stateful* map functions one at a
    time, whatever ``num_parallel_calls`` says. Used in chapter 03 through :func:`build_pipeline`.
    """
    record_latency_s(b"", latency_ms, jitter)  # validates the arguments now, not inside a tf.data thread

    def wait(records):
        batch = np.atleast_1d(records)
        time.sleep(sum(record_latency_s(r, latency_ms, jitter) for r in batch))
        return records

    def read(records):
        out = tf.numpy_function(wait, [records], tf.string, stateful=False, name="simulated_read")
        out.set_shape(records.shape)
        return out

    return read


# ------------------------------------------------------------------------------------ the pipelines
# The table's rows: naive, one optimisation at a time, then all together.
VARIANTS = {
    "naive": dict(),
    "+ prefetch": dict(prefetch=True),
    "+ parallel map": dict(parallel=16),
    "+ interleave": dict(interleave=8),
    "+ vectorised map": dict(vectorised=True),
    "+ cache (from epoch 2)": dict(cache=True),
    "all together": dict(interleave=8, parallel=4, vectorised=True, prefetch=True),
}
# Threads for the pipeline's functions. Waiting for I/O occupies no core, so an I/O-bound pipeline
# wants many more threads than the machine has cores (tf.data's default pool has one per core).
IO_THREADS = 32


def build_pipeline(files, *, batch_size: int = 64, latency_ms: float = 5.0, jitter: float = 0.0,
                   interleave: int = 0, parallel: int = 0, vectorised: bool = False, prefetch: bool = False,
                   cache: bool | str = False, deterministic: bool = True, repeat: bool = False):
    """A training input pipeline over TFRecord ``files``; each keyword switches on one optimisation.

    - naive (all off): shards one after another, each record read (with latency), parsed, then batched.
    - ``parallel=P``: ``P`` reads (and parses) in flight at once (``map(num_parallel_calls=P)``), on an
      unbounded thread pool because waiting on I/O occupies no core.
    - ``interleave=S``: read ``S`` shards at once (``interleave``), each shard still read in order.
    - ``vectorised``: batch first, then read and parse a whole batch per call (``parse_example``).
    - ``cache``: keep parsed batches after the first epoch, in memory (``True``) or in a file (a path).
    - ``prefetch``: prepare the next batches while the model trains on this one.

    ``deterministic=False`` lets parallel stages hand out whichever element is ready first;
    ``repeat`` makes the stream endless (for benchmarks). The pipeline runs on ``IO_THREADS`` threads.
    tf.data's default graph rewrites (which parallelise maps, fuse map and batch into an asynchronous
    op, and inject a prefetch) are switched off, so each variant does only what its keywords say.
    Batches have exactly ``batch_size`` elements. Taught in chapter 03.
    """
    if not files:
        raise ValueError("build_pipeline needs at least one TFRecord file.")
    if batch_size < 1 or interleave < 0 or parallel < 0:
        raise ValueError("need batch_size >= 1, interleave >= 0, parallel >= 0; "
                         f"got {batch_size}, {interleave}, {parallel}.")
    read = simulated_read(latency_ms, jitter)
    calls = parallel or None

    def shard_records(path):
        records = tf.data.TFRecordDataset(path)
        if vectorised:
            records = records.batch(batch_size, drop_remainder=True)
        return records.map(read, num_parallel_calls=calls, deterministic=deterministic if calls else None,
                           use_unbounded_threadpool=bool(calls))

    paths = tf.data.Dataset.from_tensor_slices([str(f) for f in files])
    if repeat and not cache:
        paths = paths.repeat()  # repeat the file list: no pause at epoch boundaries
    if interleave:
        dataset = paths.interleave(shard_records, cycle_length=interleave, num_parallel_calls=interleave,
                                   deterministic=deterministic)
    else:
        dataset = paths.flat_map(shard_records)
    if vectorised:
        dataset = dataset.map(lambda batch: parse_image_batch(batch, IMAGE_SHAPE),
                              num_parallel_calls=calls, deterministic=deterministic if calls else None)
    else:
        dataset = dataset.map(parse_image_example, num_parallel_calls=calls,
                              deterministic=deterministic if calls else None)
        dataset = dataset.batch(batch_size, drop_remainder=True)
    dataset = dataset.map(lambda x, y: (tf.ensure_shape(x, [batch_size, *IMAGE_SHAPE]), y))
    if cache:
        dataset = dataset.cache(cache if isinstance(cache, str) else "")
        if repeat:
            dataset = dataset.repeat()
    if prefetch:
        dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset.with_options(_explicit_options(deterministic))


def _explicit_options(deterministic: bool = True):
    """Options under which a pipeline does exactly what its code says, on ``IO_THREADS`` threads."""
    options = tf.data.Options()
    # No silent rewrites: by default tf.data parallelises stateless maps, fuses map + batch into an
    # asynchronous op and injects a prefetch, any of which would quietly overlap the "naive" pipeline.
    options.experimental_optimization.apply_default_optimizations = False
    options.threading.private_threadpool_size = IO_THREADS
    options.deterministic = deterministic
    return options


def pipeline_stages(files, *, batch_size: int = 64, latency_ms: float = 5.0):
    """The naive pipeline cut after each stage, to time them one by one and find the slow one.

    Returns ``{stage name: (dataset, examples per element)}``: files only, + read, + parse, + batch,
    each run as written (no automatic rewrites). Taught in chapter 03 (finding the bottleneck).
    """
    records = tf.data.TFRecordDataset([str(f) for f in files])
    read = records.map(simulated_read(latency_ms))
    parsed = read.map(parse_image_example)
    stages = {
        "TFRecord files only": (records, 1),
        "+ simulated read": (read, 1),
        "+ parse": (parsed, 1),
        "+ batch": (parsed.batch(batch_size, drop_remainder=True), batch_size),
    }
    return {name: (dataset.with_options(_explicit_options()), n) for name, (dataset, n) in stages.items()}


@contextlib.contextmanager
def op_determinism(enabled: bool):
    """Temporarily switch TensorFlow's op determinism (``mio.setup`` turns it on) on or off.

    While it is on, tf.data ignores ``deterministic=False``; to *measure* what non-determinism buys
    we must turn it off for a moment. TensorFlow only exports the switch-on, so this uses its
    internal counterpart and raises ``RuntimeError`` if that ever disappears. Taught in chapter 03.
    """
    if not hasattr(config, "disable_op_determinism"):
        raise RuntimeError("this TensorFlow cannot switch op determinism off again.")
    before = config.is_op_determinism_enabled()
    (config.enable_op_determinism if enabled else config.disable_op_determinism)()
    try:
        yield
    finally:
        (config.enable_op_determinism if before else config.disable_op_determinism)()
