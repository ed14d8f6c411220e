"""Chapter 03 checkers reject plausible wrong answers, each with a specific explanation, and accept correct
answers written differently from the solutions."""
import functools
from collections import OrderedDict, deque

import numpy as np
import pytest
import tensorflow as tf

from mio_utils import formats, pipelines
from mio_utils.exercises import assert_accepts, assert_rejects
from mio_utils.exercises.ch03 import _fifo_hit_rate
from solutions import ch03_input_pipelines_io as ref3


# ------------------------------------------------------------------------------------------------ 3.1
def hit_count(accesses, capacity):
    return ref3.lru_hit_rate(accesses, capacity) * len(accesses)


def unbounded_cache(accesses, capacity):
    return ref3.lru_hit_rate(accesses, len(accesses))


def lru_evicts_one_early(accesses, capacity):
    """Evicts when the cache *reaches* capacity: holds capacity - 1 keys."""
    return ref3.lru_hit_rate(accesses, max(capacity - 1, 0))


def lru_consumes_accesses(accesses, capacity):
    n, hits, cache = len(accesses), 0, OrderedDict()
    while accesses:
        key = accesses.pop(0)
        if key in cache:
            hits += 1
            cache.move_to_end(key)
        else:
            cache[key] = True
            if len(cache) > capacity:
                cache.popitem(last=False)
    return hits / n


def lru_memorised(accesses, capacity):
    return {2: 1 / 3, 3: 0.0, 4: 8 / 12, 0: 0.0}.get(capacity, 0.0)


def lru_with_functools(accesses, capacity):
    @functools.lru_cache(maxsize=capacity)
    def fetch(key):
        return key

    for key in accesses:
        fetch(key)
    return fetch.cache_info().hits / len(accesses)


def lru_with_list(accesses, capacity):
    recent, hits = [], 0
    for key in accesses:
        if key in recent:
            hits += 1
            recent.remove(key)
        recent.append(key)
        del recent[:-capacity or len(recent)]
    return np.float32(hits) / len(accesses)


# ------------------------------------------------------------------------------------------------ 3.2
def full_shuffle(items, buffer_size, seed):
    return list(np.random.default_rng(seed).permutation(items))


def drops_the_tail(items, buffer_size, seed):
    return ref3.shuffle_buffer(items, buffer_size, seed)[: max(0, len(items) - buffer_size)] or list(items)


def global_rng(items, buffer_size, seed):
    return ref3.shuffle_buffer(items, buffer_size, np.random.randint(1 << 30))


def no_shuffle(items, buffer_size, seed):
    return list(items)


def block_shuffle(items, buffer_size, seed):
    rng = np.random.default_rng(seed)
    return [x for i in range(0, len(items), buffer_size) for x in rng.permutation(items[i:i + buffer_size])]


def buffer_one_too_small(items, buffer_size, seed):
    return ref3.shuffle_buffer(items, max(buffer_size - 1, 1), seed)


def buffer_one_too_large(items, buffer_size, seed):
    return ref3.shuffle_buffer(items, buffer_size + 1, seed)


def empties_in_order(items, buffer_size, seed):
    rng = np.random.default_rng(seed)
    buffer, out = [], []
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        out.append(buffer.pop(rng.integers(len(buffer))))
        buffer.append(item)
    return out + sorted(buffer, key=items.index)


def shuffles_in_place(items, buffer_size, seed):
    out = ref3.shuffle_buffer(items, buffer_size, seed)
    items[:] = out
    return items


def returns_positions(items, buffer_size, seed):
    return [items.index(x) for x in ref3.shuffle_buffer(items, buffer_size, seed)]


def shuffle_with_deque(items, buffer_size, seed):
    """Correct: the chosen element leaves and the new item joins at the end (the same distribution)."""
    rng, buffer, out, source = np.random.default_rng(seed), [], [], deque(items)
    while source or buffer:
        while source and len(buffer) < buffer_size:
            buffer.append(source.popleft())
        out.append(buffer.pop(int(rng.choice(len(buffer)))))
    return np.array(out)


