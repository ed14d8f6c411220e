"""Checkers for chapter 08 · Attention and Transformers."""
import inspect

import numpy as np

from . import Mismatch, as_array, as_prediction_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch08_attention_transformers.py"
OVERFLOW = "Large scores overflow exp(): subtract each row's maximum before exp() (or use a stable softmax)."


# ------------------------------------------------------------------------ 8.1 scaled dot-product attention
def _expected_attention(q, k, v, mask=None):
    """(output, weights) from the course's attention, which tests/test_attention.py proves equal to Keras."""
    import keras

    from mio_utils.attention import scaled_dot_product_attention

    output, weights = scaled_dot_product_attention(q, k, v, mask)
    return (keras.ops.convert_to_numpy(output).astype(np.float64),
            keras.ops.convert_to_numpy(weights).astype(np.float64))


def _attention_mistakes(q, k, v, mask):
    """Plausible wrong attention weights, each with what it gets wrong; used only to explain a mismatch."""
    from scipy.special import softmax

    d_k, d_v = q.shape[-1], v.shape[-1]
    dots = q @ np.swapaxes(k, -1, -2)
    keep = (lambda s: s) if mask is None else (lambda s: np.where(mask, s, -1e9))  # noqa: E731
    mistakes = [
        ("all your attention weights are 1: exp(x) / exp(x) = 1, a formula you will find online. The "
         "denominator is the SUM of exp over the keys, i.e. weights = softmax(QK^T / sqrt(d_k)) along the keys, "
         "so each row sums to 1", np.ones_like(dots)),
        ("your weights sum to 1 over the QUERIES (axis -2). Normalise over the keys (the last axis): each "
         "query distributes one unit of attention over the keys", softmax(keep(dots / np.sqrt(d_k)), axis=-2)),
        (f"you did not scale the scores: divide Q K^T by sqrt(d_k) = sqrt({d_k}). Without it, large d_k makes "
         "the dot products large and the softmax saturates", softmax(keep(dots), axis=-1)),
        (f"divide the scores by sqrt(d_k) = {np.sqrt(d_k):g}, not by d_k = {d_k}",
         softmax(keep(dots / d_k), axis=-1)),
    ]
    if d_v != d_k:
        mistakes.append((f"divide the scores by sqrt(d_k), with d_k = {d_k} the size of the queries and keys "
                         f"(q.shape[-1]), not by sqrt of the values' size d_v = {d_v}",
                         softmax(keep(dots / np.sqrt(d_v)), axis=-1)))
    if mask is not None:
        unmasked = softmax(dots / np.sqrt(d_k), axis=-1)
        mistakes += [
            ("your function ignores the mask: masked keys (mask False) still get weight", unmasked),
            ("your mask is inverted: True means 'may attend' (the Keras convention), so keys where the mask is "
             "False must get weight 0", softmax(np.where(mask, -1e9, dots / np.sqrt(d_k)), axis=-1)),
            ("you zeroed the masked weights AFTER the softmax, so rows no longer sum to 1: add a large negative "
             "number to the masked scores BEFORE the softmax", unmasked * mask),
        ]
    return mistakes


def _output_and_weights(result, q, k, v, what):
    n_q, n_k, d_v = q.shape[-2], k.shape[-2], v.shape[-1]
    batch = np.broadcast_shapes(q.shape[:-2], k.shape[:-2], v.shape[:-2])
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mismatch(f"{what}: return a pair (output, weights); got {type(result).__name__}"
                       + (f" of length {len(result)}." if isinstance(result, (tuple, list)) else "."))
    output, weights = as_array(result[0], "the output"), as_array(result[1], "the attention weights")
    want_output, want_weights = batch + (n_q, d_v), batch + (n_q, n_k)
    if output.shape == want_weights and weights.shape == want_output and want_output != want_weights:
        raise Mismatch(f"{what}: you returned (weights, output); return them in the order (output, weights).")
    if weights.shape == batch + (n_k, n_q) and n_k != n_q:
        raise Mismatch(f"{what}: the weights are shaped {weights.shape}, (..., keys, queries); they should be "
                       f"{want_weights}, (..., queries, keys): one row per query.")
    for name, value, shape in (("weights", weights, want_weights), ("output", output, want_output)):
        if value.shape != shape:
            raise Mismatch(f"{what}: the {name} should be shaped {shape}; got {value.shape}.")
    return output, weights


