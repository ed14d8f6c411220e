"""Checkers for chapter 08 · Attention and Transformers."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch08_attention_transformers.py"


def _softmax(z, axis=-1):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def _library_attention(q, k, v, mask=None):
    """Expected output from keras.ops.dot_product_attention (one head: shapes (batch, time, 1, dim))."""
    import keras

    def heads(t):
        t = np.asarray(t, np.float32)
        return t[None, :, None, :] if t.ndim == 2 else t[:, :, None, :]

    m = None
    if mask is not None:
        m = np.asarray(mask, bool)
        m = m[None, None] if m.ndim == 2 else m[:, None]
    out = keras.ops.dot_product_attention(heads(q), heads(k), heads(v), mask=m)
    out = keras.ops.convert_to_numpy(out)[:, :, 0, :]
    return out[0] if np.ndim(q) == 2 else out


def _pair(result, what):
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mismatch(f"{what}: return a pair (output, weights).")
    return as_array(result[0], "the output"), as_array(result[1], "the attention weights")


@exercise("ch08.attention", SOLUTION,
          hint="scores = q @ k^T / sqrt(d_k); masked scores → a large negative number; weights = softmax over "
               "the LAST axis (the keys); output = weights @ v.")
def check_attention(attention):
    rng = np.random.default_rng(8)
    d_k = 16
    q, k, v = rng.normal(size=(3, d_k)), rng.normal(size=(5, d_k)), rng.normal(size=(5, 2))
    output, weights = _pair(call(attention, q, k, v), "attention(q, k, v)")
    scores = q @ k.T / np.sqrt(d_k)
    if weights.shape != (3, 5):
        raise Mismatch(f"with 3 queries and 5 keys the weights should be shaped (3, 5) (queries, keys); "
                       f"got {weights.shape}.")
    if np.allclose(weights, 1.0):
        raise Mismatch("all your attention weights are 1: exp(x) / exp(x) = 1, the formula printed in seed 001 "
                       "§4.1. The denominator is the SUM of exp over the keys, i.e. weights = "
                       "softmax(QK^T / sqrt(d_k)) along the keys, so each row sums to 1.")
    if np.allclose(weights, _softmax(scores, axis=0)):
        raise Mismatch("your weights sum to 1 over the QUERIES (axis -2). Normalise over the keys (the last "
                       "axis): each query distributes one unit of attention over the keys.")
    if np.allclose(weights, _softmax(q @ k.T)):
        raise Mismatch(f"you did not scale the scores: divide Q K^T by sqrt(d_k) = sqrt({d_k}) = {np.sqrt(d_k):g}. "
                       "Without it, large d_k makes the dot products large and the softmax saturates.")
    if np.allclose(weights, _softmax(q @ k.T / d_k)):
        raise Mismatch(f"divide the scores by sqrt(d_k) = {np.sqrt(d_k):g}, not by d_k = {d_k}.")
    if not np.allclose(weights.sum(axis=-1), 1.0):
        raise Mismatch("your attention weights do not sum to 1 over the keys (each row of the weights).")
    expect_close(weights, _softmax(scores), "the attention weights", atol=1e-6)
    expect_close(output, _library_attention(q, k, v), "the output (compared with keras.ops.dot_product_attention)",
                 atol=1e-5)

    # batched inputs: keys must be transposed on their last two axes only
    qb, kb, vb = rng.normal(size=(2, 4, 8)), rng.normal(size=(2, 6, 8)), rng.normal(size=(2, 6, 3))
    output, weights = _pair(call(attention, qb, kb, vb), "attention on a batch")
    expect_close(output, _library_attention(qb, kb, vb), "the output for a batch shaped (2, 4, 8)", atol=1e-5)

    # masks: True = may attend
    mask = np.array([[True, True, False, False, True]] * 3)
    output, weights = _pair(call(attention, q, k, v, mask), "attention(q, k, v, mask)")
    if weights.shape == (3, 5):
        if np.any(weights[~mask] > 1e-6) and np.all(weights[mask] > 1e-6):
            if np.allclose(weights, _softmax(scores)):
                raise Mismatch("your function ignores the mask: masked keys (mask False) still get weight.")
        if np.allclose(weights[mask], 0.0, atol=1e-6):
            raise Mismatch("your mask is inverted: True means 'may attend' (the Keras convention), so keys "
                           "where the mask is False must get weight 0.")
        if np.allclose(weights, _softmax(scores) * mask):
            raise Mismatch("you zeroed the masked weights AFTER the softmax, so rows no longer sum to 1: add a "
                           "large negative number to the masked scores BEFORE the softmax.")
        if np.any(weights[~mask] > 1e-6):
            raise Mismatch("masked keys (mask False) still get attention weight; set their scores to a large "
                           "negative number before the softmax.")
    expect_close(weights, _softmax(np.where(mask, scores, -1e9)), "the weights with a mask", atol=1e-6)
    expect_close(output, _library_attention(q, k, v, mask), "the output with a mask", atol=1e-5)

    big = call(attention, q * 100, k * 100, v)
    expect_close(_pair(big, "attention with large scores")[1], _softmax(q @ k.T * 10000 / np.sqrt(d_k)),
                 "the weights for very large scores (subtract the row maximum before exp)", atol=1e-6)


@exercise("ch08.causal_mask", SOLUTION,
          hint="np.tril of ones: row i (a query) may see columns j <= i, including itself.")
def check_causal_mask(causal_mask):
    import keras

    for length in (4, 1, 6):
        result = np.asarray(call(causal_mask, length))
        if result.shape != (length, length):
            raise Mismatch(f"causal_mask({length}) should be shaped ({length}, {length}); got {result.shape}.")
        if result.dtype.kind == "f" and np.any(np.isinf(result) | (result < 0)):
            raise Mismatch("return a boolean mask (True = may attend), the convention of Keras's "
                           "MultiHeadAttention(attention_mask=...), not an additive mask of 0 and -inf.")
        allowed = result.astype(bool)
        expected = keras.ops.convert_to_numpy(keras.ops.tril(keras.ops.ones((length, length)))).astype(bool)
        if length > 1 and np.array_equal(allowed, expected.T):
            raise Mismatch("your mask lets each position see the FUTURE (upper triangle): query i may attend "
                           "to keys j <= i only.")
        if np.array_equal(allowed, np.tril(np.ones((length, length), bool), k=-1)):
            raise Mismatch("the diagonal is masked: a position must be allowed to attend to itself, or the "
                           "first position has nothing to attend to.")
        if np.array_equal(allowed, ~expected):
            raise Mismatch("your mask is inverted: True means 'may attend'.")
        if not np.array_equal(allowed, expected):
            raise Mismatch(f"causal_mask({length}) differs from the lower triangle (ones on and below the diagonal).")


def _pe(length, depth):
    angles = np.arange(length)[:, None] / 10000 ** (np.arange(0, depth, 2)[None, :] / depth)
    pe = np.zeros((length, depth))
    pe[:, 0::2], pe[:, 1::2] = np.sin(angles), np.cos(angles)
    return pe


@exercise("ch08.positional_encoding", SOLUTION,
          hint="angle[p, i] = p / 10000**(2i/depth) for i = 0..depth/2-1; even columns sin(angle), odd cos(angle).")
def check_positional_encoding(positional_encoding):
    length, depth = 6, 8
    result = as_array(call(positional_encoding, length, depth), "the encoding")
    if result.shape != (length, depth):
        raise Mismatch(f"positional_encoding({length}, {depth}) should be shaped (length, depth) = "
                       f"({length}, {depth}); got {result.shape}.")
    angles = np.arange(length)[:, None] / 10000 ** (np.arange(0, depth, 2)[None, :] / depth)
    if np.allclose(result, np.concatenate([np.sin(angles), np.cos(angles)], axis=1)):
        raise Mismatch("you put all the sines first and all the cosines after; interleave them: column 2i is "
                       "sin, column 2i+1 is cos (Vaswani et al., 2017).")
    swapped = np.zeros((length, depth))
    swapped[:, 0::2], swapped[:, 1::2] = np.cos(angles), np.sin(angles)
    if np.allclose(result, swapped):
        raise Mismatch("sin and cos are swapped: even columns take sin, odd columns cos.")
    pair_index = np.arange(depth // 2)[None, :]
    for wrong_exponent in (pair_index / depth, np.arange(0, depth, 2)[None, :] / depth * 2):
        wrong_angles = np.arange(length)[:, None] / 10000 ** wrong_exponent
        wrong = np.zeros((length, depth))
        wrong[:, 0::2], wrong[:, 1::2] = np.sin(wrong_angles), np.cos(wrong_angles)
        if np.allclose(result, wrong):
            raise Mismatch("the frequencies are wrong: the pair of columns (2i, 2i+1) uses p / 10000^(2i/depth), "
                           "so the exponent runs from 0 up to nearly 1 across the columns.")
    expect_close(result, _pe(length, depth), "the encoding", atol=1e-6)
    expect_close(call(positional_encoding, 50, 16), _pe(50, 16), "positional_encoding(50, 16)", atol=1e-5)


@exercise("ch08.padding_mask", SOLUTION,
          hint="keys = token_ids != pad_id, shaped (batch, length); repeat it for every query: (batch, length, length).")
def check_padding_mask(padding_mask):
    ids = np.array([[4, 7, 9, 0], [3, 0, 0, 0]])
    keys = ids != 0
    expected = np.repeat(keys[:, None, :], 4, axis=1)
    result = np.asarray(call(padding_mask, ids))
    try:
        allowed = np.broadcast_to(result.astype(bool), expected.shape)
    except ValueError:
        raise Mismatch(f"the mask should be shaped (batch, length, length) = {expected.shape} (queries, keys), "
                       f"or broadcast to it like (batch, 1, length); got {result.shape}.") from None
    if np.array_equal(allowed, np.swapaxes(expected, 1, 2)):
        raise Mismatch("you masked the padding QUERIES (rows) instead of the padding KEYS (columns): every "
                       "query must be kept from looking at padded keys.")
    if np.array_equal(allowed, ~expected):
        raise Mismatch("your mask is inverted: True means 'may attend', so real tokens are True, padding False.")
    if not np.array_equal(allowed, expected):
        raise Mismatch("the mask differs from 'key j is not padding' for every query (first sentence: "
                       "keys 0-2 allowed, key 3 masked).")
    other = np.array([[5, -1, -1]])
    result = np.asarray(call(padding_mask, other, pad_id=-1))
    try:
        allowed = np.broadcast_to(result.astype(bool), (1, 3, 3))
    except ValueError:
        raise Mismatch(f"with pad_id=-1 the mask shape is {result.shape}; expected (1, 3, 3).") from None
    if not np.array_equal(allowed, np.repeat((other != -1)[:, None, :], 3, axis=1)):
        raise Mismatch("with pad_id=-1 your mask is wrong: use the pad_id argument, not a hard-coded 0.")
