"""Checkers for chapter 07 · Recurrent networks and sequences."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch07_rnn_sequences.py"


def _keras_lstm_step(x, h, c, kernel, recurrent_kernel, bias):
    """The expected answer, from keras.layers.LSTM given the same weights and one time step."""
    import keras

    layer = keras.layers.LSTM(h.shape[-1], return_state=True)
    layer.build((None, 1, x.shape[-1]))
    layer.set_weights([kernel, recurrent_kernel, bias])
    _, h_new, c_new = layer(x[:, None, :].astype(np.float32), initial_state=[h.astype(np.float32), c.astype(np.float32)])
    return np.asarray(h_new, np.float64), np.asarray(c_new, np.float64)


def _lstm_variants(x, h, c, kernel, recurrent_kernel, bias):
    """Plausible mistakes, each with what it gets wrong."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    z = x @ kernel + h @ recurrent_kernel + bias
    i, f, g, o = np.split(z, 4, axis=-1)
    variants = {}
    c_ok = sig(f) * c + sig(i) * np.tanh(g)
    variants["h = o * c_new without the tanh: squash the memory with tanh before the output gate"] = \
        (sig(o) * c_ok, c_ok)
    c_sig = sig(f) * c + sig(i) * sig(g)
    variants["the candidate uses sigmoid; it takes tanh (values in [-1, 1], so memory can go up or down)"] = \
        (sig(o) * np.tanh(c_sig), c_sig)
    c_no_input = sig(f) * c + np.tanh(g)
    variants["the candidate is written to memory without the input gate: c_new = f*c + i*g"] = \
        (sig(o) * np.tanh(c_no_input), c_no_input)
    i2, g2, f2, o2 = np.split(z, 4, axis=-1)  # TF1's LSTMCell order [i, j, f, o]
    c_tf1 = sig(f2) * c + sig(i2) * np.tanh(g2)
    variants["your gate order is [input, candidate, forget, output]; Keras packs the columns as "
             "[input, forget, candidate, output]"] = (sig(o2) * np.tanh(c_tf1), c_tf1)
    return variants


@exercise("ch07.lstm_step", SOLUTION,
          hint="z = x@kernel + h@recurrent_kernel + bias, split into [i, f, c~, o]; c_new = σ(f)*c + σ(i)*tanh(c~); "
               "h_new = σ(o)*tanh(c_new).")
def check_lstm_step(lstm_step):
    rng = np.random.default_rng(7)
    features, units, batch = 3, 4, 2
    x, h, c = rng.normal(size=(batch, features)), rng.normal(size=(batch, units)), rng.normal(size=(batch, units))
    kernel = rng.normal(size=(features, 4 * units)) * 0.7
    recurrent_kernel = rng.normal(size=(units, 4 * units)) * 0.7
    bias = rng.normal(size=4 * units) * 0.3
    result = call(lstm_step, x, h, c, kernel, recurrent_kernel, bias)
    if not isinstance(result, (tuple, list)) or len(result) != 2:
        raise Mismatch("lstm_step should return a pair (h_new, c_new).")
    h_new, c_new = as_array(result[0], "h_new"), as_array(result[1], "c_new")
    for why, (h_bad, c_bad) in _lstm_variants(x, h, c, kernel, recurrent_kernel, bias).items():
        if h_new.shape == h_bad.shape and np.allclose(h_new, h_bad, atol=1e-6) \
                and np.allclose(c_new, c_bad, atol=1e-6):
            raise Mismatch(why + ".")
    h_ref, c_ref = _keras_lstm_step(x, h, c, kernel, recurrent_kernel, bias)
    expect_close(c_new, c_ref, "c_new (the cell state, compared with keras.layers.LSTM)", atol=1e-5)
    expect_close(h_new, h_ref, "h_new (the output, compared with keras.layers.LSTM)", atol=1e-5)


def _softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@exercise("ch07.temperature_softmax", SOLUTION,
          hint="divide the logits by the temperature, then take a stable softmax over the last axis.")
