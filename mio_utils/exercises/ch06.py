"""Checkers for chapter 06 · CNNs and vision.

Expected values come from Keras (parameter counts, output sizes where Keras allows the case), SciPy
(cross-correlation with a dilated kernel), scikit-learn (mask IoU) and ``mio_utils.vision.box_iou``
(tests/test_vision.py checks it by hand).
"""
import numpy as np

from . import Mismatch, as_array, as_number, call, exercise, expect_close, hidden_rng

SOLUTION = "ch06_cnn_vision.py"


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
                       "(// gives ints, np.floor gives floats).")


# ------------------------------------------------------------------ 6.1 predict a parameter count
CONV_PARAMS = dict(filters=16, kernel_size=5, strides=2, padding="same", input_shape=(32, 32, 3))


def _conv_params_truth() -> int:
    """What Keras counts for the layer of the exercise (the notebook builds the same layer and asserts)."""
    import keras

    spec = dict(CONV_PARAMS)
    layer = keras.layers.Conv2D(spec["filters"], spec["kernel_size"], strides=spec["strides"], padding=spec["padding"])
    layer.build((None, *spec["input_shape"]))
    return int(layer.count_params())


@exercise("ch06.predict_conv_params", SOLUTION, kind="prediction",
          hints=("Each filter has one weight per kernel position *and per input channel*, plus one bias; "
                 "ask yourself which of stride, padding and image size the weights depend on.",
                 "parameters = k_h · k_w · C_in · C_out + C_out."))
