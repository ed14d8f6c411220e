"""Checkers for chapter 03 · Input pipelines and I/O."""
import collections
import functools
import threading
import time

import numpy as np

from . import Mismatch, as_array, as_number, call, exercise, hidden_rng

SOLUTION = "ch03_input_pipelines_io.py"


# ------------------------------------------------------------------------ 3.1 interleave (prediction)
INTERLEAVED_SHARDS = 4  # the exercise's cycle_length: reads in flight at once


@exercise("ch03.interleave_speedup", SOLUTION, kind="prediction",
          hints=("While one read waits for storage, how many others are waiting at the same time? Waiting uses no "
                 "core, so reads that wait together finish together.",
                 "With k reads in flight, a batch of B records takes about B*L/k instead of B*L (the latency "
                 "arithmetic at the start of the chapter): the rate grows k times, and k is cycle_length."))
def check_interleave_speedup(prediction):
    if isinstance(prediction, bool):
        raise Mismatch("write a number (how many times faster), not True or False.")
    value = as_number(prediction, "your prediction")
    k = INTERLEAVED_SHARDS
    if not np.isfinite(value) or value <= 0:
        raise Mismatch(f"a speed-up is a positive number (new rate / old rate); {value:g} is not one.")
    if abs(value - k) <= 0.5:
        return (f"interleave(cycle_length={k}, num_parallel_calls={k}) keeps {k} shards open, each with one read "
                f"waiting, so {k} waits overlap and the pipeline delivers about {k} times as many examples per "
                "second. It is not more, however many shards there are, because only cycle_length of them are "
                "read at once; and not much less, because waiting occupies no core.")
    if value > k + 0.5:
        raise Mismatch(f"{value:g} times is more than the number of reads in flight: cycle_length={k} means only "
                       f"{k} shards are read at once, whatever the number of shards, and a record still waits its "
                       "full latency.")
    if value <= 1.5:
        raise Mismatch(f"{value:g} times means the reads still happen one after another, but each of the {k} "
                       "shards being interleaved has its own read waiting at the same time.")
    raise Mismatch(f"{value:g} times is fewer than the reads in flight would give: waiting occupies no core, so "
                   "overlapping waits are not limited by the machine's cores.")


# ------------------------------------------------------------------------------ 3.2 the optimal cache
def _library_hit_rate(accesses, capacity):
    """The hit rate of Python's own LRU cache (functools.lru_cache) on the same accesses."""
    @functools.lru_cache(maxsize=capacity)
    def read(key):
        return key

    for key in accesses:
        read(key)
    return read.cache_info().hits / len(accesses)


def _fifo_hit_rate(accesses, capacity):
    """The plausible slip of a first-in-first-out cache: a hit does not refresh its key."""
    cache, hits = collections.deque(), 0
    for key in accesses:
        if key in cache:
            hits += 1
        else:
            cache.append(key)
            if len(cache) > capacity:
                cache.popleft()
    return hits / len(accesses)


def _belady_hit_rate(accesses, capacity, never=float("inf"), furthest=True):
    """Belady's rule: on a miss with a full cache, evict the key whose next use is furthest away.

    ``never`` is the "next use" of a key not used again (the slip: -1, as if needed at once); with
    ``furthest=False`` the *nearest* next use is evicted (the other slip)."""
    next_use, later = [0.0] * len(accesses), {}
    for i in reversed(range(len(accesses))):
        next_use[i] = later.get(accesses[i], never)
        later[accesses[i]] = i
    cache, hits = {}, 0
    for i, key in enumerate(accesses):
        if key in cache:
            hits += 1
        elif capacity > 0 and len(cache) >= capacity:
            del cache[(max if furthest else min)(cache, key=cache.get)]
        if key in cache or capacity > 0:
            cache[key] = next_use[i]
    return hits / len(accesses)


