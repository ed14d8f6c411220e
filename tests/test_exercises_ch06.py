"""Chapter 06: each checker rejects plausible wrong answers and accepts correct answers written differently."""
import math

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from mio_utils import vision
from mio_utils.exercises import assert_accepts, assert_rejects, evaluate
from solutions import ch06_cnn_vision as ref


# ---------------------------------------------------------------------------- 6.2 dilated_output_size
def _p(padding):
    return 0 if padding == "valid" else padding


def ignores_dilation(n, k, s=1, padding="valid", d=1):
    return (n + 2 * _p(padding) - k) // s + 1


def span_is_d_times_k(n, k, s=1, padding="valid", d=1):
    return (n + 2 * _p(padding) - d * k) // s + 1


def dilated_pads_one_side(n, k, s=1, padding="valid", d=1):
    return (n + _p(padding) - d * (k - 1) - 1) // s + 1


def dilated_ignores_integer_padding(n, k, s=1, padding="valid", d=1):
    return (n - d * (k - 1) - 1) // s + 1


def dilated_forgets_plus_one(n, k, s=1, padding="valid", d=1):
    return (n + 2 * _p(padding) - d * (k - 1) - 1) // s


def dilated_true_division(n, k, s=1, padding="valid", d=1):
    return (n + 2 * _p(padding) - d * (k - 1) - 1) / s + 1


def dilated_numpy_float(n, k, s=1, padding="valid", d=1):
    return np.floor((n + 2 * _p(padding) - d * (k - 1) - 1) / s) + 1


def dilation_divides_the_size(n, k, s=1, padding="valid", d=1):
    return (n + 2 * _p(padding) - k) // (s * d) + 1


def dilated_size_by_sliding(n, kernel_size, stride=1, padding="valid", dilation=1):
    padded = n + 2 * _p(padding)
    return len(range(0, padded - dilation * (kernel_size - 1), stride))


def dilated_size_via_effective_kernel(n, kernel_size, stride=1, padding="valid", dilation=1):
    effective = kernel_size + (kernel_size - 1) * (dilation - 1)  # k taps and (k - 1)(d - 1) holes
    return math.floor((n + 2 * _p(padding) - effective) / stride) + 1


# ---------------------------------------------------------------------------- 6.3 conv2d_single
def flipped_kernel(image, kernel, stride=1):
    return convolve2d(image, kernel, mode="valid")[::stride, ::stride]


def same_size_output(image, kernel, stride=1):
    return correlate2d(image, kernel, mode="same")[::stride, ::stride]


def ignores_stride(image, kernel, stride=1):
    return correlate2d(image, kernel, mode="valid")


def square_kernel_assumed(image, kernel, stride=1):
    k = kernel.shape[0]
    rows, cols = (image.shape[0] - k) // stride + 1, (image.shape[1] - k) // stride + 1
    return np.array([[np.sum(image[i * stride:i * stride + k, j * stride:j * stride + k] * kernel[:k, :k])
                      for j in range(cols)] for i in range(rows)])


def output_size_rounded_up(image, kernel, stride=1):
    kh, kw = kernel.shape
    rows = math.ceil((image.shape[0] - kh) / stride) + 1
    cols = math.ceil((image.shape[1] - kw) / stride) + 1
    out = np.zeros((rows, cols))
    for i in range(rows):
        for j in range(cols):
            window = image[i * stride:i * stride + kh, j * stride:j * stride + kw]  # the last one is cut short
            out[i, j] = np.sum(window * kernel[:window.shape[0], :window.shape[1]])
    return out


def stride_on_rows_only(image, kernel, stride=1):
    return correlate2d(image, kernel, mode="valid")[::stride, :]


def flips_kernel_in_place(image, kernel, stride=1):
    kernel[:] = kernel[::-1, ::-1]
    return convolve2d(image, kernel, mode="valid")[::stride, ::stride]


def conv_memorised_3x3(image, kernel, stride=1):
    return correlate2d(image, np.ones((3, 3)) if kernel.shape != (3, 3) else kernel, mode="valid")[::stride, ::stride]


