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


# ------------------------------------------------------------------------------------------ 7.2 LSTM step
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


# ------------------------------------------------------------------------------------------ 7.3 GRU step
def _gru_parts(x, h, kernel, recurrent_kernel, bias, order="zrh", recurrent_bias=True):
    b_rec = bias[1] if recurrent_bias else np.zeros_like(bias[1])
    xs = dict(zip(order, np.split(x @ kernel + bias[0], 3, axis=-1)))
    hs = dict(zip(order, np.split(h @ recurrent_kernel + b_rec, 3, axis=-1)))
    return xs, hs


def gru_swapped_update(x, h, kernel, recurrent_kernel, bias):
    xs, hs = _gru_parts(x, h, kernel, recurrent_kernel, bias)
    z, r = _sigmoid(xs["z"] + hs["z"]), _sigmoid(xs["r"] + hs["r"])
    return (1 - z) * h + z * np.tanh(xs["h"] + r * hs["h"])  # the papers' convention, not Keras's


def gru_reset_before(x, h, kernel, recurrent_kernel, bias):
    xs, hs = _gru_parts(x, h, kernel, recurrent_kernel, bias)
    z, r = _sigmoid(xs["z"] + hs["z"]), _sigmoid(xs["r"] + hs["r"])
    units = np.shape(h)[-1]
    candidate = np.tanh(xs["h"] + (r * h) @ recurrent_kernel[:, 2 * units:] + bias[1, 2 * units:])
    return z * h + (1 - z) * candidate


def gru_biases_summed(x, h, kernel, recurrent_kernel, bias):
    units = np.shape(h)[-1]
    z_all = x @ kernel + h @ recurrent_kernel * np.r_[np.ones(2 * units), np.zeros(units)] + bias.sum(axis=0)
    z, r = _sigmoid(z_all[:, :units]), _sigmoid(z_all[:, units:2 * units])
    candidate = np.tanh(z_all[:, 2 * units:] + r * (h @ recurrent_kernel[:, 2 * units:]))
    return z * h + (1 - z) * candidate


def gru_no_recurrent_bias(x, h, kernel, recurrent_kernel, bias):
    xs, hs = _gru_parts(x, h, kernel, recurrent_kernel, bias, recurrent_bias=False)
    z, r = _sigmoid(xs["z"] + hs["z"]), _sigmoid(xs["r"] + hs["r"])
    return z * h + (1 - z) * np.tanh(xs["h"] + r * hs["h"])


def gru_reset_update_order(x, h, kernel, recurrent_kernel, bias):
    xs, hs = _gru_parts(x, h, kernel, recurrent_kernel, bias, order="rzh")
    z, r = _sigmoid(xs["z"] + hs["z"]), _sigmoid(xs["r"] + hs["r"])
    return z * h + (1 - z) * np.tanh(xs["h"] + r * hs["h"])


def gru_returns_pair(x, h, kernel, recurrent_kernel, bias):
    h_new = ref07.gru_step(x, h, kernel, recurrent_kernel, bias)
    return h_new, h_new


def gru_sigmoid_candidate(x, h, kernel, recurrent_kernel, bias):
    xs, hs = _gru_parts(x, h, kernel, recurrent_kernel, bias)
    z, r = _sigmoid(xs["z"] + hs["z"]), _sigmoid(xs["r"] + hs["r"])
    return z * h + (1 - z) * _sigmoid(xs["h"] + r * hs["h"])


