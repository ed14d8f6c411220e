"""Reference answers for chapter 00 · Setup and tour."""
import numpy as np


def scale_images(images):
    """uint8 pixels 0..255 to float32 in [0, 1]: divide by 255 (the largest value), in floating point."""
    return np.asarray(images, dtype=np.float32) / 255.0
