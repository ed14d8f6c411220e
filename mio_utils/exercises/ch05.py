"""Checkers for chapter 05 · Evaluation.

Expected values come from scikit-learn, or from ``mio_utils.metrics`` where scikit-learn has no such
function (calibration error, threshold costs; tests/test_metrics.py checks those by hand).
"""
import numpy as np

from .. import metrics
from . import Mismatch, as_array, as_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch05_evaluation.py"


def _binary_labels(rng, n, positive_rate):
    """0/1 labels with both classes present."""
    y = (rng.random(n) < positive_rate).astype(np.int64)
    y[:2] = [1, 0]
    return rng.permutation(y)


def _scores(rng, y, decimals=None):
    """Scores that rank positives higher on average; rounding makes ties."""
    scores = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0.0, 1.0)
    return scores if decimals is None else scores.round(decimals)


# --------------------------------------------------------------- 5.1 predict: the majority-class baseline
MAJORITY_SHARE = 0.9  # 90% negatives, 10% positives; the classifier always answers "negative"


def _two_fractions(prediction):
    """The learner's (accuracy, recall) as two floats, or a plain-words Mismatch."""
    if isinstance(prediction, (str, bytes, dict, set)) or not isinstance(prediction, (tuple, list, np.ndarray)):
        raise Mismatch("write two numbers, accuracy first: my_prediction = (accuracy, recall), each a "
                       f"fraction between 0 and 1; got {type(prediction).__name__}.")
    values = list(np.asarray(prediction, dtype=object).ravel()) if isinstance(prediction, np.ndarray) \
        else list(prediction)
    if len(values) != 2:
        raise Mismatch(f"write exactly two numbers, (accuracy, recall); got {len(values)}.")
    numbers = []
    for name, value in zip(("accuracy", "recall"), values):
        if value is Ellipsis or value is None:
            raise Mismatch(f"your {name} is still `{value!r}`: replace it with a number.")
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, float, np.integer, np.floating)):
            raise Mismatch(f"your {name} should be a number, got {type(value).__name__}.")
        number = float(value)
        if not np.isfinite(number):
            raise Mismatch(f"your {name} is {number}; it is a fraction between 0 and 1.")
        numbers.append(number)
    return numbers


@exercise("ch05.majority_baseline", SOLUTION, kind="prediction",
          hints=("the classifier answers 'negative' for every example: which examples does it get right, and "
                 "how many of the positives does it find?",
                 "accuracy = (TP + TN) / n, here with TP = 0 and TN = the number of negatives; "
                 "recall = TP / (TP + FN), the share of the positives that are found."))
def check_majority_baseline(prediction):
    accuracy, recall = _two_fractions(prediction)
    if accuracy > 1 or recall > 1:
        raise Mismatch(f"({accuracy:g}, {recall:g}): write fractions between 0 and 1, not percentages "
                       "(90% is 0.9).")
    if accuracy < 0 or recall < 0:
        raise Mismatch(f"({accuracy:g}, {recall:g}): accuracy and recall are shares of examples, never negative.")
    problems = []
    if not np.isclose(accuracy, MAJORITY_SHARE, rtol=0, atol=1e-6):
        if np.isclose(accuracy, 1 - MAJORITY_SHARE, rtol=0, atol=1e-6):
            problems.append(f"an accuracy of {accuracy:g} is the share of positives, the examples it gets "
                            "wrong; it is right on every negative")
        elif np.isclose(accuracy, 0.5, rtol=0, atol=1e-6):
            problems.append("an accuracy of 0.5 would be a coin flip; answering 'negative' is right for every "
                            "negative example, and 90% of the examples are negative")
        else:
            problems.append(f"an accuracy of {accuracy:g} is off: it is right exactly on the negative examples")
    if not np.isclose(recall, 0.0, rtol=0, atol=1e-6):
        if np.isclose(recall, MAJORITY_SHARE, rtol=0, atol=1e-6) or np.isclose(recall, 1.0, rtol=0, atol=1e-6):
            problems.append(f"a recall of {recall:g} would mean it finds most positives; recall counts only the "
                            "positive examples, and it never answers 'positive'")
        else:
            problems.append(f"a recall of {recall:g} is off: recall = TP / (TP + FN), and a classifier that "
                            "never answers 'positive' has no true positives")
    if problems:
        raise Mismatch("; ".join(problems) + ".")
    return ("accuracy 0.9, recall 0: it is right on the 90% negatives for free and finds none of the "
            "positives. On imbalanced data, accuracy alone flatters a model that learned nothing; put the "
            "majority-class accuracy beside it, and look at the positive class's recall, precision and F1.")


