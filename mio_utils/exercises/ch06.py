"""Checkers for chapter 06 · CNNs and vision.

Expected values come from Keras (output sizes), SciPy (cross-correlation), scikit-learn (mask IoU) and
``mio_utils.vision.box_iou`` (tests/test_vision.py checks it by hand).
"""
import numpy as np

from . import Mismatch, as_array, as_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch06_cnn_vision.py"


def _keras_output_size(n, kernel_size, stride, padding):
    """What Keras itself computes: a ZeroPadding1D for an explicit p, then a Conv1D."""
    import keras

    shape = (1, n, 1)
    if not isinstance(padding, str):
        shape = keras.layers.ZeroPadding1D(padding).compute_output_shape(shape)
        padding = "valid"
    return int(keras.layers.Conv1D(1, kernel_size, strides=stride, padding=padding).compute_output_shape(shape)[1])


def _whole_number(value, what):
    number = as_number(value, what)
    if not np.isfinite(number) or number != int(number):
        raise Mismatch(f"{what} returned {number:g}, not a whole number: a window either fits or it does "
                       "not, so round the division *down* (use // ).")
    return int(number)


def _require_integer_type(value, what):
    dtype = np.asarray(value.numpy() if hasattr(value, "numpy") else value).dtype
    if dtype.kind not in "iu":
        raise Mismatch(f"{what} returned {as_number(value, what):g}, a {dtype} value; return an integer "
                       "(// and math.ceil give ints, np.floor and np.ceil give floats).")


# ------------------------------------------------------------------------------ 6.1 output sizes
@exercise("ch06.conv_output_size", SOLUTION,
          hint="'valid'/int p: floor((n + 2p - k) / s) + 1 (use //); 'same': ceil(n / s), whatever k is.")
def check_conv_output_size(conv_output_size):
    cases = [  # (n, kernel, stride, padding): each wrong formula fails at least one, with its own message
        (28, 3, 1, "valid"), (28, 5, 1, 2), (28, 3, 2, "same"), (7, 3, 2, "same"), (8, 4, 1, "same"),
        (7, 2, 2, "valid"), (32, 5, 2, 2), (10, 3, 3, 1), (9, 2, 1, "same"), (8, 8, 1, "valid"),
    ]
    rng = hidden_rng()
    for _ in range(8):
        n, k, s = int(rng.integers(5, 65)), int(rng.integers(1, 8)), int(rng.integers(1, 5))
        padding = ["valid", "same", int(rng.integers(0, 4))][int(rng.integers(0, 3))]
        cases.append((n, min(k, n), s, padding))
    results = []
    for n, k, s, p in cases:
        expected = _keras_output_size(n, k, s, p)
        what = f"conv_output_size(n={n}, kernel_size={k}, stride={s}, padding={p!r})"
        result = call(conv_output_size, n, k, s, p)
        got = _whole_number(result, what)
        if got == expected:
            results.append((result, what))
            continue
        if p == "same" and got == n and s > 1:
            raise Mismatch(f"{what} returned n = {n}, but Keras gives {expected}: 'same' keeps the size only "
                           "with stride 1; with stride s it gives ceil(n / s).")
        if p == "same" and got == n // s:
            raise Mismatch(f"{what} returned {got} = floor(n / s), but Keras gives {expected}: 'same' "
                           "rounds *up*, ceil(n / s), because the last partial window is padded, not dropped.")
        if p == "same":
            raise Mismatch(f"{what} returned {got}, but Keras gives {expected}: 'same' pads so that the output "
                           "is ceil(n / s) whatever the kernel size (an even kernel gets one more zero on one "
                           "side than on the other).")
        if not isinstance(p, str) and got == (n + p - k) // s + 1:
            raise Mismatch(f"{what} returned {got}, but Keras gives {expected}: padding p adds p zeros on "
                           "*each* side, so the padded length is n + 2p.")
        if not isinstance(p, str) and got == (n - k) // s + 1:
            raise Mismatch(f"{what} returned {got}, but Keras gives {expected}: an integer padding p adds p "
                           "zeros on each side before the window slides.")
        if got == expected - 1:
            raise Mismatch(f"{what} returned {got}, one less than Keras's {expected}: count the first window "
                           "too (the + 1 in floor((n + 2p - k) / s) + 1).")
        raise Mismatch(f"{what} returned {got}; Keras gives {expected}.")
    for result, what in results:  # right values; now the type the text asks for
        _require_integer_type(result, what)


# ------------------------------------------------------------------------------ 6.2 convolution
@exercise("ch06.conv2d_single", SOLUTION,
          hint="out[i, j] = sum(image[i*s : i*s + kh, j*s : j*s + kw] * kernel); do not flip the kernel.")
