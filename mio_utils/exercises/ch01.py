"""Checkers for chapter 01 · MIO foundations.

The expected values come from the libraries: SciPy's softmax, TensorFlow's GradientTape (softmax
cross-entropy, a tanh layer) and a Keras optimizer step. ``zero_init_units`` is a prediction: its truth is a
fact (zero-initialised units stay identical), which the chapter's experiment also asserts.
"""
import numpy as np

from . import Mismatch, as_array, as_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch01_mio_foundations.py"
OVERFLOW = "Large inputs overflow exp(): use a numerically stable form."


def _softmax(z, axis=-1):
    from scipy.special import softmax

    return softmax(np.asarray(z, dtype=np.float64), axis=axis)


def _rows_sum_to_one(result, what):
    sums = result.sum(axis=-1)
    if np.all(np.isfinite(result)) and not np.allclose(sums, 1, atol=1e-5):
        raise Mismatch(f"for {what} the values along the last axis sum to {np.round(sums, 4)}; expected 1 "
                       "each. Normalise over the last axis (the classes), so that each row sums to 1, not over "
                       "the batch or the whole array, and keep that axis (keepdims) so that each row is divided "
                       "by its own sum.")


@exercise("ch01.softmax", SOLUTION,
          hints=("The softmax does not change if you subtract the same number from every logit of one group (the "
                 "values along `axis`): choose the number that keeps every exponent at most 0, and normalise each "
                 "group on its own, along `axis` rather than the last axis.",
                 "softmax(z)_j = exp(z_j - m) / sum_i exp(z_i - m), with m the largest value of the group; the "
                 "max and the sum run over `axis`, keeping it (keepdims) so the division lines up."))
def check_softmax(softmax):
    rng = hidden_rng()
    n, k = int(rng.integers(3, 7)), int(rng.integers(2, 6))
    vector = rng.normal(size=n + 1) * 2
    plain = [("softmax([1, 2, 3])", np.array([1.0, 2.0, 3.0])),
             (f"a vector shaped {vector.shape}", vector),
             (f"a batch shaped ({n}, {k})", rng.normal(size=(n, k)) * 3)]
    for name, z in plain:
        result = as_array(call(softmax, z), f"the softmax of {name}")
        if result.shape == z.shape:
            _rows_sum_to_one(result, name)
        expect_close(result, _softmax(z), f"the softmax of {name}", rtol=1e-5)

    large = np.array([1000.0, 1001.0]) + rng.integers(0, 50)
    expect_close(call(softmax, large), _softmax(large), f"the softmax of {np.round(large).tolist()}",
                 rtol=1e-5, advice=OVERFLOW)

    scales = rng.permutation([1000.0, 0.0, -1000.0])
    far_apart = rng.normal(size=(3, k)) + scales[:, None]
    result = as_array(call(softmax, far_apart), "the softmax of a batch whose rows differ in scale")
    expected = _softmax(far_apart)
    if result.shape == expected.shape and not np.all(np.isfinite(result)):
        bad = int(np.argmax(~np.all(np.isfinite(result), axis=-1)))
        raise Mismatch(f"for a batch whose rows lie around {scales.tolist()}, row {bad} (around {scales[bad]:g}) "
                       "came out as inf or nan. Subtract each row's own maximum "
                       "(z.max(axis=-1, keepdims=True)), not the maximum of the whole array: a row far below "
                       "the others underflows to 0/0.")
    if result.shape == expected.shape:
        _rows_sum_to_one(result, "a batch whose rows differ in scale")
    expect_close(result, expected, "the softmax of a batch whose rows differ in scale", rtol=1e-5)

    # the variant: the classes lie on another axis than the last
    columns = rng.normal(size=(k, 3)) + rng.permutation([1000.0, 0.0, -1000.0])[None, :]
    images = rng.normal(size=(2, k, 3, 4)) * 3
    images[1] -= 1000.0
    for name, z, axis in [(f"logits shaped ({k}, 3), one column per example, with axis=0", columns, 0),
                          (f"segmentation logits shaped (2, {k}, 3, 4), the classes on axis=1", images, 1),
                          (f"logits shaped (2, 3, {k}) with axis=-1", rng.normal(size=(2, 3, k)) * 3, -1),
                          (f"logits shaped (3, {k}, 2) with axis=-2", rng.normal(size=(3, k, 2)) * 3, -2)]:
        result = as_array(call(softmax, z, axis=axis), f"the softmax of {name}")
        expected = _softmax(z, axis=axis)
        if result.shape != z.shape:
            raise Mismatch(f"for {name} the result has shape {result.shape}; the softmax keeps the shape {z.shape}.")
        if not np.all(np.isfinite(result)):
            raise Mismatch(f"for {name} the result holds inf or nan. Subtract the maximum along `axis` (keeping "
                           "that axis), not the maximum of the whole array: a group far below the others "
                           "underflows to 0/0.")
        sums = result.sum(axis=axis)
        if not np.allclose(sums, 1, atol=1e-5):
            last = " (they sum to 1 along the last axis instead)" if np.allclose(result.sum(axis=-1), 1) else ""
            raise Mismatch(f"for {name} the values along axis {axis} sum to {np.round(sums, 3).ravel()[:4]}...; "
                           f"expected 1 for every position of the other axes{last}. Normalise along the axis "
                           "you are given.")
        expect_close(result, expected, f"the softmax of {name}", rtol=1e-5)


