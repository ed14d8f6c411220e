"""Run a Python module as a background job and drive it from a notebook: launch, wait, kill, collect.

Used by chapter 04 (through :mod:`mio_utils.resumable`, a training job that is killed and resumed); the same
tools start a model server (chapter 13) and the workers of a distributed run (chapter 14).

A job is ``python -m <module> <args>`` in its own process group, its output (stdout and stderr) in a log
file. It reports progress by appending JSON lines to a file (:func:`append_event`), which the notebook
reads with :func:`read_events` or waits on with :meth:`Job.wait_for_event`; a server is ready when
:meth:`Job.wait_for_port` can connect. Use the job as a context manager, so that it is killed when the
block ends, also when a cell fails::

    with jobs.launch("mio_utils.resumable", "--workdir", "runs/a", log="runs/a/output.log",
                     progress="runs/a/progress.jsonl") as job:
        job.wait_for_event(lambda event: event["event"] == "epoch", timeout=120)
        job.kill()

Jobs still running when the Python process exits (a kernel restart) are killed too, so none is orphaned.
POSIX only (SIGKILL and process groups), like Colab.
"""
from __future__ import annotations

import atexit
import json
import os
import signal
import socket
import subprocess
import sys
import time
import weakref
from pathlib import Path

POLL_S = 0.02  # how often a wait looks at the progress file, the port or the process
_LAUNCHED = weakref.WeakSet()  # jobs to kill at exit


class Job:
    """A running ``python -m`` job: its process, log file and (optional) JSON-lines progress file."""

    def __init__(self, process: subprocess.Popen, log: Path, progress: Path | None, name: str):
        self.process, self.log, self.progress, self.name = process, log, progress, name

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def __repr__(self) -> str:
        state = "running" if self.running else f"exited with code {self.process.returncode}"
        return f"Job({self.name!r}, pid {self.pid}, {state}, log {self.log})"

    def __enter__(self) -> Job:
        return self

    def __exit__(self, *exc_info) -> None:
        self._stop()

    def tail(self, lines: int = 15) -> str:
        """The last ``lines`` lines of the job's output (where its tracebacks are)."""
        if not self.log.exists():
            return ""
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def _failure(self, what: str) -> str:
        return f"job {self.name!r} (pid {self.pid}) {what}; the end of its log {self.log}:\n{self.tail()}"

    def _wait_until(self, ready, what: str, timeout: float) -> float:
        """Poll ``ready()`` until it is true; return the seconds waited. Raise if the job exits first."""
        started = time.perf_counter()
        while time.perf_counter() - started < timeout:
            if ready():
                return time.perf_counter() - started
            if not self.running:
                if ready():  # the job may have reported and exited between two looks
                    return time.perf_counter() - started
                raise RuntimeError(self._failure(f"exited with code {self.process.returncode} before {what}"))
            time.sleep(POLL_S)
        raise TimeoutError(self._failure(f"did not reach {what} within {timeout:g} s"))

    def wait_for_event(self, predicate, timeout: float = 120.0) -> dict:
        """Wait until the progress file holds an event for which ``predicate(event)`` is true; return it.

        Raises ``TimeoutError``, or ``RuntimeError`` if the job exits first; both show the job's log tail.
        """
        if self.progress is None:
            raise ValueError(f"job {self.name!r} was launched without a progress file to wait on.")
        found = []

        def ready():
            found[:] = [event for event in read_events(self.progress) if predicate(event)]
            return bool(found)

        self._wait_until(ready, "the awaited progress event", timeout)
        return found[0]

    def wait_for_port(self, port: int, host: str = "127.0.0.1", timeout: float = 60.0) -> float:
        """Wait until ``host:port`` accepts a TCP connection (a server is up); return the seconds waited."""

        def ready():
            try:
                socket.create_connection((host, port), timeout=POLL_S * 10).close()
            except OSError:
                return False
            return True

        return self._wait_until(ready, f"accepting connections on {host}:{port}", timeout)

    def wait(self, timeout: float | None = None) -> int:
        """Wait for the job to exit and return its exit code (negative: killed by that signal).
        Raises ``TimeoutError`` with the log tail if it is still running after ``timeout`` seconds."""
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(self._failure(f"was still running after {timeout:g} s")) from None

    def kill(self) -> int:
        """SIGKILL the job and its children (no clean-up runs, exactly like a crash or an out-of-memory kill)
        and return the exit code, ``-9``. Raises ``RuntimeError`` if the job had already exited."""
        if not self.running:
            raise RuntimeError(f"job {self.name!r} already exited with code {self.process.returncode}; "
                               "nothing to kill.")
        os.killpg(self.pid, signal.SIGKILL)
        return self.process.wait()

    def terminate(self, timeout: float = 10.0) -> int:
        """Ask the job to stop (SIGTERM: a server closes its socket, a trainer can save), wait up to
        ``timeout`` seconds, then SIGKILL it. Returns the exit code (that of a job already finished, too)."""
        if self.running:
            os.killpg(self.pid, signal.SIGTERM)
            try:
                return self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                return self.kill()
        return self.process.returncode

    def finish(self, timeout: float = 300.0, result=None):
        """Wait for the job to succeed; return the JSON file ``result`` it wrote, parsed (or None without one).

        Raises ``TimeoutError`` (after killing the job) or ``RuntimeError`` on a non-zero exit code, with
        the job's log tail.
        """
        try:
            code = self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill()
            raise TimeoutError(self._failure(f"did not finish within {timeout:g} s and was killed")) from None
        if code != 0:
            raise RuntimeError(self._failure(f"exited with code {code}"))
        return None if result is None else json.loads(Path(result).read_text(encoding="utf-8"))

    def _stop(self) -> None:
        """Kill the job if it is still running (context-manager exit and interpreter exit)."""
        if self.running:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.process.wait()


