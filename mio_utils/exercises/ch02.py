"""Checkers for chapter 02 · Data formats."""
import warnings

import numpy as np

from . import Mismatch, call, exercise, hidden_rng

SOLUTION = "ch02_data_formats.py"

_KIND = {int: "int64_list", float: "float_list", str: "bytes_list"}
_NAMES = ["age", "sex", "bmi", "visits", "bp", "height", "city", "score", "note", "weight", "ward", "code"]
_TEXTS = ["2", "obèse", "Zürich", "", "naïve café", "ok", "東京", "ß"]


def _as_example(result, what):
    import tensorflow as tf

    if isinstance(result, bytes):
        try:
            return tf.train.Example.FromString(result)
        except Exception:  # noqa: BLE001 - any parse failure means "not an Example"
            raise Mismatch(f"{what} is bytes that do not parse as a tf.train.Example.") from None
    if not isinstance(result, tf.train.Example):
        raise Mismatch(f"{what} is a {type(result).__name__}; return a tf.train.Example.")
    return result


def _random_row(rng):
    """A row of Python ints (some beyond float32's exact range), floats (some whole) and non-ASCII text."""
    names = rng.permutation(_NAMES)[:int(rng.integers(5, 9))]
    makers = [
        lambda: int(rng.integers(-100, 100)),
        lambda: 2**40 + int(rng.integers(1, 1000)),
        lambda: float(np.round(rng.normal() * 50, 2)),
        lambda: float(rng.integers(1, 9)),  # a whole float stays a float
        lambda: str(rng.choice(_TEXTS)),
    ]
    kinds = list(range(len(makers))) + list(rng.integers(0, len(makers), len(names) - len(makers)))
    return {str(name): makers[kind]() for name, kind in zip(names, rng.permutation(kinds))}


def _check_example(example, row):
    features = example.features.feature
    missing = sorted(set(row) - set(features))
    if missing:
        raise Mismatch(f"for the row {row!r} the Example lacks the feature(s) {missing}; every key of the row "
                       "becomes a feature.")
    extra = sorted(set(features) - set(row))
    if extra:
        raise Mismatch(f"the Example has feature(s) {extra} that are not in the row {row!r}.")
    for name, value in row.items():
        feature = features[name]
        kind = feature.WhichOneof("kind")
        expected = _KIND[type(value)]
        if kind != expected:
            why = {"int64_list": "integers belong in an int64_list (a float32 cannot even hold 2**40 + 1 exactly)",
                   "float_list": "floats belong in a float_list, even a whole one such as 3.0",
                   "bytes_list": "text belongs in a bytes_list, as UTF-8 bytes"}[expected]
            raise Mismatch(f"feature {name!r} ({value!r}) is stored as {kind}; {why}.")
        stored = list(getattr(feature, kind).value)
        if len(stored) != 1:
            raise Mismatch(f"feature {name!r} ({value!r}) holds {len(stored)} values; expected exactly one.")
        if kind == "bytes_list" and stored[0] != value.encode("utf-8"):
            raise Mismatch(f"feature {name!r} holds {stored[0]!r}; expected the UTF-8 bytes "
                           f"{value.encode('utf-8')!r}.")
        if kind == "int64_list" and stored[0] != value:
            raise Mismatch(f"feature {name!r} holds {stored[0]}; expected {value}.")
        if kind == "float_list" and not np.isclose(stored[0], np.float32(value)):
            raise Mismatch(f"feature {name!r} holds {stored[0]}; expected {value}.")


@exercise("ch02.row_to_example", SOLUTION,
          hint="tf.train.Feature(int64_list=tf.train.Int64List(value=[v])) for ints, FloatList for floats, "
               "BytesList(value=[v.encode('utf-8')]) for strings; wrap them in tf.train.Features(feature=...).")
def check_row_to_example(row_to_example):
    rng = hidden_rng()
    rows = [{"age": 59, "sex": "2", "bmi": 32.1, "visits": 2**40 + 1, "bmi_class": "obèse"},
            _random_row(rng), _random_row(rng)]
    for row in rows:
        example = _as_example(call(row_to_example, dict(row)), "the result for " + repr(row))
        _check_example(example, row)


