"""mio_utils.formats: exact round trips, atomic folder writers, and clear errors for bad files."""
import numpy as np
import pandas as pd
import pytest
import tensorflow as tf

from mio_utils import formats


@pytest.fixture
def images():
    rng = np.random.default_rng(0)
    return rng.integers(0, 256, (12, 8, 8, 1), dtype=np.uint8), np.arange(12) % 3


def test_example_round_trip_is_exact():
    image = np.arange(2 * 3 * 3, dtype=np.uint8).reshape(2, 3, 3)
    serialized = formats.image_example(image, 7).SerializeToString()
    parsed, label = formats.parse_image_example(tf.constant(serialized))
    assert parsed.dtype == tf.uint8 and np.array_equal(parsed.numpy(), image) and int(label) == 7


def test_parse_image_batch_matches_one_by_one(images):
    x, y = images
    serialized = tf.constant([formats.image_example(image, label).SerializeToString() for image, label in zip(x, y)])
    batch_x, batch_y = formats.parse_image_batch(serialized, x.shape[1:])
    assert np.array_equal(batch_x.numpy(), x) and np.array_equal(batch_y.numpy(), y)


def test_image_example_rejects_non_uint8():
    with pytest.raises(ValueError, match="uint8 image shaped"):
        formats.image_example(np.zeros((2, 2, 1), np.float32), 0)


def test_tfrecord_round_trip_and_checks(tmp_path, images):
    x, y = images
    path = formats.write_tfrecord(tmp_path / "d.tfrecord", x, y)
    assert not list(tmp_path.glob(".*.tmp")), "the temporary file must be renamed into place"
    x2, y2 = formats.read_tfrecord(path, expected_records=len(x))
    assert np.array_equal(x2, x) and np.array_equal(y2, y) and y2.dtype == np.int64
    with pytest.raises(ValueError, match="holds 12 records; expected 13"):
        formats.read_tfrecord(path, expected_records=13)
    with pytest.raises(ValueError, match="does not exist"):
        formats.read_tfrecord(tmp_path / "missing.tfrecord")
    with pytest.raises(ValueError, match="12 images but 11 labels"):
        formats.write_tfrecord(tmp_path / "bad.tfrecord", x, y[:-1])


def test_truncated_tfrecord_names_the_file(tmp_path, images):
    x, y = images
    path = formats.write_tfrecord(tmp_path / "d.tfrecord", x, y)
    damaged = formats.truncate_copy(path, 0.55)  # mid-record: TensorFlow's DataLossError
    with pytest.raises(ValueError) as error:
        formats.read_tfrecord(damaged)
    message = str(error.value)
    assert damaged.name in message and "truncated" in message and "complete record(s)" in message
    clean_cut = formats.truncate_copy(path, 0.5)  # 12 equal records: the cut falls between two of them
    assert len(formats.read_tfrecord(clean_cut)[1]) == 6
    with pytest.raises(ValueError, match="holds 6 records; expected 12"):
        formats.read_tfrecord(clean_cut, expected_records=12)
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        formats.truncate_copy(damaged, 1.0)


def test_image_folders_round_trip_through_keras(tmp_path, images):
    import keras

    x, y = images
    root = formats.write_image_folders(x, y, ["a", "b", "c"], name="imgs", root=tmp_path)
    assert sorted(p.name for p in root.iterdir() if p.is_dir()) == ["a", "b", "c"]
    assert formats.check_image_folder(root) == len(x)
    loaded = keras.utils.image_dataset_from_directory(root, color_mode="grayscale", image_size=(8, 8),
                                                      batch_size=None, shuffle=False, verbose=False)
    pixels = np.stack([image.numpy() for image, _ in loaded])
    order = np.lexsort((np.arange(len(y)), y))
    assert np.array_equal(pixels, x[order].astype(np.float32))


def test_image_folders_are_reused_and_validated(tmp_path, images):
    x, y = images
    root = formats.write_image_folders(x, y, ["a", "b", "c"], name="imgs", root=tmp_path)
    first = sorted(p.stat().st_mtime_ns for p in root.rglob("*.png"))
    assert formats.write_image_folders(x, y, ["a", "b", "c"], name="imgs", root=tmp_path) == root
    assert sorted(p.stat().st_mtime_ns for p in root.rglob("*.png")) == first, "a complete copy is reused"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".imgs")], "no staging folder left behind"
    with pytest.raises(ValueError, match="class indices 0..1"):
        formats.write_image_folders(x, y, ["a", "b"], name="other", root=tmp_path)
    with pytest.raises(ValueError, match="uint8 images shaped"):
        formats.write_image_folders(x.astype(np.float32), y, ["a", "b", "c"], name="f", root=tmp_path)


def test_check_image_folder_names_a_file_that_is_not_an_image(tmp_path, images):
    x, y = images
    root = formats.write_image_folders(x, y, ["a", "b", "c"], name="imgs", root=tmp_path)
    (root / "b" / "notes.png").write_text("not a picture")
    with pytest.raises(ValueError, match=r"1 file\(s\) under imgs/ are not images .*b/notes.png"):
        formats.check_image_folder(root)
    with pytest.raises(ValueError, match="is not a folder"):
        formats.check_image_folder(tmp_path / "nowhere")


def test_text_folders(tmp_path):
    root = formats.write_text_folders(["héllo", "bye", "again"], [0, 1, 0], ["greet", "leave"], name="t",
                                      root=tmp_path)
    assert sorted(p.read_text(encoding="utf-8") for p in (root / "greet").glob("*.txt")) == ["again", "héllo"]
    assert [p.read_text() for p in (root / "leave").glob("*.txt")] == ["bye"]


def test_tabular_frame_has_mixed_types_and_is_repeatable():
    train, test = formats.tabular_frame(seed=0)
    assert len(train) + len(test) == 442 and len(test) == 111
    assert train["age"].dtype == np.int64 and train["bmi"].dtype == np.float32
    assert set(train["sex"]) == {"1", "2"} and set(train["bmi_class"]) <= set(formats.BMI_CLASSES)
    assert set(train["high_progression"]) == {0, 1} and 0.4 < train["high_progression"].mean() < 0.6
    again, _ = formats.tabular_frame(seed=0)
    pd.testing.assert_frame_equal(train, again)


def test_read_csv_checked(tmp_path):
    frame = pd.DataFrame({"sex": ["1", "2"], "age": [50, 60], "bmi": [21.5, 30.25]})
    frame.to_csv(tmp_path / "t.csv", index=False)
    types = {"sex": str, "age": "int64", "bmi": "float64"}
    back = formats.read_csv_checked(tmp_path / "t.csv", types)
    assert back["sex"].tolist() == ["1", "2"] and back["age"].tolist() == [50, 60]
    assert pd.read_csv(tmp_path / "t.csv")["sex"].tolist() == [1, 2], "without types, codes become numbers"
    frame.drop(columns=["bmi"]).to_csv(tmp_path / "short.csv", index=False)
    with pytest.raises(ValueError, match=r"short.csv lacks column\(s\) \['bmi'\]"):
        formats.read_csv_checked(tmp_path / "short.csv", types)
    with pytest.raises(ValueError, match="does not exist"):
        formats.read_csv_checked(tmp_path / "none.csv", types)
