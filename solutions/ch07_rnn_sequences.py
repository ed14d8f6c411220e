"""Reference answers for chapter 07 · Recurrent networks and sequences."""
import numpy as np

# Taught in section 4 (class weights): the course's own function is the reference answer; read it in
# mio_utils/sequences.py.
from mio_utils.sequences import balanced_class_weights  # noqa: F401 - n / (K * count); ValueError if absent


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_step(x, h, c, kernel, recurrent_kernel, bias):
    """One LSTM step in Keras's gate order [input, forget, candidate, output]; returns (h_new, c_new)."""
    z = np.asarray(x) @ kernel + np.asarray(h) @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)  # forget some old memory, write some new
    h_new = _sigmoid(o) * np.tanh(c_new)  # expose a squashed view of the memory
    return h_new, c_new


def perplexity(probabilities, targets):
    """exp(mean cross-entropy in nats): the geometric mean of 1 / p(correct next token)."""
    p = np.asarray(probabilities, dtype=np.float64)
    chosen = p[np.arange(len(targets)), np.asarray(targets)]
    return float(np.exp(-np.mean(np.log(chosen))))


# Exercise 7.1 (predict, then run): keras.layers.LSTM(32) reading 50 steps of 8 features. Four blocks
# [input, forget, candidate, output], each with W (8 x 32), U (32 x 32) and b (32); the steps share them.
lstm_parameters = 4 * (8 * 32 + 32 * 32 + 32)  # 5,248


def gru_step(x, h, kernel, recurrent_kernel, bias):
    """One GRU step as keras.layers.GRU computes it (reset_after=True): blocks [update, reset, candidate],
    bias[0] added to the input part, bias[1] to the recurrent part; returns h_new."""
    x_z, x_r, x_h = np.split(np.asarray(x) @ kernel + bias[0], 3, axis=-1)
    h_z, h_r, h_h = np.split(np.asarray(h) @ recurrent_kernel + bias[1], 3, axis=-1)
    z = _sigmoid(x_z + h_z)  # update gate: how much of the old state to keep
    r = _sigmoid(x_r + h_r)  # reset gate: how much of the old state the candidate may use
    candidate = np.tanh(x_h + r * h_h)  # reset AFTER the recurrent product (Keras's reset_after=True)
    return z * h + (1 - z) * candidate


def top_k_softmax(logits, temperature, k):
    """softmax(logits / T) over the last axis, where only each row's k largest logits may be sampled."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    kth_largest = np.sort(z, axis=-1)[..., -min(k, z.shape[-1])][..., None]  # the k-th largest of each row
    z = np.where(z >= kth_largest, z, -np.inf)  # the others: probability exactly 0
    e = np.exp(z - z.max(axis=-1, keepdims=True))  # each row's own maximum: no overflow
    return e / e.sum(axis=-1, keepdims=True)
