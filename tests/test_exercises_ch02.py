"""Chapter 02 and 03 checkers reject plausible wrong answers, each with a specific explanation."""
import functools

import keras
import numpy as np
import pytest
import tensorflow as tf

from mio_utils import formats, pipelines
from mio_utils.exercises import assert_rejects
from solutions import ch02_data_formats as ref2
from solutions import ch03_input_pipelines_io as ref3


# ---------------------------------------------------------------------------------------- chapter 02
def all_floats(row):
    feature = {k: tf.train.Feature(float_list=tf.train.FloatList(value=[float(v)])) if not isinstance(v, str)
               else tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode()])) for k, v in row.items()}
    return tf.train.Example(features=tf.train.Features(feature=feature))


def latin1_strings(row):
    example = ref2.row_to_example(row)
    for key, value in row.items():
        if isinstance(value, str):
            del example.features.feature[key].bytes_list.value[:]
            example.features.feature[key].bytes_list.value.append(value.encode("latin-1"))
    return example


def forgets_a_feature(row):
    return ref2.row_to_example({k: v for k, v in row.items() if k != "sex"})


def float64_spec(frame):
    spec = ref2.feature_spec(frame)
    return {k: tf.io.FixedLenFeature([], tf.float64) if v.dtype == tf.float32 else v for k, v in spec.items()}


def int32_spec(frame):
    spec = ref2.feature_spec(frame)
    return {k: tf.io.FixedLenFeature([], tf.int32) if v.dtype == tf.int64 else v for k, v in spec.items()}


def shape_one_spec(frame):
    return {k: tf.io.FixedLenFeature([1], v.dtype) for k, v in ref2.feature_spec(frame).items()}


class FloorBatches(ref2.ShuffledBatches):
    def __len__(self):
        return len(self.x) // self.batch_size


class NeverReshuffles(ref2.ShuffledBatches):
    def on_epoch_end(self):
        pass


class ShufflesSeparately(ref2.ShuffledBatches):
    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[self.order[part]], self.y[np.sort(self.order)[part]]


class NoSuper(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, seed):  # forgets super().__init__()
        self.inner = ref2.ShuffledBatches(x, y, batch_size, seed)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        return self.inner[index]


class Unseeded(ref2.ShuffledBatches):
    def on_epoch_end(self):
        self.order = np.random.permutation(len(self.x))


@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch02.row_to_example", all_floats, "int64_list"),
    ("ch02.row_to_example", latin1_strings, "UTF-8"),
    ("ch02.row_to_example", forgets_a_feature, "lacks the feature(s) ['sex']"),
    ("ch02.row_to_example", lambda row: row, "return a tf.train.Example"),
    ("ch02.feature_spec", float64_spec, "float64"),
    ("ch02.feature_spec", int32_spec, "always int64"),
    ("ch02.feature_spec", shape_one_spec, "use [] for one value"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: FloorBatches(x, y, b, s), "drop the last"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: NeverReshuffles(x, y, b, s), "same after on_epoch_end"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: ShufflesSeparately(x, y, b, s), "no longer match"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: NoSuper(x, y, b, s), "super().__init__"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: Unseeded(x, y, b, s), "same seed"),
])
def test_ch02_checkers_reject(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


def test_ch02_reference_parses_back():
    row = {"age": 59, "sex": "2", "bmi": 32.5}
    spec = {"age": tf.io.FixedLenFeature([], tf.int64), "sex": tf.io.FixedLenFeature([], tf.string),
            "bmi": tf.io.FixedLenFeature([], tf.float32)}
    parsed = tf.io.parse_single_example(ref2.row_to_example(row).SerializeToString(), spec)
    assert int(parsed["age"]) == 59 and parsed["sex"].numpy() == b"2" and float(parsed["bmi"]) == 32.5


# ---------------------------------------------------------------------------------------- chapter 03
def fifo_hit_rate(accesses, capacity):
    cache, hits = [], 0
    for key in accesses:
        if key in cache:
            hits += 1
        else:
            cache.append(key)
            if len(cache) > capacity:
                cache.pop(0)
    return hits / len(accesses)


def hit_count(accesses, capacity):
    return ref3.lru_hit_rate(accesses, capacity) * len(accesses)


def unbounded_cache(accesses, capacity):
    return ref3.lru_hit_rate(accesses, len(accesses))


def full_shuffle(items, buffer_size, seed):
    return list(np.random.default_rng(seed).permutation(items))


def drops_the_tail(items, buffer_size, seed):
    return ref3.shuffle_buffer(items, buffer_size, seed)[: max(0, len(items) - buffer_size)] or list(items)


def global_rng(items, buffer_size, seed):
    return ref3.shuffle_buffer(items, buffer_size, np.random.randint(1 << 30))


def no_shuffle(items, buffer_size, seed):
    return list(items)


def _read_parse(read):
    return lambda batch: formats.parse_image_batch(read(batch), pipelines.IMAGE_SHAPE)


def sequential_files(files, batch_size, read):
    records = tf.data.TFRecordDataset(list(files)).batch(batch_size)
    return records.map(_read_parse(read), num_parallel_calls=4).prefetch(tf.data.AUTOTUNE)


def map_then_batch(files, batch_size, read):
    records = tf.data.Dataset.from_tensor_slices(list(files)).interleave(
        tf.data.TFRecordDataset, cycle_length=4, num_parallel_calls=4)
    parsed = records.map(lambda r: formats.parse_image_example(read(r)), num_parallel_calls=4)
    return parsed.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def no_prefetch(files, batch_size, read):
    return ref3.fast_pipeline(files, batch_size, read)._input_dataset  # noqa: SLF001 - strip the last stage


def loses_records(files, batch_size, read):
    return ref3.fast_pipeline(files[:2], batch_size, read)


@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch03.lru_hit_rate", fifo_hit_rate, "FIFO"),
    ("ch03.lru_hit_rate", hit_count, "number of hits"),
    ("ch03.lru_hit_rate", unbounded_cache, "functools.lru_cache gets"),
    ("ch03.shuffle_buffer", full_shuffle, "cannot look further ahead"),
    ("ch03.shuffle_buffer", drops_the_tail, "empty the buffer"),
    ("ch03.shuffle_buffer", no_shuffle, "did not change"),
    ("ch03.shuffle_buffer", global_rng, "same seed"),
    ("ch03.fast_pipeline", sequential_files, "not read in parallel"),
    ("ch03.fast_pipeline", map_then_batch, "batch first"),
    ("ch03.fast_pipeline", no_prefetch, "no prefetch"),
    ("ch03.fast_pipeline", loses_records, "the 4 shards hold 64"),
])
def test_ch03_checkers_reject(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


def test_ch03_references_agree_with_libraries():
    accesses = list(np.random.default_rng(0).integers(0, 20, 300))

    @functools.lru_cache(maxsize=7)
    def read(key):
        return key

    for key in accesses:
        read(key)
    assert ref3.lru_hit_rate(accesses, 7) == read.cache_info().hits / len(accesses)
    # tf.data's shuffle obeys the same bound as the reference: nothing leaves more than buffer-1 places early
    out = [int(v) for v in tf.data.Dataset.range(200).shuffle(10, seed=1)]
    assert all(v <= i + 9 for i, v in enumerate(out))
    assert all(v <= i + 9 for i, v in enumerate(ref3.shuffle_buffer(list(range(200)), 10, 1)))
