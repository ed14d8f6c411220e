"""gpu-dryrun: the gpu profile's choices with smoke's amounts of work; TFDS served by mock_data."""
import numpy as np

import mio_utils as mio
from mio_utils import dryrun, env


def test_scale_keeps_gpu_choices_and_takes_smoke_work():
    gpu = dict(datasets=("mnist", "cifar10"), widths=(64, 128), epochs=30, mixed_precision=True,
               min_accuracy=dict(mnist=0.99, cifar10=0.8), lm_train_chars=None)
    smoke = dict(widths=(8,), epochs=1, min_accuracy=dict(digits=0.2), lm_train_chars=12_000)
    scaled = dryrun.scale(gpu, smoke)
    assert scaled["datasets"] == ("mnist", "cifar10") and scaled["widths"] == (64, 128)
    assert scaled["mixed_precision"] is True
    assert scaled["epochs"] == 1 and scaled["lm_train_chars"] == dryrun.MAX_CHARS
    assert scaled["min_accuracy"] == dict(mnist=float("-inf"), cifar10=float("-inf"))  # random data: no bar


def test_profile_config_scales_only_in_dryrun(monkeypatch):
    settings = dict(base=dict(dataset="digits", epochs=10), smoke=dict(epochs=1), gpu=dict(dataset="mnist", epochs=30))
    assert vars(mio.profile_config(**settings, active="gpu")) == dict(profile="gpu", dataset="mnist", epochs=30)
    monkeypatch.setenv(dryrun.ENV_VAR, "1")
    assert vars(mio.profile_config(**settings, active="gpu")) == dict(profile="gpu", dataset="mnist", epochs=1)
    assert env.is_online() is True


def test_dryrun_serves_tfds_with_real_feature_specs(monkeypatch, tmp_path):
    monkeypatch.setenv("TFDS_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MIO_PROFILE", "gpu")
    monkeypatch.setenv(dryrun.ENV_VAR, "1")
    monkeypatch.setattr(dryrun, "_mock", None)
    dryrun.start(num_examples=5)
    try:
        for name, shape in [("mnist", (28, 28, 1)), ("cifar10", (32, 32, 3)), ("imdb_reviews", ())]:
            data = mio.load(name)
            assert data.fallback_for is None and data.x_train.shape == (5, *shape)
            assert data.x_train.dtype == (np.uint8 if shape else data.x_train.dtype)
    finally:
        dryrun._mock.__exit__(None, None, None)
