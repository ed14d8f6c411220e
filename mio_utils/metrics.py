"""Classification metrics written out in NumPy, so each formula can be read and checked.

Taught in chapter 05, which shows every function here equal to ``keras.metrics`` and
``sklearn.metrics`` on the chapter's data. Conventions:

- labels are class indices; binary tasks use 1 for the positive class;
- ``scores`` are predicted probabilities (or any score where larger means "more positive");
- a score is predicted positive when ``score >= threshold`` (scikit-learn's rule). Keras's
  ``Precision``, ``Recall``, ``BinaryAccuracy`` and ``F1Score`` use ``score > threshold``; the two agree
  unless a score equals the threshold exactly;
- a ratio with a zero denominator (precision with no positive predictions) is 0, as in scikit-learn's
  ``zero_division=0``.
"""
from __future__ import annotations

import numpy as np


# ----------------------------------------------------------------------------------- input checks
def _labels(y, what: str = "y_true") -> np.ndarray:
    y = np.asarray(y)
    if y.ndim == 2 and y.shape[1] == 1:
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"{what} must be class indices shaped (n,); got shape {y.shape}. "
                         "For one-hot labels use y.argmax(axis=1).")
    if y.size and (not np.all(np.isfinite(y.astype(np.float64))) or np.any(y != np.round(y)) or y.min() < 0):
        raise ValueError(f"{what} must hold non-negative integer class indices, not probabilities.")
    return y.astype(np.int64)


def _binary(y_true, y_pred) -> tuple[np.ndarray, np.ndarray]:
    y_true, y_pred = _labels(y_true), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length; got {len(y_true)} and {len(y_pred)}.")
    if y_true.max(initial=0) > 1 or y_pred.max(initial=0) > 1:
        raise ValueError("binary metrics take labels 0 and 1; for more classes use average='macro'.")
    return y_true, y_pred


def _scores(y_true, scores) -> tuple[np.ndarray, np.ndarray]:
    y_true = _labels(y_true)
    scores = np.asarray(scores, dtype=np.float64)
    if scores.ndim == 2 and scores.shape[1] == 1:
        scores = scores[:, 0]
    if scores.ndim != 1 or len(scores) != len(y_true):
        raise ValueError(f"scores must be one number per example, shaped ({len(y_true)},); got {scores.shape}. "
                         "For a softmax output pass the positive class's column.")
    if y_true.max(initial=0) > 1:
        raise ValueError("curves and AUC here are for binary labels 0 and 1.")
    if len(np.unique(y_true)) < 2:
        raise ValueError("y_true must contain both classes for a ROC or PR curve.")
    return y_true, scores


def _ratio(numerator, denominator):
    return np.divide(numerator, denominator, out=np.zeros_like(numerator, dtype=np.float64),
                     where=np.asarray(denominator) > 0)


# ------------------------------------------------------------------------------- counts and ratios
def confusion_matrix(y_true, y_pred, num_classes: int | None = None) -> np.ndarray:
    """Counts ``C[i, j]`` of examples whose true class is ``i`` and predicted class is ``j``.

    Rows are true classes, columns predicted classes (the layout of ``sklearn.metrics.confusion_matrix``
    and ``tf.math.confusion_matrix``). Both inputs are class indices, not probabilities.
    Taught in chapter 05.
    """
    y_true, y_pred = _labels(y_true), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape:
        raise ValueError(f"y_true and y_pred must have the same length; got {len(y_true)} and {len(y_pred)}.")
    if num_classes is None:
        num_classes = int(max(y_true.max(initial=-1), y_pred.max(initial=-1))) + 1
    if y_true.size and max(y_true.max(), y_pred.max()) >= num_classes:
        raise ValueError(f"a label is >= num_classes={num_classes}.")
    matrix = np.zeros((num_classes, num_classes), dtype=np.int64)
    np.add.at(matrix, (y_true, y_pred), 1)
    return matrix


def accuracy(y_true, y_pred) -> float:
    """The fraction of examples whose predicted class is the true class. Taught in chapter 05."""
    y_true, y_pred = _labels(y_true), _labels(y_pred, "y_pred")
    if y_true.shape != y_pred.shape or not y_true.size:
        raise ValueError(f"need two equally long, non-empty label arrays; got {y_true.shape} and {y_pred.shape}.")
    return float(np.mean(y_true == y_pred))


