"""Checkers for chapter 02 · Data formats."""
import io
import tempfile
import warnings
from pathlib import Path

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
          hints=("Let each value's Python type choose one of the three list kinds of an Example (ints, floats, "
                 "text); text has to become bytes first, and every list holds exactly one value.",
                 "int -> a Feature with an int64_list, float -> a float_list, str -> a bytes_list of "
                 "value.encode('utf-8'); the name -> Feature dict goes into tf.train.Features, and that into "
                 "tf.train.Example."))
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
          hints=("A column's pandas dtype decides which of TFRecord's three types it is stored as, and each row "
                 "holds exactly one value of it.",
                 "integer dtypes of any width -> tf.int64, float dtypes -> tf.float32, anything else -> "
                 "tf.string (pd.api.types.is_integer_dtype / is_float_dtype tell them apart); each entry is a "
                 "FixedLenFeature of shape [] with that dtype."))
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
          hints=("Shuffle indices, not data: keep a permutation of 0..n-1; batch i is the i-th slice of it, and "
                 "a fresh permutation from your own seeded generator replaces it when an epoch ends.",
                 "number of batches = ceil(n / batch_size); batch i holds the examples at positions "
                 "i * batch_size up to (i + 1) * batch_size of the current permutation, x and y alike; the "
                 "generator is seeded once, in the constructor, so each epoch's new permutation is reproducible."))
def check_make_shuffled_batches(make_shuffled_batches):
    rng = hidden_rng()
    batch_size = int(rng.integers(3, 6))
    uneven = batch_size * int(rng.integers(3, 6)) + int(rng.integers(1, batch_size))
    even = batch_size * int(rng.integers(3, 6))
    _check_one_dataset(make_shuffled_batches, rng, uneven, batch_size)
    _check_one_dataset(make_shuffled_batches, rng, even, batch_size)


# ------------------------------------------------------------------ predict, then run: a TFRecord file's size
SIZE_CHOICES = {
    "A": "smaller than the .npy file",
    "B": "about the same size (within 10%)",
    "C": "about twice as large (1.1 to 3 times)",
    "D": "at least three times as large",
}


def size_choice(ratio: float) -> str:
    """The choice of exercise 2.1 that a measured size ratio (TFRecord bytes / .npy bytes) falls in."""
    if ratio < 0.9:
        return "A"
    if ratio <= 1.1:
        return "B"
    return "C" if ratio < 3 else "D"


def _measured_sizes(n_images: int):
    """Write random 8x8x1 uint8 digits as a TFRecord of image Examples and as .npy; return both sizes."""
    from mio_utils import formats

    rng = hidden_rng()
    images = rng.integers(0, 256, (n_images, 8, 8, 1), dtype=np.uint8)
    labels = rng.integers(0, 10, n_images)
    with tempfile.TemporaryDirectory() as folder:
        record_bytes = formats.write_tfrecord(Path(folder) / "digits.tfrecord", images, labels).stat().st_size
    npy = io.BytesIO()
    np.save(npy, images)
    return record_bytes, len(npy.getvalue())


def choice(answer, choices, example: str = "A") -> str:
    """A learner's letter, upper-cased and stripped, or a Mismatch in plain words."""
    letters = ", ".join(choices)
    if not isinstance(answer, str):
        shown = repr(answer)[:40]
        raise Mismatch(f"answer with one of the letters {letters} as a string, e.g. my_prediction = \"{example}\"; "
                       f"got the {type(answer).__name__} {shown}.")
    letter = answer.strip().upper().rstrip(".)")
    if letter not in choices:
        raise Mismatch(f"{answer[:40]!r} is not one of the choices {letters}; write just the letter, "
                       f"e.g. my_prediction = \"{example}\".")
    return letter


@exercise("ch02.tfrecord_size", SOLUTION, kind="prediction",
          hints=("Look at what one Example holds besides the 64 pixel bytes, and what a TFRecord file adds around "
                 "each record; the .npy file pays its fixed costs once for the whole array.",
                 "per record: 16 bytes of framing (length, a checksum of the length, a checksum of the data) + "
                 "the Example's feature names 'image', 'shape', 'label', their tags and lengths, the three shape "
                 "numbers and the label; compare that total with 64 bytes of pixels."))
def check_tfrecord_size(prediction):
    letter = choice(prediction, SIZE_CHOICES, example="B")
    n_images = 1000
    record_bytes, npy_bytes = _measured_sizes(n_images)
    ratio = record_bytes / npy_bytes
    truth = size_choice(ratio)
    per_record = record_bytes / n_images
    overhead = per_record - 64
    why = (f"each record carries 16 bytes of framing (its length, a checksum of the length, a checksum of the "
           f"data) and its Example repeats the names 'image', 'shape' and 'label', the three shape numbers and "
           f"the label: {overhead:.0f} bytes around 64 bytes of pixels ({per_record:.0f} per record), while the "
           f".npy file pays one 128-byte header for the whole array.")
    if letter != truth:
        wrong = {
            "A": "a TFRecord file is not compressed (unless you ask for GZIP), and it stores more than the pixels: ",
            "B": "both do store one byte per pixel, but that is not all a record holds: ",
            "C": "the overhead is not what you think: ",
            "D": "the pixels go in as one bytes value (raw uint8, one byte each), not as a list of numbers; the "
                 "growth is a fixed cost per record: ",
        }[letter]
        raise Mismatch(f"{letter}, {SIZE_CHOICES[letter]}, is not what happens: {wrong}{why}")
    return (f"{truth}: measured on {n_images} random 8x8 images, the TFRecord file has {record_bytes:,} bytes and "
            f"the .npy file {npy_bytes:,}, {ratio:.2f} times as many. Why: {why} The cost is per record, so it "
            f"matters only for tiny examples: for a 224x224x3 photo (150,528 bytes of pixels) the same overhead "
            f"is under 0.1%.")


