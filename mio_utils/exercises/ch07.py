"""Checkers for chapter 07 · Recurrent networks and sequences."""
import numpy as np

from . import Mismatch, as_array, as_number, as_prediction_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch07_rnn_sequences.py"


# ------------------------------------------------------------------------------------------ 7.2 LSTM step
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
          hints=("One matrix product gives all four gates at once: split its columns into four equal blocks in "
                 "Keras's order, squash each with its own function, update the memory c first, then read h from "
                 "the NEW memory.",
                 "z = x@kernel + h@recurrent_kernel + bias, split into [i, f, c~, o]; "
                 "c_new = σ(f)*c + σ(i)*tanh(c~); h_new = σ(o)*tanh(c_new)."))
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


# ---------------------------------------------------------------------- 7.4 temperature and top-k (variant)
OVERFLOW = ("Large logits / T overflow exp(): subtract each row's own maximum (over the last axis) before "
            "exp(). One maximum for the whole array would make rows of small logits underflow to 0 / 0.")


def _top_k_softmax(logits, temperature, k):
    """softmax(logits / T) over the last axis, keeping only each row's k largest logits (the others get 0)."""
    from scipy.special import softmax

    z = np.asarray(logits, dtype=np.float64) / temperature
    k = min(k, z.shape[-1])
    kth_largest = np.sort(z, axis=-1)[..., -k][..., None]
    return softmax(np.where(z >= kth_largest, z, -np.inf), axis=-1)


def _top_k_mistakes(logits, temperature, k):
    """Plausible wrong answers, each with what it gets wrong; used only to explain a mismatch."""
    from scipy.special import softmax

    z = np.asarray(logits, dtype=np.float64)
    plain = softmax(z / temperature, axis=-1)
    kept = _top_k_softmax(z, temperature, k) > 0
    smallest = -np.sort(-z, axis=-1)[..., -min(k, z.shape[-1])][..., None]
    mistakes = [
        ("you multiplied the logits by T; divide them by T. A high temperature should flatten the distribution "
         "towards uniform, a low one sharpen it", _top_k_softmax(z * temperature, 1.0, k)),
        ("your probabilities do not change with the temperature; divide the logits by T before the softmax",
         _top_k_softmax(z, 1.0, k)),
        ("you did not cut the distribution: keep only the k largest logits of each row and give every other "
         "token probability exactly 0", plain),
        ("you set the other tokens to 0 AFTER the softmax without normalising again: the k kept probabilities "
         "must sum to 1", np.where(kept, plain, 0.0)),
        ("you kept the k SMALLEST logits; keep the k largest (the most likely tokens)",
         softmax(np.where(z <= smallest, z, -np.inf) / temperature, axis=-1)),
    ]
    for wrong_k, words in ((k + 1, "k + 1"), (k - 1, "k - 1")):
        if 1 <= wrong_k < z.shape[-1]:
            mistakes.append((f"you kept {words} tokens per row; keep exactly k (here k = {k})",
                             _top_k_softmax(z, temperature, wrong_k)))
    if z.ndim > 1:
        flat = np.sort(z, axis=None)[-min(k, z.size)]
        mistakes.append(("you chose the k largest logits of the WHOLE array; choose them in each row (the last "
                         "axis), so every row keeps k tokens", softmax(np.where(z >= flat, z, -np.inf) / temperature,
                                                                      axis=-1)))
    return mistakes


