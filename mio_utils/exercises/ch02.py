"""Checkers for chapter 02 · Data formats."""
import numpy as np

from . import Mismatch, call, exercise

SOLUTION = "ch02_data_formats.py"

_KIND = {int: "int64_list", float: "float_list", str: "bytes_list"}


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


@exercise("ch02.row_to_example", SOLUTION,
          hint="tf.train.Feature(int64_list=tf.train.Int64List(value=[v])) for ints, FloatList for floats, "
               "BytesList(value=[v.encode('utf-8')]) for strings; wrap them in tf.train.Features(feature=...).")
def check_row_to_example(row_to_example):
    row = {"age": 59, "sex": "2", "bmi": 32.1, "visits": 2**40 + 1, "bmi_class": "obèse"}
    example = _as_example(call(row_to_example, dict(row)), "the result for " + repr(row))
    features = example.features.feature
    missing = sorted(set(row) - set(features))
    if missing:
        raise Mismatch(f"the Example lacks the feature(s) {missing}; every key of the row becomes a feature.")
    extra = sorted(set(features) - set(row))
    if extra:
        raise Mismatch(f"the Example has feature(s) {extra} that are not in the row.")
    for name, value in row.items():
        feature = features[name]
        kind = feature.WhichOneof("kind")
        expected = _KIND[type(value)]
        if kind != expected:
            why = {"int64_list": "integers belong in an int64_list (a float32 cannot even hold 2**40 + 1 exactly)",
                   "float_list": "floats belong in a float_list",
                   "bytes_list": "text belongs in a bytes_list, as UTF-8 bytes"}[expected]
            raise Mismatch(f"feature {name!r} ({value!r}) is stored as {kind}; {why}.")
        stored = list(getattr(feature, kind).value)
        if len(stored) != 1:
            raise Mismatch(f"feature {name!r} holds {len(stored)} values; expected exactly one.")
        if kind == "bytes_list" and stored[0] != value.encode("utf-8"):
            raise Mismatch(f"feature {name!r} holds {stored[0]!r}; "
                           f"expected the UTF-8 bytes {value.encode('utf-8')!r}.")
        if kind == "int64_list" and stored[0] != value:
            raise Mismatch(f"feature {name!r} holds {stored[0]}; expected {value}.")
        if kind == "float_list" and not np.isclose(stored[0], np.float32(value)):
            raise Mismatch(f"feature {name!r} holds {stored[0]}; expected {value}.")


@exercise("ch02.feature_spec", SOLUTION,
          hint="pd.api.types.is_integer_dtype -> tf.int64, is_float_dtype -> tf.float32, otherwise tf.string; "
               "tf.io.FixedLenFeature([], dtype) for one value per row.")
def check_feature_spec(feature_spec):
    import pandas as pd
    import tensorflow as tf

    frame = pd.DataFrame({
        "age": np.array([59, 48], dtype=np.int64),
        "visits": np.array([1, 3], dtype=np.int32),
        "bmi": np.array([32.1, 21.6], dtype=np.float64),
        "bp": np.array([101.0, 87.0], dtype=np.float32),
        "sex": pd.Series(["2", "1"], dtype=str),
        "note": pd.Series(["a", "b"], dtype=object),
    })
    spec = call(feature_spec, frame.copy())
    if not isinstance(spec, dict):
        raise Mismatch(f"feature_spec returned a {type(spec).__name__}; return a dict {{column: FixedLenFeature}}.")
    missing = [c for c in frame.columns if c not in spec]
    if missing:
        raise Mismatch(f"the spec lacks column(s) {missing}; every column needs an entry.")
    expected = {"age": tf.int64, "visits": tf.int64, "bmi": tf.float32, "bp": tf.float32,
                "sex": tf.string, "note": tf.string}
    for name, dtype in expected.items():
        entry = spec[name]
        if not isinstance(entry, tf.io.FixedLenFeature):
            raise Mismatch(f"spec[{name!r}] is a {type(entry).__name__}; use tf.io.FixedLenFeature([], dtype).")
        if tuple(entry.shape) != ():
            raise Mismatch(f"spec[{name!r}] has shape {list(entry.shape)}; use [] for one value per row.")
        if entry.dtype == tf.float64:
            raise Mismatch(f"spec[{name!r}] is float64, which tf.io cannot parse: TFRecord floats are float32.")
        if entry.dtype == tf.int32:
            raise Mismatch(f"spec[{name!r}] is int32; TFRecord integers are always int64.")
        if entry.dtype != dtype:
            raise Mismatch(f"spec[{name!r}] is {entry.dtype.name} for a column of type {frame[name].dtype}; "
                           f"expected {dtype.name}.")
    serialized = tf.train.Example(features=tf.train.Features(feature={
        "age": tf.train.Feature(int64_list=tf.train.Int64List(value=[59])),
        "visits": tf.train.Feature(int64_list=tf.train.Int64List(value=[1])),
        "bmi": tf.train.Feature(float_list=tf.train.FloatList(value=[32.1])),
        "bp": tf.train.Feature(float_list=tf.train.FloatList(value=[101.0])),
        "sex": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"2"])),
        "note": tf.train.Feature(bytes_list=tf.train.BytesList(value=[b"a"])),
    })).SerializeToString()
    try:
        parsed = tf.io.parse_example([serialized], {k: spec[k] for k in expected})
    except Exception as error:  # noqa: BLE001
        raise Mismatch(f"tf.io.parse_example could not use your spec: {error}") from None
    if int(parsed["age"][0]) != 59:
        raise Mismatch("parsing with your spec did not give back age 59.")