def launch(module: str, *args, log, progress=None, env: dict | None = None, cwd=None) -> Job:
    """Start ``python -m module *args`` in the background and return its :class:`Job`.

    Its stdout and stderr go to the file ``log`` (appended; its folder is created). ``progress`` names the
    JSON-lines file the job appends its events to (see :func:`append_event`). ``env`` adds to (or overrides)
    this process's environment; the folder holding ``mio_utils`` is put on ``PYTHONPATH``, so
    ``-m mio_utils.<module>`` works from any working directory. The job gets its own process group,
    so :meth:`Job.kill` also stops the processes it starts.
    """
    log = Path(log)
    log.parent.mkdir(parents=True, exist_ok=True)
    package_parent = str(Path(__file__).resolve().parent.parent)
    environment = {**os.environ, **(env or {})}
    environment["PYTHONPATH"] = os.pathsep.join(filter(None, [package_parent, environment.get("PYTHONPATH")]))
    environment["PYTHONUNBUFFERED"] = "1"  # the log shows output as it happens
    command = [sys.executable, "-m", module, *map(str, args)]
    with open(log, "ab") as output:  # the child keeps its own copy of the file descriptor
        process = subprocess.Popen(command, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                   env=environment, cwd=cwd, start_new_session=True)
    job = Job(process, log, None if progress is None else Path(progress), module)
    _LAUNCHED.add(job)
    return job


def append_event(path, **event) -> None:
    """Append one event as a JSON line to the progress file ``path``, flushed to disk before returning
    (a job calls this; ``pid`` and ``time`` are added)."""
    event = {"pid": os.getpid(), "time": round(time.time(), 3), **event}
    with open(path, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(event) + "\n")
        handle.flush()
        os.fsync(handle.fileno())


def read_events(path) -> list[dict]:
    """The events in the progress file ``path``, oldest first; [] if there is none yet. A last line cut
    short by a kill is skipped."""
    path = Path(path)
    if not path.exists():
        return []
    events = []
    for line in path.read_text(encoding="utf-8").splitlines():
        try:
            events.append(json.loads(line))
        except json.JSONDecodeError:
            continue
    return events


@atexit.register
def _kill_leftovers() -> None:
    for job in list(_LAUNCHED):
        job._stop()