# pandas column types a learner meets, with the TFRecord type each one needs
_COLUMN_TYPES = [
    ("int64", lambda rng, n: rng.integers(0, 99, n).astype(np.int64), "int64"),
    ("int32", lambda rng, n: rng.integers(0, 99, n).astype(np.int32), "int64"),
    ("int16", lambda rng, n: rng.integers(0, 99, n).astype(np.int16), "int64"),
    ("uint8", lambda rng, n: rng.integers(0, 99, n).astype(np.uint8), "int64"),
    ("float64", lambda rng, n: np.round(rng.normal(size=n) * 9, 2), "float32"),
    ("float32", lambda rng, n: rng.normal(size=n).astype(np.float32), "float32"),
    ("str", lambda rng, n: np.array([str(v) for v in rng.integers(0, 3, n)], dtype=object).astype(str), "string"),
    ("object", lambda rng, n: np.array([str(rng.choice(_TEXTS)) for _ in range(n)], dtype=object), "string"),
]


def _random_frame(rng):
    import pandas as pd

    order = list(range(len(_COLUMN_TYPES))) + list(rng.integers(0, len(_COLUMN_TYPES), 3))
    names = rng.permutation(_NAMES)[:len(order)]
    columns, wanted = {}, {}
    for name, kind in zip(names, rng.permutation(order)):
        label, make, tf_type = _COLUMN_TYPES[kind]
        values = make(rng, 3)
        columns[str(name)] = pd.Series(values, dtype={"str": str, "object": object}.get(label, values.dtype))
        wanted[str(name)] = tf_type
    return pd.DataFrame(columns), wanted


def _as_dtype(entry, name):
    import tensorflow as tf

    try:
        return tf.as_dtype(entry.dtype)
    except Exception:  # noqa: BLE001 - not a dtype at all
        raise Mismatch(f"spec[{name!r}] has dtype {entry.dtype!r}, which is not a TensorFlow dtype.") from None


def _example_of(frame, wanted, index):
    import tensorflow as tf

    feature = {}
    for name, tf_type in wanted.items():
        value = frame[name].iloc[index]
        if tf_type == "int64":
            feature[name] = tf.train.Feature(int64_list=tf.train.Int64List(value=[int(value)]))
        elif tf_type == "float32":
            feature[name] = tf.train.Feature(float_list=tf.train.FloatList(value=[float(value)]))
        else:
            feature[name] = tf.train.Feature(bytes_list=tf.train.BytesList(value=[str(value).encode()]))
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


@exercise("ch02.feature_spec", SOLUTION,
          hint="pd.api.types.is_integer_dtype -> tf.int64, is_float_dtype -> tf.float32, otherwise tf.string; "
               "tf.io.FixedLenFeature([], dtype) for one value per row.")
def check_feature_spec(feature_spec):
    import tensorflow as tf

    frame, wanted = _random_frame(hidden_rng())
    spec = call(feature_spec, frame.copy())
    if not isinstance(spec, dict):
        raise Mismatch(f"feature_spec returned a {type(spec).__name__}; return a dict {{column: FixedLenFeature}}.")
    missing = [c for c in frame.columns if c not in spec]
    if missing:
        raise Mismatch(f"the spec lacks column(s) {missing}; every column needs an entry.")
    extra = [repr(k) for k in spec if k not in frame.columns]
    if extra:
        raise Mismatch(f"the spec has entries {extra} that are not columns of the frame.")
    for name, tf_type in wanted.items():
        entry = spec[name]
        if not isinstance(entry, tf.io.FixedLenFeature):
            raise Mismatch(f"spec[{name!r}] is a {type(entry).__name__}; use tf.io.FixedLenFeature([], dtype).")
        try:
            shape = tuple(entry.shape)
        except TypeError:
            shape = entry.shape
        if shape != ():
            raise Mismatch(f"spec[{name!r}] has shape {entry.shape!r}; use [] for one value per row.")
        dtype = _as_dtype(entry, name)
        if dtype == tf.float64:
            raise Mismatch(f"spec[{name!r}] is float64, which tf.io cannot parse: TFRecord floats are float32.")
        if dtype.is_integer and dtype != tf.int64:
            raise Mismatch(f"spec[{name!r}] is {dtype.name}; TFRecord integers are always int64.")
        if dtype.name != tf_type:
            raise Mismatch(f"spec[{name!r}] is {dtype.name} for a column of type {frame[name].dtype}; "
                           f"expected tf.{tf_type}.")
    try:
        parsed = tf.io.parse_example([_example_of(frame, wanted, i) for i in range(len(frame))], spec)
    except Exception as error:  # noqa: BLE001 - the learner's spec, not the checker, is at fault
        raise Mismatch(f"tf.io.parse_example could not use your spec: {str(error)[:200]}") from None
    for name, tf_type in wanted.items():
        if tf_type == "int64" and parsed[name].numpy().tolist() != frame[name].astype(int).tolist():
            raise Mismatch(f"parsing with your spec did not give back column {name!r}.")


