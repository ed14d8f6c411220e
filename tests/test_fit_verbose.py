"""mio.fit_verbose: quiet in the smoke profile (tests, CI), one line per epoch in the others."""
import pytest

import mio_utils as mio


@pytest.mark.parametrize("name, expected", [("smoke", 0), ("cpu", 2), ("gpu", 2)])
def test_fit_verbose_follows_the_profile(monkeypatch, name, expected):
    monkeypatch.setenv("MIO_PROFILE", name)
    assert mio.fit_verbose() == expected