# ------------------------------------------------------------------ predict, then run: a truncated TFRecord file
TRUNCATION_CHOICES = {
    "A": "it raises an error at once, before yielding any record",
    "B": "it yields every complete record, then raises an error",
    "C": "it yields the complete records and stops without an error, like a shorter file",
    "D": "it yields every record, the cut one filled up with zeros",
}


def truncation_choice(complete: int, raised: bool, total: int) -> str:
    """The choice of exercise 2.2 that describes what reading a file cut inside a record did."""
    if complete >= total:
        return "D"
    if raised:
        return "A" if complete == 0 else "B"
    return "C"


def read_until_damage(path):
    """Read a TFRecord file with a plain TFRecordDataset: (records yielded, whether DataLossError came)."""
    import tensorflow as tf

    complete = 0
    try:
        for _ in tf.data.TFRecordDataset(str(path)):
            complete += 1
    except tf.errors.DataLossError:
        return complete, True
    return complete, False


def _truncated_read():
    """Write random digits, cut a copy in the middle of a record, read it: (complete, raised, before_cut, total)."""
    from mio_utils import formats

    rng = hidden_rng()
    total = int(rng.integers(20, 60))
    images = rng.integers(0, 256, (total, 8, 8, 1), dtype=np.uint8)
    with tempfile.TemporaryDirectory() as folder:
        path = formats.write_tfrecord(Path(folder) / "digits.tfrecord", images, rng.integers(0, 10, total))
        data = path.read_bytes()
        record = len(data) // total  # every record has the same size here
        before_cut = int(rng.integers(1, total - 1))
        damaged = path.with_name("cut.tfrecord")
        damaged.write_bytes(data[:before_cut * record + record // 2])
        complete, raised = read_until_damage(damaged)
    return complete, raised, before_cut, total


@exercise("ch02.truncated_read", SOLUTION, kind="prediction",
          hints=("A TFRecord file has no index and no footer: the reader learns a record is damaged only when it "
                 "reaches that record, and it has handed out the earlier ones by then.",
                 "each record starts with its length; the reader trusts it, tries to read that many bytes, and "
                 "finds fewer: TensorFlow reports that as a DataLossError for the cut record only."))
def check_truncated_read(prediction):
    letter = choice(prediction, TRUNCATION_CHOICES, example="A")
    complete, raised, before_cut, total = _truncated_read()
    truth = truncation_choice(complete, raised, total)
    why = (f"a file of {total} records cut in the middle of record {before_cut + 1}: tf.data yielded "
           f"{complete} records" + (", then raised DataLossError" if raised else " and stopped") + ". Each "
           "record starts with its length, and the file has no index, so the reader finds the damage only "
           "when that length promises more bytes than are left.")
    if letter != truth:
        wrong = {
            "A": "nothing checks the whole file before reading starts: ",
            "B": "look again at what the reader does: ",
            "C": "a cut inside a record is not a clean end: ",
            "D": "TensorFlow never invents data: ",
        }[letter]
        raise Mismatch(f"{letter}, {TRUNCATION_CHOICES[letter]}, is not what happens: {wrong}{why}")
    return (f"{truth}: {why} A training loop would have learned from the complete records before crashing. "
            "And a cut that falls exactly between two records gives answer C, a clean but shorter file: that "
            "is why a careful reader also checks how many records it expected.")


# ------------------------------------------------------------------ a variable-length feature
def token_record(tokens, label) -> bytes:
    """A serialized Example with a variable-length int64 feature ``tokens`` and one int64 ``label``."""
    import tensorflow as tf

    feature = {
        "tokens": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(t) for t in tokens])),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature)).SerializeToString()