# ------------------------------------------------------------------ the reshuffling PyDataset
def _batch_arrays(part, index, feature_shape, batch_size):
    """(x_batch, y_batch) as arrays, or a plain-words reason why ``part`` is not one batch."""
    if not isinstance(part, (tuple, list)) or len(part) != 2:
        got = f"a {type(part).__name__}" + (f" of length {len(part)}" if isinstance(part, (tuple, list)) else "")
        raise Mismatch(f"batch {index} is {got}; __getitem__ must return a pair (x_batch, y_batch).")
    for what, value in zip(("x_batch", "y_batch"), part):
        if isinstance(value, (list, tuple)):
            raise Mismatch(f"in batch {index} {what} is a {type(value).__name__} of {len(value)} items; Keras reads "
                           "a list as several inputs. Return one array per side, e.g. self.x[indices].")
    try:
        xb = np.asarray(part[0].numpy() if hasattr(part[0], "numpy") else part[0])
        yb = np.asarray(part[1].numpy() if hasattr(part[1], "numpy") else part[1])
    except Exception:  # noqa: BLE001 - ragged lists, generators, objects...
        raise Mismatch(f"batch {index} does not hold two regular arrays (x_batch, y_batch).") from None
    if yb.ndim == 0 or xb.shape == feature_shape:
        raise Mismatch(f"batch {index} is one example (x shaped {xb.shape}, y shaped {yb.shape}); "
                       f"__getitem__(index) returns the index-th batch: up to {batch_size} examples, x shaped "
                       f"(batch, {', '.join(map(str, feature_shape))}) and y shaped (batch,).")
    if yb.ndim != 1 or xb.shape[1:] != feature_shape or len(xb) != len(yb):
        raise Mismatch(f"batch {index} has x shaped {xb.shape} and y shaped {yb.shape}; expected x shaped "
                       f"(batch, {', '.join(map(str, feature_shape))}) and y shaped (batch,), with the same batch.")
    return xb, yb


def _epoch(batches, n_batches, feature_shape, batch_size):
    """Run one epoch as fit does: on_epoch_begin, every batch in turn, on_epoch_end. Returns x, y, sizes."""
    call(batches.on_epoch_begin, allow_none=True)
    parts = [_batch_arrays(call(batches.__getitem__, i), i, feature_shape, batch_size) for i in range(n_batches)]
    call(batches.on_epoch_end, allow_none=True)
    xs = np.concatenate([p[0] for p in parts])
    ys = np.concatenate([p[1] for p in parts])
    return xs, ys, [len(p[1]) for p in parts]


def _n_batches(batches):
    try:
        count = call(lambda: batches.num_batches, allow_none=True)
    except NotImplementedError:
        raise Mismatch("your PyDataset has no __len__: define it to return the number of batches.") from None
    if count is None:
        raise Mismatch("num_batches is None, which Keras reads as an endless dataset; return the number of batches.")
    return count


