"""Reference answers for chapter 06 · CNNs and vision."""
import math

import numpy as np

# The course library's box IoU is the reference answer: read it in mio_utils/vision.py, where chapter 06
# clips the overlap's width and height at 0 separately and counts the intersection once in the union.
from mio_utils.vision import box_iou  # noqa: F401


def conv_output_size(n, kernel_size, stride=1, padding="valid"):
    """Output length along one axis. padding: 'valid' (p = 0), 'same', or an int p of zeros per side."""
    if padding == "same":
        return math.ceil(n / stride)  # TensorFlow picks the padding that makes this true
    p = 0 if padding == "valid" else int(padding)
    return (n + 2 * p - kernel_size) // stride + 1


def conv2d_single(image, kernel, stride=1):
    """'valid' cross-correlation of a 2-D image with a 2-D kernel (not flipped), with a stride."""
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    oh = (image.shape[0] - kh) // stride + 1
    ow = (image.shape[1] - kw) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = image[i * stride: i * stride + kh, j * stride: j * stride + kw]
            out[i, j] = np.sum(window * kernel)
    return out


def binary_mask_iou(mask_true, mask_pred):
    """|T ∩ P| / |T ∪ P| of two boolean masks; two empty masks agree perfectly (1.0)."""
    t, p = np.asarray(mask_true, bool), np.asarray(mask_pred, bool)
    union = np.logical_or(t, p).sum()
    return 1.0 if union == 0 else np.logical_and(t, p).sum() / union