# ------------------------------------------------------------------------------ 5.2 confusion matrix
def _require_integers(value, what):
    dtype = np.asarray(value.numpy() if hasattr(value, "numpy") else value).dtype
    if dtype.kind not in "iu":
        raise Mismatch(f"{what} holds {dtype} values; return an integer array of counts "
                       "(e.g. np.zeros((num_classes, num_classes), dtype=int)).")


@exercise("ch05.confusion_matrix", SOLUTION,
          hints=("every example adds one to exactly one cell: the row of its true class and the column of its "
                 "predicted class; a class that never occurs still has its row and column.",
                 "C = a (num_classes, num_classes) matrix of integer zeros; for every example k, "
                 "C[y_true[k], y_pred[k]] += 1, counting a repeated (true, predicted) pair every time."))
def check_confusion_matrix(confusion_matrix):
    from sklearn.metrics import confusion_matrix as sk_confusion_matrix

    rng = hidden_rng()
    cases = [(np.array([0, 1, 2, 2, 1, 0, 2, 1, 1, 0]), np.array([0, 2, 2, 1, 1, 0, 2, 0, 1, 2]), 3,
              "labels [0, 1, 2, 2, 1, 0, 2, 1, 1, 0], predictions [0, 2, 2, 1, 1, 0, 2, 0, 1, 2]"),
             ([0, 0], [0, 0], 4, "labels [0, 0], predictions [0, 0] given as lists"),
             ([2, 0, 1, 1, 0], [0, 0, 1, 1, 1], 3, "labels [2, 0, 1, 1, 0], predictions [0, 0, 1, 1, 1] "
                                                   "(class 2 is never predicted) given as lists")]
    for _ in range(3):
        k = int(rng.integers(2, 7))
        n = int(rng.integers(8, 40))
        y_true = rng.integers(0, k, n).astype(rng.choice([np.int32, np.int64]))
        y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k, n)).astype(y_true.dtype)
        y_pred[y_pred == rng.integers(0, k)] = 0  # one class (often) never predicted
        cases.append((y_true, y_pred, k, f"{n} random labels of {k} classes"))

    for y_true, y_pred, k, about in cases:
        expected = sk_confusion_matrix(y_true, y_pred, labels=list(range(k)))
        what = f"the matrix for {about}, num_classes={k}"
        result = call(confusion_matrix, y_true, y_pred, k)
        got = as_array(result, what)
        if got.shape != (k, k):
            raise Mismatch(f"{what} has shape {got.shape}; expected ({k}, {k}): one row and one column per "
                           "class, so keep the unused classes too.")
        if np.array_equal(got, expected.T) and not np.array_equal(expected, expected.T):
            raise Mismatch(f"{what} is transposed: rows are the true classes, columns the predicted ones.")
        if got.sum() != len(y_true):
            raise Mismatch(f"the counts of {what} add up to {got.sum():g}, not to the {len(y_true)} examples: "
                           "every example adds 1 to one cell (`C[t, p] += 1` with index arrays counts a "
                           "repeated pair only once; np.add.at or a loop counts each).")
        expect_close(got, expected, what)
        _require_integers(result, what)


# ------------------------------------------------------------------------------------- 5.3 F-beta
def _fbeta(precision, recall, beta):
    denominator = beta ** 2 * precision + recall
    return 0.0 if denominator == 0 else (1 + beta ** 2) * precision * recall / denominator


@exercise("ch05.fbeta_score", SOLUTION,
          hints=("count TP, FP and FN, turn them into precision and recall, then combine the two with a harmonic "
                 "mean that gives recall beta^2 times the weight of precision; with no true positive there is "
                 "nothing to average: the score is 0.",
                 "F_beta = (1 + beta^2) P R / (beta^2 P + R), equivalently (1 + beta^2) TP / ((1 + beta^2) TP "
                 "+ beta^2 FN + FP); beta = 1 gives F1, beta = 2 favours recall."))
