"""Chapter 05: each checker rejects plausible wrong answers and accepts correct answers written differently."""
import numpy as np
import pytest

from mio_utils import metrics
from mio_utils.exercises import assert_accepts, assert_rejects
from solutions import ch05_evaluation as ref


# ---------------------------------------------------------------------------- 5.1 confusion matrix
def transposed_confusion(y_true, y_pred, num_classes):
    return ref.confusion_matrix(y_pred, y_true, num_classes)


def confusion_from_seen_classes(y_true, y_pred, num_classes):
    k = int(max(np.max(y_true), np.max(y_pred))) + 1
    return ref.confusion_matrix(y_true, y_pred, k)


def confusion_fancy_index_increment(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=int)
    matrix[np.asarray(y_true), np.asarray(y_pred)] += 1  # a repeated pair is counted once
    return matrix


def confusion_as_floats(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes))
    for t, p in zip(y_true, y_pred):
        matrix[t, p] += 1
    return matrix


def confusion_row_normalised(y_true, y_pred, num_classes):
    matrix = ref.confusion_matrix(y_true, y_pred, num_classes).astype(float)
    return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)


def confusion_memorised(y_true, y_pred, num_classes):
    return np.array([[2, 0, 1], [1, 2, 1], [0, 1, 2]])


def confusion_mutates(y_true, y_pred, num_classes):
    y_true.sort()
    return ref.confusion_matrix(y_true, y_pred, num_classes)


def confusion_crosstab(y_true, y_pred, num_classes):
    matrix = np.zeros((num_classes, num_classes), dtype=np.int32)
    for i in range(num_classes):
        for j in range(num_classes):
            matrix[i, j] = np.sum((np.asarray(y_true) == i) & (np.asarray(y_pred) == j))
    return matrix


def confusion_bincount(y_true, y_pred, num_classes):
    flat = np.asarray(y_true) * num_classes + np.asarray(y_pred)
    return np.bincount(flat, minlength=num_classes ** 2).reshape(num_classes, num_classes)


# ------------------------------------------------------------------------------------- 5.3 F-beta
def _counts(y_true, y_pred):
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    return (np.sum((y_pred == 1) & (y_true == 1)), np.sum((y_pred == 1) & (y_true == 0)),
            np.sum((y_pred == 0) & (y_true == 1)))


def fbeta_is_f1(y_true, y_pred, beta):
    """The F1 shown in the chapter, with beta ignored."""
    return ref.fbeta_score(y_true, y_pred, 1.0)


