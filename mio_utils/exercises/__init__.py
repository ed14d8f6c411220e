"""Exercise checkers: ``check("ch01.softmax", softmax)`` runs your function on test cases and explains
the first difference from the expected answer in words. A wrong answer never produces a traceback.

Taught in chapter 00. Each ``chNN.py`` module here registers its chapter's checkers with
:func:`exercise`; reference answers live in ``solutions/chNN_slug.py``. The tests
(``tests/test_exercises_chNN.py``) prove each checker accepts them and a correct answer written
differently, and rejects at least three plausible wrong answers, each with the words it must say.
"""
from __future__ import annotations

import copy
import importlib
import inspect
import os
import pkgutil
import warnings
from collections.abc import Callable
from dataclasses import dataclass

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
    checker_error: bool = False  # wrong because the checker could not use the answer, not by a planned test

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
    """Check ``answer`` and return a :class:`Result` (what ``check`` prints). Never raises.

    A checker explains a wrong answer by raising :class:`Mismatch`. Anything else it raises while using
    what the learner's function returned (a string where a number was expected, a generator...) also
    becomes a "wrong" result in plain words; ``Result.checker_error`` marks it so the tests, which expect
    every wrong answer to be explained on purpose, can tell the two apart.
    """
    _load_all()
    if exercise_id not in _EXERCISES:
        return Result(exercise_id, "unknown",
                      f"There is no exercise {exercise_id!r}. Known: {', '.join(sorted(_EXERCISES))}.")
    ex = _EXERCISES[exercise_id]
    hint = f"\nHint: {ex.hint}" if ex.hint else ""
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a wrong answer's overflow warnings are not the learner's news
            ex.checker(answer)
    except NotImplementedError:
        return Result(exercise_id, "not_attempted",
                      "Not attempted yet: replace `raise NotImplementedError` with your code, "
                      "then run the cell again.")
    except Mismatch as why:
        return Result(exercise_id, "wrong", f"Not yet: {why}{hint}")
    except Exception as error:  # noqa: BLE001 - the learner sees words, never a traceback
        return Result(exercise_id, "wrong",
                      f"Not yet: what your function returned could not be used "
                      f"({type(error).__name__}: {str(error)[:200]}). Check the type and shape the "
                      f"exercise asks for.{hint}", checker_error=True)
    return Result(exercise_id, "passed", "Correct, well done!")


def assert_rejects(exercise_id: str, wrong_answer, says: str) -> None:
    """For the tests of a checker: assert it calls ``wrong_answer`` wrong, on purpose, with ``says`` in
    its message.

    Every checker's test feeds it the plausible mistakes a learner makes, so a checker that would accept
    one, or that only rejects it because the checker itself crashed, fails ``make test``.
    """
    result = evaluate(exercise_id, wrong_answer)
    name = getattr(wrong_answer, "__name__", repr(wrong_answer))
    assert result.status == "wrong", f"{exercise_id} did not reject {name}: {result.status}, {result.message}"
    assert not result.checker_error, f"{exercise_id} crashed on {name} instead of explaining: {result.message}"
    assert says in result.message, f"{exercise_id} rejected {name} without saying {says!r}: {result.message}"


def assert_accepts(exercise_id: str, answer) -> None:
    """For the tests of a checker: assert it accepts ``answer`` (a correct answer written differently)."""
    result = evaluate(exercise_id, answer)
    name = getattr(answer, "__name__", repr(answer))
    assert result.passed, f"{exercise_id} rejected the correct answer {name}: {result.message}"


def check(exercise_id: str, answer) -> None:
    """Check your answer to an exercise and print friendly feedback. Taught in chapter 00."""
    result = evaluate(exercise_id, answer)
    icon = {"passed": "✅", "not_attempted": "✏️", "wrong": "❌", "unknown": "❓"}[result.status]
    print(f"{icon} [{exercise_id}] {result.message}")
    if result.status in ("wrong", "not_attempted"):
        print(f"   Stuck? A reference answer is in {solution_location(exercise_id)}.")


# ------------------------------------------------------------------ helpers for writing checkers
SEED_ENV_VAR = "MIO_CHECK_SEED"


def hidden_rng() -> np.random.Generator:
    """A fresh random generator for a checker's hidden cases: new inputs on every call, so an answer that
    memorises the notebook's visible examples fails. ``MIO_CHECK_SEED=n`` fixes it to reproduce a report.
    """
    seed = os.environ.get(SEED_ENV_VAR)
    return np.random.default_rng(int(seed) if seed else None)


def _snapshot(value):
    """A copy to compare against after the call, for arguments that can be changed in place."""
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, (list, dict)):
        try:
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001 - not copyable: not checked for mutation
            return None
    return None


