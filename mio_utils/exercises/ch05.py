"""Checkers for chapter 05 · Evaluation. Expected answers come from scikit-learn where it has one."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch05_evaluation.py"


def _cases():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 2, 60)
    scores = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).round(2)  # rounding makes ties
    return y, scores


# ------------------------------------------------------------------------------ 5.1 confusion matrix
@exercise("ch05.confusion_matrix", SOLUTION,
          hint="start from np.zeros((num_classes, num_classes), int) and add 1 at [true, predicted] "
               "for every example (np.add.at does it in one call).")
def check_confusion_matrix(confusion_matrix):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    y_true = np.array([0, 1, 2, 2, 1, 0, 2, 1, 1, 0])
    y_pred = np.array([0, 2, 2, 1, 1, 0, 2, 0, 1, 2])
    expected = sk_confusion_matrix(y_true, y_pred, labels=[0, 1, 2])
    got = as_array(call(confusion_matrix, y_true, y_pred, 3), "the confusion matrix")
    if got.shape != (3, 3):
        raise Mismatch(f"the matrix for 3 classes has shape {got.shape}; expected (3, 3).")
    if np.array_equal(got, expected.T) and not np.array_equal(expected, expected.T):
        raise Mismatch("your matrix is transposed: rows are the true classes, columns the predicted ones.")
    if got.sum() != len(y_true):
        raise Mismatch(f"your counts add up to {got.sum():g}, not to the {len(y_true)} examples.")
    expect_close(got, expected, "the confusion matrix")
    sparse = as_array(call(confusion_matrix, np.array([0, 0]), np.array([0, 0]), 4), "a 4-class matrix")
    expect_close(sparse, np.diag([2, 0, 0, 0]),
                 "the matrix for labels [0, 0], predictions [0, 0] and num_classes=4 (keep the unused classes)")


# ------------------------------------------------------------------------------------------ 5.2 F1
@exercise("ch05.f1_score", SOLUTION,
          hint="precision = TP / (TP + FP), recall = TP / (TP + FN), F1 = 2PR / (P + R); "
               "return 0 when TP = 0.")
def check_f1_score(f1_score):
    from sklearn.metrics import accuracy_score, f1_score as sk_f1, precision_score, recall_score

    y_true = np.r_[np.ones(20), np.zeros(980)].astype(int)  # a rare positive class
    y_pred = np.r_[np.ones(18), np.zeros(2), np.ones(82), np.zeros(898)].astype(int)
    got = float(as_array(call(f1_score, y_true, y_pred), "F1"))
    accuracy, recall = accuracy_score(y_true, y_pred), recall_score(y_true, y_pred)
    precision = precision_score(y_true, y_pred)
    if np.isclose(got, 2 * accuracy * recall / (accuracy + recall)):
        raise Mismatch(f"you return {got:.3f}, the harmonic mean of accuracy and recall (a seed article's "
                       "mistake). F1 is the harmonic mean of precision and recall.")
    if np.isclose(got, (precision + recall) / 2):
        raise Mismatch(f"you return {got:.3f}, the arithmetic mean of precision and recall; F1 is their "
                       "harmonic mean, 2PR / (P + R), which stays low when either is low.")
    expect_close(got, sk_f1(y_true, y_pred), "F1 for the screening example")
    y_small, p_small = np.array([1, 0, 1, 1, 0]), np.array([1, 1, 0, 1, 0])
    expect_close(call(f1_score, y_small, p_small), sk_f1(y_small, p_small), "F1 for a small example")
    none_found = call(f1_score, np.array([1, 1, 0]), np.array([0, 0, 0]))
    if not np.isfinite(float(as_array(none_found, "F1"))):
        raise Mismatch("with no positive predictions your F1 is nan or inf: return 0 when TP is 0.")
    expect_close(none_found, 0.0, "F1 when nothing is predicted positive")


# ------------------------------------------------------------------------------------------ 5.3 AUC
@exercise("ch05.roc_auc", SOLUTION,
          hint="compare every positive's score with every negative's: count 1 for higher, 0.5 for equal, "
               "then divide by (number of positives) * (number of negatives).")
def check_roc_auc(roc_auc):
    from sklearn.metrics import roc_auc_score

    y, scores = _cases()
    got = float(as_array(call(roc_auc, y, scores), "the AUC"))
    expected = roc_auc_score(y, scores)
    if np.isclose(got, 1 - expected):
        raise Mismatch(f"you return {got:.4f} = 1 - AUC: count pairs where the *positive* scores higher.")
    if np.isclose(got, roc_auc_score(y, (scores >= 0.5).astype(int))):
        raise Mismatch("you thresholded the scores at 0.5 first; AUC uses the scores themselves (it is about "
                       "ranking at every threshold).")
    pos, neg = scores[y == 1][:, None], scores[y == 0][None, :]
    if np.isclose(got, np.mean(pos > neg)) and not np.isclose(got, expected):
        raise Mismatch("ties must count one half: these scores are rounded to 2 decimals, so some positive and "
                       "negative scores are equal.")
    expect_close(got, expected, "the AUC (compared with sklearn.metrics.roc_auc_score)", atol=1e-9)
    expect_close(call(roc_auc, np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8])), 0.75,
                 "the AUC of scores [0.1, 0.4, 0.35, 0.8] for labels [0, 0, 1, 1]")


# ------------------------------------------------------------------------------------------ 5.4 ECE
def _ece(y, probabilities, n_bins):
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == y).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.sum() * abs(correct[inside].mean() - confidence[inside].mean())
    return total / len(y)


@exercise("ch05.expected_calibration_error", SOLUTION,
          hint="confidence = p.max(1), correct = p.argmax(1) == y; for each bin (lo, hi] with examples, add "
               "count * |mean(correct) - mean(confidence)|; divide by n at the end.")
def check_expected_calibration_error(ece):
    rng = np.random.default_rng(6)
    logits = rng.normal(size=(200, 4)) * 2.5
    probabilities = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    y = np.where(rng.random(200) < 0.6, probabilities.argmax(axis=1), rng.integers(0, 4, 200))
    got = float(as_array(call(ece, y, probabilities, n_bins=10), "the ECE"))
    expected = _ece(y, probabilities, 10)
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == y).astype(float)
    index = np.clip(np.ceil(confidence * 10).astype(int) - 1, 0, 9)
    gaps = [abs(correct[index == b].mean() - confidence[index == b].mean()) for b in range(10) if (index == b).any()]
    if np.isclose(got, np.mean(gaps)) and not np.isclose(got, expected):
        raise Mismatch("you averaged the bins' gaps equally; weight each bin by its number of examples "
                       "(n_b / n), so a bin with 3 examples counts less than one with 50.")
    if np.isclose(got, abs(np.mean(correct) - np.mean(confidence))) and not np.isclose(got, expected):
        raise Mismatch("you compared overall accuracy with overall confidence; ECE compares them bin by bin, so "
                       "over- and under-confidence in different bins cannot cancel.")
    expect_close(got, expected, "the ECE with 10 bins", atol=1e-9)
    perfect = np.tile([[0.75, 0.25]], (8, 1))
    expect_close(call(ece, np.array([0] * 6 + [1] * 2), perfect, n_bins=10), 0.0,
                 "the ECE of 8 predictions at 75% confidence of which 6 are right")
    expect_close(call(ece, y, probabilities, n_bins=5), _ece(y, probabilities, 5), "the ECE with n_bins=5",
                 atol=1e-9)


# ------------------------------------------------------------------------------------ 5.5 threshold
def _cost(y, scores, threshold, cost_fp, cost_fn):
    predicted = scores >= threshold
    return cost_fp * np.sum(predicted & (y == 0)) + cost_fn * np.sum(~predicted & (y == 1))


@exercise("ch05.best_threshold", SOLUTION,
          hint="for t in np.unique(scores): cost = cost_fp * FP + cost_fn * FN with positives = scores >= t; "
               "keep the t with the smallest cost.")
def check_best_threshold(best_threshold):
    y, scores = _cases()
    for cost_fp, cost_fn in ((1.0, 10.0), (5.0, 1.0)):
        got = float(as_array(call(best_threshold, y, scores, cost_fp, cost_fn), "the threshold"))
        candidates = np.unique(scores)
        costs = np.array([_cost(y, scores, t, cost_fp, cost_fn) for t in candidates])
        best_cost = costs.min()
        swapped = candidates[np.argmin([_cost(y, scores, t, cost_fn, cost_fp) for t in candidates])]
        got_cost = _cost(y, scores, got, cost_fp, cost_fn)
        accuracy_best = candidates[np.argmax([np.mean((scores >= t) == y) for t in candidates])]
        if got_cost > best_cost and np.isclose(got, accuracy_best):
            raise Mismatch("your threshold maximises accuracy; the task is the lowest *cost*, which weighs the two "
                           "kinds of error differently.")
        if got_cost > best_cost and np.isclose(got, swapped):
            raise Mismatch(f"with cost_fp={cost_fp:g}, cost_fn={cost_fn:g} your threshold minimises the cost with the "
                           "two costs swapped: a false positive is a negative predicted positive.")
        if got_cost > best_cost:
            raise Mismatch(f"with cost_fp={cost_fp:g}, cost_fn={cost_fn:g} your threshold {got:g} costs {got_cost:g}; "
                           f"the cheapest threshold costs {best_cost:g}.")