def check_fbeta_score(fbeta_score):
    from sklearn.metrics import accuracy_score, precision_score, recall_score
    from sklearn.metrics import fbeta_score as sk_fbeta

    def run(y_true, y_pred, beta, about):
        expected = sk_fbeta(y_true, y_pred, beta=beta, zero_division=0.0)
        what = f"F_beta with beta={beta:g} for {about}"
        got = as_number(call(fbeta_score, y_true, y_pred, beta), what)
        if np.isclose(got, expected):
            return
        if not np.isfinite(got):
            raise Mismatch(f"{what} is {got}: with no true positives precision or recall is 0 / 0; "
                           "return 0 when TP is 0.")
        yt, yp = np.asarray(y_true, int), np.asarray(y_pred, int)
        precision = precision_score(yt, yp, zero_division=0.0)
        recall = recall_score(yt, yp, zero_division=0.0)
        accuracy = accuracy_score(yt, yp)
        if beta != 1 and np.isclose(got, _fbeta(precision, recall, 1.0)):
            raise Mismatch(f"{what} is {got:.4f}, which is F1: your answer ignores beta. F_beta weighs recall "
                           "beta^2 times as much as precision.")
        if beta != 1 and np.isclose(got, _fbeta(precision, recall, np.sqrt(beta))):
            raise Mismatch(f"{what} is {got:.4f}: you weighted recall by beta; the weight is beta^2 "
                           f"(beta={beta:g} means a weight of {beta ** 2:g}).")
        if beta != 1 and np.isclose(got, _fbeta(precision, recall, 1 / beta)):
            raise Mismatch(f"{what} is {got:.4f}: you gave the weight to precision instead of recall. With "
                           "beta > 1, F_beta moves towards recall: beta^2 multiplies P in the denominator.")
        if np.isclose(got, _fbeta(accuracy, recall, beta)):
            raise Mismatch(f"{what} is {got:.4f}: you combined accuracy and recall (a mix-up you will find "
                           "online); F scores combine precision and recall.")
        if np.isclose(got, (precision + beta ** 2 * recall) / (1 + beta ** 2)):
            raise Mismatch(f"{what} is {got:.4f}, a weighted arithmetic mean of precision and recall; F_beta "
                           "is their weighted harmonic mean, which stays low when either is low.")
        if yt.min() == 0 and np.isclose(got, sk_fbeta(yt, yp, beta=beta, pos_label=0, zero_division=0.0)):
            raise Mismatch(f"{what} is {got:.4f}, the score of class 0; score the positive class 1.")
        if not isinstance(y_true, np.ndarray) or y_true.dtype == bool:
            raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}. Labels may come as lists or "
                           "booleans: convert them with np.asarray(..., dtype=int) first.")
        raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g} (precision {precision:.3f}, "
                       f"recall {recall:.3f}).")

    screening_true = np.r_[np.ones(20), np.zeros(980)].astype(int)  # a rare positive class
    screening_pred = np.r_[np.ones(18), np.zeros(2), np.ones(82), np.zeros(898)].astype(int)
    run(screening_true, screening_pred, 2.0, "the screening example (20 positives in 1000)")
    run([1, 0, 1, 1, 0, 0], [1, 1, 0, 1, 1, 0], 0.5,
        "labels [1, 0, 1, 1, 0, 0], predictions [1, 1, 0, 1, 1, 0] as lists")
    run(np.array([1, 1, 0, 0, 1]), np.array([1, 0, 0, 0, 0]), 1.0, "labels [1, 1, 0, 0, 1], predictions "
        "[1, 0, 0, 0, 0] (beta = 1 is F1)")
    run(np.array([True, True, False]), np.array([False, False, False]), 2.0,
        "no positive predictions (labels [True, True, False], predictions all False)")
    run(np.array([0, 0, 0, 0]), np.array([0, 1, 1, 0]), 3.0, "no positive labels (TP = 0)")
    rng = hidden_rng()
    for _ in range(3):
        n = int(rng.integers(20, 200))
        y_true = _binary_labels(rng, n, rng.uniform(0.05, 0.3))
        y_pred = np.where(rng.random(n) < 0.7, y_true, rng.integers(0, 2, n))
        y_pred[np.flatnonzero(y_true)[0]] = 1  # at least one true positive
        if rng.random() < 0.5:
            y_true, y_pred = y_true.astype(bool), y_pred.astype(bool)
        beta = float(rng.choice([0.5, 2.0, 3.0]))
        run(y_true, y_pred, beta, f"{n} random {y_true.dtype} labels with {int(y_true.sum())} positives")


