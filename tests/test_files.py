"""mio_utils.files: a file or folder appears complete under its final name, or not at all."""
import pytest

from mio_utils.files import atomic_folder, atomic_write, temporary_name


def test_atomic_write_moves_the_finished_file_into_place(tmp_path):
    target = tmp_path / "sub" / "result.json"
    with atomic_write(target) as temporary:
        assert temporary.parent == target.parent and temporary.name.startswith(".")
        temporary.write_text("new")
        assert not target.exists()  # nothing under the final name until the block succeeds
    assert target.read_text() == "new"
    assert sorted(p.name for p in target.parent.iterdir()) == ["result.json"]


def test_a_failure_inside_the_block_leaves_no_file_and_no_temporary(tmp_path):
    target = tmp_path / "model.weights.h5"
    with pytest.raises(RuntimeError, match="disk full"):
        with atomic_write(target) as temporary:
            temporary.write_bytes(b"half a file")
            raise RuntimeError("disk full")
    assert list(tmp_path.iterdir()) == []


def test_a_failed_rewrite_keeps_the_old_file(tmp_path):
    target = tmp_path / "report.json"
    target.write_text("old")
    with pytest.raises(KeyboardInterrupt):
        with atomic_write(target) as temporary:
            temporary.write_text("ne")
            raise KeyboardInterrupt
    assert target.read_text() == "old" and list(tmp_path.iterdir()) == [target]


def test_a_block_that_writes_nothing_is_an_error(tmp_path):
    with pytest.raises(FileNotFoundError, match="wrote nothing"):
        with atomic_write(tmp_path / "empty.txt"):
            pass
    assert list(tmp_path.iterdir()) == []


def test_temporary_name_keeps_the_suffixes_writers_need(tmp_path):
    name = temporary_name(tmp_path / "epoch-0001.weights.h5").name
    assert name.startswith(".epoch-0001.") and name.endswith(".tmp.weights.h5")


def test_atomic_folder_replaces_a_folder_or_leaves_it(tmp_path):
    target = tmp_path / "images"
    with atomic_folder(target) as staging:
        (staging / "a.png").write_bytes(b"1")
    assert [p.name for p in target.iterdir()] == ["a.png"]
    with pytest.raises(ValueError):
        with atomic_folder(target) as staging:
            (staging / "b.png").write_bytes(b"2")
            raise ValueError("a bad image")
    assert [p.name for p in target.iterdir()] == ["a.png"]
    assert [p.name for p in tmp_path.iterdir()] == ["images"]  # no staging folder left
    with atomic_folder(target) as staging:
        (staging / "c.png").write_bytes(b"3")
    assert [p.name for p in target.iterdir()] == ["c.png"]