@exercise("ch02.make_shuffled_batches", SOLUTION,
          hint="subclass keras.utils.PyDataset, call super().__init__(**kwargs), keep a permutation of the "
               "indices from np.random.default_rng(seed), and draw a new one in on_epoch_end.")
def check_make_shuffled_batches(make_shuffled_batches):
    import keras

    x = np.arange(10) * 10
    y = np.arange(10)

    def epoch(batches):
        parts = [call(batches.__getitem__, i) for i in range(len(batches))]
        if not all(isinstance(p, tuple) and len(p) == 2 for p in parts):
            raise Mismatch("each batch must be a pair (x_batch, y_batch).")
        xs = np.concatenate([np.asarray(p[0]) for p in parts])
        ys = np.concatenate([np.asarray(p[1]) for p in parts])
        return xs, ys, [len(p[1]) for p in parts]

    batches = call(make_shuffled_batches, x, y, 3, 0)
    if not isinstance(batches, keras.utils.PyDataset):
        raise Mismatch(f"the result is a {type(batches).__name__}; subclass keras.utils.PyDataset so that "
                       "fit can use its workers.")
    if "_workers" not in vars(batches):
        raise Mismatch("your class does not call super().__init__(**kwargs); Keras needs it to set up workers.")
    n_batches = call(len, batches)
    if n_batches == 3:
        raise Mismatch("10 examples in batches of 3 make 4 batches, not 3: you drop the last, smaller batch.")
    if n_batches != 4:
        raise Mismatch(f"10 examples in batches of 3 should make 4 batches; len() says {n_batches}.")
    xs, ys, sizes = epoch(batches)
    if sorted(sizes, reverse=True) != [3, 3, 3, 1]:
        raise Mismatch(f"the batch sizes are {sizes}; expected three batches of 3 and one of 1.")
    if sorted(ys.tolist()) != list(range(10)):
        raise Mismatch(f"one epoch yields labels {ys.tolist()}; every example must appear exactly once.")
    if not np.array_equal(xs, ys * 10):
        raise Mismatch("x and y no longer match: shuffle both with the same permutation of indices.")
    call(batches.on_epoch_end)
    xs2, ys2, _ = epoch(batches)
    if sorted(ys2.tolist()) != list(range(10)) or not np.array_equal(xs2, ys2 * 10):
        raise Mismatch("after on_epoch_end the batches no longer hold every example once, with matching x and y.")
    if np.array_equal(ys, ys2):
        raise Mismatch("the order is the same after on_epoch_end: draw a new permutation there.")
    again = call(make_shuffled_batches, x, y, 3, 0)
    first, _, _ = epoch(again)
    call(again.on_epoch_end)
    second, _, _ = epoch(again)
    if not (np.array_equal(first, xs) and np.array_equal(second, xs2)):
        raise Mismatch("two objects made with the same seed give different orders: draw the permutations from "
                       "np.random.default_rng(seed), not from the global random state.")
