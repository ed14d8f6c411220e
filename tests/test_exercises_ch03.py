"""Chapter 03 checkers reject plausible wrong answers, each with a specific explanation, and accept correct
answers written differently from the solutions."""
import functools
from collections import deque

import numpy as np
import pytest
import tensorflow as tf

from mio_utils import formats, pipelines
from mio_utils.exercises import assert_accepts, assert_rejects
from mio_utils.exercises.ch03 import _belady_hit_rate, _fifo_hit_rate, _uneven_shard_sizes
from solutions import ch03_input_pipelines_io as ref3


# ------------------------------------------------------------------------------------------------ 3.2
def lru_instead(accesses, capacity):
    @functools.lru_cache(maxsize=capacity)
    def fetch(key):
        return key

    for key in accesses:
        fetch(key)
    return fetch.cache_info().hits / len(accesses)


def optimal_hit_count(accesses, capacity):
    return ref3.optimal_hit_rate(accesses, capacity) * len(accesses)


def keeps_keys_never_used_again(accesses, capacity):
    """Gives a key that is never used again the next use -1, so it is evicted last."""
    return _belady_hit_rate(accesses, capacity, never=-1)


def evicts_the_soonest_needed(accesses, capacity):
    return _belady_hit_rate(accesses, capacity, furthest=False)


def optimal_consumes_accesses(accesses, capacity):
    rate = ref3.optimal_hit_rate(accesses, capacity)
    accesses.clear()
    return rate


def optimal_one_key_short(accesses, capacity):
    """Evicts when the cache *reaches* capacity: holds capacity - 1 keys."""
    return ref3.optimal_hit_rate(accesses, max(capacity - 1, 0))


def optimal_by_searching_ahead(accesses, capacity):
    """Correct: finds each key's next use by searching the rest of the list, returns a NumPy float."""
    cache, hits = set(), 0
    for i, key in enumerate(accesses):
        if key in cache:
            hits += 1
            continue
        if capacity == 0:
            continue
        if len(cache) == capacity:
            rest = accesses[i + 1:]
            cache.remove(max(cache, key=lambda k: rest.index(k) if k in rest else len(rest)))
        cache.add(key)
    return np.float64(hits) / len(accesses)


def optimal_with_bypass(accesses, capacity):
    """Skips caching a missed key needed later than every cached one: a different cache than the exercise's."""
    def next_use(i, key):
        return next((j for j in range(i + 1, len(accesses)) if accesses[j] == key), float("inf"))

    cache, hits = {}, 0
    for i, key in enumerate(accesses):
        if key in cache:
            hits += 1
            cache[key] = next_use(i, key)
        elif capacity > 0:
            mine = next_use(i, key)
            if len(cache) < capacity:
                cache[key] = mine
            else:
                victim = max(cache, key=cache.get)
                if cache[victim] > mine:
                    del cache[victim]
                    cache[key] = mine
    return hits / len(accesses)


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
    """Each shard batched on its own, inside the parallel interleave: many small batches from uneven shards."""
    shards = tf.data.Dataset.from_tensor_slices(list(files))
    batches = shards.interleave(lambda f: tf.data.TFRecordDataset(f).batch(batch_size).map(read),
                                cycle_length=len(files), num_parallel_calls=len(files))
    parsed = batches.map(lambda b: formats.parse_image_batch(b, pipelines.IMAGE_SHAPE), num_parallel_calls=4)
    return parsed.prefetch(tf.data.AUTOTUNE)


def batches_each_shard_like_build_pipeline(files, batch_size, read):
    """Copies build_pipeline's vectorised layout: each shard batched on its own, drop_remainder=True."""
    shards = tf.data.Dataset.from_tensor_slices(list(files))
    batches = shards.interleave(lambda f: tf.data.TFRecordDataset(f).batch(batch_size, drop_remainder=True),
                                cycle_length=len(files), num_parallel_calls=len(files))
    return batches.map(_read_parse(read), num_parallel_calls=4).prefetch(tf.data.AUTOTUNE)


def two_shards_at_a_time(files, batch_size, read):
    """Correct: 2 shards at a time, then a parallel read-and-parse of whole batches, prefetch(1)."""
    shards = tf.data.Dataset.from_tensor_slices(list(files))
    records = shards.interleave(tf.data.TFRecordDataset, cycle_length=2, block_length=3, num_parallel_calls=2)
    parsed = records.batch(batch_size).map(_read_parse(read), num_parallel_calls=8)
    return parsed.prefetch(1)