# ------------------------------------------------------------------------------------------------ 3.3
def _read_parse(read):
    return lambda batch: formats.parse_image_batch(read(batch), pipelines.IMAGE_SHAPE)


def _interleaved(files):
    return tf.data.Dataset.from_tensor_slices(list(files)).interleave(
        tf.data.TFRecordDataset, cycle_length=len(files), num_parallel_calls=tf.data.AUTOTUNE)


def map_then_batch(files, batch_size, read):
    records = tf.data.Dataset.from_tensor_slices(list(files)).interleave(
        tf.data.TFRecordDataset, cycle_length=4, num_parallel_calls=4)
    parsed = records.map(lambda r: formats.parse_image_example(read(r)), num_parallel_calls=4)
    return parsed.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def no_prefetch(files, batch_size, read):
    return ref3.fast_pipeline(files, batch_size, read)._input_dataset  # noqa: SLF001 - strip the last stage


def loses_records(files, batch_size, read):
    return ref3.fast_pipeline(files[:2], batch_size, read)


def sequential_map(files, batch_size, read):
    return _interleaved(files).batch(batch_size).map(_read_parse(read)).prefetch(tf.data.AUTOTUNE)


def never_reads(files, batch_size, read):
    parse = lambda b: formats.parse_image_batch(b, pipelines.IMAGE_SHAPE)  # noqa: E731
    return _interleaved(files).batch(batch_size).map(parse, num_parallel_calls=8).prefetch(2)


def reads_twice(files, batch_size, read):
    parse = lambda b: formats.parse_image_batch(read(read(b)), pipelines.IMAGE_SHAPE)  # noqa: E731
    return _interleaved(files).batch(batch_size).map(parse, num_parallel_calls=8).prefetch(2)


def drops_remainder(files, batch_size, read):
    batches = _interleaved(files).batch(batch_size, drop_remainder=True)
    return batches.map(_read_parse(read), num_parallel_calls=8).prefetch(tf.data.AUTOTUNE)


def every_file_per_shard(files, batch_size, read):
    records = tf.data.Dataset.from_tensor_slices(list(files)).interleave(
        lambda _: tf.data.TFRecordDataset(list(files)), cycle_length=2, num_parallel_calls=2)
    return records.batch(batch_size).map(_read_parse(read), num_parallel_calls=8).prefetch(1)


def endless(files, batch_size, read):
    return ref3.fast_pipeline(files, batch_size, read).repeat()


def normalised_images(files, batch_size, read):
    return ref3.fast_pipeline(files, batch_size, read).map(lambda x, y: (tf.cast(x, tf.float32) / 255, y))


def parallel_reads_and_cache(files, batch_size, read):
    """Correct: num_parallel_reads instead of interleave, AUTOTUNE batch, a cache after the read, prefetch(3)."""
    records = tf.data.TFRecordDataset(list(files), num_parallel_reads=len(files))
    batches = records.batch(batch_size, num_parallel_calls=tf.data.AUTOTUNE)
    parsed = batches.map(_read_parse(read), num_parallel_calls=6, deterministic=False)
    return parsed.cache().prefetch(3)


def read_inside_interleave(files, batch_size, read):
    """Correct: each shard batched and read inside the parallel interleave, then parsed in parallel."""
    shards = tf.data.Dataset.from_tensor_slices(list(files))
    batches = shards.interleave(lambda f: tf.data.TFRecordDataset(f).batch(batch_size).map(read),
                                cycle_length=len(files), num_parallel_calls=len(files))
    parsed = batches.map(lambda b: formats.parse_image_batch(b, pipelines.IMAGE_SHAPE), num_parallel_calls=4)
    return parsed.prefetch(tf.data.AUTOTUNE)