def check_conv2d_single(conv2d_single):
    from scipy.signal import convolve2d, correlate2d

    def run(image, kernel, stride, about):
        expected = correlate2d(image, kernel, mode="valid")[::stride, ::stride]
        what = f"conv2d_single({about}, stride={stride})"
        got = as_array(call(conv2d_single, image, kernel, stride), what)
        flipped = convolve2d(image, kernel, mode="valid")[::stride, ::stride]
        if got.shape == expected.shape and np.allclose(got, flipped) and not np.allclose(got, expected):
            raise Mismatch(f"{what} flipped the kernel: that is convolution as mathematicians define it. "
                           "Conv2D (and this exercise) computes cross-correlation: multiply each window by the "
                           "kernel as it is.")
        if got.shape == image.shape and got.shape != expected.shape:
            raise Mismatch(f"{what} has shape {got.shape}, the image's; expected {expected.shape}. 'valid' means "
                           "the kernel stays inside the image, no padding: floor((n - k) / s) + 1 positions per "
                           "axis.")
        if got.shape != expected.shape and got.shape == correlate2d(image, kernel, mode="valid").shape:
            raise Mismatch(f"{what} has shape {got.shape}; expected {expected.shape}: with stride {stride} the "
                           f"window moves {stride} pixels at a time, giving floor((n - k) / s) + 1 positions "
                           "per axis.")
        if got.shape != expected.shape:
            raise Mismatch(f"{what} has shape {got.shape}; expected {expected.shape}: floor((n - k) / s) + 1 "
                           "positions per axis, with kh rows and kw columns for a kh x kw kernel.")
        expect_close(got, expected, what)

    fixed = np.random.default_rng(6)
    image = fixed.integers(-3, 4, (6, 7)).astype(float)
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 0.0], [3.0, 0.0, -2.0]])  # not symmetric: a flip shows
    run(image, kernel, 1, "a 6x7 image, a 3x3 kernel")
    run(image, np.array([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]]), 1, "a 6x7 image, a 2x3 kernel")
    run(image, kernel, 2, "a 6x7 image, a 3x3 kernel")
    rng = hidden_rng()
    for _ in range(4):
        kh, kw = (int(v) for v in rng.integers(1, 5, 2))
        h, w = int(rng.integers(kh, 13)), int(rng.integers(kw, 13))
        stride = int(rng.integers(1, 4))
        run(rng.normal(size=(h, w)), rng.normal(size=(kh, kw)), stride,
            f"a random {h}x{w} image, a {kh}x{kw} kernel")


# ------------------------------------------------------------------------------------ 6.3 box IoU
@exercise("ch06.box_iou", SOLUTION,
          hint="overlap width = max(0, min(x_max) - max(x_min)), same for height; "
               "union = area_a + area_b - intersection.")
def check_box_iou(box_iou):
    from mio_utils import vision

    def run(a, b, about=""):
        expected = float(vision.box_iou(a, b))
        what = f"box_iou({a}, {b}){about}"
        got = as_number(call(box_iou, a, b), what)
        if np.isclose(got, expected, rtol=1e-6, atol=1e-6):  # float32 answers pass
            return
        if got < 0:
            raise Mismatch(f"{what} is {got:.3g}, negative: these boxes do not overlap, so the overlap width "
                           "min(x_max) - max(x_min) is negative. Clip it at 0 (max(0, ...)) before multiplying.")
        ax0, ay0, ax1, ay1 = (float(v) for v in a)
        bx0, by0, bx1, by1 = (float(v) for v in b)
        width, height = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
        if expected == 0 and width < 0 and height < 0 and got > 0:
            raise Mismatch(f"{what} is {got:.3g}, but the boxes are apart on both axes: two negative overlaps "
                           "multiplied give a positive 'area'. Clip the width and the height at 0 separately.")
        area_a, area_b = (ax1 - ax0) * (ay1 - ay0), (bx1 - bx0) * (by1 - by0)
        inter = max(0.0, width) * max(0.0, height)
        if inter > 0 and np.isclose(got, inter / (area_a + area_b)):
            raise Mismatch(f"{what} is {got:.4g}, intersection / (area_a + area_b): the union is area_a + area_b "
                           "- intersection (otherwise the overlap is counted twice).")
        plus_one = max(0.0, width + 1) * max(0.0, height + 1)
        if np.isclose(got, plus_one / ((ax1 - ax0 + 1) * (ay1 - ay0 + 1) + (bx1 - bx0 + 1) * (by1 - by0 + 1)
                                       - plus_one)):
            raise Mismatch(f"{what} is {got:.4g}: you added 1 to each width and height (a pixel-index "
                           "convention). Here boxes are continuous coordinates: width = x_max - x_min.")
        raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}. Boxes are (x_min, y_min, x_max, y_max).")

    run((0.0, 0.0, 2.0, 2.0), (1.0, 1.0, 3.0, 3.0), " (overlap 1, union 7)")
    run((0.0, 0.0, 2.0, 2.0), (3.0, 0.0, 5.0, 2.0), ", side by side")
    run((0.0, 0.0, 1.0, 1.0), (2.0, 2.0, 3.0, 3.0), ", apart on both axes")
    run((0, 0, 1, 1), (1, 0, 2, 1), ", boxes that touch along an edge")
    run([0, 0, 4, 4], [1, 1, 3, 3], ", one box inside the other (lists)")
    run(np.array([2.0, 1.0, 6.0, 4.0]), np.array([2.0, 1.0, 6.0, 4.0]), ", the same box twice (arrays)")
    run((1.0, 0.0, 3.0, 10.0), (0.0, 4.0, 8.0, 5.0), ", a cross: a tall box over a wide one")
    rng = hidden_rng()
    for _ in range(6):
        corners = rng.uniform(0, 10, (2, 2, 2)).round(2)
        a, b = (tuple(float(v) for v in np.r_[c.min(axis=0), c.max(axis=0)]) for c in corners + 1e-3 * np.eye(2))
        run(a, b)


