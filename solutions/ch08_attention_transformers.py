"""Reference answers for chapter 08 · Attention and Transformers."""
import numpy as np


def attention(q, k, v, mask=None):
    """softmax(Q K^T / sqrt(d_k)) V, the softmax over the keys; returns (output, weights)."""
    q, k, v = (np.asarray(t, dtype=np.float64) for t in (q, k, v))
    scores = q @ np.swapaxes(k, -1, -2) / np.sqrt(q.shape[-1])
    if mask is not None:
        scores = np.where(mask, scores, -1e9)  # a large negative: exp() makes it 0, without inf - inf = nan
    scores = scores - scores.max(axis=-1, keepdims=True)
    weights = np.exp(scores)
    weights = weights / weights.sum(axis=-1, keepdims=True)  # each query's weights sum to 1 over the keys
    return weights @ v, weights


def causal_mask(length):
    """True where query i may look at key j: j <= i (itself and the past)."""
    return np.tril(np.ones((length, length), dtype=bool))


def positional_encoding(length, depth):
    """PE[p, 2i] = sin(p / 10000^(2i/depth)), PE[p, 2i+1] = cos(p / 10000^(2i/depth))."""
    positions = np.arange(length)[:, None]
    angles = positions / 10000 ** (np.arange(0, depth, 2)[None, :] / depth)
    encoding = np.zeros((length, depth))
    encoding[:, 0::2] = np.sin(angles)
    encoding[:, 1::2] = np.cos(angles)
    return encoding


def padding_mask(token_ids, pad_id=0):
    """(batch, length, length): query i may attend to key j when token j is not padding."""
    keys = np.asarray(token_ids) != pad_id
    length = keys.shape[1]
    return np.repeat(keys[:, None, :], length, axis=1)
