"""Checkers for chapter 00 · Setup and tour."""
import numpy as np

from . import Mismatch, as_array, call, exercise, expect_close

SOLUTION = "ch00_setup_and_tour.py"


@exercise("ch00.scale_images", SOLUTION, hint="convert to float32, then divide by 255.")
def check_scale_images(scale_images):
    images = np.array([[[0], [128]], [[255], [51]]], dtype=np.uint8)
    result = call(scale_images, images)
    scaled = as_array(result, "the scaled images")
    if scaled.shape != images.shape:
        raise Mismatch(f"the result has shape {scaled.shape}; scaling must keep the shape {images.shape}.")
    if np.isclose(scaled.max(), 255 / 256):
        raise Mismatch("255 became 0.996: divide by 255, the largest pixel value, not 256.")
    if scaled.max() > 1:
        raise Mismatch(f"the largest value is {scaled.max():g}; scaled pixels must lie in [0, 1].")
    if getattr(result, "dtype", None) != np.float32:
        raise Mismatch(f"the result's dtype is {getattr(result, 'dtype', type(result).__name__)}; "
                       "Keras layers compute in float32, so return float32.")
    expect_close(scaled, images / 255.0, "the scaled images", atol=1e-6)
