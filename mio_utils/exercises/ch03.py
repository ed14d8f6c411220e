"""Checkers for chapter 03 · Input pipelines and I/O."""
import functools

import numpy as np

from . import Mismatch, as_array, call, exercise

SOLUTION = "ch03_input_pipelines_io.py"


def _library_hit_rate(accesses, capacity):
    """The hit rate of Python's own LRU cache (functools.lru_cache) on the same accesses."""
    @functools.lru_cache(maxsize=capacity)
    def read(key):
        return key

    for key in accesses:
        read(key)
    return read.cache_info().hits / len(accesses) if accesses else 0.0


def _fifo_hit_rate(accesses, capacity):
    cache, hits = [], 0
    for key in accesses:
        if key in cache:
            hits += 1
        else:
            cache.append(key)
            if len(cache) > capacity:
                cache.pop(0)
    return hits / len(accesses)


@exercise("ch03.lru_hit_rate", SOLUTION,
          hint="keep keys in a collections.OrderedDict; on a hit move_to_end(key); on a miss insert, and if "
               "there are more than `capacity` keys, popitem(last=False) evicts the least recently used.")
def check_lru_hit_rate(lru_hit_rate):
    cases = [
        ([1, 2, 1, 3, 1, 2], 2, "accesses [1, 2, 1, 3, 1, 2] with capacity 2"),
        ([0, 1, 2, 3] * 3, 3, "three sequential epochs over 4 items with capacity 3"),
        ([0, 1, 2, 3] * 3, 4, "three sequential epochs over 4 items with capacity 4"),
        ([5, 5, 5], 0, "capacity 0"),
    ]
    for accesses, capacity, name in cases:
        value = as_array(call(lru_hit_rate, list(accesses), capacity), f"the hit rate for {name}")
        expected = _library_hit_rate(accesses, capacity)
        if value.shape != ():
            raise Mismatch(f"the hit rate for {name} has shape {value.shape}; return one number.")
        hits = expected * len(accesses)
        if np.isclose(value, hits) and not np.isclose(hits, expected):
            raise Mismatch(f"for {name} you return the number of hits ({value:g}); return the rate, "
                           "hits divided by the number of accesses.")
        if np.isclose(value, _fifo_hit_rate(accesses, capacity)) and not np.isclose(value, expected):
            raise Mismatch(f"for {name} you get {value:g}, the hit rate of a FIFO cache: a hit must also make "
                           "its key the most recently used, so it is evicted last.")
        if not np.isclose(value, expected):
            raise Mismatch(f"the hit rate for {name} is {value:g}; functools.lru_cache gets {expected:g}.")


@exercise("ch03.shuffle_buffer", SOLUTION,
          hint="fill a list with the first buffer_size items; then for each further item, pick a random "
               "index in the buffer, output that element and put the new item in its place; finally empty "
               "the buffer in random order.")
def check_shuffle_buffer(shuffle_buffer):
    items = list(range(100))
    for size in (1, 2, 10, 100, 1000):
        out = call(shuffle_buffer, list(items), size, 0)
        out = [int(v) for v in np.asarray(out).ravel()]
        what = f"with buffer_size={size}"
        if len(out) < len(items):
            raise Mismatch(f"{what} you return {len(out)} of 100 items: empty the buffer at the end.")
        if sorted(out) != items:
            raise Mismatch(f"{what} the output is not a reordering of the input (each item exactly once).")
        late = [(position, value) for position, value in enumerate(out) if value > position + size - 1]
        if late:
            position, value = late[0]
            raise Mismatch(f"{what}, item {value} comes out at position {position}, but a buffer of {size} "
                           f"has only seen items 0..{position + size - 1} by then. A shuffle buffer cannot "
                           "look further ahead than its size (a full shuffle can).")
        if size == 1 and out != items:
            raise Mismatch("with buffer_size=1 the buffer holds one item, so the order cannot change.")
        if size > 1 and out == items:
            raise Mismatch(f"{what} the order did not change.")
    first = [int(v) for v in call(shuffle_buffer, list(items), 10, 7)]
    again = [int(v) for v in call(shuffle_buffer, list(items), 10, 7)]
    other = [int(v) for v in call(shuffle_buffer, list(items), 10, 8)]
    if first != again:
        raise Mismatch("the same seed gives different orders: use np.random.default_rng(seed).")
    if first == other:
        raise Mismatch("seeds 7 and 8 give the same order: the seed must drive the choices.")
    firsts = [int(call(shuffle_buffer, list(range(20)), 20, seed)[0]) for seed in range(60)]
    if len(set(firsts)) < 8:
        raise Mismatch("with a buffer as large as the data, the first output should be any item, but over 60 "
                       f"seeds it was only one of {sorted(set(firsts))}.")


