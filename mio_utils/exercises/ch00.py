"""Checkers for chapter 00 · Setup and tour."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close, hidden_rng

SOLUTION = "ch00_setup_and_tour.py"


def _image_cases():
    """uint8 images of several shapes; most hold a narrow range of values, so 0 and 255 are often absent."""
    rng = hidden_rng()
    cases = [("a 2x2 image", np.array([[0, 128], [255, 51]], dtype=np.uint8))]
    for shape in [(int(rng.integers(2, 5)), 5, 4), (3, 4, 4, 3), (6, 7)]:
        low = int(rng.integers(10, 90))
        high = int(rng.integers(150, 240))
        images = rng.integers(low, high + 1, size=shape).astype(np.uint8)
        images.flat[0], images.flat[1] = low, high  # pin the range: a min-max scaler maps it to 0..1
        cases.append((f"images shaped {shape} with pixels {low}..{high}", images))
    full = rng.integers(0, 256, size=(2, 3, 3, 1)).astype(np.uint8)
    full.flat[0], full.flat[1] = 0, 255
    cases.append(("images shaped (2, 3, 3, 1) that hold 0 and 255", full))
    return cases


def _dtype_of(result):
    dtype = getattr(result, "dtype", None)
    if dtype is None:
        return type(result).__name__
    return getattr(dtype, "name", str(dtype))


@exercise("ch00.scale_images", SOLUTION,
          hints=("convert to a floating-point dtype first, then divide by the largest value a uint8 pixel can "
                 "take, the same number for every image.",
                 "scaled = float32(images) / 255: 0 stays 0 and 255 becomes 1.0; keep the shape."))
def check_scale_images(scale_images):
    for name, images in _image_cases():
        expected = images.astype(np.float64) / 255.0
        result = call(scale_images, images)
        scaled = as_array(result, f"the result for {name}")
        if scaled.shape != images.shape:
            raise Mismatch(f"for {name} the result has shape {scaled.shape}; scaling must keep the shape "
                           f"{images.shape}.")
        if _dtype_of(result) != "float32":
            raise Mismatch(f"the result's dtype is {_dtype_of(result)}; Keras layers compute in float32, "
                           "so return float32.")
        if np.allclose(scaled, images / 256.0, atol=1e-6):
            raise Mismatch(f"for {name} pixel {images.max()} became {images.max() / 256:.4f}: divide by 255, "
                           "the largest pixel value, not 256.")
        if not np.all((scaled >= 0) & (scaled <= 1)):
            raise Mismatch(f"for {name} the values run from {scaled.min():g} to {scaled.max():g}; scaled "
                           "pixels must lie in [0, 1].")
        span = images.max() - images.min()
        if span and np.allclose(scaled, (images - images.min()) / span, atol=1e-6) and span != 255:
            raise Mismatch(f"for {name} you stretched the image's own range {images.min()}..{images.max()} "
                           "to 0..1. Divide by 255 instead, so that a pixel value means the same in every "
                           "image (0 stays 0, 255 becomes 1).")
        expect_close(scaled, expected, f"the scaled {name}", atol=1e-6)


# --------------------------------------------------------------------- 0.1 predict: uint8 arithmetic
WRAPPED = (250 + 10) % 256  # what a uint8 array holds after 250 + 10


def _one_number(prediction, what):
    """A prediction that must be one number, as a float, or a plain-words Mismatch."""
    if isinstance(prediction, (bool, np.bool_)):
        raise Mismatch(f"write {what} as a number, not {prediction!r}.")
    if isinstance(prediction, np.ndarray) and prediction.ndim == 0 and prediction.dtype.kind in "iuf":
        prediction = prediction.item()
    if not isinstance(prediction, (int, float, np.integer, np.floating)):
        raise Mismatch(f"write {what} as one number (for example `my_prediction = 7`); got "
                       f"{type(prediction).__name__}.")
    value = float(prediction)
    if not np.isfinite(value):
        raise Mismatch(f"{value} is not a pixel value; write {what} as one whole number.")
    return value


@exercise("ch00.uint8_wraparound", SOLUTION, kind="prediction",
          hints=("a uint8 has 8 bits, so it holds only the whole numbers 0 to 255, and adding a small Python "
                 "number to a uint8 array gives a uint8 array again.",
                 "the true sum, 260, does not fit in 8 bits; uint8 arithmetic keeps the remainder modulo 256: "
                 "260 mod 256."))
def check_uint8_wraparound(prediction):
    value = _one_number(prediction, "the pixel's new value")
    if value == WRAPPED:
        return ("250 + 10 = 260 does not fit in 8 bits, so uint8 arithmetic wraps around: 260 - 256 = 4, and "
                "NumPy does not warn for arrays. A bright pixel turned almost black: that is why you convert "
                "images to float32 before doing arithmetic on them (exercise 0.2).")
    if value == 260:
        raise Mismatch("260 is the true sum, but the result is still a uint8 array, and a uint8 holds only "
                       "0 to 255. What happens to a number that does not fit?")
    if value == 255:
        raise Mismatch("255 would mean NumPy clips (saturates) at the largest value; some image libraries do, "
                       "but NumPy's integer arithmetic does not clip.")
    if value != int(value):
        raise Mismatch(f"{value:g} is not a whole number; the result is still a uint8 array.")
    if not 0 <= value <= 255:
        raise Mismatch(f"{value:g} cannot be stored in a uint8, which holds only 0 to 255.")
    raise Mismatch(f"{value:g} is not what the array holds. Work out the true sum first, then ask what is left of "
                   "it in 8 bits.")


# ------------------------------------------------------------------ 0.3 standardise each channel
def _channel_cases():
    """uint8 images (n, h, w, c) whose channels have different ranges; one case has a constant channel."""
    rng = hidden_rng()
    cases = []
    for n, h, w, c in [(int(rng.integers(3, 6)), 4, 5, 3), (2, 6, 6, 1), (int(rng.integers(2, 5)), 3, 3, 4)]:
        lows = rng.integers(0, 100, c)
        highs = lows + rng.integers(40, 150, c)
        images = np.stack([rng.integers(lo, hi + 1, size=(n, h, w)) for lo, hi in zip(lows, highs)], axis=-1)
        images[0] += rng.integers(0, 40, c).astype(images.dtype)  # images differ in brightness: per-image stats differ
        cases.append((f"images shaped {(n, h, w, c)}", np.clip(images, 0, 255).astype(np.uint8)))
    constant = rng.integers(0, 256, size=(3, 4, 4, 3)).astype(np.uint8)
    constant[..., 1] = int(rng.integers(1, 255))
    cases.append(("images shaped (3, 4, 4, 3) whose channel 1 holds one value everywhere", constant))
    return cases


def _standardized(images, axes):
    x = images.astype(np.float64)
    mean = x.mean(axis=axes, keepdims=True)
    std = x.std(axis=axes, keepdims=True)
    return (x - mean) / np.where(std > 0, std, 1.0)


@exercise("ch00.standardize_channels", SOLUTION,
          hints=("compute one mean and one standard deviation per channel, over every image and every pixel "
                 "position (all axes but the last), then subtract and divide, in floating point.",
                 "for channel c: mean_c = mean of images[..., c], std_c = its population standard deviation "
                 "(ddof=0); result[..., c] = (images[..., c] - mean_c) / std_c, with std_c replaced by 1 where "
                 "it is 0; return float32."))
def check_standardize_channels(standardize_channels):
    for name, images in _channel_cases():
        expected = _standardized(images, (0, 1, 2))
        result = call(standardize_channels, images)
        got = as_array(result, f"the result for {name}")
        if got.shape != images.shape:
            raise Mismatch(f"for {name} the result has shape {got.shape}; standardising keeps the shape "
                           f"{images.shape}.")
        if _dtype_of(result) != "float32":
            raise Mismatch(f"the result's dtype is {_dtype_of(result)}; return float32, the dtype Keras layers "
                           "compute in.")
        if not np.all(np.isfinite(got)):
            raise Mismatch(f"for {name} the result holds nan or inf. A channel whose values are all equal has "
                           "standard deviation 0: map it to zeros instead of dividing by 0.")
        if np.allclose(got, expected, atol=1e-4):
            continue
        if np.allclose(got, images / 255.0, atol=1e-4):
            raise Mismatch(f"for {name} you scaled to [0, 1]; standardising subtracts each channel's mean and "
                           "divides by its standard deviation, so every channel ends with mean 0 and std 1.")
        if np.allclose(got, _standardized(images, (0, 1, 2, 3)), atol=1e-4):
            raise Mismatch(f"for {name} you used one mean and standard deviation for all channels together; "
                           "compute them per channel (over every axis but the last).")
        if np.allclose(got, _standardized(images, (1, 2)), atol=1e-4):
            raise Mismatch(f"for {name} you computed the statistics per image; compute them per channel over "
                           "all images at once.")
        if np.allclose(got, _standardized(images, (3,)), atol=1e-4):
            raise Mismatch(f"for {name} you standardised each pixel across its channels (the last axis); "
                           "average over the other axes instead: axis=(0, 1, 2).")
        x = images.astype(np.float64)
        sample_std = x.std(axis=(0, 1, 2), ddof=1, keepdims=True)
        if np.allclose(got, (x - x.mean(axis=(0, 1, 2), keepdims=True)) / np.where(sample_std > 0, sample_std, 1),
                       atol=1e-4):
            raise Mismatch(f"for {name} you divided by the sample standard deviation (ddof=1); use the "
                           "population one (ddof=0, NumPy's default).")
        expect_close(got, expected, f"the standardised {name}", atol=1e-4, rtol=1e-4)
