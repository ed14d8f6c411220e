"""Keep chapter notebooks tidy: stable JSON, outputs stripped except ``# NBVAL_CHECK_OUTPUT`` cells.

Used by ``make format`` and the notebook-conventions test. Run
``python -m mio_utils.notebooks chapters/*.ipynb`` to normalise in place, ``--check`` to only report,
``--outputs-from build`` to take the checked cells' outputs from notebooks ``make course`` executed.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import nbformat

CHECK_MARKER = "NBVAL_CHECK_OUTPUT"
KERNELSPEC = {"display_name": "Python 3", "language": "python", "name": "python3"}


def is_checked(cell) -> bool:
    return cell.cell_type == "code" and CHECK_MARKER in cell.source


def normalise(nb, executed=None):
    """Return a copy of ``nb`` with outputs stripped except checked cells (taken from ``executed``)."""
    nb = nbformat.from_dict(json.loads(json.dumps(nb)))
    executed_outputs = {}
    if executed is not None:
        executed_outputs = {c.source: c.outputs for c in executed.cells if is_checked(c)}
    nb.metadata = nbformat.from_dict({
        "kernelspec": KERNELSPEC,
        "language_info": {"name": "python"},
        **({"colab": nb.metadata["colab"]} if "colab" in nb.metadata else {}),
    })
    count = 0
    for index, cell in enumerate(nb.cells):
        cell.id = f"cell-{index:02d}"
        cell.metadata = {k: v for k, v in cell.metadata.items() if k == "tags"}
        if cell.cell_type != "code":
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
    return json.dumps(nb, indent=1, sort_keys=True, ensure_ascii=False) + "\n"


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