def _check_top_k_case(top_k_softmax, logits, temperature, k, what):
    expected = _top_k_softmax(logits, temperature, k)
    result = as_array(call(top_k_softmax, logits, temperature, k), what)
    if result.shape == expected.shape and not np.allclose(result, expected, atol=1e-6):
        for why, wrong in _top_k_mistakes(logits, temperature, k):
            if np.allclose(result, wrong, atol=1e-6, equal_nan=True):  # a wrong rule can leave 0/0 rows
                raise Mismatch(f"{what}: {why}.")
        if np.all(np.isfinite(result)):
            if not np.allclose(result.sum(axis=-1), 1.0, atol=1e-6):
                raise Mismatch(f"{what}: your probabilities do not sum to 1 over the last axis (sums "
                               f"{np.round(result.sum(axis=-1).ravel()[:4], 4)}).")
            if np.any((expected == 0) & (np.abs(result) > 1e-9)):
                raise Mismatch(f"{what}: a token outside each row's k largest logits got a probability above 0; "
                               "it must get exactly 0, so it can never be sampled.")
    expect_close(result, expected, what, atol=1e-6, advice=OVERFLOW)


@exercise("ch07.top_k_softmax", SOLUTION,
          hints=("Only the k most likely tokens of each row may be sampled: give every other token a logit of "
                 "minus infinity (probability 0), rescale the logits by the temperature, and take a softmax "
                 "that shifts each row by its own maximum, so exp() cannot overflow.",
                 "z = logits / T; threshold = the k-th largest z of the row; p = exp(z - max z) where "
                 "z >= threshold, else 0; divide by the row's sum."))
def check_top_k_softmax(top_k_softmax):
    rng = hidden_rng()
    fixed = np.array([2.0, 1.0, 0.5, 0.0, -1.0])
    for temperature, k in ((2.0, 3), (0.5, 2)):
        _check_top_k_case(top_k_softmax, fixed, temperature, k,
                          f"top_k_softmax([2, 1, 0.5, 0, -1], T={temperature}, k={k})")
    vector = rng.normal(size=int(rng.integers(6, 10))) * 3
    hot, cold = float(rng.uniform(1.5, 4.0)), float(rng.uniform(0.2, 0.8))
    for temperature, k in ((hot, 3), (cold, 4), (1.0, 2)):
        _check_top_k_case(top_k_softmax, vector, temperature, k,
                          f"the output for logits shaped {vector.shape}, T={temperature:.3g}, k={k}")
    _check_top_k_case(top_k_softmax, vector, hot, 1, "the output for k=1 (always the most likely token)")
    _check_top_k_case(top_k_softmax, vector, hot, len(vector),
                      f"the output for k={len(vector)}, the whole vocabulary (a plain temperature softmax)")
    scales = rng.permutation([1.0, 30.0, 1000.0])
    rows = rng.normal(size=(3, int(rng.integers(5, 8)))) * scales[:, None]
    for temperature in (cold, hot):
        _check_top_k_case(top_k_softmax, rows, temperature, 3,
                          f"the output for a batch shaped {rows.shape} whose rows have very different scales "
                          f"(largest |logit| per row {np.round(np.abs(rows).max(axis=1), 1)}), T={temperature:.3g}, "
                          "k=3")
    cube = rng.normal(size=(2, 3, 6)) * 2
    _check_top_k_case(top_k_softmax, cube, hot, 2, "the output for logits shaped (2, 3, 6), k=2")


# ------------------------------------------------------------------------------------- 7.5 perplexity
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
          hints=("Only the probability the model gave the TRUE next token matters at each position; average "
                 "the surprise -log p over positions, then undo the logarithm.",
                 "perplexity = exp(mean_i(-ln p[i, target_i])), the geometric mean of 1 / p(target)."))
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


# -------------------------------------------------------------------------------- 7.6 class weights
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
          hints=("A class's total weight is its count times its weight: make that the same for every class, "
                 "then scale so that the n examples' weights add up to n.",
                 "weight_c = n / (num_classes * count_c), returned as a dict {class index: weight}."))
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


# ------------------------------------------------------------------ 7.1 predict: the parameters of an LSTM
LSTM_FEATURES, LSTM_UNITS, LSTM_STEPS = 8, 32, 50  # the exercise: LSTM(32) reading 50 steps of 8 features


def _lstm_parameter_count(features=LSTM_FEATURES, units=LSTM_UNITS, blocks=4, bias_rows=1):
    """Each block (gate or candidate) has W (features x units), U (units x units) and its bias rows."""
    return blocks * (features * units + units * units + bias_rows * units)