def check_predict_conv_params(prediction):
    if isinstance(prediction, (bool, np.bool_)) or callable(prediction):
        raise Mismatch(f"predict a number of parameters (a whole number), not {type(prediction).__name__}.")
    number = as_number(prediction, "your prediction")
    if not np.isfinite(number) or number < 0 or number != round(number):
        raise Mismatch(f"your prediction is {number:g}; a parameter count is a whole number, 0 or more.")
    got, truth = int(round(number)), _conv_params_truth()
    k, c_in, c_out = CONV_PARAMS["kernel_size"], CONV_PARAMS["input_shape"][-1], CONV_PARAMS["filters"]
    out = -(-CONV_PARAMS["input_shape"][0] // CONV_PARAMS["strides"])
    if got == truth:
        return (f"Each of the {c_out} filters has {k} x {k} x {c_in} = {k * k * c_in} weights (one per kernel "
                f"position and input channel) and one bias: {c_out} x {k * k * c_in + 1} = {truth:,}. The stride, "
                f"the padding and the image size change the output ({out} x {out} x {c_out} here) but not the "
                "parameters: the same weights slide over every position.")
    if got == truth - c_out:
        raise Mismatch(f"{got:,} leaves out the biases: each of the {c_out} filters has one.")
    if got in (k * k * c_out + c_out, k * k * c_out):
        raise Mismatch(f"{got:,} gives each filter one {k} x {k} kernel; a filter spans *all* {c_in} input "
                       "channels, so it has one kernel slice per input channel.")
    if got in (k * k * c_in + 1, k * k * c_in):
        raise Mismatch(f"{got:,} is one filter; the layer has {c_out}, each with its own weights and bias.")
    if got > 10 * truth:
        raise Mismatch(f"{got:,} counts weights per output position (or per pixel); a convolution shares "
                       "one set of weights over all positions, so its count does not depend on the image size.")
    if 0 < got < truth and truth % got == 0:
        raise Mismatch(f"{got:,} is the right count divided by {truth // got}: the stride moves the window "
                       "further each step, which shrinks the output, not the weights.")
    raise Mismatch(f"{got:,} is not what Keras counts. Count per filter: kernel positions x input channels, "
                   "plus a bias; then multiply by the number of filters.")


# ------------------------------------------------------------------------ 6.2 dilated output size
def _keras_dilated_size(n, k, s, p, d):
    """Keras's Conv1D output length, where Keras allows the case (it refuses stride > 1 with dilation > 1)."""
    import keras

    shape = (1, n, 1)
    if p:
        shape = keras.layers.ZeroPadding1D(p).compute_output_shape(shape)
    return int(keras.layers.Conv1D(1, k, strides=s, dilation_rate=d).compute_output_shape(shape)[1])


def _dilated_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


@exercise("ch06.dilated_output_size", SOLUTION,
          hints=("Dilation spreads the k taps d pixels apart: the window spans more pixels with the same "
                 "weights; count the window positions as before, with that span in place of k.",
                 "span = d(k - 1) + 1;  n_out = floor((n + 2p - span) / s) + 1."))
def check_dilated_output_size(dilated_output_size):
    cases = [  # (n, kernel, stride, padding, dilation): each wrong formula fails at least one, with its message
        (28, 3, 1, "valid", 1), (28, 3, 1, "valid", 2), (20, 3, 1, 2, 2), (32, 5, 2, 2, 1), (15, 2, 1, "valid", 3),
        (9, 3, 1, 1, 4), (30, 3, 2, 1, 3), (17, 4, 3, "valid", 2), (8, 8, 1, "valid", 1), (10, 2, 2, 0, 5),
    ]
    rng = hidden_rng()
    while len(cases) < 18:
        n, k, s, d, p = (int(v) for v in (rng.integers(5, 65), rng.integers(1, 6), rng.integers(1, 4),
                                          rng.integers(1, 5), rng.integers(0, 4)))
        if d * (k - 1) + 1 <= n + 2 * p:
            cases.append((n, k, s, p or "valid", d))
    results = []
    for n, k, s, padding, d in cases:
        p = 0 if padding == "valid" else padding
        expected = _dilated_size(n, k, s, p, d)
        what = f"dilated_output_size(n={n}, kernel_size={k}, stride={s}, padding={padding!r}, dilation={d})"
        result = call(dilated_output_size, n, k, s, padding, d)
        got = _whole_number(result, what)
        if got == expected:
            results.append((result, what))
            continue
        span = d * (k - 1) + 1
        if d > 1 and got == _dilated_size(n, k, s, p, 1):
            raise Mismatch(f"{what} returned {got}, the size without dilation; expected {expected}: with dilation "
                           f"{d} the {k} taps sit {d} pixels apart, so the window spans {span} pixels, not {k}.")
        if d > 1 and got == (n + 2 * p - d * k) // s + 1:
            raise Mismatch(f"{what} returned {got}; expected {expected}: {k} taps {d} pixels apart span "
                           f"d(k - 1) + 1 = {span} pixels, not d * k = {d * k} (there are k - 1 gaps between k taps).")
        if p and got == (n + p - span) // s + 1:
            raise Mismatch(f"{what} returned {got}; expected {expected}: padding p adds p zeros on *each* side, "
                           "so the padded length is n + 2p.")
        if p and got == (n - span) // s + 1:
            raise Mismatch(f"{what} returned {got}; expected {expected}: an integer padding p adds p zeros on each "
                           "side before the window slides.")
        if got == expected - 1:
            raise Mismatch(f"{what} returned {got}, one less than {expected}: count the first window too "
                           "(the + 1 in floor((n + 2p - span) / s) + 1).")
        raise Mismatch(f"{what} returned {got}; expected {expected}.")
    for result, what in results:  # right values; now the type the text asks for
        _require_integer_type(result, what)


# ------------------------------------------------------------------------------ 6.3 convolution
def _dilate(kernel, d):
    """The kernel with d - 1 zeros between neighbouring taps: a dilated kernel as an ordinary one."""
    kh, kw = kernel.shape
    out = np.zeros((d * (kh - 1) + 1, d * (kw - 1) + 1))
    out[::d, ::d] = kernel
    return out


@exercise("ch06.conv2d_single", SOLUTION,
          hints=("Slide a window with the stride; inside it the kernel's taps sit `dilation` pixels apart; "
                 "multiply each tap by the pixel under it and sum, without flipping the kernel.",
                 "out[i, j] = Σ_u Σ_v image[i·s + u·d, j·s + v·d] · kernel[u, v];  positions per axis = "
                 "floor((n - d(k - 1) - 1) / s) + 1."))
def check_conv2d_single(conv2d_single):
    from scipy.signal import convolve2d, correlate2d

    def run(image, kernel, stride, dilation, about):
        big = _dilate(kernel, dilation)
        expected = correlate2d(image, big, mode="valid")[::stride, ::stride]
        what = f"conv2d_single({about}, stride={stride}, dilation={dilation})"
        args = (image, kernel, stride) if dilation == 1 else (image, kernel, stride, dilation)
        got = as_array(call(conv2d_single, *args), what)
        flipped = convolve2d(image, big, mode="valid")[::stride, ::stride]
        if got.shape == expected.shape and np.allclose(got, flipped) and not np.allclose(got, expected):
            raise Mismatch(f"{what} flipped the kernel: that is convolution as mathematicians define it. "
                           "Conv2D (and this exercise) computes cross-correlation: multiply each window by the "
                           "kernel as it is.")
        if got.shape == image.shape and got.shape != expected.shape:
            raise Mismatch(f"{what} has shape {got.shape}, the image's; expected {expected.shape}. 'valid' means "
                           "the kernel stays inside the image, no padding: floor((n - span) / s) + 1 positions "
                           "per axis.")
        if dilation > 1 and got.shape != expected.shape and \
                got.shape == correlate2d(image, kernel, mode="valid")[::stride, ::stride].shape:
            raise Mismatch(f"{what} has shape {got.shape}, as without dilation; expected {expected.shape}: with "
                           f"dilation {dilation} the kernel's taps sit {dilation} pixels apart, so each window "
                           f"spans {big.shape[0]} x {big.shape[1]} pixels and fewer windows fit.")
        if got.shape != expected.shape and got.shape == correlate2d(image, big, mode="valid").shape:
            raise Mismatch(f"{what} has shape {got.shape}; expected {expected.shape}: with stride {stride} the "
                           f"window moves {stride} pixels at a time, giving floor((n - span) / s) + 1 positions "
                           "per axis.")
        if got.shape != expected.shape:
            raise Mismatch(f"{what} has shape {got.shape}; expected {expected.shape}: floor((n - span) / s) + 1 "
                           "positions per axis, span = d(k - 1) + 1 taken separately for the kh rows and kw columns "
                           "of a kh x kw kernel.")
        expect_close(got, expected, what)

    fixed = np.random.default_rng(6)
    image = fixed.integers(-3, 4, (9, 10)).astype(float)
    kernel = np.array([[1.0, 2.0, 0.0], [0.0, -1.0, 0.0], [3.0, 0.0, -2.0]])  # not symmetric: a flip shows
    run(image, kernel, 1, 1, "a 9x10 image, a 3x3 kernel")
    run(image, np.array([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]]), 1, 1, "a 9x10 image, a 2x3 kernel")
    run(image, kernel, 2, 1, "a 9x10 image, a 3x3 kernel")
    run(image, kernel, 1, 2, "a 9x10 image, a 3x3 kernel")
    run(image, np.array([[1.0, -1.0, 2.0], [0.5, 0.0, 1.0]]), 2, 3, "a 9x10 image, a 2x3 kernel")
    rng = hidden_rng()
    for _ in range(5):
        kh, kw = (int(v) for v in rng.integers(1, 4, 2))
        d, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        h, w = int(rng.integers(d * (kh - 1) + 1, 14)), int(rng.integers(d * (kw - 1) + 1, 14))
        run(rng.normal(size=(h, w)), rng.normal(size=(kh, kw)), stride, d,
            f"a random {h}x{w} image, a {kh}x{kw} kernel")


