"""Chapter 00 checkers: each rejects the plausible wrong answers with a specific explanation, accepts other
correct ones."""
import keras
import numpy as np
import pytest
import tensorflow as tf

from mio_utils.exercises import assert_accepts, assert_rejects


def over_256(images):
    return np.asarray(images, np.float32) / 256


def float64_result(images):
    return np.asarray(images, np.float64) / 255


def no_division(images):
    return np.asarray(images, np.float32)


def flattened(images):
    return (np.asarray(images) / 255).reshape(-1).astype(np.float32)


def min_max_scaler(images):
    """A formula you will find online: stretch the image's own range to 0..1."""
    images = np.asarray(images, np.float32)
    return (images - images.min()) / (images.max() - images.min())


def standardised(images):
    images = np.asarray(images, np.float32)
    return (images - images.mean()) / images.std()


def saturates_in_place(images):
    images[images > 200] = 255
    return images.astype(np.float32) / 255


def adds_channel_axis(images):
    """Assumes grey images shaped (n, h, w): adds the channel axis Keras wants, changing the shape."""
    return images[..., None].astype(np.float32) / 255


def rescaling_layer(images):
    return keras.layers.Rescaling(1 / 255)(images)


def convert_image_dtype(images):
    return tf.image.convert_image_dtype(images, tf.float32)


def in_two_steps(images):
    scaled = images.astype("float32")
    scaled /= 255
    return scaled


# ------------------------------------------------------------------------ 0.3 standardise each channel
def _float(images):
    return np.asarray(images, np.float64)


def standardize_globally(images):
    x = _float(images)
    return ((x - x.mean()) / x.std()).astype(np.float32)


def standardize_per_image(images):
    x = _float(images)
    mean, std = x.mean(axis=(1, 2), keepdims=True), x.std(axis=(1, 2), keepdims=True)
    return ((x - mean) / np.where(std > 0, std, 1)).astype(np.float32)


def standardize_over_channels(images):
    """axis=-1: each pixel standardised across its own channels."""
    x = _float(images)
    mean, std = x.mean(axis=-1, keepdims=True), x.std(axis=-1, keepdims=True)
    return ((x - mean) / np.where(std > 0, std, 1)).astype(np.float32)


def standardize_sample_std(images):
    x = _float(images)
    std = x.std(axis=(0, 1, 2), ddof=1, keepdims=True)
    return ((x - x.mean(axis=(0, 1, 2), keepdims=True)) / np.where(std > 0, std, 1)).astype(np.float32)


def standardize_divides_by_zero(images):
    x = _float(images)
    return ((x - x.mean(axis=(0, 1, 2))) / x.std(axis=(0, 1, 2))).astype(np.float32)


def standardize_float64(images):
    x = _float(images)
    std = x.std(axis=(0, 1, 2))
    return (x - x.mean(axis=(0, 1, 2))) / np.where(std > 0, std, 1)


def standardize_is_scaling(images):
    return np.asarray(images, np.float32) / 255


def standardize_with_epsilon(images):
    """Adds a small number to the standard deviation instead of testing for 0: close enough to pass."""
    x = np.asarray(images, np.float32)
    return (x - x.mean(axis=(0, 1, 2))) / (x.std(axis=(0, 1, 2)) + 1e-7)


def standardize_channel_loop(images):
    out = np.zeros(np.shape(images), np.float32)
    for c in range(np.shape(images)[-1]):
        channel = np.asarray(images[..., c], np.float64)
        spread = channel.std()
        out[..., c] = (channel - channel.mean()) / (spread if spread else 1.0)
    return out


def standardize_with_keras(images):
    layer = keras.layers.Normalization(axis=-1)
    layer.adapt(np.asarray(images, np.float32))
    return keras.ops.convert_to_numpy(layer(np.asarray(images, np.float32)))


WRONG_ANSWERS = [
    ("ch00.uint8_wraparound", 260, "true sum"),
    ("ch00.uint8_wraparound", 255, "does not clip"),
    ("ch00.uint8_wraparound", 0, "not what the array holds"),
    ("ch00.uint8_wraparound", 4.5, "not a whole number"),
    ("ch00.uint8_wraparound", -6, "holds only 0 to 255"),
    ("ch00.uint8_wraparound", "4", "as one number"),
    ("ch00.uint8_wraparound", True, "not True"),
    ("ch00.standardize_channels", standardize_globally, "per channel"),
    ("ch00.standardize_channels", standardize_per_image, "per image"),
    ("ch00.standardize_channels", standardize_over_channels, "across its channels"),
    ("ch00.standardize_channels", standardize_sample_std, "ddof=1"),
    ("ch00.standardize_channels", standardize_divides_by_zero, "map it to zeros"),
    ("ch00.standardize_channels", standardize_float64, "float32"),
    ("ch00.standardize_channels", standardize_is_scaling, "scaled to [0, 1]"),
    ("ch00.scale_images", over_256, "not 256"),
    ("ch00.scale_images", float64_result, "dtype is float64"),
    ("ch00.scale_images", no_division, "must lie in [0, 1]"),
    ("ch00.scale_images", flattened, "keep the shape"),
    ("ch00.scale_images", min_max_scaler, "own range"),
    ("ch00.scale_images", standardised, "must lie in [0, 1]"),
    ("ch00.scale_images", saturates_in_place, "changed its input"),
    ("ch00.scale_images", adds_channel_axis, "keep the shape"),
    ("ch00.scale_images", lambda images: np.array([[0, 128 / 255], [1, 0.2]], np.float32), "keep the shape"),
]

CORRECT_ANSWERS = [
    ("ch00.uint8_wraparound", 4.0),
    ("ch00.uint8_wraparound", np.uint8(4)),
    ("ch00.standardize_channels", standardize_with_epsilon),
    ("ch00.standardize_channels", standardize_channel_loop),
    ("ch00.standardize_channels", standardize_with_keras),
    ("ch00.scale_images", rescaling_layer),
    ("ch00.scale_images", convert_image_dtype),
    ("ch00.scale_images", in_two_steps),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS,
                         ids=[f"{e}-{getattr(w, '__name__', repr(w))}" for e, w, _ in WRONG_ANSWERS])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS,
                         ids=[f"{e}-{getattr(a, '__name__', repr(a))}" for e, a in CORRECT_ANSWERS])
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)
