"""Test-wide settings: the smoke profile, offline, quiet TensorFlow. Notebook kernels inherit these; the
venv's tools/ipython_kernel_config.py (installed by `make test`) keeps TensorFlow's C++ lines out of notebooks."""
import os
import tempfile

os.environ.setdefault("MIO_PROFILE", "smoke")
os.environ.setdefault("MIO_OFFLINE", "1")
os.environ.setdefault("MIO_STRICT_WARNINGS", "1")  # deprecations are errors in notebook kernels too
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("MPLBACKEND", "Agg")
# exercise results of test runs go to a throw-away file, not the learner's data/cache/progress.json
os.environ.setdefault("MIO_PROGRESS_FILE", os.path.join(tempfile.gettempdir(), f"mio-test-progress-{os.getpid()}.json"))


import pytest  # noqa: E402


@pytest.fixture(params=[0, 1, 2], ids=lambda s: f"seed{s}")
def check_seed(request, monkeypatch):
    """Run a checker test under several hidden-case seeds (scikit-learn's global_random_seed idea): a
    wrong answer must be rejected whatever cases the checker draws, not on one lucky draw."""
    monkeypatch.setenv("MIO_CHECK_SEED", str(request.param))
    return request.param