def gru_by_keras_cell(x, h, kernel, recurrent_kernel, bias):
    import keras

    cell = keras.layers.GRUCell(np.shape(h)[-1])
    cell.build((None, np.shape(x)[-1]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    h_new, _ = cell(np.float32(x), [np.float32(h)])
    return h_new


def gru_interpolation(x, h, kernel, recurrent_kernel, bias):
    from scipy.special import expit

    units = np.shape(h)[-1]
    inputs, recurrent = x @ kernel + bias[0], h @ recurrent_kernel + bias[1]
    update = expit(inputs[:, :units] + recurrent[:, :units])
    reset = expit(inputs[:, units:2 * units] + recurrent[:, units:2 * units])
    candidate = np.tanh(inputs[:, 2 * units:] + reset * recurrent[:, 2 * units:])
    return candidate + update * (h - candidate)  # the same interpolation, written as a step towards h


# -------------------------------------------------------------------------------- 7.4 temperature and top-k
def _kth_largest(z, k):
    return np.sort(z, axis=-1)[..., -min(k, np.shape(z)[-1])][..., None]


def _softmax_rows(z):
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def top_k_multiplied(logits, temperature, k):
    return ref07.top_k_softmax(np.asarray(logits) * temperature, 1.0, k)


def top_k_ignores_temperature(logits, temperature, k):
    return ref07.top_k_softmax(logits, 1.0, k)


def top_k_not_cut(logits, temperature, k):
    return _softmax_rows(np.asarray(logits, dtype=np.float64) / temperature)


def top_k_not_renormalised(logits, temperature, k):
    z = np.asarray(logits, dtype=np.float64) / temperature
    return np.where(z >= _kth_largest(z, k), _softmax_rows(z), 0.0)


def top_k_smallest(logits, temperature, k):
    z = np.asarray(logits, dtype=np.float64) / temperature
    kth_smallest = np.sort(z, axis=-1)[..., min(k, z.shape[-1]) - 1][..., None]
    return _softmax_rows(np.where(z <= kth_smallest, z, -np.inf))


def top_k_one_too_many(logits, temperature, k):
    return ref07.top_k_softmax(logits, temperature, k + 1)


def top_k_over_whole_array(logits, temperature, k):
    z = np.asarray(logits, dtype=np.float64) / temperature
    return _softmax_rows(np.where(z >= np.sort(z, axis=None)[-k], z, -np.inf))


def top_k_naive_overflow(logits, temperature, k):
    z = np.asarray(logits, dtype=np.float64) / temperature
    e = np.where(z >= _kth_largest(z, k), np.exp(z), 0.0)
    return e / e.sum(axis=-1, keepdims=True)


def top_k_in_place(logits, temperature, k):
    logits /= temperature
    logits[logits < _kth_largest(logits, k)] = -np.inf
    return _softmax_rows(logits)


def top_k_by_argpartition(logits, temperature, k):
    from scipy.special import logsumexp

    z = np.asarray(logits, dtype=np.float64) / temperature
    k = min(k, z.shape[-1])
    top = np.argpartition(-z, k - 1, axis=-1)[..., :k]  # indices of the k largest, in any order
    mask = np.zeros(z.shape, dtype=bool)
    np.put_along_axis(mask, top, True, axis=-1)
    z = np.where(mask, z, -np.inf)
    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


def top_k_by_keras(logits, temperature, k):
    import keras

    z = keras.ops.convert_to_tensor(np.asarray(logits) / temperature, "float64")
    values, _ = keras.ops.top_k(z, k=min(k, np.shape(logits)[-1]))
    threshold = values[..., -1:]
    return keras.ops.softmax(keras.ops.where(z >= threshold, z, -np.inf), axis=-1)


# ------------------------------------------------------------------------------------- 7.5 perplexity
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


# -------------------------------------------------------------------------------- 7.6 class weights
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
    ("ch07.lstm_parameters", 1312, "ONE block"),
    ("ch07.lstm_parameters", 5120, "left out the biases"),
    ("ch07.lstm_parameters", 1152, "recurrent weights U"),
    ("ch07.lstm_parameters", 3936, "three blocks is a GRU"),
    ("ch07.lstm_parameters", 4032, "keras.layers.GRU(32)"),
    ("ch07.lstm_parameters", 5376, "one bias per block"),
    ("ch07.lstm_parameters", 5248 * 50, "sequence length"),
    ("ch07.lstm_parameters", 5248.5, "whole number"),
    ("ch07.lstm_parameters", "5248", "not as text"),
    ("ch07.lstm_parameters", 5000, "add up, for each block"),
    ("ch07.gru_step", gru_swapped_update, "swapped z and 1 - z"),
    ("ch07.gru_step", gru_reset_before, "BEFORE the recurrent product"),
    ("ch07.gru_step", gru_biases_summed, "inside the reset"),
    ("ch07.gru_step", gru_no_recurrent_bias, "second bias row"),
    ("ch07.gru_step", gru_reset_update_order, "gate order"),
    ("ch07.gru_step", gru_returns_pair, "single state"),
    ("ch07.gru_step", gru_sigmoid_candidate, "candidate uses sigmoid"),
    ("ch07.lstm_step", lstm_no_output_tanh, "without the tanh"),
    ("ch07.lstm_step", lstm_tf1_gate_order, "gate order"),
    ("ch07.lstm_step", lstm_ifog_gate_order, "gate order"),
    ("ch07.lstm_step", lstm_sigmoid_candidate, "candidate uses sigmoid"),
    ("ch07.lstm_step", lstm_h_from_old_memory, "OLD cell state"),
    ("ch07.lstm_step", lstm_forgets_recurrence, "keras.layers.LSTM"),
    ("ch07.lstm_step", lstm_returns_c_then_h, "order (h_new, c_new)"),
    ("ch07.lstm_step", lstm_first_example_only, "(batch, units)"),
    ("ch07.lstm_step", lstm_updates_state_in_place, "changed its input"),
    ("ch07.top_k_softmax", top_k_multiplied, "divide them by T"),
    ("ch07.top_k_softmax", top_k_ignores_temperature, "do not change with the temperature"),
    ("ch07.top_k_softmax", top_k_not_cut, "did not cut"),
    ("ch07.top_k_softmax", top_k_not_renormalised, "without normalising again"),
    ("ch07.top_k_softmax", top_k_smallest, "SMALLEST"),
    ("ch07.top_k_softmax", top_k_one_too_many, "k + 1"),
    ("ch07.top_k_softmax", top_k_over_whole_array, "WHOLE array"),
    ("ch07.top_k_softmax", top_k_naive_overflow, "each row's own maximum"),
    ("ch07.top_k_softmax", top_k_in_place, "changed its input"),
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
    ("ch07.lstm_parameters", 5248.0),
    ("ch07.lstm_parameters", np.int64(5248)),
    ("ch07.lstm_parameters", np.array(5248)),
    ("ch07.gru_step", gru_by_keras_cell),
    ("ch07.gru_step", gru_interpolation),
    ("ch07.lstm_step", lstm_by_keras_cell),
    ("ch07.lstm_step", lstm_gate_by_gate),
    ("ch07.top_k_softmax", top_k_by_argpartition),
    ("ch07.top_k_softmax", top_k_by_keras),
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


def test_ch07_lstm_parameter_prediction_is_what_keras_counts():
    """The truth of the prediction is what Keras builds, for the sizes the exercise names."""
    import keras

    from mio_utils.exercises import ch07

    layer = keras.layers.LSTM(ch07.LSTM_UNITS)
    layer.build((None, ch07.LSTM_STEPS, ch07.LSTM_FEATURES))
    assert layer.count_params() == ref07.lstm_parameters == ch07._lstm_parameter_count()
    gru = keras.layers.GRU(ch07.LSTM_UNITS)
    gru.build((None, None, ch07.LSTM_FEATURES))
    assert gru.count_params() == ch07._lstm_parameter_count(blocks=3, bias_rows=2)


def test_ch07_reference_gru_step_equals_keras():
    import keras

    rng = np.random.default_rng(1)
    layer = keras.layers.GRU(3, return_sequences=True)
    x = rng.normal(size=(2, 2, 4)).astype(np.float32)
    states = keras.ops.convert_to_numpy(layer(x))
    kernel, recurrent_kernel, bias = layer.get_weights()
    h = ref07.gru_step(x[:, 0], np.zeros((2, 3)), kernel, recurrent_kernel, bias)
    h = ref07.gru_step(x[:, 1], h, kernel, recurrent_kernel, bias)
    np.testing.assert_allclose(h, states[:, 1], atol=1e-5)