def _parsed_pair(result, n_tokens):
    """(tokens, label) as NumPy arrays from what the learner returned for a record of n_tokens, or explain."""
    import tensorflow as tf

    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mismatch(f"for a record of {n_tokens} token(s) your function returned a {type(result).__name__}; "
                       "return a pair (tokens, label).")
    tokens, label = result
    if isinstance(tokens, tf.SparseTensor):
        raise Mismatch("tokens is a SparseTensor (what VarLenFeature parses to); return an ordinary 1-D tensor: "
                       "tf.sparse.to_dense turns one into the other.")
    if isinstance(tokens, tf.RaggedTensor):
        raise Mismatch(f"tokens is a RaggedTensor of shape {tokens.shape}; for one record return an ordinary 1-D "
                       "tensor (parse the record with parse_single_example, or take row 0).")
    try:
        tokens = np.asarray(tokens.numpy() if hasattr(tokens, "numpy") else tokens)
        label = np.asarray(label.numpy() if hasattr(label, "numpy") else label)
    except Exception:  # noqa: BLE001 - objects that are not tensors or arrays
        raise Mismatch("your function should return two tensors (tokens, label).") from None
    if tokens.ndim == 0 and label.ndim == 1:
        raise Mismatch("the first value you return is a single number and the second a list: return the pair in "
                       "the order (tokens, label).")
    if tokens.ndim == 0 and n_tokens == 1:
        raise Mismatch("for a record of one token, tokens is a single number (shape ()): a FixedLenFeature with "
                       "shape [] reads exactly one value per record. Return a 1-D tensor of all the record's "
                       "tokens, whatever their number.")
    return tokens, label


def _compare_tokens(tokens, label, want_tokens, want_label, where):
    if tokens.dtype != np.int64:
        raise Mismatch(f"{where} tokens has dtype {tokens.dtype}; keep int64, the only integer type TFRecord has "
                       "(token ids can exceed int32).")
    if tokens.shape != (len(want_tokens),):
        raise Mismatch(f"{where} tokens has shape {tokens.shape}; expected ({len(want_tokens)},), one value per "
                       "token, no padding.")
    if not np.array_equal(tokens, want_tokens):
        raise Mismatch(f"{where} tokens are {tokens[:6].tolist()}...; expected {list(want_tokens)[:6]}...")
    if label.shape != () or label.dtype.kind not in "iu" or int(label) != want_label:
        raise Mismatch(f"{where} label is {label.tolist()!r} (shape {label.shape}); expected the number "
                       f"{want_label}, a scalar.")


@exercise("ch02.parse_token_example", SOLUTION,
          hints=("A FixedLenFeature needs the same number of values in every record; a list whose length changes "
                 "from record to record needs a variable-length feature, then an ordinary 1-D tensor.",
                 "spec: tokens -> tf.io.VarLenFeature(tf.int64) (it parses to a SparseTensor: tf.sparse.to_dense "
                 "makes it 1-D) or tf.io.RaggedFeature(tf.int64); label -> tf.io.FixedLenFeature([], tf.int64); "
                 "then tf.io.parse_single_example(serialized, spec)."))
def check_parse_token_example(parse_token_example):
    import tensorflow as tf

    rng = hidden_rng()
    lengths = [1] + [int(n) for n in rng.permutation([0, 3, int(rng.integers(5, 12)), int(rng.integers(20, 40))])]
    cases = []
    for n in lengths:
        tokens = rng.integers(0, 30_000, n).astype(np.int64)
        if n > 3:
            tokens[int(rng.integers(0, n))] = 2**33 + int(rng.integers(0, 1000))  # beyond int32
        cases.append((tokens, int(rng.integers(0, 5))))
    outcomes = []
    for tokens, label in cases:
        try:
            outcomes.append(call(parse_token_example, tf.constant(token_record(tokens, label))))
        except Mismatch as why:
            outcomes.append(why)
    worked = [len(t) for (t, _), out in zip(cases, outcomes) if not isinstance(out, Mismatch)]
    failed = [(len(t), out) for (t, _), out in zip(cases, outcomes) if isinstance(out, Mismatch)]
    if failed:
        length, why = failed[0]
        if "parse serialized Example" in str(why):
            why = "tf.io could not parse its tokens with your spec (Can't parse serialized Example)."
        if worked:
            raise Mismatch(f"your function parses records of {sorted(set(worked))} token(s) but fails on one of "
                           f"{length}: {why} A FixedLenFeature expects the same number of values in every "
                           "record; a list whose length varies needs a variable-length feature.")
        if "Can't parse" in str(why):
            raise Mismatch(f"on a record of {length} token(s) {why} A FixedLenFeature expects the same number of "
                           "values in every record; a list whose length varies needs a variable-length feature.")
        raise why
    for (tokens, label), result in zip(cases, outcomes):
        got_tokens, got_label = _parsed_pair(result, len(tokens))
        _compare_tokens(got_tokens, got_label, tokens, label, f"for a record of {len(tokens)} token(s)")
    records = tf.data.Dataset.from_tensor_slices([token_record(t, y) for t, y in cases])
    try:
        mapped = [(t.numpy(), y.numpy()) for t, y in records.map(parse_token_example)]
    except Exception as error:  # noqa: BLE001 - the learner's function, traced as a graph, failed
        raise Mismatch(f"your function works on one record but fails inside Dataset.map, which runs it as a graph "
                       f"on symbolic tensors ({type(error).__name__}: {str(error)[:160]}). Use TensorFlow ops "
                       "only: no .numpy(), no Python lists built from tensor values.") from None
    for (tokens, label), (got_tokens, got_label) in zip(cases, mapped):
        _compare_tokens(np.asarray(got_tokens), np.asarray(got_label), tokens, label,
                        f"inside Dataset.map, for a record of {len(tokens)} token(s)")
