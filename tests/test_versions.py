"""The setup cell's minimum versions are requirements.txt's lower bounds, and too-old packages are named."""
import re
from pathlib import Path

import pytest

from mio_utils import env

ROOT = Path(__file__).resolve().parent.parent


def _lower_bounds() -> dict[str, str]:
    bounds = {}
    for line in (ROOT / "requirements.txt").read_text().splitlines():
        match = re.match(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9.]+)", line)
        if match:
            bounds[match[1].lower().replace("_", "-")] = match[2]
    return bounds


def test_minimum_versions_equal_requirements_lower_bounds():
    bounds = _lower_bounds()
    assert {name: bounds.get(name) for name in env.MINIMUM_VERSIONS} == env.MINIMUM_VERSIONS


def test_installed_versions_pass():
    env.check_versions()


def test_too_old_tensorflow_is_named_with_the_fix():
    fake = {**env.MINIMUM_VERSIONS, "tensorflow": "2.17.1"}
    with pytest.raises(RuntimeError) as raised:
        env.check_versions(installed=fake.__getitem__)
    message = str(raised.value)
    assert message.count("\n") == 0
    assert "tensorflow 2.17.1 is older than this course supports (>= 2.19)" in message
    assert 'pip install -U "tensorflow>=2.19"' in message and "Colab" in message


def test_each_too_old_package_gets_its_own_line():
    fake = {**env.MINIMUM_VERSIONS, "keras": "3.9.2", "numpy": "1.25.2"}
    with pytest.raises(RuntimeError) as raised:
        env.check_versions(installed=fake.__getitem__)
    lines = str(raised.value).splitlines()
    assert [line.split()[0] for line in lines] == ["keras", "numpy"]


def test_prereleases_and_local_versions_compare_by_release():
    fake = {**env.MINIMUM_VERSIONS, "tensorflow": "2.19.0rc1", "keras": "3.10.0+cpu"}
    env.check_versions(installed=fake.__getitem__)


def test_setup_refuses_a_too_old_keras(monkeypatch):
    fake = {**env.MINIMUM_VERSIONS, "keras": "3.8.0"}
    monkeypatch.setattr(env.metadata, "version", fake.__getitem__)
    with pytest.raises(RuntimeError, match=r"keras 3\.8\.0 is older than this course supports \(>= 3\.10\)"):
        env.setup(quiet=True)


def test_setup_under_the_tests_makes_course_deprecations_errors(monkeypatch):
    """The notebooks' share of the tests' warning policy: a deprecation attributed to a cell or to mio_utils."""
    import warnings

    monkeypatch.setenv(env.STRICT_WARNINGS_ENV_VAR, "1")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # as in a kernel: third-party deprecations are not shown
        env.setup(quiet=True)
        for module in ("__main__", "mio_utils.training"):
            with pytest.raises(DeprecationWarning):
                warnings.warn_explicit("old API", DeprecationWarning, "cell.py", 1, module=module)
        warnings.warn_explicit("old API", DeprecationWarning, "lib.py", 1, module="some_library")  # no error


def test_a_learner_is_not_given_the_tests_warning_policy(monkeypatch):
    import warnings

    monkeypatch.setenv("MIO_PROFILE", "smoke")
    monkeypatch.delenv(env.STRICT_WARNINGS_ENV_VAR)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("default")
        env.setup(quiet=True)
        warnings.warn_explicit("old API", DeprecationWarning, "cell.py", 1, module="__main__")  # no error
    assert [str(w.message) for w in caught if w.category is DeprecationWarning] == ["old API"]
