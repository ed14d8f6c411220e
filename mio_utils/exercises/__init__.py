"""Exercise checkers: ``check("ch01.softmax", softmax)`` runs your function on test cases and explains
the first difference from the expected answer in words. A wrong answer never produces a traceback.

Taught in chapter 00. Each ``chNN.py`` module here registers its chapter's checkers with
:func:`exercise`; reference answers live in ``solutions/chNN_slug.py``. The tests
(``tests/test_exercises_chNN.py``) prove each checker accepts them and a correct answer written
differently, and rejects at least three plausible wrong answers, each with the words it must say.

Two kinds of exercise:
- ``kind="function"`` (most): the learner writes a function; the checker calls it on hidden cases.
- ``kind="prediction"``: *predict, then run*. The learner writes down a number or a choice
  (``my_prediction = ...``) before running an experiment; the checker judges the prediction and returns
  the explanation printed with "Correct". ``...`` or ``None`` means not attempted yet.
Hints come in tiers (``hints=("the idea", "the formula")``, never the code): :func:`check` shows the first
after a first wrong answer, the next after another, and the reference solution's place once all are shown.
"""
from __future__ import annotations

import copy
import importlib
import inspect
import json
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
    hints: tuple[str, ...] = ()
    kind: str = "function"  # or "prediction"


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


KINDS = ("function", "prediction")


def exercise(exercise_id: str, solution: str, hints: tuple[str, ...] = (), kind: str = "function"):
    """Register a checker: a function that takes the learner's answer and raises Mismatch if wrong.

    ``hints``: tiers, the idea first, then the formula; never the code. A prediction's checker returns the
    explanation a learner who predicted right reads (a string), so a lucky guess still teaches.
    """
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}, not {kind!r}")
    if isinstance(hints, str):
        raise TypeError("hints is a tuple of tiers: hints=(\"the idea\", \"the formula\")")

    def wrap(checker):
        if exercise_id in _EXERCISES:
            raise ValueError(f"Exercise {exercise_id!r} is registered twice.")
        _EXERCISES[exercise_id] = Exercise(exercise_id, solution, checker, tuple(hints), kind)
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


def _hint_text(ex: Exercise, tier: int) -> str:
    if not ex.hints:
        return ""
    tier = min(max(tier, 1), len(ex.hints))
    more = " Another try unlocks the next hint." if tier < len(ex.hints) else ""
    return f"\nHint {tier} of {len(ex.hints)}: {ex.hints[tier - 1]}{more}"


def evaluate(exercise_id: str, answer, hint_tier: int = 1) -> Result:
    """Check ``answer`` and return a :class:`Result` (what ``check`` prints). Never raises.

    A wrong answer's message ends with hint ``hint_tier`` (1 = the idea).

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
    hint = _hint_text(ex, hint_tier)
    if ex.kind == "prediction" and (answer is None or answer is Ellipsis):
        return Result(exercise_id, "not_attempted",
                      "Not attempted yet: replace `...` with your prediction, then run the cell again. "
                      "Predict before you run the experiment below: that is the exercise.")
    try:
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a wrong answer's overflow warnings are not the learner's news
            explanation = ex.checker(answer)
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
    if ex.kind == "prediction":
        return Result(exercise_id, "passed", f"Correct! {explanation}" if explanation else "Correct!")
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


_WRONG_TRIES: dict[str, int] = {}
PROGRESS_ENV_VAR = "MIO_PROGRESS_FILE"  # the tests point it at a temporary file


def progress_file():
    """Where :func:`check` keeps your results: ``$MIO_PROGRESS_FILE``, else ``progress.json`` in the cache."""
    from pathlib import Path

    from ..env import cache_dir

    return Path(os.environ.get(PROGRESS_ENV_VAR) or cache_dir() / "progress.json")


def _read_progress() -> dict:
    try:
        recorded = json.loads(progress_file().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}  # none yet, or unreadable: start again rather than stop a learner
    return recorded if isinstance(recorded, dict) else {}


def _record(result: Result) -> None:
    """Remember the best result per exercise on this computer only (nothing is sent anywhere)."""
    if result.status == "unknown":
        return
    from ..files import atomic_write

    recorded = _read_progress()
    entry = recorded.get(result.exercise_id, {})
    order = ("not_attempted", "wrong", "passed")
    best = max(entry.get("status", "not_attempted"), result.status, key=order.index)
    tries = entry.get("tries", 0) + (result.status != "not_attempted")
    recorded[result.exercise_id] = {"status": best, "tries": tries}
    try:
        with atomic_write(progress_file()) as temporary:
            temporary.write_text(json.dumps(recorded, indent=1, sort_keys=True), encoding="utf-8")
    except OSError:
        pass  # a read-only disk must not break an exercise


def progress(chapter: str | None = None) -> dict:
    """Print and return your exercise results per chapter: attempted, passed, and what is left.

    Results are kept on this computer (see :func:`progress_file`), across kernels and sessions; an
    instructor can ask the room to run ``mio.progress()`` and call out the counts. Taught in chapter 00.
    """
    _load_all()
    recorded = _read_progress()
    summary = {}
    for exercise_id in sorted(_EXERCISES):
        chapter_id = exercise_id.split(".")[0]
        if chapter is not None and chapter_id != chapter:
            continue
        status = recorded.get(exercise_id, {}).get("status", "not_attempted")
        row = summary.setdefault(chapter_id, {"exercises": 0, "attempted": 0, "passed": 0, "left": []})
        row["exercises"] += 1
        row["attempted"] += status != "not_attempted"
        row["passed"] += status == "passed"
        if status != "passed":
            row["left"].append(exercise_id)
    for chapter_id, row in summary.items():
        left = f"  left: {', '.join(row['left'])}" if row["left"] else "  all done ✅"
        print(f"{chapter_id}: {row['passed']}/{row['exercises']} passed, {row['attempted']} attempted.{left}")
    return summary


def check(exercise_id: str, answer) -> None:
    """Check your answer to an exercise and print friendly feedback. Taught in chapter 00.

    Each wrong try shows the next tier of hints; once all are shown, it says where the reference answer is.
    """
    tries = _WRONG_TRIES.get(exercise_id, 0)
    result = evaluate(exercise_id, answer, hint_tier=tries + 1)
    icon = {"passed": "✅", "not_attempted": "✏️", "wrong": "❌", "unknown": "❓"}[result.status]
    print(f"{icon} [{exercise_id}] {result.message}")
    _record(result)
    if result.status == "wrong":
        _WRONG_TRIES[exercise_id] = tries + 1
        if tries + 1 >= len(_EXERCISES[exercise_id].hints):
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


def as_prediction_number(answer, what: str = "your prediction") -> float:
    """A ``kind="prediction"`` answer that must be one finite number; True/False, text, several values,
    nan or inf are explained in words."""
    if isinstance(answer, (bool, np.bool_)):
        raise Mismatch(f"write a number for {what}, not True or False.")
    if isinstance(answer, (str, bytes)):
        raise Mismatch(f"write a number for {what} (like 12), not as text {answer!r:.40}.")
    number = as_number(answer, what)
    if not np.isfinite(number):
        raise Mismatch(f"{what} must be a finite number; got {number}.")
    return number


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