def _check_attention_case(attention, q, k, v, mask, what, atol=1e-5, advice=""):
    expected_output, expected_weights = _expected_attention(q, k, v, mask)
    args = (q, k, v) if mask is None else (q, k, v, mask)
    output, weights = _output_and_weights(call(attention, *args), q, k, v, what)
    if np.all(np.isfinite(weights)) and not np.allclose(weights, expected_weights, atol=atol):
        for why, wrong in _attention_mistakes(q, k, v, mask):
            if np.allclose(weights, np.broadcast_to(wrong, weights.shape), atol=1e-6):
                raise Mismatch(f"{what}: {why}.")
        if not np.allclose(weights.sum(axis=-1), 1.0, atol=1e-5):
            raise Mismatch(f"{what}: your attention weights do not sum to 1 over the keys (each row).")
        if mask is not None and np.any(np.broadcast_to(~mask, weights.shape) & (weights > 1e-6)):
            raise Mismatch(f"{what}: masked keys (mask False) still get attention weight; set their scores to "
                           "a large negative number before the softmax.")
    expect_close(weights, expected_weights, f"{what}: the attention weights", atol=atol, advice=advice)
    expect_close(output, expected_output, f"{what}: the output", atol=atol, advice=advice)


def _allowed(rng, shape):
    """A random boolean mask with at least one allowed and one masked key in every row."""
    mask = rng.random(shape) < 0.6
    allowed, masked = rng.choice(shape[-1], size=2, replace=False)
    mask[..., allowed], mask[..., masked] = True, False
    return mask


@exercise("ch08.scaled_dot_product_attention", SOLUTION,
          hints=("Each query spends one unit of attention over the KEYS: score every key against the query, scale, "
                 "hide the masked keys before normalising, normalise over the keys, then average the values. Keep "
                 "exp() from overflowing on large scores.",
                 "scores = q @ swap(k, last two axes) / sqrt(d_k); masked scores → a large negative number; "
                 "weights = softmax(scores - max over the keys) along the LAST axis; output = weights @ v."))
def check_scaled_dot_product_attention(attention):
    rng = hidden_rng()
    d_k, d_v, n_q, n_k = int(rng.integers(8, 20)), int(rng.integers(2, 5)), 3, 5
    q, k, v = rng.normal(size=(n_q, d_k)), rng.normal(size=(n_k, d_k)), rng.normal(size=(n_k, d_v))
    _check_attention_case(attention, q, k, v, None, f"for q {q.shape}, k {k.shape}, v {v.shape}")

    qb, kb, vb = rng.normal(size=(2, 4, 8)), rng.normal(size=(2, 6, 8)), rng.normal(size=(2, 6, 3))
    _check_attention_case(attention, qb, kb, vb, None, "for a batch: q (2, 4, 8), k (2, 6, 8), v (2, 6, 3)")
    qh, kh, vh = rng.normal(size=(2, 3, 4, 5)), rng.normal(size=(2, 3, 7, 5)), rng.normal(size=(2, 3, 7, 6))
    _check_attention_case(attention, qh, kh, vh, None, "for batch and heads: q (2, 3, 4, 5), k (2, 3, 7, 5)")

    masks = [
        (_allowed(rng, (n_q, n_k)), f"with a mask shaped ({n_q}, {n_k}) (True = may attend)", (q, k, v)),
        (_allowed(rng, (n_k,)), f"with a mask shaped ({n_k},) over the keys, broadcast to every query",
         (q, k, v)),
        (_allowed(rng, (2, 1, 6)), "with a padding mask shaped (2, 1, 6) for a batch", (qb, kb, vb)),
    ]
    for mask, what, (mq, mk, mv) in masks:
        _check_attention_case(attention, mq, mk, mv, mask, what)
    x = rng.normal(size=(6, d_k))
    _check_attention_case(attention, x, x.copy(), rng.normal(size=(6, d_v)), np.tri(6, dtype=bool),
                          "for self-attention with a causal mask (6, 6)")

    big_q, big_k = rng.normal(size=(6, 16)) * 50, rng.normal(size=(8, 16)) * 50
    _check_attention_case(attention, big_q, big_k, rng.normal(size=(8, 3)), None,
                          "for very large scores (q and k of size about 50)", atol=1e-3, advice=OVERFLOW)


