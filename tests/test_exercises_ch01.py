"""Chapter 01 checkers: reject the plausible wrong answers (several are formulas you will find online) with
a specific explanation, accept other correct answers, and agree with Keras."""
import keras
import numpy as np
import pytest
import tensorflow as tf
from scipy.special import logsumexp

from mio_utils.exercises import assert_accepts, assert_rejects, evaluate
from solutions import ch01_mio_foundations as ref

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the wrong answers overflow on purpose


# ------------------------------------------------------------------------------------------- softmax
def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def softmax_wrong_axis(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=0, keepdims=True)


def attention_style_softmax(z):
    """A formula you will find online: exp(x) divided by itself, which is 1 everywhere."""
    return np.exp(z) / np.exp(z)


def global_max_softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum(axis=-1, keepdims=True)


def whole_array_softmax(z):
    e = np.exp(z - np.max(z))
    return e / e.sum()


def shifts_in_place(z):
    z -= z.max(axis=-1, keepdims=True)
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def memorised_softmax(z):
    return np.array([0.09003057, 0.24472847, 0.66524096])


def keras_softmax(z):
    return keras.ops.softmax(z, axis=-1)


def log_sum_exp_softmax(z):
    return np.exp(z - logsumexp(z, axis=-1, keepdims=True))


def tf_softmax(z):
    return tf.nn.softmax(tf.constant(z, tf.float64)).numpy()


# ------------------------------------------------------------------------------------- cross-entropy
def naive_bce(y, z):
    p = 1 / (1 + np.exp(-z))
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def summed_bce(y, z):
    return np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def clipped_bce(y, z):
    """The probability clipped to [1e-7, 1 - 1e-7], as Keras does for probabilities: caps the loss at ~16."""
    p = np.clip(1 / (1 + np.exp(-z)), 1e-7, 1 - 1e-7)
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def bce_forgets_return(y, z):
    np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def clips_logits_in_place(y, z):
    np.clip(z, -50, 50, out=z)
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def sign_slip_bce(y, z):
    return np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))))


def keras_bce(y, z):
    return keras.losses.BinaryCrossentropy(from_logits=True)(y, z)


def logaddexp_bce(y, z):
    return float(np.mean(np.logaddexp(0, z) - y * z))


