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


def keras_softmax(z, axis=-1):
    return keras.ops.softmax(z, axis=axis)


def log_sum_exp_softmax(z, axis=-1):
    return np.exp(z - logsumexp(z, axis=axis, keepdims=True))


def tf_softmax(z, axis=-1):
    return tf.nn.softmax(tf.constant(z, tf.float64), axis=axis).numpy()


def moves_axis_softmax(z, axis=-1):
    """Correct, written differently: move the axis to the end, use the last-axis softmax, move it back."""
    moved = np.moveaxis(np.asarray(z, dtype=float), axis, -1)
    e = np.exp(moved - moved.max(axis=-1, keepdims=True))
    return np.moveaxis(e / e.sum(axis=-1, keepdims=True), -1, axis)


def ignores_axis_softmax(z, axis=-1):
    """Section 1's stable softmax, copied: always the last axis."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=-1, keepdims=True)


def global_max_axis_softmax(z, axis=-1):
    """Right axis for the sum, but one maximum for the whole array."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max())
    return e / e.sum(axis=axis, keepdims=True)


def last_axis_max_softmax(z, axis=-1):
    """Sums along `axis` but still subtracts the maximum of the last axis: a group far below underflows."""
    z = np.asarray(z, dtype=float)
    e = np.exp(z - z.max(axis=-1, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


# ------------------------------------------------------------------------------ softmax regression step
def _probabilities(W, b, x):
    z = x @ W + b
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def _one_hot(labels, k):
    return np.eye(k)[labels]


def softmax_gd_ascent(W, b, x, labels, lr):
    error = (_probabilities(W, b, x) - _one_hot(labels, W.shape[1])) / len(x)
    return W + lr * x.T @ error, b + lr * error.sum(axis=0)


def softmax_gd_summed(W, b, x, labels, lr):
    error = _probabilities(W, b, x) - _one_hot(labels, W.shape[1])
    return W - lr * x.T @ error, b - lr * error.sum(axis=0)


def softmax_gd_no_one_hot(W, b, x, labels, lr):
    """Subtracts the integer label from every column: 'p - y' read literally with y the class index."""
    error = (_probabilities(W, b, x) - labels[:, None]) / len(x)
    return W - lr * x.T @ error, b - lr * error.sum(axis=0)


def softmax_gd_sigmoid_per_class(W, b, x, labels, lr):
    p = 1 / (1 + np.exp(-(x @ W + b)))
    error = (p - _one_hot(labels, W.shape[1])) / len(x)
    return W - lr * x.T @ error, b - lr * error.sum(axis=0)


def softmax_gd_naive_exp(W, b, x, labels, lr):
    e = np.exp(x @ W + b)
    error = (e / e.sum(axis=1, keepdims=True) - _one_hot(labels, W.shape[1])) / len(x)
    return W - lr * x.T @ error, b - lr * error.sum(axis=0)


def softmax_gd_forgets_bias(W, b, x, labels, lr):
    error = (_probabilities(W, b, x) - _one_hot(labels, W.shape[1])) / len(x)
    return W - lr * x.T @ error, b


def softmax_gd_bias_not_summed(W, b, x, labels, lr):
    error = (_probabilities(W, b, x) - _one_hot(labels, W.shape[1])) / len(x)
    return W - lr * x.T @ error, b - lr * error


def softmax_gd_in_place(W, b, x, labels, lr):
    error = (_probabilities(W, b, x) - _one_hot(labels, W.shape[1])) / len(x)
    W -= lr * x.T @ error
    return W, b - lr * error.sum(axis=0)


def softmax_gd_with_tape(W, b, x, labels, lr):
    W_var, b_var = tf.Variable(W), tf.Variable(b)
    with tf.GradientTape() as tape:
        loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True)(labels, x @ W_var + b_var)
    grad_W, grad_b = tape.gradient(loss, [W_var, b_var])
    return (W_var - lr * grad_W).numpy(), (b_var - lr * grad_b).numpy()


def softmax_gd_log_sum_exp(W, b, x, labels, lr):
    z = x @ W + b
    p = np.exp(z - logsumexp(z, axis=1, keepdims=True))
    p[np.arange(len(x)), labels] -= 1
    return W - lr * x.T @ p / len(x), b - lr * p.mean(axis=0)


# ------------------------------------------------------------------------------------ tanh backward
def tanh_relu_mask(x, W, b, grad_h):
    a = x @ W + b
    grad_a = grad_h * (a > 0)
    return grad_a @ W.T, x.T @ grad_a, grad_a.sum(axis=0)


def tanh_no_derivative(x, W, b, grad_h):
    return grad_h @ W.T, x.T @ grad_h, grad_h.sum(axis=0)


def tanh_derivative_not_squared(x, W, b, grad_h):
    grad_a = grad_h * (1 - np.tanh(x @ W + b))
    return grad_a @ W.T, x.T @ grad_a, grad_a.sum(axis=0)


def tanh_derivative_of_a(x, W, b, grad_h):
    a = x @ W + b
    grad_a = grad_h * (1 - a ** 2)
    return grad_a @ W.T, x.T @ grad_a, grad_a.sum(axis=0)


def tanh_bias_mean(x, W, b, grad_h):
    grad_a = grad_h * (1 - np.tanh(x @ W + b) ** 2)
    return grad_a @ W.T, x.T @ grad_a, grad_a.mean(axis=0)


def tanh_grad_x_forgotten_transpose(x, W, b, grad_h):
    grad_a = grad_h * (1 - np.tanh(x @ W + b) ** 2)
    return x.T @ grad_a, grad_a @ W.T, grad_a.sum(axis=0)


def tanh_grad_W_transposed(x, W, b, grad_h):
    grad_a = grad_h * (1 - np.tanh(x @ W + b) ** 2)
    return grad_a @ W.T, grad_a.T @ x, grad_a.sum(axis=0)


def tanh_returns_two(x, W, b, grad_h):
    grad_a = grad_h * (1 - np.tanh(x @ W + b) ** 2)
    return x.T @ grad_a, grad_a.sum(axis=0)


def tanh_with_tape(x, W, b, grad_h):
    variables = [tf.Variable(v) for v in (x, W, b)]
    with tf.GradientTape() as tape:
        h = tf.tanh(variables[0] @ variables[1] + variables[2])
    gradients = tape.gradient(h, variables, output_gradients=tf.constant(grad_h))
    return tuple(g.numpy() for g in gradients)


def tanh_via_cosh(x, W, b, grad_h):
    grad_a = grad_h / np.cosh(x @ W + b) ** 2  # 1 - tanh^2 = 1 / cosh^2
    return grad_a @ W.T, np.einsum("nd,nm->dm", x, grad_a), np.einsum("nm->m", grad_a)


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
    ("ch01.softmax", ignores_axis_softmax, "along the last axis instead"),
    ("ch01.softmax", global_max_axis_softmax, "own maximum"),
    ("ch01.softmax", last_axis_max_softmax, "maximum along `axis`"),
    ("ch01.softmax_gd_step", softmax_gd_ascent, "gradient ascent"),
    ("ch01.softmax_gd_step", softmax_gd_summed, "divide by n"),
    ("ch01.softmax_gd_step", softmax_gd_no_one_hot, "one-hot"),
    ("ch01.softmax_gd_step", softmax_gd_sigmoid_per_class, "use the softmax"),
    ("ch01.softmax_gd_step", softmax_gd_naive_exp, "inf or nan"),
    ("ch01.softmax_gd_step", softmax_gd_forgets_bias, "b did not change"),
    ("ch01.softmax_gd_step", softmax_gd_bias_not_summed, "new_b has shape"),
    ("ch01.softmax_gd_step", softmax_gd_in_place, "changed its input"),
    ("ch01.tanh_layer_backward", tanh_relu_mask, "ReLU's derivative"),
    ("ch01.tanh_layer_backward", tanh_no_derivative, "skipped tanh's derivative"),
    ("ch01.tanh_layer_backward", tanh_derivative_not_squared, "squared"),
    ("ch01.tanh_layer_backward", tanh_derivative_of_a, "not 1 - a²"),
    ("ch01.tanh_layer_backward", tanh_bias_mean, "sum it instead"),
    ("ch01.tanh_layer_backward", tanh_grad_x_forgotten_transpose, "grad_x has shape"),
    ("ch01.tanh_layer_backward", tanh_grad_W_transposed, "transposed?"),
    ("ch01.tanh_layer_backward", tanh_returns_two, "tuple of three"),
    ("ch01.zero_init_units", 32, "random start"),
    ("ch01.zero_init_units", 0, "outside the possible range"),
    ("ch01.zero_init_units", 2, "not 2"),
    ("ch01.zero_init_units", 16, "not 16"),
    ("ch01.zero_init_units", 1.5, "not a count"),
    ("ch01.zero_init_units", "1", "not as text"),
    ("ch01.zero_init_units", True, "not True or False"),
    ("ch01.diverging_rate", "C", "still shrinks"),
    ("ch01.diverging_rate", "B", "one step"),
    ("ch01.diverging_rate", "A", "converges, fast"),
    ("ch01.diverging_rate", 0.55, "as a string"),
    ("ch01.diverging_rate", "E", "one of the letters"),
    ("ch01.diverging_rate", "CD", "one of the letters"),
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
    ("ch01.softmax", moves_axis_softmax),
    ("ch01.softmax_gd_step", softmax_gd_with_tape),
    ("ch01.softmax_gd_step", softmax_gd_log_sum_exp),
    ("ch01.tanh_layer_backward", tanh_with_tape),
    ("ch01.tanh_layer_backward", tanh_via_cosh),
    ("ch01.zero_init_units", 1.0),
    ("ch01.zero_init_units", np.int64(1)),
    ("ch01.diverging_rate", " d"),
    ("ch01.predict_classes", where_predict_classes),
    ("ch01.train_step", apply_train_step),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS,
                         ids=[f"{e}-{getattr(w, '__name__', repr(w))}" for e, w, _ in WRONG_ANSWERS])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS,
                         ids=[f"{e}-{getattr(a, '__name__', repr(a))}" for e, a in CORRECT_ANSWERS])
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_prediction_explains_and_matches_the_chapters_experiment():
    """The truth the checker uses is what the chapter measures: a zero-initialised ReLU layer stays one unit."""
    assert evaluate("ch01.zero_init_units", 1).message.startswith("Correct! With every weight at 0")
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(8, activation="relu", kernel_initializer="zeros"),
                              keras.layers.Dense(1, kernel_initializer="zeros")])
    x = tf.constant(np.random.default_rng(0).normal(size=(32, 2)), tf.float32)
    y = tf.constant((np.random.default_rng(1).random((32, 1)) > 0.5).astype(np.float32))
    optimizer = keras.optimizers.SGD(0.5)
    for _ in range(5):
        with tf.GradientTape() as tape:
            loss = keras.losses.BinaryCrossentropy(from_logits=True)(y, model(x, training=True))
        optimizer.apply_gradients(zip(tape.gradient(loss, model.trainable_variables), model.trainable_variables))
    kernel = model.layers[0].kernel.numpy()
    assert np.unique(kernel, axis=1).shape[1] == ref.zero_init_units


def test_diverging_rate_truth_is_the_arithmetic():
    from mio_utils.exercises.ch01 import DIVERGING_RATE_CHOICES

    diverging = [letter for letter, rate in DIVERGING_RATE_CHOICES.items() if abs(1 - 4 * rate) > 1]
    assert diverging == [ref.diverging_rate]
    assert evaluate("ch01.diverging_rate", "D").message.startswith("Correct! each step multiplies w by")


def test_references_agree_with_libraries():
    z = np.array([[1.0, -2.0, 0.5]])
    np.testing.assert_allclose(ref.softmax(z), keras.ops.softmax(z).numpy(), atol=1e-7)
    rng = np.random.default_rng(0)
    W, b, x, labels = rng.normal(size=(3, 4)), rng.normal(size=4), rng.normal(size=(5, 3)), np.array([0, 3, 1, 1, 2])
    new_W, new_b = ref.softmax_gd_step(W, b, x, labels, 0.5)
    tape_W, tape_b = softmax_gd_with_tape(W, b, x, labels, 0.5)
    np.testing.assert_allclose(new_W, tape_W, atol=1e-10)
    np.testing.assert_allclose(new_b, tape_b, atol=1e-10)