# -------------------------------------------------------------------- 6.4 box IoU, centre format
def _corners(box):
    cx, cy, w, h = (float(v) for v in box)
    return (cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2)


@exercise("ch06.box_iou_cxcywh", SOLUTION,
          hints=("Turn each box into its corners first; then it is the corner IoU: clip each overlap at 0, and "
                 "subtract the intersection once from the union.",
                 "x_min = cx - w/2, x_max = cx + w/2 (y likewise); inter = max(0, min(x_max) - max(x_min)) · "
                 "max(0, min(y_max) - max(y_min)); IoU = inter / (w_a h_a + w_b h_b - inter)."))
def check_box_iou_cxcywh(box_iou_cxcywh):
    from mio_utils import vision

    def iou(a, b):
        return float(vision.box_iou(a, b))

    def run(a, b, about=""):
        expected = iou(_corners(a), _corners(b))
        what = f"box_iou_cxcywh({a}, {b}){about}"
        got = as_number(call(box_iou_cxcywh, a, b), what)
        if np.isclose(got, expected, rtol=1e-6, atol=1e-6):  # float32 answers pass
            return
        if got < 0:
            raise Mismatch(f"{what} is {got:.3g}, negative: these boxes do not overlap, so the overlap width "
                           "min(x_max) - max(x_min) is negative. Clip it at 0 (max(0, ...)) before multiplying.")
        (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = _corners(a), _corners(b)
        width, height = min(ax1, bx1) - max(ax0, bx0), min(ay1, by1) - max(ay0, by0)
        if expected == 0 and width < 0 and height < 0 and got > 0:
            raise Mismatch(f"{what} is {got:.3g}, but the boxes are apart on both axes: two negative overlaps "
                           "multiplied give a positive 'area'. Clip the width and the height at 0 separately.")
        inter = max(0.0, width) * max(0.0, height)
        if inter > 0 and np.isclose(got, inter / (a[2] * a[3] + b[2] * b[3])):
            raise Mismatch(f"{what} is {got:.4g}, intersection / (area_a + area_b): the union is area_a + area_b "
                           "- intersection (otherwise the overlap is counted twice).")
        if np.isclose(got, iou(a, b)):
            raise Mismatch(f"{what} is {got:.4g}: you used (cx, cy, w, h) as if it were (x_min, y_min, x_max, "
                           "y_max). Convert to corners first: x_min = cx - w/2, x_max = cx + w/2.")
        if np.isclose(got, iou((a[0] - a[2], a[1] - a[3], a[0] + a[2], a[1] + a[3]),
                               (b[0] - b[2], b[1] - b[3], b[0] + b[2], b[1] + b[3]))):
            raise Mismatch(f"{what} is {got:.4g}: you went a full w (and h) each way from the centre, making "
                           "each box twice as wide and tall. w is the whole width: the box spans cx - w/2 to cx + w/2.")
        if np.isclose(got, iou((a[0], a[1], a[0] + a[2], a[1] + a[3]), (b[0], b[1], b[0] + b[2], b[1] + b[3]))):
            raise Mismatch(f"{what} is {got:.4g}: you read (cx, cy) as the top-left corner. Here it is the centre "
                           "of the box, which reaches w/2 to each side.")
        raise Mismatch(f"{what} is {got:.4g}; expected {expected:.4g}. Boxes are (cx, cy, w, h): centre, width, "
                       "height.")

    run((1.0, 1.0, 2.0, 2.0), (2.0, 2.0, 2.0, 2.0), " (overlap 1, union 7)")
    run((3.0, 2.0, 2.0, 4.0), (2.0, 3.0, 2.0, 6.0), " (a tall box and a taller one)")
    run((1.0, 1.0, 2.0, 2.0), (4.0, 1.0, 2.0, 2.0), ", side by side")
    run((0.5, 0.5, 1.0, 1.0), (2.5, 2.5, 1.0, 1.0), ", apart on both axes")
    run((0.5, 0.5, 1, 1), (1.5, 0.5, 1, 1), ", boxes that touch along an edge")
    run([2, 2, 4, 4], [2, 2, 2, 2], ", one box inside the other (lists)")
    run(np.array([4.0, 2.5, 4.0, 3.0]), np.array([4.0, 2.5, 4.0, 3.0]), ", the same box twice (arrays)")
    rng = hidden_rng()
    for _ in range(6):
        a, b = (tuple(float(v) for v in np.r_[rng.uniform(0, 10, 2), rng.uniform(0.5, 6, 2)].round(2))
                for _ in range(2))
        run(a, b)


# ------------------------------------------------------------------------------------ 6.5 mask IoU
@exercise("ch06.binary_mask_iou", SOLUTION,
          hints=("IoU counts only object pixels: those in both masks, over those in at least one; background "
                 "pixels that both leave out do not count. Two empty masks agree perfectly.",
                 "IoU = |T ∧ P| / |T ∨ P| with logical and / or (not + and *, which count 0/1 integers), "
                 "and 1.0 when |T ∨ P| = 0."))
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
