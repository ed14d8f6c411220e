"""Crash-safe writes: a file or folder appears under its final name complete, or not at all.

Used by every chapter that writes to disk: dataset caches, TFRecord shards and image folders (chapters
02-03), checkpoints and job results (chapter 04), the course report.

The recipe: write under a temporary name in the same folder, flush it to disk (``fsync``), then rename it
to its final name with ``os.replace``. A rename within one file system is atomic, so a process killed at
any moment leaves either the old file or the new one, never half a file under the final name.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from contextlib import contextmanager
from pathlib import Path


def temporary_name(path) -> Path:
    """The temporary sibling :func:`atomic_write` writes first: ``dir/.stem.<pid>.tmp.suffixes``.

    It keeps the suffixes (``.weights.h5``, ``.npz``), which some writers insist on, and starts with a dot,
    so a listing of final files (``*.weights.h5`` without a leading dot) never picks it up.
    """
    path = Path(path)
    suffix = "".join(path.suffixes) if not path.name.startswith(".") else ""
    stem = path.name[: len(path.name) - len(suffix)]
    return path.with_name(f".{stem}.{os.getpid()}.tmp{suffix}")


def _fsync(path: Path) -> None:
    """Flush a file, or a folder's entries, to disk."""
    if os.name != "posix" and path.is_dir():  # Windows cannot open a folder to flush it
        return
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextmanager
def atomic_write(path):
    """Yield a temporary path to write ``path``'s content to; on success, move it to ``path`` atomically.

    ``with atomic_write("out/result.json") as tmp: tmp.write_text(text)``. The folder is created if
    needed. If the block raises, the temporary file is deleted and ``path`` is left as it was.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = temporary_name(path)
    try:
        yield temporary
        if not temporary.is_file():
            raise FileNotFoundError(f"atomic_write({str(path)!r}): the block wrote nothing to {temporary}; "
                                    "expected it to write the file's content there.")
        _fsync(temporary)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    _fsync(path.parent)


@contextmanager
def atomic_folder(path):
    """Yield an empty staging folder next to ``path``; on success, it replaces ``path`` (a folder).

    If the block raises, the staging folder is deleted and ``path`` is left as it was. Replacing an
    existing folder deletes it first, so a reader could briefly find neither: mark completeness with a
    file written last inside the folder when that matters.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent))
    try:
        yield staging
        if path.exists():
            shutil.rmtree(path)
        os.replace(staging, path)
    finally:
        if staging.exists():
            shutil.rmtree(staging, ignore_errors=True)
    _fsync(path.parent)
