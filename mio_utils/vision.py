"""Convolutional vision: convolution and pooling by hand, CNN block builders, a small U-Net, IoU.

Taught in chapter 06, whose ``# @save`` cells are the source of the generated block at the end of this file
(the numbers by hand, the blocks and the builders). The NumPy functions exist to show the mechanism, and
chapter 06 proves them equal to ``keras.layers.Conv2D`` and ``keras.layers.MaxPooling2D``. Layouts follow
Keras: images are NHWC ``(n, height, width, channels)`` and kernels ``(kh, kw, c_in, c_out)``. The IoU
metrics below are measurement helpers the chapter uses without showing.
"""
from __future__ import annotations

import math

import keras
import numpy as np
from keras import layers


# ---------------------------------------------------------------- intersection over union
def mask_iou(y_true, y_pred, num_classes: int) -> np.ndarray:
    """Per-class IoU of two label maps (integers, same shape): ``|T ∩ P| / |T ∪ P|`` for each class.

    Counts are pooled over every pixel of every image, as ``keras.metrics.MeanIoU`` does. A class absent
    from both maps gets NaN (it has no IoU), so average with ``np.nanmean``: that is the *mean IoU*.
    Taught in chapter 06.
    """
    y_true, y_pred = np.asarray(y_true), np.asarray(y_pred)
    if y_true.shape != y_pred.shape:
        raise ValueError(f"label maps must have the same shape; got {y_true.shape} and {y_pred.shape}. "
                         "Pass class indices (argmax over the last axis), not per-class scores.")
    ious = np.full(num_classes, np.nan)
    for c in range(num_classes):
        t, p = y_true == c, y_pred == c
        union = np.logical_or(t, p).sum()
        if union:
            ious[c] = np.logical_and(t, p).sum() / union
    return ious


def box_iou(a, b) -> np.ndarray:
    """IoU of boxes ``(..., 4)`` as ``(x_min, y_min, x_max, y_max)``, paired element by element.

    The intersection's width and height are clipped at 0, so disjoint boxes get 0 (not a negative
    area), and the union subtracts the intersection once: ``area_a + area_b - inter``.
    Taught in chapter 06.
    """
    a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
    if a.shape[-1] != 4 or b.shape[-1] != 4:
        raise ValueError(f"boxes are (..., 4) arrays (x_min, y_min, x_max, y_max); got {a.shape} and {b.shape}.")
    width = np.clip(np.minimum(a[..., 2], b[..., 2]) - np.maximum(a[..., 0], b[..., 0]), 0, None)
    height = np.clip(np.minimum(a[..., 3], b[..., 3]) - np.maximum(a[..., 1], b[..., 1]), 0, None)
    inter = width * height

    def area(box):
        return np.clip(box[..., 2] - box[..., 0], 0, None) * np.clip(box[..., 3] - box[..., 1], 0, None)

    union = area(a) + area(b) - inter
    return np.where(union > 0, inter / np.where(union > 0, union, 1), 0.0)


# ---- @save from chapters/06_cnn_vision.ipynb: generated, edit the chapter and run `make export` ----
PADDINGS = ("valid", "same")


def _pair(value, what: str) -> tuple[int, int]:
    """(v, v) for one positive integer; a pair as it is: strides and pool sizes may differ per axis."""
    pair = (value, value) if isinstance(value, (int, np.integer)) else tuple(value)
    if len(pair) != 2 or not all(isinstance(v, (int, np.integer)) and v >= 1 for v in pair):
        raise ValueError(f"{what} must be a positive integer or a pair of them; got {value!r}.")
    return int(pair[0]), int(pair[1])


def conv_output_size(n: int, kernel: int, stride: int = 1, padding: str = "valid") -> int:
    """Output length along one axis: ``floor((n - k) / s) + 1`` for 'valid', ``ceil(n / s)`` for 'same'.

    With explicit zero padding ``p`` on each side the general formula is ``floor((n + 2p - k) / s) + 1``;
    'same' chooses the padding that makes the result ``ceil(n / s)``. Taught in chapter 06.
    """
    if padding not in PADDINGS:
        raise ValueError(f"padding must be one of {PADDINGS}; got {padding!r}.")
    if n < 1 or kernel < 1 or stride < 1:
        raise ValueError(f"n, kernel and stride must be positive; got {n}, {kernel}, {stride}.")
    if padding == "same":
        return math.ceil(n / stride)
    if kernel > n:
        raise ValueError(f"a {kernel}-wide kernel does not fit in {n} pixels with 'valid' padding.")
    return (n - kernel) // stride + 1


