"""Kill a real training process with SIGKILL and resume it: nothing is lost, nothing is unreadable.

Three training processes start together: an uninterrupted reference, a job that the test SIGKILLs at a
random moment after its first epoch, and a job that SIGKILLs itself *while* writing its epoch-2
checkpoint. The two killed jobs are then restarted with the same command. Both must finish all epochs,
resume at the epoch after their last complete checkpoint, and end bit-identical to the reference
(the job's data order depends only on the seed and the epoch, and ops are deterministic).
"""
import os
import random
import signal
import time

import pytest

from mio_utils import resumable
from mio_utils.training import list_checkpoints

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

EPOCHS = 8


def _opens(path) -> bool:
    import h5py

    try:
        with h5py.File(path, "r") as handle:
            return "layers" in handle and "optimizer" in handle
    except OSError:
        return False


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    base = tmp_path_factory.mktemp("resume")
    dirs = {name: base / name for name in ("reference", "killed", "killed_mid_write")}
    started = time.perf_counter()
    reference = resumable.launch(dirs["reference"], epochs=EPOCHS)
    killed = resumable.launch(dirs["killed"], epochs=EPOCHS)
    mid_write = resumable.launch(dirs["killed_mid_write"], epochs=EPOCHS, kill_during_save=2)
    with reference, killed, mid_write:  # each is killed at the end if it still runs
        killed.wait_for_event(lambda event: event["event"] == "epoch", timeout=240)
        time.sleep(random.uniform(0, 0.25))  # a random moment: mid-epoch, mid-save or between
        progress_at_kill = resumable.completed_epochs(dirs["killed"])
        killed_code = killed.kill()
        mid_write_code = mid_write.wait(timeout=240)
        result_at_kill = (dirs["killed"] / resumable.RESULT).exists()
        after_kill = {name: list_checkpoints(dirs[name] / resumable.CHECKPOINTS)
                      for name in ("killed", "killed_mid_write")}
        readable = {name: [_opens(path) for _, path in found] for name, found in after_kill.items()}
        leftovers = sorted(p.name for p in (dirs["killed_mid_write"] / resumable.CHECKPOINTS).iterdir())
        resumed = {name: resumable.launch(dirs[name], epochs=EPOCHS) for name in after_kill}
        results = {name: job.finish(240, result=dirs[name] / resumable.RESULT) for name, job in resumed.items()}
        results["reference"] = reference.finish(240, result=dirs["reference"] / resumable.RESULT)
    print(f"kill-and-resume runs took {time.perf_counter() - started:.1f} s")
    return dict(dirs=dirs, results=results, after_kill=after_kill, leftovers=leftovers, readable=readable,
                result_at_kill=result_at_kill,
                killed_code=killed_code, mid_write_code=mid_write_code, progress_at_kill=progress_at_kill)


def test_the_kills_were_real_and_mid_run(runs):
    assert runs["killed_code"] == -signal.SIGKILL
    assert runs["mid_write_code"] == -signal.SIGKILL
    assert max(runs["progress_at_kill"]) < EPOCHS, "the job had already finished when it was killed"
    assert not runs["result_at_kill"]


@pytest.mark.parametrize("name", ["killed", "killed_mid_write"])
def test_resumed_run_loses_no_epoch(runs, name):
    last_saved = runs["after_kill"][name][-1][0]
    assert last_saved >= 1
    result, reference = runs["results"][name], runs["results"]["reference"]
    assert reference["epochs_this_run"] == list(range(1, EPOCHS + 1))
    assert result["epochs_this_run"] == list(range(last_saved + 1, EPOCHS + 1)), \
        "the restart must begin at the epoch after the last saved one"
    starts = [e for e in resumable.read_progress(runs["dirs"][name]) if e["event"] == "start"]
    assert [s["first_epoch"] for s in starts] == [0, last_saved]
    done = set(resumable.completed_epochs(runs["dirs"][name]))
    assert done == set(range(1, EPOCHS + 1)), f"epochs missing from the log: {set(range(1, EPOCHS + 1)) - done}"
    assert result["epochs_completed"] == reference["epochs_completed"] == EPOCHS


@pytest.mark.parametrize("name", ["killed", "killed_mid_write"])
def test_resumed_run_matches_the_uninterrupted_one(runs, name):
    result, reference = runs["results"][name], runs["results"]["reference"]
    assert result["weights_digest"] == reference["weights_digest"], "resumed weights are not bit-identical"


def test_a_kill_during_the_write_leaves_only_readable_checkpoints(runs):
    # The kill landed inside the epoch-2 save: its temporary file is there, half written ...
    assert any(name.startswith(".epoch-0002.") and name.endswith(".tmp.weights.h5") for name in runs["leftovers"])
    # ... and the only file under a checkpoint name is the complete epoch-1 checkpoint.
    assert [epoch for epoch, _ in runs["after_kill"]["killed_mid_write"]] == [1]
    for name, opened in runs["readable"].items():
        assert opened and all(opened), f"{name}: a checkpoint under its final name does not open"
    # The restart deleted the stray temporary file.
    assert not list((runs["dirs"]["killed_mid_write"] / resumable.CHECKPOINTS).glob(".*.tmp.weights.h5"))


def test_progress_log_skips_a_line_cut_by_a_kill(tmp_path):
    (tmp_path / resumable.PROGRESS).write_text('{"event": "epoch", "epoch": 1}\n{"event": "epo')
    assert resumable.completed_epochs(tmp_path) == [1]
    assert resumable.read_progress(tmp_path / "missing") == []


def test_bad_options_are_explained(tmp_path):
    with pytest.raises(ValueError, match="checkpointer must be one of"):
        resumable.train(tmp_path, checkpointer="pickle")
    with pytest.raises(ValueError, match="epochs must be"):
        resumable.train(tmp_path, epochs=0)
