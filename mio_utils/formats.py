"""The file formats a model's input arrives in: TFRecord, image and text folders, CSV and DataFrames.

Taught in chapter 02 (data formats); chapter 03 reuses the TFRecord helpers for its shards. The code the
chapter teaches (the image Example, its parser and the TFRecord writer) is written out in the chapter's
``# @save`` cells and copied into the generated block at the end of this module; the rest is plumbing.

Every writer is *atomic* (it writes into a temporary name and renames it into place), so an interrupted
run never leaves a half-written cache that a later run would trust. Every reader checks what it reads
and turns a bad file into a ``ValueError`` that names the file and says what was expected, instead of
an error from deep inside TensorFlow.
"""
from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import tensorflow as tf

from .env import cache_dir
from .files import atomic_folder, atomic_write

# The schema of an image record: raw uint8 bytes plus the shape needed to rebuild the array.
IMAGE_FEATURES_DOC = "image: bytes (raw uint8, row-major), shape: 3 int64 (h, w, c), label: 1 int64"
_COMPLETE_MARKER = ".complete"


# ---------------------------------------------------------------------------------------- TFRecord
def parse_image_batch(serialized, image_shape):
    """Vectorised :func:`parse_image_example` for a batch of records that share ``image_shape``.

    One ``parse_example`` call per batch instead of one per record: the per-call overhead is paid once.
    Taught in chapter 03 (vectorised map).
    """
    parsed = tf.io.parse_example(serialized, image_feature_spec())
    images = tf.io.decode_raw(parsed["image"], tf.uint8)
    images = tf.reshape(images, [-1, *image_shape])
    return images, parsed["label"]


def read_tfrecord(path, expected_records: int | None = None):
    """Read a whole image TFRecord file back into ``(images, labels)`` NumPy arrays, checking it.

    A truncated file (a copy interrupted half-way, a full disk) makes TensorFlow raise ``DataLossError``
    deep inside an iterator; here it becomes a ``ValueError`` naming the file and how many complete
    records came before the damage. ``expected_records`` also catches a file that ends cleanly but
    early. Taught in chapter 02.
    """
    path = Path(path)
    if not path.is_file():
        raise ValueError(f"read_tfrecord: {path} does not exist; expected a TFRecord file.")
    images, labels = [], []
    try:
        for image, label in tf.data.TFRecordDataset(str(path)).map(parse_image_example):
            images.append(image.numpy())
            labels.append(int(label))
    except (tf.errors.DataLossError, tf.errors.InvalidArgumentError) as error:
        if isinstance(error, tf.errors.DataLossError):
            what = "is truncated or corrupt"
        else:
            what = "holds a record that is not an image Example"
        detail = re.search(r"(truncated|corrupted) record at \d+", error.message)
        said = detail.group(0) if detail else error.message.splitlines()[0][-120:]
        raise ValueError(
            f"{path.name} {what}: {len(images)} complete record(s) could be read, then TensorFlow reported "
            f"'{said}'. Expected whole records of ({IMAGE_FEATURES_DOC}); write the file again."
        ) from None
    if expected_records is not None and len(images) != expected_records:
        raise ValueError(f"{path.name} holds {len(images)} records; expected {expected_records}. A file cut at a "
                         "record boundary reads cleanly but ends early: it is incomplete (or not the file you "
                         "meant).")
    if not images:
        return np.zeros((0, 0, 0, 0), np.uint8), np.zeros(0, np.int64)
    return np.stack(images), np.array(labels, dtype=np.int64)


def truncate_copy(path, fraction: float = 0.5) -> Path:
    """A damaged copy of a file, cut after ``fraction`` of its bytes (to show what a bad file does).

    Taught in chapter 02.
    """
    if not 0 < fraction < 1:
        raise ValueError(f"fraction must lie strictly between 0 and 1; got {fraction}.")
    path = Path(path)
    data = path.read_bytes()
    damaged = path.with_name(f"truncated-{path.name}")
    damaged.write_bytes(data[: int(len(data) * fraction)])
    return damaged