def precision_recall_f1(y_true, y_pred, average: str = "binary", num_classes: int | None = None):
    """Precision, recall and F1 from class indices.

    ``precision = TP / (TP + FP)``, ``recall = TP / (TP + FN)``, and F1 is their harmonic mean
    ``2 P R / (P + R)`` (of precision and recall, not of accuracy and recall). ``average="binary"``
    scores class 1; ``"macro"`` scores every class against the rest and averages the three numbers
    over classes with equal weight; ``None`` returns per-class arrays. Taught in chapter 05.
    """
    if average == "binary":
        y_true, y_pred = _binary(y_true, y_pred)
        matrix = confusion_matrix(y_true, y_pred, num_classes=2)
    elif average in ("macro", None):
        matrix = confusion_matrix(y_true, y_pred, num_classes)
    else:
        raise ValueError(f"average must be 'binary', 'macro' or None; got {average!r}.")
    tp = np.diag(matrix).astype(np.float64)
    precision = _ratio(tp, matrix.sum(axis=0))  # column sums: everything predicted as the class
    recall = _ratio(tp, matrix.sum(axis=1))  # row sums: everything that truly is the class
    f1 = _ratio(2 * precision * recall, precision + recall)
    if average == "binary":
        return float(precision[1]), float(recall[1]), float(f1[1])
    if average == "macro":
        return float(precision.mean()), float(recall.mean()), float(f1.mean())
    return precision, recall, f1


# ------------------------------------------------------------------------------ ranking: ROC and PR
def _ranked_counts(y_true, scores):
    """True and false positives when the threshold is lowered past each distinct score (high to low)."""
    y_true, scores = _scores(y_true, scores)
    order = np.argsort(-scores, kind="mergesort")
    y_sorted, s_sorted = y_true[order], scores[order]
    last_of_group = np.r_[np.flatnonzero(np.diff(s_sorted)), len(s_sorted) - 1]  # ties move together
    tps = np.cumsum(y_sorted)[last_of_group].astype(np.float64)
    fps = (last_of_group + 1) - tps
    return tps, fps, s_sorted[last_of_group]


def roc_curve(y_true, scores):
    """False-positive rate, true-positive rate and thresholds, one point per distinct score.

    Sorting the scores from high to low and lowering the threshold past each distinct score admits
    one more group of examples as positive; the first point is (0, 0) with threshold ``inf``. Same
    points as ``sklearn.metrics.roc_curve(..., drop_intermediate=False)``. Taught in chapter 05.
    """
    tps, fps, thresholds = _ranked_counts(y_true, scores)
    return np.r_[0.0, fps / fps[-1]], np.r_[0.0, tps / tps[-1]], np.r_[np.inf, thresholds]


def roc_auc(y_true, scores) -> float:
    """Area under the ROC curve by the trapezoidal rule: the probability that a random positive scores
    higher than a random negative (ties count one half). Taught in chapter 05."""
    fpr, tpr, _ = roc_curve(y_true, scores)
    return float(np.sum(np.diff(fpr) * (tpr[1:] + tpr[:-1]) / 2))


def precision_recall_curve(y_true, scores):
    """Precision, recall and thresholds, from the highest threshold down (one point per distinct score).

    Unlike scikit-learn, which lists points by increasing threshold and appends (recall 0,
    precision 1), this returns only the points the scores produce. Taught in chapter 05.
    """
    tps, fps, thresholds = _ranked_counts(y_true, scores)
    return tps / (tps + fps), tps / tps[-1], thresholds


def average_precision(y_true, scores) -> float:
    """Average precision: the sum over thresholds of precision times the gain in recall (a step-wise
    area under the PR curve, as ``sklearn.metrics.average_precision_score``). Taught in chapter 05."""
    precision, recall, _ = precision_recall_curve(y_true, scores)
    return float(np.sum(np.diff(np.r_[0.0, recall]) * precision))


