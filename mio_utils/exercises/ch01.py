"""Checkers for chapter 01 · MIO foundations."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch01_mio_foundations.py"


def _softmax(z):
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


@exercise("ch01.softmax", SOLUTION, hint="subtract the row maximum before exp(); normalise over the last axis.")
def check_softmax(softmax):
    expect_close(call(softmax, np.array([1.0, 2.0, 3.0])), _softmax([1.0, 2.0, 3.0]), "softmax([1, 2, 3])")
    batch = np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]])
    result = as_array(call(softmax, batch), "softmax of a batch")
    if result.shape == batch.shape and np.allclose(result.sum(axis=0), 1) and not np.allclose(result.sum(axis=1), 1):
        raise Mismatch("on a batch shaped (2, 3) your rows do not sum to 1: normalise over the last axis "
                       "(the classes), not over the batch.")
    expect_close(result, _softmax(batch), "softmax of a batch")
    expect_close(call(softmax, np.array([1000.0, 1001.0])), _softmax([1000.0, 1001.0]),
                 "softmax([1000, 1001])")


def _bce_from_logits(y, z):
    y, z = np.asarray(y, np.float64), np.asarray(z, np.float64)
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


@exercise("ch01.bce_from_logits", SOLUTION,
          hint="use max(z, 0) - z*y + log(1 + exp(-|z|)), averaged over examples.")
def check_bce_from_logits(bce):
    cases = [
        ([1.0, 0.0], [2.0, -1.0], "y=[1, 0], z=[2, -1]"),
        ([1.0, 0.0, 1.0, 0.0], [0.5, 0.5, -3.0, 3.0], "four examples"),
    ]
    for y, z, name in cases:
        value = as_array(call(bce, np.array(y), np.array(z)), f"the loss for {name}")
        expected = _bce_from_logits(y, z)
        if value.shape != ():
            raise Mismatch(f"the loss for {name} has shape {value.shape}; return one number, the mean over examples.")
        if np.isclose(value, expected * len(y)):
            raise Mismatch(f"for {name} you return the sum over examples; Keras losses (and this one) use the mean.")
        expect_close(value, expected, f"the loss for {name}")
    big = as_array(call(bce, np.array([1.0, 0.0]), np.array([100.0, -100.0])), "the loss for z=[100, -100]")
    expect_close(big, _bce_from_logits([1, 0], [100, -100]), "the loss for y=[1, 0], z=[100, -100]", atol=1e-9)
    huge = as_array(call(bce, np.array([0.0]), np.array([800.0])), "the loss for z=800, y=0")
    expect_close(huge, 800.0, "the loss for y=0, z=800 (should be about 800)")


@exercise("ch01.gd_step", SOLUTION,
          hint="the gradient of mean BCE w.r.t. the logits is (p - y) / n; step *against* the gradient.")
def check_gd_step(gd_step):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(8, 3))
    y = (rng.random(8) > 0.5).astype(np.float64)
    w, b, lr = rng.normal(size=3), 0.1, 0.5
    result = call(gd_step, w.copy(), b, x, y, lr)
    if not isinstance(result, tuple) or len(result) != 2:
        raise Mismatch("gd_step should return a pair (new_w, new_b).")
    p = 1 / (1 + np.exp(-(x @ w + b)))
    grad_w, grad_b = x.T @ (p - y) / len(y), np.mean(p - y)
    new_w = as_array(result[0], "new_w")
    if new_w.shape == w.shape and np.allclose(new_w, w + lr * grad_w):
        raise Mismatch("your step goes *up* the gradient (gradient ascent): subtract lr * gradient.")
    if new_w.shape == w.shape and np.allclose(new_w, w - lr * grad_w * len(y)):
        raise Mismatch("your gradient is the sum over examples; divide by n for the mean loss.")
    expect_close(new_w, w - lr * grad_w, "new_w")
    expect_close(result[1], b - lr * grad_b, "new_b")


@exercise("ch01.predict_classes", SOLUTION,
          hint="one column of probabilities: compare with the threshold; several columns: argmax.")
def check_predict_classes(predict_classes):
    binary = np.array([[0.1], [0.7], [0.5], [0.49]])
    labels = as_array(call(predict_classes, binary), "labels for a sigmoid output shaped (4, 1)")
    if labels.shape == (4,) and np.all(labels == 0):
        raise Mismatch("for a sigmoid output shaped (n, 1) you return all zeros: argmax over one column is "
                       "always 0. Threshold the probability instead.")
    expect_close(labels, [0, 1, 1, 0], "labels for probabilities [0.1, 0.7, 0.5, 0.49] (threshold 0.5)")
    expect_close(call(predict_classes, binary, threshold=0.75), [0, 0, 0, 0], "labels with threshold=0.75")
    multi = np.array([[0.2, 0.5, 0.3], [0.6, 0.3, 0.1]])
    expect_close(call(predict_classes, multi), [1, 0], "labels for a softmax output shaped (2, 3)")


@exercise("ch01.train_step", SOLUTION,
          hint="keep the loss a tensor: compute it inside `with tf.GradientTape()`, no .numpy() before "
               "tape.gradient, then optimizer.apply_gradients.")
def check_train_step(train_step):
    import keras
    import tensorflow as tf

    def fresh():
        keras.utils.set_random_seed(1)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3)])
        return model, keras.optimizers.SGD(learning_rate=0.1)

    rng = np.random.default_rng(1)
    x = tf.constant(rng.normal(size=(6, 4)), tf.float32)
    y = tf.constant(rng.integers(0, 3, 6))
    loss_fn = keras.losses.SparseCategoricalCrossentropy(from_logits=True)

    model, optimizer = fresh()
    before = [w.numpy().copy() for w in model.trainable_variables]
    loss = call(train_step, model, optimizer, loss_fn, x, y)
    after = [w.numpy() for w in model.trainable_variables]
    if all(np.array_equal(a, b) for a, b in zip(before, after)):
        raise Mismatch("the model's weights did not change: apply the gradients with the optimizer.")

    ref_model, ref_optimizer = fresh()
    with tf.GradientTape() as tape:
        ref_loss = loss_fn(y, ref_model(x, training=True))
    grads = tape.gradient(ref_loss, ref_model.trainable_variables)
    ref_optimizer.apply_gradients(zip(grads, ref_model.trainable_variables))
    expect_close(loss, float(ref_loss), "the returned loss (before the update)", atol=1e-5)
    for got, want, var in zip(after, ref_model.trainable_variables, ref_model.trainable_variables):
        expect_close(got, var.numpy(), f"the updated weight {var.path}", atol=1e-5)
