"""Chapter 08 checkers reject plausible wrong answers (the attention formula you will find online among them)
and accept correct ones written differently."""
import numpy as np
import pytest

from mio_utils.exercises import assert_accepts, assert_rejects
from solutions import ch08_attention_transformers as ref08

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # some wrong answers overflow on purpose


def _attend(q, k, v, mask=None, scale=None, axis=-1, fill=-1e9):
    """NumPy attention with knobs to get it wrong: the scale of the scores and the softmax axis."""
    q, k, v = (np.asarray(t, dtype=np.float64) for t in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / (np.sqrt(q.shape[-1]) if scale is None else scale)
    if mask is not None:
        scores = np.where(mask, scores, fill)
    weights = np.exp(scores - scores.max(axis=axis, keepdims=True))
    weights /= weights.sum(axis=axis, keepdims=True)
    return weights @ v, weights


# ------------------------------------------------------------------------ 8.1 scaled dot-product attention
def attention_formula_found_online(q, k, v, mask=None):
    """exp(QK^T/sqrt(d_k)) / exp(QK^T/sqrt(d_k)) · V, which is 1 · V."""
    scores = np.asarray(q) @ np.swapaxes(k, -1, -2) / np.sqrt(np.shape(q)[-1])
    weights = np.exp(scores) / np.exp(scores)
    return weights @ v, weights


def attention_softmax_over_queries(q, k, v, mask=None):
    return _attend(q, k, v, mask, axis=-2)


def attention_unscaled(q, k, v, mask=None):
    return _attend(q, k, v, mask, scale=1.0)


def attention_divided_by_dk(q, k, v, mask=None):
    return _attend(q, k, v, mask, scale=np.shape(q)[-1])


def attention_scaled_by_value_size(q, k, v, mask=None):
    return _attend(q, k, v, mask, scale=np.sqrt(np.shape(v)[-1]))


def attention_ignores_mask(q, k, v, mask=None):
    return _attend(q, k, v)


def attention_inverted_mask(q, k, v, mask=None):
    return _attend(q, k, v, None if mask is None else ~np.asarray(mask))


def attention_masks_after_softmax(q, k, v, mask=None):
    _, weights = _attend(q, k, v)
    if mask is not None:
        weights = weights * mask
    return weights @ v, weights


def attention_plain_transpose(q, k, v, mask=None):
    q, k = np.asarray(q), np.asarray(k)
    if q.ndim == 2:
        return _attend(q, k, v, mask)
    scores = q @ k.T / np.sqrt(q.shape[-1])  # .T reverses ALL axes of a batch: a shape error
    return scores @ v, scores


def attention_naive_exp(q, k, v, mask=None):
    scores = np.asarray(q) @ np.swapaxes(k, -1, -2) / np.sqrt(np.shape(q)[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)
    weights = np.exp(scores) / np.exp(scores).sum(axis=-1, keepdims=True)
    return weights @ v, weights


def attention_returns_weights_first(q, k, v, mask=None):
    output, weights = _attend(q, k, v, mask)
    return weights, output


def attention_weights_keys_by_queries(q, k, v, mask=None):
    output, weights = _attend(q, k, v, mask)
    return output, np.swapaxes(weights, -1, -2)


def attention_scales_query_in_place(q, k, v, mask=None):
    q /= np.sqrt(q.shape[-1])
    return _attend(q, k, v, mask, scale=1.0)


def attention_square_masks_only(q, k, v, mask=None):
    """Uses the mask only when it is (n_q, n_k), like the one case in the chapter."""
    usable = mask is not None and np.ndim(mask) == 2
    return _attend(q, k, v, mask if usable else None)


def attention_by_keras_ops(q, k, v, mask=None):
    import keras
    from keras import ops

    q, k, v = (ops.convert_to_tensor(t, "float64") for t in (q, k, v))
    scores = ops.matmul(q, ops.swapaxes(k, -1, -2)) / ops.sqrt(ops.cast(ops.shape(q)[-1], "float64"))
    if mask is not None:
        scores = ops.where(mask, scores, float("-inf"))
    weights = keras.activations.softmax(scores, axis=-1)
    return ops.matmul(weights, v), weights


def attention_by_einsum(q, k, v, mask=None):
    from scipy.special import softmax

    scores = np.einsum("...qd,...kd->...qk", q, k) / np.sqrt(np.shape(k)[-1])
    if mask is not None:
        scores = np.where(mask, scores, -np.inf)
    weights = softmax(scores, axis=-1)
    return np.einsum("...qk,...kv->...qv", weights, v), weights


# ---------------------------------------------------------------------------- 8.2 sliding-window mask
def _distance(length):
    return np.arange(length)[:, None] - np.arange(length)[None, :]  # query i minus key j


def window_plain_causal(length, window):
    return np.tril(np.ones((length, length), dtype=bool))


def window_both_sides(length, window):
    return np.abs(_distance(length)) < window  # a band: sees the future too


def window_one_too_many(length, window):
    distance = _distance(length)
    return (distance >= 0) & (distance <= window)


def window_one_too_few(length, window):
    distance = _distance(length)
    return (distance >= 0) & (distance < window - 1)


def window_without_diagonal(length, window):
    distance = _distance(length)
    return (distance > 0) & (distance <= window)


def window_inverted(length, window):
    distance = _distance(length)
    return ~((distance >= 0) & (distance < window))


def window_ones_and_zeros(length, window):
    return ref08.sliding_window_mask(length, window).astype(np.float32)


def window_additive(length, window):
    return np.where(ref08.sliding_window_mask(length, window), 0.0, -np.inf)


def window_ignores_long_windows(length, window):
    """Breaks when the window is longer than the sequence (the clause 'gives the plain causal mask')."""
    return np.eye(length, dtype=bool) if window > length else ref08.sliding_window_mask(length, window)


def window_by_tril_difference(length, window):
    ones = np.ones((length, length), dtype=bool)
    return np.tril(ones) & ~np.tril(ones, k=-window)


def window_by_keras(length, window):
    import keras

    ones = keras.ops.ones((length, length))
    band = keras.ops.tril(ones) - keras.ops.tril(ones, k=-window)
    return keras.ops.cast(band, "bool")


# ------------------------------------------------------------------------------ 8.3 positional encoding
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


def pe_transposed(length, depth):
    return ref08.positional_encoding(length, depth).T


def pe_positions_from_one(length, depth):
    angles = np.arange(1, length + 1)[:, None] / 10000 ** (np.arange(0, depth, 2)[None, :] / depth)
    pe = np.zeros((length, depth))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


def pe_memorised(length, depth):
    return ref08.positional_encoding(6, 8)  # the first case's answer, whatever is asked


def pe_by_loops(length, depth):
    import math

    rows = []
    for p in range(length):
        row = []
        for i in range(depth // 2):
            angle = p / math.pow(10000, 2 * i / depth)
            row += [math.sin(angle), math.cos(angle)]
        rows.append(row)
    return rows


def pe_in_float32(length, depth):
    frequencies = np.power(np.float32(10000), -np.arange(0, depth, 2, dtype=np.float32) / np.float32(depth))
    angles = np.arange(length, dtype=np.float32)[:, None] * frequencies
    return np.stack([np.sin(angles), np.cos(angles)], axis=-1).reshape(length, depth)


# ---------------------------------------------------------------------------------- 8.4 padding mask
def padding_masks_queries(token_ids, pad_id=0):
    return np.swapaxes(ref08.padding_mask(token_ids, pad_id), 1, 2)


def padding_inverted(token_ids, pad_id=0):
    return ~ref08.padding_mask(token_ids, pad_id)


def padding_hard_coded_zero(token_ids, pad_id=0):
    return ref08.padding_mask(token_ids, 0)


def padding_keys_only_2d(token_ids, pad_id=0):
    return np.asarray(token_ids) != pad_id


def padding_masks_query_rows_too(token_ids, pad_id=0):
    keys = np.asarray(token_ids) != pad_id
    return keys[:, :, None] & keys[:, None, :]


def padding_zero_is_padding_too(token_ids, pad_id=0):
    ids = np.asarray(token_ids)
    return ref08.padding_mask(token_ids, pad_id) & (ids != 0)[:, None, :]


def padding_ones_and_zeros(token_ids, pad_id=0):
    return ref08.padding_mask(token_ids, pad_id).astype(np.int32)


def padding_assumes_end_padding(token_ids, pad_id=0):
    ids = np.asarray(token_ids)
    lengths = (ids != pad_id).sum(axis=1)
    keys = np.arange(ids.shape[1])[None, :] < lengths[:, None]
    return np.repeat(keys[:, None, :], ids.shape[1], axis=1)


def padding_broadcastable(token_ids, pad_id=0):
    return (np.asarray(token_ids) != pad_id)[:, None, :]  # (batch, 1, length)


def padding_by_keras(token_ids, pad_id=0):
    import keras

    keys = keras.ops.not_equal(keras.ops.convert_to_tensor(token_ids), pad_id)
    return keras.ops.repeat(keras.ops.expand_dims(keys, 1), keras.ops.shape(keys)[1], axis=1)


# ------------------------------------------------------------------------------------------ catalogues
WRONG_ANSWERS = [
    ("ch08.scaled_dot_product_attention", attention_formula_found_online, "a formula you will find online"),
    ("ch08.scaled_dot_product_attention", attention_softmax_over_queries, "QUERIES"),
    ("ch08.scaled_dot_product_attention", attention_unscaled, "sqrt(d_k)"),
    ("ch08.scaled_dot_product_attention", attention_divided_by_dk, "not by d_k"),
    ("ch08.scaled_dot_product_attention", attention_scaled_by_value_size, "d_v"),
    ("ch08.scaled_dot_product_attention", attention_ignores_mask, "ignores the mask"),
    ("ch08.scaled_dot_product_attention", attention_inverted_mask, "inverted"),
    ("ch08.scaled_dot_product_attention", attention_masks_after_softmax, "AFTER the softmax"),
    ("ch08.scaled_dot_product_attention", attention_plain_transpose, "raised"),
    ("ch08.scaled_dot_product_attention", attention_naive_exp, "inf or nan"),
    ("ch08.scaled_dot_product_attention", attention_returns_weights_first, "order (output, weights)"),
    ("ch08.scaled_dot_product_attention", attention_weights_keys_by_queries, "(..., queries, keys)"),
    ("ch08.scaled_dot_product_attention", attention_scales_query_in_place, "changed its input"),
    ("ch08.scaled_dot_product_attention", attention_square_masks_only, "ignores the mask"),
    ("ch08.sliding_window_mask", window_plain_causal, "plain causal mask"),
    ("ch08.sliding_window_mask", window_both_sides, "FUTURE"),
    ("ch08.sliding_window_mask", window_one_too_many, "off by one"),
    ("ch08.sliding_window_mask", window_one_too_few, "off by one"),
    ("ch08.sliding_window_mask", window_without_diagonal, "diagonal"),
    ("ch08.sliding_window_mask", window_inverted, "inverted"),
    ("ch08.sliding_window_mask", window_ones_and_zeros, "dtype bool"),
    ("ch08.sliding_window_mask", window_additive, "boolean"),
    ("ch08.sliding_window_mask", window_ignores_long_windows, "differs"),
    ("ch08.positional_encoding", pe_concatenated, "interleave"),
    ("ch08.positional_encoding", pe_swapped, "swapped"),
    ("ch08.positional_encoding", pe_wrong_exponent, "frequencies"),
    ("ch08.positional_encoding", pe_transposed, "one row per position"),
    ("ch08.positional_encoding", pe_positions_from_one, "positions start at 0"),
    ("ch08.positional_encoding", pe_memorised, "has shape"),
    ("ch08.padding_mask", padding_masks_queries, "QUERIES"),
    ("ch08.padding_mask", padding_inverted, "inverted"),
    ("ch08.padding_mask", padding_hard_coded_zero, "pad_id"),
    ("ch08.padding_mask", padding_keys_only_2d, "query axis"),
    ("ch08.padding_mask", padding_masks_query_rows_too, "padding queries"),
    ("ch08.padding_mask", padding_zero_is_padding_too, "0 is a real token"),
    ("ch08.padding_mask", padding_ones_and_zeros, "dtype bool"),
    ("ch08.padding_mask", padding_assumes_end_padding, "not padding"),
    ("ch08.mha_parameters", 16_384, "biases"),
    ("ch08.mha_parameters", 12_480, "output projection"),
    ("ch08.mha_parameters", 66_368, "EACH head"),
    ("ch08.mha_parameters", 4_160, "four"),
    ("ch08.mha_parameters", 16_641.0, "too many"),
    ("ch08.mha_parameters", 8_000, "too few"),
    ("ch08.mha_parameters", True, "number"),
    ("ch08.mha_parameters", "16640", "number"),
]

CORRECT_ANSWERS = [
    ("ch08.scaled_dot_product_attention", attention_by_keras_ops),
    ("ch08.scaled_dot_product_attention", attention_by_einsum),
    ("ch08.sliding_window_mask", window_by_tril_difference),
    ("ch08.sliding_window_mask", window_by_keras),
    ("ch08.positional_encoding", pe_by_loops),
    ("ch08.positional_encoding", pe_in_float32),
    ("ch08.padding_mask", padding_broadcastable),
    ("ch08.padding_mask", padding_by_keras),
    ("ch08.mha_parameters", 16640.0),
    ("ch08.mha_parameters", np.int64(16_640)),
    ("ch08.mha_parameters", ref08.mha_parameters),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_ch08_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_ch08_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_ch08_reference_attention_equals_keras():
    import keras

    rng = np.random.default_rng(1)
    q, k, v = rng.normal(size=(2, 3, 4, 8)), rng.normal(size=(2, 5, 4, 8)), rng.normal(size=(2, 5, 4, 8))
    expected = keras.ops.convert_to_numpy(keras.ops.dot_product_attention(
        q.astype(np.float32), k.astype(np.float32), v.astype(np.float32)))
    # keras works on (batch, time, heads, dim); the reference on (..., time, dim)
    output, _ = ref08.scaled_dot_product_attention(q.transpose(0, 2, 1, 3), k.transpose(0, 2, 1, 3),
                                                   v.transpose(0, 2, 1, 3))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(output).transpose(0, 2, 1, 3), expected, atol=1e-5)


def test_ch08_mha_parameter_truth_is_what_keras_counts():
    """The prediction's truth is computed by the checker; Keras must agree, for this and other sizes."""
    import keras

    from mio_utils.exercises.ch08 import mha_parameter_count

    for d_model, heads, key_dim in ((64, 4, 16), (32, 2, 8), (48, 3, 5)):
        layer = keras.layers.MultiHeadAttention(num_heads=heads, key_dim=key_dim)
        x = np.zeros((1, 3, d_model), "float32")
        layer(x, x)
        assert layer.count_params() == mha_parameter_count(d_model, heads, key_dim)


def test_ch08_solution_window_longer_than_sequence_is_causal():
    np.testing.assert_array_equal(ref08.sliding_window_mask(5, 9), np.tri(5, dtype=bool))
    np.testing.assert_array_equal(ref08.sliding_window_mask(4, 1), np.eye(4, dtype=bool))
