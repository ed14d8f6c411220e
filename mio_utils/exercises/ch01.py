"""Checkers for chapter 01 · MIO foundations.

The expected values come from the libraries: SciPy's softmax, TensorFlow's sigmoid cross-entropy and
GradientTape, and a Keras optimizer step.
"""
import numpy as np

from . import Mismatch, as_array, as_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch01_mio_foundations.py"
OVERFLOW = "Large inputs overflow exp(): use a numerically stable form."


def _softmax(z):
    from scipy.special import softmax

    return softmax(np.asarray(z, dtype=np.float64), axis=-1)


def _rows_sum_to_one(result, what):
    sums = result.sum(axis=-1)
    if np.all(np.isfinite(result)) and not np.allclose(sums, 1, atol=1e-5):
        raise Mismatch(f"for {what} the values along the last axis sum to {np.round(sums, 4)}; expected 1 "
                       "each. Normalise over the last axis (the classes), so that each row sums to 1, not over "
                       "the batch or the whole array.")


@exercise("ch01.softmax", SOLUTION, hint="subtract the row maximum before exp(); normalise over the last axis.")
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


def _bce(y, z):
    import tensorflow as tf

    losses = tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y, tf.float64),
                                                     logits=tf.constant(z, tf.float64))
    return float(tf.reduce_mean(losses))


def _one_loss(result, what):
    """The learner's loss as one number; a list holding None is a missing return, not a nan."""
    if isinstance(result, (list, tuple)) and any(item is None for item in result):
        raise Mismatch(f"{what} contains None: did you forget `return` somewhere?")
    array = as_array(result, what)
    if array.size != 1:
        raise Mismatch(f"{what} has shape {array.shape}; return one number, the mean over examples.")
    return float(array.reshape(()))


def _refuse_clipping(value, expected, name):
    if expected > 45 and np.isfinite(value) and 5 < value < 40:
        raise Mismatch(f"the loss for {name} is {value:.4g}; expected about {expected:.4g}. Clipping the "
                       "probability away from 0 and 1 caps the loss: work from the logit with the stable form.")


@exercise("ch01.bce_from_logits", SOLUTION,
          hint="use max(z, 0) - z*y + log(1 + exp(-|z|)), averaged over examples.")
def check_bce_from_logits(bce):
    rng = hidden_rng()
    n = int(rng.integers(5, 12))
    big = rng.uniform(60, 120, size=4) * np.array([1, -1, 1, -1])
    cases = [
        ("y=[1, 0], z=[2, -1]", np.array([1.0, 0.0]), np.array([2.0, -1.0])),
        (f"{n} random examples", rng.integers(0, 2, n).astype(np.float64), rng.normal(size=n) * 3),
        ("confident, correct logits of about +-100", np.array([1.0, 0.0, 1.0, 0.0]), big),
        ("confident, wrong logits of about +-100", np.array([0.0, 1.0, 0.0, 1.0]), big),
    ]
    for name, y, z in cases:
        expected = _bce(y, z)
        value = _one_loss(call(bce, y, z), f"the loss for {name}")
        _refuse_clipping(value, expected, name)
        if len(y) > 1 and expected > 1e-3 and np.isclose(value, expected * len(y), rtol=1e-5):
            raise Mismatch(f"for {name} you return the sum over examples; Keras losses (and this one) use "
                           "the mean.")
        expect_close(value, expected, f"the loss for {name}", atol=1e-6, rtol=1e-5, advice=OVERFLOW)
    logit = float(rng.integers(700, 900))
    value = _one_loss(call(bce, np.array([0.0]), np.array([logit])), f"the loss for y=0, z={logit:g}")
    _refuse_clipping(value, logit, f"y=0, z={logit:g}")
    expect_close(value, _bce([0.0], [logit]), f"the loss for y=0, z={logit:g} (should be about {logit:g})",
                 rtol=1e-5, advice=OVERFLOW)


def _gd_reference(w, b, x, y):
    """The gradient of mean sigmoid cross-entropy for logistic regression, from TensorFlow's GradientTape."""
    import tensorflow as tf

    w_var, b_var = tf.Variable(w, dtype=tf.float64), tf.Variable(b, dtype=tf.float64)
    with tf.GradientTape() as tape:
        logits = tf.linalg.matvec(tf.constant(x, tf.float64), w_var) + b_var
        loss = tf.reduce_mean(tf.nn.sigmoid_cross_entropy_with_logits(labels=tf.constant(y, tf.float64),
                                                                      logits=logits))
    grad_w, grad_b = (g.numpy() for g in tape.gradient(loss, [w_var, b_var]))
    return grad_w, float(grad_b)


@exercise("ch01.gd_step", SOLUTION,
          hint="the gradient of mean BCE w.r.t. the logits is (p - y) / n; step *against* the gradient.")
def check_gd_step(gd_step):
    rng = hidden_rng()
    for _ in range(2):
        n, d = int(rng.integers(6, 15)), int(rng.integers(2, 6))
        x = rng.normal(size=(n, d))
        y = (rng.random(n) > 0.5).astype(np.float64)
        w, b, lr = rng.normal(size=d), float(rng.normal()), float(rng.choice([0.05, 0.1, 0.5, 1.0]))
        name = f"n={n} examples, d={d} features, lr={lr:g}"
        grad_w, grad_b = _gd_reference(w, b, x, y)
        result = call(gd_step, w, b, x, y, lr)
        if not isinstance(result, (tuple, list)) or len(result) != 2:
            raise Mismatch(f"gd_step returned a {type(result).__name__}; return a pair (new_w, new_b).")
        new_w = as_array(result[0], "new_w")
        new_b = as_number(result[1], "new_b")
        if new_w.shape != w.shape:
            raise Mismatch(f"for {name} new_w has shape {new_w.shape}; expected {w.shape}, like w.")
        if np.allclose(new_w, w + lr * grad_w):
            raise Mismatch("your step goes *up* the gradient (gradient ascent): subtract lr * gradient.")
        if np.allclose(new_w, w - lr * grad_w * n):
            raise Mismatch("your gradient is the sum over examples; divide by n for the mean loss.")
        expect_close(new_w, w - lr * grad_w, f"new_w for {name}")
        if np.isclose(new_b, b) and not np.isclose(grad_b, 0):
            raise Mismatch(f"for {name} b did not change: the bias has a gradient too, the mean of (p - y).")
        expect_close(new_b, b - lr * grad_b, f"new_b for {name}")


@exercise("ch01.predict_classes", SOLUTION,
          hint="one column of probabilities: compare with the threshold; several columns: argmax.")
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
          hint="keep the loss a tensor: compute it inside `with tf.GradientTape()`, no .numpy() before "
               "tape.gradient, then optimizer.apply_gradients.")
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