def _lstm_parameter_mistakes():
    f, u = LSTM_FEATURES, LSTM_UNITS
    return {
        _lstm_parameter_count(blocks=1): "that is ONE block; an LSTM has four (input, forget and output gates, "
                                         "and the candidate), each with its own W, U and b",
        4 * (f * u + u * u): "you left out the biases: every block has a bias vector of `units` numbers",
        4 * (f * u + u): "you left out the recurrent weights U, which map the previous state (units x units) "
                         "into each block",
        4 * (f * u + u * u + f): "each bias has one entry per unit (32), not per input feature",
        _lstm_parameter_count(blocks=3): "three blocks is a GRU; an LSTM has four (input, forget, candidate, "
                                         "output)",
        _lstm_parameter_count(blocks=3, bias_rows=2): "that is keras.layers.GRU(32) (three blocks, two bias "
                                                      "rows); an LSTM has four blocks and one bias row",
        _lstm_parameter_count(bias_rows=2): "an LSTM has one bias per block in Keras; two bias rows is the "
                                            "GRU's reset_after convention",
        _lstm_parameter_count() * LSTM_STEPS: "the weights are shared by every step: the count does not "
                                              "depend on the sequence length",
    }




@exercise("ch07.lstm_parameters", SOLUTION, kind="prediction",
          hints=("The same weights serve every step, so the sequence length does not matter. Count one block "
                 "(an input map, a recurrent map and a bias), then count the blocks of an LSTM.",
                 "parameters = blocks x (features x units + units x units + units), with 4 blocks for an LSTM."))
def check_lstm_parameters(my_prediction):
    value = as_prediction_number(my_prediction, "the number of parameters")
    truth = _lstm_parameter_count()
    if value == truth:
        f, u = LSTM_FEATURES, LSTM_UNITS
        return (f"Four blocks (input, forget, candidate, output), each with W ({f} x {u}), U ({u} x {u}) and "
                f"b ({u}): 4 x ({f * u} + {u * u} + {u}) = {truth:,}. The recurrent weights U dominate: the "
                "count grows with units squared, and not at all with the sequence length.")
    if value < 0 or value != round(value):
        raise Mismatch(f"a parameter count is a whole number, 0 or more; got {value:g}.")
    why = _lstm_parameter_mistakes().get(int(value))
    if why:
        raise Mismatch(f"{int(value):,}: {why}.")
    raise Mismatch(f"{int(value):,} is not the count: add up, for each block, the input weights, the recurrent "
                   "weights and the bias.")


# ----------------------------------------------------------------------------- 7.3 a GRU step (variant)
def _keras_gru_step(x, h, kernel, recurrent_kernel, bias):
    """The expected h_new, from keras.layers.GRUCell (reset_after=True, the default) with the same weights."""
    import keras

    cell = keras.layers.GRUCell(h.shape[-1])
    cell.build((None, x.shape[-1]))
    cell.set_weights([kernel, recurrent_kernel, bias])
    h_new, _ = cell(x.astype(np.float32), [h.astype(np.float32)])
    return keras.ops.convert_to_numpy(h_new).astype(np.float64)


