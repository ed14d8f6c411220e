"""The environment doctor: each failing condition, simulated by changing one fact, gets its verdict and fix."""
import dataclasses
import sys

import pytest

from mio_utils import doctor, env

HEALTHY = doctor.Facts(
    python=(3, 11, 7), packages=dict(env.MINIMUM_VERSIONS), tensorflow={"returncode": 0, "version": "2.21.0",
                                                                      "gpus": 0, "seconds": 4.0},
    free_disk=50 * doctor.GIB, memory=16 * doctor.GIB, datasets=dict.fromkeys(doctor.OFFLINE_DATASETS),
    kernel_python=sys.executable, executable=sys.executable,
)


def _verdict(facts, name):
    return next(v for v in doctor.diagnose(facts) if v.name == name)


def test_a_healthy_machine_passes_every_check():
    assert [v.name for v in doctor.diagnose(HEALTHY) if v.status in ("fail", "warn")] == []


@pytest.mark.parametrize("change, name, says, fix", [
    ({"python": (3, 9, 18)}, "python", "older than the course needs", "install Python 3.11"),
    ({"packages": {**env.MINIMUM_VERSIONS, "keras": "2.15.0"}}, "packages", "keras 2.15.0 (needs >= 3.10)",
     "make doctor"),
    ({"packages": {**env.MINIMUM_VERSIONS, "tensorflow": None}}, "packages", "missing: tensorflow", "make doctor"),
    ({"tensorflow": {"returncode": -4, "seconds": 1.0}}, "tensorflow", "illegal instruction", "Colab"),
    ({"tensorflow": {"returncode": 1, "seconds": 1.0, "error": "ImportError: libcudart.so"}}, "tensorflow",
     "ImportError: libcudart.so", "make clean && make venv"),
    ({"tensorflow": {"returncode": None, "seconds": 90, "error": "no answer in 90 s"}}, "tensorflow",
     "no answer in 90 s", "reinstall"),
    ({"free_disk": doctor.GIB // 2}, "disk", "0.5 GiB free", "free at least 1 GiB"),
    ({"memory": doctor.GIB}, "memory", "1.0 GiB in total", "Colab"),
    ({"datasets": {**HEALTHY.datasets, "chatterbot": "ModuleNotFoundError: No module named 'yaml'"}},
     "course data", "chatterbot: ModuleNotFoundError", "workshop kit"),
    ({"kernel_python": "/usr/bin/python3.8"}, "kernel", "would run /usr/bin/python3.8", "make lab"),
    ({"kernel_python": None}, "kernel", "no python3 kernel", "ipykernel"),
])
def test_each_failure_is_named_with_its_fix(change, name, says, fix):
    verdict = _verdict(dataclasses.replace(HEALTHY, **change), name)
    assert verdict.status == "fail", verdict
    assert says in verdict.detail and fix in verdict.fix, verdict.line()


@pytest.mark.parametrize("change, name", [
    ({"python": (3, 13, 0)}, "python"), ({"free_disk": 2 * doctor.GIB}, "disk"),
    ({"memory": 3 * doctor.GIB}, "memory"),
])
def test_borderline_machines_get_a_warning_not_a_failure(change, name):
    assert _verdict(dataclasses.replace(HEALTHY, **change), name).status == "warn"


def test_main_exits_non_zero_when_something_fails(monkeypatch, capsys):
    monkeypatch.setattr(doctor, "gather", lambda: dataclasses.replace(HEALTHY, python=(3, 9, 0)))
    assert doctor.main([]) == 1
    assert "Not ready: fix python" in capsys.readouterr().out
    monkeypatch.setattr(doctor, "gather", lambda: HEALTHY)
    assert doctor.main([]) == 0
    assert "Ready for the course." in capsys.readouterr().out


def test_the_tensorflow_probe_survives_a_crashing_child(monkeypatch):
    monkeypatch.setattr(doctor, "TF_PROBE", "import os, signal; os.kill(os.getpid(), signal.SIGILL)")
    probe = doctor._probe_tensorflow(timeout=30)
    assert probe["returncode"] == -4
    assert _verdict(dataclasses.replace(HEALTHY, tensorflow=probe), "tensorflow").status == "fail"
