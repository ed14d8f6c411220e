"""Chapter 01 checkers reject the plausible wrong answers (several are the seed articles' mistakes)."""
import numpy as np
import pytest
import tensorflow as tf

from mio_utils.exercises import assert_rejects, evaluate
from solutions import ch01_mio_foundations as ref

pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")  # the wrong answers overflow on purpose


def naive_softmax(z):
    return np.exp(z) / np.exp(z).sum(axis=-1, keepdims=True)


def softmax_wrong_axis(z):
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=0, keepdims=True)


def seed_attention_style_softmax(z):
    """Seed 001's formula: exp(x) divided by itself, which is 1 everywhere."""
    return np.exp(z) / np.exp(z)


def naive_bce(y, z):
    p = 1 / (1 + np.exp(-z))
    return np.mean(-(y * np.log(p) + (1 - y) * np.log(1 - p)))


def summed_bce(y, z):
    return np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def gradient_ascent(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    return w + lr * x.T @ (p - y) / len(y), b + lr * np.mean(p - y)


def summed_gradient(w, b, x, y, lr):
    p = 1 / (1 + np.exp(-(x @ w + b)))
    return w - lr * x.T @ (p - y), b - lr * np.sum(p - y)


def argmax_always(p, threshold=0.5):
    return np.asarray(p).argmax(axis=-1)


def strict_threshold(p, threshold=0.5):
    p = np.asarray(p)
    return p.argmax(axis=1) if p.shape[1] > 1 else (p[:, 0] > threshold).astype(int)


def seed_train_step(model, optimizer, loss_fn, x, y):
    """Seed 000 §5.2: the loss leaves the tape as NumPy, so there is nothing to differentiate."""
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


@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch01.softmax", naive_softmax, "inf or nan"),
    ("ch01.softmax", softmax_wrong_axis, "last axis"),
    ("ch01.softmax", seed_attention_style_softmax, "expected"),
    ("ch01.bce_from_logits", naive_bce, "inf or nan"),
    ("ch01.bce_from_logits", summed_bce, "sum over examples"),
    ("ch01.gd_step", gradient_ascent, "gradient ascent"),
    ("ch01.gd_step", summed_gradient, "divide by n"),
    ("ch01.predict_classes", argmax_always, "always 0"),
    ("ch01.predict_classes", strict_threshold, "expected 1"),
    ("ch01.train_step", seed_train_step, "raised"),
    ("ch01.train_step", forgets_to_apply, "did not change"),
])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


def test_references_agree_with_libraries():
    import keras

    z = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(ref.softmax(z), keras.ops.softmax(z).numpy(), atol=1e-7)
    y, logits = np.array([1.0, 0.0, 1.0]), np.array([3.0, -0.5, -40.0])
    loss = keras.losses.BinaryCrossentropy(from_logits=True)(y, logits)
    np.testing.assert_allclose(ref.bce_from_logits(y, logits), float(loss), rtol=1e-5)


@pytest.mark.parametrize("wrong, says", [
    (lambda im: np.asarray(im, np.float32) / 256, "not 256"),
    (lambda im: np.asarray(im, np.float64) / 255, "dtype is float64"),
    (lambda im: np.asarray(im, np.float32), "must lie in [0, 1]"),
    (lambda im: (np.asarray(im) / 255).reshape(-1), "keep the shape"),
])
def test_ch00_scale_images_rejects(wrong, says):
    result = evaluate("ch00.scale_images", wrong)
    assert result.status == "wrong" and says in result.message
