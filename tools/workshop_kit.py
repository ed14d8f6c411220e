"""``make workshop-kit``: everything a room without internet needs to install the course, in one folder.

An instructor builds it once, online, and copies it to a USB stick or a local web server::

    build/workshop-kit/
      install.sh          sh install.sh [folder]: unpack, create .venv, install with no network, run the doctor
      mio-course.tar.gz   the course at the commit the kit was built from (git archive)
      wheelhouse/         a wheel of every package the course installs, for this OS/CPU/Python
      wheelhouse-<tag>/   the same for another platform (--platform), where PyPI has wheels for it
      data/               generated course data (copied into data/cache, so nothing is generated in class)
      MANIFEST.txt        commit, platforms, sizes, build time

``--verify`` then installs from the kit into a fresh folder with pip unable to reach any index, and runs
chapter 00 in the smoke profile there: the proof that the kit is complete.
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PY_VERSION = f"{sys.version_info[0]}.{sys.version_info[1]}"
GENERATED_DATA = ("mnist1d.npz",)  # slow to regenerate; the rest is rebuilt in seconds from the packages
BUILD_TOOLS = ("setuptools>=77", "wheel")  # `pip install -e .` builds the course package from source

INSTALL_SH = """#!/bin/sh
# Install the MIO course from this kit, with no network: sh install.sh [folder] (default: ./mio).
# PYTHON=python3.11 sh install.sh picks the interpreter (the kit's wheels are for Python {py}).
set -eu
KIT=$(cd "$(dirname "$0")" && pwd)
DEST=${{1:-mio}}
PYTHON=${{PYTHON:-python3}}
mkdir -p "$DEST"
tar -xzf "$KIT/mio-course.tar.gz" -C "$DEST"
cd "$DEST"
PYV=$("$PYTHON" -c 'import sys; print(f"{{sys.version_info[0]}}.{{sys.version_info[1]}}")')
LOCK=""
if [ -f "constraints-py$PYV.txt" ]; then LOCK="-c constraints-py$PYV.txt"; fi
"$PYTHON" -m venv .venv
echo "Installing from $KIT/wheelhouse (no network needed)..."
.venv/bin/python -m pip install --quiet --no-index --find-links "$KIT/wheelhouse" -r requirements.txt $LOCK -e .
mkdir -p data/cache
cp -R "$KIT/data/." data/cache/
touch ".venv/.installed-$PYV"   # tells make the environment is installed
.venv/bin/python -m mio_utils.doctor
echo "Done. cd $DEST && make lab"
"""


def _run(command, **kwargs):
    print("+", " ".join(map(str, command)), flush=True)
    subprocess.run(command, check=True, **kwargs)


def _lock() -> list[str]:
    lock = ROOT / f"constraints-py{PY_VERSION}.txt"
    return ["-c", str(lock)] if lock.is_file() else []


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def build(out: Path, platforms: list[str]) -> dict:
    start = time.perf_counter()
    if out.exists():
        shutil.rmtree(out)
    wheelhouse = out / "wheelhouse"
    wheelhouse.mkdir(parents=True)
    pip = [sys.executable, "-m", "pip"]
    # pip wheel downloads wheels and builds the few source-only packages into wheels, so the room never builds
    _run([*pip, "wheel", "--quiet", "-w", wheelhouse, "-r", ROOT / "requirements.txt", *_lock(), *BUILD_TOOLS])
    outcome = {}
    for platform in platforms:
        target = out / f"wheelhouse-{platform}"
        try:
            _run([*pip, "download", "--quiet", "--only-binary=:all:", "--platform", platform, "--python-version",
                  PY_VERSION, "--implementation", "cp", "--find-links", wheelhouse, "-d", target,
                  "-r", ROOT / "requirements.txt", *BUILD_TOOLS], stdout=subprocess.DEVNULL,
                 stderr=subprocess.PIPE, text=True)
            outcome[platform] = f"complete ({_size(target) / 2**20:.0f} MiB)"
        except subprocess.CalledProcessError as error:
            shutil.rmtree(target, ignore_errors=True)
            last = (error.stderr or "").strip().splitlines()
            outcome[platform] = "not possible: " + (last[-1] if last else "pip download failed")
    with open(out / "mio-course.tar.gz", "wb") as archive:
        _run(["git", "-C", ROOT, "archive", "--format=tar.gz", "HEAD"], stdout=archive)
    (out / "data").mkdir()
    for name in GENERATED_DATA:
        source = ROOT / "data" / "cache" / name
        if not source.exists():  # generate it now, online or not, so the kit always has it
            _run([sys.executable, "-c", "import mio_utils as mio; mio.load('mnist1d')"], cwd=ROOT)
        shutil.copy2(source, out / "data" / name)
    (out / "install.sh").write_text(INSTALL_SH.format(py=PY_VERSION), encoding="utf-8")
    (out / "install.sh").chmod(0o755)
    commit = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True).stdout.strip()
    seconds = time.perf_counter() - start
    manifest = [f"MIO workshop kit, course commit {commit}, built {time.strftime('%Y-%m-%d %H:%M')} in "
                f"{seconds:.0f} s", f"wheelhouse: this machine ({sys.platform}, Python {PY_VERSION}), "
                f"{len(list(wheelhouse.glob('*.whl')))} wheels, {_size(wheelhouse) / 2**20:.0f} MiB"]
    manifest += [f"wheelhouse-{p}: {what}" for p, what in outcome.items()]
    manifest.append(f"total: {_size(out) / 2**20:.0f} MiB")
    (out / "MANIFEST.txt").write_text("\n".join(manifest) + "\n", encoding="utf-8")
    print("\n".join(manifest))
    return {"seconds": seconds, "bytes": _size(out), "platforms": outcome}


def verify(out: Path) -> float:
    """Install from the kit with every package index unreachable, then run chapter 00 in smoke there."""
    start = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="mio-kit-") as tmp:
        offline = {**os.environ, "PIP_NO_INDEX": "1", "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
                   "PIP_EXTRA_INDEX_URL": "", "PIP_CONFIG_FILE": os.devnull, "MIO_OFFLINE": "1"}
        offline.pop("VIRTUAL_ENV", None)
        _run(["sh", out / "install.sh", Path(tmp) / "mio"], env={**offline, "PYTHON": sys.executable})
        _run([Path(tmp) / "mio" / ".venv" / "bin" / "python", "-m", "tools.course", "--profile", "smoke",
              "--chapters", "00", "--out", Path(tmp) / "build"], cwd=Path(tmp) / "mio", env=offline)
    seconds = time.perf_counter() - start
    print(f"verified: offline install and chapter 00 (smoke) in {seconds:.0f} s")
    return seconds


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "build" / "workshop-kit")
    parser.add_argument("--platform", action="append", default=[],
                        help="also fetch wheels for this pip platform tag, e.g. macosx_12_0_arm64, win_amd64")
    parser.add_argument("--verify", action="store_true", help="then install from the kit offline and run chapter 00")
    parser.add_argument("--verify-only", action="store_true", help="verify an existing kit")
    args = parser.parse_args(argv)
    if not args.verify_only:
        build(args.out, args.platform)
    if args.verify or args.verify_only:
        verify(args.out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
