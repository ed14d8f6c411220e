"""Chapter 00 checker: rejects the plausible wrong answers with a specific explanation, accepts other
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


WRONG_ANSWERS = [
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
    ("ch00.scale_images", rescaling_layer),
    ("ch00.scale_images", convert_image_dtype),
    ("ch00.scale_images", in_two_steps),
]


@pytest.mark.parametrize("exercise_id, wrong, says", WRONG_ANSWERS,
                         ids=[f"{e}-{getattr(w, '__name__', 'answer')}" for e, w, _ in WRONG_ANSWERS])
def test_checker_rejects_wrong_answer(exercise_id, wrong, says, check_seed):
    assert_rejects(exercise_id, wrong, says)


@pytest.mark.parametrize("exercise_id, answer", CORRECT_ANSWERS,
                         ids=[f"{e}-{a.__name__}" for e, a in CORRECT_ANSWERS])
def test_checker_accepts_correct_alternative(exercise_id, answer, check_seed):
    assert_accepts(exercise_id, answer)