def ignores_dilation_conv(image, kernel, stride=1, dilation=1):
    return correlate2d(image, kernel, mode="valid")[::stride, ::stride]


def dilation_used_as_stride(image, kernel, stride=1, dilation=1):
    return correlate2d(image, kernel, mode="valid")[::stride * dilation, ::stride * dilation]


def dilated_and_flipped(image, kernel, stride=1, dilation=1):
    return ref.conv2d_single(image, kernel[::-1, ::-1], stride, dilation)


def conv_by_dilated_kernel(image, kernel, stride=1, dilation=1):
    big = np.zeros((dilation * (kernel.shape[0] - 1) + 1, dilation * (kernel.shape[1] - 1) + 1))
    big[::dilation, ::dilation] = kernel
    windows = np.lib.stride_tricks.sliding_window_view(image, big.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, big)


def conv_with_keras_dilated(image, kernel, stride=1, dilation=1):
    import keras

    x = keras.ops.convert_to_tensor(image[None, :, :, None], dtype="float64")
    w = keras.ops.convert_to_tensor(kernel[:, :, None, None], dtype="float64")
    if stride > 1 and dilation > 1:  # Keras refuses both at once: dilate with stride 1, then subsample
        out = keras.ops.conv(x, w, strides=1, padding="valid", dilation_rate=dilation)[:, ::stride, ::stride]
    else:
        out = keras.ops.conv(x, w, strides=stride, padding="valid", dilation_rate=dilation)
    return keras.ops.convert_to_numpy(out)[0, :, :, 0]


# ---------------------------------------------------------------------------- 6.4 box_iou_cxcywh
def _corners(box):
    return box[0] - box[2] / 2, box[1] - box[3] / 2, box[0] + box[2] / 2, box[1] + box[3] / 2


def cxcywh_read_as_corners(a, b):
    return float(vision.box_iou(a, b))


def centre_plus_minus_full_width(a, b):
    def corners(box):
        return box[0] - box[2], box[1] - box[3], box[0] + box[2], box[1] + box[3]

    return float(vision.box_iou(corners(a), corners(b)))


def centre_read_as_top_left(a, b):
    return float(vision.box_iou((a[0], a[1], a[0] + a[2], a[1] + a[3]), (b[0], b[1], b[0] + b[2], b[1] + b[3])))


def cxcywh_union_is_sum(a, b):
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _corners(a), _corners(b)
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    return inter / (a[2] * a[3] + b[2] * b[3])


def cxcywh_no_clipping(a, b):
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _corners(a), _corners(b)
    inter = (min(ax1, bx1) - max(ax0, bx0)) * (min(ay1, by1) - max(ay0, by0))
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def cxcywh_clips_the_product_only(a, b):
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _corners(a), _corners(b)
    inter = max(0, (min(ax1, bx1) - max(ax0, bx0)) * (min(ay1, by1) - max(ay0, by0)))
    return inter / (a[2] * a[3] + b[2] * b[3] - inter)


def cxcywh_forgets_return(a, b):
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _corners(a), _corners(b)
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    iou = inter / (a[2] * a[3] + b[2] * b[3] - inter)  # noqa: F841


