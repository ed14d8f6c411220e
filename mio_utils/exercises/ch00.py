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


@exercise("ch00.scale_images", SOLUTION, hint="convert to float32, then divide by 255.")
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
