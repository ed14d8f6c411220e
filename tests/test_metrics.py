"""mio_utils.metrics: every hand-written metric equals scikit-learn's (and Keras's where it has one)."""
import numpy as np
import pytest
from sklearn import metrics as skm

from mio_utils import metrics


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, 300)
    scores = np.clip(rng.normal(0.35 + 0.3 * y, 0.2), 0, 1).round(2)  # rounding creates ties
    return y, scores


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 5, 400)
    pred = np.where(rng.random(400) < 0.7, y, rng.integers(0, 5, 400))
    return y, pred


def test_confusion_matrix_equals_sklearn(multiclass):
    y, pred = multiclass
    np.testing.assert_array_equal(metrics.confusion_matrix(y, pred), skm.confusion_matrix(y, pred))
    assert metrics.confusion_matrix([0, 1], [1, 1], num_classes=3).shape == (3, 3)


def test_confusion_matrix_rejects_probabilities():
    with pytest.raises(ValueError, match="not probabilities"):
        metrics.confusion_matrix([0, 1], [0.2, 0.9])
    with pytest.raises(ValueError, match="one-hot"):
        metrics.confusion_matrix(np.eye(3), [0, 1, 2])


def test_binary_ratios_equal_sklearn(binary):
    y, scores = binary
    pred = (scores >= 0.5).astype(int)
    p, r, f1 = metrics.precision_recall_f1(y, pred)
    assert metrics.accuracy(y, pred) == pytest.approx(skm.accuracy_score(y, pred), abs=1e-12)
    assert p == pytest.approx(skm.precision_score(y, pred), abs=1e-12)
    assert r == pytest.approx(skm.recall_score(y, pred), abs=1e-12)
    assert f1 == pytest.approx(skm.f1_score(y, pred), abs=1e-12)
    assert f1 == pytest.approx(2 * p * r / (p + r), abs=1e-12)


def test_macro_and_per_class_equal_sklearn(multiclass):
    y, pred = multiclass
    p, r, f1 = metrics.precision_recall_f1(y, pred, average="macro")
    assert f1 == pytest.approx(skm.f1_score(y, pred, average="macro"), abs=1e-12)
    assert p == pytest.approx(skm.precision_score(y, pred, average="macro"), abs=1e-12)
    per_class = metrics.precision_recall_f1(y, pred, average=None)[2]
    np.testing.assert_allclose(per_class, skm.f1_score(y, pred, average=None), atol=1e-12)


def test_zero_division_is_zero():
    assert metrics.precision_recall_f1([1, 1, 0], [0, 0, 0]) == (0.0, 0.0, 0.0)
    with pytest.raises(ValueError, match="average"):
        metrics.precision_recall_f1([1], [1], average="micro")


def test_roc_curve_and_auc_equal_sklearn(binary):
    y, scores = binary
    fpr, tpr, thresholds = metrics.roc_curve(y, scores)
    ref_fpr, ref_tpr, ref_thresholds = skm.roc_curve(y, scores, drop_intermediate=False)
    np.testing.assert_allclose(fpr, ref_fpr, atol=1e-12)
    np.testing.assert_allclose(tpr, ref_tpr, atol=1e-12)
    np.testing.assert_allclose(thresholds[1:], ref_thresholds[1:])
    assert metrics.roc_auc(y, scores) == pytest.approx(skm.roc_auc_score(y, scores), abs=1e-12)


def test_auc_is_the_probability_a_positive_outranks_a_negative(binary):
    y, scores = binary
    pos, neg = scores[y == 1][:, None], scores[y == 0][None, :]
    pairwise = np.mean((pos > neg) + 0.5 * (pos == neg))
    assert metrics.roc_auc(y, scores) == pytest.approx(pairwise, abs=1e-12)


def test_precision_recall_curve_and_ap_equal_sklearn(binary):
    y, scores = binary
    precision, recall, thresholds = metrics.precision_recall_curve(y, scores)
    ref_p, ref_r, ref_t = skm.precision_recall_curve(y, scores, drop_intermediate=False)
    # scikit-learn lists by increasing threshold and appends (precision 1, recall 0)
    np.testing.assert_allclose(precision, ref_p[:-1][::-1], atol=1e-12)
    np.testing.assert_allclose(recall, ref_r[:-1][::-1], atol=1e-12)
    np.testing.assert_allclose(thresholds, ref_t[::-1])
    assert metrics.average_precision(y, scores) == pytest.approx(skm.average_precision_score(y, scores), abs=1e-12)


def test_curves_reject_bad_input(binary):
    y, scores = binary
    with pytest.raises(ValueError, match="both classes"):
        metrics.roc_auc(np.ones(5, int), np.linspace(0, 1, 5))
    with pytest.raises(ValueError, match="positive class's column"):
        metrics.roc_auc(y, np.stack([1 - scores, scores], axis=1))


def test_keras_metrics_agree_to_1e6(binary):
    import keras

    y, scores = binary
    scores = scores.astype(np.float32) + np.float32(1e-3)  # keep every score away from 0.5 exactly
    pred = (scores >= 0.5).astype(int)
    auc = keras.metrics.AUC(thresholds=np.unique(scores).tolist())
    auc.update_state(y, scores)
    assert float(auc.result()) == pytest.approx(metrics.roc_auc(y, scores), abs=1e-6)
    precision = keras.metrics.Precision()
    precision.update_state(y, scores)
    assert float(precision.result()) == pytest.approx(metrics.precision_recall_f1(y, pred)[0], abs=1e-6)


def test_reliability_and_ece_by_hand():
    y = np.array([1, 1, 0, 0])
    p = np.array([0.9, 0.75, 0.35, 0.55])  # predicted 1, 1, 0, 1; confidence 0.9, 0.75, 0.65, 0.55
    bins = metrics.reliability_diagram(y, p, n_bins=5)
    np.testing.assert_array_equal(bins["count"], [0, 0, 1, 2, 1])
    np.testing.assert_allclose(bins["accuracy"][2:], [0.0, 1.0, 1.0])
    np.testing.assert_allclose(bins["confidence"][2:], [0.55, 0.7, 0.9])
    expected = (abs(0 - 0.55) + 2 * abs(1 - 0.7) + abs(1 - 0.9)) / 4
    assert metrics.expected_calibration_error(y, p, n_bins=5) == pytest.approx(expected)


def test_ece_multiclass_and_perfect_calibration():
    probs = np.array([[0.7, 0.2, 0.1]] * 10)
    y = np.array([0] * 7 + [1] * 3)  # 70% right at 70% confidence: calibrated
    assert metrics.expected_calibration_error(y, probs) == pytest.approx(0.0, abs=1e-12)
    with pytest.raises(ValueError, match="not logits"):
        metrics.expected_calibration_error([0, 1], [2.0, -1.0])


def test_threshold_choice_minimises_cost(binary):
    y, scores = binary
    threshold, cost = metrics.choose_threshold(y, scores, cost_fp=1, cost_fn=5)
    assert cost == pytest.approx(metrics.total_cost(y, scores, threshold, 1, 5))
    brute = min(metrics.total_cost(y, scores, t, 1, 5) for t in np.r_[np.unique(scores), np.inf])
    assert cost == pytest.approx(brute)
    # a costlier miss pushes the threshold down
    assert metrics.choose_threshold(y, scores, 1, 50)[0] <= metrics.choose_threshold(y, scores, 1, 1)[0]
    with pytest.raises(ValueError, match="non-negative"):
        metrics.choose_threshold(y, scores, -1, 1)