def _changed(before, after) -> bool:
    if isinstance(before, np.ndarray):
        return not (isinstance(after, np.ndarray) and before.shape == after.shape
                    and np.array_equal(before, after, equal_nan=True))
    try:
        return bool(before != after)
    except Exception:  # noqa: BLE001 - e.g. lists of arrays: compare element by element
        return any(_changed(b, a) for b, a in zip(before, after)) or len(before) != len(after)


def _given(value):
    """What the learner's function receives: a copy of anything it could change in place."""
    copied = _snapshot(value)
    return value if copied is None else copied


def _describe(value) -> str:
    try:
        if hasattr(value, "shape") or isinstance(value, (list, tuple)):
            return f"shape {np.shape(value)}"
    except Exception:  # noqa: BLE001 - ragged lists have no shape
        return f"a {type(value).__name__} of {len(value)}"
    return repr(value)[:40]


def call(fn, *args, allow_none: bool = False, **kwargs):
    """Call the learner's function and return its result, or explain in words what went wrong.

    - an exception (other than NotImplementedError, which means "not attempted") becomes a Mismatch;
    - ``None`` becomes "did you forget `return`?" (unless ``allow_none``);
    - NumPy arrays, lists and dicts are passed as copies and compared after the call: an answer that
      changes its input in place is told so (the checker's own values, computed from the originals,
      stay right either way).
    """
    if not callable(fn):
        raise Mismatch(f"expected a function, got {type(fn).__name__}.")
    originals = list(args) + list(kwargs.values())
    given_args = [_given(a) for a in args]
    given_kwargs = {k: _given(v) for k, v in kwargs.items()}
    try:
        result = fn(*given_args, **given_kwargs)
    except NotImplementedError:
        raise
    except Exception as error:  # noqa: BLE001 - any learner error becomes feedback, not a traceback
        shapes = ", ".join(_describe(a) for a in args)
        called_with = f" (called with {shapes})" if shapes else ""
        raise Mismatch(f"your function raised {type(error).__name__}: {str(error)[:300]}{called_with}.") from None
    for position, (original, given) in enumerate(zip(originals, given_args + list(given_kwargs.values()))):
        if given is not original and _changed(original, given):
            raise Mismatch(f"your function changed its input (argument {position + 1}) in place. Work on a "
                           "copy (or build a new array) so the caller's data stays as it was.")
    if result is None and not allow_none:
        raise Mismatch("your function returned None: did you forget `return`?")
    return result


def as_array(value, what: str) -> np.ndarray:
    """Convert a learner's result (NumPy, TF tensor, list, number) to a float NumPy array, or explain."""
    if value is None:
        raise Mismatch(f"{what} is None: did you forget `return`?")
    if isinstance(value, (str, bytes, dict, set)) or inspect.isgenerator(value) or isinstance(value, map):
        raise Mismatch(f"{what} should be numbers (a NumPy array, a tensor or a number), "
                       f"got {type(value).__name__}.")
    try:
        array = np.asarray(value.numpy() if hasattr(value, "numpy") else value)
    except Exception:  # noqa: BLE001 - ragged lists, objects that refuse conversion...
        raise Mismatch(f"{what} should be numbers in one regular array, got {type(value).__name__}.") from None
    if array.dtype.kind not in "biuf":  # strings ('0.5' would silently become 0.5), None, ragged objects
        raise Mismatch(f"{what} should be numbers in one regular array, got {type(value).__name__} "
                       f"of {array.dtype.name if array.dtype.kind != 'O' else 'mixed objects'}.")
    return array.astype(np.float64)


def as_number(value, what: str) -> float:
    """One number from a learner's result (a Python or NumPy scalar, a 0-d array or tensor), or explain."""
    array = as_array(value, what)
    if array.size != 1:
        raise Mismatch(f"{what} should be one number; got {array.size} values with shape {array.shape}.")
    return float(array.reshape(()))


def expect_close(actual, expected, what: str, atol: float = 1e-6, rtol: float = 1e-6,
                 advice: str = "") -> None:
    """Compare shapes, then finiteness, then values, and say which differs first.

    ``advice`` is added when the answer has inf or nan where the expected values are finite; pass it
    only where the exercise is about that (e.g. "large inputs overflow exp(): use a stable form").
    """
    actual = as_array(actual, what)
    expected = np.asarray(expected, dtype=np.float64)
    if actual.shape != expected.shape:
        raise Mismatch(f"{what} has shape {actual.shape}; expected {expected.shape}.")
    if not np.all(np.isfinite(actual)) and np.all(np.isfinite(expected)):
        raise Mismatch(f"{what} contains inf or nan; expected finite values {np.round(expected, 4)}."
                       + (f" {advice}" if advice else ""))
    if not np.allclose(actual, expected, atol=atol, rtol=rtol):
        where = np.unravel_index(np.argmax(np.abs(actual - expected)), expected.shape) if expected.shape else ()
        raise Mismatch(
            f"{what} is {np.round(actual[where], 6)} at index {tuple(int(i) for i in where)}; "
            f"expected {np.round(expected[where], 6)}."
        )