def check_temperature_softmax(temperature_softmax):
    logits = np.array([2.0, 1.0, 0.0, -1.0])
    for temperature in (1.0, 2.0, 0.5):
        result = as_array(call(temperature_softmax, logits, temperature), f"the output for T={temperature}")
        if result.shape == logits.shape and temperature == 2.0 and np.allclose(result, _softmax(logits * 2.0)):
            raise Mismatch("with T=2 your distribution got sharper: divide the logits by T, do not multiply. "
                           "A high temperature should flatten the distribution towards uniform.")
        if result.shape == logits.shape and np.all(np.isfinite(result)) and not np.isclose(result.sum(), 1.0):
            raise Mismatch(f"for T={temperature} your probabilities sum to {result.sum():.4f}, not 1: "
                           "after changing the temperature, normalise again (softmax of logits / T).")
        expect_close(result, _softmax(logits / temperature), f"temperature_softmax(logits, T={temperature})")
    batch = np.array([[1.0, 3.0, 0.0], [0.0, 0.0, 0.0]])
    expect_close(call(temperature_softmax, batch, 0.7), _softmax(batch / 0.7),
                 "the output for a batch shaped (2, 3) (normalise each row)")
    cold = np.array([10.0, 9.0, 0.0])
    expect_close(call(temperature_softmax, cold, 0.01), _softmax(cold / 0.01),
                 "the output for T=0.01 (nearly argmax)", atol=1e-9)


@exercise("ch07.perplexity", SOLUTION,
          hint="pick p[i, target_i] for each position, take the mean of -log p (natural log), then exp().")
def check_perplexity(perplexity):
    vocab = 5
    uniform = np.full((6, vocab), 1 / vocab)
    targets = np.array([0, 1, 2, 3, 4, 0])
    value = as_array(call(perplexity, uniform, targets), "the perplexity of a uniform guess")
    if value.shape not in ((), (1,)):
        raise Mismatch(f"perplexity should return one number; got shape {value.shape}.")
    if np.isclose(value, np.log(vocab)):
        raise Mismatch("you returned the cross-entropy (log 5 = 1.609 for a uniform guess over 5 tokens); "
                       "perplexity is exp() of it, here 5.")
    if np.isclose(value.reshape(-1)[0], float(vocab) ** len(targets)):
        raise Mismatch("you took exp of the SUM of the losses; use the MEAN, so perplexity does not grow "
                       "with the length of the text (a uniform guess over 5 tokens must score 5).")
    expect_close(value.reshape(()), vocab, "the perplexity of a uniform guess over 5 tokens (should be 5)")
    rng = np.random.default_rng(3)
    probabilities = rng.dirichlet(np.ones(vocab), size=8)
    targets = rng.integers(0, vocab, 8)
    chosen = probabilities[np.arange(8), targets]
    value = as_array(call(perplexity, probabilities, targets), "the perplexity").reshape(-1)[0]
    if np.isclose(value, np.exp(-np.sum(np.log(chosen)))):
        raise Mismatch("you took exp of the SUM of the losses; use the MEAN, so perplexity does not grow "
                       "with the length of the text.")
    if np.isclose(value, np.mean(1 / chosen)):
        raise Mismatch("the arithmetic mean of 1/p is not perplexity: perplexity is the GEOMETRIC mean, "
                       "exp(mean(-log p)).")
    if np.isclose(value, np.exp(-np.mean(np.log(probabilities)))):
        raise Mismatch("you averaged -log p over every token of the vocabulary; use only the probability "
                       "of each position's target token.")
    expect_close(value, np.exp(-np.mean(np.log(chosen))), "the perplexity on random distributions")


@exercise("ch07.balanced_class_weights", SOLUTION,
          hint="weight_c = n / (num_classes * count_c); return a dict {class index: weight}.")
def check_balanced_class_weights(balanced_class_weights):
    from sklearn.utils.class_weight import compute_class_weight

    y = np.array([0] * 12 + [1] * 3 + [2] * 5)
    result = call(balanced_class_weights, y, 3)
    if isinstance(result, dict):
        try:
            weights = np.array([float(result[c]) for c in range(3)])
        except (KeyError, TypeError, ValueError):
            raise Mismatch(f"the dict should map each class index 0, 1, 2 to a number; got keys "
                           f"{sorted(result)}.") from None
    else:
        weights = as_array(result, "the class weights")
    if weights.shape != (3,):
        raise Mismatch(f"expected one weight per class (3); got shape {weights.shape}.")
    counts = np.bincount(y)
    expected = compute_class_weight("balanced", classes=np.arange(3), y=y)
    if np.allclose(weights, counts) or np.allclose(weights, counts / len(y)):
        raise Mismatch("your weights grow with the class count, so the frequent class weighs MORE: "
                       "a class weight must be inversely proportional to its count.")
    if np.allclose(weights, 1 / counts):
        raise Mismatch("1 / count points the right way, but scale it to n / (num_classes * count) so that "
                       "the average weight per example stays 1 and the learning rate keeps its meaning.")
    expect_close(weights, expected, "the class weights (compared with scikit-learn's 'balanced')")
