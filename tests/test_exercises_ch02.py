"""Chapter 02 checkers: reject plausible wrong answers, each with a specific explanation, and accept other
correct answers."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from mio_utils.exercises import assert_accepts, assert_rejects
from solutions import ch02_data_formats as ref


# ------------------------------------------------------------------------------------ row_to_example
def all_floats(row):
    feature = {k: tf.train.Feature(float_list=tf.train.FloatList(value=[float(v)])) if not isinstance(v, str)
               else tf.train.Feature(bytes_list=tf.train.BytesList(value=[v.encode()])) for k, v in row.items()}
    return tf.train.Example(features=tf.train.Features(feature=feature))


def latin1_strings(row):
    example = ref.row_to_example(row)
    for key, value in row.items():
        if isinstance(value, str):
            del example.features.feature[key].bytes_list.value[:]
            example.features.feature[key].bytes_list.value.append(value.encode("latin-1", "replace"))
    return example


def forgets_a_feature(row):
    return ref.row_to_example({k: v for k, v in row.items() if k != "sex"})


def whole_floats_as_ints(row):
    return ref.row_to_example({k: int(v) if isinstance(v, float) and v.is_integer() else v for k, v in row.items()})


def everything_as_text(row):
    feature = {k: tf.train.Feature(bytes_list=tf.train.BytesList(value=[str(v).encode()])) for k, v in row.items()}
    return tf.train.Example(features=tf.train.Features(feature=feature))


def memorised_example(row):
    return ref.row_to_example({"age": 59, "sex": "2", "bmi": 32.1, "visits": 2**40 + 1, "bmi_class": "obèse"})


def encodes_in_place(row):
    for key, value in row.items():
        if isinstance(value, str):
            row[key] = value.encode("utf-8")
    feature = {k: tf.train.Feature(bytes_list=tf.train.BytesList(value=[v])) if isinstance(v, bytes)
               else ref.row_to_example({k: v}).features.feature[k] for k, v in row.items()}
    return tf.train.Example(features=tf.train.Features(feature=feature))


def append_style_example(row):
    example = tf.train.Example()
    for name, value in row.items():
        feature = example.features.feature[name]
        if type(value) is int:
            feature.int64_list.value.append(value)
        elif type(value) is float:
            feature.float_list.value.append(value)
        else:
            feature.bytes_list.value.append(bytes(value, "utf-8"))
    return example


# -------------------------------------------------------------------------------------- feature_spec
def float64_spec(frame):
    spec = ref.feature_spec(frame)
    return {k: tf.io.FixedLenFeature([], tf.float64) if v.dtype == tf.float32 else v for k, v in spec.items()}


def int32_spec(frame):
    spec = ref.feature_spec(frame)
    return {k: tf.io.FixedLenFeature([], tf.int32) if v.dtype == tf.int64 else v for k, v in spec.items()}


def shape_one_spec(frame):
    return {k: tf.io.FixedLenFeature([1], v.dtype) for k, v in ref.feature_spec(frame).items()}


def only_int64_is_integer(frame):
    """Compares dtype names: int32, int16 and uint8 columns fall through to text."""
    kinds = {"int64": tf.int64, "float64": tf.float32, "float32": tf.float32}
    return {k: tf.io.FixedLenFeature([], kinds.get(str(d), tf.string)) for k, d in frame.dtypes.items()}


def var_len_spec(frame):
    return {k: tf.io.VarLenFeature(v.dtype) for k, v in ref.feature_spec(frame).items()}


def memorised_spec(frame):
    return {"age": tf.io.FixedLenFeature([], tf.int64), "sex": tf.io.FixedLenFeature([], tf.string),
            "bmi": tf.io.FixedLenFeature([], tf.float32)}


def kind_letter_spec(frame):
    kinds = {"i": "int64", "u": "int64", "f": "float32"}
    return {name: tf.io.FixedLenFeature((), kinds.get(frame[name].dtype.kind, "string")) for name in frame}


# ----------------------------------------------------------------------------- make_shuffled_batches
class FloorBatches(ref.ShuffledBatches):
    def __len__(self):
        return len(self.x) // self.batch_size


class NeverReshuffles(ref.ShuffledBatches):
    def on_epoch_end(self):
        pass


class ShufflesSeparately(ref.ShuffledBatches):
    def __getitem__(self, index):
        part = slice(index * self.batch_size, (index + 1) * self.batch_size)
        return self.x[self.order[part]], self.y[np.sort(self.order)[part]]


class NoSuper(keras.utils.PyDataset):
    def __init__(self, x, y, batch_size, seed):  # forgets super().__init__()
        self.inner = ref.ShuffledBatches(x, y, batch_size, seed)

    def __len__(self):
        return len(self.inner)

    def __getitem__(self, index):
        return self.inner[index]


class Unseeded(ref.ShuffledBatches):
    def on_epoch_end(self):
        self.order = np.random.permutation(len(self.x))


class OneExample(ref.ShuffledBatches):
    def __getitem__(self, index):
        chosen = self.order[index]
        return self.x[chosen], self.y[chosen]


class ListOfPairs(ref.ShuffledBatches):
    def __getitem__(self, index):
        chosen = self.order[index * self.batch_size:(index + 1) * self.batch_size]
        return [(self.x[i], self.y[i]) for i in chosen]


class SmallBatchFirst(ref.ShuffledBatches):
    def __getitem__(self, index):
        start = len(self.x) - (len(self) - index) * self.batch_size
        chosen = self.order[max(start, 0):start + self.batch_size]
        return self.x[chosen], self.y[chosen]


class GlobalSeed(ref.ShuffledBatches):
    def __init__(self, x, y, batch_size, seed, **kwargs):
        super().__init__(x, y, batch_size, seed, **kwargs)
        np.random.seed(seed)
        self.order = np.random.permutation(len(x))

    def on_epoch_end(self):
        self.order = np.random.permutation(len(self.x))


class IgnoresSeed(ref.ShuffledBatches):
    def __init__(self, x, y, batch_size, seed, **kwargs):
        super().__init__(x, y, batch_size, 0, **kwargs)


class ShufflesInputsInPlace(ref.ShuffledBatches):
    def __init__(self, x, y, batch_size, seed, **kwargs):
        super().__init__(x, y, batch_size, seed, **kwargs)
        self.rng.shuffle(x)
        self.rng.shuffle(y)


class BeginShuffles(keras.utils.PyDataset):
    """Reshuffles at the start of each epoch, returns tensors, counts batches with num_batches."""

    def __init__(self, x, y, batch_size, seed, **kwargs):
        super().__init__(**kwargs)
        self.x, self.y, self.size = tf.constant(x), tf.constant(y), batch_size
        self.rng = np.random.default_rng(seed)

    @property
    def num_batches(self):
        return -(-len(self.x) // self.size)

    def on_epoch_begin(self):
        self.order = self.rng.permutation(len(self.x))

    def __getitem__(self, index):
        chosen = self.order[index * self.size:(index + 1) * self.size]
        return [tf.gather(self.x, chosen), tf.gather(self.y, chosen)]


# ----------------------------------------------------------------------------- parse_token_example
def fixed_scalar_tokens(serialized):
    spec = {"tokens": tf.io.FixedLenFeature([], tf.int64), "label": tf.io.FixedLenFeature([], tf.int64)}
    parsed = tf.io.parse_single_example(serialized, spec)
    return parsed["tokens"], parsed["label"]


def fixed_five_tokens(serialized):
    spec = {"tokens": tf.io.FixedLenFeature([5], tf.int64), "label": tf.io.FixedLenFeature([], tf.int64)}
    parsed = tf.io.parse_single_example(serialized, spec)
    return parsed["tokens"], parsed["label"]


def sparse_tokens(serialized):
    spec = {"tokens": tf.io.VarLenFeature(tf.int64), "label": tf.io.FixedLenFeature([], tf.int64)}
    parsed = tf.io.parse_single_example(serialized, spec)
    return parsed["tokens"], parsed["label"]


def int32_tokens(serialized):
    tokens, label = ref.parse_token_example(serialized)
    return tf.cast(tokens, tf.int32), label


def padded_tokens(serialized):
    tokens, label = ref.parse_token_example(serialized)
    return tf.pad(tokens, [[0, 8]]), label


def eager_only(serialized):
    tokens, label = ref.parse_token_example(serialized)
    return tf.constant([int(t) for t in tokens.numpy()], tf.int64), label


def swapped(serialized):
    tokens, label = ref.parse_token_example(serialized)
    return label, tokens


def batch_of_one(serialized):
    spec = {"tokens": tf.io.RaggedFeature(tf.int64), "label": tf.io.FixedLenFeature([], tf.int64)}
    parsed = tf.io.parse_example(tf.reshape(serialized, [1]), spec)
    return parsed["tokens"], parsed["label"][0]


def ragged_tokens(serialized):
    spec = {"tokens": tf.io.RaggedFeature(tf.int64), "label": tf.io.FixedLenFeature([], tf.int64)}
    parsed = tf.io.parse_single_example(serialized, spec)
    return parsed["tokens"], parsed["label"]


def sequence_tokens(serialized):
    spec = {"tokens": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True),
            "label": tf.io.FixedLenFeature([1], tf.int64)}
    parsed = tf.io.parse_single_example(serialized, spec)
    return [parsed["tokens"], tf.squeeze(parsed["label"])]


WRONG_ANSWERS = [
    ("ch02.tfrecord_size", "A", "not compressed"),
    ("ch02.tfrecord_size", "b", "one byte per pixel"),
    ("ch02.tfrecord_size", "D", "not as a list of numbers"),
    ("ch02.tfrecord_size", 2.0, "one of the letters A, B, C, D"),
    ("ch02.tfrecord_size", "twice", "not one of the choices"),
    ("ch02.truncated_read", "A", "nothing checks the whole file"),
    ("ch02.truncated_read", "C", "not a clean end"),
    ("ch02.truncated_read", "d", "never invents data"),
    ("ch02.truncated_read", 1, "one of the letters A, B, C, D"),
    ("ch02.parse_token_example", fixed_scalar_tokens, "same number of values"),
    ("ch02.parse_token_example", fixed_five_tokens, "variable-length feature"),
    ("ch02.parse_token_example", sparse_tokens, "SparseTensor"),
    ("ch02.parse_token_example", int32_tokens, "keep int64"),
    ("ch02.parse_token_example", padded_tokens, "no padding"),
    ("ch02.parse_token_example", eager_only, "inside Dataset.map"),
    ("ch02.parse_token_example", swapped, "in the order (tokens, label)"),
    ("ch02.parse_token_example", batch_of_one, "RaggedTensor"),

    ("ch02.row_to_example", all_floats, "int64_list"),
    ("ch02.row_to_example", latin1_strings, "UTF-8"),
    ("ch02.row_to_example", forgets_a_feature, "lacks the feature(s) ['sex']"),
    ("ch02.row_to_example", lambda row: row, "return a tf.train.Example"),
    ("ch02.row_to_example", whole_floats_as_ints, "even a whole one"),
    ("ch02.row_to_example", everything_as_text, "stored as bytes_list"),
    ("ch02.row_to_example", memorised_example, "lacks the feature(s)"),
    ("ch02.row_to_example", encodes_in_place, "changed its input"),
    ("ch02.feature_spec", float64_spec, "float64"),
    ("ch02.feature_spec", int32_spec, "always int64"),
    ("ch02.feature_spec", shape_one_spec, "use [] for one value"),
    ("ch02.feature_spec", only_int64_is_integer, "expected tf.int64"),
    ("ch02.feature_spec", var_len_spec, "use tf.io.FixedLenFeature"),
    ("ch02.feature_spec", memorised_spec, "lacks column(s)"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: FloorBatches(x, y, b, s), "drop the last"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: NeverReshuffles(x, y, b, s), "same after on_epoch_end"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: ShufflesSeparately(x, y, b, s), "no longer match"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: NoSuper(x, y, b, s), "super().__init__"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: Unseeded(x, y, b, s), "same seed"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: OneExample(x, y, b, s), "is one example"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: ListOfPairs(x, y, b, s), "a pair (x_batch, y_batch)"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: SmallBatchFirst(x, y, b, s), "then a last one"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: GlobalSeed(x, y, b, s), "same seed"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: IgnoresSeed(x, y, b, s), "different seed"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: ShufflesInputsInPlace(x, y, b, s), "changed its input"),
    ("ch02.make_shuffled_batches", lambda x, y, b, s: [(x, y)], "subclass keras.utils.PyDataset"),
]

CORRECT_ANSWERS = [
    ("ch02.tfrecord_size", "c"),
    ("ch02.tfrecord_size", " C "),
    ("ch02.truncated_read", "b"),
    ("ch02.truncated_read", "B."),
    ("ch02.parse_token_example", ragged_tokens),
    ("ch02.parse_token_example", sequence_tokens),
    ("ch02.row_to_example", append_style_example),
    ("ch02.row_to_example", lambda row: ref.row_to_example(row).SerializeToString()),
    ("ch02.feature_spec", kind_letter_spec),
    ("ch02.make_shuffled_batches", BeginShuffles),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS,
                         ids=[f"{e}-{getattr(w, '__name__', 'answer')}" for e, w, _ in WRONG_ANSWERS])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS,
                         ids=[f"{e}-{getattr(a, '__name__', 'answer')}" for e, a in CORRECT_ANSWERS])
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_reference_parses_back():
    row = {"age": 59, "sex": "2", "bmi": 32.5}
    spec = {"age": tf.io.FixedLenFeature([], tf.int64), "sex": tf.io.FixedLenFeature([], tf.string),
            "bmi": tf.io.FixedLenFeature([], tf.float32)}
    parsed = tf.io.parse_single_example(ref.row_to_example(row).SerializeToString(), spec)
    assert int(parsed["age"]) == 59 and parsed["sex"].numpy() == b"2" and float(parsed["bmi"]) == 32.5


def test_tfrecord_size_truth_is_measured():
    from mio_utils.exercises import ch02

    assert [ch02.size_choice(r) for r in (0.5, 1.0, 2.0, 3.5)] == ["A", "B", "C", "D"]
    record_bytes, npy_bytes = ch02._measured_sizes(500)
    assert ch02.size_choice(record_bytes / npy_bytes) == ref.tfrecord_size


def test_truncated_read_truth_is_measured():
    from mio_utils.exercises import ch02

    assert ch02.truncation_choice(0, True, 10) == "A" and ch02.truncation_choice(10, False, 10) == "D"
    assert ch02.truncation_choice(5, False, 10) == "C"
    complete, raised, before_cut, total = ch02._truncated_read()
    assert (complete, raised) == (before_cut, True)
    assert ch02.truncation_choice(complete, raised, total) == ref.truncated_read