# ------------------------------------------------------------------------------------ 6.4 mask IoU
@exercise("ch06.binary_mask_iou", SOLUTION,
          hint="count pixels in both masks (logical and) and in either (logical or); two empty masks give 1.0.")
def check_binary_mask_iou(binary_mask_iou):
    from sklearn.metrics import jaccard_score

    def run(mask_true, mask_pred, about):
        t, p = mask_true.astype(bool).ravel(), mask_pred.astype(bool).ravel()
        expected = 1.0 if not (t | p).any() else jaccard_score(t, p)
        what = f"binary_mask_iou({about})"
        got = as_number(call(binary_mask_iou, mask_true, mask_pred), what)
        if np.isclose(got, expected, rtol=1e-6, atol=1e-6):  # float32 answers pass
            return
        if not (t | p).any():
            raise Mismatch(f"{what} is {got}: when both masks are empty the union is 0 (0 / 0); they agree "
                           "perfectly, so return 1.0.")
        if np.isclose(got, np.mean(t == p)):
            raise Mismatch(f"{what} is {got:.3f}, the fraction of pixels that agree (pixel accuracy). "
                           "Background pixels dominate it; IoU counts only object pixels: |T ∩ P| / |T ∪ P|.")
        if np.isclose(got, 2 * np.sum(t & p) / (t.sum() + p.sum())):
            raise Mismatch(f"{what} is {got:.3f}, the Dice coefficient 2|T ∩ P| / (|T| + |P|). "
                           "IoU divides the intersection by the union instead.")
        if np.isclose(got, (expected + jaccard_score(~t, ~p)) / 2):
            raise Mismatch(f"{what} is {got:.3f}, the mean of the object's and the background's IoU; return "
                           "the object's (the True or 1 pixels) only.")
        if mask_true.dtype != bool:
            raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}. With 0/1 integers, t + p is 2 where "
                           "both are 1: use logical operations (np.logical_and, np.logical_or) or bool arrays.")
        raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}.")

    true = np.zeros((16, 16), bool)
    true[4:10, 3:9] = True
    pred = np.zeros((16, 16), bool)
    pred[5:12, 5:10] = True
    run(true, pred, "an object mask, a shifted prediction")
    run(true.astype(np.int64), pred.astype(np.int64), "the same masks as 0/1 int64")
    run(true.astype(np.uint8), pred.astype(np.uint8), "the same masks as 0/1 uint8")
    batch = np.random.default_rng(60).random((2, 3, 20, 20))
    run(batch[0] > 0.6, batch[1] > 0.5, "a batch of three 20x20 masks")
    empty = np.zeros((8, 8), bool)
    run(empty, empty, "two empty masks")
    run(empty.astype(int), empty.astype(int), "two empty 0/1 masks")
    run(empty, np.eye(8, dtype=bool), "an empty mask, a diagonal prediction")
    rng = hidden_rng()
    for _ in range(3):
        shape = tuple(int(v) for v in rng.integers(2, 12, rng.integers(1, 5)))
        mask_true, mask_pred = rng.random(shape) < rng.uniform(0.1, 0.6), rng.random(shape) < rng.uniform(0.1, 0.6)
        dtype = [bool, np.int64, np.uint8][int(rng.integers(0, 3))]
        run(mask_true.astype(dtype), mask_pred.astype(dtype), f"two random {np.dtype(dtype).name} masks shaped {shape}")
