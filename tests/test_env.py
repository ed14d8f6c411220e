import time

from mio_utils import env


def test_offline_switch_answers_immediately(monkeypatch):
    monkeypatch.setenv("MIO_OFFLINE", "1")
    started = time.perf_counter()
    assert env.is_online() is False
    assert time.perf_counter() - started < 0.1


def test_probe_is_bounded_by_timeout(monkeypatch):
    """Even a probe that would hang (slow DNS, dropped packets) answers within the timeout."""
    monkeypatch.setenv("MIO_OFFLINE", "0")
    monkeypatch.setattr(env, "_probe", lambda host, timeout: time.sleep(10) or True)
    started = time.perf_counter()
    assert env.is_online(timeout=0.5, refresh=True) is False
    assert time.perf_counter() - started < 1.5


def test_online_when_probe_connects(monkeypatch):
    monkeypatch.setenv("MIO_OFFLINE", "0")
    monkeypatch.setattr(env, "_probe", lambda host, timeout: True)
    assert env.is_online(refresh=True) is True
    monkeypatch.setattr(env, "_online_cache", None)


def test_cache_dir_honours_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("MIO_CACHE_DIR", str(tmp_path / "c"))
    assert env.cache_dir() == tmp_path / "c" and (tmp_path / "c").is_dir()


def test_setup_seeds_and_reports(capsys):
    import numpy as np

    info = env.setup(seed=3)
    first = np.random.rand()
    env.setup(seed=3, quiet=True)
    assert np.random.rand() == first
    printed = capsys.readouterr().out
    for key in ("tensorflow", "keras", "device", "profile", "online"):
        assert key in printed
    assert info["profile"] == "smoke" and info["deterministic"] is True


def test_setup_drops_only_the_retracing_warning():
    import logging

    import tensorflow as tf

    env.setup(seed=0, quiet=True)
    env.setup(seed=0, quiet=True)  # calling it again must not stack filters
    filters = [f for f in tf.get_logger().filters if isinstance(f, env._DropRetracingWarning)]
    assert len(filters) == 1

    def record(message):
        return logging.LogRecord("tensorflow", logging.WARNING, __file__, 0, message, None, None)

    retracing = "5 out of the last 5 calls to <function f> triggered tf.function retracing. Tracing is expensive"
    assert not filters[0].filter(record(retracing))
    assert filters[0].filter(record("Some other warning that learners must see"))