def _softmax_gd_reference(W, b, x, labels):
    """The gradient of the mean softmax cross-entropy of z = xW + b, from TensorFlow's GradientTape."""
    import tensorflow as tf

    W_var, b_var = tf.Variable(W, dtype=tf.float64), tf.Variable(b, dtype=tf.float64)
    with tf.GradientTape() as tape:
        logits = tf.constant(x, tf.float64) @ W_var + b_var
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(labels=tf.constant(labels),
                                                                             logits=logits))
    grad_W, grad_b = tape.gradient(loss, [W_var, b_var])
    return grad_W.numpy(), grad_b.numpy()


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


@exercise("ch01.softmax_gd_step", SOLUTION,
          hints=("As for two classes, the gradient of the mean cross-entropy with respect to each logit is "
                 "'predicted probability minus truth', now for every class: write the labels as one-hot rows.",
                 "G = (softmax(xW + b) - Y) / n, with Y the one-hot labels (n, K) and a stable softmax over each "
                 "row; new W = W - lr * x^T G, new b = b - lr * (G summed over the examples)."))
def check_softmax_gd_step(softmax_gd_step):
    rng = hidden_rng()
    for large in (False, False, True):
        n, d, k = int(rng.integers(6, 14)), int(rng.integers(2, 5)), int(rng.integers(3, 6))
        x = rng.normal(size=(n, d))
        W, b = rng.normal(size=(d, k)), rng.normal(size=k) + (float(rng.integers(700, 900)) if large else 0.0)
        labels = rng.integers(0, k, n)
        lr = float(rng.choice([0.1, 0.5, 1.0]))
        name = f"n={n} examples, d={d} features, K={k} classes, lr={lr:g}" + (
            f", logits around {float(b.mean()):.0f}" if large else "")
        grad_W, grad_b = _softmax_gd_reference(W, b, x, labels)
        result = call(softmax_gd_step, W, b, x, labels, lr)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Mismatch(f"softmax_gd_step returned a {type(result).__name__}; return a pair (new_W, new_b).")
        new_W, new_b = as_array(result[0], "new_W"), as_array(result[1], "new_b")
        if new_W.shape != W.shape:
            raise Mismatch(f"for {name} new_W has shape {new_W.shape}; expected {W.shape}, like W (d, K).")
        if new_b.shape != b.shape:
            raise Mismatch(f"for {name} new_b has shape {new_b.shape}; expected {b.shape}, like b (K,): sum "
                           "the gradient over the examples (axis 0).")
        if not np.all(np.isfinite(new_W)):
            raise Mismatch(f"for {name} new_W contains inf or nan. {OVERFLOW} Subtract each row's largest logit "
                           "before exp().")
        if np.allclose(new_W, W + lr * grad_W):
            raise Mismatch("your step goes *up* the gradient (gradient ascent): subtract lr * gradient.")
        if np.allclose(new_W, W - lr * grad_W * n):
            raise Mismatch("your gradient is the sum over examples; divide by n for the mean loss.")
        z = x @ W + b
        z = z - z.max(axis=1, keepdims=True)
        probabilities = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
        unencoded = probabilities - labels[:, None]
        if np.allclose(new_W, W - lr * x.T @ unencoded / n):
            raise Mismatch(f"for {name} you subtract the integer label from every class's probability; the "
                           "truth is a one-hot row: 1 in the label's column, 0 in the others.")
        if not large and np.allclose(new_W, W - lr * x.T @ (_sigmoid(x @ W + b) - np.eye(k)[labels]) / n):
            raise Mismatch(f"for {name} you used a sigmoid for each class; with several classes the "
                           "probabilities of a row must sum to 1: use the softmax over the classes.")
        # float32 is a correct way to compute it (a Keras loss does): allow its rounding, about 1e-6 here
        expect_close(new_W, W - lr * grad_W, f"new_W for {name}", atol=1e-5, rtol=1e-5)
        if np.allclose(new_b, b):
            raise Mismatch(f"for {name} b did not change: the biases have a gradient too, the mean over examples "
                           "of (probabilities - one-hot labels).")
        expect_close(new_b, b - lr * grad_b, f"new_b for {name}", atol=1e-5, rtol=1e-5)