# ---------------------------------------------------------------------------------- folder datasets
def _write_folder_dataset(name, root, items, labels, class_names, write_one, suffix) -> Path:
    """Write ``root/name/<class>/<index>.<suffix>`` atomically: into a temporary folder, then rename.

    A marker file records how many items a complete copy has, so a later call reuses it.
    """
    labels = np.asarray(labels)
    if len(items) != len(labels):
        raise ValueError(f"{len(items)} items but {len(labels)} labels; expected as many of each.")
    if len(labels) and (labels.min() < 0 or labels.max() >= len(class_names)):
        raise ValueError(f"labels must be class indices 0..{len(class_names) - 1}; "
                         f"got {labels.min()}..{labels.max()}.")
    target = Path(root or cache_dir()) / name
    marker = target / _COMPLETE_MARKER
    if marker.exists() and marker.read_text().strip() == str(len(items)):
        return target
    with atomic_folder(target) as staging:
        for class_name in class_names:
            (staging / str(class_name)).mkdir()
        width = len(str(max(len(items) - 1, 0)))
        for index, (item, label) in enumerate(zip(items, labels)):
            write_one(staging / str(class_names[label]) / f"{index:0{width}d}.{suffix}", item)
        (staging / _COMPLETE_MARKER).write_text(str(len(items)))
    return target


def write_image_folders(images, labels, class_names, name: str = "digits_png", root=None) -> Path:
    """Write uint8 images as PNG files, one folder per class: ``<root>/<name>/<class>/<index>.png``.

    This is the layout ``keras.utils.image_dataset_from_directory`` reads. PNG is lossless, so the
    pixels read back are exactly the pixels written. ``root`` defaults to ``mio.cache_dir()`` (git-ignored).
    File names are the images' indices, zero-padded, so sorting them restores the original order within
    a class. Reuses a complete earlier copy. Taught in chapter 02.
    """
    images = np.asarray(images)
    if images.dtype != np.uint8 or images.ndim != 4 or images.shape[-1] not in (1, 3, 4):
        raise ValueError("write_image_folders expects uint8 images shaped (n, h, w, 1|3|4); "
                         f"got {images.dtype}{list(images.shape)}.")

    def write_png(path, image):
        path.write_bytes(tf.io.encode_png(image).numpy())

    return _write_folder_dataset(name, root, images, labels, class_names, write_png, "png")


def write_text_folders(texts, labels, class_names, name: str = "chatterbot_text", root=None) -> Path:
    """Write strings as UTF-8 ``.txt`` files, one folder per class (``text_dataset_from_directory``'s layout).

    Taught in chapter 02.
    """
    def write_text(path, text):
        path.write_text(str(text), encoding="utf-8")

    return _write_folder_dataset(name, root, list(texts), labels, class_names, write_text, "txt")


def check_image_folder(root) -> int:
    """Decode every file under ``root`` and return how many images there are.

    ``image_dataset_from_directory`` only notices a file that is not an image when training reaches
    it, and its error does not say which file. This check names every bad file up front.
    Taught in chapter 02.
    """
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"{root} is not a folder; expected one sub-folder of images per class.")
    files = sorted(p for p in root.rglob("*") if p.is_file() and not p.name.startswith("."))
    bad = []
    for path in files:
        try:
            tf.io.decode_image(path.read_bytes(), expand_animations=False)
        except (tf.errors.InvalidArgumentError, tf.errors.UnknownError):
            bad.append(str(path.relative_to(root)))
    if bad:
        shown = ", ".join(bad[:5]) + (f" and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise ValueError(
            f"{len(bad)} file(s) under {root.name}/ are not images (expected PNG, JPEG, GIF or BMP): {shown}."
        )
    return len(files)


# --------------------------------------------------------------------------------- tabular data
DIABETES_COLUMNS = {  # scikit-learn's names -> the meanings its documentation gives
    "age": "age", "sex": "sex", "bmi": "bmi", "bp": "blood_pressure", "s1": "total_cholesterol",
    "s2": "ldl", "s3": "hdl", "s4": "cholesterol_hdl_ratio", "s5": "log_triglycerides", "s6": "blood_sugar",
}
BMI_CLASSES = ("underweight", "normal", "overweight", "obese")  # WHO cut-offs 18.5, 25, 30


def tabular_frame(seed: int = 0):
    """The diabetes data (scikit-learn, 442 patients) as DataFrames with *mixed* feature types.

    Columns: ``age`` (int64 years), ``sex`` (a category coded "1"/"2", strings: the code is a name,
    not a quantity), ``bmi_class`` (a category derived from BMI with the WHO cut-offs), eight float32
    measurements, and the label ``high_progression`` (1 when the disease progressed more than the
    training median after one year). Split 75/25, stratified, with ``seed``. Returns
    ``(train_df, test_df)``. Taught in chapter 02.
    """
    import pandas as pd
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    raw = load_diabetes(scaled=False, as_frame=True).frame.rename(columns=DIABETES_COLUMNS)
    frame = pd.DataFrame({
        "age": raw["age"].round().astype("int64"),
        "sex": raw["sex"].round().astype("int64").astype(str),
        "bmi_class": pd.cut(raw["bmi"], [0, 18.5, 25, 30, np.inf], right=False,
                            labels=list(BMI_CLASSES)).astype(str),
    })
    for column in list(DIABETES_COLUMNS.values())[2:]:
        frame[column] = raw[column].astype("float32")
    train_idx, test_idx = train_test_split(np.arange(len(raw)), test_size=0.25, random_state=seed)
    threshold = raw["target"].iloc[train_idx].median()
    frame["high_progression"] = (raw["target"] > threshold).astype("int64")
    return frame.iloc[train_idx].reset_index(drop=True), frame.iloc[test_idx].reset_index(drop=True)


