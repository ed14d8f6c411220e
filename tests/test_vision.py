"""Convolution and pooling by hand equal Keras's layers; the builders and IoU behave as documented."""
import keras
import numpy as np
import pytest

from mio_utils import vision


@pytest.mark.parametrize("size, kernel, stride, padding", [
    ((8, 8), 3, 1, "valid"), ((8, 8), 3, 1, "same"), ((9, 7), 3, 2, "same"), ((10, 10), 4, 2, "same"),
    ((10, 11), (3, 2), (2, 3), "valid"), ((7, 7), 5, 3, "same"), ((6, 6), 1, 1, "valid"),
])
def test_conv2d_equals_keras(size, kernel, stride, padding):
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, *size, 3)).astype("float32")
    layer = keras.layers.Conv2D(4, kernel, strides=stride, padding=padding)
    layer.build(x.shape)
    weights = rng.normal(size=layer.kernel.shape).astype("float32")
    bias = rng.normal(size=4).astype("float32")
    layer.set_weights([weights, bias])
    np.testing.assert_allclose(vision.conv2d(x, weights, bias, stride, padding), layer(x).numpy(), atol=1e-5)


@pytest.mark.parametrize("pool, stride, padding", [(2, None, "valid"), (3, 2, "same"), (3, 1, "same"),
                                                   ((2, 3), (1, 2), "valid"), (2, None, "same")])
def test_max_pool2d_equals_keras(pool, stride, padding):
    x = np.random.default_rng(1).normal(size=(2, 7, 9, 3)).astype("float32")
    expected = keras.layers.MaxPooling2D(pool, strides=stride, padding=padding)(x).numpy()
    np.testing.assert_array_equal(vision.max_pool2d(x, pool, stride, padding), expected)


def test_convolution_is_cross_correlation():
    """A kernel that is not symmetric shows it: a single 1 at the kernel's top-left picks x[i, j]."""
    x = np.arange(16.0).reshape(1, 4, 4, 1)
    kernel = np.zeros((2, 2, 1, 1))
    kernel[0, 0] = 1
    np.testing.assert_array_equal(vision.conv2d(x, kernel)[0, :, :, 0], x[0, :3, :3, 0])


@pytest.mark.parametrize("n, k, s", [(28, 3, 1), (28, 3, 2), (7, 3, 2), (8, 2, 2), (5, 5, 3), (32, 7, 4)])
def test_output_size_and_same_padding_match_keras(n, k, s):
    for padding in ("valid", "same"):
        expected = keras.layers.Conv2D(1, k, strides=s, padding=padding).compute_output_shape((1, n, n, 1))[1]
        assert vision.conv_output_size(n, k, s, padding) == expected
    before, after = vision.same_padding(n, k, s)
    assert after - before in (0, 1) and (n + before + after - k) // s + 1 == -(-n // s)


def test_bad_inputs_raise_value_errors():
    with pytest.raises(ValueError, match="padding must be"):
        vision.conv_output_size(8, 3, 1, "full")
    with pytest.raises(ValueError, match="does not fit"):
        vision.conv_output_size(2, 3)
    with pytest.raises(ValueError, match="channels"):
        vision.conv2d(np.zeros((1, 4, 4, 2)), np.zeros((3, 3, 3, 1)))
    with pytest.raises(ValueError, match="n, h, w, c_in"):
        vision.conv2d(np.zeros((4, 4)), np.zeros((3, 3, 1, 1)))
    with pytest.raises(ValueError, match="stride"):
        vision.max_pool2d(np.zeros((1, 4, 4, 1)), 2, 0)
    with pytest.raises(ValueError, match="same shape"):
        vision.mask_iou(np.zeros((2, 4, 4)), np.zeros((2, 4, 4, 3)), 3)
    with pytest.raises(ValueError, match="x_min"):
        vision.box_iou(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="block must be"):
        vision.build_cnn((8, 8, 1), 10, block="dense")
    with pytest.raises(ValueError, match="divisible by 4"):
        vision.build_unet((30, 30, 3), 2, widths=(4, 8, 16))


def test_box_iou_cases():
    boxes_a = np.array([[0, 0, 2, 2], [0, 0, 2, 2], [0, 0, 1, 1], [0, 0, 4, 4], [1, 1, 3, 3]], float)
    boxes_b = np.array([[1, 1, 3, 3], [3, 0, 5, 2], [2, 2, 3, 3], [1, 1, 3, 3], [1, 1, 3, 3]], float)
    np.testing.assert_allclose(vision.box_iou(boxes_a, boxes_b), [1 / 7, 0, 0, 0.25, 1])
    assert vision.box_iou([0, 0, 0, 0], [0, 0, 0, 0]) == 0  # degenerate boxes: no area, no IoU


def test_mask_iou_equals_keras_mean_iou():
    rng = np.random.default_rng(2)
    y_true, y_pred = rng.integers(0, 4, (3, 8, 8)), rng.integers(0, 4, (3, 8, 8))
    metric = keras.metrics.MeanIoU(num_classes=4)
    metric.update_state(y_true, y_pred)
    assert np.nanmean(vision.mask_iou(y_true, y_pred, 4)) == pytest.approx(float(metric.result()), abs=1e-6)
    assert np.isnan(vision.mask_iou(np.zeros((2, 2)), np.zeros((2, 2)), 2)[1])  # an absent class has no IoU


def test_blocks_shapes_and_parameters():
    x = keras.Input((8, 8, 16))
    assert vision.residual_block(x, 16).shape == (None, 8, 8, 16)
    identity = keras.Model(x, vision.residual_block(x, 16))
    projected = keras.Model(x, vision.residual_block(x, 32, strides=2))
    assert projected.output.shape == (None, 4, 4, 32)
    assert not any("proj" in layer.name for layer in identity.layers if layer.name)
    inception = vision.inception_block(x, 8, 4, 16, 2, 4, 4)
    assert inception.shape == (None, 8, 8, 32)


@pytest.mark.parametrize("block", vision.BLOCKS)
def test_build_cnn_outputs_logits(block):
    model = vision.build_cnn((8, 8, 1), 10, block=block, widths=(8, 16), upsample=2, augment=True, dropout=0.1)
    images = np.random.default_rng(0).integers(0, 256, (2, 8, 8, 1)).astype("uint8")
    assert model.predict(images, verbose=0).shape == (2, 10)
    assert model.get_layer("features").output.shape == (None, 8, 8, 16)


def test_unet_and_box_regressor_shapes():
    unet = vision.build_unet((16, 16, 3), 4, widths=(4, 8, 16))
    assert unet.output.shape == (None, 16, 16, 4)
    assert not any(isinstance(layer, keras.layers.Dense) for layer in unet.layers), "a U-Net is fully convolutional"
    regressor = vision.build_box_regressor((16, 16, 3), widths=(4, 8))
    boxes = regressor.predict(np.zeros((3, 16, 16, 3), "uint8"), verbose=0)
    assert boxes.shape == (3, 4) and np.all((boxes >= 0) & (boxes <= 1))
