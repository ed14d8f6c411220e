import time

import numpy as np
import pytest

import mio_utils as mio
from mio_utils import data


@pytest.mark.parametrize("name, x_shape, n_classes", [
    ("digits", (8, 8, 1), 10),
    ("breast_cancer", (30,), 2),
    ("wine", (13,), 3),
    ("mnist1d", (40,), 10),
])
def test_embedded_numeric_datasets(name, x_shape, n_classes):
    ds = mio.load(name)
    assert ds.x_train.shape[1:] == x_shape and ds.x_test.shape[1:] == x_shape
    assert len(ds.x_train) == len(ds.y_train) and len(ds.x_test) == len(ds.y_test)
    assert ds.y_train.dtype == np.int64 and ds.num_classes == n_classes
    assert set(np.unique(ds.y_train)) == set(range(n_classes))
    assert name in repr(ds) and "source" in repr(ds)


def test_images_are_uint8_full_range():
    ds = mio.load("digits")
    assert ds.x_train.dtype == np.uint8 and ds.x_train.max() == 255 and ds.x_train.min() == 0
    assert len(ds.x_train) + len(ds.x_test) == 1797


def test_mnist1d_official_split_and_cache():
    ds = mio.load("mnist1d")
    assert (len(ds.x_train), len(ds.x_test)) == (4000, 1000)
    assert (mio.cache_dir() / "mnist1d.npz").exists()
    np.testing.assert_array_equal(mio.load("mnist1d").x_test, ds.x_test)


def test_split_is_deterministic_and_seeded():
    a, b, c = mio.load("wine", seed=0), mio.load("wine", seed=0), mio.load("wine", seed=1)
    np.testing.assert_array_equal(a.x_train, b.x_train)
    assert not np.array_equal(a.x_train, c.x_train)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_split_is_stratified(seed):
    ds = mio.load("breast_cancer", seed=seed)
    assert abs(ds.y_train.mean() - ds.y_test.mean()) < 0.02


def test_chatterbot_categories_and_no_leak():
    ds = mio.load("chatterbot", categories=["ai", "greetings"])
    assert ds.class_names == ["ai", "greetings"]
    assert ds.x_train.dtype.kind == "U" and set(np.unique(ds.y_train)) == {0, 1}
    assert not set(ds.x_train) & set(ds.x_test), "a question in both train and test leaks the answer"
    assert len(ds.extras["replies_train"]) == len(ds.x_train)


def test_chatterbot_all_categories():
    ds = mio.load("chatterbot")
    assert ds.num_classes == 21 and "tech_support" in ds.class_names


def test_pydoc_corpus_split_by_document():
    ds = mio.load("pydoc_corpus")
    assert ds.y_train is None and len(ds.x_train) + len(ds.x_test) == 79
    assert not set(ds.extras["topics_train"]) & set(ds.extras["topics_test"])


@pytest.mark.parametrize("call, message", [
    (lambda: mio.load("mnits"), "Unknown dataset 'mnits'; choose one of: digits"),
    (lambda: mio.load("digits", categories=["x"]), "does not take option"),
    (lambda: mio.load("chatterbot", categories=["sport"]), "Unknown chatterbot categories \\['sport'\\]"),
    (lambda: mio.load(None), "Unknown dataset None"),
])
def test_bad_input_gets_clear_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_datasets_table_lists_every_dataset():
    table = mio.datasets()
    assert {"digits", "mnist", "imdb_reviews", "pydoc_corpus"} <= set(table.index)
    assert table.loc["mnist", "offline"].startswith("no (falls back to digits")


@pytest.mark.parametrize("name, shape", [
    ("mnist", (28, 28, 1)), ("fashion_mnist", (28, 28, 1)), ("cifar10", (32, 32, 3)),
])
def test_offline_fallback_is_fast_announced_and_same_format(name, shape, monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MIO_OFFLINE", "1")
    monkeypatch.setenv("MIO_PROFILE", "gpu")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    started = time.perf_counter()
    ds = mio.load(name)
    assert time.perf_counter() - started < 5
    assert ds.x_train.shape[1:] == shape and ds.x_train.dtype == np.uint8 and ds.fallback_for == name
    notice = capsys.readouterr().out.strip().splitlines()
    assert len(notice) == 1 and notice[0].startswith(f"offline: '{name}'")


def test_cpu_profile_never_downloads(monkeypatch, tmp_path, capsys):
    monkeypatch.setenv("MIO_PROFILE", "cpu")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    monkeypatch.setattr(data, "is_online", lambda: True)
    assert mio.load("mnist").fallback_for == "mnist"
    assert capsys.readouterr().out.startswith("the cpu profile uses embedded data: 'mnist' needs a download")


def test_tfds_data_on_disk_is_used_offline(monkeypatch, tmp_path):
    import tensorflow_datasets as tfds

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    (tmp_path / "mnist").mkdir()
    with tfds.testing.mock_data(num_examples=4):
        ds = mio.load("mnist")
    assert ds.fallback_for is None and len(ds.x_train) == 4


def test_imdb_offline_fallback_is_binary_text(monkeypatch, tmp_path):
    monkeypatch.setenv("MIO_OFFLINE", "1")
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    ds = mio.load("imdb_reviews")
    assert ds.class_names == ["other", "tech"] and set(np.unique(ds.y_train)) == {0, 1}
    assert ds.x_train.dtype.kind == "U"


@pytest.mark.parametrize("name, shape, text", [("mnist", (28, 28, 1), False), ("imdb_reviews", (), True)])
def test_tfds_loading_code_with_mock_data(name, shape, text, monkeypatch, tmp_path):
    """The real online path, with TFDS's own mock standing in for the download."""
    import tensorflow_datasets as tfds

    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MIO_PROFILE", "gpu")
    monkeypatch.setattr(data, "is_online", lambda: True)
    with tfds.testing.mock_data(num_examples=6):
        ds = mio.load(name)
    assert ds.fallback_for is None and ds.source.startswith("tensorflow-datasets")
    assert ds.x_train.shape == (6, *shape) and ds.y_train.dtype == np.int64
    assert ds.num_classes == (2 if text else 10)
    if text:
        assert isinstance(ds.x_train[0], str)


def test_a_damaged_mnist1d_cache_is_rebuilt_not_a_crash(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("MIO_CACHE_DIR", str(tmp_path))
    (tmp_path / "mnist1d.npz").write_text("half a copied file")
    dataset = mio.load("mnist1d")
    assert dataset.x_train.shape[1] == 40
    assert "is damaged; generating MNIST-1D again" in capsys.readouterr().out