def read_csv_checked(path, dtypes: dict):
    """Read a CSV file, insisting on the columns (and their types) that the model expects.

    CSV stores text only: a category coded "1"/"2" comes back as integers unless its type is given,
    and a missing column would otherwise surface later as an obscure ``KeyError`` in a model.
    ``dtypes`` maps each required column to its type, e.g. ``{"age": "int64", "sex": str}``.
    Raises ``ValueError`` naming the file and the missing columns. Taught in chapter 02.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise ValueError(f"read_csv_checked: {path} does not exist; expected a CSV file.")
    header = pd.read_csv(path, nrows=0).columns
    missing = [c for c in dtypes if c not in header]
    if missing:
        raise ValueError(
            f"{path.name} lacks column(s) {missing}; expected {list(dtypes)} (it has {list(header)})."
        )
    # Floats must read back bit for bit: pandas 3 does so by default (and deprecates float_precision).
    exact = {"float_precision": "round_trip"} if int(pd.__version__.split(".")[0]) < 3 else {}
    return pd.read_csv(path, usecols=list(dtypes), dtype=dtypes, **exact)[list(dtypes)]


# ---- @save from chapters/02_data_formats.ipynb: generated, edit the chapter and run `make export` ----
def image_feature_spec():
    """How to parse an image record: the pixels as one bytes value, their shape, and the label.

    Taught in chapter 02.
    """
    return {
        "image": tf.io.FixedLenFeature([], tf.string),  # one bytes value holding every pixel
        "shape": tf.io.FixedLenFeature([3], tf.int64),  # exactly three numbers: (h, w, c)
        "label": tf.io.FixedLenFeature([], tf.int64),
    }


def image_example(image, label: int):
    """One image and its label as a ``tf.train.Example`` (the protocol buffer a TFRecord file stores).

    The pixels go in as raw bytes, not as a list of numbers: 64 uint8 pixels cost 64 bytes instead of
    64 varints or floats, and decoding is a single ``tf.io.decode_raw``. The shape travels with them,
    because raw bytes forget it. Taught in chapter 02.
    """
    image = np.asarray(image)
    if image.dtype != np.uint8 or image.ndim != 3:
        raise ValueError("image_example expects a uint8 image shaped (h, w, c); "
                         f"got {image.dtype}{list(image.shape)}.")
    feature = {
        "image": tf.train.Feature(bytes_list=tf.train.BytesList(value=[image.tobytes()])),
        "shape": tf.train.Feature(int64_list=tf.train.Int64List(value=list(image.shape))),
        "label": tf.train.Feature(int64_list=tf.train.Int64List(value=[int(label)])),
    }
    return tf.train.Example(features=tf.train.Features(feature=feature))


def parse_image_example(serialized, image_shape=None):
    """Inverse of :func:`image_example` for one serialized record: ``(uint8 image (h, w, c), int64 label)``.

    Works inside ``Dataset.map``. The shape read from the record is known only when the graph runs; pass
    ``image_shape`` to give the image a static shape too (checked per record), which layers such as
    ``Flatten`` need on older Keras. Taught in chapter 02.
    """
    parsed = tf.io.parse_single_example(serialized, image_feature_spec())
    image = tf.reshape(tf.io.decode_raw(parsed["image"], tf.uint8), parsed["shape"])
    if image_shape is not None:
        image = tf.ensure_shape(image, image_shape)
    return image, parsed["label"]


def write_tfrecord(path, images, labels) -> Path:
    """Write images and labels to one TFRecord file, atomically; returns the path.

    Taught in chapter 02. Used in chapter 03 through :func:`mio_utils.pipelines.write_shards`.
    """
    path = Path(path)
    images, labels = np.asarray(images), np.asarray(labels)
    if len(images) != len(labels):
        raise ValueError(f"write_tfrecord: {len(images)} images but {len(labels)} labels; expected as many of each.")
    with atomic_write(path) as temporary, tf.io.TFRecordWriter(str(temporary)) as writer:
        for image, label in zip(images, labels):
            writer.write(image_example(image, label).SerializeToString())
    return path
# ---- end @save from chapters/02_data_formats.ipynb ----
