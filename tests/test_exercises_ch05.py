"""Chapters 04 and 05: each checker rejects plausible wrong answers (several are the seed articles' mistakes)."""
import math

import numpy as np
import pytest
import tensorflow as tf

from mio_utils.exercises import assert_rejects
from solutions import ch04_training as ref4
from solutions import ch05_evaluation as ref5


# ------------------------------------------------------------------------------------------ chapter 04
def adam_without_bias_correction(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    m = beta1 * m + (1 - beta1) * g
    v = beta2 * v + (1 - beta2) * g ** 2
    return w - lr * m / (np.sqrt(v) + eps), m, v


def rmsprop_called_adam(w, g, m, v, t, lr=1e-3, beta1=0.9, beta2=0.999, eps=1e-7):
    """Seed 003's confusion: scaling by the squared-gradient average, but no momentum."""
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


def cosine_without_warmup(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    progress = min(step, total_steps) / total_steps
    return final_lr + (peak_lr - final_lr) * 0.5 * (1 + math.cos(math.pi * progress))


def cosine_over_total_steps(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    progress = min(step, total_steps) / total_steps
    return final_lr + (peak_lr - final_lr) * 0.5 * (1 + math.cos(math.pi * progress))


def cosine_not_clamped(step, peak_lr, warmup_steps, total_steps, final_lr=0.0):
    if step < warmup_steps:
        return peak_lr * step / warmup_steps
    progress = (step - warmup_steps) / (total_steps - warmup_steps)
    return final_lr + (peak_lr - final_lr) * 0.5 * (1 + math.cos(math.pi * progress))


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
    for x, y in dataset:
        p = model(x, training=False)
    return float(loss_fn(y, p)), float(np.mean(np.argmax(p, -1) == y.numpy()))


# ------------------------------------------------------------------------------------------ chapter 05
def transposed_confusion(y_true, y_pred, num_classes):
    return ref5.confusion_matrix(y_pred, y_true, num_classes)


def confusion_from_seen_classes(y_true, y_pred, num_classes):
    k = int(max(np.max(y_true), np.max(y_pred))) + 1
    return ref5.confusion_matrix(y_true, y_pred, k)


def seed_f1_accuracy_and_recall(y_true, y_pred):
    """Seed 003 §3.3: 'F1 is the harmonic mean of accuracy and recall'."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    accuracy = np.mean(y_true == y_pred)
    recall = np.sum((y_pred == 1) & (y_true == 1)) / np.sum(y_true == 1)
    return 2 * accuracy * recall / (accuracy + recall)


def f1_arithmetic_mean(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum((y_pred == 1) & (y_true == 1))
    return (tp / np.sum(y_pred == 1) + tp / np.sum(y_true == 1)) / 2


def f1_nan_without_positives(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum((y_pred == 1) & (y_true == 1))
    with np.errstate(invalid="ignore", divide="ignore"):
        p, r = tp / np.sum(y_pred == 1), tp / np.sum(y_true == 1)
        return 2 * p * r / (p + r)


def auc_reversed(y_true, scores):
    return 1 - ref5.roc_auc(y_true, scores)


def auc_from_labels(y_true, scores):
    return ref5.roc_auc(y_true, (np.asarray(scores) >= 0.5).astype(int))


def auc_ignoring_ties(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    return float(np.mean(scores[y_true == 1][:, None] > scores[y_true == 0][None, :]))


def ece_unweighted(y_true, probabilities, n_bins=10):
    probabilities = np.asarray(probabilities)
    confidence, correct = probabilities.max(1), (probabilities.argmax(1) == y_true).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    gaps = [abs(correct[m].mean() - confidence[m].mean())
            for m in ((confidence > lo) & (confidence <= hi) for lo, hi in zip(edges[:-1], edges[1:])) if m.any()]
    return float(np.mean(gaps))


def ece_global(y_true, probabilities, n_bins=10):
    probabilities = np.asarray(probabilities)
    return abs(np.mean(probabilities.argmax(1) == y_true) - probabilities.max(1).mean())


def threshold_costs_swapped(y_true, scores, cost_fp, cost_fn):
    return ref5.best_threshold(y_true, scores, cost_fn, cost_fp)


def threshold_for_accuracy(y_true, scores, cost_fp, cost_fn):
    candidates = np.unique(scores)
    return float(candidates[np.argmax([np.mean((scores >= t) == y_true) for t in candidates])])


def threshold_always_half(y_true, scores, cost_fp, cost_fn):
    return 0.5


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch04.adam_step", adam_without_bias_correction, "bias correction"),
    ("ch04.adam_step", rmsprop_called_adam, "that is RMSProp"),
    ("ch04.adam_step", adam_v_without_square, "squared"),
    ("ch04.adam_step", adam_ascent, "*up* the gradient"),
    ("ch04.warmup_cosine", cosine_without_warmup, "already the peak"),
    ("ch04.warmup_cosine", cosine_over_total_steps, "start after the warm-up"),
    ("ch04.warmup_cosine", cosine_not_clamped, "stay at final_lr"),
    ("ch04.early_stopping_epoch", early_stop_one_late, "one epoch too many"),
    ("ch04.early_stopping_epoch", early_stop_zero_based, "0-based"),
    ("ch04.early_stopping_epoch", early_stop_best_is_last, "not the last one"),
    ("ch04.early_stopping_epoch", early_stop_ties_improve, "a tie counts as an improvement"),
    ("ch04.evaluate", evaluate_in_training_mode, "training=True"),
    ("ch04.evaluate", evaluate_mean_of_batch_means, "per-batch mean"),
    ("ch04.evaluate", evaluate_last_batch, "last batch"),
    ("ch05.confusion_matrix", transposed_confusion, "transposed"),
    ("ch05.confusion_matrix", confusion_from_seen_classes, "keep the unused classes"),
    ("ch05.f1_score", seed_f1_accuracy_and_recall, "accuracy and recall"),
    ("ch05.f1_score", f1_arithmetic_mean, "arithmetic mean"),
    ("ch05.f1_score", f1_nan_without_positives, "nan or inf"),
    ("ch05.roc_auc", auc_reversed, "1 - AUC"),
    ("ch05.roc_auc", auc_from_labels, "thresholded"),
    ("ch05.roc_auc", auc_ignoring_ties, "one half"),
    ("ch05.expected_calibration_error", ece_unweighted, "weight each bin"),
    ("ch05.expected_calibration_error", ece_global, "bin by bin"),
    ("ch05.best_threshold", threshold_costs_swapped, "swapped"),
    ("ch05.best_threshold", threshold_for_accuracy, "maximises accuracy"),
    ("ch05.best_threshold", threshold_always_half, "the cheapest threshold"),
])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


def test_reference_answers_agree_with_the_course_library():
    from mio_utils import metrics

    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    scores = rng.random(80).round(2)
    assert ref5.roc_auc(y, scores) == pytest.approx(metrics.roc_auc(y, scores))
    assert ref5.best_threshold(y, scores, 1, 4) == pytest.approx(metrics.choose_threshold(y, scores, 1, 4)[0])
    probs = rng.dirichlet(np.ones(3), 80)
    labels = rng.integers(0, 3, 80)
    assert ref5.expected_calibration_error(labels, probs) == pytest.approx(
        metrics.expected_calibration_error(labels, probs))
