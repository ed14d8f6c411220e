"""Run every chapter headless and write the course report (what ``make course`` does).

``python -m tools.course [--profile smoke|cpu|gpu] [--out build] [--chapters 00 01]``
executes ``chapters/*.ipynb`` in order, prints a line per chapter, keeps going past a failing chapter,
saves the executed notebooks under ``build/``, and writes ``build/report.md`` with the metrics each
chapter published with :func:`mio_utils.report_metric`. Exit code 0 only if every chapter passed.
Taught in chapter 00.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from mio_utils.profiles import ENV_VAR, PROFILES, profile
from mio_utils.report import METRICS_ENV_VAR


@dataclass
class ChapterRun:
    name: str
    seconds: float
    ok: bool
    error: str = ""
    metrics: dict = field(default_factory=dict)


def _install_kernelspec(out: Path) -> str:
    """A kernel that runs this very Python, so chapters see the same packages as the runner."""
    spec_dir = out / "jupyter" / "kernels" / "mio"
    spec_dir.mkdir(parents=True, exist_ok=True)
    (spec_dir / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "MIO (course runner)", "language": "python",
    }))
    os.environ["JUPYTER_PATH"] = os.pathsep.join(
        [str(out / "jupyter")] + [p for p in os.environ.get("JUPYTER_PATH", "").split(os.pathsep) if p]
    )
    return "mio"


def _first_error(nb) -> str:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output['ename']}: {output['evalue']}"[:300]
    return "unknown error"


def run_chapter(path: Path, out: Path, active: str, kernel: str, timeout: int) -> ChapterRun:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    metrics_file = out / "metrics" / f"{path.stem}.json"
    metrics_file.parent.mkdir(parents=True, exist_ok=True)
    metrics_file.unlink(missing_ok=True)
    os.environ[ENV_VAR] = active
    os.environ[METRICS_ENV_VAR] = str(metrics_file.resolve())
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(path.parent.resolve())}})
    started = time.perf_counter()
    ok, error = True, ""
    log = out / "logs" / f"{path.stem}.stderr.log"  # the kernel's C++ logging, kept out of the progress lines
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, "wb") as stderr:
            client.execute(stderr=stderr)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
        ok = False
        error = _first_error(nb) if isinstance(failure, CellExecutionError) else f"{type(failure).__name__}: {failure}"[:300]
    seconds = time.perf_counter() - started
    nbformat.write(nb, out / path.name)
    metrics = json.loads(metrics_file.read_text()) if metrics_file.exists() else {}
    return ChapterRun(path.stem, seconds, ok, error, metrics)


def write_report(runs: list[ChapterRun], active: str, path: Path) -> None:
    from importlib.metadata import version

    lines = [
        "# MIO course report", "",
        f"- date: {datetime.datetime.now().isoformat(timespec='seconds')}",
        f"- profile: {active}",
        f"- machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"TensorFlow {version('tensorflow')}, Keras {version('keras')}",
        f"- chapters passed: {sum(r.ok for r in runs)}/{len(runs)}; total {sum(r.seconds for r in runs):.0f} s",
        "", "| chapter | profile | seconds | status | headline metrics |", "|---|---|---:|---|---|",
    ]
    for run in runs:
        metrics = ", ".join(f"{k} = {v:.4g}" for k, v in run.metrics.items()) or "–"
        status = "ok" if run.ok else f"FAILED ({run.error})".replace("|", "/")
        lines.append(f"| {run.name} | {active} | {run.seconds:.1f} | {status} | {metrics} |")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="Run every chapter and write build/report.md.")
    parser.add_argument("--profile", choices=PROFILES, default=None, help="default: $MIO_PROFILE, else auto")
    parser.add_argument("--out", type=Path, default=Path("build"))
    parser.add_argument("--chapters-dir", type=Path, default=Path("chapters"))
    parser.add_argument("--chapters", nargs="*", default=None, help="numbers to run, e.g. 00 03")
    parser.add_argument("--timeout", type=int, default=3600, help="seconds per cell")
    args = parser.parse_args(argv)

    active = args.profile or profile()
    paths = sorted(args.chapters_dir.glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if p.name[:2] in args.chapters]
    if not paths:
        print(f"No chapters found in {args.chapters_dir} matching {args.chapters}.")
        return 2
    args.out.mkdir(parents=True, exist_ok=True)
    kernel = _install_kernelspec(args.out)
    print(f"Running {len(paths)} chapter(s) in the {active!r} profile; executed notebooks go to {args.out}/")
    runs = []
    for number, path in enumerate(paths, 1):
        print(f"[{number}/{len(paths)}] {path.stem:<32}", end=" ", flush=True)
        run = run_chapter(path, args.out, active, kernel, args.timeout)
        runs.append(run)
        print(f"{run.seconds:7.1f} s  {'ok' if run.ok else 'FAILED  ' + run.error}", flush=True)
    report = args.out / "report.md"
    write_report(runs, active, report)
    failed = [r.name for r in runs if not r.ok]
    print(f"Report: {report}. " + (f"Failed: {', '.join(failed)}." if failed else "All chapters passed."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
