"""mio_utils.jobs: launch a `python -m` job, wait for its progress or its port, kill it, collect its result.

The jobs here are a few lines of Python (no TensorFlow), so every test takes well under a second or two.
"""
import socket
import sys
import textwrap
import time
from pathlib import Path

import pytest

from mio_utils import jobs

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="jobs use POSIX signals and process groups")

TINY_JOB = textwrap.dedent('''
    import json, socket, subprocess, sys, time
    from pathlib import Path
    from mio_utils.jobs import append_event

    mode, workdir = sys.argv[1], Path(sys.argv[2])
    if mode == "report":  # start a child of its own, report, then keep running
        child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
        append_event(workdir / "progress.jsonl", event="ready", child=child.pid)
        time.sleep(60)
    elif mode == "fail":
        print("boom: the job's own error message", file=sys.stderr)
        sys.exit(3)
    elif mode == "silent":
        time.sleep(60)
    elif mode == "serve":
        server = socket.create_server(("127.0.0.1", int(sys.argv[3])))
        time.sleep(60)
    elif mode == "result":
        print("working")
        (workdir / "result.json").write_text(json.dumps({"answer": 42}))
''')


def _alive(pid: int) -> bool:
    """True while the process exists and is not a zombie (a container's init may not reap orphans)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "\nState:\tZ" not in status


def _gone(pid: int, within: float = 5.0) -> bool:
    deadline = time.perf_counter() + within
    while time.perf_counter() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.02)
    return False


@pytest.fixture
def start(tmp_path):
    (tmp_path / "tiny_job.py").write_text(TINY_JOB)
    launched = []

    def start(mode, *extra):
        job = jobs.launch("tiny_job", mode, tmp_path, *extra, log=tmp_path / f"{mode}.log",
                          progress=tmp_path / "progress.jsonl", cwd=tmp_path)
        launched.append(job)
        return job

    yield start
    for job in launched:
        job._stop()


def test_wait_for_event_then_kill_leaves_no_process_behind(start):
    job = start("report")
    event = job.wait_for_event(lambda e: e["event"] == "ready", timeout=30)
    assert job.running and event["pid"] == job.pid
    assert job.kill() == -9 and not job.running
    assert _gone(job.pid) and _gone(event["child"]), "the job's own child must die with it"
    with pytest.raises(RuntimeError, match="already exited"):
        job.kill()


def test_a_failing_job_is_reported_with_its_stderr(start):
    job = start("fail")
    with pytest.raises(RuntimeError, match="(?s)exited with code 3.*boom: the job's own error message"):
        job.wait_for_event(lambda e: True, timeout=30)
    with pytest.raises(RuntimeError, match="boom"):
        job.finish(timeout=30)


def test_a_timeout_says_what_was_awaited(start):
    job = start("silent")
    with pytest.raises(TimeoutError, match="did not reach the awaited progress event within 0.3 s"):
        job.wait_for_event(lambda e: True, timeout=0.3)
    with pytest.raises(TimeoutError, match="still running after 0.1 s"):
        job.wait(timeout=0.1)
    assert job.running
    assert job.terminate(timeout=5) == -15  # SIGTERM: the default handler ends the process


def test_wait_for_port_sees_a_server_come_up(start):
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]  # a free port, released when the probe closes
    job = start("serve", port)
    assert job.wait_for_port(port, timeout=30) >= 0
    assert job.terminate() == -15
    with pytest.raises(RuntimeError, match="exited with code -15 before accepting connections"):
        job.wait_for_port(port, timeout=5)


def test_finish_collects_the_result_and_the_log(start, tmp_path):
    job = start("result")
    assert job.finish(timeout=30, result=tmp_path / "result.json") == {"answer": 42}
    assert job.tail() == "working"
    assert job.terminate() == 0  # already finished: nothing to stop


def test_the_context_manager_kills_the_job_when_the_block_fails(start):
    with pytest.raises(ZeroDivisionError):
        with start("report") as job:
            event = job.wait_for_event(lambda e: e["event"] == "ready", timeout=30)
            raise ZeroDivisionError  # a failing notebook cell
    assert not job.running and _gone(job.pid) and _gone(event["child"])


def test_progress_file_tolerates_a_line_cut_short(tmp_path):
    path = tmp_path / "progress.jsonl"
    jobs.append_event(path, event="epoch", epoch=1)
    with open(path, "a") as handle:
        handle.write('{"event": "epo')
    assert [e["epoch"] for e in jobs.read_events(path)] == [1]
    assert jobs.read_events(tmp_path / "missing.jsonl") == []
