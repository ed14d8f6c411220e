"""The runner behind `make course`: runs chapters in order, survives a failing one, writes the report."""
import os

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import course


def _write(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


def test_runner_reports_metrics_and_keeps_going(tmp_path, capsys):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "00_ok.ipynb", "import mio_utils as mio", "mio.report_metric('answer', 42)")
    _write(chapters / "01_broken.ipynb", "x = 1", "raise ValueError('boom')")
    _write(chapters / "02_after.ipynb",
           "import mio_utils as mio\nmio.report_metric('profile_ok', mio.profile() == 'smoke')")
    out = tmp_path / "build"
    code = course.main(["--profile", "smoke", "--out", str(out), "--chapters-dir", str(chapters)])
    assert code == 1
    printed = capsys.readouterr().out
    assert "[1/3] 00_ok" in printed and "FAILED  cell 1: ValueError: boom" in printed
    assert "[1/3] 00_ok  cell 2/2 (" in printed, "without a terminal, one plain progress line per cell"
    report = (out / "report.md").read_text()
    assert "| 00_ok | smoke |" in report and "answer = 42" in report
    assert "FAILED (cell 1: ValueError: boom)" in report
    assert "profile_ok = 1" in report, "the chapter after a failure still ran, in the requested profile"
    assert "chapters passed: 2/3" in report
    executed = nbformat.read(out / "01_broken.ipynb", as_version=4)
    assert executed.cells[1].outputs[0].output_type == "error"


def test_runner_selects_chapters(tmp_path, capsys):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "00_a.ipynb", "pass")
    _write(chapters / "01_b.ipynb", "pass")
    assert course.main(["--profile", "smoke", "--out", str(tmp_path / "b"), "--chapters-dir", str(chapters),
                        "--chapters", "01"]) == 0
    assert "00_a" not in capsys.readouterr().out
    assert course.main(["--chapters-dir", str(chapters), "--chapters", "07", "--out", str(tmp_path / "b")]) == 2


def test_runner_leaves_its_environment_alone(tmp_path):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "00_env.ipynb", "import os\nassert os.environ['MIO_PROFILE'] == 'cpu'")
    before = dict(os.environ)
    assert course.main(["--profile", "cpu", "--out", str(tmp_path / "b"), "--chapters-dir", str(chapters)]) == 0
    assert dict(os.environ) == before


def test_kernel_keeps_cpp_logging_out_of_the_notebook(tmp_path, capsys):
    """Low-level writes to file descriptor 2 (TensorFlow's C++ logging) go to the log file; Python warnings,
    stderr prints and the progress label (the heading above a cell) still work."""
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    nbformat.write(new_notebook(cells=[
        new_markdown_cell("## Noisy libraries"),
        new_code_cell("import os, sys, warnings\nos.write(2, b'C++ noise\\n')\n"
                      "warnings.warn('learner warning')\nprint('to stderr', file=sys.stderr)"),
    ]), chapters / "00_noise.ipynb")
    out = tmp_path / "build"
    assert course.main(["--profile", "smoke", "--out", str(out), "--chapters-dir", str(chapters)]) == 0
    assert "cell 1/1 (" in capsys.readouterr().out
    outputs = nbformat.read(out / "00_noise.ipynb", as_version=4).cells[1].outputs
    shown = "".join(o.get("text", "") for o in outputs)
    assert "learner warning" in shown and "to stderr" in shown and "C++ noise" not in shown
    assert "C++ noise" in (out / "logs" / "00_noise.stderr.log").read_text()


def test_cell_label_names_the_heading_and_first_line():
    cells = [new_markdown_cell("# Chapter\n\n## Training\ntext"),
             new_code_cell("\n# NBVAL_CHECK_OUTPUT\n# fit it\nfit(x)")]
    assert course._cell_label(cells, 1) == "Training: # fit it"
