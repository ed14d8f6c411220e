"""One source for taught code: ``# @save`` cells of the chapters and the generated blocks of mio_utils agree.

``tools/export.py`` says how it works. The first test is the guard; the others prove the guard fails when
either copy changes alone, and that a saved cell holds definitions only.
"""
import shutil
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from tools import export

ROOT = Path(__file__).resolve().parent.parent


def test_mio_utils_matches_the_chapters():
    diff = export.differences(ROOT)
    assert not diff, ("mio_utils differs from the chapters' # @save cells; edit the chapter, then run "
                      "`make export`:\n" + diff)


def _project(tmp_path, *cells, module_text="import math\n\n\ndef _helper():\n    return 1\n"):
    (tmp_path / "chapters").mkdir()
    (tmp_path / "mio_utils").mkdir()
    (tmp_path / "mio_utils" / "shapes.py").write_text(module_text, encoding="utf-8")
    nb = new_notebook(cells=[new_markdown_cell("# 99 · Demo"), *[new_code_cell(c) for c in cells]])
    nbformat.write(nb, tmp_path / "chapters" / "99_demo.ipynb")
    return tmp_path


SAVED = "# @save mio_utils/shapes.py\ndef area(r):\n    return math.pi * r * r"


def _write_back(root):
    for path, (_, wanted) in export.expected(root).items():
        path.write_text(wanted, encoding="utf-8")


def test_export_appends_then_replaces_the_block(tmp_path):
    root = _project(tmp_path, "x = 1", SAVED, "area(2)")
    assert "+def area(r):" in export.differences(root)
    _write_back(root)
    text = (root / "mio_utils" / "shapes.py").read_text()
    assert text.index("def _helper") < text.index(export.begin_line("chapters/99_demo.ipynb"))
    assert "def area(r):\n    return math.pi * r * r\n" + export.end_line("chapters/99_demo.ipynb") in text
    assert export.differences(root) == "", "a second export changes nothing"


def test_check_fails_when_either_copy_changes_alone(tmp_path):
    root = _project(tmp_path, SAVED)
    _write_back(root)
    module = root / "mio_utils" / "shapes.py"
    module.write_text(module.read_text().replace("r * r", "r ** 2"))
    assert "-    return math.pi * r ** 2" in export.differences(root), "an edit of the package alone is caught"
    _write_back(root)
    notebook = root / "chapters" / "99_demo.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    nb.cells[1].source = nb.cells[1].source.replace("r * r", "r * r * 1.0")
    nbformat.write(nb, notebook)
    assert "+    return math.pi * r * r * 1.0" in export.differences(root), "an edit of the chapter alone too"


def test_the_real_chapters_and_package_are_guarded(tmp_path):
    """Change one saved cell of a real chapter in a copy: the check names the module and the line."""
    for folder in ("chapters", "mio_utils"):
        shutil.copytree(ROOT / folder, tmp_path / folder, ignore=shutil.ignore_patterns("__pycache__"))
    for path in sorted((tmp_path / "chapters").glob("*.ipynb")):
        nb = nbformat.read(path, as_version=4)
        cell = next((c for c in nb.cells if export.MARKER.match(c.source)), None)
        if cell is not None:
            cell.source += "\n\n\nTAMPERED = True"
            nbformat.write(nb, path)
            break
    else:
        pytest.skip("no chapter has a # @save cell yet")
    diff = export.differences(tmp_path)
    assert "+TAMPERED = True" in diff


def test_a_chapter_that_stops_saving_loses_its_block(tmp_path):
    root = _project(tmp_path, SAVED)
    _write_back(root)
    nbformat.write(new_notebook(cells=[new_markdown_cell("# 99 · Demo")]), root / "chapters" / "99_demo.ipynb")
    _write_back(root)
    assert (root / "mio_utils" / "shapes.py").read_text() == "import math\n\n\ndef _helper():\n    return 1\n"


@pytest.mark.parametrize("code, words", [
    ("# @save mio_utils/shapes.py\nimport os\ndef f():\n    return os.sep", "imports belong to the module"),
    ("# @save mio_utils/shapes.py\ndef f():\n    return 1\nf()", "calls such as model.summary()"),
    ("# @save mio_utils/nowhere.py\nX = 1", "does not exist"),
    ("# @save mio_utils/shapes.py\ndef f(:\n", "not valid Python"),
    ("# @save shapes\nX = 1", "write the marker as"),
])
def test_bad_saved_cells_are_refused_with_the_reason(tmp_path, code, words):
    root = _project(tmp_path, code)
    with pytest.raises(ValueError, match="99_demo.ipynb cell 1") as error:
        export.expected(root)
    assert words in str(error.value)