def _cache_cases(rng):
    cases = [
        ([1, 2, 3, 1, 2, 4, 1, 2], 2, "accesses [1, 2, 3, 1, 2, 4, 1, 2] with capacity 2"),
        (list(range(10)) * 3, 5, "three epochs over 10 items in a fixed order, capacity 5"),
        ([7, 8, 9, 7, 9, 8], 3, "accesses that all fit (capacity 3)"),
        ([5, 5, 5], 0, "capacity 0"),
        ([9, 1, 2, 1, 2], 2, "accesses [9, 1, 2, 1, 2] (9 is never used again) with capacity 2"),
    ]
    for _ in range(4):
        keys = int(rng.integers(4, 12))
        accesses = rng.integers(0, keys, int(rng.integers(20, 60))).tolist()
        capacity = int(rng.integers(2, keys))
        cases.append((accesses, capacity, f"{len(accesses)} random accesses with capacity {capacity}"))
    return cases


@exercise("ch03.optimal_hit_rate", SOLUTION,
          hints=("Only misses with a full cache need a decision. Look ahead in `accesses`: each cached key is next "
                 "needed at some position (or never); throw out the one needed last.",
                 "For position i, next_use(i) = the smallest j > i with accesses[j] == accesses[i], or infinity. "
                 "Evict argmax over cached keys of their next use; hit rate = hits / len(accesses)."))
def check_optimal_hit_rate(optimal_hit_rate):
    cases = _cache_cases(hidden_rng())
    values = [as_number(call(optimal_hit_rate, list(accesses), capacity), f"the hit rate for {name}")
              for accesses, capacity, name in cases]
    wrong = [(value, case) for value, case in zip(values, cases) if not np.isclose(value, _belady_hit_rate(*case[:2]))]
    if not wrong:
        return
    slips = [  # (what the slip computes, its explanation); named only if it explains every case
        (lambda a, c: _belady_hit_rate(a, c) * len(a),
         "you return the number of hits; return the rate, hits divided by the number of accesses."),
        (_library_hit_rate, "that is the hit rate of LRU: the best cache does not evict the least recently used "
                            "key but the one whose next use lies furthest in the future."),
        (_fifo_hit_rate, "that is the hit rate of a FIFO cache (evict the oldest): the best cache evicts the key "
                         "whose next use lies furthest in the future."),
        (functools.partial(_belady_hit_rate, never=-1),
         "a key that is never used again should be the first to go (its next use is infinitely far away), not "
         "the last."),
        (functools.partial(_belady_hit_rate, furthest=False),
         "you evict the key needed *soonest*; evict the one needed last."),
    ]
    value, (accesses, capacity, name) = wrong[0]
    for slip, why in slips:
        if all(np.isclose(v, slip(a, c)) for v, (a, c, _) in zip(values, cases)):
            raise Mismatch(f"for {name} you get {value:g}: {why}")
    raise Mismatch(f"the hit rate for {name} is {value:g}; the best possible cache, which always inserts the "
                   f"missed key, gets {_belady_hit_rate(accesses, capacity):g}.")


# ------------------------------------------------------------------------------- 3.3 shuffle buffer
def _shuffled(out, items, what):
    """The answer's output as a list of input positions, or explain why it is not a reordering."""
    values = as_array(out, what)
    if values.ndim != 1:
        raise Mismatch(f"{what} has shape {values.shape}; return a flat list of the items.")
    if len(values) < len(items):
        raise Mismatch(f"{what} holds {len(values)} of {len(items)} items: when the input runs out, empty "
                       "the buffer too.")
    position = {item: i for i, item in enumerate(items)}
    if len(values) > len(items) or not np.all(np.isin(values, items)) or len(set(values.tolist())) != len(items):
        raise Mismatch(f"{what} is not a reordering of the input (each item exactly once).")
    return [position[int(v)] for v in values]


