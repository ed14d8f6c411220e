"""The chapters are the source of the code they teach; this copies it into ``mio_utils``.

A chapter writes out every model, layer, loop and pipeline it teaches in a code cell the learner reads and
edits. When a later chapter reuses it, the cell starts with one marker line::

    # @save mio_utils/vision.py

and holds only definitions (functions, classes, constants: no imports, no calls). ``make export``
(``python -m tools.export``) copies the saved cells of each chapter, in order, into one generated block of
the module named, between these lines::

    # ---- @save from chapters/06_cnn_vision.ipynb: generated, edit the chapter and run `make export` ----
    ...
    # ---- end @save from chapters/06_cnn_vision.ipynb ----

A module without the block gets it appended. ``--check`` writes nothing and fails, with a diff, when a
module differs from what its chapters say; ``tests/test_single_source.py`` runs the same check, so the
notebook and the package can never teach two different versions. The module keeps the imports the saved
code needs (ruff reports a missing one as an undefined name), its private helpers, and its tests.
"""
from __future__ import annotations

import argparse
import ast
import difflib
import re
import sys
from collections import defaultdict
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
MARKER = re.compile(r"\A# @save (mio_utils/\w+\.py)[ \t]*(?:\n|\Z)")
ALLOWED = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


def begin_line(chapter: str) -> str:
    return f"# ---- @save from {chapter}: generated, edit the chapter and run `make export` ----"


def end_line(chapter: str) -> str:
    return f"# ---- end @save from {chapter} ----"


def saved_cells(notebook_path: Path, root: Path = ROOT) -> list[tuple[str, str]]:
    """``(module path, code)`` for each ``# @save`` cell of a notebook, in order; bad cells raise ValueError."""
    nb = nbformat.read(notebook_path, as_version=4)
    found = []
    for index, cell in enumerate(nb.cells):
        match = MARKER.match(cell.source) if cell.cell_type == "code" else None
        if not match:
            if cell.cell_type == "code" and cell.source.lstrip().startswith("# @save"):
                raise ValueError(f"{notebook_path.name} cell {index}: write the marker as "
                                 "'# @save mio_utils/<module>.py' on the cell's first line")
            continue
        module, code = match.group(1), cell.source[match.end():].strip("\n")
        where = f"{notebook_path.name} cell {index} (# @save {module})"
        if not (root / module).is_file():
            raise ValueError(f"{where}: {module} does not exist; create it with its imports first")
        try:
            tree = ast.parse(code)
        except SyntaxError as error:
            raise ValueError(f"{where}: not valid Python ({error.msg}, line {error.lineno})") from None
        for node in tree.body:
            if not isinstance(node, ALLOWED):
                raise ValueError(f"{where}: line {node.lineno} is a {type(node).__name__}; a saved cell holds "
                                 "only functions, classes and constants (imports belong to the module, "
                                 "calls such as model.summary() to the next cell)")
        found.append((module, code.rstrip()))
    return found


def _chapter_blocks(root: Path) -> dict[str, list[tuple[str, str]]]:
    """module -> [(chapter path, generated block text)], chapters in file order."""
    blocks: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for path in sorted((root / "chapters").glob("*.ipynb")):
        per_module: dict[str, list[str]] = defaultdict(list)
        for module, code in saved_cells(path, root):
            per_module[module].append(code)
        chapter = path.relative_to(root).as_posix()
        for module, codes in per_module.items():
            body = "\n\n\n".join(codes)
            blocks[module].append((chapter, f"{begin_line(chapter)}\n{body}\n{end_line(chapter)}\n"))
    return blocks


def _stale_blocks(text: str) -> list[str]:
    return re.findall(r"^# ---- @save from (\S+): generated", text, flags=re.M)


def render(module_text: str, blocks: list[tuple[str, str]]) -> str:
    """The module's text with each chapter's block replaced (or appended) and blocks of no chapter removed."""
    wanted = dict(blocks)
    for chapter in _stale_blocks(module_text):
        if chapter not in wanted:  # the chapter no longer saves anything here
            pattern = re.escape(begin_line(chapter)) + r".*?" + re.escape(end_line(chapter)) + r"\n"
            module_text = re.sub(r"\n*" + pattern, "\n", module_text, flags=re.S)
    for chapter, block in blocks:
        begin, end = begin_line(chapter), end_line(chapter)
        start = module_text.find(begin)
        if start == -1:
            module_text = module_text.rstrip("\n") + "\n\n\n" + block
            continue
        stop = module_text.find(end, start)
        if stop == -1:
            raise ValueError(f"the block from {chapter} has no end line '{end}'")
        module_text = module_text[:start] + block + module_text[stop + len(end) + 1:]
    return module_text


def expected(root: Path = ROOT) -> dict[Path, tuple[str, str]]:
    """path -> (current text, text the chapters say) for every module a chapter saves to or once did."""
    blocks = _chapter_blocks(root)
    result = {}
    for path in sorted((root / "mio_utils").glob("*.py")):
        module = path.relative_to(root).as_posix()
        text = path.read_text(encoding="utf-8")
        if module in blocks or _stale_blocks(text):
            result[path] = (text, render(text, blocks.get(module, [])))
    return result


def differences(root: Path = ROOT) -> str:
    """A unified diff of what ``make export`` would change; empty when package and chapters agree."""
    out = []
    for path, (current, wanted) in expected(root).items():
        if current != wanted:
            name = path.relative_to(root).as_posix()
            out.extend(difflib.unified_diff(current.splitlines(True), wanted.splitlines(True),
                                            f"{name} (now)", f"{name} (from the chapters)"))
    return "".join(out)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; fail with a diff if out of date")
    args = parser.parse_args(argv)
    try:
        modules = expected()
    except ValueError as error:
        print(f"export: {error}", file=sys.stderr)
        return 2
    if args.check:
        diff = differences()
        if diff:
            print(diff + "\nmio_utils differs from the chapters' # @save cells: edit the chapter, then run "
                  "`make export` (a change made in mio_utils alone would be overwritten).", file=sys.stderr)
            return 1
        return 0
    for path, (current, wanted) in modules.items():
        if current != wanted:
            path.write_text(wanted, encoding="utf-8")
            print(f"export: wrote {path.relative_to(ROOT).as_posix()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
