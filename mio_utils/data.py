"""The course's dataset registry: one ``load(name)`` for every dataset a chapter uses.

Taught in chapter 00 (what is available) and chapter 02 (data formats).

Every dataset comes back as a :class:`Dataset` with the same fields. Images are always
``uint8`` arrays shaped ``(n, height, width, channels)`` with values 0-255, so the same model code
works on the embedded ``digits`` and on downloaded MNIST. The TFDS datasets are used when they are
already on disk, or downloaded in the ``gpu`` profile when online. Otherwise (offline, or the ``smoke``
and ``cpu`` profiles, which never download) ``load`` says so in one line and returns the closest
embedded dataset *in the same format*, so a chapter still runs.
"""
from __future__ import annotations

import os
import zipfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .env import cache_dir, is_online
from .files import atomic_write
from .profiles import profile

TEST_SIZE = 0.25


@dataclass
class Dataset:
    """Arrays for one dataset. ``y_*`` is None for unlabelled corpora."""

    name: str
    description: str
    x_train: np.ndarray
    y_train: np.ndarray | None
    x_test: np.ndarray
    y_test: np.ndarray | None
    class_names: list[str] = field(default_factory=list)
    source: str = ""
    fallback_for: str | None = None
    extras: dict = field(default_factory=dict)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    def __repr__(self) -> str:
        def shape(a):
            return "None" if a is None else f"{a.dtype}{list(a.shape)}"

        lines = [
            f"Dataset {self.name!r}: {self.description}",
            f"  train x {shape(self.x_train)}  y {shape(self.y_train)}",
            f"  test  x {shape(self.x_test)}  y {shape(self.y_test)}",
        ]
        if self.class_names:
            names = ", ".join(self.class_names[:10]) + (" ..." if self.num_classes > 10 else "")
            lines.append(f"  {self.num_classes} classes: {names}")
        lines.append(f"  source: {self.source}")
        return "\n".join(lines)


@dataclass(frozen=True)
class _Entry:
    name: str
    kind: str
    description: str
    loader: Callable[..., Dataset]
    offline: bool
    fallback: str | None = None


_REGISTRY: dict[str, _Entry] = {}


def _register(name, kind, description, offline=True, fallback=None):
    def wrap(loader):
        _REGISTRY[name] = _Entry(name, kind, description, loader, offline, fallback)
        return loader

    return wrap


def datasets():
    """A table of every dataset ``load`` knows: kind, whether it works offline, its fallback.

    Taught in chapter 00.
    """
    import pandas as pd

    rows = [
        {
            "name": e.name,
            "kind": e.kind,
            "offline": "yes" if e.offline else f"no (falls back to {e.fallback})",
            "description": e.description,
        }
        for e in _REGISTRY.values()
    ]
    return pd.DataFrame(rows).set_index("name")


def load(name: str, *, seed: int = 0, **options) -> Dataset:
    """Load a dataset by name; ``datasets()`` lists the names.

    Datasets without an official split are split 75/25, stratified, with ``seed``. Options a dataset
    accepts (e.g. ``categories=`` for ``chatterbot``) are keyword arguments. Taught in chapter 00.
    """
    if not isinstance(name, str) or name not in _REGISTRY:
        raise ValueError(f"Unknown dataset {name!r}; choose one of: {', '.join(_REGISTRY)}.")
    entry = _REGISTRY[name]
    try:
        return entry.loader(seed=seed, **options)
    except TypeError as error:
        if "unexpected keyword argument" in str(error):
            raise ValueError(f"Dataset {name!r} does not take option(s) {sorted(options)}.") from None
        raise


def _split(n: int, y, seed: int):
    """Train and test indices: a 75/25 split, stratified by ``y`` when every class has two examples."""
    from sklearn.model_selection import train_test_split

    counts = np.unique(y, return_counts=True)[1] if y is not None else []
    stratify = y if len(counts) and counts.min() >= 2 else None
    return train_test_split(np.arange(n), test_size=TEST_SIZE, random_state=seed, stratify=stratify)


# ---------------------------------------------------------------- embedded: scikit-learn bundles
def _digit_images(bunch) -> np.ndarray:
    # digits pixels are 0..16; 255/16 maps the 17 levels onto distinct uint8 values.
    return np.round(bunch.images * (255 / 16)).astype(np.uint8)[..., None]


@_register("digits", "image", "1,797 real handwritten digits, 8x8x1 uint8 (scikit-learn)")
def _load_digits(seed=0):
    from sklearn.datasets import load_digits

    bunch = load_digits()
    x, y = _digit_images(bunch), bunch.target.astype(np.int64)
    train, test = _split(len(y), y, seed)
    return Dataset(
        "digits", _REGISTRY["digits"].description, x[train], y[train], x[test], y[test],
        [str(d) for d in range(10)], "scikit-learn load_digits (UCI optdigits test set)",
    )


