"""Chapter 06: each checker rejects plausible wrong answers and accepts correct answers written differently."""
import math

import numpy as np
import pytest
from scipy.signal import convolve2d, correlate2d

from mio_utils.exercises import assert_accepts, assert_rejects, evaluate
from solutions import ch06_cnn_vision as ref


# ---------------------------------------------------------------------------- 6.1 conv_output_size
def _p(padding):
    return 0 if padding == "valid" else padding


def same_ignores_stride(n, k, s=1, padding="valid"):
    return n if padding == "same" else ref.conv_output_size(n, k, s, padding)


def same_rounds_down(n, k, s=1, padding="valid"):
    return n // s if padding == "same" else ref.conv_output_size(n, k, s, padding)


def same_as_half_kernel_padding(n, k, s=1, padding="valid"):
    """'same' = p = (k - 1) // 2 zeros per side: right for odd kernels only."""
    return ref.conv_output_size(n, k, s, (k - 1) // 2 if padding == "same" else padding)


def forgets_plus_one(n, k, s=1, padding="valid"):
    return ref.conv_output_size(n, k, s, padding) - (padding != "same")


def true_division(n, k, s=1, padding="valid"):
    return math.ceil(n / s) if padding == "same" else (n + 2 * _p(padding) - k) / s + 1


def pads_one_side(n, k, s=1, padding="valid"):
    return math.ceil(n / s) if padding == "same" else (n + _p(padding) - k) // s + 1


def ignores_integer_padding(n, k, s=1, padding="valid"):
    return math.ceil(n / s) if padding == "same" else (n - k) // s + 1


def returns_numpy_float(n, k, s=1, padding="valid"):
    return np.ceil(n / s) if padding == "same" else np.floor((n + 2 * _p(padding) - k) / s) + 1


def valid_rounds_up(n, k, s=1, padding="valid"):
    return math.ceil(n / s) if padding == "same" else math.ceil((n + 2 * _p(padding) - k) / s) + 1


def memorised_sizes(n, k, s=1, padding="valid"):
    return {"valid": 26, "same": 14}.get(padding, 28)


def output_size_tensorflow_style(n, k, s=1, padding="valid"):
    """TensorFlow's own formulas: ceil((n - k + 1) / s) for 'valid', ceil(n / s) for 'same'."""
    if padding == "same":
        return -(-n // s)
    return -(-(n + 2 * _p(padding) - k + 1) // s)


def output_size_by_sliding(n, k, s=1, padding="valid"):
    if padding == "same":
        return len(range(0, n, s))
    return len(range(0, n + 2 * _p(padding) - k + 1, s))


# ---------------------------------------------------------------------------- 6.2 conv2d_single
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


def conv_by_windows(image, kernel, stride=1):
    windows = np.lib.stride_tricks.sliding_window_view(image, kernel.shape)[::stride, ::stride]
    return np.einsum("ijkl,kl->ij", windows, kernel)


def conv_with_keras(image, kernel, stride=1):
    import keras

    x = keras.ops.convert_to_tensor(image[None, :, :, None], dtype="float64")
    w = keras.ops.convert_to_tensor(kernel[:, :, None, None], dtype="float64")
    return keras.ops.convert_to_numpy(keras.ops.conv(x, w, strides=stride, padding="valid"))[0, :, :, 0]


# ---------------------------------------------------------------------------- 6.3 box_iou
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


def boxes_as_x_y_width_height(a, b):
    def corners(box):
        return box[0], box[1], box[0] + box[2], box[1] + box[3]

    return ref.box_iou(corners(a), corners(b))


def forgets_return(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    iou = w * h / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h)  # noqa: F841


def intersection_over_smaller_box(a, b):
    w = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    return w * h / min((a[2] - a[0]) * (a[3] - a[1]), (b[2] - b[0]) * (b[3] - b[1]))


def box_iou_by_intervals(box_a, box_b):
    def overlap(lo_a, hi_a, lo_b, hi_b):
        return max(0.0, min(hi_a, hi_b) - max(lo_a, lo_b))

    inter = overlap(box_a[0], box_a[2], box_b[0], box_b[2]) * overlap(box_a[1], box_a[3], box_b[1], box_b[3])
    area_a = (box_a[2] - box_a[0]) * (box_a[3] - box_a[1])
    area_b = (box_b[2] - box_b[0]) * (box_b[3] - box_b[1])
    return inter / (area_a + area_b - inter)


# ---------------------------------------------------------------------------- 6.4 binary_mask_iou
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
    ("ch06.conv_output_size", same_ignores_stride, "ceil(n / s)"),
    ("ch06.conv_output_size", same_rounds_down, "rounds *up*"),
    ("ch06.conv_output_size", same_as_half_kernel_padding, "even kernel"),
    ("ch06.conv_output_size", forgets_plus_one, "+ 1"),
    ("ch06.conv_output_size", true_division, "not a whole number"),
    ("ch06.conv_output_size", pads_one_side, "*each* side"),
    ("ch06.conv_output_size", ignores_integer_padding, "an integer padding p"),
    ("ch06.conv_output_size", returns_numpy_float, "return an integer"),
    ("ch06.conv_output_size", valid_rounds_up, "Keras gives"),
    ("ch06.conv_output_size", memorised_sizes, "Keras gives"),
    ("ch06.conv2d_single", flipped_kernel, "flipped the kernel"),
    ("ch06.conv2d_single", same_size_output, "'valid' means"),
    ("ch06.conv2d_single", ignores_stride, "stride 2"),
    ("ch06.conv2d_single", square_kernel_assumed, "kh rows and kw columns"),
    ("ch06.conv2d_single", stride_on_rows_only, "floor((n - k) / s) + 1"),
    ("ch06.conv2d_single", output_size_rounded_up, "floor((n - k) / s) + 1"),
    ("ch06.conv2d_single", flips_kernel_in_place, "changed its input"),
    ("ch06.conv2d_single", conv_memorised_3x3, "2x3 kernel"),
    ("ch06.box_iou", union_is_sum_of_areas, "counted twice"),
    ("ch06.box_iou", no_clipping, "negative"),
    ("ch06.box_iou", clips_the_product_only, "two negative overlaps"),
    ("ch06.box_iou", plus_one_pixels, "added 1"),
    ("ch06.box_iou", boxes_as_x_y_width_height, "(x_min, y_min, x_max, y_max)"),
    ("ch06.box_iou", forgets_return, "did you forget `return`?"),
    ("ch06.box_iou", intersection_over_smaller_box, "expected 0.1429"),
    ("ch06.binary_mask_iou", pixel_accuracy, "pixel accuracy"),
    ("ch06.binary_mask_iou", dice, "Dice"),
    ("ch06.binary_mask_iou", no_empty_case, "return 1.0"),
    ("ch06.binary_mask_iou", empty_masks_give_zero, "return 1.0"),
    ("ch06.binary_mask_iou", sum_as_union, "logical operations"),
    ("ch06.binary_mask_iou", mean_over_object_and_background, "background"),
    ("ch06.binary_mask_iou", mask_iou_first_image_only, "expected"),
]

CORRECT_ANSWERS = [
    ("ch06.conv_output_size", output_size_tensorflow_style),
    ("ch06.conv_output_size", output_size_by_sliding),
    ("ch06.conv2d_single", conv_by_windows),
    ("ch06.conv2d_single", conv_with_keras),
    ("ch06.box_iou", box_iou_by_intervals),
    ("ch06.binary_mask_iou", mask_iou_by_counts),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS, ids=lambda v: getattr(v, "__name__", None))
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)


def test_wrong_answers_are_rejected_on_fresh_hidden_cases(monkeypatch):
    monkeypatch.delenv("MIO_CHECK_SEED", raising=False)
    for exercise_id, wrong, _ in WRONG_ANSWERS:
        assert evaluate(exercise_id, wrong).status == "wrong", wrong.__name__


def test_forgotten_return_is_not_called_an_overflow():
    message = evaluate("ch06.box_iou", forgets_return).message
    assert "forget `return`" in message and "overflow" not in message


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
    t, p = rng.random((6, 6)) > 0.5, rng.random((6, 6)) > 0.5
    assert ref.binary_mask_iou(t, p) == pytest.approx(vision.mask_iou(t.astype(int), p.astype(int), 2)[1])