def autotune_reads(files, batch_size, read):
    """Correct: num_parallel_reads=AUTOTUNE, list_files' shuffled file order, map then prefetch(1)."""
    records = tf.data.TFRecordDataset(tf.data.Dataset.list_files(list(files), seed=1),
                                      num_parallel_reads=tf.data.AUTOTUNE)
    return records.batch(batch_size).map(_read_parse(read), num_parallel_calls=tf.data.AUTOTUNE).prefetch(1)


WRONG_ANSWERS = [
    ("ch03.lru_hit_rate", _fifo_hit_rate, "FIFO"),
    ("ch03.lru_hit_rate", hit_count, "number of hits"),
    ("ch03.lru_hit_rate", unbounded_cache, "functools.lru_cache gets"),
    ("ch03.lru_hit_rate", lru_evicts_one_early, "functools.lru_cache gets"),
    ("ch03.lru_hit_rate", lru_consumes_accesses, "changed its input"),
    ("ch03.lru_hit_rate", lru_memorised, "random accesses"),
    ("ch03.shuffle_buffer", full_shuffle, "cannot look further ahead"),
    ("ch03.shuffle_buffer", drops_the_tail, "empty the buffer"),
    ("ch03.shuffle_buffer", no_shuffle, "did not change"),
    ("ch03.shuffle_buffer", global_rng, "same seed"),
    ("ch03.shuffle_buffer", block_shuffle, "blocks of buffer_size"),
    ("ch03.shuffle_buffer", buffer_one_too_small, "buffer_size items"),
    ("ch03.shuffle_buffer", buffer_one_too_large, "cannot look further ahead"),
    ("ch03.shuffle_buffer", empties_in_order, "empty the buffer in random order"),
    ("ch03.shuffle_buffer", shuffles_in_place, "changed its input"),
    ("ch03.shuffle_buffer", returns_positions, "not a reordering"),
    ("ch03.fast_pipeline", map_then_batch, "batch first"),
    ("ch03.fast_pipeline", no_prefetch, "no prefetch"),
    ("ch03.fast_pipeline", loses_records, "shards hold"),
    ("ch03.fast_pipeline", sequential_map, "num_parallel_calls"),
    ("ch03.fast_pipeline", never_reads, "never applies `read`"),
    ("ch03.fast_pipeline", reads_twice, "reads some records 2 times"),
    ("ch03.fast_pipeline", drops_remainder, "drop_remainder"),
    ("ch03.fast_pipeline", every_file_per_shard, "shards hold"),
    ("ch03.fast_pipeline", endless, "shards hold"),
    ("ch03.fast_pipeline", normalised_images, "expected uint8"),
]

CORRECT_ANSWERS = [
    ("ch03.lru_hit_rate", lru_with_functools),
    ("ch03.lru_hit_rate", lru_with_list),
    ("ch03.shuffle_buffer", shuffle_with_deque),
    ("ch03.fast_pipeline", parallel_reads_and_cache),
    ("ch03.fast_pipeline", read_inside_interleave),
    ("ch03.fast_pipeline", autotune_reads),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_references_agree_with_libraries():
    accesses = list(np.random.default_rng(0).integers(0, 20, 300))
    assert ref3.lru_hit_rate(accesses, 7) == lru_with_functools(accesses, 7)
    # tf.data's shuffle obeys the same bound as the reference: nothing leaves more than buffer-1 places early
    out = [int(v) for v in tf.data.Dataset.range(200).shuffle(10, seed=1)]
    assert all(v <= i + 9 for i, v in enumerate(out))
    assert all(v <= i + 9 for i, v in enumerate(ref3.shuffle_buffer(list(range(200)), 10, 1)))
    # the checker's FIFO diagnosis really differs from LRU on its first fixed case
    assert _fifo_hit_rate([1, 2, 1, 3, 1, 2], 2) != ref3.lru_hit_rate([1, 2, 1, 3, 1, 2], 2)