def _dataset_ops(dataset):
    """Op names of the tf.data graph, and for each node the op of its first input."""
    import tensorflow as tf

    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(dataset._as_serialized_graph().numpy())  # noqa: SLF001 - inspection only
    nodes = list(graph.node) + [n for f in graph.library.function for n in f.node_def]
    by_name = {n.name: n for n in nodes}
    ops = [n.op for n in nodes]
    inputs = {}
    for node in nodes:
        if node.input:
            source = by_name.get(node.input[0].split(":")[0].lstrip("^"))
            inputs.setdefault(node.op, set()).add(source.op if source is not None else "")
    return ops, inputs


@exercise("ch03.fast_pipeline", SOLUTION,
          hint="files -> Dataset.from_tensor_slices(files).interleave(tf.data.TFRecordDataset, cycle_length=..., "
               "num_parallel_calls=...) -> .batch(batch_size) -> .map(lambda b: parse(read(b)), "
               "num_parallel_calls=...) -> .prefetch(tf.data.AUTOTUNE).")
def check_fast_pipeline(fast_pipeline):
    import tempfile

    import tensorflow as tf

    from .. import formats, pipelines

    with tempfile.TemporaryDirectory() as root:
        files = pipelines.write_shards(4, 16, seed=3, root=root)
        read = pipelines.simulated_read(0.1)
        dataset = call(fast_pipeline, files, 8, read)
        if not isinstance(dataset, tf.data.Dataset):
            raise Mismatch(f"fast_pipeline returned a {type(dataset).__name__}; return a tf.data.Dataset.")
        try:
            batches = [(x.numpy(), y.numpy()) for x, y in dataset]
        except Exception as error:  # noqa: BLE001
            raise Mismatch(f"iterating over your dataset failed: {type(error).__name__}: {error}") from None
        expected_images = np.concatenate([formats.read_tfrecord(f)[0] for f in files])
        expected_labels = np.concatenate([formats.read_tfrecord(f)[1] for f in files])
    if not batches:
        raise Mismatch("your dataset is empty.")
    images = np.concatenate([b[0] for b in batches])
    labels = np.concatenate([b[1] for b in batches])
    if images.shape[1:] != pipelines.IMAGE_SHAPE or images.dtype != np.uint8:
        raise Mismatch(f"images come out as {images.dtype}{list(images.shape[1:])}; expected uint8"
                       f"{list(pipelines.IMAGE_SHAPE)} (formats.parse_image_batch does this).")
    if batches[0][0].shape[0] != 8:
        raise Mismatch(f"the first batch has {batches[0][0].shape[0]} examples; expected batch_size = 8.")
    if len(labels) != len(expected_labels):
        raise Mismatch(f"one pass yields {len(labels)} examples; the 4 shards hold {len(expected_labels)}.")
    got = sorted(zip(labels.tolist(), (i.tobytes() for i in images)))
    want = sorted(zip(expected_labels.tolist(), (i.tobytes() for i in expected_images)))
    if got != want:
        raise Mismatch("the examples differ from the records in the shards (each record exactly once, "
                       "pixels and label unchanged).")
    ops, inputs = _dataset_ops(dataset)
    if not any(op.startswith("ParallelInterleaveDataset") for op in ops):
        raise Mismatch("the files are not read in parallel: use interleave(..., num_parallel_calls=...).")
    parallel_maps = [op for op in ops if op.startswith("ParallelMapDataset")]
    if not parallel_maps:
        raise Mismatch("no map runs in parallel: give the read-and-parse map num_parallel_calls.")
    fed_by = set().union(*(inputs.get(op, set()) for op in set(parallel_maps)))
    if not any(source.startswith("BatchDataset") for source in fed_by):
        raise Mismatch("the parallel map is not fed by a batch: batch first, then read and parse whole "
                       "batches (vectorised map).")
    if "PrefetchDataset" not in ops:
        raise Mismatch("there is no prefetch: end the pipeline with .prefetch(tf.data.AUTOTUNE).")
