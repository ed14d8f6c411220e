"""Reference answers for chapter 07 · Recurrent networks and sequences."""
import numpy as np

# Taught in section 5 (sampling with a temperature) and section 4 (class weights); the course's own
# functions are the reference answers: read them in mio_utils/language_model.py and mio_utils/sequences.py.
from mio_utils.language_model import temperature_softmax  # noqa: F401 - softmax(logits / T), stable
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
