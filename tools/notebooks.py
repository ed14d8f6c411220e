"""Keep chapter notebooks tidy: nbformat's own JSON, outputs stripped except ``# NBVAL_CHECK_OUTPUT`` cells.

Used by ``make format`` and the notebook-conventions test. Run
``python -m tools.notebooks chapters/*.ipynb`` to normalise in place, ``--check`` to only report,
``--outputs-from build`` to take the checked cells' outputs from notebooks ``make course`` executed.

Diffs stay small: sources are stored as lists of lines (nbformat's writer), so a one-word edit is a
one-line diff, and cell ids are kept (a cell gets a new id only when it has none or a duplicate), so
inserting a cell does not renumber every later one. Like tensorflow/docs' nbfmt.
"""
from __future__ import annotations

import argparse
import copy
import sys
from pathlib import Path

import nbformat
from nbformat.corpus.words import generate_corpus_id

CHECK_MARKER = "NBVAL_CHECK_OUTPUT"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and CHECK_MARKER in cell.source


def normalise(nb, executed=None):
    """Return a copy of ``nb`` with outputs stripped except checked cells (taken from ``executed``)."""
    nb = copy.deepcopy(nb)
    executed_outputs = {}
    if executed is not None:
        executed_outputs = {c.source: c.outputs for c in executed.cells if is_checked(c)}
    nb.metadata = nbformat.from_dict({
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        **({"colab": nb.metadata["colab"]} if "colab" in nb.metadata else {}),
    })
    seen_ids: set[str] = set()
    count = 0
    for cell in nb.cells:
        if not cell.get("id") or cell.id in seen_ids:
            cell.id = generate_corpus_id()
        seen_ids.add(cell.id)
        cell.metadata = nbformat.from_dict({k: v for k, v in cell.metadata.items() if k == "tags"})
        if cell.cell_type != "code":
            cell.pop("outputs", None)
            cell.pop("execution_count", None)
            continue
        if is_checked(cell):
            outputs = executed_outputs.get(cell.source, cell.outputs)
            # stderr (library warnings) differs between machines; never store it
            cell.outputs = [o for o in outputs if not (o.output_type == "stream" and o.name == "stderr")]
            count += 1
            cell.execution_count = count if cell.outputs else None
            for output in cell.outputs:
                if "execution_count" in output:
                    output.execution_count = cell.execution_count
        else:
            cell.outputs = []
            cell.execution_count = None
    nb.nbformat, nb.nbformat_minor = 4, 5
    return nb


def dumps(nb) -> str:
    """nbformat's writer: sorted keys, one-space indent, sources and text outputs as lists of lines."""
    return nbformat.writes(nb, version=4) + "\n"


def format_file(path: Path, executed_dir: Path | None = None, check: bool = False) -> bool:
    """Normalise one notebook; returns True if it was (or, with ``check``, would be) changed."""
    original = path.read_text(encoding="utf-8")
    nb = nbformat.reads(original, as_version=4)
    executed = None
    if executed_dir is not None and (executed_dir / path.name).exists():
        executed = nbformat.read(executed_dir / path.name, as_version=4)
    text = dumps(normalise(nb, executed))
    changed = text != original
    if changed and not check:
        path.write_text(text, encoding="utf-8")
    return changed


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="+", type=Path)
    parser.add_argument("--check", action="store_true", help="report, do not write")
    parser.add_argument("--outputs-from", type=Path, help="folder of executed notebooks")
    args = parser.parse_args(argv)
    changed = [p for p in args.paths if format_file(p, args.outputs_from, args.check)]
    for path in changed:
        print(f"{'would reformat' if args.check else 'reformatted'} {path}")
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