# ------------------------------------------------------------------------------------------ 5.4 AUC
@exercise("ch05.roc_auc", SOLUTION,
          hints=("AUC is the chance that a randomly chosen positive scores higher than a randomly chosen "
                 "negative: look at every (positive, negative) pair, and let a tie count half a win.",
                 "AUC = (#pairs with s_pos > s_neg + 0.5 * #pairs with s_pos == s_neg) / (n_pos * n_neg), "
                 "over all n_pos * n_neg pairs of one positive and one negative."))
def check_roc_auc(roc_auc):
    from sklearn.metrics import roc_auc_score

    def run(y_true, scores, about):
        expected = roc_auc_score(y_true, scores)
        what = f"the AUC of {about}"
        got = as_number(call(roc_auc, y_true, scores), what)
        if np.isclose(got, expected, rtol=1e-6, atol=1e-6):  # float32 answers pass
            return
        y, s = np.asarray(y_true, int), np.asarray(scores, float)
        pos, neg = s[y == 1][:, None], s[y == 0][None, :]
        ties = bool(np.any(pos == neg))
        if np.isclose(got, 1 - expected):
            raise Mismatch(f"{what} is {got:.4f} = 1 - AUC: count pairs where the *positive* scores higher.")
        if ties and np.isclose(got, np.mean(pos > neg)):
            raise Mismatch(f"{what} is {got:.4f}: ties must count one half (some positive and negative "
                           "scores here are equal).")
        if ties and np.isclose(got, np.mean(pos >= neg)):
            raise Mismatch(f"{what} is {got:.4f}: a tie counts one half, not one.")
        if np.isclose(got, roc_auc_score(y, (s >= 0.5).astype(int))):
            raise Mismatch(f"{what} is {got:.4f}: you thresholded the scores at 0.5 first; AUC uses the scores "
                           "themselves (it is about ranking at every threshold).")
        if not isinstance(y_true, np.ndarray) or y_true.dtype == bool:
            raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}. Labels may come as lists or "
                           "booleans: convert them with np.asarray first.")
        raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g} (sklearn.metrics.roc_auc_score).")

    fixed = np.random.default_rng(5)
    y = fixed.integers(0, 2, 60)
    run(y, _scores(fixed, y, 2), "60 scores rounded to 2 decimals (with ties)")
    run(np.array([0, 0, 1, 1]), np.array([0.1, 0.4, 0.35, 0.8]), "scores [0.1, 0.4, 0.35, 0.8], labels [0, 0, 1, 1]")
    run([0, 1, 0, 1], [0.5, 0.5, 0.5, 0.5], "four equal scores, labels [0, 1, 0, 1] as lists")
    rng = hidden_rng()
    for _ in range(3):
        n = int(rng.integers(10, 80))
        y = _binary_labels(rng, n, rng.uniform(0.1, 0.5))
        scores = _scores(rng, y, rng.choice([1, 2, 6]))
        if rng.random() < 0.5:
            y = y.astype(bool)
        run(y, scores, f"{n} random {y.dtype} labels with {int(y.sum())} positives")


# ------------------------------------------------------------------------------------------ 5.5 ECE
def _labels_for(rng, probabilities):
    """Labels right with probability 0.25 + 0.6 * confidence: under-confident when unsure, over-confident when
    sure, so the gaps of different bins have different signs (and a global gap would not do)."""
    n, k = probabilities.shape
    predicted = probabilities.argmax(axis=1)
    right = rng.random(n) < 0.25 + 0.6 * probabilities.max(axis=1)
    return np.where(right, predicted, (predicted + rng.integers(1, k, n)) % k)


def _softmax_outputs(rng, n, k):
    logits = rng.normal(size=(n, k)) * rng.uniform(1, 4)
    return np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)


