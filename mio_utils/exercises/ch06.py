"""Checkers for chapter 06 · CNNs and vision."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch06_cnn_vision.py"


def _keras_output_size(n, kernel_size, stride, padding):
    """What Keras itself computes: a ZeroPadding2D for an explicit p, then a Conv2D."""
    import keras

    shape = (1, n, n, 1)
    if not isinstance(padding, str):
        shape = keras.layers.ZeroPadding2D(padding).compute_output_shape(shape)
        padding = "valid"
    return int(keras.layers.Conv2D(1, kernel_size, strides=stride, padding=padding).compute_output_shape(shape)[1])


@exercise("ch06.conv_output_size", SOLUTION,
          hint="'valid'/int p: floor((n + 2p - k) / s) + 1 (use //); 'same': ceil(n / s), whatever k is.")
def check_conv_output_size(conv_output_size):
    cases = [  # (n, kernel, stride, padding)
        (28, 3, 1, "valid"), (28, 3, 1, "same"), (28, 5, 1, 2), (28, 3, 2, "same"), (7, 3, 2, "same"),
        (7, 2, 2, "valid"), (32, 5, 2, 2), (10, 3, 3, 1), (5, 3, 2, "same"), (8, 8, 1, "valid"),
    ]
    for n, k, s, p in cases:
        expected = _keras_output_size(n, k, s, p)
        what = f"conv_output_size(n={n}, kernel_size={k}, stride={s}, padding={p!r})"
        got = as_array(call(conv_output_size, n, k, s, p), what)
        if got.shape != ():
            raise Mismatch(f"{what} should return one integer; got an array shaped {got.shape}.")
        got = float(got)
        if got == expected:
            continue
        if got != int(got):
            raise Mismatch(f"{what} returned {got}, not a whole number: a window either fits or it does not, "
                           "so round the division *down* (use // ).")
        if p == "same" and got == n and s > 1:
            raise Mismatch(f"{what} returned n = {n}, but Keras gives {expected}: 'same' keeps the size only "
                           "with stride 1; with stride s it gives ceil(n / s).")
        if p == "same" and got == n // s:
            raise Mismatch(f"{what} returned {int(got)} = floor(n / s), but Keras gives {expected}: 'same' "
                           "rounds *up*, ceil(n / s), because the last partial window is padded, not dropped.")
        if not isinstance(p, str) and got == (n + p - k) // s + 1:
            raise Mismatch(f"{what} returned {int(got)}, but Keras gives {expected}: padding p adds p zeros on "
                           "*each* side, so the padded length is n + 2p.")
        if got == expected - 1:
            raise Mismatch(f"{what} returned {int(got)}, one less than Keras's {expected}: count the first window "
                           "too (the + 1 in floor((n + 2p - k) / s) + 1).")
        raise Mismatch(f"{what} returned {int(got)}; Keras gives {expected}.")


@exercise("ch06.conv2d_single", SOLUTION,
          hint="out[i, j] = sum(image[i*s : i*s + kh, j*s : j*s + kw] * kernel); do not flip the kernel.")
def check_conv2d_single(conv2d_single):
    from scipy.signal import convolve2d, correlate2d

    rng = np.random.default_rng(6)
    image = rng.integers(-3, 4, (6, 7)).astype(float)
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 0.0], [3.0, 0.0, -2.0]])  # not symmetric: a flip shows
    expected = correlate2d(image, kernel, mode="valid")
    what = "conv2d_single(a 6x7 image, a 3x3 kernel, stride=1)"
    got = as_array(call(conv2d_single, image, kernel, 1), what)
    if got.shape == expected.shape and np.allclose(got, convolve2d(image, kernel, mode="valid")):
        raise Mismatch(f"{what} flipped the kernel: that is convolution as mathematicians define it. "
                       "Conv2D (and this exercise) computes cross-correlation: multiply each window by the "
                       "kernel as it is.")
    if got.shape != expected.shape:
        raise Mismatch(f"{what} has shape {got.shape}; expected {expected.shape}. 'valid' means the kernel "
                       "stays inside the image: (n - k) + 1 positions per axis, no padding.")
    expect_close(got, expected, what)

    wide = np.array([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]])
    expect_close(call(conv2d_single, image, wide, 1), correlate2d(image, wide, mode="valid"),
                 "conv2d_single with a non-square 2x3 kernel")

    expected = correlate2d(image, kernel, mode="valid")[::2, ::2]
    what = "conv2d_single(a 6x7 image, a 3x3 kernel, stride=2)"
    got = as_array(call(conv2d_single, image, kernel, 2), what)
    if got.shape != expected.shape:
        raise Mismatch(f"{what} has shape {got.shape}; expected {expected.shape}: with stride 2 the window "
                       "moves two pixels at a time, giving floor((n - k) / 2) + 1 positions per axis.")
    expect_close(got, expected, what)


def _iou(a, b):
    w = max(0.0, min(a[2], b[2]) - max(a[0], b[0]))
    h = max(0.0, min(a[3], b[3]) - max(a[1], b[1]))
    union = (a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - w * h
    return w * h / union


@exercise("ch06.box_iou", SOLUTION,
          hint="overlap width = max(0, min(x_max) - max(x_min)), same for height; "
               "union = area_a + area_b - intersection.")
def check_box_iou(box_iou):
    def run(a, b):
        what = f"box_iou({a}, {b})"
        value = as_array(call(box_iou, a, b), what)
        if value.shape != ():
            raise Mismatch(f"{what} should return one number; got shape {value.shape}.")
        return float(value), what

    a, b = (0.0, 0.0, 2.0, 2.0), (1.0, 1.0, 3.0, 3.0)
    value, what = run(a, b)
    if np.isclose(value, 1 / 8):
        raise Mismatch(f"{what} is 1/8, but the overlap of 1 is 1/7 of the covered area: the union is "
                       "area_a + area_b - intersection (otherwise the overlap is counted twice).")
    if np.isclose(value, 4 / 14):
        raise Mismatch(f"{what} is 4/14: you added 1 to each width and height (a pixel-index convention). "
                       "Here boxes are continuous coordinates: width = x_max - x_min.")
    expect_close(value, _iou(a, b), what)

    value, what = run((0.0, 0.0, 2.0, 2.0), (3.0, 0.0, 5.0, 2.0))
    if value < 0:
        raise Mismatch(f"{what} is {value:.3g}, negative: these boxes do not overlap, so the overlap width "
                       "min(x_max) - max(x_min) is negative. Clip it at 0 (max(0, ...)) before multiplying.")
    expect_close(value, 0.0, what)

    value, what = run((0.0, 0.0, 1.0, 1.0), (2.0, 2.0, 3.0, 3.0))
    if value > 0:
        raise Mismatch(f"{what} is {value:.3g}, but the boxes are apart on both axes: two negative overlaps "
                       "multiplied give a positive 'area'. Clip the width and the height at 0 separately.")
    expect_close(value, 0.0, what)

    for a, b in [((0, 0, 1, 1), (1, 0, 2, 1)), ((0, 0, 4, 4), (1, 1, 3, 3)), ((2, 1, 6, 4), (2, 1, 6, 4)),
                 ((1.5, 0.5, 4.0, 3.5), (3.0, 2.0, 7.0, 2.5))]:
        value, what = run(tuple(map(float, a)), tuple(map(float, b)))
        expect_close(value, _iou(a, b), what)


@exercise("ch06.binary_mask_iou", SOLUTION,
          hint="count pixels in both masks (logical and) and in either (logical or); two empty masks give 1.0.")
def check_binary_mask_iou(binary_mask_iou):
    from sklearn.metrics import jaccard_score

    rng = np.random.default_rng(60)
    true = np.zeros((16, 16), bool)
    true[4:10, 3:9] = True
    pred = np.zeros((16, 16), bool)
    pred[5:12, 5:10] = True
    expected = jaccard_score(true.ravel(), pred.ravel())
    what = "binary_mask_iou(an object mask, a shifted prediction)"
    value = as_array(call(binary_mask_iou, true, pred), what)
    if value.shape != ():
        raise Mismatch(f"{what} should return one number; got shape {value.shape}.")
    if np.isclose(value, np.mean(true == pred)):
        raise Mismatch(f"{what} is {float(value):.3f}, the fraction of pixels that agree (pixel accuracy). "
                       "Background pixels dominate it; IoU counts only object pixels: |T ∩ P| / |T ∪ P|.")
    if np.isclose(value, 2 * np.sum(true & pred) / (true.sum() + pred.sum())):
        raise Mismatch(f"{what} is {float(value):.3f}, the Dice coefficient 2|T ∩ P| / (|T| + |P|). "
                       "IoU divides the intersection by the union instead.")
    expect_close(value, expected, what)

    noisy_true, noisy_pred = rng.random((3, 20, 20)) > 0.6, rng.random((3, 20, 20)) > 0.5
    expect_close(call(binary_mask_iou, noisy_true, noisy_pred),
                 jaccard_score(noisy_true.ravel(), noisy_pred.ravel()), "binary_mask_iou on a batch of 3 masks")
    expect_close(call(binary_mask_iou, true.astype(np.uint8), pred.astype(np.uint8)), expected,
                 "binary_mask_iou on 0/1 uint8 masks")

    empty = np.zeros((8, 8), bool)
    with np.errstate(all="ignore"):
        value = as_array(call(binary_mask_iou, empty, empty), "binary_mask_iou(empty, empty)")
    if not np.isfinite(value):
        raise Mismatch("binary_mask_iou(empty, empty) is not a number (0 / 0): two empty masks agree "
                       "perfectly, so return 1.0 when the union is empty.")
    expect_close(value, 1.0, "binary_mask_iou(empty, empty), two masks that agree perfectly")
