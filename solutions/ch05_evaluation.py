"""Reference answers for chapter 05 · Evaluation."""
import numpy as np

# The course library's versions are the reference answers here; read them in mio_utils/metrics.py, where
# chapter 05 takes each formula apart: the confusion matrix counts (true, predicted) pairs with np.add.at,
# and the ECE bins confidences into (lo, hi] intervals (a confidence of 1.0 falls in the last bin).
from mio_utils.metrics import confusion_matrix, expected_calibration_error  # noqa: F401

# 5.1, predict then run: a classifier that always answers "negative" on data with 90% negatives is right on
# every negative (accuracy 0.9) and finds no positive (recall 0).
majority_baseline = (0.9, 0.0)


def fbeta_score(y_true, y_pred, beta):
    """F_beta of the positive class 1: the harmonic mean of precision and recall that weighs recall beta^2 times
    as much as precision; 0 without true positives."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum((y_pred == 1) & (y_true == 1))
    fp = np.sum((y_pred == 1) & (y_true == 0))
    fn = np.sum((y_pred == 0) & (y_true == 1))
    if tp == 0:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return (1 + beta ** 2) * precision * recall / (beta ** 2 * precision + recall)


def roc_auc(y_true, scores):
    """P(score of a random positive > score of a random negative), ties counting one half."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    positives, negatives = scores[y_true == 1][:, None], scores[y_true == 0][None, :]
    return float(np.mean((positives > negatives) + 0.5 * (positives == negatives)))


def best_threshold(y_true, scores, cost_fp, cost_fn):
    """The distinct score that, used as threshold (positive if score >= t), costs least."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    best, best_cost = None, np.inf
    for threshold in np.unique(scores):
        predicted = scores >= threshold
        cost = cost_fp * np.sum(predicted & (y_true == 0)) + cost_fn * np.sum(~predicted & (y_true == 1))
        if cost < best_cost:
            best, best_cost = threshold, cost
    return float(best)