def _shuffle_properties(order, size, what):
    """The properties of one run of tf.data's shuffle: ``order[i]`` is the input position output i-th."""
    early = [i - j for i, j in enumerate(order)]  # negative: left earlier than it came in
    if min(early) < -(size - 1):
        i = int(np.argmin(early))
        raise Mismatch(f"{what}, the item at input position {order[i]} comes out at position {i}, but a buffer "
                       f"of {size} has only seen positions 0..{i + size - 1} by then. A shuffle buffer cannot "
                       "look further ahead than its size (a full shuffle can).")
    if size == 1 and order != sorted(order):
        raise Mismatch("with buffer_size=1 the buffer holds one item, so the order cannot change.")
    if size > 1 and order == sorted(order):
        raise Mismatch(f"{what} the order did not change: each output should be a random one of the "
                       "buffer_size items in the buffer.")
    if 1 < size and len(order) >= 20 * size:
        if min(early) > -(size - 1):
            raise Mismatch(f"{what}, no item ever comes out {size - 1} places early, as the newest item in a full "
                           f"buffer of {size} does whenever it is picked: your buffer holds fewer than "
                           "buffer_size items.")
        if max(early) < size:
            raise Mismatch(f"{what}, no item ever waits {size} places or more, but an item can stay in the buffer "
                           "for many steps. Pick a random element for *every* output, and put the next item in its "
                           "slot, rather than shuffling blocks of buffer_size items.")


@exercise("ch03.shuffle_buffer", SOLUTION,
          hints=("Keep a buffer of at most buffer_size items. Every output is a random element of the buffer, and "
                 "its slot goes to the next input item; when the input runs out, keep drawing until the buffer is "
                 "empty.",
                 "Fill the buffer with the first buffer_size items; then for each further item: i = a random index "
                 "below len(buffer) (rng.integers), output buffer[i], buffer[i] = item; finally pop random "
                 "indices until the buffer is empty."))
