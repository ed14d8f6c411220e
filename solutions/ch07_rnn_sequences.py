"""Reference answers for chapter 07 · Recurrent networks and sequences."""
import numpy as np


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def lstm_step(x, h, c, kernel, recurrent_kernel, bias):
    """One LSTM step in Keras's gate order [input, forget, candidate, output]; returns (h_new, c_new)."""
    z = np.asarray(x) @ kernel + np.asarray(h) @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    c_new = _sigmoid(f) * c + _sigmoid(i) * np.tanh(g)  # forget some old memory, write some new
    h_new = _sigmoid(o) * np.tanh(c_new)  # expose a squashed view of the memory
    return h_new, c_new


def temperature_softmax(logits, temperature):
    """softmax(logits / T) over the last axis; subtracting the max keeps exp() from overflowing."""
    z = np.asarray(logits, dtype=np.float64) / temperature
    z = np.exp(z - z.max(axis=-1, keepdims=True))
    return z / z.sum(axis=-1, keepdims=True)


def perplexity(probabilities, targets):
    """exp(mean cross-entropy in nats): the geometric mean of 1 / p(correct next token)."""
    p = np.asarray(probabilities, dtype=np.float64)
    chosen = p[np.arange(len(targets)), np.asarray(targets)]
    return float(np.exp(-np.mean(np.log(chosen))))


def balanced_class_weights(y, num_classes):
    """{class: n / (num_classes * count)}: every class carries the same total weight in the loss."""
    counts = np.bincount(np.asarray(y), minlength=num_classes)
    return {c: len(y) / (num_classes * counts[c]) for c in range(num_classes)}
