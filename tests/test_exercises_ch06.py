"""Chapter 06 checkers reject the plausible wrong answers."""
import math

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from mio_utils.exercises import assert_rejects
from solutions import ch06_cnn_vision as ref


# ---------------------------------------------------------------- conv_output_size
def same_ignores_stride(n, k, s=1, padding="valid"):
    return n if padding == "same" else ref.conv_output_size(n, k, s, padding)


def same_rounds_down(n, k, s=1, padding="valid"):
    return n // s if padding == "same" else ref.conv_output_size(n, k, s, padding)


def forgets_plus_one(n, k, s=1, padding="valid"):
    return ref.conv_output_size(n, k, s, padding) - (padding != "same")


def true_division(n, k, s=1, padding="valid"):
    p = 0 if padding == "valid" else padding
    return math.ceil(n / s) if padding == "same" else (n + 2 * p - k) / s + 1


def pads_one_side(n, k, s=1, padding="valid"):
    if padding == "same":
        return math.ceil(n / s)
    p = 0 if padding == "valid" else padding
    return (n + p - k) // s + 1


# ---------------------------------------------------------------- conv2d_single
def flipped_kernel(image, kernel, stride=1):
    return convolve2d(image, kernel, mode="valid")[::stride, ::stride]


def same_size_output(image, kernel, stride=1):
    return correlate2d(image, kernel, mode="same")[::stride, ::stride]


def ignores_stride(image, kernel, stride=1):
    return correlate2d(image, kernel, mode="valid")


# ---------------------------------------------------------------- box_iou
def union_is_sum_of_areas(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]))


def no_clipping(a, b):
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h)


def clips_the_product_only(a, b):
    inter = max(0, (min(a[2], b[2]) - max(a[0], b[0])) * (min(a[3], b[3]) - max(a[1], b[1])))
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)


def plus_one_pixels(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]) + 1)
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]) + 1)
    area_a = (a[2] - a[0] + 1) * (a[3] - a[1] + 1)
    area_b = (b[2] - b[0] + 1) * (b[3] - b[1] + 1)
    return w * h / (area_a + area_b - w * h)


# ---------------------------------------------------------------- binary_mask_iou
def pixel_accuracy(t, p):
    return np.mean(np.asarray(t, bool) == np.asarray(p, bool))


def dice(t, p):
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    return 2 * np.sum(t & p) / (t.sum() + p.sum())


def no_empty_case(t, p):
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    return np.sum(t & p) / np.sum(t | p)


@pytest.mark.parametrize("exercise_id, wrong, says", [
    ("ch06.conv_output_size", same_ignores_stride, "ceil(n / s)"),
    ("ch06.conv_output_size", same_rounds_down, "rounds *up*"),
    ("ch06.conv_output_size", forgets_plus_one, "+ 1"),
    ("ch06.conv_output_size", true_division, "not a whole number"),
    ("ch06.conv_output_size", pads_one_side, "*each* side"),
    ("ch06.conv2d_single", flipped_kernel, "flipped the kernel"),
    ("ch06.conv2d_single", same_size_output, "'valid' means"),
    ("ch06.conv2d_single", ignores_stride, "stride 2"),
    ("ch06.box_iou", union_is_sum_of_areas, "counted twice"),
    ("ch06.box_iou", no_clipping, "negative"),
    ("ch06.box_iou", clips_the_product_only, "two negative overlaps"),
    ("ch06.box_iou", plus_one_pixels, "added 1"),
    ("ch06.binary_mask_iou", pixel_accuracy, "pixel accuracy"),
    ("ch06.binary_mask_iou", dice, "Dice"),
    ("ch06.binary_mask_iou", no_empty_case, "empty"),
])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says):
    assert_rejects(exercise_id, wrong, says)


def test_references_agree_with_the_course_library():
    from mio_utils import vision

    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(9, 8)), rng.normal(size=(3, 2))
    for stride in (1, 2, 3):
        mine = vision.conv2d(image[None, :, :, None], kernel[:, :, None, None], stride=stride)[0, :, :, 0]
        np.testing.assert_allclose(ref.conv2d_single(image, kernel, stride), mine, atol=1e-12)
    for n, k, s in [(9, 3, 2), (8, 2, 2), (5, 5, 1)]:
        for padding in ("valid", "same"):
            assert ref.conv_output_size(n, k, s, padding) == vision.conv_output_size(n, k, s, padding)
    a, b = np.array([0.0, 0.0, 3.0, 2.0]), np.array([1.0, 1.0, 4.0, 5.0])
    assert ref.box_iou(a, b) == pytest.approx(float(vision.box_iou(a, b)))
    t, p = rng.random((6, 6)) > 0.5, rng.random((6, 6)) > 0.5
    assert ref.binary_mask_iou(t, p) == pytest.approx(vision.mask_iou(t.astype(int), p.astype(int), 2)[1])
