"""Checkers for chapter 07 · Recurrent networks and sequences."""
import numpy as np

from . import Mismatch, as_array, as_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch07_rnn_sequences.py"


# ------------------------------------------------------------------------------------------ 7.1 LSTM step
def _keras_lstm_step(x, h, c, kernel, recurrent_kernel, bias):
    """The expected (h_new, c_new), from keras.layers.LSTMCell given the same weights."""
    import keras

    cell = keras.layers.LSTMCell(h.shape[-1])
    cell.build((None, x.shape[-1]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    h_new, (_, c_new) = cell(x.astype(np.float32), [h.astype(np.float32), c.astype(np.float32)])
    return keras.ops.convert_to_numpy(h_new).astype(np.float64), keras.ops.convert_to_numpy(c_new).astype(np.float64)


def _lstm_mistakes(x, h, c, kernel, recurrent_kernel, bias):
    """Plausible wrong (h_new, c_new), each with what it gets wrong; used only to explain a mismatch."""
    from scipy.special import expit as sig

    z = x @ kernel + h @ recurrent_kernel + bias

    def step(order="ifgo", candidate=np.tanh, output_tanh=True, input_gate=True, h_from_old_c=False):
        i, f, g, o = (dict(zip(order, np.split(z, 4, axis=-1)))[gate] for gate in "ifgo")
        c_new = sig(f) * c + (sig(i) if input_gate else 1.0) * candidate(g)
        memory = c if h_from_old_c else c_new
        return sig(o) * (np.tanh(memory) if output_tanh else memory), c_new

    keras_order = "; Keras packs the columns as [input, forget, candidate, output]"
    return [
        ("h = o * c_new without the tanh: squash the memory with tanh before the output gate",
         step(output_tanh=False)),
        ("the candidate uses sigmoid; it takes tanh (values in [-1, 1], so memory can go up or down)",
         step(candidate=sig)),
        ("the candidate is written to memory without the input gate: c_new = σ(f)*c + σ(i)*tanh(g)",
         step(input_gate=False)),
        ("h_new uses the OLD cell state; compute c_new first, then h_new = o * tanh(c_new)",
         step(h_from_old_c=True)),
        ("your gate order is [input, candidate, forget, output]" + keras_order, step(order="igfo")),
        ("your gate order is [input, forget, output, candidate]" + keras_order, step(order="ifog")),
    ]


def _lstm_case(rng, batch, features, units):
    x = rng.normal(size=(batch, features))
    h, c = rng.normal(size=(batch, units)) * 0.8, rng.normal(size=(batch, units))
    kernel = rng.normal(size=(features, 4 * units)) * 0.6
    recurrent_kernel = rng.normal(size=(units, 4 * units)) * 0.6
    bias = rng.normal(size=4 * units) * 0.5
    return x, h, c, kernel, recurrent_kernel, bias


@exercise("ch07.lstm_step", SOLUTION,
          hint="z = x@kernel + h@recurrent_kernel + bias, split into [i, f, c~, o]; c_new = σ(f)*c + σ(i)*tanh(c~); "
               "h_new = σ(o)*tanh(c_new).")
def check_lstm_step(lstm_step):
    rng = hidden_rng()
    sizes = [(int(rng.integers(2, 6)), features, units)
             for features, units in ((3, 4), (int(rng.integers(5, 8)), int(rng.integers(2, 4))))]
    for batch, features, units in sizes:
        case = _lstm_case(rng, batch, features, units)
        where = f"for x shaped {(batch, features)} and {units} units"
        result = call(lstm_step, *case)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Mismatch(f"lstm_step should return a pair (h_new, c_new); got {type(result).__name__}"
                           + (f" of length {len(result)}." if isinstance(result, (tuple, list)) else "."))
        h_new, c_new = as_array(result[0], "h_new"), as_array(result[1], "c_new")
        for name, value in (("h_new", h_new), ("c_new", c_new)):
            if value.shape != (batch, units):
                raise Mismatch(f"{name} {where} should be shaped (batch, units) = {(batch, units)}; "
                               f"got {value.shape}.")
        h_ref, c_ref = _keras_lstm_step(*case)
        if np.allclose(h_new, c_ref, atol=1e-5) and np.allclose(c_new, h_ref, atol=1e-5):
            raise Mismatch("you returned (c_new, h_new); return them in the order (h_new, c_new).")
        if not (np.allclose(h_new, h_ref, atol=1e-5) and np.allclose(c_new, c_ref, atol=1e-5)):
            for why, (h_bad, c_bad) in _lstm_mistakes(*case):
                if np.allclose(h_new, h_bad, atol=1e-6) and np.allclose(c_new, c_bad, atol=1e-6):
                    raise Mismatch(why + ".")
        expect_close(c_new, c_ref, f"c_new (the cell state) {where}, compared with keras.layers.LSTMCell", atol=1e-5)
        expect_close(h_new, h_ref, f"h_new (the output) {where}, compared with keras.layers.LSTMCell", atol=1e-5)


# ------------------------------------------------------------------------------------ 7.2 temperature
OVERFLOW = ("Large logits / T overflow exp(): subtract each row's own maximum (over the last axis) before "
            "exp(). One maximum for the whole array would make rows of small logits underflow to 0 / 0.")


def _temperature_softmax(logits, temperature):
    from scipy.special import softmax

    return softmax(np.asarray(logits, dtype=np.float64) / temperature, axis=-1)


def _check_temperature_case(temperature_softmax, logits, temperature, what):
    from scipy.special import softmax

    expected = _temperature_softmax(logits, temperature)
    result = as_array(call(temperature_softmax, logits, temperature), what)
    if result.shape == expected.shape and np.all(np.isfinite(result)):
        close = lambda other: np.allclose(result, other, atol=1e-6)  # noqa: E731
        if not close(expected):
            if close(softmax(logits * temperature, axis=-1)):
                raise Mismatch(f"{what}: you multiplied the logits by T; divide the logits by T, do not "
                               "multiply. A high temperature should flatten the distribution towards uniform, "
                               "a low one sharpen it.")
            if close(softmax(logits, axis=-1)):
                raise Mismatch(f"{what}: your probabilities do not change with the temperature; divide the "
                               "logits by T before the softmax.")
            if logits.ndim > 1 and close(softmax(logits / temperature, axis=0)):
                raise Mismatch(f"{what}: you normalised over the first axis; each row (the last axis) is "
                               "one distribution.")
            if not np.allclose(result.sum(axis=-1), 1.0, atol=1e-6):
                raise Mismatch(f"{what}: your probabilities do not sum to 1 over the last axis (sums "
                               f"{np.round(result.sum(axis=-1).ravel()[:4], 4)}): after changing the "
                               "temperature, normalise again (softmax of logits / T).")
    expect_close(result, expected, what, atol=1e-6, advice=OVERFLOW)


@exercise("ch07.temperature_softmax", SOLUTION,
          hint="divide the logits by the temperature, then take a stable softmax over the last axis.")
def check_temperature_softmax(temperature_softmax):
    rng = hidden_rng()
    fixed = np.array([2.0, 1.0, 0.0, -1.0])
    for temperature in (2.0, 0.5):
        _check_temperature_case(temperature_softmax, fixed, temperature,
                                f"temperature_softmax([2, 1, 0, -1], T={temperature})")
    hot, cold = float(rng.uniform(1.5, 4.0)), float(rng.uniform(0.2, 0.8))
    vector = rng.normal(size=int(rng.integers(3, 9))) * 3
    for temperature in (hot, cold, 1.0):
        _check_temperature_case(temperature_softmax, vector, temperature,
                                f"the output for logits shaped {vector.shape} and T={temperature:.3g}")
    scales = rng.permutation([1.0, 30.0, 1000.0])
    rows = rng.normal(size=(3, int(rng.integers(3, 7)))) * scales[:, None]
    rows[np.arange(3), rng.integers(0, rows.shape[1], 3)] = scales * rng.uniform(1.0, 2.0, 3)  # a large max
    for temperature in (cold, hot):
        _check_temperature_case(temperature_softmax, rows, temperature,
                                f"the output for a batch shaped {rows.shape} whose rows have very different "
                                f"scales (largest |logit| per row {np.round(np.abs(rows).max(axis=1), 1)}), "
                                f"T={temperature:.3g}")
    cube = rng.normal(size=(2, 3, 4)) * 2
    _check_temperature_case(temperature_softmax, cube, hot, "the output for logits shaped (2, 3, 4)")
    peaked = np.sort(rng.normal(size=5))[::-1] * 10
    _check_temperature_case(temperature_softmax, peaked, 0.01, "the output for T=0.01 (nearly argmax)")


# ------------------------------------------------------------------------------------- 7.3 perplexity
def _perplexity(probabilities, targets):
    """exp(mean cross-entropy in nats), with scikit-learn's log_loss as the cross-entropy."""
    from sklearn.metrics import log_loss

    return float(np.exp(log_loss(targets, probabilities, labels=np.arange(probabilities.shape[1]))))


def _perplexity_mistakes(p, targets):
    chosen = p[np.arange(len(targets)), targets]
    nats = -np.log(chosen)
    bases = ("you mixed logarithm bases: exp() undoes the natural log (nats), 2** undoes log2 (bits), so "
             "exp(mean(-ln p)) = 2**mean(-log2 p), but exp(mean(-log2 p)) and 2**mean(-ln p) are wrong")
    return [
        ("you returned the cross-entropy (the mean of -log p); perplexity is exp() of it", np.mean(nats)),
        ("you took exp of the SUM of the losses; use the MEAN, so perplexity does not grow with the length "
         "of the text", np.exp(np.sum(nats))),
        ("the arithmetic mean of 1/p is not perplexity: perplexity is the GEOMETRIC mean, exp(mean(-log p))",
         np.mean(1 / chosen)),
        (bases, np.exp(np.mean(nats / np.log(2)))),
        (bases, 2 ** np.mean(nats)),
        ("you used log10 inside exp(): perplexity is exp(mean(-ln p)) (or, the same, 10**mean(-log10 p))",
         np.exp(np.mean(-np.log10(chosen)))),
        ("you averaged -log p over every token of the vocabulary; use only the probability of each "
         "position's target token", np.exp(-np.mean(np.log(p)))),
        ("you used the largest probability of each row; use the probability of each position's TARGET token",
         np.exp(-np.mean(np.log(p.max(axis=1))))),
    ]


def _check_perplexity_case(perplexity, probabilities, targets, what):
    expected = _perplexity(probabilities, targets)
    value = as_number(call(perplexity, probabilities, targets), what)
    if np.isfinite(value) and not np.isclose(value, expected, rtol=1e-6):
        for why, wrong in _perplexity_mistakes(probabilities, targets):
            if np.isclose(value, wrong, rtol=1e-6):
                raise Mismatch(f"{what}: {why}.")
    expect_close(value, expected, what, rtol=1e-6)


@exercise("ch07.perplexity", SOLUTION,
          hint="pick p[i, target_i] for each position, take the mean of -log p (natural log), then exp().")
def check_perplexity(perplexity):
    rng = hidden_rng()
    vocab, n = int(rng.integers(3, 10)), int(rng.integers(4, 11))
    _check_perplexity_case(perplexity, np.full((n, vocab), 1 / vocab), rng.integers(0, vocab, n),
                           f"the perplexity of a uniform guess over {vocab} tokens (should be {vocab})")
    for alpha in (1.0, 0.3):
        vocab, n = int(rng.integers(3, 9)), int(rng.integers(5, 13))
        probabilities = rng.dirichlet(np.full(vocab, alpha), size=n)
        probabilities = np.clip(probabilities, 1e-3, None)
        probabilities /= probabilities.sum(axis=1, keepdims=True)
        _check_perplexity_case(perplexity, probabilities, rng.integers(0, vocab, n),
                               f"the perplexity of {n} predicted distributions over {vocab} tokens")
    one = rng.dirichlet(np.ones(4), size=1)
    _check_perplexity_case(perplexity, one, np.array([int(rng.integers(0, 4))]),
                           "the perplexity of a single position (should be 1 / p(target))")


# -------------------------------------------------------------------------------- 7.4 class weights
def _class_weights_mistakes(y, num_classes):
    counts = np.bincount(y, minlength=num_classes).astype(np.float64)
    n = len(y)
    inverse = ("your weights grow with the class count, so the frequent class weighs MORE: a class weight "
               "must be inversely proportional to its count")
    return [
        (inverse, counts),
        (inverse, counts / n),
        ("1 / count points the right way, but scale it to n / (num_classes * count) so that the average "
         "weight per example stays 1 and the learning rate keeps its meaning", 1 / counts),
        ("n / count is missing the division by num_classes: the average weight per example must be 1",
         n / counts),
        ("your weights sum to 1; scale them to n / (num_classes * count), so that the average weight per "
         "example is 1", (1 / counts) / np.sum(1 / counts)),
    ]


def _weights_from_dict(result, num_classes, what):
    if not isinstance(result, dict):
        raise Mismatch(f"{what}: return a dict {{class index: weight}}, which model.fit(class_weight=...) "
                       f"takes; got {type(result).__name__}.")
    keys = list(result)
    if sorted(range(num_classes)) != sorted(k for k in keys if isinstance(k, (int, np.integer))) \
            or len(keys) != num_classes:
        raise Mismatch(f"{what}: the dict should have exactly the integer keys 0..{num_classes - 1}, one per "
                       f"class; got keys {[k for k in keys][:10]}.")
    return np.array([as_number(result[c], f"the weight of class {c}") for c in range(num_classes)])


def _check_class_weights_case(balanced_class_weights, y, num_classes, what):
    from sklearn.utils.class_weight import compute_class_weight

    expected = compute_class_weight("balanced", classes=np.arange(num_classes), y=y)
    weights = _weights_from_dict(call(balanced_class_weights, y, num_classes), num_classes, what)
    if np.all(np.isfinite(weights)) and not np.allclose(weights, expected, rtol=1e-6):
        for why, wrong in _class_weights_mistakes(y, num_classes):
            if np.allclose(weights, wrong, rtol=1e-6):
                raise Mismatch(f"{what}: {why}.")
    expect_close(weights, expected, f"{what}, the weights of classes 0..{num_classes - 1} (compared with "
                 "scikit-learn's compute_class_weight('balanced'))", rtol=1e-6)


def _labels(rng, counts):
    return rng.permutation(np.repeat(np.arange(len(counts)), counts))


@exercise("ch07.balanced_class_weights", SOLUTION,
          hint="weight_c = n / (num_classes * count_c); return a dict {class index: weight}.")
def check_balanced_class_weights(balanced_class_weights):
    rng = hidden_rng()
    _check_class_weights_case(balanced_class_weights, _labels(rng, [12, 3, 5]), 3, "for counts [12, 3, 5]")
    for _ in range(2):
        counts = rng.integers(1, 25, size=int(rng.integers(2, 7)))
        _check_class_weights_case(balanced_class_weights, _labels(rng, counts), len(counts),
                                  f"for class counts {counts.tolist()}")
    counts = rng.integers(2, 15, size=int(rng.integers(3, 6)))
    counts[rng.integers(0, len(counts))] = 0
    y = _labels(rng, counts)
    absent = int(np.flatnonzero(counts == 0)[0])
    try:
        result = balanced_class_weights(y.copy(), len(counts))
    except NotImplementedError:
        raise
    except ValueError:
        return
    except Exception as error:  # noqa: BLE001 - the learner's error, explained below
        raise Mismatch(f"for class counts {counts.tolist()} (class {absent} absent) raise a ValueError that "
                       f"names the missing class; your function raised {type(error).__name__}: "
                       f"{str(error)[:200]}.") from None
    raise Mismatch(f"for class counts {counts.tolist()} class {absent} does not occur in y, so its weight "
                   f"n / (num_classes * 0) is infinite: raise a ValueError that says so (your function "
                   f"returned {type(result).__name__}).")