def same_padding(n: int, kernel: int, stride: int) -> tuple[int, int]:
    """Zeros added (before, after) along one axis for 'same' padding, exactly as TensorFlow does.

    The total is whatever makes the output ``ceil(n / s)`` long; when it is odd, the extra zero goes
    *after* (bottom/right). Taught in chapter 06.
    """
    out = math.ceil(n / stride)
    total = max((out - 1) * stride + kernel - n, 0)
    return total // 2, total - total // 2


def conv2d(x, kernel, bias=None, stride=1, padding: str = "valid") -> np.ndarray:
    """2-D convolution as deep learning defines it (cross-correlation: the kernel is *not* flipped).

    ``x``: ``(n, h, w, c_in)``; ``kernel``: ``(kh, kw, c_in, c_out)``; ``bias``: ``(c_out,)`` or None.
    ``out[b, i, j, o] = bias[o] + sum_{u, v, c} x_pad[b, i*s + u, j*s + v, c] * kernel[u, v, c, o]``.
    Equal to ``keras.layers.Conv2D`` with the same weights. Taught in chapter 06.
    """
    x, kernel = np.asarray(x, np.float64), np.asarray(kernel, np.float64)
    if x.ndim != 4 or kernel.ndim != 4:
        raise ValueError(f"conv2d expects x (n, h, w, c_in) and kernel (kh, kw, c_in, c_out); "
                         f"got shapes {x.shape} and {kernel.shape}.")
    if x.shape[3] != kernel.shape[2]:
        raise ValueError(f"x has {x.shape[3]} channels but the kernel expects {kernel.shape[2]}.")
    sh, sw = _pair(stride, "stride")
    kh, kw, _, c_out = kernel.shape
    _, h, w, _ = x.shape
    oh, ow = conv_output_size(h, kh, sh, padding), conv_output_size(w, kw, sw, padding)
    if padding == "same":
        x = np.pad(x, ((0, 0), same_padding(h, kh, sh), same_padding(w, kw, sw), (0, 0)))
    out = np.zeros((x.shape[0], oh, ow, c_out))
    for u in range(kh):  # one kernel tap at a time: the pixel u rows, v columns into every window
        for v in range(kw):
            window = x[:, u: u + sh * (oh - 1) + 1: sh, v: v + sw * (ow - 1) + 1: sw, :]  # (n, oh, ow, c_in)
            out += window @ kernel[u, v]  # (c_in, c_out): sums over the input channels
    if bias is not None:
        out += np.asarray(bias, np.float64)
    return out


def max_pool2d(x, pool_size=2, stride=None, padding: str = "valid") -> np.ndarray:
    """Max pooling on ``(n, h, w, c)``: the largest value in each window, channel by channel.

    ``stride`` defaults to ``pool_size`` (non-overlapping windows), as in ``keras.layers.MaxPooling2D``.
    With 'same' padding the padded cells are -inf, so they never win. Taught in chapter 06.
    """
    x = np.asarray(x, np.float64)
    if x.ndim != 4:
        raise ValueError(f"max_pool2d expects x shaped (n, h, w, c); got {x.shape}.")
    ph, pw = _pair(pool_size, "pool_size")
    sh, sw = _pair(pool_size if stride is None else stride, "stride")
    _, h, w, _ = x.shape
    oh, ow = conv_output_size(h, ph, sh, padding), conv_output_size(w, pw, sw, padding)
    if padding == "same":
        x = np.pad(x, ((0, 0), same_padding(h, ph, sh), same_padding(w, pw, sw), (0, 0)),
                   constant_values=-np.inf)
    out = np.full((x.shape[0], oh, ow, x.shape[3]), -np.inf)
    for u in range(ph):
        for v in range(pw):
            out = np.maximum(out, x[:, u: u + sh * (oh - 1) + 1: sh, v: v + sw * (ow - 1) + 1: sw, :])
    return out


# Keras's default BatchNormalization momentum (0.99) needs hundreds of steps before the moving statistics used
# at inference forget their initial values; on small datasets (the digits: a few dozen steps per epoch) a model
# then scores far worse in evaluation than in training. 0.9 forgets in tens of steps.
BN_MOMENTUM = 0.9
BLOCKS = ("plain", "residual", "inception")


