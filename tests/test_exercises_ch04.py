"""Chapter 04 checkers reject plausible wrong answers (several are mistakes found online), each with a specific
explanation, and accept correct answers written differently from the solutions."""
import math

import keras
import numpy as np
import pytest
import tensorflow as tf

from mio_utils.exercises import assert_accepts, assert_rejects
from solutions import ch04_training as ref4


# ------------------------------------------------------------------------------------------------ 4.1
def adam_without_bias_correction(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v


def rmsprop_called_adam(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """A confusion found online: scaling by the squared-gradient average, but no momentum."""
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * g / (np.sqrt(v / (1 - beta2 ** t)) + eps), m, v


def adam_v_without_square(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g
    return w - lr * (m / (1 - beta1 ** t)) / (np.sqrt(np.abs(v) / (1 - beta2 ** t)) + eps), m, v


def adam_ascent(w, g, m, v, t, **kwargs):
    new_w, m, v = ref4.adam_step(w, g, m, v, t, **kwargs)
    return 2 * w - new_w, m, v


def early_stop_one_late(val_losses, patience):
    return ref4.early_stopping_epoch(val_losses, patience + 1)


def early_stop_zero_based(val_losses, patience):
    epochs_run, best = ref4.early_stopping_epoch(val_losses, patience)
    return epochs_run - 1, best - 1


def early_stop_best_is_last(val_losses, patience):
    epochs_run, _ = ref4.early_stopping_epoch(val_losses, patience)
    return epochs_run, epochs_run


def early_stop_ties_improve(val_losses, patience):
    best, best_epoch, wait = math.inf, 0, 0
    for epoch, loss in enumerate(val_losses, start=1):
        wait += 1
        if loss <= best:
            best, best_epoch, wait = loss, epoch, 0
        elif wait >= patience:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def evaluate_in_training_mode(model, dataset, loss_fn):
    total, correct, count = 0.0, 0, 0
    for x, y in dataset:
        p = model(x, training=True)
        n = int(tf.shape(x)[0])
        total += float(loss_fn(y, p)) * n
        correct += int(tf.reduce_sum(tf.cast(tf.argmax(p, -1) == tf.cast(y, tf.int64), tf.int32)))
        count += n
    return total / count, correct / count


def evaluate_mean_of_batch_means(model, dataset, loss_fn):
    losses, accuracies = [], []
    for x, y in dataset:
        p = model(x, training=False)
        losses.append(float(loss_fn(y, p)))
        accuracies.append(float(np.mean(np.argmax(p, -1) == y.numpy())))
    return np.mean(losses), np.mean(accuracies)


def evaluate_last_batch(model, dataset, loss_fn):
    for x, y in dataset:  # noqa: B007 - keeping only the last batch is the mistake
        p = model(x, training=False)
    return float(loss_fn(y, p)), float(np.mean(np.argmax(p, -1) == y.numpy()))


def adam_eps_inside_sqrt(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * (m / (1 - beta1 ** t)) / np.sqrt(v / (1 - beta2 ** t) + eps), m, v


def adam_t_from_zero(w, g, m, v, t, **kwargs):
    return ref4.adam_step(w, g, m, v, t - 1, **kwargs)


def adam_returns_corrected_means(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m_hat = (beta1 * m + (1 - beta1) * g) / (1 - beta1 ** t)
    v_hat = (beta2 * v + (1 - beta2) * g ** 2) / (1 - beta2 ** t)
    return w - lr * m_hat / (np.sqrt(v_hat) + eps), m_hat, v_hat


def adam_in_place(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m *= beta1
    m += (1 - beta1) * g
    v *= beta2
    v += (1 - beta2) * g ** 2
    w -= lr * (m / (1 - beta1 ** t)) / (np.sqrt(v / (1 - beta2 ** t)) + eps)
    return w, m, v


def adam_memorised_defaults(w, g, m, v, t, **kwargs):
    return ref4.adam_step(w, g, m, v, t)


def adam_flattens(w, g, m, v, t, **kwargs):
    return tuple(a.ravel() for a in ref4.adam_step(w, g, m, v, t, **kwargs))


def adam_keras_epsilon(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """Correct: Keras's form, the bias corrections folded into the step size and eps added to sqrt(v)."""
    m = m + (1 - beta1) * (g - m)
    v = v + (1 - beta2) * (np.square(g) - v)
    alpha = lr * np.sqrt(1 - beta2 ** t) / (1 - beta1 ** t)
    return w - alpha * m / (np.sqrt(v) + eps), m, v


def adam_with_tensors(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """Correct: the textbook step written with TensorFlow ops, returning tensors."""
    w, g, m, v = (tf.constant(a, tf.float64) for a in (w, g, m, v))
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * tf.square(g)
    step = lr * (m / (1 - beta1 ** t)) / (tf.sqrt(v / (1 - beta2 ** t)) + eps)
    return [w - step, m, v]


# ------------------------------------------------------------------------------------------------ 4.2
def copied_cosine(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    """The chapter's warm-up + cosine, copied instead of the straight line the variant asks for."""
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    progress = min(step - warmup_steps, total_steps - warmup_steps) / (total_steps - warmup_steps)
    return final_lr + (peak_lr - final_lr) * 0.5 * (1 + math.cos(math.pi * progress))


def linear_without_warmup(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    progress = min(step, total_steps) / total_steps
    return peak_lr + (final_lr - peak_lr) * progress


def linear_over_total_steps(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    return peak_lr + (final_lr - peak_lr) * min(step, total_steps) / total_steps


def linear_not_clamped(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    return peak_lr + (final_lr - peak_lr) * (step - warmup_steps) / (total_steps - warmup_steps)


def warmup_reaches_peak_one_early(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    if step < warmup_steps:
        return peak_lr * min((step + 1) / warmup_steps, 1.0)
    return ref4.warmup_linear(step, peak_lr, warmup_steps, total_steps, final_lr)


def linear_ignores_final_lr(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    return ref4.warmup_linear(step, peak_lr, warmup_steps, total_steps)


def linear_memorised(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    return ref4.warmup_linear(step, 0.1, 10, 50, 0.001)


def linear_as_array(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    return np.array([ref4.warmup_linear(step, peak_lr, warmup_steps, total_steps, final_lr)] * 2)


def schedule_with_keras(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    """Correct: Keras's PolynomialDecay of power 1 after the ramp."""
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    decay = keras.optimizers.schedules.PolynomialDecay(peak_lr, total_steps - warmup_steps, final_lr)
    return decay(step - warmup_steps)


def schedule_with_numpy(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    """Correct: one interpolation through the three corner points."""
    return np.interp(step, [0, warmup_steps, total_steps], [0.0, peak_lr, final_lr])


# ------------------------------------------------------------------------------------------------ 4.3
def early_stop_global_best(val_losses, patience):
    epochs_run, _ = ref4.early_stopping_epoch(val_losses, patience)
    return epochs_run, int(np.argmin(val_losses)) + 1


def early_stop_best_plus_patience(val_losses, patience):
    _, best = ref4.early_stopping_epoch(val_losses, patience)
    return best + patience, best


def early_stop_returns_loss(val_losses, patience):
    epochs_run, best = ref4.early_stopping_epoch(val_losses, patience)
    return epochs_run, val_losses[best - 1]


def early_stop_consumes(val_losses, patience):
    result = ref4.early_stopping_epoch(val_losses, patience)
    val_losses.clear()
    return result


def early_stop_counting_down(val_losses, patience):
    """Correct: a patience budget that resets on each strict improvement."""
    best_epoch, left = 0, patience
    for epoch, loss in enumerate(val_losses, start=1):
        if best_epoch == 0 or loss < val_losses[best_epoch - 1]:
            best_epoch, left = epoch, patience
            continue
        left -= 1
        if left <= 0:
            return epoch, best_epoch
    return len(val_losses), best_epoch


def early_stop_vectorised(val_losses, patience):
    """Correct: NumPy finds the improving epochs, then the first run of `patience` epochs without one."""
    losses = np.asarray(val_losses, dtype=float)
    best_before = np.concatenate([[np.inf], np.minimum.accumulate(losses)[:-1]])
    last_improvement = np.maximum.accumulate(np.where(losses < best_before, np.arange(len(losses)), 0))
    stops = np.flatnonzero(np.arange(len(losses)) - last_improvement >= max(patience, 1))
    epochs_run = int(stops[0]) + 1 if len(stops) else len(losses)
    return epochs_run, int(last_improvement[epochs_run - 1]) + 1


# ------------------------------------------------------------------------------------------------ 4.4
def evaluate_sum_not_mean(model, dataset, loss_fn):
    loss, accuracy = ref4.evaluate(model, dataset, loss_fn)
    count = sum(int(tf.shape(x)[0]) for x, _ in dataset)
    return loss * count, accuracy


def evaluate_correct_count(model, dataset, loss_fn):
    loss, accuracy = ref4.evaluate(model, dataset, loss_fn)
    return loss, accuracy * sum(int(tf.shape(x)[0]) for x, _ in dataset)


def evaluate_with_fit(model, dataset, loss_fn):
    model.compile("sgd", loss_fn)
    model.fit(dataset, epochs=1, verbose=0)
    return ref4.evaluate(model, dataset, loss_fn)


def evaluate_with_metrics(model, dataset, loss_fn):
    """Correct: Keras metrics weighted by batch size, model called without a training argument."""
    loss, accuracy = keras.metrics.Mean(), keras.metrics.SparseCategoricalAccuracy()
    for x, y in dataset:
        outputs = model(x)
        loss.update_state(loss_fn(y, outputs), sample_weight=tf.shape(x)[0])
        accuracy.update_state(y, outputs)
    return loss.result(), accuracy.result()


def evaluate_with_keras(model, dataset, loss_fn):
    """Correct: let Keras do it (compiling does not change the weights)."""
    model.compile(loss=loss_fn, metrics=["sparse_categorical_accuracy"])
    return tuple(model.evaluate(dataset, verbose=0))


WRONG_ANSWERS = [
    ("ch04.adam_step", adam_without_bias_correction, "bias correction"),
    ("ch04.adam_step", rmsprop_called_adam, "that is RMSProp"),
    ("ch04.adam_step", adam_v_without_square, "squared"),
    ("ch04.adam_step", adam_ascent, "*up* the gradient"),
    ("ch04.adam_step", adam_eps_inside_sqrt, "eps goes outside the square root"),
    ("ch04.adam_step", adam_t_from_zero, "t counts from 1"),
    ("ch04.adam_step", adam_returns_corrected_means, "running means m and v themselves"),
    ("ch04.adam_step", adam_in_place, "changed its input"),
    ("ch04.adam_step", adam_memorised_defaults, "lr="),
    ("ch04.adam_step", adam_flattens, "expected (3, 4)"),
    ("ch04.warmup_linear", copied_cosine, "follows a cosine"),
    ("ch04.warmup_linear", linear_without_warmup, "already the peak"),
    ("ch04.warmup_linear", linear_over_total_steps, "start after the warm-up"),
    ("ch04.warmup_linear", linear_not_clamped, "stay at final_lr"),
    ("ch04.warmup_linear", warmup_reaches_peak_one_early, "the learning rate at step 0"),
    ("ch04.warmup_linear", linear_ignores_final_lr, "stay at final_lr"),
    ("ch04.warmup_linear", linear_memorised, "peak_lr="),
    ("ch04.warmup_linear", linear_as_array, "should be one number"),
    ("ch04.early_stopping_epoch", early_stop_one_late, "one epoch too many"),
    ("ch04.early_stopping_epoch", early_stop_zero_based, "0-based"),
    ("ch04.early_stopping_epoch", early_stop_best_is_last, "not the last one"),
    ("ch04.early_stopping_epoch", early_stop_ties_improve, "a tie counts as an improvement"),
    ("ch04.early_stopping_epoch", early_stop_global_best, "comes after the stop"),
    ("ch04.early_stopping_epoch", early_stop_best_plus_patience, "Keras's EarlyStopping gives"),
    ("ch04.early_stopping_epoch", early_stop_returns_loss, "whole number of epochs"),
    ("ch04.early_stopping_epoch", early_stop_consumes, "changed its input"),
    ("ch04.evaluate", evaluate_in_training_mode, "training=True"),
    ("ch04.evaluate", evaluate_mean_of_batch_means, "per-batch mean"),
    ("ch04.evaluate", evaluate_last_batch, "last batch"),
    ("ch04.evaluate", evaluate_sum_not_mean, "summed loss"),
    ("ch04.evaluate", evaluate_correct_count, "number of correct predictions"),
    ("ch04.evaluate", evaluate_with_fit, "changed the model's weights"),
    ("ch04.batchnorm_inference_mean", 0, "training* mode"),
    ("ch04.batchnorm_inference_mean", 0.0, "stored"),
    ("ch04.batchnorm_inference_mean", 2.5, "batch's standard deviation"),
    ("ch04.batchnorm_inference_mean", 1, "a standard deviation"),
    ("ch04.batchnorm_inference_mean", 4.0, "is not what the layer gives"),
    ("ch04.batchnorm_inference_mean", "5", "not as text"),
    ("ch04.batchnorm_inference_mean", True, "write a number"),
    ("ch04.batchnorm_inference_mean", float("nan"), "finite number"),
    ("ch04.batchnorm_inference_mean", [5, 5], "one number"),
    ("ch04.clipnorm_step", 1.0, "global_clipnorm"),
    ("ch04.clipnorm_step", 5.099, "ignores the clipping"),
    ("ch04.clipnorm_step", 5, "ignores the clipping"),
    ("ch04.clipnorm_step", 2, "norms do not add"),
    ("ch04.clipnorm_step", 0.2, "is not the step's norm"),
    ("ch04.clipnorm_step", {}, "should be numbers"),
    ("ch04.clipnorm_step", (x for x in [1.41]), "should be numbers"),
    ("ch04.clipnorm_step", lambda: 1.41, "should be numbers"),
]

CORRECT_ANSWERS = [
    ("ch04.adam_step", adam_keras_epsilon),
    ("ch04.adam_step", adam_with_tensors),
    ("ch04.warmup_linear", schedule_with_keras),
    ("ch04.warmup_linear", schedule_with_numpy),
    ("ch04.early_stopping_epoch", early_stop_counting_down),
    ("ch04.early_stopping_epoch", early_stop_vectorised),
    ("ch04.evaluate", evaluate_with_metrics),
    ("ch04.evaluate", evaluate_with_keras),
    ("ch04.batchnorm_inference_mean", 5),
    ("ch04.batchnorm_inference_mean", 4.9975),
    ("ch04.batchnorm_inference_mean", np.float32(5.0)),
    ("ch04.clipnorm_step", math.sqrt(2)),
    ("ch04.clipnorm_step", 1.414),
    ("ch04.clipnorm_step", np.array(1.41)),
]


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_tensorflow_adam_kernel_matches_keras():
    """The checker's oracle (TensorFlow's Adam kernel, which takes any state) is keras.optimizers.Adam."""
    from mio_utils.exercises.ch04 import _tf_adam

    rng = np.random.default_rng(0)
    w, m, v = rng.normal(size=4), np.zeros(4), np.zeros(4)
    variable = keras.Variable(w, dtype="float64")
    optimizer = keras.optimizers.Adam(learning_rate=0.01, epsilon=1e-3)
    for t in range(1, 4):
        g = rng.normal(size=4)
        optimizer.apply_gradients([(tf.constant(g), variable)])
        w, m, v = _tf_adam(w, g, m, v, t, 0.01, 0.9, 0.999, 1e-3, textbook=False)
        np.testing.assert_allclose(variable.numpy(), w, rtol=1e-5, atol=1e-7)  # Keras keeps lr in float32
