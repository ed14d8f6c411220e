"""Run every chapter headless and write the course report (what ``make course`` does).

``python -m tools.course [--profile smoke|cpu|gpu] [--out build] [--chapters 00 01]``
executes ``chapters/*.ipynb`` in order, prints a line per chapter, keeps going past a failing chapter,
saves the executed notebooks under ``build/``, and writes ``build/report.md`` with the metrics each
chapter published with :func:`mio_utils.report_metric`. Exit code 0 only if every chapter passed.
A progress bar names the running cell (plain lines when stdout is not a terminal). Chapter kernels get
their settings through their own environment; the runner's ``os.environ`` is left as it was.
Taught in chapter 00.
"""
from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ipykernel.kernelspec import RESOURCES, get_kernel_dict
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import AsyncKernelManager

from mio_utils.profiles import ENV_VAR, PROFILES
from mio_utils.report import METRICS_ENV_VAR

# TensorFlow's C++ logging writes to file descriptor 2, which ipykernel would forward into the notebook as
# red stderr blocks (absl/CUDA start-up lines, "NodeDef mentions attribute use_unbounded_threadpool" under
# every fit) that TF_CPP_MIN_LOG_LEVEL cannot fully hide. Uncaptured, they go to build/logs/ instead;
# Python warnings and tracebacks still reach the notebook. Same setting as tools/ipython_kernel_config.py.
KERNEL_ARGUMENTS = ["--IPKernelApp.capture_fd_output=False"]


@dataclass
class ChapterRun:
    name: str
    seconds: float
    ok: bool
    error: str = ""
    metrics: dict = field(default_factory=dict)


class ThisPythonKernelManager(AsyncKernelManager):
    """Starts chapter kernels with this very Python, so they see the runner's packages whatever kernels
    the user has installed, and keeps C++ log lines out of the notebooks (``KERNEL_ARGUMENTS``)."""

    @property
    def kernel_spec(self) -> KernelSpec:
        return KernelSpec(resource_dir=RESOURCES, **get_kernel_dict(extra_arguments=KERNEL_ARGUMENTS))


def detect_profile() -> str:
    """The profile when none is given, decided by a child Python: the runner itself never imports
    TensorFlow, and TensorFlow's start-up noise while looking for a GPU is discarded."""
    probe = subprocess.run(
        [sys.executable, "-c", "from mio_utils.profiles import profile; print(profile())"],
        capture_output=True, text=True,
    )
    if probe.returncode != 0:
        last_line = (probe.stderr.strip().splitlines() or ["no message"])[-1]
        sys.exit(f"Could not choose a profile ({last_line}); pass --profile smoke, cpu or gpu.")
    return probe.stdout.strip().splitlines()[-1]


def kernel_env(active: str, metrics_file: Path) -> dict:
    """A chapter kernel's environment: ours, plus its profile and metrics file. TensorFlow's C++
    INFO/WARNING lines are dropped unless the user set TF_CPP_MIN_LOG_LEVEL; its errors stay in the log."""
    return {"TF_CPP_MIN_LOG_LEVEL": "2", **os.environ,
            ENV_VAR: active, METRICS_ENV_VAR: str(metrics_file.resolve())}


def _cell_label(cells, index: int) -> str:
    """What a cell is about: the markdown heading above it, and its first line (not an nbval marker)."""
    heading = next((line.lstrip("#").strip() for cell in reversed(cells[:index]) if cell.cell_type == "markdown"
                    for line in reversed(cell.source.splitlines()) if line.startswith("#")), "")
    first_line = next((line.strip() for line in cells[index].source.splitlines()
                       if line.strip() and not line.startswith("# NBVAL_")), "")
    return f"{heading}: {first_line}" if heading else first_line