def _gru_mistakes(x, h, kernel, recurrent_kernel, bias):
    """Plausible wrong h_new, each with what it gets wrong; used only to explain a mismatch."""
    from scipy.special import expit as sig

    def step(order="zrh", reset_before=False, bias_in_reset=True, swap=False, recurrent_bias=True,
             candidate=np.tanh):
        b_in, b_rec = bias[0], (bias[1] if recurrent_bias else 0 * bias[1])
        xs = dict(zip(order, np.split(x @ kernel + b_in, 3, axis=-1)))
        hs = dict(zip(order, np.split(h @ recurrent_kernel + b_rec, 3, axis=-1)))
        z, r = sig(xs["z"] + hs["z"]), sig(xs["r"] + hs["r"])
        u_h = dict(zip(order, np.split(recurrent_kernel, 3, axis=-1)))["h"]
        b_h = dict(zip(order, np.split(b_rec, 3, axis=-1)))["h"]
        if reset_before:
            inner = (r * h) @ u_h + b_h
        elif bias_in_reset:
            inner = r * hs["h"]
        else:
            inner = r * (h @ u_h) + b_h
        h_tilde = candidate(xs["h"] + inner)
        return (1 - z) * h + z * h_tilde if swap else z * h + (1 - z) * h_tilde

    keras_order = "; Keras packs the columns as [update, reset, candidate]"
    return [
        ("you swapped z and 1 - z: in Keras's convention the update gate z KEEPS the old state, "
         "h_new = z*h + (1 - z)*h~", step(swap=True)),
        ("you reset h BEFORE the recurrent product, (r*h) @ U_h (the original paper, Keras's reset_after=False); "
         "with reset_after=True the reset multiplies AFTER it: r * (h @ U_h + b'_h)", step(reset_before=True)),
        ("the recurrent bias of the candidate belongs inside the reset: r * (h @ U_h + b'_h), not r * (h @ U_h) "
         "+ b'_h", step(bias_in_reset=False)),
        ("you left out the second bias row (bias[1], the recurrent bias); bias[0] is added to the input part, "
         "bias[1] to the recurrent part", step(recurrent_bias=False)),
        ("the candidate uses sigmoid; it takes tanh (values in [-1, 1])", step(candidate=sig)),
        ("your gate order is [reset, update, candidate]" + keras_order, step(order="rzh")),
        ("your gate order is [candidate, update, reset]" + keras_order, step(order="hzr")),
    ]


def _gru_case(rng, batch, features, units):
    x = rng.normal(size=(batch, features))
    h = np.tanh(rng.normal(size=(batch, units)))
    kernel = rng.normal(size=(features, 3 * units)) * 0.6
    recurrent_kernel = rng.normal(size=(units, 3 * units)) * 0.6
    bias = rng.normal(size=(2, 3 * units)) * 0.5
    return x, h, kernel, recurrent_kernel, bias


@exercise("ch07.gru_step", SOLUTION,
          hints=("Split both products into [update, reset, candidate] blocks, each with its own bias row. "
                 "The reset gate scales the candidate's RECURRENT part after the product, and the update gate z "
                 "decides how much of the OLD state to keep.",
                 "z = σ(x W_z + b_z + h U_z + b'_z); r = σ(x W_r + b_r + h U_r + b'_r); "
                 "h~ = tanh(x W_h + b_h + r * (h U_h + b'_h)); h_new = z * h + (1 - z) * h~."))
def check_gru_step(gru_step):
    rng = hidden_rng()
    sizes = [(int(rng.integers(2, 6)), features, units)
             for features, units in ((3, 4), (int(rng.integers(5, 8)), int(rng.integers(2, 4))))]
    for batch, features, units in sizes:
        case = _gru_case(rng, batch, features, units)
        where = f"for x shaped {(batch, features)} and {units} units"
        result = call(gru_step, *case)
        if isinstance(result, (tuple, list)) and len(result) == 2 and np.shape(result[0]) == (batch, units):
            raise Mismatch("a GRU has a single state: return h_new alone, not a pair.")
        h_new = as_array(result, "h_new")
        if h_new.shape != (batch, units):
            raise Mismatch(f"h_new {where} should be shaped (batch, units) = {(batch, units)}; got {h_new.shape}.")
        expected = _keras_gru_step(*case)
        if np.all(np.isfinite(h_new)) and not np.allclose(h_new, expected, atol=1e-5):
            for why, wrong in _gru_mistakes(*case):
                if np.allclose(h_new, wrong, atol=1e-6):
                    raise Mismatch(why + ".")
        expect_close(h_new, expected, f"h_new {where}, compared with keras.layers.GRUCell", atol=1e-5)
