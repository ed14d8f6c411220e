"""Input pipelines from naive to optimised, over generated TFRecord shards with a simulated read latency.

Taught in chapter 03 (input pipelines and I/O). The pipelines themselves (:func:`build_pipeline` and its
``VARIANTS``) are written out in the chapter's ``# @save`` cell and copied into the generated block at the
end of this module; ``python -m mio_utils.bench`` uses them. The rest is plumbing.

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

from . import formats
from .env import cache_dir

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
        formats.write_tfrecord(path, images[part], labels[part])
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


def simulated_read(latency_ms: float, jitter: float = 0.0, log: list | None = None):
    """A function for ``Dataset.map`` that waits like storage would, then returns the records unchanged.

    It accepts one serialized record or a batch of them and sleeps ``latency_ms`` *per record*, so
    reading a batch in one call saves Python overhead but never the latency itself (no cheating).
    The wrapped function is declared ``stateful=False``: it has no state that matters, and under
    ``tf.config.experimental.enable_op_determinism()`` tf.data runs *stateful* map functions one at a
    time, whatever ``num_parallel_calls`` says. ``log``, a list, receives ``(start, end)``
    (``time.perf_counter()`` seconds) of every call, for a timeline. Used in chapter 03 through
    :func:`build_pipeline`.
    """
    record_latency_s(b"", latency_ms, jitter)  # validates the arguments now, not inside a tf.data thread

    def wait(records):
        batch = np.atleast_1d(records)
        started = time.perf_counter()
        time.sleep(sum(record_latency_s(r, latency_ms, jitter) for r in batch))
        if log is not None:
            log.append((started, time.perf_counter()))  # list.append is atomic: safe from many threads
        return records

    def read(records):
        out = tf.numpy_function(wait, [records], tf.string, stateful=False, name="simulated_read")
        out.set_shape(records.shape)
        return out

    return read


# Threads for the pipeline's functions. Waiting for I/O occupies no core, so an I/O-bound pipeline
# wants many more threads than the machine has cores (tf.data's default pool has one per core).
IO_THREADS = 32


def pipeline_stages(files, *, batch_size: int = 64, latency_ms: float = 5.0):
    """The naive pipeline cut after each stage, to time them one by one and find the slow one.

    Returns ``{stage name: (dataset, examples per element)}``: files only, + read, + parse, + batch,
    each run as written (no automatic rewrites). Taught in chapter 03 (finding the bottleneck).
    """
    records = tf.data.TFRecordDataset([str(f) for f in files])
    read = records.map(simulated_read(latency_ms))
    parsed = read.map(formats.parse_image_example)
    stages = {
        "TFRecord files only": (records, 1),
        "+ simulated read": (read, 1),
        "+ parse": (parsed, 1),
        "+ batch": (parsed.batch(batch_size, drop_remainder=True), batch_size),
    }
    return {name: (dataset.with_options(explicit_options()), n) for name, (dataset, n) in stages.items()}


_STAGE_OPS = {"TensorSliceDataset": "file names", "TFRecordDataset": "TFRecords", "RepeatDataset": "repeat",
              "FlatMapDataset": "flat_map", "ParallelInterleaveDatasetV4": "interleave", "MapDataset": "map",
              "ParallelMapDatasetV2": "map", "BatchDatasetV2": "batch", "CacheDatasetV2": "cache",
              "PrefetchDataset": "prefetch"}


def stage_names(dataset) -> list[str]:
    """The stages of a tf.data pipeline, from its source to its output, read from the dataset's graph.

    ``map(read) x4`` is a map of the Python function ``read`` with 4 calls in flight (``xAUTOTUNE``: tf.data
    chooses); the stages a ``flat_map`` or ``interleave`` runs per shard are shown in brackets. Taught in
    chapter 03.
    """
    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(dataset._as_serialized_graph().numpy())  # noqa: SLF001 - inspection only
    functions = {f.signature.name: f for f in graph.library.function}

    def constant(nodes, name):
        node = nodes.get(name.split(":")[0].lstrip("^"))
        if node is None or node.op != "Const":
            return None
        value = int(tf.make_ndarray(node.attr["value"].tensor))
        return "AUTOTUNE" if value == tf.data.AUTOTUNE else str(value)

    def describe(node, nodes):
        label = _STAGE_OPS[node.op]
        function = functions.get(node.attr["f"].func.name) if "f" in node.attr else None
        if function is not None and "read_one_file" in function.signature.name:
            return "TFRecords"  # TFRecordDataset's own flat_map over its file names
        if function is not None and label == "map":
            python_name = function.signature.name.removeprefix("__inference_Dataset_map_").rsplit("_", 1)[0]
            label = f"map({python_name})"
        elif function is not None:  # flat_map, interleave: the stages run per shard
            inner = [n for n in function.node_def if n.op in _STAGE_OPS and n.op != "TensorSliceDataset"]
            inner_nodes = {n.name: n for n in function.node_def}
            label += "[" + " -> ".join(describe(n, inner_nodes) for n in inner) + "]"
        if node.op in ("ParallelMapDatasetV2", "ParallelInterleaveDatasetV4"):
            calls = constant(nodes, node.input[-1])  # num_parallel_calls is the last input
            label += f" x{calls}" if calls else ""
        return label

    nodes = {n.name: n for n in graph.node}
    chain, name = [], next(n for n in graph.node if n.op == "_Retval").input[0]
    while name:
        node = nodes[name.split(":")[0]]
        if node.op in _STAGE_OPS:
            chain.append(describe(node, nodes))
        name = next((i for i in node.input if not i.startswith("^") and nodes[i.split(":")[0]].op != "Const"), None)
    return chain[::-1]


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


# ---- @save from chapters/03_input_pipelines_io.ipynb: generated, edit the chapter and run `make export` ----
def explicit_options(deterministic=True):
    """tf.data options under which a pipeline does exactly what its code says, on ``IO_THREADS`` threads.

    By default tf.data rewrites a pipeline behind your back: it parallelises stateless maps, fuses ``map``
    and ``batch`` into one asynchronous step and adds a final ``prefetch``, any of which would quietly
    speed up the "naive" pipeline. Taught in chapter 03.
    """
    options = tf.data.Options()
    options.experimental_optimization.apply_default_optimizations = False  # no hidden rewrites
    options.threading.private_threadpool_size = IO_THREADS  # waiting for I/O needs threads, not cores
    options.deterministic = deterministic  # parallel stages hand out elements in input order
    return options


def build_pipeline(files, *, batch_size=64, latency_ms=5.0, jitter=0.0, interleave=0, parallel=0,
                   vectorised=False, cache=False, prefetch=False, deterministic=True, repeat=False,
                   read_log=None):
    """A training input pipeline over TFRecord ``files``; each keyword switches on one technique.

    - all off (naive): shards one after another, each record read (with latency), parsed, then batched;
    - ``interleave=S``: read ``S`` shards at once, each still in order;
    - ``parallel=P``: ``P`` reads (and parses) in flight at once in each ``map``;
    - ``vectorised``: batch first, then read and parse a whole batch per call;
    - ``cache``: keep the parsed batches after the first epoch, in memory (``True``) or in a file (a path);
    - ``prefetch``: prepare the next batches while the model trains on this one.

    ``interleave`` and ``parallel`` also accept ``tf.data.AUTOTUNE`` (tf.data then chooses).
    ``deterministic=False`` lets parallel stages hand out whichever element is ready first; ``repeat`` makes
    the stream endless (for benchmarks); ``read_log``, a list, receives ``(start, end)`` of every read.
    Batches hold exactly ``batch_size`` examples. Taught in chapter 03.
    """
    if not files:
        raise ValueError("build_pipeline needs at least one TFRecord file.")
    if batch_size < 1 or (interleave < 0 and interleave != tf.data.AUTOTUNE) or (
            parallel < 0 and parallel != tf.data.AUTOTUNE):
        raise ValueError("need batch_size >= 1, and interleave and parallel >= 0 or tf.data.AUTOTUNE; "
                         f"got {batch_size}, {interleave}, {parallel}.")
    if vectorised:  # each shard is batched on its own, so a shard smaller than a batch would yield nothing
        smallest = min(int(tf.data.TFRecordDataset(f).reduce(0, lambda n, _: n + 1)) for f in files)
        if smallest < batch_size:
            raise ValueError(f"vectorised=True batches each shard separately, but a shard holds only {smallest} "
                             f"records, fewer than batch_size={batch_size}: it would yield no batch (and with "
                             "repeat=True the pipeline could wait forever). Use a smaller batch or larger shards.")
    read = simulated_read(latency_ms, jitter, log=read_log)  # waits like remote storage, per record
    calls = parallel or None  # None: one call at a time

    def read_shard(path):
        records = tf.data.TFRecordDataset(path)
        if vectorised:
            records = records.batch(batch_size, drop_remainder=True)  # then one read per batch
        return records.map(read, num_parallel_calls=calls, use_unbounded_threadpool=True)

    def parse_batch(records):  # one parse_example call for the whole batch
        return formats.parse_image_batch(records, IMAGE_SHAPE)

    def static_shape(images, labels):  # tell Keras the batch shape, which tf.data cannot know here
        return tf.ensure_shape(images, [batch_size, *IMAGE_SHAPE]), labels

    paths = tf.data.Dataset.from_tensor_slices([str(f) for f in files])
    if repeat and not cache:
        paths = paths.repeat()  # an endless list of shards: no pause at the end of an epoch
    if interleave:
        dataset = paths.interleave(read_shard, cycle_length=interleave, num_parallel_calls=interleave)
    else:
        dataset = paths.flat_map(read_shard)  # one shard after another
    if vectorised:
        dataset = dataset.map(parse_batch, num_parallel_calls=calls)
    else:
        dataset = dataset.map(formats.parse_image_example, num_parallel_calls=calls)
        dataset = dataset.batch(batch_size, drop_remainder=True)
    dataset = dataset.map(static_shape)
    if cache:
        dataset = dataset.cache(cache if isinstance(cache, str) else "")  # "": in memory
        if repeat:
            dataset = dataset.repeat()
    if prefetch:
        dataset = dataset.prefetch(tf.data.AUTOTUNE)
    return dataset.with_options(explicit_options(deterministic))


# The table's rows: naive, one technique at a time, then all together (keyword arguments of build_pipeline).
VARIANTS = {
    "naive": dict(),
    "+ prefetch": dict(prefetch=True),
    "+ parallel map": dict(parallel=16),
    "+ interleave": dict(interleave=8),
    "+ vectorised map": dict(vectorised=True),
    "+ cache (from epoch 2)": dict(cache=True),
    # 8 shards at once x 4 batch reads in flight per shard = 32 reads in flight, one per IO_THREADS thread
    "all together": dict(interleave=8, parallel=4, vectorised=True, prefetch=True),
    # what most code online writes: let tf.data choose every degree of parallelism
    "all together, AUTOTUNE": dict(interleave=tf.data.AUTOTUNE, parallel=tf.data.AUTOTUNE, vectorised=True,
                                   prefetch=True),
}
# ---- end @save from chapters/03_input_pipelines_io.ipynb ----
