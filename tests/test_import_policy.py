"""One import policy: infrastructure is cheap to import (no TensorFlow), topic modules import Keras at the top.

`import mio_utils` runs in every chapter's first cell, in the course tools and in each background job, so it
must not pay TensorFlow's start-up. A topic module needs Keras anyway and says so in its first lines, instead
of hiding `import keras` inside each function.
"""
import ast
import subprocess
import sys
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "mio_utils"
INFRASTRUCTURE = ("profiles", "env", "report", "plots", "data", "exercises", "jobs", "files")
TOPIC_MODULES = ("formats", "pipelines", "bench", "training", "metrics", "vision", "scenes", "sequences",
                 "language_model", "attention", "resumable")
HEAVY = ("tensorflow", "keras")


def test_importing_the_infrastructure_loads_no_tensorflow():
    modules = ", ".join(f"mio_utils.{name}" for name in INFRASTRUCTURE)
    code = (f"import sys, mio_utils, {modules}\n"
            f"loaded = [m for m in {HEAVY!r} if m in sys.modules]\n"
            "assert not loaded, f'importing mio_utils loaded {loaded}'")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          cwd=PACKAGE.parent, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]


@pytest.mark.parametrize("module", TOPIC_MODULES)
def test_topic_modules_import_keras_and_tensorflow_only_at_the_top(module):
    tree = ast.parse((PACKAGE / f"{module}.py").read_text(encoding="utf-8"))
    local = [f"line {node.lineno}" for function in ast.walk(tree)
             if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef))
             for node in ast.walk(function)
             if isinstance(node, ast.Import) and any(a.name.split(".")[0] in HEAVY for a in node.names)
             or isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in HEAVY]
    assert not local, (f"mio_utils/{module}.py imports keras/tensorflow inside a function ({local}); "
                       "import it at the top.")
