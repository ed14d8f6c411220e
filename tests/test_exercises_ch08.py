"""Chapter 07 and 08 checkers reject plausible wrong answers (seed 001 §4.1's attention formula among them)."""
import numpy as np
import pytest

from mio_utils.exercises import assert_rejects
from solutions import ch07_rnn_sequences as ref07
from solutions import ch08_attention_transformers as ref08

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # some wrong answers overflow on purpose


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


# ------------------------------------------------------------------------------------------ chapter 07
def lstm_no_output_tanh(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * c_new, c_new


def lstm_tf1_gate_order(x, h, c, kernel, recurrent_kernel, bias):
    i, g, f, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)
    return _sigmoid(o) * np.tanh(c_new), c_new


def lstm_sigmoid_candidate(x, h, c, kernel, recurrent_kernel, bias):
    i, f, g, o = np.split(x @ kernel + h @ recurrent_kernel + bias, 4, axis=-1)
    c_new = _sigmoid(f) * c + _sigmoid(i) * _sigmoid(g)
    return _sigmoid(o) * np.tanh(c_new), c_new


def lstm_forgets_recurrence(x, h, c, kernel, recurrent_kernel, bias):
    return ref07.lstm_step(x, np.zeros_like(h), c, kernel, recurrent_kernel, bias)


def temperature_multiplied(logits, temperature):
    return ref07.temperature_softmax(np.asarray(logits) * temperature, 1.0)


def temperature_on_probabilities(logits, temperature):
    p = ref07.temperature_softmax(logits, 1.0)
    return p ** (1 / temperature)


def temperature_naive_overflow(logits, temperature):
    e = np.exp(np.asarray(logits, dtype=np.float64) / temperature)
    return e / e.sum(axis=-1, keepdims=True)


def perplexity_is_cross_entropy(probabilities, targets):
    return -np.mean(np.log(np.asarray(probabilities)[np.arange(len(targets)), targets]))


def perplexity_from_sum(probabilities, targets):
    return np.exp(-np.sum(np.log(np.asarray(probabilities)[np.arange(len(targets)), targets])))


def perplexity_arithmetic_mean(probabilities, targets):
    return np.mean(1 / np.asarray(probabilities)[np.arange(len(targets)), targets])


def weights_are_counts(y, num_classes):
    return {c: float(n) for c, n in enumerate(np.bincount(y, minlength=num_classes))}


def weights_unscaled_inverse(y, num_classes):
    return {c: 1 / n for c, n in enumerate(np.bincount(y, minlength=num_classes))}