def _tanh_reference(x, W, b, grad_h):
    """Gradients of sum(grad_h * tanh(xW + b)) with respect to x, W and b, from TensorFlow's GradientTape."""
    import tensorflow as tf

    variables = [tf.Variable(v, dtype=tf.float64) for v in (x, W, b)]
    with tf.GradientTape() as tape:
        h = tf.tanh(variables[0] @ variables[1] + variables[2])
        loss = tf.reduce_sum(h * tf.constant(grad_h, tf.float64))
    return [g.numpy() for g in tape.gradient(loss, variables)]


@exercise("ch01.tanh_layer_backward", SOLUTION,
          hints=("Two steps of the chain rule: h = tanh(a), then a = xW + b. First turn grad_h into the gradient "
                 "with respect to a, using tanh's derivative written with h itself; then do what section 7 did "
                 "for a Dense layer.",
                 "grad_a = grad_h * (1 - h^2); grad_W = x^T grad_a; grad_b = grad_a summed over the examples; "
                 "grad_x = grad_a W^T."))
def check_tanh_layer_backward(tanh_layer_backward):
    rng = hidden_rng()
    for _ in range(2):
        n, d, m = int(rng.integers(4, 10)), int(rng.integers(2, 5)), int(rng.integers(3, 7))
        x, W, b, grad_h = rng.normal(size=(n, d)), rng.normal(size=(d, m)), rng.normal(size=m), rng.normal(size=(n, m))
        name = f"x {x.shape}, W {W.shape}"
        expected = _tanh_reference(x, W, b, grad_h)
        result = call(tanh_layer_backward, x, W, b, grad_h)
        if not isinstance(result, (tuple, list)) or len(result) != 3:
            raise Mismatch(f"tanh_layer_backward returned a {type(result).__name__}; return a tuple of three "
                           "arrays (grad_x, grad_W, grad_b).")
        got = [as_array(value, what) for value, what in zip(result, ("grad_x", "grad_W", "grad_b"))]
        for value, want, what, like in zip(got, expected, ("grad_x", "grad_W", "grad_b"), ("x", "W", "b")):
            if value.shape != want.shape:
                flipped = " (transposed?)" if value.shape == want.shape[::-1] and value.ndim == 2 else ""
                raise Mismatch(f"for {name} {what} has shape {value.shape}{flipped}; expected {want.shape}, "
                               f"the shape of {like}.")
        if (W.shape[0] == W.shape[1] and np.allclose(got[1].T, expected[1], atol=1e-6)
                and not np.allclose(got[1], expected[1], atol=1e-6)):
            raise Mismatch(f"for {name} is your grad_W transposed? Its entry [i, j] must pair input i with "
                           "hidden unit j, like W[i, j].")
        a = x @ W + b
        h = np.tanh(a)
        wrong_derivatives = [
            (grad_h * (a > 0), "that is the ReLU's derivative; tanh's is 1 - h², with h = tanh(xW + b)"),
            (grad_h, "you skipped tanh's derivative: multiply grad_h by 1 - h² first"),
            (grad_h * (1 - h), "tanh's derivative is 1 - h², squared"),
            (grad_h * (1 - a ** 2), "tanh's derivative is 1 - h² with h = tanh(a), not 1 - a²"),
        ]
        for grad_a, why in wrong_derivatives:
            if np.allclose(got[1], x.T @ grad_a, atol=1e-6):
                raise Mismatch(f"for {name} your grad_W comes from the wrong derivative: {why}.")
        grad_a = grad_h * (1 - h ** 2)
        if np.allclose(got[2], grad_a.mean(axis=0)) and n > 1:
            raise Mismatch(f"for {name} grad_b is the mean over examples; sum it instead: grad_h already "
                           "includes any averaging of the loss.")
        for value, want, what in zip(got, expected, ("grad_x", "grad_W", "grad_b")):
            expect_close(value, want, f"{what} for {name}", atol=1e-6, rtol=1e-6)