def _tabular(name, loader, seed):
    bunch = loader()
    x, y = bunch.data.astype(np.float32), bunch.target.astype(np.int64)
    train, test = _split(len(y), y, seed)
    return Dataset(
        name, _REGISTRY[name].description, x[train], y[train], x[test], y[test],
        [str(c) for c in bunch.target_names], f"scikit-learn {loader.__name__}",
        extras={"feature_names": list(bunch.feature_names)},
    )


@_register("breast_cancer", "tabular", "569 tumours, 30 float features, malignant/benign (scikit-learn)")
def _load_breast_cancer(seed=0):
    from sklearn.datasets import load_breast_cancer

    return _tabular("breast_cancer", load_breast_cancer, seed)


@_register("wine", "tabular", "178 wines, 13 float features, 3 cultivars (scikit-learn)")
def _load_wine(seed=0):
    from sklearn.datasets import load_wine

    return _tabular("wine", load_wine, seed)


# ---------------------------------------------------------------- embedded: packages and stdlib
def _mnist1d_cache_is_readable(path: Path) -> bool:
    try:
        with np.load(path) as raw:
            return {"x", "y", "x_test", "y_test"} <= set(raw.files)
    except (OSError, ValueError, zipfile.BadZipFile):
        return False


@_register("mnist1d", "sequence", "MNIST-1D: 4,000/1,000 signals of length 40, 10 classes (package mnist1d)")
def _load_mnist1d(seed=0):
    path = cache_dir() / "mnist1d.npz"
    if path.exists() and not _mnist1d_cache_is_readable(path):  # damaged by a copy or a full disk
        print(f"note: {path} is damaged; generating MNIST-1D again (a few seconds).")
        path.unlink()
    if not path.exists():
        from mnist1d.data import get_dataset_args, make_dataset

        raw = make_dataset(get_dataset_args())  # the published default arguments, seeded inside
        with atomic_write(path) as temporary:  # an interrupted write never leaves a broken cache
            np.savez_compressed(temporary, x=raw["x"], y=raw["y"], x_test=raw["x_test"], y_test=raw["y_test"])
    with np.load(path) as raw:
        return Dataset(
            "mnist1d", _REGISTRY["mnist1d"].description,
            raw["x"].astype(np.float32), raw["y"].astype(np.int64),
            raw["x_test"].astype(np.float32), raw["y_test"].astype(np.int64),
            [str(d) for d in range(10)], "mnist1d.make_dataset with its default arguments (official split)",
        )


def _chatterbot_files(language: str) -> dict[str, Path]:
    import chatterbot_corpus

    folder = Path(chatterbot_corpus.__file__).parent / "data" / language
    if not folder.is_dir():
        raise ValueError(f"chatterbot has no language {language!r}.")
    return {p.stem: p for p in sorted(folder.glob("*.yml"))}


@_register(
    "chatterbot", "text",
    "chatterbot-corpus dialog: a user's opening line, its category (intent) and the replies",
)
def _load_chatterbot(seed=0, categories=None, language="english"):
    """x: a conversation's first utterance; y: its category. Duplicate questions (the corpus repeats a
    question once per alternative answer) are merged, so no question is in both train and test."""
    import yaml

    files = _chatterbot_files(language)
    chosen = list(files) if categories is None else list(categories)
    unknown = [c for c in chosen if c not in files]
    if unknown:
        raise ValueError(f"Unknown chatterbot categories {unknown}; choose from: {', '.join(files)}.")
    replies: dict[tuple[str, int], list[str]] = {}
    for label, category in enumerate(chosen):
        document = yaml.safe_load(files[category].read_text(encoding="utf-8"))
        for conversation in document.get("conversations") or []:
            if not conversation or not isinstance(conversation[0], str):
                continue
            reply = " ".join(str(turn) for turn in conversation[1:2])
            replies.setdefault((conversation[0].strip(), label), []).append(reply)
    keys = list(replies)
    x = np.array([text for text, _ in keys])
    y = np.array([label for _, label in keys], dtype=np.int64)
    i_tr, i_te = _split(len(keys), y, seed)
    return Dataset(
        "chatterbot", _REGISTRY["chatterbot"].description, x[i_tr], y[i_tr], x[i_te], y[i_te],
        chosen, f"chatterbot-corpus ({language}), unique opening lines",
        extras={
            "replies_train": [replies[keys[i]] for i in i_tr],
            "replies_test": [replies[keys[i]] for i in i_te],
        },
    )


