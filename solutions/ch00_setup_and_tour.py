"""Reference answers for chapter 00 · Setup and tour."""
import numpy as np


def scale_images(images):
    """uint8 pixels 0..255 to float32 in [0, 1]: divide by 255 (the largest value), in floating point."""
    return np.asarray(images, dtype=np.float32) / 255.0


# 0.1, predict then run: a uint8 array holds 0..255 only, so 250 + 10 = 260 wraps around to 260 - 256 = 4.
uint8_wraparound = 4


def standardize_channels(images):
    """uint8 images (n, h, w, c) to float32 with mean 0 and standard deviation 1 in every channel, the statistics
    taken over all images and pixel positions; a constant channel becomes zeros."""
    images = np.asarray(images, dtype=np.float64)
    mean = images.mean(axis=(0, 1, 2), keepdims=True)
    std = images.std(axis=(0, 1, 2), keepdims=True)
    return ((images - mean) / np.where(std > 0, std, 1.0)).astype(np.float32)