def _edge_probabilities(rng, n, n_bins):
    """Rows of 5 class probabilities whose largest value lies exactly on a bin edge (or is 1.0)."""
    confidence = rng.integers(max(2, n_bins // 4 + 1), n_bins + 1, n) / n_bins  # > 0.2, exact in binary
    rows = np.repeat(((1 - confidence) / 4)[:, None], 5, axis=1)
    rows[np.arange(n), rng.integers(0, 5, n)] = confidence
    return rows


@exercise("ch05.expected_calibration_error", SOLUTION,
          hints=("sort the predictions into equal-width bins by their confidence (the largest probability); in "
                 "each bin that holds examples, compare the share that is right with the mean confidence, and "
                 "let big bins count more.",
                 "ECE = sum over non-empty bins b of (n_b / n) * |acc(b) - conf(b)|, where bin b of B holds the "
                 "confidences in ((b - 1) / B, b / B] and an example is right when argmax = label."))
def check_expected_calibration_error(ece):
    def run(y, probabilities, n_bins, about):
        expected = metrics.expected_calibration_error(y, probabilities, n_bins)
        what = f"the ECE of {about} with n_bins={n_bins}"
        kwargs = {} if n_bins == 10 else {"n_bins": n_bins}
        got = as_number(call(ece, y, probabilities, **kwargs), what)
        if np.isclose(got, expected, rtol=1e-6, atol=1e-6):  # float32 answers pass
            return
        if np.isnan(got):
            raise Mismatch(f"{what} is nan: skip the empty bins (the mean of no examples is 0 / 0).")
        confidence = probabilities.max(axis=1)
        correct = (probabilities.argmax(axis=1) == y).astype(float)
        bins = metrics.reliability_diagram(y, probabilities, n_bins)
        filled = bins["count"] > 0
        gaps = np.abs(bins["accuracy"] - bins["confidence"])[filled]
        if np.isclose(got, gaps.mean()):
            raise Mismatch(f"{what} is {got:.4f}: you averaged the bins' gaps equally; weight each bin by its "
                           "number of examples (n_b / n), so a bin with 3 examples counts less than one with 50.")
        if np.isclose(got, abs(correct.mean() - confidence.mean())):
            raise Mismatch(f"{what} is {got:.4f}: you compared overall accuracy with overall confidence; ECE "
                           "compares them bin by bin, so over- and under-confidence cannot cancel.")
        if n_bins != 10 and np.isclose(got, metrics.expected_calibration_error(y, probabilities, 10)):
            raise Mismatch(f"{what} is {got:.4f}, the ECE with 10 bins: use the n_bins you are given.")
        on_edge = np.isclose(confidence * n_bins, np.round(confidence * n_bins), rtol=0, atol=1e-12)
        if on_edge.any() and 0 <= got <= 1:
            raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}. Some confidences here lie exactly on "
                           "a bin edge: bins are (lo, hi], so a confidence equal to hi belongs to the lower "
                           "bin, and a confidence of exactly 1.0 to the last bin.")
        raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}.")

    one_hot = np.eye(3)[[0, 1, 2, 0]]
    run(np.array([0, 1, 0, 1]), one_hot, 10, "four one-hot predictions (confidence 1.0), two of them right")
    calibrated = np.tile([[0.75, 0.25]], (8, 1))
    run(np.array([0] * 6 + [1] * 2), calibrated, 10, "8 predictions at 75% confidence of which 6 are right")
    edges = np.array([[0.5, 0.25, 0.25]] * 2 + [[0.625, 0.25, 0.125]] * 2 + [[0.1, 0.725, 0.175]] * 2
                     + [[0.125, 0.875, 0.0]] * 2)
    run(np.array([0, 0, 1, 2, 1, 1, 1, 0]), edges, 4,
        "confidences 0.5, 0.625, 0.725 and 0.875 (0.5 is a bin edge)")
    rng = hidden_rng()
    for n_bins in (10, int(rng.choice([5, 15, 20]))):
        probabilities = _softmax_outputs(rng, int(rng.integers(60, 300)), int(rng.integers(2, 6)))
        run(_labels_for(rng, probabilities), probabilities, n_bins,
            f"{len(probabilities)} random softmax outputs over {probabilities.shape[1]} classes")
    n_bins = int(rng.choice([2, 4, 8]))
    probabilities = _edge_probabilities(rng, 40, n_bins)
    run(_labels_for(rng, probabilities), probabilities, n_bins, "40 predictions whose confidences lie on bin edges")


# ------------------------------------------------------------------------------------ 5.6 threshold
def _cheapest(y, scores, cost_fp, cost_fn):
    """The cheapest distinct score as threshold (``score >= t``), by the package's cost table."""
    thresholds, costs = metrics.threshold_costs(y, scores, cost_fp, cost_fn)
    return thresholds[1:][np.argmin(costs[1:])]  # thresholds[0] is inf: predict nothing, not a candidate