def fbeta_weight_beta_not_squared(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    p, r = (tp / (tp + fp), tp / (tp + fn)) if tp else (0.0, 0.0)
    return 0.0 if tp == 0 else (1 + beta) * p * r / (beta * p + r)


def fbeta_weights_precision(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    p, r = (tp / (tp + fp), tp / (tp + fn)) if tp else (0.0, 0.0)
    return 0.0 if tp == 0 else (1 + beta ** 2) * p * r / (p + beta ** 2 * r)


def fbeta_of_accuracy_and_recall(y_true, y_pred, beta):
    """'F1 is the harmonic mean of accuracy and recall', a formula found online, with beta."""
    tp, fp, fn = _counts(y_true, y_pred)
    accuracy = np.mean(np.asarray(y_true) == np.asarray(y_pred))
    recall = tp / (tp + fn) if tp + fn else 0.0
    return (1 + beta ** 2) * accuracy * recall / (beta ** 2 * accuracy + recall)


def fbeta_arithmetic_mean(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    p, r = (tp / (tp + fp), tp / (tp + fn)) if tp else (0.0, 0.0)
    return (p + beta ** 2 * r) / (1 + beta ** 2)


def fbeta_nan_without_positives(y_true, y_pred, beta):
    tp, fp, fn = _counts(y_true, y_pred)
    p, r = tp / (tp + fp), tp / (tp + fn)
    return (1 + beta ** 2) * p * r / (beta ** 2 * p + r)


def fbeta_of_class_zero(y_true, y_pred, beta):
    return ref.fbeta_score(1 - np.asarray(y_true, int), 1 - np.asarray(y_pred, int), beta)


def fbeta_lists_unconverted(y_true, y_pred, beta):
    tp = np.sum((y_pred == 1) & (y_true == 1))  # a list == 1 is False, not an elementwise comparison
    fp = np.sum((y_pred == 1) & (y_true == 0))
    fn = np.sum((y_pred == 0) & (y_true == 1))
    return 0.0 if tp == 0 else (1 + beta ** 2) * tp / ((1 + beta ** 2) * tp + beta ** 2 * fn + fp)


def fbeta_memorised(y_true, y_pred, beta):
    return 0.5  # right for the screening example with beta = 2, and only there


def fbeta_by_counts(y_true, y_pred, beta):
    t, p = np.asarray(y_true).astype(bool), np.asarray(y_pred).astype(bool)
    tp, fp, fn = np.count_nonzero(t & p), np.count_nonzero(~t & p), np.count_nonzero(t & ~p)
    b2 = beta * beta
    return (1 + b2) * tp / ((1 + b2) * tp + b2 * fn + fp) if tp else 0


def fbeta_weighted_harmonic_mean(y_true, y_pred, beta):
    """1 / F = (1 / (1 + b^2)) / P + (b^2 / (1 + b^2)) / R, the definition in the exercise text."""
    tp, fp, fn = _counts(y_true, y_pred)
    if tp == 0:
        return 0.0
    w = beta ** 2 / (1 + beta ** 2)
    return 1 / ((1 - w) / (tp / (tp + fp)) + w / (tp / (tp + fn)))


# ------------------------------------------------------------------------------------------ 5.3 AUC
def auc_reversed(y_true, scores):
    return 1 - ref.roc_auc(y_true, scores)


def auc_from_labels(y_true, scores):
    return ref.roc_auc(y_true, (np.asarray(scores) >= 0.5).astype(int))


def auc_ignoring_ties(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    return float(np.mean(scores[y_true == 1][:, None] > scores[y_true == 0][None, :]))


def auc_ties_count_one(y_true, scores):
    y_true, scores = np.asarray(y_true), np.asarray(scores)
    return float(np.mean(scores[y_true == 1][:, None] >= scores[y_true == 0][None, :]))


def auc_ranks_without_tie_averaging(y_true, scores):
    y_true = np.asarray(y_true, bool)
    ranks = np.empty(len(scores))
    ranks[np.argsort(scores, kind="stable")] = np.arange(1, len(scores) + 1)
    n_pos, n_neg = y_true.sum(), (~y_true).sum()
    return (ranks[y_true].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def auc_indexes_with_labels(y_true, scores):
    scores = np.asarray(scores)
    y_true = np.asarray(y_true)
    return float(np.mean(scores[y_true][:, None] > scores[~y_true][None, :]))  # only right for bools


def auc_mann_whitney(y_true, scores):
    from scipy.stats import rankdata

    y_true = np.asarray(y_true).astype(bool)
    ranks = rankdata(scores)  # ties get their average rank
    n_pos, n_neg = y_true.sum(), (~y_true).sum()
    return (ranks[y_true].sum() - n_pos * (n_pos + 1) / 2) / (n_pos * n_neg)


def auc_by_loops(y_true, scores):
    pairs = wins = 0.0
    for label_a, score_a in zip(y_true, scores):
        for label_b, score_b in zip(y_true, scores):
            if label_a and not label_b:
                pairs += 1
                wins += 1.0 if score_a > score_b else 0.5 if score_a == score_b else 0.0
    return wins / pairs


# ------------------------------------------------------------------------------------------ 5.4 ECE
def _confidence_and_correct(y_true, probabilities):
    probabilities = np.asarray(probabilities)
    return probabilities.max(1), (probabilities.argmax(1) == np.asarray(y_true)).astype(float)


def ece_unweighted(y_true, probabilities, n_bins=10):
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    edges = np.linspace(0, 1, n_bins + 1)
    gaps = [abs(correct[m].mean() - confidence[m].mean())
            for m in ((confidence > lo) & (confidence <= hi) for lo, hi in zip(edges[:-1], edges[1:])) if m.any()]
    return float(np.mean(gaps))


def ece_global(y_true, probabilities, n_bins=10):
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    return abs(correct.mean() - confidence.mean())


def ece_lower_closed_bins(y_true, probabilities, n_bins=10):
    """Bins [lo, hi), with the last one closed, as np.histogram does: an edge goes to the upper bin."""
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    index = np.minimum((confidence * n_bins).astype(int), n_bins - 1)
    return sum(np.sum(index == b) * abs(correct[index == b].mean() - confidence[index == b].mean())
               for b in range(n_bins) if np.any(index == b)) / len(confidence)


def ece_drops_confidence_one(y_true, probabilities, n_bins=10):
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence >= lo) & (confidence < hi)
        if inside.any():
            total += inside.sum() * abs(correct[inside].mean() - confidence[inside].mean())
    return total / len(confidence)


def ece_ignores_n_bins(y_true, probabilities, n_bins=10):
    return ref.expected_calibration_error(y_true, probabilities, 10)


def ece_nan_for_empty_bins(y_true, probabilities, n_bins=10):
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        total += inside.sum() * abs(correct[inside].mean() - confidence[inside].mean())
    return total / len(confidence)


def ece_true_class_confidence(y_true, probabilities, n_bins=10):
    probabilities = np.asarray(probabilities)
    true_class = probabilities[np.arange(len(y_true)), y_true]
    fake = np.column_stack([true_class, 1 - true_class])
    return ref.expected_calibration_error(np.zeros(len(y_true), int), fake, n_bins)


def ece_digitize(y_true, probabilities, n_bins=10):
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    index = np.digitize(confidence, np.linspace(0, 1, n_bins + 1)[1:-1], right=True)
    counts = np.bincount(index, minlength=n_bins)
    gap = np.abs(np.bincount(index, correct - confidence, minlength=n_bins))  # |sum(correct - conf)| per bin
    return float(gap.sum() / len(confidence)) if counts.sum() else 0.0


def ece_ceil_loop(y_true, probabilities, n_bins=10):
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    index = np.ceil(confidence * n_bins).astype(int) - 1
    total = 0.0
    for b in set(index.tolist()):
        members = index == b
        total += abs(correct[members].sum() - confidence[members].sum())
    return total / len(confidence)


# ------------------------------------------------------------------------------------ 5.5 threshold
def threshold_costs_swapped(y_true, scores, cost_fp, cost_fn):
    return ref.best_threshold(y_true, scores, cost_fn, cost_fp)


def threshold_for_accuracy(y_true, scores, cost_fp, cost_fn):
    candidates = np.unique(scores)
    return float(candidates[np.argmax([np.mean((scores >= t) == y_true) for t in candidates])])


def threshold_always_half(y_true, scores, cost_fp, cost_fn):
    return 0.5


def threshold_strictly_greater(y_true, scores, cost_fp, cost_fn):
    candidates = np.unique(scores)
    costs = [cost_fp * np.sum((scores > t) & (y_true == 0)) + cost_fn * np.sum((scores <= t) & (y_true == 1))
             for t in candidates]
    return float(candidates[np.argmin(costs)])


def threshold_from_rates(y_true, scores, cost_fp, cost_fn):
    candidates = np.unique(scores)
    costs = [cost_fp * np.mean(scores[y_true == 0] >= t) + cost_fn * np.mean(scores[y_true == 1] < t)
             for t in candidates]
    return float(candidates[np.argmin(costs)])


def threshold_returns_cost(y_true, scores, cost_fp, cost_fn):
    return min(cost_fp * np.sum((scores >= t) & (y_true == 0)) + cost_fn * np.sum((scores < t) & (y_true == 1))
               for t in np.unique(scores))


def threshold_returns_index(y_true, scores, cost_fp, cost_fn):
    candidates = np.unique(scores)
    costs = [cost_fp * np.sum((scores >= t) & (y_true == 0)) + cost_fn * np.sum((scores < t) & (y_true == 1))
             for t in candidates]
    return int(np.argmin(costs))


def threshold_on_a_grid(y_true, scores, cost_fp, cost_fn):
    grid = np.linspace(0, 1, 21)
    costs = [cost_fp * np.sum((scores >= t) & (y_true == 0)) + cost_fn * np.sum((scores < t) & (y_true == 1))
             for t in grid]
    return float(grid[np.argmin(costs)])


def threshold_sorts_in_place(y_true, scores, cost_fp, cost_fn):
    order = np.argsort(scores)
    scores.sort()
    return ref.best_threshold(np.asarray(y_true)[order], scores, cost_fp, cost_fn)


def threshold_by_sorting(y_true, scores, cost_fp, cost_fn):
    """One pass over the sorted scores: lowering the threshold past a group of equal scores turns its
    negatives into false positives and its positives into true positives."""
    order = np.argsort(-scores, kind="stable")
    s, y = scores[order], np.asarray(y_true)[order]
    fp = np.cumsum(y == 0)
    fn = np.sum(y == 1) - np.cumsum(y == 1)
    last_of_group = np.r_[s[1:] != s[:-1], True]
    costs = (cost_fp * fp + cost_fn * fn)[last_of_group]
    return s[last_of_group][np.argmin(costs)]


WRONG_ANSWERS = [
    ("ch05.majority_baseline", (0.1, 0.0), "share of positives"),
    ("ch05.majority_baseline", (0.9, 0.9), "recall counts only the positive"),
    ("ch05.majority_baseline", (0.9, 1.0), "never answers 'positive'"),
    ("ch05.majority_baseline", (0.5, 0.5), "coin flip"),
    ("ch05.majority_baseline", (90, 0), "not percentages"),
    ("ch05.majority_baseline", 0.9, "write two numbers"),
    ("ch05.majority_baseline", (0.9, ...), "replace it with a number"),
    ("ch05.majority_baseline", ("0.9", "0"), "should be a number"),
    ("ch05.majority_baseline", (0.9, 0.0, 0.0), "exactly two numbers"),
    ("ch05.confusion_matrix", transposed_confusion, "transposed"),
    ("ch05.confusion_matrix", confusion_from_seen_classes, "keep the unused classes"),
    ("ch05.confusion_matrix", confusion_fancy_index_increment, "counts a repeated pair only once"),
    ("ch05.confusion_matrix", confusion_as_floats, "integer array"),
    ("ch05.confusion_matrix", confusion_row_normalised, "add up to"),
    ("ch05.confusion_matrix", confusion_memorised, "expected"),
    ("ch05.confusion_matrix", confusion_mutates, "changed its input"),
    ("ch05.fbeta_score", fbeta_is_f1, "ignores beta"),
    ("ch05.fbeta_score", fbeta_weight_beta_not_squared, "the weight is beta^2"),
    ("ch05.fbeta_score", fbeta_weights_precision, "instead of recall"),
    ("ch05.fbeta_score", fbeta_of_accuracy_and_recall, "accuracy and recall"),
    ("ch05.fbeta_score", fbeta_arithmetic_mean, "arithmetic mean"),
    ("ch05.fbeta_score", fbeta_nan_without_positives, "return 0 when TP is 0"),
    ("ch05.fbeta_score", fbeta_of_class_zero, "class 0"),
    ("ch05.fbeta_score", fbeta_lists_unconverted, "np.asarray"),
    ("ch05.fbeta_score", fbeta_memorised, "expected"),
    ("ch05.roc_auc", auc_reversed, "1 - AUC"),
    ("ch05.roc_auc", auc_from_labels, "thresholded"),
    ("ch05.roc_auc", auc_ignoring_ties, "one half"),
    ("ch05.roc_auc", auc_ties_count_one, "not one"),
    ("ch05.roc_auc", auc_ranks_without_tie_averaging, "expected"),
    ("ch05.roc_auc", auc_indexes_with_labels, "Not yet"),
    ("ch05.expected_calibration_error", ece_unweighted, "weight each bin"),
    ("ch05.expected_calibration_error", ece_global, "bin by bin"),
    ("ch05.expected_calibration_error", ece_lower_closed_bins, "(lo, hi]"),
    ("ch05.expected_calibration_error", ece_drops_confidence_one, "exactly 1.0"),
    ("ch05.expected_calibration_error", ece_ignores_n_bins, "use the n_bins"),
    ("ch05.expected_calibration_error", ece_nan_for_empty_bins, "skip the empty bins"),
    ("ch05.expected_calibration_error", ece_true_class_confidence, "expected"),
    ("ch05.best_threshold", threshold_costs_swapped, "swapped"),
    ("ch05.best_threshold", threshold_for_accuracy, "best accuracy"),
    ("ch05.best_threshold", threshold_always_half, "the cheapest threshold"),
    ("ch05.best_threshold", threshold_strictly_greater, "score >= threshold"),
    ("ch05.best_threshold", threshold_from_rates, "not error rates"),
    ("ch05.best_threshold", threshold_returns_cost, "the lowest cost itself"),
    ("ch05.best_threshold", threshold_returns_index, "position"),
    ("ch05.best_threshold", threshold_on_a_grid, "the cheapest threshold"),
    ("ch05.best_threshold", threshold_sorts_in_place, "changed its input"),
]

CORRECT_ANSWERS = [
    ("ch05.majority_baseline", [0.90, 0]),
    ("ch05.majority_baseline", np.array([9 / 10, 0.0])),
    ("ch05.majority_baseline", (np.float32(0.9), np.int64(0))),
    ("ch05.confusion_matrix", confusion_crosstab),
    ("ch05.confusion_matrix", confusion_bincount),
    ("ch05.fbeta_score", fbeta_by_counts),
    ("ch05.fbeta_score", fbeta_weighted_harmonic_mean),
    ("ch05.roc_auc", auc_mann_whitney),
    ("ch05.roc_auc", auc_by_loops),
    ("ch05.expected_calibration_error", ece_digitize),
    ("ch05.expected_calibration_error", ece_ceil_loop),
    ("ch05.best_threshold", threshold_by_sorting),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_ece_oracle_puts_edge_confidences_in_the_lower_bin():
    """The checker's reference, the package's ECE, by hand on (lo, hi] bins: 0.5 in (0.25, 0.5], 1.0 last."""
    probabilities = np.array([[0.5, 0.5 - 1e-9, 1e-9], [0.625, 0.25, 0.125], [1.0, 0.0, 0.0], [0.0, 1.0, 0.0]])
    y = np.array([0, 1, 0, 0])  # right, wrong, right, wrong
    by_hand = (abs(1 - 0.5) + abs(0 - 0.625) + 2 * abs(0.5 - 1.0)) / 4
    assert metrics.expected_calibration_error(y, probabilities, 4) == pytest.approx(by_hand)


def test_reference_answers_agree_with_the_course_library():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 80)
    scores = rng.random(80).round(2)
    assert ref.roc_auc(y, scores) == pytest.approx(metrics.roc_auc(y, scores))
    assert ref.best_threshold(y, scores, 1, 4) == pytest.approx(metrics.choose_threshold(y, scores, 1, 4)[0])
