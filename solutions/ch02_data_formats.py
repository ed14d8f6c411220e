"""Reference answers for chapter 02 · Data formats."""
import keras
import numpy as np
import pandas as pd
import tensorflow as tf

# Exercise 2.1, predict then run: a TFRecord of 8x8 digits is about twice the size of the .npy file. Each record
# adds 16 bytes of framing and an Example that repeats its feature names, shape and label (about 67 bytes)
# to the 64 bytes of pixels; the .npy file pays one 128-byte header for the whole array.
tfrecord_size = "C"

# Exercise 2.2, predict then run: a TFRecord file cut inside a record yields every complete record, then raises
# DataLossError when the cut record's length promises more bytes than the file holds.
truncated_read = "B"


def row_to_example(row):
    """A dict of Python values as a tf.train.Example: ints -> int64_list, floats -> float_list, str -> bytes."""
    feature = {}
    for name, value in row.items():
        if isinstance(value, str):
            feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[value.encode("utf-8")]))
        elif isinstance(value, (int, np.integer)):
            feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
        else:
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
    return tf.train.Example(features=tf.train.Features(feature=feature))


def feature_spec(frame):
    """A parse spec from a DataFrame's dtypes: TFRecord has only int64, float32 and bytes (strings)."""
    spec = {}
    for name, dtype in frame.dtypes.items():
        if pd.api.types.is_integer_dtype(dtype):
            spec[name] = tf.io.FixedLenFeature([], tf.int64)
        elif pd.api.types.is_float_dtype(dtype):
            spec[name] = tf.io.FixedLenFeature([], tf.float32)
        else:
            spec[name] = tf.io.FixedLenFeature([], tf.string)
    return spec


class ShuffledBatches(keras.utils.PyDataset):
    """Batches over (x, y) in an order reshuffled at every epoch end, reproducibly from a seed."""

    def __init__(self, x, y, batch_size, seed, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.batch_size = x, y, batch_size
        self.rng = np.random.default_rng(seed)
        self.order = self.rng.permutation(len(x))

    def __len__(self):
        return int(np.ceil(len(self.x) / self.batch_size))

    def __getitem__(self, index):
        chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return self.x[chosen], self.y[chosen]

    def on_epoch_end(self):
        self.order = self.rng.permutation(len(self.x))


def make_shuffled_batches(x, y, batch_size, seed):
    return ShuffledBatches(x, y, batch_size, seed)


def parse_token_example(serialized):
    """One serialized Example with a variable-length int64 ``tokens`` list and an int64 ``label``."""
    spec = {"tokens": tf.io.VarLenFeature(tf.int64), "label": tf.io.FixedLenFeature([], tf.int64)}
    parsed = tf.io.parse_single_example(serialized, spec)
    return tf.sparse.to_dense(parsed["tokens"]), parsed["label"]
