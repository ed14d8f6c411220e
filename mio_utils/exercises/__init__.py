"""Exercise checkers: ``check("ch01.softmax", softmax)`` runs your function on test cases and explains
the first difference from the expected answer in words. A wrong answer never produces a traceback.

Taught in chapter 00. Each ``chNN.py`` module here registers its chapter's checkers with
:func:`exercise`; reference answers live in ``solutions/chNN_slug.py`` and tests prove each checker
accepts them and rejects a plausible wrong answer.
"""
from __future__ import annotations

import importlib
import pkgutil
from dataclasses import dataclass
from typing import Callable

import numpy as np

GITHUB_REPO = "mio-course/mio"


class Mismatch(Exception):
    """Raised by a checker with a plain-words explanation of what is wrong."""


@dataclass(frozen=True)
class Exercise:
    id: str
    solution: str  # e.g. "ch01_mio_foundations.py" (in solutions/)
    checker: Callable
    hint: str = ""


@dataclass(frozen=True)
class Result:
    exercise_id: str
    status: str  # "passed" | "not_attempted" | "wrong" | "unknown"
    message: str

    @property
    def passed(self) -> bool:
        return self.status == "passed"


_EXERCISES: dict[str, Exercise] = {}


def exercise(exercise_id: str, solution: str, hint: str = ""):
    """Register a checker: a function that takes the learner's answer and raises Mismatch if wrong."""

    def wrap(checker):
        if exercise_id in _EXERCISES:
            raise ValueError(f"Exercise {exercise_id!r} is registered twice.")
        _EXERCISES[exercise_id] = Exercise(exercise_id, solution, checker, hint)
        return checker

    return wrap


def _load_all() -> None:
    for module in pkgutil.iter_modules(__path__):
        if module.name.startswith("ch"):
            importlib.import_module(f"{__name__}.{module.name}")


def exercises() -> list[str]:
    """Every registered exercise id, e.g. ``['ch01.softmax', ...]``."""
    _load_all()
    return sorted(_EXERCISES)


def solution_location(exercise_id: str) -> str:
    _load_all()
    ex = _EXERCISES[exercise_id]
    name = exercise_id.split(".", 1)[1]
    return (f"solutions/{ex.solution} (function `{name}`), also at "
            f"https://github.com/{GITHUB_REPO}/blob/main/solutions/{ex.solution}")


def evaluate(exercise_id: str, answer) -> Result:
    """Check ``answer`` and return a :class:`Result` (what ``check`` prints)."""
    _load_all()
    if exercise_id not in _EXERCISES:
        return Result(exercise_id, "unknown",
                      f"There is no exercise {exercise_id!r}. Known: {', '.join(sorted(_EXERCISES))}.")
    ex = _EXERCISES[exercise_id]
    try:
        ex.checker(answer)
    except NotImplementedError:
        return Result(exercise_id, "not_attempted",
                      "Not attempted yet: replace `raise NotImplementedError` with your code, "
                      "then run the cell again.")
    except Mismatch as why:
        hint = f"\nHint: {ex.hint}" if ex.hint else ""
        return Result(exercise_id, "wrong", f"Not yet: {why}{hint}")
    return Result(exercise_id, "passed", "Correct, well done!")


def assert_rejects(exercise_id: str, wrong_answer, says: str) -> None:
    """For the tests of a checker: assert it calls ``wrong_answer`` wrong, with ``says`` in its message.

    Every checker's test feeds it the plausible mistakes a learner makes, so a checker that would accept
    one fails ``make test``. NumPy warnings that a wrong answer triggers (division by zero...) are ignored.
    """
    import numpy as np

    with np.errstate(all="ignore"):
        result = evaluate(exercise_id, wrong_answer)
    name = getattr(wrong_answer, "__name__", repr(wrong_answer))
    assert result.status == "wrong", f"{exercise_id} did not reject {name}: {result.status}, {result.message}"
    assert says in result.message, f"{exercise_id} rejected {name} without saying {says!r}: {result.message}"


def check(exercise_id: str, answer) -> None:
    """Check your answer to an exercise and print friendly feedback. Taught in chapter 00."""
    result = evaluate(exercise_id, answer)
    icon = {"passed": "✅", "not_attempted": "✏️", "wrong": "❌", "unknown": "❓"}[result.status]
    print(f"{icon} [{exercise_id}] {result.message}")
    if result.status in ("wrong", "not_attempted"):
        print(f"   Stuck? A reference answer is in {solution_location(exercise_id)}.")


# ------------------------------------------------------------------ helpers for writing checkers
def call(fn, *args, **kwargs):
    """Call the learner's function; turn any exception (other than NotImplementedError) into words."""
    if not callable(fn):
        raise Mismatch(f"expected a function, got {type(fn).__name__}.")
    try:
        return fn(*args, **kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - any learner error becomes feedback, not a traceback
        shapes = ", ".join(
            f"shape {np.shape(a)}" if hasattr(a, "shape") or isinstance(a, (list, tuple)) else repr(a)
            for a in args
        )
        raise Mismatch(
            f"your function raised {type(error).__name__}: {error} (called with {shapes})."
        ) from None


def as_array(value, what: str) -> np.ndarray:
    """Convert a learner's result (NumPy, TF tensor, list) to a float NumPy array, or explain why not."""
    try:
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value, dtype=np.float64)
    except (TypeError, ValueError):
        raise Mismatch(f"{what} should be numbers, got {type(value).__name__}.") from None
    return array


def expect_close(actual, expected, what: str, atol: float = 1e-6, rtol: float = 1e-6) -> None:
    """Compare shapes, then finiteness, then values, and say which differs first."""
    actual = as_array(actual, what)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise Mismatch(f"{what} has shape {actual.shape}; expected {expected.shape}.")
    if not np.all(np.isfinite(actual)) and np.all(np.isfinite(expected)):
        raise Mismatch(f"{what} contains inf or nan; expected finite values {np.round(expected, 4)}. "
                       "Large inputs overflow exp(): use a numerically stable form.")
    if not np.allclose(actual, expected, atol=atol, rtol=rtol):
        where = np.unravel_index(np.argmax(np.abs(actual - expected)), expected.shape) if expected.shape else ()
        raise Mismatch(
            f"{what} is {np.round(actual[where], 6)} at index {tuple(int(i) for i in where)}; "
            f"expected {np.round(expected[where], 6)}."
        )