def conv_bn_relu(x, filters: int, kernel_size=3, strides=1, name: str | None = None):
    """Conv2D (no bias: batch norm has its own shift) → BatchNormalization → ReLU, 'same' padding.

    The basic unit of every builder in this chapter. Taught in chapter 06.
    """
    x = layers.Conv2D(filters, kernel_size, strides=strides, padding="same", use_bias=False,
                      name=None if name is None else f"{name}_conv")(x)
    x = layers.BatchNormalization(momentum=BN_MOMENTUM, name=None if name is None else f"{name}_bn")(x)
    return layers.ReLU(name=None if name is None else f"{name}_relu")(x)


def build_cnn(input_shape, num_classes: int, block: str = "plain", widths=(32, 64), blocks_per_stage: int = 1,
              upsample: int = 1, dropout: float = 0.0, augment: bool = False, name: str | None = None):
    """A small image classifier: stages of blocks, each stage after the first halving the resolution.

    ``block``: 'plain' (two conv-BN-ReLU per block), 'residual' (:func:`residual_block`) or
    'inception' (:func:`inception_block`, the stage width split 1/4, 1/2, 1/8, 1/8 over its branches);
    both are written in section 4 of chapter 06. ``upsample`` > 1 first enlarges tiny inputs so there is
    room to pool. ``augment`` adds random shifts of 1/8 of the image and small rotations (training only).
    Input: uint8-range images; the model rescales by 1/255 itself. Output: logits (no softmax), so
    compile with ``from_logits=True``. The last stage's output layer is named ``"features"``; inside,
    layers are named by stage and block, e.g. a plain model's ``"s0b0a_conv"`` (first convolution) and
    ``"s1b0b_relu"`` (stage 2's output). Taught in chapter 06.
    """
    if block not in BLOCKS:
        raise ValueError(f"block must be one of {BLOCKS}; got {block!r}.")
    if len(input_shape) != 3:
        raise ValueError(f"input_shape is (height, width, channels); got {input_shape!r}.")
    inputs = keras.Input(input_shape)
    x = layers.Rescaling(1 / 255)(inputs)
    if upsample > 1:
        x = layers.UpSampling2D(upsample, interpolation="bilinear")(x)
    if augment:
        x = layers.RandomTranslation(0.125, 0.125, fill_mode="constant")(x)
        x = layers.RandomRotation(0.04, fill_mode="constant")(x)
    for stage, width in enumerate(widths):
        if stage > 0:
            x = layers.MaxPooling2D(2)(x)
        for i in range(blocks_per_stage):
            tag = f"s{stage}b{i}"
            if block == "plain":
                x = conv_bn_relu(conv_bn_relu(x, width, name=f"{tag}a"), width, name=f"{tag}b")
            elif block == "residual":
                if stage == 0 and i == 0 and x.shape[-1] != width:  # a first convolution (the "stem"), so the
                    x = conv_bn_relu(x, width, name="stem")  # first shortcut carries features, not raw pixels
                x = residual_block(x, width, name=tag)
            else:  # GoogLeNet's proportions: 1/4 1x1, 1/2 3x3, 1/8 5x5, 1/8 pool branch
                q = max(width // 8, 1)
                x = inception_block(x, 2 * q, 2 * q, 4 * q, q, q, q, name=tag)
    x = layers.Identity(name="features")(x)
    x = layers.GlobalAveragePooling2D()(x)
    if dropout:
        x = layers.Dropout(dropout)(x)
    outputs = layers.Dense(num_classes, name="logits")(x)
    return keras.Model(inputs, outputs, name=name or f"{block}_cnn")


def residual_block(x, filters: int, strides=1, name: str | None = None):
    """A ResNet basic block (He et al., 2016): ``relu(F(x) + shortcut(x))``, F = two 3x3 convolutions.

    The shortcut is the identity when shapes match, else a strided 1x1 convolution ("projection").
    Because the block only has to learn a *correction* F to the identity, gradients reach early
    layers through the shortcut and deep stacks stay trainable. Taught in chapter 06.
    """
    def n(part):
        return None if name is None else f"{name}_{part}"

    y = conv_bn_relu(x, filters, 3, strides, name=n("a"))
    y = layers.Conv2D(filters, 3, padding="same", use_bias=False, name=n("b_conv"))(y)
    y = layers.BatchNormalization(momentum=BN_MOMENTUM, name=n("b_bn"))(y)  # no ReLU yet: it comes after the sum
    shortcut = x
    if strides != 1 or x.shape[-1] != filters:
        shortcut = layers.Conv2D(filters, 1, strides=strides, use_bias=False, name=n("proj_conv"))(x)
        shortcut = layers.BatchNormalization(momentum=BN_MOMENTUM, name=n("proj_bn"))(shortcut)
    return layers.ReLU(name=n("out"))(layers.Add(name=n("add"))([y, shortcut]))


def inception_block(x, f1: int, f3_reduce: int, f3: int, f5_reduce: int, f5: int, f_pool: int,
                    name: str | None = None):
    """An Inception module (Szegedy et al., 2015): four parallel branches, concatenated on channels.

    Branches: 1x1; 1x1 → 3x3; 1x1 → 5x5; 3x3 max-pool → 1x1. The cheap 1x1 "reduce" convolutions cut
    the channels before the expensive 3x3 and 5x5 ones, so the block sees several scales at once for
    far fewer parameters than one wide 5x5 layer. Output channels: ``f1 + f3 + f5 + f_pool``.
    Taught in chapter 06.
    """
    def n(part):
        return None if name is None else f"{name}_{part}"

    b1 = conv_bn_relu(x, f1, 1, name=n("1x1"))
    b3 = conv_bn_relu(conv_bn_relu(x, f3_reduce, 1, name=n("3x3_reduce")), f3, 3, name=n("3x3"))
    b5 = conv_bn_relu(conv_bn_relu(x, f5_reduce, 1, name=n("5x5_reduce")), f5, 5, name=n("5x5"))
    bp = layers.MaxPooling2D(3, strides=1, padding="same", name=n("pool"))(x)
    bp = conv_bn_relu(bp, f_pool, 1, name=n("pool_proj"))
    return layers.Concatenate(name=n("concat"))([b1, b3, b5, bp])


def build_unet(input_shape, num_classes: int, widths=(16, 32, 64), name: str = "unet"):
    """A small U-Net (Ronneberger et al., 2015): an encoder that pools, a decoder that upsamples, and
    skip connections that concatenate each encoder stage's features into the decoder at the same size.

    Fully convolutional (no Dense layer), so it returns one logit vector per pixel:
    ``(batch, h, w, num_classes)``. Height and width must be divisible by ``2 ** (len(widths) - 1)``.
    Input: uint8-range images; the model rescales by 1/255. Taught in chapter 06.
    """
    factor = 2 ** (len(widths) - 1)
    if input_shape[0] % factor or input_shape[1] % factor:
        raise ValueError(f"a U-Net with {len(widths)} levels needs height and width divisible by {factor}; "
                         f"got {input_shape[:2]}.")
    inputs = keras.Input(input_shape)
    x = layers.Rescaling(1 / 255)(inputs)
    skips = []
    for level, width in enumerate(widths):  # encoder: "what", at ever coarser resolution
        if level > 0:
            x = layers.MaxPooling2D(2)(x)
        x = conv_bn_relu(conv_bn_relu(x, width, name=f"down{level}a"), width, name=f"down{level}b")
        skips.append(x)
    for level in range(len(widths) - 2, -1, -1):  # decoder: back up, one level at a time
        width = widths[level]
        x = layers.Conv2DTranspose(width, 2, strides=2, padding="same", name=f"up{level}_transpose")(x)
        x = layers.Concatenate(name=f"up{level}_skip")([x, skips[level]])  # "where", from the encoder
        x = conv_bn_relu(conv_bn_relu(x, width, name=f"up{level}a"), width, name=f"up{level}b")
    outputs = layers.Conv2D(num_classes, 1, name="pixel_logits")(x)
    return keras.Model(inputs, outputs, name=name)


def build_box_regressor(input_shape, widths=(16, 32, 64), hidden: int = 64, name: str = "box_regressor"):
    """A CNN that predicts one box per image as ``(x_min, y_min, x_max, y_max)`` divided by the image size.

    Convolution stages (each halving the resolution) → Flatten → Dense → 4 sigmoid outputs in [0, 1].
    It flattens instead of global-average-pooling on purpose: averaging over positions throws away
    *where* things are, which is the very thing a box encodes. Train with a regression loss on
    ``boxes / size``; multiply predictions by the size to get pixels. Taught in chapter 06.
    """
    if len(input_shape) != 3:
        raise ValueError(f"input_shape is (height, width, channels); got {input_shape!r}.")
    inputs = keras.Input(input_shape)
    x = layers.Rescaling(1 / 255)(inputs)
    for stage, width in enumerate(widths):
        x = conv_bn_relu(x, width, name=f"s{stage}")
        x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)  # keeps every position: the box is about where
    x = layers.Dense(hidden, activation="relu")(x)
    outputs = layers.Dense(4, activation="sigmoid", name="box")(x)
    return keras.Model(inputs, outputs, name=name)
# ---- end @save from chapters/06_cnn_vision.ipynb ----
