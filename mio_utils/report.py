"""The hand-off from a chapter to the course report (``make course`` writes ``build/report.md``).

Taught in chapter 00.
"""
from __future__ import annotations

import json
import math
import os
from pathlib import Path

from .files import atomic_write

METRICS_ENV_VAR = "MIO_METRICS_FILE"


def report_metric(name: str, value, fmt: str = ".4g"):
    """Publish a chapter's headline result: print it, and record it for the course report.

    ``value`` must be a finite number. Under ``make course`` the value is appended to the JSON file
    named by ``$MIO_METRICS_FILE``; in a plain notebook it is only printed. Returns ``value``.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise ValueError(f"Metric names are identifiers such as 'test_accuracy'; got {name!r}.")
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"Metric {name!r} must be a number; got {type(value).__name__}.") from None
    if not math.isfinite(number):
        raise ValueError(f"Metric {name!r} is {number}; a reported result must be finite.")
    print(f"[report] {name} = {number:{fmt}}")
    target = os.environ.get(METRICS_ENV_VAR)
    if target:
        path = Path(target)
        metrics = json.loads(path.read_text()) if path.exists() else {}
        metrics[name] = number
        with atomic_write(path) as temporary:
            temporary.write_text(json.dumps(metrics, indent=1))
    return value
