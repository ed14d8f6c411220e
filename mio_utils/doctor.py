"""``python -m mio_utils.doctor`` (``make doctor``): will the course run here? One line per check, a fix for each.

Written for workshops: run it on every laptop before the session (INSTRUCTORS.md). It checks what breaks
a room: the Python version, the course's packages against the versions it supports, TensorFlow importing
at all (it needs AVX on x86 CPUs), free disk and memory, the embedded course data, the Jupyter kernel
running this environment; and it reports what changes the course's path without breaking it (online or
not, GPU or not, Colab or not). The exit status is 1 when something must be fixed, else 0.

Facts are gathered once (:func:`gather`) and judged by pure functions (:func:`diagnose`), so the tests
simulate each failure by changing one fact. TensorFlow is imported in a child process: a CPU without AVX
kills that process, not the doctor. Used by every chapter's learners before they start (no chapter
calls it).
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

from . import data, env

MIN_PYTHON = (3, 10)
TESTED_PYTHON = ((3, 10), (3, 12))  # the range the README promises and the lock files cover
GIB = 1024 ** 3
MIN_FREE_DISK, COMFORTABLE_FREE_DISK = 1 * GIB, 3 * GIB
MIN_MEMORY, COMFORTABLE_MEMORY = 2 * GIB, 4 * GIB
OFFLINE_DATASETS = ("digits", "breast_cancer", "wine", "mnist1d", "chatterbot", "pydoc_corpus")
TF_PROBE = ("import tensorflow as tf; print(tf.__version__); "
            "print(len(tf.config.list_physical_devices('GPU')))")


@dataclass
class Verdict:
    status: str  # "ok" | "warn" | "fail" | "info"
    name: str
    detail: str
    fix: str = ""

    def line(self) -> str:
        icon = {"ok": "✅", "warn": "⚠️ ", "fail": "❌", "info": "ℹ️ "}[self.status]
        text = f"{icon} {self.name:<12} {self.detail}"
        return text + (f"\n   fix: {self.fix}" if self.fix else "")


@dataclass
class Facts:
    python: tuple[int, int, int]
    packages: dict[str, str | None]  # distribution -> installed version, None if missing
    tensorflow: dict  # {"returncode", "version", "gpus", "seconds", "error"}
    free_disk: int
    memory: int | None
    datasets: dict[str, str | None]  # name -> None if it loads, else the error
    kernel_python: str | None  # the python3 kernel's interpreter, None if no kernel spec
    executable: str = field(default_factory=lambda: sys.executable)
    online: bool = False
    colab: bool = False


def _memory_bytes() -> int | None:
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None  # not on this platform: not judged


def _probe_tensorflow(timeout: float = 90.0) -> dict:
    start = time.perf_counter()
    try:
        done = subprocess.run([sys.executable, "-c", TF_PROBE], capture_output=True, text=True, timeout=timeout,
                              env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    except subprocess.TimeoutExpired:
        return {"returncode": None, "error": f"no answer in {timeout:.0f} s", "seconds": timeout}
    lines = done.stdout.split()
    result = {"returncode": done.returncode, "seconds": time.perf_counter() - start,
              "error": done.stderr.strip().splitlines()[-1] if done.returncode and done.stderr.strip() else ""}
    if done.returncode == 0 and len(lines) >= 2:
        result.update(version=lines[0], gpus=int(lines[1]))
    return result


def _kernel_python() -> str | None:
    try:
        from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel
    except ImportError:
        return None  # no Jupyter in this environment
    try:
        spec = KernelSpecManager().get_kernel_spec("python3")
    except NoSuchKernel:
        return None
    command = spec.argv[0]
    # Jupyter runs a spec whose command is plain "python" with its own interpreter, i.e. this one
    return sys.executable if command in ("python", "python3") else command


def _dataset_errors() -> dict[str, str | None]:
    errors = {}
    for name in OFFLINE_DATASETS:
        try:
            data.load(name)
            errors[name] = None
        except Exception as error:  # noqa: BLE001 - any failure is the finding, reported in words
            errors[name] = f"{type(error).__name__}: {error}"
    return errors


def gather() -> Facts:
    """Look at this machine (about 5-10 s, most of it importing TensorFlow in a child process)."""
    packages = {}
    for name in env.MINIMUM_VERSIONS:
        try:
            packages[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            packages[name] = None
    return Facts(
        python=tuple(sys.version_info[:3]), packages=packages, tensorflow=_probe_tensorflow(),
        free_disk=shutil.disk_usage(env.cache_dir()).free, memory=_memory_bytes(),
        datasets=_dataset_errors(), kernel_python=_kernel_python(), online=env.is_online(), colab=env.is_colab(),
    )


def _python(facts: Facts) -> Verdict:
    version = ".".join(map(str, facts.python))
    if facts.python[:2] < MIN_PYTHON:
        return Verdict("fail", "python", f"{version} is older than the course needs (3.10 or newer)",
                       "install Python 3.11 (python.org or your package manager), then `make clean && make venv`.")
    low, high = TESTED_PYTHON
    if not low <= facts.python[:2] <= high:
        return Verdict("warn", "python", f"{version}: newer than the 3.10-3.12 the course is tested on",
                       "if TensorFlow fails to install, use Python 3.11.")
    return Verdict("ok", "python", f"{version} ({facts.executable})")


def _packages(facts: Facts) -> Verdict:
    missing = [name for name, version in facts.packages.items() if version is None]
    old = [f"{name} {version} (needs >= {env.MINIMUM_VERSIONS[name]})" for name, version in facts.packages.items()
           if version is not None and env._release(version) < env._release(env.MINIMUM_VERSIONS[name])]
    if missing or old:
        detail = "; ".join(([f"missing: {', '.join(missing)}"] if missing else []) + old)
        return Verdict("fail", "packages", f"{detail} (in {facts.executable})",
                       "run `make doctor` in the course folder: it creates the course's .venv if needed and "
                       "checks that one (or `pip install -r requirements.txt` into this environment).")
    shown = ", ".join(f"{name} {facts.packages[name]}" for name in ("tensorflow", "keras"))
    return Verdict("ok", "packages", f"{shown} and {len(facts.packages) - 2} more at supported versions")


def _tensorflow(facts: Facts) -> Verdict:
    probe = facts.tensorflow
    if probe.get("returncode") == 0 and "version" in probe:
        return Verdict("ok", "tensorflow", f"imports in {probe['seconds']:.1f} s")
    if probe.get("returncode") in (-4, 132):  # SIGILL: an instruction the CPU does not have
        return Verdict("fail", "tensorflow", "crashed on import with an illegal instruction: this CPU lacks "
                       "the AVX instructions TensorFlow's wheels are built for",
                       "use another laptop or the course in Colab (each chapter's badge).")
    return Verdict("fail", "tensorflow", f"does not import ({probe.get('error') or 'no output'})",
                   "reinstall it with `make clean && make venv`; on a Mac with Apple silicon use the arm64 "
                   "Python, not one running under Rosetta.")


def _disk(facts: Facts) -> Verdict:
    free = facts.free_disk / GIB
    where = f"{free:.1f} GiB free for the course's data"
    if facts.free_disk < MIN_FREE_DISK:
        return Verdict("fail", "disk", where, "free at least 1 GiB (3 GiB for the gpu profile's datasets).")
    if facts.free_disk < COMFORTABLE_FREE_DISK:
        return Verdict("warn", "disk", where, "enough for the cpu profile; the gpu profile's datasets need 3 GiB.")
    return Verdict("ok", "disk", where)


def _memory(facts: Facts) -> Verdict:
    if facts.memory is None:
        return Verdict("info", "memory", "not measurable on this system")
    total = f"{facts.memory / GIB:.1f} GiB"
    if facts.memory < MIN_MEMORY:
        return Verdict("fail", "memory", f"{total} in total", "the course needs 2 GiB; close other programs or "
                       "use Colab.")
    if facts.memory < COMFORTABLE_MEMORY:
        return Verdict("warn", "memory", f"{total} in total", "run one notebook at a time and close the others' "
                       "kernels (Kernel > Shut Down Kernel).")
    return Verdict("ok", "memory", f"{total} in total")


def _datasets(facts: Facts) -> Verdict:
    broken = {name: error for name, error in facts.datasets.items() if error}
    if broken:
        first = next(iter(broken.items()))
        return Verdict("fail", "course data", f"{len(broken)} of {len(facts.datasets)} embedded datasets do not "
                       f"load ({first[0]}: {first[1][:160]})", "reinstall with `make clean && make venv` (in a "
                       "room without internet, from the workshop kit: INSTRUCTORS.md).")
    return Verdict("ok", "course data", f"all {len(facts.datasets)} embedded datasets load")


def _kernel(facts: Facts) -> Verdict:
    if facts.kernel_python is None:
        return Verdict("fail", "kernel", "Jupyter has no python3 kernel in this environment",
                       "run `make venv` (it installs ipykernel) or `python -m ipykernel install --sys-prefix`.")
    if Path(facts.kernel_python).resolve() != Path(facts.executable).resolve():
        return Verdict("fail", "kernel", f"notebooks would run {facts.kernel_python}, not this environment",
                       "start Jupyter with `make lab`, or remove the other kernel with "
                       "`jupyter kernelspec remove python3` run outside the course environment.")
    return Verdict("ok", "kernel", "notebooks run in this environment")


def _situation(facts: Facts) -> list[Verdict]:
    gpus = facts.tensorflow.get("gpus")
    return [
        Verdict("info", "online", "yes: the gpu profile downloads the real datasets" if facts.online else
                "no: every chapter runs on its embedded data (the gpu profile falls back too)"),
        Verdict("info", "gpu", f"{gpus} visible: the default profile is gpu" if gpus else
                "none visible: the default profile is cpu"),
        Verdict("info", "colab", "yes" if facts.colab else "no"),
    ]


def diagnose(facts: Facts) -> list[Verdict]:
    """Judge the facts: one verdict per check."""
    return [_python(facts), _packages(facts), _tensorflow(facts), _disk(facts), _memory(facts),
            _datasets(facts), _kernel(facts), *_situation(facts)]


def main(argv=None) -> int:
    argparse.ArgumentParser(description=__doc__.splitlines()[0]).parse_args(argv)
    start = time.perf_counter()
    verdicts = diagnose(gather())
    for verdict in verdicts:
        print(verdict.line())
    failed = [v.name for v in verdicts if v.status == "fail"]
    print(f"\n{'Not ready: fix ' + ', '.join(failed) if failed else 'Ready for the course.'} "
          f"({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
