"""Every chapter follows the notebook template in shared CONVENTIONS (see README, "Writing a chapter")."""
import ast
import json
import re
from pathlib import Path

import nbformat
import pytest

from mio_utils.exercises import GITHUB_REPO, exercises
from tools import notebooks

CHAPTERS = sorted((Path(__file__).parent.parent / "chapters").glob("[0-9][0-9]_*.ipynb"))
MAX_BYTES = 300_000


def test_there_are_chapters():
    assert CHAPTERS, "no chapters found"


@pytest.fixture(params=CHAPTERS, ids=lambda p: p.stem)
def chapter(request):
    path = request.param
    return path, nbformat.read(path, as_version=4)


def _markdown(nb):
    return "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")


def test_title_cell(chapter):
    path, nb = chapter
    first = nb.cells[0]
    assert first.cell_type == "markdown"
    assert re.match(rf"# {path.name[:2]} · \S", first.source), "title must be '# NN · Title'"
    colab = f"colab.research.google.com/github/{GITHUB_REPO}/blob/main/chapters/{path.name}"
    github = f"github.com/{GITHUB_REPO}/blob/main/chapters/{path.name}"
    assert colab in first.source and github in first.source, "badge row (Open in Colab, View on GitHub)"
    for part in ("Learning objectives", "Prerequisites", "smoke", "cpu", "gpu"):
        assert part in first.source, f"title cell lacks {part!r}"


def test_setup_cells(chapter):
    _, nb = chapter
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert any("google.colab" in s for s in code[:2]), "a guarded Colab-only install cell comes first"
    assert any("mio.setup(" in s for s in code[:3]), "mio.setup() runs in the first code cells"


def test_sections(chapter):
    path, nb = chapter
    text = _markdown(nb)
    for heading in ("## Exercises", "## Key takeaways", "## Further reading"):
        assert heading in text, f"missing section {heading!r}"
    if path.name[:2] != "00":
        assert "Common mistakes" in text


def test_exercises_are_checked_and_registered(chapter):
    path, nb = chapter
    code = "\n".join(c.source for c in nb.cells if c.cell_type == "code")
    used = re.findall(r"mio\.check\(\"(ch\d\d\.\w+)\"", code)
    minimum = 1 if path.name[:2] == "00" else 3
    assert len(set(used)) >= minimum, f"at least {minimum} checked exercises"
    assert set(used) <= set(exercises()), f"unregistered: {set(used) - set(exercises())}"


def test_outputs_stripped_and_stable(chapter):
    path, nb = chapter
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code" and not notebooks.is_checked(cell):
            assert not cell.outputs, f"cell {index} has stored outputs; run `make format`"
    assert notebooks.format_file(path, check=True) is False, "not normalised; run `make format`"


def test_no_absolute_paths_and_small(chapter):
    path, nb = chapter
    text = json.dumps(nb)
    for needle in ("/tmp/", "/home/", "/root/", "/Users/", "C:\\\\"):
        assert needle not in text, f"absolute path {needle!r}"
    assert path.stat().st_size < MAX_BYTES


def _python(source):
    """A code cell's source as plain Python (IPython magics become ``get_ipython()`` calls)."""
    from IPython.core.inputtransformer2 import TransformerManager

    return TransformerManager().transform_cell(source)


def _imported_names(tree):
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(alias.asname or alias.name).split(".")[0] for alias in node.names}
    return names


def test_exercise_functions_do_not_shadow_imports(chapter):
    """An exercise stub named like an imported module (``def attention`` after ``from mio_utils import
    attention``) breaks every earlier cell the learner re-runs after the exercise."""
    _, nb = chapter
    code = [ast.parse(_python(c.source)) for c in nb.cells if c.cell_type == "code"]
    is_exercise = ["mio.check(" in ast.unparse(tree) for tree in code]
    first_exercise = is_exercise.index(True) if True in is_exercise else len(code)
    imported = set().union(*(_imported_names(tree) for tree in code[:first_exercise]))
    defined = {node.name for tree, exercise in zip(code, is_exercise) if exercise
               for node in tree.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    assert not defined & imported, f"exercise functions shadow imported names: {sorted(defined & imported)}"