def _check_calls_super(batches):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        call(lambda: batches.workers)
    if any("super().__init__" in str(w.message) for w in caught):
        raise Mismatch("your class does not call super().__init__(**kwargs); Keras needs it to set up workers.")


def _check_one_dataset(make_shuffled_batches, rng, n, batch_size):
    import keras

    labels = rng.permutation(n) + int(rng.integers(0, 100))
    x = np.stack([labels * 10, labels * 10 + 1], axis=1).astype(np.float32)
    y = labels.astype(np.int64)
    seed = int(rng.integers(0, 1000))
    name = f"{n} examples in batches of {batch_size}"

    batches = call(make_shuffled_batches, x, y, batch_size, seed)
    if not isinstance(batches, keras.utils.PyDataset):
        raise Mismatch(f"the result is a {type(batches).__name__}; subclass keras.utils.PyDataset so that "
                       "fit can use its workers.")
    _check_calls_super(batches)
    expected = -(-n // batch_size)
    n_batches = _n_batches(batches)
    if not isinstance(n_batches, (int, np.integer)) or isinstance(n_batches, bool):
        raise Mismatch(f"len() of your dataset is {n_batches!r}; return a whole number, the number of batches.")
    if n_batches == n // batch_size and n % batch_size:
        raise Mismatch(f"{name} make {expected} batches, not {n_batches}: you drop the last, smaller batch.")
    if n_batches != expected:
        raise Mismatch(f"{name} should make {expected} batches; len() says {n_batches}.")
    other = call(make_shuffled_batches, x, y, batch_size, seed)
    orders = []
    for epoch in range(3):
        xs, ys, sizes = _epoch(batches, n_batches, x.shape[1:], batch_size)
        last = n - (expected - 1) * batch_size
        if sizes != [batch_size] * (expected - 1) + [last]:
            raise Mismatch(f"for {name} the batch sizes are {sizes}; expected {expected - 1} batch(es) of "
                           f"{batch_size}, then a last one of {last}.")
        if sorted(ys.tolist()) != sorted(y.tolist()):
            raise Mismatch(f"epoch {epoch + 1} of {name} does not hold every example exactly once "
                           f"(labels {ys.tolist()}).")
        if not np.array_equal(xs[:, 0], ys * 10):
            raise Mismatch("x and y no longer match: shuffle both with the same permutation of indices.")
        if orders and any(np.array_equal(ys, seen) for seen in orders):
            raise Mismatch(f"the order of epoch {epoch + 1} is the same after on_epoch_end as in an earlier "
                           "epoch: draw a new random permutation there.")
        orders.append(ys)
        _, other_ys, _ = _epoch(other, n_batches, x.shape[1:], batch_size)
        if not np.array_equal(other_ys, ys):
            raise Mismatch("two datasets made with the same seed, used side by side, give different orders at "
                           f"epoch {epoch + 1}: keep your own generator, np.random.default_rng(seed), rather "
                           "than the global random state.")
    different = call(make_shuffled_batches, x, y, batch_size, seed + 1)
    seen = [_epoch(different, n_batches, x.shape[1:], batch_size)[1] for _ in range(2)]
    if all(np.array_equal(a, b) for a, b in zip(seen, orders)):
        raise Mismatch("a different seed gives the same orders: draw the permutations from "
                       "np.random.default_rng(seed).")


@exercise("ch02.make_shuffled_batches", SOLUTION,
          hint="subclass keras.utils.PyDataset, call super().__init__(**kwargs), keep a permutation of the "
               "indices from np.random.default_rng(seed), and draw a new one in on_epoch_end.")
def check_make_shuffled_batches(make_shuffled_batches):
    rng = hidden_rng()
    batch_size = int(rng.integers(3, 6))
    uneven = batch_size * int(rng.integers(3, 6)) + int(rng.integers(1, batch_size))
    even = batch_size * int(rng.integers(3, 6))
    _check_one_dataset(make_shuffled_batches, rng, uneven, batch_size)
    _check_one_dataset(make_shuffled_batches, rng, even, batch_size)
