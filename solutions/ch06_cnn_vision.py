"""Reference answers for chapter 06 · CNNs and vision."""
import numpy as np

# 6.1 (predict, then run): Conv2D(16, 5, strides=2, padding="same") on a 32x32x3 image.
# 16 filters x (5 x 5 x 3 weights + 1 bias); stride, padding and image size do not enter.
predict_conv_params = 16 * (5 * 5 * 3 + 1)  # 1216


def dilated_output_size(n, kernel_size, stride=1, padding="valid", dilation=1):
    """Output length along one axis of a dilated convolution. padding: 'valid' (p = 0) or an int p per side."""
    p = 0 if padding == "valid" else int(padding)
    span = dilation * (kernel_size - 1) + 1  # k taps, d pixels apart
    return (n + 2 * p - span) // stride + 1


def conv2d_single(image, kernel, stride=1, dilation=1):
    """'valid' cross-correlation of a 2-D image with a 2-D kernel (not flipped), with a stride and a dilation."""
    image, kernel = np.asarray(image, float), np.asarray(kernel, float)
    kh, kw = kernel.shape
    oh = (image.shape[0] - dilation * (kh - 1) - 1) // stride + 1
    ow = (image.shape[1] - dilation * (kw - 1) - 1) // stride + 1
    out = np.zeros((oh, ow))
    for i in range(oh):
        for j in range(ow):
            window = image[i * stride: i * stride + dilation * (kh - 1) + 1: dilation,
                           j * stride: j * stride + dilation * (kw - 1) + 1: dilation]
            out[i, j] = np.sum(window * kernel)
    return out


def box_iou_cxcywh(box_a, box_b):
    """IoU of two boxes given as (cx, cy, w, h): centre, width and height."""
    def corners(box):
        cx, cy, w, h = (float(v) for v in box)
        return cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2

    ax0, ay0, ax1, ay1 = corners(box_a)
    bx0, by0, bx1, by1 = corners(box_b)
    inter = max(0.0, min(ax1, bx1) - max(ax0, bx0)) * max(0.0, min(ay1, by1) - max(ay0, by0))
    union = (ax1 - ax0) * (ay1 - ay0) + (bx1 - bx0) * (by1 - by0) - inter
    return inter / union if union > 0 else 0.0


def binary_mask_iou(mask_true, mask_pred):
    """|T ∩ P| / |T ∪ P| of two boolean masks; two empty masks agree perfectly (1.0)."""
    t, p = np.asarray(mask_true, bool), np.asarray(mask_pred, bool)
    union = np.logical_or(t, p).sum()
    return 1.0 if union == 0 else np.logical_and(t, p).sum() / union