ZERO_INIT_EXPLANATION = (
    "With every weight at 0, all 32 hidden units compute the same value (ReLU(0) = 0) and receive the same "
    "gradient, which is even exactly 0 here: the gradient reaching a hidden unit is its outgoing weight (0) "
    "times the output's error, and ReLU's derivative at 0 is 0. Only the output bias learns. A non-zero "
    "constant start would let the weights move, but identical units still get identical updates: symmetry is "
    "never broken, so the layer acts like a single unit. Random initialisation exists to break that symmetry.")


@exercise("ch01.zero_init_units", SOLUTION, kind="prediction",
          hints=("Compare two hidden units at the start: the same incoming weights give the same outputs. "
                 "Can their gradients ever differ?",
                 "A first-layer weight's gradient is (its input) x ReLU'(a) x (the unit's outgoing weight) x "
                 "(p - y) / n. Evaluate each factor when every weight is 0."))
def check_zero_init_units(prediction):
    if isinstance(prediction, (bool, np.bool_)):
        raise Mismatch("write a number of units (a whole number from 1 to 32), not True or False.")
    if isinstance(prediction, (str, bytes)):
        raise Mismatch("write your prediction as a number, e.g. `my_prediction = 5`, not as text.")
    if callable(prediction):
        raise Mismatch("write your prediction as a number, not a function.")
    value = as_number(prediction, "your prediction")
    if not np.isfinite(value) or value != round(value):
        raise Mismatch(f"{prediction!r:.40} is not a count: the number of distinct units is a whole number "
                       "from 1 to 32.")
    if not 1 <= value <= 32:
        raise Mismatch(f"{value:g} is outside the possible range: the layer has 32 units, and at least one of them "
                       "is distinct, so the answer lies between 1 and 32.")
    if value == 32:
        raise Mismatch("not 32: that would be true after a random start. Here every unit starts with the same "
                       "weights; ask what could ever make two of them differ.")
    if value != 1:
        raise Mismatch(f"not {value:g}: what would make exactly {value:g} groups of units? All units start "
                       "identical, so whatever happens to one happens to all.")
    return ZERO_INIT_EXPLANATION


DIVERGING_RATE_CHOICES = {"A": 0.2, "B": 0.25, "C": 0.45, "D": 0.55}
DIVERGING_RATE_WHY = {
    "A": "0.2 multiplies the distance to the minimum by |1 - 0.2 x 4| = 0.2 at every step: it converges, fast.",
    "B": "0.25 = 1/a is the ideal rate here: |1 - 0.25 x 4| = 0, so the first step lands on the minimum.",
    "C": "0.45 overshoots: 1 - 0.45 x 4 = -0.8, so w changes sign at every step, but |-0.8| < 1 and the distance "
         "still shrinks: it converges, zig-zagging.",
}


@exercise("ch01.diverging_rate", SOLUTION, kind="prediction",
          hints=("Write one step for this loss as w <- (something) x w. What happens to |w| after many steps if "
                 "|something| is above 1?",
                 "The gradient of 2w^2 is 4w, so a step is w <- (1 - 4 lr) w; gradient descent diverges when "
                 "|1 - 4 lr| > 1, that is when lr > 2/a = 0.5."))