# --------------------------------------------------------------------------------- boolean masks
def _boolean_mask(value, shapes, what):
    """The learner's mask as a NumPy array of one of the allowed ``shapes`` and dtype bool, or explain."""
    if isinstance(value, (str, bytes, dict, set)) or inspect.isgenerator(value):
        raise Mismatch(f"{what} should be a boolean array; got {type(value).__name__}.")
    try:
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    except Exception:  # noqa: BLE001 - ragged lists and other objects
        raise Mismatch(f"{what} should be one regular boolean array; got {type(value).__name__}.") from None
    if array.shape not in shapes:
        raise Mismatch(f"{what} should be shaped {' or '.join(map(str, shapes))}; got {array.shape}.")
    if array.dtype.kind == "f" and np.any(np.isinf(array) | (array < 0)):
        raise Mismatch(f"{what}: return a boolean mask (True = may attend), the convention of Keras's "
                       "MultiHeadAttention(attention_mask=...), not an additive mask of 0 and -inf.")
    if array.dtype != bool:
        raise Mismatch(f"{what} should have dtype bool (True = may attend); got dtype {array.dtype}. "
                       "Convert with .astype(bool), or build it from a comparison.")
    return array


# ---------------------------------------------------------------------------- 8.2 sliding-window mask
def _window(length, window, *, back=None):
    """allowed[i, j]: key j is not ahead of query i and at most ``back`` (default window - 1) positions behind."""
    queries, keys = np.arange(length)[:, None], np.arange(length)[None, :]
    behind = window - 1 if back is None else back
    return (keys <= queries) & (queries - keys <= behind)


@exercise("ch08.sliding_window_mask", SOLUTION,
          hints=("Start from the causal mask (no key in the future), then also forbid keys that are too far in "
                 "the past: each query sees itself and the window - 1 positions before it.",
                 "allowed[i, j] = (j <= i) and (i - j < window), i.e. 0 <= i - j <= window - 1."))
def check_sliding_window_mask(sliding_window_mask):
    rng = hidden_rng()
    length = int(rng.integers(7, 12))
    cases = [(6, 3), (5, 1), (4, 10), (length, int(rng.integers(2, length - 2))), (3, 3)]
    for length, window in cases:
        what = f"sliding_window_mask({length}, {window})"
        allowed = _boolean_mask(call(sliding_window_mask, length, window), [(length, length)], what)
        expected = _window(length, window)
        if np.array_equal(allowed, expected):
            continue
        causal = np.tri(length, dtype=bool)
        if np.array_equal(allowed, ~expected):
            raise Mismatch(f"{what}: your mask is inverted: True means 'may attend'.")
        if window < length and np.array_equal(allowed, causal):
            raise Mismatch(f"{what}: this is the plain causal mask; the window must also hide keys more than "
                           f"{window - 1} positions in the past.")
        if np.any(allowed & ~causal):
            raise Mismatch(f"{what}: your mask lets a query see keys in the FUTURE (above the diagonal): "
                           "query i may attend to keys j <= i only.")
        if not np.all(np.diag(allowed)):
            raise Mismatch(f"{what}: the diagonal is masked: the window includes the query itself, so "
                           "window=1 lets a position see only itself.")
        if np.array_equal(allowed, _window(length, window, back=window)):
            raise Mismatch(f"{what}: each query sees window + 1 = {window + 1} keys; the window counts the "
                           f"query itself, so it sees {window} (off by one).")
        if np.array_equal(allowed, _window(length, window, back=window - 2)):
            raise Mismatch(f"{what}: each query sees window - 1 = {window - 1} keys; the window counts the "
                           f"query itself AND reaches {window - 1} positions back, {window} keys in all (off by one).")
        raise Mismatch(f"{what} differs from 'key j is not in the future and fewer than {window} positions back'.")