class CellProgress:
    """nbclient cell hooks that show the running cell: a redrawn tqdm bar on a terminal, else one plain
    line per cell (CI logs), each with the cell's number, label and the chapter's elapsed time."""

    def __init__(self, title: str, cells):
        self.title, self.cells, self.stream = title, cells, sys.stdout
        self.code_cells = [i for i, cell in enumerate(cells) if cell.cell_type == "code" and cell.source.strip()]
        self.started = time.perf_counter()
        self.bar = None
        if self.stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=len(self.code_cells), desc=title, file=self.stream, leave=False,
                            dynamic_ncols=True, bar_format="{desc} {bar:12} {n_fmt}/{total_fmt} [{elapsed}]{postfix}")

    def on_cell_start(self, cell, cell_index, **_):
        if cell_index not in self.code_cells:
            return
        number = self.code_cells.index(cell_index) + 1
        label = _cell_label(self.cells, cell_index)
        if self.bar is not None:
            self.bar.set_postfix_str(label[:70])
        else:
            elapsed = time.perf_counter() - self.started
            print(f"{self.title}  cell {number}/{len(self.code_cells)} ({elapsed:.0f} s): {label[:90]}",
                  file=self.stream, flush=True)

    def on_cell_executed(self, **_):
        if self.bar is not None:
            self.bar.update()

    def close(self):
        if self.bar is not None:
            self.bar.close()


def _first_error(nb) -> str:
    for index, cell in enumerate(nb.cells):
        for output in cell.get("outputs", []):
            if output.get("output_type") == "error":
                return f"cell {index}: {output['ename']}: {output['evalue']}"[:300]
    return "unknown error"


def run_chapter(path: Path, out: Path, active: str, title: str, timeout: int) -> ChapterRun:
    import nbformat
    from nbclient import NotebookClient
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    metrics_file = out / "metrics" / f"{path.stem}.json"
    metrics_file.parent.mkdir(parents=True, exist_ok=True)
    metrics_file.unlink(missing_ok=True)
    nb = nbformat.read(path, as_version=4)
    progress = CellProgress(title, nb.cells)
    client = NotebookClient(nb, timeout=timeout, kernel_manager_class=ThisPythonKernelManager,
                            resources={"metadata": {"path": str(path.parent.resolve())}},
                            on_cell_start=progress.on_cell_start, on_cell_executed=progress.on_cell_executed)
    started = time.perf_counter()
    ok, error = True, ""
    log = out / "logs" / f"{path.stem}.stderr.log"  # the kernel's C++ logging, kept out of notebook and terminal
    log.parent.mkdir(parents=True, exist_ok=True)
    try:
        with open(log, "wb") as kernel_output:
            client.execute(env=kernel_env(active, metrics_file), stdout=kernel_output, stderr=kernel_output)
    except (CellExecutionError, CellTimeoutError, DeadKernelError) as failure:
        ok = False
        error = (_first_error(nb) if isinstance(failure, CellExecutionError)
                 else f"{type(failure).__name__}: {failure}"[:300])
    finally:
        progress.close()
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

    paths = sorted(args.chapters_dir.glob("[0-9][0-9]_*.ipynb"))
    if args.chapters:
        paths = [p for p in paths if p.name[:2] in args.chapters]
    if not paths:
        print(f"No chapters found in {args.chapters_dir} matching {args.chapters}.")
        return 2
    active = args.profile or detect_profile()
    args.out.mkdir(parents=True, exist_ok=True)
    print(f"Running {len(paths)} chapter(s) in the {active!r} profile; executed notebooks go to {args.out}/")
    runs = []
    for number, path in enumerate(paths, 1):
        title = f"[{number}/{len(paths)}] {path.stem}"
        run = run_chapter(path, args.out, active, title, args.timeout)
        runs.append(run)
        print(f"{title:<38} {run.seconds:7.1f} s  {'ok' if run.ok else 'FAILED  ' + run.error}", flush=True)
    report = args.out / "report.md"
    write_report(runs, active, report)
    failed = [r.name for r in runs if not r.ok]
    print(f"Report: {report}. " + (f"Failed: {', '.join(failed)}." if failed else "All chapters passed."))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