def check_diverging_rate(prediction):
    if not isinstance(prediction, str):
        raise Mismatch(f"answer with one of the letters A, B, C or D as a string, e.g. \"A\"; got "
                       f"{type(prediction).__name__}.")
    letter = prediction.strip().upper()
    if letter not in DIVERGING_RATE_CHOICES:
        raise Mismatch(f"answer with one of the letters A, B, C or D, e.g. \"A\"; got {prediction[:20]!r}.")
    if letter != "D":
        raise Mismatch(f"{letter} does not diverge. {DIVERGING_RATE_WHY[letter]}")
    return ("each step multiplies w by 1 - 0.55 x 4 = -1.2: its size grows by 20% per step, and after 20 steps "
            "it is about 38 times where it started. The limit is lr < 2/a = 0.5; the fastest rate is 1/a = 0.25.")


@exercise("ch01.predict_classes", SOLUTION,
          hints=("One probability per example (a sigmoid output) is a yes/no decision against the threshold; "
                 "a row of several probabilities (a softmax output) names its most probable class.",
                 "one column: class 1 where p >= threshold, else 0, flattened to shape (n,); several columns: "
                 "the argmax over axis 1."))
def check_predict_classes(predict_classes):
    rng = hidden_rng()
    n = int(rng.integers(6, 12))
    threshold = float(rng.choice([0.3, 0.4, 0.6, 0.75]))
    sigmoid = rng.random(n)
    sigmoid[:3] = [threshold, np.nextafter(threshold, 0), 0.5]  # ties: "at least the threshold" is class 1
    sigmoid = rng.permutation(sigmoid)
    k = int(rng.integers(3, 6))
    cases = [
        ("a sigmoid output shaped (4, 1)", (np.array([[0.1], [0.7], [0.5], [0.49]]),), {}),
        (f"a sigmoid output shaped ({n},)", (sigmoid,), {}),
        (f"a sigmoid output shaped ({n}, 1) with threshold={threshold:g}", (sigmoid[:, None],),
         {"threshold": threshold}),
        (f"a sigmoid output shaped ({n},) with threshold={threshold:g}", (sigmoid,), {"threshold": threshold}),
        (f"a softmax output shaped ({n}, 2)", (_softmax(rng.normal(size=(n, 2)) * 2),), {}),
        (f"a softmax output shaped ({n}, {k})", (_softmax(rng.normal(size=(n, k)) * 2),), {}),
    ]
    for name, args, kwargs in cases:
        p = args[0]
        t = kwargs.get("threshold", 0.5)
        expected = (p.argmax(axis=1) if p.ndim == 2 and p.shape[1] > 1 else (p.reshape(-1) >= t)).astype(int)
        result = call(predict_classes, *args, **kwargs)
        text = (isinstance(result, np.ndarray) and result.dtype.kind in "US") or (
            isinstance(result, (list, tuple)) and any(isinstance(v, (str, bytes)) for v in result))
        if text:
            raise Mismatch(f"the labels for {name} are text; return class indices as numbers.")
        labels = as_array(result, f"the labels for {name}")
        if labels.shape != expected.shape:
            raise Mismatch(f"the labels for {name} have shape {labels.shape}; expected one class index per "
                           f"example, shape {expected.shape}.")
        if p.ndim == 2 and p.shape[1] == 1 and np.all(labels == 0) and expected.any():
            raise Mismatch(f"for {name} you return all zeros: argmax over one column is always 0. Threshold "
                           "the probability instead.")
        if p.ndim == 2 and p.shape[1] == 2 and np.array_equal(labels, 1 - expected):
            raise Mismatch(f"for {name} your labels are reversed: with two softmax columns, take the argmax "
                           "(column 1 is the probability of class 1).")
        wrong = np.flatnonzero(labels != expected)
        if wrong.size:
            i = int(wrong[0])
            shown = np.round(p[i], 4).tolist()
            raise Mismatch(f"for {name}, example {i} with probabilities {shown} got label {labels[i]:g}; "
                           f"expected {expected[i]} (threshold {t:g}: 'at least' the threshold is class 1).")


