"""Every chapter a mio_utils docstring names really uses that function or class.

A public function or class says where a learner meets it, in one of three forms:
- "Taught in chapter NN" (optionally "; reused in chapter MM"): chapter NN's code cells use the name
  itself (``module.name``, ``from mio_utils.module import name`` or the ``mio.`` facade);
- "Used in chapter NN through :func:`other`": chapter NN's code cells use ``other``, which uses it;
- "Used by every chapter": infrastructure, not checked.
Every public function and class of a topic module must carry one of them; infrastructure modules
(profiles, env, report, plots, data, jobs, files) may, and what they claim is checked the same way.
"""
import ast
import json
import re
from pathlib import Path

import pytest

import mio_utils

ROOT = Path(__file__).resolve().parent.parent
TOPIC_MODULES = ("formats", "pipelines", "bench", "training", "metrics", "vision", "scenes", "sequences",
                 "language_model", "attention", "resumable")
TAUGHT = re.compile(r"Taught in chapters? ([^.]*)")
THROUGH = re.compile(r"Used in chapters? ([\d, and]+?) through ((?:[^.]|\.(?=\w))*)")  # dotted names go on
EVERY = "Used by every chapter"


def _chapter_code(number: str) -> str:
    paths = sorted(ROOT.glob(f"chapters/{number}_*.ipynb"))
    assert paths, f"a docstring names chapter {number}, which has no notebook in chapters/"
    cells = json.loads(paths[0].read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(cell["source"]) for cell in cells if cell["cell_type"] == "code")


def _public_items():
    """(module, qualified name, short name, docstring) for public functions, classes and documented methods."""
    for path in sorted((ROOT / "mio_utils").glob("*.py")):
        if path.stem.startswith("_"):
            continue
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            if not isinstance(node, (ast.FunctionDef, ast.ClassDef)) or node.name.startswith("_"):
                continue
            yield path.stem, node.name, node.name, ast.get_docstring(node) or ""
            for sub in getattr(node, "body", []) if isinstance(node, ast.ClassDef) else []:
                if isinstance(sub, ast.FunctionDef) and not sub.name.startswith("_") and ast.get_docstring(sub):
                    yield path.stem, f"{node.name}.{sub.name}", sub.name, ast.get_docstring(sub)


ITEMS = list(_public_items())


def _uses(code: str, module: str, name: str) -> bool:
    """Does a chapter's code use ``name`` from ``mio_utils.module`` (directly or through the facade)?"""
    imported = re.search(rf"from mio_utils import [^\n]*\b{module}\b|import mio_utils\.{module}\b"
                         rf"|from mio_utils\.{module} import", code)
    facade = name in mio_utils.__all__ and re.search(rf"\bmio\.{name}\b", code)
    written_out = re.search(rf"^(?:def|class) {name}\b", code, flags=re.M)  # a # @save cell (tools/export.py)
    return bool(re.search(rf"\b{name}\b", code) and (imported or facade or written_out))


def _numbers(text: str) -> list[str]:
    return re.findall(r"\b\d\d\b", text)


@pytest.mark.parametrize("module, qualname, name, doc", ITEMS, ids=[f"{m}.{q}" for m, q, _, _ in ITEMS])
def test_docstring_names_the_chapters_that_use_it(module, qualname, name, doc):
    text = " ".join(doc.split())
    taught, through = TAUGHT.search(text), THROUGH.search(text)
    if module in TOPIC_MODULES and "." not in qualname and name != "main":  # main: the command line
        assert taught or through or EVERY in text, (
            f"mio_utils.{module}.{qualname}: say where a learner meets it ('Taught in chapter NN', "
            f"'Used in chapter NN through :func:`other`' or '{EVERY}').")
    for number in _numbers(taught.group(1)) if taught else []:
        used = _uses(_chapter_code(number), module, name)
        assert used, (
            f"mio_utils.{module}.{qualname} says it is taught in chapter {number}, but that chapter's code "
            f"cells never use {name!r} from mio_utils.{module}.")
    if through:
        targets = [t.split(".")[-1] for t in re.findall(r"`~?([\w.]+)`", through.group(2))]
        assert targets, f"mio_utils.{module}.{qualname}: 'through' names no :func:`...` or ``...`` to check."
        for number in _numbers(through.group(1)):
            code = _chapter_code(number)
            used = any(re.search(rf"\b{t}\b", code) for t in targets)
            assert used, (
                f"mio_utils.{module}.{qualname} says chapter {number} uses it through {targets}, "
                f"but that chapter's code cells use none of them.")
