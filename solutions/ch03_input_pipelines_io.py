"""Reference answers for chapter 03 · Input pipelines and I/O."""
from collections import OrderedDict

import numpy as np
import tensorflow as tf

from mio_utils import formats, pipelines


def lru_hit_rate(accesses, capacity):
    """Fraction of accesses served by a least-recently-used cache holding at most `capacity` keys."""
    cache, hits = OrderedDict(), 0
    for key in accesses:
        if key in cache:
            hits += 1
            cache.move_to_end(key)  # now the most recently used
        elif capacity > 0:
            cache[key] = True
            if len(cache) > capacity:
                cache.popitem(last=False)  # evict the least recently used
    return hits / len(accesses) if accesses else 0.0


def shuffle_buffer(items, buffer_size, seed):
    """tf.data's shuffle algorithm: output a random element of a buffer of `buffer_size`, refill it."""
    rng = np.random.default_rng(seed)
    buffer, out = [], []
    for item in items:
        if len(buffer) < buffer_size:
            buffer.append(item)
            continue
        index = rng.integers(len(buffer))
        out.append(buffer[index])
        buffer[index] = item
    while buffer:  # the input is exhausted: empty the buffer in random order
        out.append(buffer.pop(rng.integers(len(buffer))))
    return out


def fast_pipeline(files, batch_size, read):
    """Parallel reads over the shards, batch before map, a parallel vectorised read+parse, prefetch."""
    shards = tf.data.Dataset.from_tensor_slices(list(files))
    records = shards.interleave(tf.data.TFRecordDataset, cycle_length=len(files),
                                num_parallel_calls=tf.data.AUTOTUNE)
    batches = records.batch(batch_size)
    parsed = batches.map(lambda b: formats.parse_image_batch(read(b), pipelines.IMAGE_SHAPE),
                         num_parallel_calls=tf.data.AUTOTUNE)
    return parsed.prefetch(tf.data.AUTOTUNE)