@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch07.lstm_step", lstm_no_output_tanh, "without the tanh"),
    ("ch07.lstm_step", lstm_tf1_gate_order, "gate order"),
    ("ch07.lstm_step", lstm_sigmoid_candidate, "candidate uses sigmoid"),
    ("ch07.lstm_step", lstm_forgets_recurrence, "keras.layers.LSTM"),
    ("ch07.temperature_softmax", temperature_multiplied, "do not multiply"),
    ("ch07.temperature_softmax", temperature_on_probabilities, "normalise again"),
    ("ch07.temperature_softmax", temperature_naive_overflow, "inf or nan"),
    ("ch07.perplexity", perplexity_is_cross_entropy, "exp() of it"),
    ("ch07.perplexity", perplexity_from_sum, "SUM"),
    ("ch07.perplexity", perplexity_arithmetic_mean, "GEOMETRIC"),
    ("ch07.balanced_class_weights", weights_are_counts, "inversely proportional"),
    ("ch07.balanced_class_weights", weights_unscaled_inverse, "average weight per example"),
])
def test_ch07_checker_rejects_wrong_answer(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


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


# ------------------------------------------------------------------------------------------ chapter 08
def seed_001_attention(q, k, v, mask=None):
    """Seed 001 §4.1: exp(QK^T/sqrt(d_k)) / exp(QK^T/sqrt(d_k)) · V, which is 1 · V."""
    scores = np.asarray(q) @ np.swapaxes(k, -1, -2) / np.sqrt(np.shape(q)[-1])
    weights = np.exp(scores) / np.exp(scores)
    return weights @ v, weights


def attention_softmax_over_queries(q, k, v, mask=None):
    scores = np.asarray(q) @ np.swapaxes(k, -1, -2) / np.sqrt(np.shape(q)[-1])
    weights = np.exp(scores - scores.max(axis=-2, keepdims=True))
    weights = weights / weights.sum(axis=-2, keepdims=True)
    return weights @ v, weights


def attention_unscaled(q, k, v, mask=None):
    return ref08.attention(np.asarray(q) * np.sqrt(np.shape(q)[-1]), k, v, mask)


def attention_divided_by_dk(q, k, v, mask=None):
    return ref08.attention(np.asarray(q) / np.sqrt(np.shape(q)[-1]), k, v, mask)


def attention_ignores_mask(q, k, v, mask=None):
    return ref08.attention(q, k, v)


def attention_inverted_mask(q, k, v, mask=None):
    return ref08.attention(q, k, v, None if mask is None else ~np.asarray(mask))


def attention_masks_after_softmax(q, k, v, mask=None):
    output, weights = ref08.attention(q, k, v)
    if mask is not None:
        weights = weights * mask
    return weights @ v, weights


def attention_plain_transpose(q, k, v, mask=None):
    q, k = np.asarray(q), np.asarray(k)
    if q.ndim == 2:
        return ref08.attention(q, k, v, mask)
    scores = q @ k.T / np.sqrt(q.shape[-1])  # .T reverses ALL axes of a batch: a shape error
    return scores @ v, scores


def causal_upper(length):
    return np.triu(np.ones((length, length), dtype=bool))


def causal_strict(length):
    return np.tril(np.ones((length, length), dtype=bool), k=-1)


def causal_additive(length):
    return np.where(np.tril(np.ones((length, length), dtype=bool)), 0.0, -np.inf)


def pe_concatenated(length, depth):
    pe = ref08.positional_encoding(length, depth)
    return np.concatenate([pe[:, 0::2], pe[:, 1::2]], axis=1)


def pe_swapped(length, depth):
    pe = ref08.positional_encoding(length, depth)
    out = np.empty_like(pe)
    out[:, 0::2], out[:, 1::2] = pe[:, 1::2], pe[:, 0::2]
    return out


def pe_wrong_exponent(length, depth):
    angles = np.arange(length)[:, None] / 10000 ** (np.arange(depth // 2)[None, :] / depth)
    pe = np.zeros((length, depth))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


def padding_masks_queries(token_ids, pad_id=0):
    return np.swapaxes(ref08.padding_mask(token_ids, pad_id), 1, 2)


def padding_inverted(token_ids, pad_id=0):
    return ~ref08.padding_mask(token_ids, pad_id)


def padding_hard_coded_zero(token_ids, pad_id=0):
    return ref08.padding_mask(token_ids, 0)


@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch08.attention", seed_001_attention, "seed 001"),
    ("ch08.attention", attention_softmax_over_queries, "QUERIES"),
    ("ch08.attention", attention_unscaled, "sqrt(d_k)"),
    ("ch08.attention", attention_divided_by_dk, "not by d_k"),
    ("ch08.attention", attention_ignores_mask, "ignores the mask"),
    ("ch08.attention", attention_inverted_mask, "inverted"),
    ("ch08.attention", attention_masks_after_softmax, "AFTER the softmax"),
    ("ch08.attention", attention_plain_transpose, "raised"),
    ("ch08.causal_mask", causal_upper, "FUTURE"),
    ("ch08.causal_mask", causal_strict, "diagonal"),
    ("ch08.causal_mask", causal_additive, "boolean"),
    ("ch08.positional_encoding", pe_concatenated, "interleave"),
    ("ch08.positional_encoding", pe_swapped, "swapped"),
    ("ch08.positional_encoding", pe_wrong_exponent, "frequencies"),
    ("ch08.padding_mask", padding_masks_queries, "QUERIES"),
    ("ch08.padding_mask", padding_inverted, "inverted"),
    ("ch08.padding_mask", padding_hard_coded_zero, "pad_id"),
])
def test_ch08_checker_rejects_wrong_answer(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


def test_ch08_reference_attention_equals_keras():
    import keras

    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 3, 4, 8)), rng.normal(size=(2, 5, 4, 8)), rng.normal(size=(2, 5, 4, 8))
    expected = keras.ops.convert_to_numpy(keras.ops.dot_product_attention(
        q.astype(np.float32), k.astype(np.float32), v.astype(np.float32)))
    # keras works on (batch, time, heads, dim); the reference on (..., time, dim)
    output, _ = ref08.attention(q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3), v.transpose(0, 2, 1, 3))
    np.testing.assert_allclose(output.transpose(0, 2, 1, 3), expected, atol=1e-5)
