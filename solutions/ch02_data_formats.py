"""Reference answers for chapter 02 · Data formats."""
import keras
import numpy as np
import pandas as pd
import tensorflow as tf


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
