"""The runner behind `make course`: runs chapters in order, survives a failing one, writes the report."""
import nbformat
from nbformat.v4 import new_code_cell, new_notebook

from tools import course


def _write(path, *sources):
    nbformat.write(new_notebook(cells=[new_code_cell(s) for s in sources]), path)


def test_runner_reports_metrics_and_keeps_going(tmp_path, capsys):
    chapters = tmp_path / "chapters"
    chapters.mkdir()
    _write(chapters / "00_ok.ipynb", "import mio_utils as mio", "mio.report_metric('answer', 42)")
    _write(chapters / "01_broken.ipynb", "x = 1", "raise ValueError('boom')")
    _write(chapters / "02_after.ipynb", "import mio_utils as mio\nmio.report_metric('profile_ok', mio.profile() == 'smoke')")
    out = tmp_path / "build"
    code = course.main(["--profile", "smoke", "--out", str(out), "--chapters-dir", str(chapters)])
    assert code == 1
    printed = capsys.readouterr().out
    assert "[1/3] 00_ok" in printed and "FAILED  cell 1: ValueError: boom" in printed
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
