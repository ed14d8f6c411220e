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


BASE = dict(batch_size=64, epochs=20, n=None)


@pytest.mark.parametrize("active, expected", [
    ("smoke", dict(batch_size=64, epochs=1, n=300)),
    ("cpu", dict(batch_size=32, epochs=20, n=None)),
    ("gpu", dict(batch_size=64, epochs=40, n=None)),
])
def test_profile_config_is_base_plus_the_profiles_overrides(active, expected):
    cfg = profiles.profile_config(base=BASE, smoke=dict(epochs=1, n=300), cpu=dict(batch_size=32),
                                  gpu=dict(epochs=40), active=active)
    assert vars(cfg) == dict(expected, profile=active)


def test_profile_config_gpu_defaults_to_cpu_overrides():
    cfg = profiles.profile_config(base=BASE, smoke=dict(epochs=1), cpu=dict(epochs=10), active="gpu")
    assert (cfg.epochs, cfg.batch_size) == (10, 64)


def test_profile_config_without_overrides_is_base():
    assert vars(profiles.profile_config(base=BASE, active="smoke")) == dict(BASE, profile="smoke")


def test_profile_config_does_not_change_base():
    base = dict(BASE)
    profiles.profile_config(base=base, smoke=dict(epochs=1), active="smoke")
    assert base == BASE


def test_profile_config_reads_the_active_profile(monkeypatch):
    monkeypatch.setenv("MIO_PROFILE", "smoke")
    assert profiles.profile_config(base=BASE, smoke=dict(epochs=1)).epochs == 1


@pytest.mark.parametrize("profile", ["smoke", "cpu", "gpu"])
def test_profile_config_rejects_an_override_missing_from_base(profile):
    with pytest.raises(ValueError, match=r"'epoch'.*base has \['batch_size', 'epochs', 'n'\]"):
        profiles.profile_config(base=BASE, **{profile: dict(epoch=1)}, active="cpu")


def test_profile_config_requires_base():
    with pytest.raises(TypeError, match="base"):
        profiles.profile_config(smoke=dict(epochs=1), cpu=dict(epochs=10), active="cpu")


def test_profile_config_reserves_the_name_profile():
    with pytest.raises(ValueError, match="'profile' is reserved"):
        profiles.profile_config(base=dict(profile="fast"), active="cpu")


def test_profile_config_active_is_normalised_like_the_environment():
    assert profiles.profile_config(base=BASE, active=" CPU ").profile == "cpu"
    with pytest.raises(ValueError, match="smoke, cpu, gpu"):
        profiles.profile_config(base=BASE, active="fast")
