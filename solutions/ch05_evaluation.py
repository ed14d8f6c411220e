"""Reference answers for chapter 05 · Evaluation."""
import numpy as np


def confusion_matrix(y_true, y_pred, num_classes):
    """C[i, j] = number of examples of true class i predicted as class j."""
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (np.asarray(y_true), np.asarray(y_pred)), 1)
    return matrix


def f1_score(y_true, y_pred):
    """Harmonic mean of precision and recall for the positive class 1; 0 without true positives."""
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    tp = np.sum((y_pred == 1) & (y_true == 1))
    fp = np.sum((y_pred == 1) & (y_true == 0))
    fn = np.sum((y_pred == 0) & (y_true == 1))
    if tp == 0:
        return 0.0
    precision, recall = tp / (tp + fp), tp / (tp + fn)
    return 2 * precision * recall / (precision + recall)


def roc_auc(y_true, scores):
    """P(score of a random positive > score of a random negative), ties counting one half."""
    y_true, scores = np.asarray(y_true), np.asarray(scores, dtype=np.float64)
    positives, negatives = scores[y_true == 1][:, None], scores[y_true == 0][None, :]
    return float(np.mean((positives > negatives) + 0.5 * (positives == negatives)))


def expected_calibration_error(y_true, probabilities, n_bins=10):
    """Count-weighted mean over equal-width confidence bins (lo, hi] of |accuracy - mean confidence|."""
    probabilities = np.asarray(probabilities, dtype=np.float64)
    confidence = probabilities.max(axis=1)
    correct = (probabilities.argmax(axis=1) == np.asarray(y_true)).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    total = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        inside = (confidence > lo) & (confidence <= hi)
        if inside.any():
            total += inside.sum() * abs(correct[inside].mean() - confidence[inside].mean())
    return total / len(confidence)


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