@_register("pydoc_corpus", "text", "Python's reference topics (pydoc_data): 79 English documents, about 465 KB")
def _load_pydoc_corpus(seed=0):
    from pydoc_data.topics import topics

    names = np.array(sorted(topics))
    texts = np.array([topics[n] for n in names])
    i_tr, i_te = _split(len(names), None, seed)
    return Dataset(
        "pydoc_corpus", _REGISTRY["pydoc_corpus"].description, texts[i_tr], None, texts[i_te], None,
        source="pydoc_data.topics from the Python standard library, split by document",
        extras={"topics_train": list(names[i_tr]), "topics_test": list(names[i_te])},
    )


# ---------------------------------------------------------------- downloaded: TFDS, with fallbacks
def _tfds_data_dir() -> Path:
    return Path(os.environ.get("TFDS_DATA_DIR", Path.home() / "tensorflow_datasets"))


def _resize_digits(size: int, channels: int, seed: int) -> Dataset:
    from scipy.ndimage import zoom

    digits = _load_digits(seed=seed)

    def resize(images):
        scale = size / images.shape[1]
        out = zoom(images[..., 0].astype(np.float32), (1, scale, scale), order=1)
        out = np.clip(np.round(out), 0, 255).astype(np.uint8)[..., None]
        return np.repeat(out, channels, axis=-1)

    digits.x_train, digits.x_test = resize(digits.x_train), resize(digits.x_test)
    return digits


def _tfds_to_numpy(dataset, text: bool):
    import tensorflow_datasets as tfds

    xs, ys = [], []
    for x, y in tfds.as_numpy(dataset.batch(8192)):  # batch_size=-1 crashes under tfds mock_data
        xs.append(x)
        ys.append(y)
    x, y = np.concatenate(xs), np.concatenate(ys).astype(np.int64)
    if text:
        x = np.array([t.decode("utf-8") for t in x])
    return x, y


def _load_tfds(name: str, seed: int, offline_fallback: Callable[[int], Dataset], fallback_note: str):
    entry = _REGISTRY[name]
    on_disk = (_tfds_data_dir() / name).is_dir()
    active = profile()
    if not on_disk and (active != "gpu" or not is_online()):
        reason = "offline" if active == "gpu" else f"the {active} profile uses embedded data"
        data = offline_fallback(seed)
        print(
            f"{reason}: {name!r} needs a download, so using {fallback_note} instead "
            f"({len(data.x_train):,} train / {len(data.x_test):,} test). The gpu profile, online, gets the real data."
        )
        data.fallback_for = name
        data.description = f"{fallback_note}, standing in for {name}"
        return data
    import tensorflow_datasets as tfds

    (train, test), info = tfds.load(
        name, split=["train", "test"], as_supervised=True, with_info=True, download=not on_disk
    )
    text = entry.kind == "text"
    x_tr, y_tr = _tfds_to_numpy(train, text)
    x_te, y_te = _tfds_to_numpy(test, text)
    return Dataset(
        name, entry.description, x_tr, y_tr, x_te, y_te,
        list(info.features["label"].names), f"tensorflow-datasets {name} {info.version}",
    )


@_register("mnist", "image", "MNIST: 60,000/10,000 handwritten digits, 28x28x1 uint8 (TFDS)",
           offline=False, fallback="digits")
def _load_mnist(seed=0):
    return _load_tfds("mnist", seed, lambda s: _resize_digits(28, 1, s), "digits resized to 28x28x1")


@_register("fashion_mnist", "image", "Fashion-MNIST: 60,000/10,000 clothing images, 28x28x1 uint8 (TFDS)",
           offline=False, fallback="digits")
def _load_fashion_mnist(seed=0):
    return _load_tfds(
        "fashion_mnist", seed, lambda s: _resize_digits(28, 1, s),
        "digits resized to 28x28x1 (labels are digits, not clothes)",
    )


@_register("cifar10", "image", "CIFAR-10: 50,000/10,000 colour photos, 32x32x3 uint8, 10 classes (TFDS)",
           offline=False, fallback="digits")
def _load_cifar10(seed=0):
    return _load_tfds("cifar10", seed, lambda s: _resize_digits(32, 3, s), "digits resized to 32x32x3")


def _chatterbot_binary(seed: int) -> Dataset:
    tech = ["computers", "tech_support", "coding"]
    data = _load_chatterbot(seed=seed)
    is_tech = np.isin(np.array(data.class_names), tech)
    data.y_train, data.y_test = is_tech[data.y_train].astype(np.int64), is_tech[data.y_test].astype(np.int64)
    data.class_names = ["other", "tech"]
    return data


@_register("imdb_reviews", "text", "IMDB: 25,000/25,000 movie reviews, positive or negative (TFDS)",
           offline=False, fallback="chatterbot")
def _load_imdb_reviews(seed=0):
    return _load_tfds(
        "imdb_reviews", seed, _chatterbot_binary,
        "chatterbot opening lines labelled tech (1) or other (0), a binary text task",
    )