# ---------------------------------------------------------------------------------- gradient descent
def gradient_ascent(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    return w + lr * x.T @ (p - y) / len(y), b + lr * np.mean(p - y)


def summed_gradient(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    return w - lr * x.T @ (p - y), b - lr * np.sum(p - y)


def forgets_bias(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    return w - lr * x.T @ (p - y) / len(y), b


def steps_w_in_place(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    w -= lr * x.T @ (p - y) / len(y)
    return w, b - lr * np.mean(p - y)


def returns_only_w(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    return w - lr * x.T @ (p - y) / len(y)


def mse_gradient(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    error = (p - y) * p * (1 - p)
    return w - lr * x.T @ error / len(y), b - lr * np.mean(error)


def broadcast_gd_step(w, b, x, y, lr):
    error = 1 / (1 + np.exp(-(x @ w + b))) - y
    return w - lr * (x * error[:, None]).mean(axis=0), b - lr * error.mean()


# ---------------------------------------------------------------------------------- predict_classes
def argmax_always(p, threshold=0.5):
    return np.asarray(p).argmax(axis=-1)


def strict_threshold(p, threshold=0.5):
    p = np.asarray(p)
    return p.argmax(axis=1) if p.shape[1] > 1 else (p[:, 0] > threshold).astype(int)


def ignores_threshold(p, threshold=0.5):
    p = np.asarray(p)
    return p.argmax(axis=1) if p.ndim == 2 and p.shape[1] > 1 else (p.reshape(-1) >= 0.5).astype(int)


def thresholds_first_column(p, threshold=0.5):
    p = np.asarray(p)
    if p.ndim == 2 and p.shape[1] > 2:
        return p.argmax(axis=1)
    return (p.reshape(len(p), -1)[:, 0] >= threshold).astype(int)


def keeps_the_column(p, threshold=0.5):
    p = np.asarray(p)
    return p.argmax(axis=1) if p.ndim == 2 and p.shape[1] > 1 else (p >= threshold).astype(int)


def rounds(p, threshold=0.5):
    p = np.asarray(p)
    return p.argmax(axis=1) if p.ndim == 2 and p.shape[1] > 1 else np.round(p.reshape(-1)).astype(int)


def where_predict_classes(probabilities, threshold=0.5):
    p = np.atleast_2d(np.asarray(probabilities).T).T
    if p.shape[-1] == 1:
        return np.where(p[:, 0] < threshold, 0, 1)
    return keras.ops.argmax(p, axis=-1)


# --------------------------------------------------------------------------------------- train_step
def numpy_loss_train_step(model, optimizer, loss_fn, x, y):
    """A training loop you will find online: the loss leaves the tape as NumPy, nothing to differentiate."""
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True)).numpy()
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


def forgets_to_apply(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    tape.gradient(loss, model.trainable_variables)
    return loss


def inference_mode(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x))
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


def plain_sgd_by_hand(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    for var, grad in zip(model.trainable_variables, tape.gradient(loss, model.trainable_variables)):
        var.assign_sub(optimizer.learning_rate * grad)
    return loss


def summed_loss(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True)) * len(x)
    gradients = tape.gradient(loss, model.trainable_variables)
    optimizer.apply_gradients(zip(gradients, model.trainable_variables))
    return loss


def fresh_optimizer_each_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    gradients = tape.gradient(loss, model.trainable_variables)
    keras.optimizers.Adam(float(optimizer.learning_rate)).apply_gradients(zip(gradients, model.trainable_variables))
    return loss


def loss_after_update(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        loss = loss_fn(y, model(x, training=True))
    optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    return loss_fn(y, model(x, training=True))


def apply_train_step(model, optimizer, loss_fn, x, y):
    with tf.GradientTape() as tape:
        predictions = model(x, training=True)
        loss = loss_fn(y, predictions)
    optimizer.apply(tape.gradient(loss, model.trainable_variables), model.trainable_variables)
    return float(loss)


WRONG_ANSWERS = [
    ("ch01.softmax", naive_softmax, "inf or nan"),
    ("ch01.softmax", softmax_wrong_axis, "last axis"),
    ("ch01.softmax", attention_style_softmax, "expected"),
    ("ch01.softmax", global_max_softmax, "each row's own maximum"),
    ("ch01.softmax", whole_array_softmax, "last axis"),
    ("ch01.softmax", shifts_in_place, "changed its input"),
    ("ch01.softmax", memorised_softmax, "shape"),
    ("ch01.bce_from_logits", naive_bce, "inf or nan"),
    ("ch01.bce_from_logits", summed_bce, "sum over examples"),
    ("ch01.bce_from_logits", clipped_bce, "Clipping the probability"),
    ("ch01.bce_from_logits", bce_forgets_return, "forget `return`"),
    ("ch01.bce_from_logits", clips_logits_in_place, "changed its input"),
    ("ch01.bce_from_logits", sign_slip_bce, "expected"),
    ("ch01.bce_from_logits", lambda y, z: 0.2395, "expected"),
    ("ch01.gd_step", gradient_ascent, "gradient ascent"),
    ("ch01.gd_step", summed_gradient, "divide by n"),
    ("ch01.gd_step", forgets_bias, "b did not change"),
    ("ch01.gd_step", steps_w_in_place, "changed its input"),
    ("ch01.gd_step", returns_only_w, "return a pair"),
    ("ch01.gd_step", mse_gradient, "new_w"),
    ("ch01.predict_classes", argmax_always, "always 0"),
    ("ch01.predict_classes", strict_threshold, "expected 1"),
    ("ch01.predict_classes", ignores_threshold, "threshold="),
    ("ch01.predict_classes", thresholds_first_column, "reversed"),
    ("ch01.predict_classes", keeps_the_column, "one class index per example"),
    ("ch01.predict_classes", rounds, "expected 1"),
    ("ch01.predict_classes", lambda p, threshold=0.5: np.array([0, 1, 1, 0]), "shape"),
    ("ch01.train_step", numpy_loss_train_step, "raised"),
    ("ch01.train_step", forgets_to_apply, "did not change"),
    ("ch01.train_step", inference_mode, "training=True"),
    ("ch01.train_step", plain_sgd_by_hand, "plain SGD"),
    ("ch01.train_step", summed_loss, "sum over the batch"),
    ("ch01.train_step", fresh_optimizer_each_step, "optimizer you were given"),
    ("ch01.train_step", loss_after_update, "before the update"),
]

CORRECT_ANSWERS = [
    ("ch01.softmax", keras_softmax),
    ("ch01.softmax", log_sum_exp_softmax),
    ("ch01.softmax", tf_softmax),
    ("ch01.bce_from_logits", keras_bce),
    ("ch01.bce_from_logits", logaddexp_bce),
    ("ch01.gd_step", broadcast_gd_step),
    ("ch01.predict_classes", where_predict_classes),
    ("ch01.train_step", apply_train_step),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS,
                         ids=[f"{e}-{getattr(w, '__name__', 'answer')}" for e, w, _ in WRONG_ANSWERS])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS,
                         ids=[f"{e}-{a.__name__}" for e, a in CORRECT_ANSWERS])
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_forgotten_return_is_not_called_overflow():
    message = evaluate("ch01.bce_from_logits", bce_forgets_return).message
    assert "forget `return`" in message and "overflow" not in message


def test_references_agree_with_libraries():
    z = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(ref.softmax(z), keras.ops.softmax(z).numpy(), atol=1e-7)
    y, logits = np.array([1.0, 0.0, 1.0]), np.array([3.0, -0.5, -40.0])
    loss = keras.losses.BinaryCrossentropy(from_logits=True)(y, logits)
    np.testing.assert_allclose(ref.bce_from_logits(y, logits), float(loss), rtol=1e-5)
