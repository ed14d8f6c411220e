import pytest

from mio_utils import profiles


def test_profile_reads_environment(monkeypatch):
    monkeypatch.setenv("MIO_PROFILE", "cpu")
    assert profiles.profile() == "cpu"
    monkeypatch.setenv("MIO_PROFILE", " GPU ")
    assert profiles.profile() == "gpu"


def test_unknown_profile_lists_choices(monkeypatch):
    monkeypatch.setenv("MIO_PROFILE", "fast")
    with pytest.raises(ValueError, match="smoke, cpu, gpu"):
        profiles.profile()


def test_auto_profile_depends_on_gpu(monkeypatch):
    monkeypatch.delenv("MIO_PROFILE", raising=False)
    monkeypatch.setattr(profiles, "_gpu_visible", lambda: True)
    assert profiles.profile() == "gpu"
    monkeypatch.setattr(profiles, "_gpu_visible", lambda: False)
    assert profiles.profile() == "cpu"


def test_profile_config_picks_active_values():
    cfg = profiles.profile_config(smoke=dict(epochs=1), cpu=dict(epochs=10), gpu=dict(epochs=50), active="cpu")
    assert cfg.epochs == 10 and cfg.profile == "cpu"
    assert profiles.profile_config(smoke=dict(n=1), cpu=dict(n=2), active="gpu").n == 2  # gpu defaults to cpu


def test_profile_config_rejects_mismatched_keys():
    with pytest.raises(ValueError, match="missing \\['epochs'\\]"):
        profiles.profile_config(smoke=dict(epochs=1), cpu=dict(width=3), active="cpu")
