"""Chapter 07 checkers reject plausible wrong answers and accept correct ones written differently."""
from collections import Counter

import numpy as np
import pytest

from mio_utils.exercises import assert_accepts, assert_rejects
from solutions import ch07_rnn_sequences as ref07

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # some wrong answers overflow on purpose


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def _gates(x, h, kernel, recurrent_kernel, bias, order="ifgo"):
    blocks = dict(zip(order, np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)))
    return (blocks[gate] for gate in "ifgo")


# ------------------------------------------------------------------------------------------ 7.1 LSTM step
def lstm_no_output_tanh(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = _gates(x, h, kernel, recurrent_kernel, bias)
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * c_new, c_new


def lstm_tf1_gate_order(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = _gates(x, h, kernel, recurrent_kernel, bias, order="igfo")
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c_new), c_new


def lstm_ifog_gate_order(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = _gates(x, h, kernel, recurrent_kernel, bias, order="ifog")
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c_new), c_new


def lstm_sigmoid_candidate(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = _gates(x, h, kernel, recurrent_kernel, bias)
    c_new = _sigmoid(f) * c + _sigmoid(i) * _sigmoid(g)
    return _sigmoid(o) * np.tanh(c_new), c_new


def lstm_h_from_old_memory(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = _gates(x, h, kernel, recurrent_kernel, bias)
    return _sigmoid(o) * np.tanh(c), _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)


def lstm_forgets_recurrence(x, h, c, kernel, recurrent_kernel, bias):
    return ref07.lstm_step(x, np.zeros_like(h), c, kernel, recurrent_kernel, bias)


def lstm_returns_c_then_h(x, h, c, kernel, recurrent_kernel, bias):
    h_new, c_new = ref07.lstm_step(x, h, c, kernel, recurrent_kernel, bias)
    return c_new, h_new


def lstm_first_example_only(x, h, c, kernel, recurrent_kernel, bias):
    h_new, c_new = ref07.lstm_step(x[:1], h[:1], c[:1], kernel, recurrent_kernel, bias)
    return h_new[0], c_new[0]


def lstm_updates_state_in_place(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = _gates(x, h, kernel, recurrent_kernel, bias)
    c *= _sigmoid(f)
    c += _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c), c


def lstm_by_keras_cell(x, h, c, kernel, recurrent_kernel, bias):
    import keras

    cell = keras.layers.LSTMCell(np.shape(h)[-1])
    cell.build((None, np.shape(x)[-1]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    h_new, (_, c_new) = cell(np.float32(x), [np.float32(h), np.float32(c)])
    return h_new, c_new


def lstm_gate_by_gate(x, h, c, kernel, recurrent_kernel, bias):
    from scipy.special import expit

    units = np.shape(h)[-1]
    weights = np.concatenate([kernel, recurrent_kernel])  # one matrix for [x, h]
    z = np.concatenate([x, h], axis=1) @ weights + bias
    gate = {name: z[:, n * units:(n + 1) * units] for n, name in enumerate(["input", "forget", "cell", "output"])}
    c_new = expit(gate["forget"]) * c + expit(gate["input"]) * np.tanh(gate["cell"])
    return expit(gate["output"]) * np.tanh(c_new), c_new


# ------------------------------------------------------------------------------------ 7.2 temperature
def temperature_multiplied(logits, temperature):
    return ref07.temperature_softmax(np.asarray(logits) * temperature, 1.0)


def temperature_on_probabilities(logits, temperature):
    p = ref07.temperature_softmax(logits, 1.0)
    return p ** (1 / temperature)


def temperature_naive_overflow(logits, temperature):
    e = np.exp(np.asarray(logits, dtype=np.float64) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


def temperature_global_max(logits, temperature):
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max())
    return e / e.sum(axis=-1, keepdims=True)


def temperature_ignored(logits, temperature):
    return ref07.temperature_softmax(logits, 1.0)


def temperature_over_first_axis(logits, temperature):
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max(axis=0, keepdims=True))
    return e / e.sum(axis=0, keepdims=True)


def temperature_vector_only(logits, temperature):
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.exp(z - z.max())
    return e / e.sum()


def temperature_in_place(logits, temperature):
    logits /= temperature
    logits -= logits.max(axis=-1, keepdims=True)
    return np.exp(logits) / np.exp(logits).sum(axis=-1, keepdims=True)


def temperature_by_logsumexp(logits, temperature):
    from scipy.special import logsumexp

    z = np.asarray(logits) / temperature
    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


def temperature_by_keras(logits, temperature):
    import keras

    return keras.ops.softmax(keras.ops.convert_to_tensor(np.asarray(logits) / temperature, "float64"), axis=-1)


# ------------------------------------------------------------------------------------- 7.3 perplexity
def _chosen(probabilities, targets):
    return np.asarray(probabilities)[np.arange(len(targets)), targets]


def perplexity_is_cross_entropy(probabilities, targets):
    return -np.mean(np.log(_chosen(probabilities, targets)))


def perplexity_from_sum(probabilities, targets):
    return np.exp(-np.sum(np.log(_chosen(probabilities, targets))))


def perplexity_arithmetic_mean(probabilities, targets):
    return np.mean(1 / _chosen(probabilities, targets))


def perplexity_log2_inside_exp(probabilities, targets):
    return np.exp(-np.mean(np.log2(_chosen(probabilities, targets))))


def perplexity_two_to_nats(probabilities, targets):
    return 2 ** -np.mean(np.log(_chosen(probabilities, targets)))


def perplexity_over_whole_vocabulary(probabilities, targets):
    return np.exp(-np.mean(np.log(probabilities)))


def perplexity_per_position(probabilities, targets):
    return 1 / _chosen(probabilities, targets)


def perplexity_column_indexing(probabilities, targets):
    return np.exp(-np.mean(np.log(np.asarray(probabilities)[:, targets])))


def perplexity_vocabulary_size(probabilities, targets):
    return float(np.shape(probabilities)[1])  # right for a uniform guess only


def perplexity_logs_in_place(probabilities, targets):
    np.log(probabilities, out=probabilities)
    return np.exp(-np.mean(probabilities[np.arange(len(targets)), targets]))


def perplexity_in_bits(probabilities, targets):
    bits = -np.mean(np.log2(_chosen(probabilities, targets)))
    return 2.0 ** bits


def perplexity_by_keras(probabilities, targets):
    import keras

    losses = keras.losses.sparse_categorical_crossentropy(np.asarray(targets), np.asarray(probabilities, "float64"))
    return keras.ops.exp(keras.ops.mean(losses))


# -------------------------------------------------------------------------------- 7.4 class weights
def weights_are_counts(y, num_classes):
    return {c: float(n) for c, n in enumerate(np.bincount(y, minlength=num_classes))}


def weights_unscaled_inverse(y, num_classes):
    return {c: 1 / n for c, n in enumerate(np.bincount(y, minlength=num_classes))}


def weights_missing_num_classes(y, num_classes):
    return {c: len(y) / n for c, n in enumerate(np.bincount(y, minlength=num_classes))}


def weights_as_array(y, num_classes):
    return len(y) / (num_classes * np.bincount(y, minlength=num_classes))


def weights_string_keys(y, num_classes):
    return {str(c): w for c, w in ref07.balanced_class_weights(y, num_classes).items()}


def weights_of_present_classes(y, num_classes):
    classes, counts = np.unique(y, return_counts=True)
    return {int(c): len(y) / (num_classes * n) for c, n in zip(classes, counts)}


def weights_divide_by_zero(y, num_classes):
    counts = Counter(int(label) for label in y)
    return {c: len(y) / (num_classes * counts[c]) for c in range(num_classes)}


def weights_sort_in_place(y, num_classes):
    y.sort()
    return ref07.balanced_class_weights(y, num_classes)


def weights_memorised(y, num_classes):
    return {0: 20 / 36, 1: 20 / 9, 2: 20 / 15}  # right for the counts [12, 3, 5] only


def weights_by_sklearn(y, num_classes):
    from sklearn.utils.class_weight import compute_class_weight

    return dict(enumerate(compute_class_weight("balanced", classes=np.arange(num_classes), y=y)))


def weights_by_counter(y, num_classes):
    counts = Counter(int(label) for label in y)
    missing = [c for c in range(num_classes) if counts[c] == 0]
    if missing:
        raise ValueError(f"classes {missing} do not occur in y")
    share = len(y) / num_classes  # each class's total weight
    return {c: share / counts[c] for c in range(num_classes)}


# ------------------------------------------------------------------------------------------ catalogues
WRONG_ANSWERS = [
    ("ch07.lstm_step", lstm_no_output_tanh, "without the tanh"),
    ("ch07.lstm_step", lstm_tf1_gate_order, "gate order"),
    ("ch07.lstm_step", lstm_ifog_gate_order, "gate order"),
    ("ch07.lstm_step", lstm_sigmoid_candidate, "candidate uses sigmoid"),
    ("ch07.lstm_step", lstm_h_from_old_memory, "OLD cell state"),
    ("ch07.lstm_step", lstm_forgets_recurrence, "keras.layers.LSTM"),
    ("ch07.lstm_step", lstm_returns_c_then_h, "order (h_new, c_new)"),
    ("ch07.lstm_step", lstm_first_example_only, "(batch, units)"),
    ("ch07.lstm_step", lstm_updates_state_in_place, "changed its input"),
    ("ch07.temperature_softmax", temperature_multiplied, "do not multiply"),
    ("ch07.temperature_softmax", temperature_on_probabilities, "normalise again"),
    ("ch07.temperature_softmax", temperature_naive_overflow, "inf or nan"),
    ("ch07.temperature_softmax", temperature_global_max, "each row's own maximum"),
    ("ch07.temperature_softmax", temperature_ignored, "do not change with the temperature"),
    ("ch07.temperature_softmax", temperature_over_first_axis, "first axis"),
    ("ch07.temperature_softmax", temperature_vector_only, "sum to 1"),
    ("ch07.temperature_softmax", temperature_in_place, "changed its input"),
    ("ch07.perplexity", perplexity_is_cross_entropy, "exp() of it"),
    ("ch07.perplexity", perplexity_from_sum, "SUM"),
    ("ch07.perplexity", perplexity_arithmetic_mean, "GEOMETRIC"),
    ("ch07.perplexity", perplexity_log2_inside_exp, "logarithm bases"),
    ("ch07.perplexity", perplexity_two_to_nats, "logarithm bases"),
    ("ch07.perplexity", perplexity_over_whole_vocabulary, "every token of the vocabulary"),
    ("ch07.perplexity", perplexity_per_position, "one number"),
    ("ch07.perplexity", perplexity_column_indexing, "predicted distributions"),
    ("ch07.perplexity", perplexity_vocabulary_size, "predicted distributions"),
    ("ch07.perplexity", perplexity_logs_in_place, "changed its input"),
    ("ch07.balanced_class_weights", weights_are_counts, "inversely proportional"),
    ("ch07.balanced_class_weights", weights_unscaled_inverse, "average weight per example"),
    ("ch07.balanced_class_weights", weights_missing_num_classes, "num_classes"),
    ("ch07.balanced_class_weights", weights_as_array, "return a dict"),
    ("ch07.balanced_class_weights", weights_string_keys, "integer keys"),
    ("ch07.balanced_class_weights", weights_of_present_classes, "raise a ValueError"),
    ("ch07.balanced_class_weights", weights_divide_by_zero, "raise a ValueError"),
    ("ch07.balanced_class_weights", weights_sort_in_place, "changed its input"),
    ("ch07.balanced_class_weights", weights_memorised, "class counts"),
]

CORRECT_ANSWERS = [
    ("ch07.lstm_step", lstm_by_keras_cell),
    ("ch07.lstm_step", lstm_gate_by_gate),
    ("ch07.temperature_softmax", temperature_by_logsumexp),
    ("ch07.temperature_softmax", temperature_by_keras),
    ("ch07.perplexity", perplexity_in_bits),
    ("ch07.perplexity", perplexity_by_keras),
    ("ch07.balanced_class_weights", weights_by_sklearn),
    ("ch07.balanced_class_weights", weights_by_counter),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_ch07_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_ch07_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_ch07_reference_lstm_step_equals_keras():
    import keras

    rng = np.random.default_rng(0)
    layer = keras.layers.LSTM(3, return_state=True)
    x = rng.normal(size=(2, 1, 4)).astype(np.float32)
    _, h, c = layer(x)
    kernel, recurrent_kernel, bias = layer.get_weights()
    zeros = np.zeros((2, 3))
    h_ref, c_ref = ref07.lstm_step(x[:, 0], zeros, zeros, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(h_ref, keras.ops.convert_to_numpy(h), atol=1e-5)
    np.testing.assert_allclose(c_ref, keras.ops.convert_to_numpy(c), atol=1e-5)