# ------------------------------------------------------------------------------------ calibration
def _confidence_and_correct(y_true, probabilities):
    y_true = _labels(y_true)
    p = np.asarray(probabilities, dtype=np.float64)
    if p.ndim == 2 and p.shape[1] == 1:
        p = p[:, 0]
    if p.ndim == 1:  # binary: probability of class 1
        predicted = (p >= 0.5).astype(np.int64)
        confidence = np.where(predicted == 1, p, 1 - p)
    elif p.ndim == 2:
        predicted = p.argmax(axis=1)
        confidence = p.max(axis=1)
    else:
        raise ValueError(f"probabilities must be shaped (n,) for binary or (n, classes); got {p.shape}.")
    if len(p) != len(y_true):
        raise ValueError(f"{len(p)} probabilities for {len(y_true)} labels.")
    if np.any(p < 0) or np.any(p > 1):
        raise ValueError("probabilities must lie in [0, 1]; pass softmax/sigmoid outputs, not logits.")
    return confidence, (predicted == y_true).astype(np.float64)


def reliability_diagram(y_true, probabilities, n_bins: int = 10) -> dict:
    """The data of a reliability diagram: examples grouped by confidence into ``n_bins`` equal-width
    bins on [0, 1]; per bin the mean confidence, the accuracy and the count.

    Confidence is the probability of the predicted class (the largest softmax output, or
    ``max(p, 1 - p)`` for one sigmoid output). A calibrated model's accuracy equals its confidence
    in every bin. Empty bins have count 0 and ``nan`` confidence and accuracy. Taught in chapter 05.
    """
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1; got {n_bins}.")
    confidence, correct = _confidence_and_correct(y_true, probabilities)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # Bins are (lower, upper]; a confidence of exactly 0 goes into the first bin.
    index = np.clip(np.searchsorted(edges, confidence, side="left") - 1, 0, n_bins - 1)
    counts = np.bincount(index, minlength=n_bins)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_confidence = np.bincount(index, weights=confidence, minlength=n_bins) / counts
        bin_accuracy = np.bincount(index, weights=correct, minlength=n_bins) / counts
    return {"edges": edges, "confidence": mean_confidence, "accuracy": bin_accuracy, "count": counts}


def expected_calibration_error(y_true, probabilities, n_bins: int = 10) -> float:
    """ECE: the count-weighted mean over confidence bins of ``|accuracy - mean confidence|``.

    0 means perfectly calibrated (on these bins); an over-confident model has accuracy below its
    confidence. Taught in chapter 05.
    """
    bins = reliability_diagram(y_true, probabilities, n_bins)
    filled = bins["count"] > 0
    gaps = np.abs(bins["accuracy"][filled] - bins["confidence"][filled])
    return float(np.sum(bins["count"][filled] * gaps) / bins["count"].sum())


# ------------------------------------------------------------------------------ cost and threshold
def threshold_costs(y_true, scores, cost_fp: float, cost_fn: float):
    """Every useful threshold (each distinct score, plus ``inf`` = predict nothing positive) and the
    total cost ``cost_fp * FP + cost_fn * FN`` it gives. Taught in chapter 05."""
    if cost_fp < 0 or cost_fn < 0:
        raise ValueError(f"costs must be non-negative; got cost_fp={cost_fp}, cost_fn={cost_fn}.")
    y_true, scores = _scores(y_true, scores)
    fpr, tpr, thresholds = roc_curve(y_true, scores)
    positives, negatives = y_true.sum(), len(y_true) - y_true.sum()
    false_positives = fpr * negatives
    false_negatives = (1 - tpr) * positives
    return thresholds, cost_fp * false_positives + cost_fn * false_negatives


def choose_threshold(y_true, scores, cost_fp: float, cost_fn: float) -> tuple[float, float]:
    """The threshold with the lowest total cost on these examples, and that cost.

    Choose it on validation data and report the cost on test data: a threshold tuned on the test set
    makes the test cost optimistic. Ties go to the highest threshold. Taught in chapter 05.
    """
    thresholds, costs = threshold_costs(y_true, scores, cost_fp, cost_fn)
    best = int(np.argmin(costs))
    return float(thresholds[best]), float(costs[best])


def total_cost(y_true, scores, threshold: float, cost_fp: float, cost_fn: float) -> float:
    """``cost_fp * FP + cost_fn * FN`` when predicting positive for ``score >= threshold``.
    Taught in chapter 05."""
    y_true, scores = _scores(y_true, scores)
    predicted = scores >= threshold
    return float(cost_fp * np.sum(predicted & (y_true == 0)) + cost_fn * np.sum(~predicted & (y_true == 1)))
