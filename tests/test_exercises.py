"""The exercise framework, and: every registered checker accepts its reference solution."""
import importlib

import pytest

from mio_utils import exercises
from mio_utils.exercises import check, evaluate


def _solution(exercise_id):
    ex = exercises._EXERCISES[exercise_id]
    module = importlib.import_module(f"solutions.{ex.solution.removesuffix('.py')}")
    return getattr(module, exercise_id.split(".", 1)[1])


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_checker_accepts_reference_solution(exercise_id):
    result = evaluate(exercise_id, _solution(exercise_id))
    assert result.passed, result.message


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_unattempted_stub_is_not_an_error(exercise_id):
    def stub(*args, **kwargs):
        raise NotImplementedError

    assert evaluate(exercise_id, stub).status == "not_attempted"


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_crashing_answer_is_explained_not_raised(exercise_id):
    def crashing(*args, **kwargs):
        return 1 / 0

    result = evaluate(exercise_id, crashing)
    assert result.status == "wrong" and "ZeroDivisionError" in result.message


def test_every_exercise_names_an_existing_solution_file():
    for exercise_id in exercises.exercises():
        assert callable(_solution(exercise_id))


def test_check_prints_friendly_feedback(capsys):
    check("ch01.softmax", lambda z: z)
    out = capsys.readouterr().out
    assert out.startswith("❌ [ch01.softmax] Not yet:") and "solutions/ch01_mio_foundations.py" in out
    assert "Traceback" not in out


def test_unknown_exercise_lists_known_ones(capsys):
    check("ch01.sofmax", lambda z: z)
    assert "There is no exercise 'ch01.sofmax'" in capsys.readouterr().out


def test_not_a_function():
    assert "expected a function" in evaluate("ch01.softmax", 3).message


def test_assert_rejects_fails_when_a_checker_accepts_or_says_something_else():
    exercises.assert_rejects("ch01.softmax", lambda z: z, "Not yet")
    with pytest.raises(AssertionError, match="did not reject"):
        exercises.assert_rejects("ch01.softmax", _solution("ch01.softmax"), "anything")
    with pytest.raises(AssertionError, match="without saying"):
        exercises.assert_rejects("ch01.softmax", lambda z: z, "a phrase no checker uses")