def autotune_reads(files, batch_size, read):
    """Correct: num_parallel_reads=AUTOTUNE, list_files' shuffled file order, map then prefetch(1)."""
    records = tf.data.TFRecordDataset(tf.data.Dataset.list_files(list(files), seed=1),
                                      num_parallel_reads=tf.data.AUTOTUNE)
    return records.batch(batch_size).map(_read_parse(read), num_parallel_calls=tf.data.AUTOTUNE).prefetch(1)


WRONG_ANSWERS = [
    ("ch03.interleave_speedup", 8, "only 4 shards are read at once"),
    ("ch03.interleave_speedup", 32, "more than the number of reads in flight"),
    ("ch03.interleave_speedup", 1, "one after another"),
    ("ch03.interleave_speedup", 2, "waiting occupies no core"),
    ("ch03.interleave_speedup", 0, "positive number"),
    ("ch03.optimal_hit_rate", lru_instead, "hit rate of LRU"),
    ("ch03.optimal_hit_rate", _fifo_hit_rate, "FIFO"),
    ("ch03.optimal_hit_rate", optimal_hit_count, "number of hits"),
    ("ch03.optimal_hit_rate", keeps_keys_never_used_again, "never used again"),
    ("ch03.optimal_hit_rate", evicts_the_soonest_needed, "soonest"),
    ("ch03.optimal_hit_rate", optimal_consumes_accesses, "changed its input"),
    ("ch03.optimal_hit_rate", optimal_one_key_short, "the best possible cache"),
    ("ch03.optimal_hit_rate", optimal_with_bypass, "always inserts the missed key"),
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
    ("ch03.fast_pipeline", read_inside_interleave, "only the last may"),
    ("ch03.fast_pipeline", batches_each_shard_like_build_pipeline, "shards hold"),
]

CORRECT_ANSWERS = [
    ("ch03.interleave_speedup", 4.0),
    ("ch03.interleave_speedup", np.int64(4)),
    ("ch03.interleave_speedup", 3.8),
    ("ch03.optimal_hit_rate", optimal_by_searching_ahead),
    ("ch03.shuffle_buffer", shuffle_with_deque),
    ("ch03.fast_pipeline", parallel_reads_and_cache),
    ("ch03.fast_pipeline", two_shards_at_a_time),
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
    assert ref3.optimal_hit_rate(accesses, 7) == _belady_hit_rate(accesses, 7)
    assert ref3.optimal_hit_rate(accesses, 7) > lru_instead(accesses, 7), "the best cache beats LRU"
    # on epochs in a fixed order LRU never hits, while the best cache keeps most of what it holds
    epochs = list(range(10)) * 3
    assert lru_instead(epochs, 5) == 0 and ref3.optimal_hit_rate(epochs, 5) > 0.25
    # tf.data's shuffle obeys the same bound as the reference: nothing leaves more than buffer-1 places early
    out = [int(v) for v in tf.data.Dataset.range(200).shuffle(10, seed=1)]
    assert all(v <= i + 9 for i, v in enumerate(out))
    assert all(v <= i + 9 for i, v in enumerate(ref3.shuffle_buffer(list(range(200)), 10, 1)))
    # the checker's diagnoses really differ from the right answer on its first fixed case
    first = [1, 2, 3, 1, 2, 4, 1, 2]
    slips = (_fifo_hit_rate(first, 2), lru_instead(first, 2), evicts_the_soonest_needed(first, 2))
    assert ref3.optimal_hit_rate(first, 2) not in slips
    assert keeps_keys_never_used_again([9, 1, 2, 1, 2], 2) != ref3.optimal_hit_rate([9, 1, 2, 1, 2], 2)


@pytest.mark.parametrize("shards", [3, 4, 5])
def test_uneven_shards_have_a_small_one_and_a_smaller_last_batch(shards):
    rng = np.random.default_rng(shards)
    for batch_size in (4, 6, 8):
        sizes = _uneven_shard_sizes(rng, shards, batch_size)
        assert len(sizes) == shards and min(sizes) < batch_size and sum(sizes) % batch_size