def cxcywh_intersection_over_smaller_box(a, b):
    (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _corners(a), _corners(b)
    inter = max(0, min(ax1, bx1) - max(ax0, bx0)) * max(0, min(ay1, by1) - max(ay0, by0))
    return inter / min(a[2] * a[3], b[2] * b[3])


def cxcywh_through_the_library(box_a, box_b):
    def corners(box):
        centre, size = np.asarray(box[:2], float), np.asarray(box[2:], float)
        return np.r_[centre - size / 2, centre + size / 2]

    return vision.box_iou(corners(box_a), corners(box_b))


def cxcywh_by_half_extents(box_a, box_b):
    overlap_x = max(0.0, (box_a[2] + box_b[2]) / 2 - abs(box_a[0] - box_b[0]))
    overlap_y = max(0.0, (box_a[3] + box_b[3]) / 2 - abs(box_a[1] - box_b[1]))
    overlap_x = min(overlap_x, box_a[2], box_b[2])  # one box inside the other: the overlap is the smaller box
    overlap_y = min(overlap_y, box_a[3], box_b[3])
    inter = overlap_x * overlap_y
    return np.float32(inter / (box_a[2] * box_a[3] + box_b[2] * box_b[3] - inter))


# ---------------------------------------------------------------------------- 6.5 binary_mask_iou
def pixel_accuracy(t, p):
    return np.mean(np.asarray(t, bool) == np.asarray(p, bool))


def dice(t, p):
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    return 2 * np.sum(t & p) / (t.sum() + p.sum())


def no_empty_case(t, p):
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    return np.sum(t & p) / np.sum(t | p)


def empty_masks_give_zero(t, p):
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    union = np.sum(t | p)
    return np.sum(t & p) / union if union else 0.0


def sum_as_union(t, p):
    return np.sum(t * p) / max(np.sum(t + p), 1)  # for bools t + p is "or"; for 0/1 ints it counts overlap twice


def mean_over_object_and_background(t, p):
    t, p = np.asarray(t, bool), np.asarray(p, bool)
    return (np.sum(t & p) / np.sum(t | p) + np.sum(~t & ~p) / np.sum(~t | ~p)) / 2


def mask_iou_first_image_only(t, p):
    return ref.binary_mask_iou(t[0], p[0]) if np.ndim(t) > 2 else ref.binary_mask_iou(t, p)


def mask_iou_by_counts(t, p):
    t, p = np.asarray(t) != 0, np.asarray(p) != 0
    inter = np.count_nonzero(t & p)
    union = np.count_nonzero(t) + np.count_nonzero(p) - inter
    return 1.0 if union == 0 else inter / union


WRONG_ANSWERS = [
    ("ch06.predict_conv_params", 1200, "biases"),
    ("ch06.predict_conv_params", 416, "all* 3 input"),
    ("ch06.predict_conv_params", 76, "one filter"),
    ("ch06.predict_conv_params", 16 * 16 * 16 * 76, "shares"),
    ("ch06.predict_conv_params", 304, "stride"),
    ("ch06.predict_conv_params", 1000, "not what Keras counts"),
    ("ch06.predict_conv_params", 1216.5, "whole number"),
    ("ch06.dilated_output_size", ignores_dilation, "without dilation"),
    ("ch06.dilated_output_size", span_is_d_times_k, "not d * k"),
    ("ch06.dilated_output_size", dilated_pads_one_side, "*each* side"),
    ("ch06.dilated_output_size", dilated_ignores_integer_padding, "an integer padding p"),
    ("ch06.dilated_output_size", dilated_forgets_plus_one, "+ 1"),
    ("ch06.dilated_output_size", dilated_true_division, "not a whole number"),
    ("ch06.dilated_output_size", dilated_numpy_float, "return an integer"),
    ("ch06.dilated_output_size", dilation_divides_the_size, "expected"),
    ("ch06.conv2d_single", flipped_kernel, "flipped the kernel"),
    ("ch06.conv2d_single", same_size_output, "'valid' means"),
    ("ch06.conv2d_single", ignores_stride, "stride 2"),
    ("ch06.conv2d_single", square_kernel_assumed, "kh rows and kw columns"),
    ("ch06.conv2d_single", stride_on_rows_only, "floor((n - span) / s) + 1"),
    ("ch06.conv2d_single", output_size_rounded_up, "floor((n - span) / s) + 1"),
    ("ch06.conv2d_single", flips_kernel_in_place, "changed its input"),
    ("ch06.conv2d_single", conv_memorised_3x3, "2x3 kernel"),
    ("ch06.conv2d_single", ignores_dilation_conv, "as without dilation"),
    ("ch06.conv2d_single", dilation_used_as_stride, "span = d(k - 1) + 1"),
    ("ch06.conv2d_single", dilated_and_flipped, "flipped the kernel"),
    ("ch06.box_iou_cxcywh", cxcywh_read_as_corners, "as if it were (x_min"),
    ("ch06.box_iou_cxcywh", centre_plus_minus_full_width, "cx - w/2 to cx + w/2"),
    ("ch06.box_iou_cxcywh", centre_read_as_top_left, "top-left corner"),
    ("ch06.box_iou_cxcywh", cxcywh_union_is_sum, "counted twice"),
    ("ch06.box_iou_cxcywh", cxcywh_no_clipping, "negative"),
    ("ch06.box_iou_cxcywh", cxcywh_clips_the_product_only, "two negative overlaps"),
    ("ch06.box_iou_cxcywh", cxcywh_forgets_return, "did you forget `return`?"),
    ("ch06.box_iou_cxcywh", cxcywh_intersection_over_smaller_box, "expected 0.1429"),
    ("ch06.binary_mask_iou", pixel_accuracy, "pixel accuracy"),
    ("ch06.binary_mask_iou", dice, "Dice"),
    ("ch06.binary_mask_iou", no_empty_case, "return 1.0"),
    ("ch06.binary_mask_iou", empty_masks_give_zero, "return 1.0"),
    ("ch06.binary_mask_iou", sum_as_union, "logical operations"),
    ("ch06.binary_mask_iou", mean_over_object_and_background, "background"),
    ("ch06.binary_mask_iou", mask_iou_first_image_only, "expected"),
]

CORRECT_ANSWERS = [
    ("ch06.predict_conv_params", 1216.0),
    ("ch06.predict_conv_params", np.int64(1216)),
    ("ch06.dilated_output_size", dilated_size_by_sliding),
    ("ch06.dilated_output_size", dilated_size_via_effective_kernel),
    ("ch06.conv2d_single", conv_by_dilated_kernel),
    ("ch06.conv2d_single", conv_with_keras_dilated),
    ("ch06.box_iou_cxcywh", cxcywh_through_the_library),
    ("ch06.box_iou_cxcywh", cxcywh_by_half_extents),
    ("ch06.binary_mask_iou", mask_iou_by_counts),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_forgotten_return_is_not_called_an_overflow():
    message = evaluate("ch06.box_iou_cxcywh", cxcywh_forgets_return).message
    assert "forget `return`" in message and "overflow" not in message


def test_prediction_truth_is_keras_and_the_explanation_gives_the_reasoning():
    import keras

    layer = keras.layers.Conv2D(16, 5, strides=2, padding="same")
    layer.build((None, 32, 32, 3))
    assert layer.count_params() == ref.predict_conv_params == 1216
    message = evaluate("ch06.predict_conv_params", 1216).message
    assert message.startswith("Correct!") and "16 x 16 x 16" in message and "slide over every position" in message


def test_dilated_sizes_agree_with_keras_where_keras_allows_them():
    from mio_utils.exercises.ch06 import _keras_dilated_size

    for n, k, s, p, d in [(28, 3, 1, 0, 2), (20, 3, 1, 2, 2), (15, 2, 1, 0, 3), (9, 3, 1, 1, 4), (32, 5, 2, 2, 1)]:
        assert ref.dilated_output_size(n, k, s, p or "valid", d) == _keras_dilated_size(n, k, s, p, d)


def test_references_agree_with_the_course_library():
    rng = np.random.default_rng(0)
    image, kernel = rng.normal(size=(9, 8)), rng.normal(size=(3, 2))
    for stride in (1, 2, 3):
        mine = vision.conv2d(image[None, :, :, None], kernel[:, :, None, None], stride=stride)[0, :, :, 0]
        np.testing.assert_allclose(ref.conv2d_single(image, kernel, stride), mine, atol=1e-12)
    for n, k, s in [(9, 3, 2), (8, 2, 2), (5, 5, 1)]:
        assert ref.dilated_output_size(n, k, s, "valid", 1) == vision.conv_output_size(n, k, s, "valid")
    a, b = (3.0, 4.0, 2.0, 6.0), (4.0, 5.0, 4.0, 2.0)
    assert ref.box_iou_cxcywh(a, b) == pytest.approx(float(vision.box_iou((2, 1, 4, 7), (2, 4, 6, 6))))
    t, p = rng.random((6, 6)) > 0.5, rng.random((6, 6)) > 0.5
    assert ref.binary_mask_iou(t, p) == pytest.approx(vision.mask_iou(t.astype(int), p.astype(int), 2)[1])