# ------------------------------------------------------------------------------ 8.3 positional encoding
def _positional_mistakes(length, depth):
    def encoding(exponents, first=np.sin, second=np.cos, start=0):
        angles = np.arange(start, start + length)[:, None] / 10000.0 ** exponents[None, :]
        pe = np.empty((length, depth))
        pe[:, 0::2], pe[:, 1::2] = first(angles), second(angles)
        return pe

    right = np.arange(0, depth, 2) / depth
    angles = np.arange(length)[:, None] / 10000.0 ** right[None, :]
    frequencies = ("the frequencies are wrong: the pair of columns (2i, 2i+1) uses p / 10000^(2i/depth), so "
                   "the exponent runs from 0 up to nearly 1 across the columns")
    return [
        ("you put all the sines first and all the cosines after; interleave them: column 2i is sin, column "
         "2i+1 is cos (Vaswani et al., 2017)", np.concatenate([np.sin(angles), np.cos(angles)], axis=1)),
        ("sin and cos are swapped: even columns take sin, odd columns cos", encoding(right, np.cos, np.sin)),
        (frequencies, encoding(np.arange(depth // 2) / depth)),
        (frequencies, encoding(2 * right)),
        ("positions start at 0: the first row is sin(0) = 0, cos(0) = 1", encoding(right, start=1)),
    ]


@exercise("ch08.positional_encoding", SOLUTION,
          hints=("Each pair of columns (2i, 2i+1) is one clock: the same angle for both, sin in the even column and "
                 "cos in the odd one; the clocks slow down geometrically across the pairs; positions start at 0.",
                 "angle[p, i] = p / 10000**(2i/depth) for i = 0..depth/2-1; PE[p, 2i] = sin(angle[p, i]), "
                 "PE[p, 2i+1] = cos(angle[p, i])."))
def check_positional_encoding(positional_encoding):
    from mio_utils.attention import positional_encoding as expected_encoding

    rng = hidden_rng()
    sizes = [(6, 8), (1, 4), (int(rng.integers(10, 65)), 2 * int(rng.integers(2, 17))), (int(rng.integers(3, 9)), 2)]
    for length, depth in sizes:
        what = f"positional_encoding({length}, {depth})"
        result = as_array(call(positional_encoding, length, depth), what)
        if result.shape == (depth, length) and length != depth:
            raise Mismatch(f"{what} is shaped (depth, length) = {result.shape}; return (length, depth) = "
                           f"{(length, depth)}: one row per position.")
        expected = expected_encoding(length, depth).astype(np.float64)
        if result.shape == expected.shape and not np.allclose(result, expected, atol=1e-5):
            for why, wrong in _positional_mistakes(length, depth):
                if np.allclose(result, wrong, atol=1e-5):
                    raise Mismatch(f"{what}: {why}.")
        expect_close(result, expected, what, atol=1e-5)


# ---------------------------------------------------------------------------------- 8.4 padding mask
def _padded_ids(rng, batch, length, pad_id, pre=False):
    """Token ids shaped (batch, length), each row padded at its start (``pre``) or end: the first row with at
    least two pads and, when pad_id is not 0, one real token 0; the last row without padding."""
    ids = rng.choice(np.array([t for t in range(1, 30) if t != pad_id]), size=(batch, length))
    for row_index, row in enumerate(ids[:-1]):
        pads = int(rng.integers(2 if row_index == 0 else 0, length))
        if pre:
            row[:pads] = pad_id
        else:
            row[length - pads:] = pad_id
    if pad_id != 0:
        ids[0, -1 if pre else 0] = 0
    return ids


def _check_padding_case(padding_mask, ids, pad_id, what):
    batch, length = ids.shape
    result = call(padding_mask, ids) if pad_id == 0 else call(padding_mask, ids, pad_id=pad_id)
    try:
        shape = np.shape(result)
    except Exception:  # noqa: BLE001 - ragged: explained by _boolean_mask below
        shape = None
    if shape == (batch, length):
        raise Mismatch(f"{what}: a (batch, length) mask of the keys needs a query axis: return it shaped "
                       f"(batch, length, length) = {(batch, length, length)} (or (batch, 1, length)).")
    allowed = _boolean_mask(result, [(batch, length, length), (batch, 1, length)], what)
    allowed = np.broadcast_to(allowed, (batch, length, length))
    keys = ids != pad_id
    expected = np.broadcast_to(keys[:, None, :], (batch, length, length))
    if np.array_equal(allowed, expected):
        return
    if np.array_equal(allowed, np.swapaxes(expected, 1, 2)):
        raise Mismatch(f"{what}: you masked the padding QUERIES (rows) instead of the padding KEYS (columns): "
                       "every query must be kept from looking at padded keys.")
    if np.array_equal(allowed, expected & keys[:, :, None]):
        raise Mismatch(f"{what}: you also masked the rows of the padding queries; mask only the keys "
                       "(columns): every query, padding included, may attend to every real key (the outputs "
                       "at padding positions are ignored later).")
    if np.array_equal(allowed, ~expected):
        raise Mismatch(f"{what}: your mask is inverted: True means 'may attend', so real tokens are True, "
                       "padding False.")
    if pad_id != 0 and np.array_equal(allowed, np.broadcast_to((ids != 0)[:, None, :], allowed.shape)):
        raise Mismatch(f"{what}: your mask treats 0 as padding; use the pad_id argument, not a hard-coded 0.")
    if pad_id != 0 and np.array_equal(allowed, expected & (ids != 0)[:, None, :]):
        raise Mismatch(f"{what}: with pad_id={pad_id}, 0 is a real token; mask only the tokens equal to pad_id.")
    raise Mismatch(f"{what}: the mask differs from 'key j is not padding' for every query i "
                   f"(ids {ids.tolist()[:2]}..., pad_id={pad_id}).")


@exercise("ch08.padding_mask", SOLUTION,
          hints=("Padding is about the KEYS (columns): every query may look at every real token, and no query at a "
                 "pad; which id is padding is the pad_id argument.",
                 "keys = (token_ids != pad_id), shaped (batch, length); give it a query axis and repeat it: "
                 "mask[b, i, j] = keys[b, j], shaped (batch, length, length)."))
def check_padding_mask(padding_mask):
    rng = hidden_rng()
    _check_padding_case(padding_mask, np.array([[4, 7, 9, 0], [3, 0, 0, 0]]), 0,
                        "padding_mask([[4, 7, 9, 0], [3, 0, 0, 0]])")
    batch, length = int(rng.integers(2, 5)), int(rng.integers(3, 10))
    _check_padding_case(padding_mask, _padded_ids(rng, batch, length, 0), 0,
                        f"for ids shaped {(batch, length)} padded with 0 at the end")
    for pad_id in (-1, int(rng.integers(1, 30))):
        batch, length = int(rng.integers(2, 5)), int(rng.integers(3, 10))
        _check_padding_case(padding_mask, _padded_ids(rng, batch, length, pad_id, pre=True), pad_id,
                            f"with pad_id={pad_id} (0 is a real token here) and padding at the start")


# ------------------------------------------------------------ 8.5 predict, then run: parameters of an MHA layer
def mha_parameter_count(d_model: int, num_heads: int, key_dim: int) -> int:
    """Parameters of ``MultiHeadAttention(num_heads, key_dim)`` on ``d_model``-wide queries, keys and values
    (value_dim = key_dim, biases on): three input projections and the output projection."""
    projection = d_model * num_heads * key_dim + num_heads * key_dim  # kernel (d_model, heads, key_dim) + bias
    output = num_heads * key_dim * d_model + d_model  # kernel (heads, key_dim, d_model) + bias (d_model,)
    return 3 * projection + output




@exercise("ch08.mha_parameters", SOLUTION, kind="prediction",
          hints=("Four Dense projections, each with a kernel AND a bias: query, key, value (d_model → heads × "
                 "key_dim) and the output (heads × key_dim → d_model). key_dim is the size of EACH head.",
                 "query, key, value: 64·4·16 weights + 4·16 biases each; output: 4·16·64 weights + 64 biases."))
def check_mha_parameters(prediction):
    d_model, heads, key_dim = 64, 4, 16
    truth = mha_parameter_count(d_model, heads, key_dim)
    guess = as_prediction_number(prediction, "your prediction")
    if guess == truth:
        inner = heads * key_dim
        return (f"{truth:,} = 3 × ({d_model}·{heads}·{key_dim} + {inner}) for the query, key and value projections "
                f"+ ({inner}·{d_model} + {d_model}) for the output projection. With key_dim = d_model / heads, "
                f"it is 4·d_model² + 4·d_model, the same whatever the number of heads: more heads means smaller ones.")
    weights_only = 4 * d_model * heads * key_dim
    mistakes = {
        weights_only: "you counted the kernels but not the biases (each projection has one)",
        3 * (d_model * heads * key_dim + heads * key_dim): "you forgot the output projection that maps the heads "
                                                           "back to d_model",
        mha_parameter_count(d_model, heads, key_dim * heads): "key_dim is the size of EACH head, not of all of them",
        mha_parameter_count(d_model, heads, key_dim) // 4: "that is one projection; there are four (query, key, "
                                                           "value and output)",
        d_model * d_model: "that is one kernel of one projection, without biases; there are four projections",
    }
    if guess in mistakes:
        raise Mismatch(f"{guess:g} is not it: {mistakes[guess]}.")
    if guess != round(guess) or guess < 0:
        raise Mismatch(f"{guess:g} is not a whole, positive number of parameters.")
    raise Mismatch(f"{guess:g} is not it. Count each projection's kernel and bias: "
                   f"{'too many' if guess > truth else 'too few'}.")