def _train_case(rng, loss_name):
    """A model whose BatchNormalization behaves differently in training, an Adam optimizer, data, a loss."""
    import keras
    import tensorflow as tf

    outputs = 3 if loss_name == "sparse categorical cross-entropy" else 1

    def build():
        # no bias before BatchNormalization: its gradient is zero up to rounding, and Adam would magnify that
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(6, use_bias=False),
                                  keras.layers.BatchNormalization(), keras.layers.Dense(outputs)])
        optimizer = keras.optimizers.Adam(learning_rate=0.05)
        optimizer.build(model.trainable_variables)  # its slots exist before the step, as in fit
        return model, optimizer

    model, optimizer = build()
    model.set_weights([rng.normal(scale=0.5, size=w.shape).astype(np.float32) if w.ndim == 2 else
                       np.asarray(w) for w in model.get_weights()])
    ref_model, ref_optimizer = build()
    ref_model.set_weights(model.get_weights())
    n = int(rng.integers(6, 12))
    batches = [tf.constant(rng.normal(loc=2.0, scale=3.0, size=(n, 4)), tf.float32) for _ in range(2)]
    if outputs == 3:
        loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)
        targets = [tf.constant(rng.integers(0, 3, n)) for _ in range(2)]
    else:
        loss_fn = keras.losses.MeanSquaredError()
        targets = [tf.constant(rng.normal(size=(n, 1)), tf.float32) for _ in range(2)]
    return model, optimizer, ref_model, ref_optimizer, loss_fn, list(zip(batches, targets))


def _reference_step(model, optimizer, loss_fn, x, y):
    import tensorflow as tf

    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    grads = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(grads, model.trainable_variables))
    return float(loss), grads


@exercise("ch01.train_step", SOLUTION,
          hints=("Everything that leads to the loss happens inside the tape, as tensors, with the model in "
                 "training mode; then the optimizer you were given takes the step.",
                 "loss = loss_fn(y, M(x) in training mode), recorded by the tape; gradients = d loss / d theta "
                 "for theta = the model's trainable variables; the optimizer applies (gradient, variable) pairs; "
                 "return the loss from before the update."))
def check_train_step(train_step):
    rng = hidden_rng()
    for loss_name in ("sparse categorical cross-entropy", "mean squared error"):
        model, optimizer, ref_model, ref_optimizer, loss_fn, data = _train_case(rng, loss_name)
        for step, (x, y) in enumerate(data, start=1):
            name = f"step {step} with a {loss_name} loss"
            before = [v.numpy().copy() for v in model.trainable_variables]
            inference_loss = float(loss_fn(y, ref_model(x, training=False)))
            lr = float(ref_optimizer.learning_rate)
            ref_loss, ref_grads = _reference_step(ref_model, ref_optimizer, loss_fn, x, y)
            loss = as_number(call(train_step, model, optimizer, loss_fn, x, y), f"the returned loss ({name})")
            after = [v.numpy() for v in model.trainable_variables]
            if all(np.array_equal(a, b) for a, b in zip(before, after)):
                raise Mismatch(f"the model's weights did not change at {name}: apply the gradients with the "
                               "optimizer.")
            if not np.isclose(loss, ref_loss, rtol=1e-4, atol=1e-5):
                if np.isclose(loss, inference_loss, rtol=1e-4, atol=1e-5):
                    raise Mismatch(f"at {name} your loss is the inference-mode loss: call the model with "
                                   "training=True, so that layers such as BatchNormalization and Dropout "
                                   "behave as in training.")
                if np.isclose(loss, ref_loss * len(x), rtol=1e-4):
                    raise Mismatch(f"at {name} your loss is the sum over the batch; use loss_fn's mean, so "
                                   "the step size does not grow with the batch size.")
                raise Mismatch(f"at {name} the returned loss is {loss:.6g}; expected {ref_loss:.6g}, the loss "
                               "of this batch computed (with loss_fn) before the update.")
            for got, start, grad, var in zip(after, before, ref_grads, ref_model.trainable_variables):
                if not np.allclose(got, var.numpy(), atol=1e-5, rtol=1e-4):
                    if np.allclose(got, start - lr * grad.numpy(), atol=1e-5, rtol=1e-4):
                        raise Mismatch(f"at {name} the weights moved by learning_rate * gradient, a plain SGD "
                                       "step: let the optimizer you were given apply the gradients "
                                       "(optimizer.apply_gradients), so that Adam uses its moments.")
                    raise Mismatch(f"at {name} the updated weight {var.path} differs from one step of the "
                                   "optimizer you were given: compute the gradients of this loss with "
                                   "tape.gradient and pass them to optimizer.apply_gradients, once.")