@exercise("ch05.best_threshold", SOLUTION,
          hints=("try each distinct score as the threshold, price the mistakes it makes, and keep the "
                 "cheapest; return the threshold, not its cost.",
                 "for a threshold t, positive means score >= t; FP = negatives predicted positive, FN = "
                 "positives predicted negative; cost(t) = cost_fp * FP + cost_fn * FN; return the t with the "
                 "lowest cost."))
def check_best_threshold(best_threshold):
    def run(y, scores, cost_fp, cost_fn, about):
        _, costs = metrics.threshold_costs(y, scores, cost_fp, cost_fn)
        best_cost = costs[1:].min()
        what = f"the threshold for {about} with cost_fp={cost_fp:g}, cost_fn={cost_fn:g}"
        got = as_number(call(best_threshold, y, scores, cost_fp, cost_fn), what)
        if not np.isfinite(got):
            raise Mismatch(f"{what} is {got}; return one of the scores (each distinct score is a candidate).")
        candidates = np.unique(scores)
        nearest = candidates[np.argmin(np.abs(candidates - got))]
        if np.isclose(got, nearest, rtol=1e-6, atol=0):
            got = nearest  # a score rounded to float32 is still that score
        got_cost = metrics.total_cost(y, scores, got, cost_fp, cost_fn)
        if np.isclose(got_cost, best_cost, rtol=1e-9, atol=0):
            return
        if np.isclose(got, best_cost) and not np.isin(got, candidates):
            raise Mismatch(f"{what} is {got:g}, the lowest cost itself; return the threshold that gives it.")
        if got == int(got) and 0 <= got < len(candidates) and np.isclose(
                metrics.total_cost(y, scores, candidates[int(got)], cost_fp, cost_fn), best_cost):
            raise Mismatch(f"{what} is {got:g}, the position of the best candidate; return the threshold "
                           "itself (the score).")
        if np.isclose(metrics.total_cost(y, scores, np.nextafter(got, np.inf), cost_fp, cost_fn), best_cost):
            raise Mismatch(f"{what} is {got:g}: you counted a score equal to the threshold as negative. "
                           "Here a score is positive when score >= threshold.")
        if got == _cheapest(y, scores, 1.0, 1.0):
            raise Mismatch(f"{what} is {got:g}, the threshold with the best accuracy; the task is the lowest "
                           "*cost*, which weighs the two kinds of error differently.")
        if got == _cheapest(y, scores, cost_fn, cost_fp):
            raise Mismatch(f"{what} is {got:g}, which minimises the cost with the two costs swapped: a false "
                           "positive is a negative predicted positive.")
        positives = int(np.sum(y == 1))
        if got == _cheapest(y, scores, cost_fp / (len(y) - positives), cost_fn / positives):
            raise Mismatch(f"{what} is {got:g}, which minimises cost_fp * FPR + cost_fn * FNR: the cost "
                           "counts errors (cost_fp * FP + cost_fn * FN), not error rates, and on unbalanced "
                           "data the two differ.")
        raise Mismatch(f"{what} is {got:g} and costs {got_cost:g}; the cheapest threshold costs {best_cost:g}.")

    fixed = np.random.default_rng(5)
    y = _binary_labels(fixed, 200, 0.1)
    scores = _scores(fixed, y, 2)
    scores[np.flatnonzero(y)[0]] = 1.0  # the top score is a positive: predicting nothing is never cheaper
    for cost_fp, cost_fn in ((5.0, 1.0), (1.0, 10.0), (1.0, 3.0)):
        run(y, scores, cost_fp, cost_fn, "200 examples with 10% positives")
    rng = hidden_rng()
    for _ in range(3):
        n = int(rng.integers(60, 300))
        y = _binary_labels(rng, n, rng.uniform(0.05, 0.3))
        scores = _scores(rng, y, rng.choice([2, 6]))
        scores[np.argmax(y)] = scores.max() + 0.01
        cost_fp, cost_fn = (float(c) for c in rng.permutation([1.0, rng.uniform(2, 25)]).round(1))
        run(y, scores, cost_fp, cost_fn, f"{n} random examples with {int(y.sum())} positives")