def check_shuffle_buffer(shuffle_buffer):
    rng = hidden_rng()
    n = int(rng.integers(150, 250))
    items = rng.choice(100_000, n, replace=False).tolist()
    sorted_tails = 0
    for size in (1, int(rng.integers(2, 5)), int(rng.integers(5, 9)), n // 3, n, 2 * n):
        what = f"with {n} items and buffer_size={size}"
        order = _shuffled(call(shuffle_buffer, list(items), size, int(rng.integers(1000))), items, what)
        tail = order[-size:]
        sorted_tails += 5 <= size < n and tail == sorted(tail)
        if sorted_tails == 2:
            raise Mismatch("the last buffer_size items come out in their input order: when the input runs out, "
                           "empty the buffer in random order too.")
        _shuffle_properties(order, size, what)
    seed = int(rng.integers(1000))
    first, again, other = (_shuffled(call(shuffle_buffer, list(items), 10, s), items, f"with seed {s}")
                           for s in (seed, seed, seed + 1))
    if first != again:
        raise Mismatch("the same seed gives different orders: use np.random.default_rng(seed).")
    if first == other:
        raise Mismatch(f"seeds {seed} and {seed + 1} give the same order: the seed must drive the choices.")
    small = items[:20]
    firsts = {_shuffled(call(shuffle_buffer, list(small), 20, s), small, "the output")[0] for s in range(60)}
    if len(firsts) < 8:
        raise Mismatch("with a buffer as large as the data, the first output should be any item, but over 60 "
                       f"seeds it was only one of the items at input positions {sorted(firsts)}.")


# ------------------------------------------------------------------------------ 3.4 fast pipeline
def _counting_read(latency_ms):
    """The storage read handed to the answer: the package's simulated latency, plus a tally of the records
    it read (``tally["records"]``) and how many came in each call (``tally["calls"]``)."""
    import tensorflow as tf

    from .. import pipelines

    wait = pipelines.simulated_read(latency_ms)
    lock, tally = threading.Lock(), {"records": collections.Counter(), "calls": []}

    def count(records):
        batch = np.asarray(records, dtype=object).ravel()  # not atleast_1d: NumPy bytes drop trailing NULs
        with lock:
            tally["records"].update(bytes(r) for r in batch)
            tally["calls"].append(batch.size)
        return records

    def read(records):
        # stateful=False, like the package's read: tf.data may run it in parallel even under op determinism
        out = tf.numpy_function(count, [wait(records)], tf.string, stateful=False, name="counted_read")
        out.set_shape(records.shape)
        return out

    return read, tally


def _has_prefetch(dataset):
    """Whether the tf.data graph contains a prefetch stage. A parallel map keeps its own buffer, so what a
    prefetch adds after it cannot be timed reliably; the exercise asks for it, so this looks for it."""
    import tensorflow as tf

    graph = tf.compat.v1.GraphDef()
    graph.ParseFromString(dataset._as_serialized_graph().numpy())  # noqa: SLF001 - inspection only
    nodes = list(graph.node) + [n for f in graph.library.function for n in f.node_def]
    return any(node.op == "PrefetchDataset" for node in nodes)


def _one_pass(dataset, limit):
    """Every (images, labels) batch of one pass as NumPy arrays, and the seconds it took; stops after
    ``limit`` examples so an endless dataset cannot hang the checker."""
    batches, count, start = [], 0, time.perf_counter()
    try:
        for element in dataset:
            if not isinstance(element, (tuple, list)) or len(element) != 2:
                raise Mismatch(f"your dataset yields {type(element).__name__} elements; yield (images, labels) "
                               "pairs, as formats.parse_image_batch returns them.")
            images, labels = (np.asarray(e) for e in element)
            batches.append((images, labels))
            count += len(labels) if labels.ndim else 1
            if count > limit:
                break
    except Mismatch:
        raise
    except Exception as error:  # noqa: BLE001 - the learner's pipeline failing is feedback, not a crash
        raise Mismatch(f"iterating over your dataset failed: {type(error).__name__}: {str(error)[:300]}") from None
    return batches, time.perf_counter() - start


def _check_examples(batches, batch_size, records, n_shards):
    """Each record exactly once, pixels and label unchanged, in batches of at most batch_size."""
    from .. import pipelines

    if not batches:
        raise Mismatch("your dataset is empty.")
    for images, labels in batches:
        if labels.ndim != 1 or images.shape != (len(labels), *pipelines.IMAGE_SHAPE):
            raise Mismatch(f"a batch holds images of shape {images.shape} and labels of shape {labels.shape}; "
                           f"expected (batch, {', '.join(map(str, pipelines.IMAGE_SHAPE))}) and (batch,): parse "
                           "whole batches with formats.parse_image_batch.")
        if images.dtype != np.uint8:
            raise Mismatch(f"images come out as {images.dtype}; expected uint8, unchanged "
                           "(formats.parse_image_batch does this).")
    sizes = [len(labels) for _, labels in batches]
    if max(sizes) != batch_size:
        raise Mismatch(f"your batches hold up to {max(sizes)} examples; expected batch_size = {batch_size}.")
    total = sum(sizes)
    if total != len(records):
        raise Mismatch(f"one pass yields {total} examples; the {n_shards} shards hold {len(records)}"
                       + (" (drop_remainder=True drops the last, smaller batch)." if total < len(records) else "."))
    if sum(size < batch_size for size in sizes) > 1:
        raise Mismatch(f"{sum(size < batch_size for size in sizes)} of your batches hold fewer than {batch_size} "
                       "examples; only the last may. Batch the records of all shards together (after the "
                       "interleave), not each shard on its own.")
    seen = collections.Counter((int(label), image.tobytes()) for images, labels in batches
                               for image, label in zip(images, labels))
    if seen != collections.Counter(records):
        raise Mismatch("the examples differ from the records in the shards (each record exactly once, "
                       "pixels and label unchanged).")


def _uneven_shard_sizes(rng, n_shards, batch_size):
    """Shard sizes that differ, one smaller than a batch, and a total that leaves a smaller last batch."""
    sizes = rng.integers(batch_size + 1, 3 * batch_size, n_shards)
    sizes[int(rng.integers(n_shards))] = int(rng.integers(1, batch_size))
    if sizes.sum() % batch_size == 0:
        sizes[int(np.argmax(sizes))] += 1
    return [int(size) for size in sizes]


@exercise("ch03.fast_pipeline", SOLUTION,
          hints=("The records of all shards must flow into one stream before they are batched, so a batch can take "
                 "records from several shards; then read and parse whole batches, several at once, and prefetch.",
                 "file names -> interleave(TFRecordDataset, cycle_length, num_parallel_calls) -> batch(batch_size) "
                 "-> map(read, then formats.parse_image_batch; num_parallel_calls) -> prefetch(tf.data.AUTOTUNE)."))
def check_fast_pipeline(fast_pipeline):
    import tempfile
    from pathlib import Path

    import tensorflow as tf

    from .. import formats, pipelines

    rng = hidden_rng()
    n_shards, batch_size = int(rng.integers(3, 6)), int(rng.choice([4, 6, 8]))
    sizes = _uneven_shard_sizes(rng, n_shards, batch_size)
    images, labels = pipelines.synthetic_images(sum(sizes), seed=int(rng.integers(1000)))
    records = [(int(label), image.tobytes()) for image, label in zip(images, labels)]
    bounds = np.cumsum([0, *sizes])
    with tempfile.TemporaryDirectory() as root:
        files = [str(formats.write_tfrecord(Path(root) / f"shard-{i}.tfrecord", images[a:b], labels[a:b]))
                 for i, (a, b) in enumerate(zip(bounds[:-1], bounds[1:]))]
        serialized = {bytes(r.numpy()) for r in tf.data.TFRecordDataset(files)}
        latency_ms = float(rng.uniform(30, 40))  # long next to the start-up of an iterator on a busy machine
        read, tally = _counting_read(latency_ms)
        dataset = call(fast_pipeline, list(files), batch_size, read)
        if not isinstance(dataset, tf.data.Dataset):
            raise Mismatch(f"fast_pipeline returned a {type(dataset).__name__}; return a tf.data.Dataset.")
        # Measure what the code asks for: without tf.data's automatic rewrites (which would quietly
        # parallelise a plain map), on enough threads that the machine's core count does not matter.
        options = tf.data.Options()
        options.experimental_optimization.apply_default_optimizations = False
        options.threading.private_threadpool_size = pipelines.IO_THREADS
        batches, seconds = _one_pass(dataset.with_options(options), limit=2 * len(records))
    _check_examples(batches, batch_size, records, n_shards)
    record_reads = [tally["records"][r] for r in serialized]
    if sum(record_reads) == 0:
        raise Mismatch("your pipeline never applies `read` to the serialized records: every record must go "
                       "through the storage read, then be parsed.")
    if max(record_reads) > 1:
        raise Mismatch(f"one pass reads some records {max(record_reads)} times: read each record once.")
    if min(record_reads) == 0:
        raise Mismatch(f"one pass reads only {sum(record_reads)} of {len(records)} records through `read`: every "
                       "record must go through it.")
    if max(tally["calls"]) == 1:
        raise Mismatch("each call to `read` gets one record: batch first, then read and parse whole batches "
                       "(a vectorised map).")
    one_by_one = len(records) * latency_ms / 1000
    if seconds > 0.75 * one_by_one:
        raise Mismatch(f"one pass took {seconds:.2f} s, about as long as reading the {len(records)} records one "
                       f"after another ({one_by_one:.2f} s): no reads run in parallel. Give the read-and-parse "
                       "map num_parallel_calls (tf.data.AUTOTUNE or a number).")
    if not _has_prefetch(dataset):
        raise Mismatch("there is no prefetch: end the pipeline with .prefetch(tf.data.AUTOTUNE), so the next "
                       "batches are prepared while the model trains on this one.")
