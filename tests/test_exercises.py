"""The exercise framework, and the common tests every registered checker must pass.

Each chapter's checker tests live in ``test_exercises_chNN.py`` and declare two catalogues there:
``WRONG_ANSWERS`` (exercise id, a plausible wrong answer, words the feedback must contain) and
``CORRECT_ANSWERS`` (exercise id, a correct answer written differently from the solution). The meta-test
below fails for an exercise with fewer than three wrong answers or no alternative correct one, so a new
exercise cannot land without them. The common tests feed every checker the answers any learner can
write by accident (None, a string, a generator...): each must be explained, never a traceback.
"""
import importlib
from collections import Counter
from pathlib import Path

import numpy as np
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


def _kind(exercise_id):
    return exercises._EXERCISES[exercise_id].kind


FUNCTIONS = [e for e in exercises.exercises() if _kind(e) == "function"]
PREDICTIONS = [e for e in exercises.exercises() if _kind(e) == "prediction"]


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_unattempted_stub_is_not_an_error(exercise_id):
    def stub(*args, **kwargs):
        raise NotImplementedError

    stubs = [stub] if _kind(exercise_id) == "function" else [..., None]
    for answer in stubs:
        assert evaluate(exercise_id, answer).status == "not_attempted"


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_hints_come_in_tiers(exercise_id):
    hints = exercises._EXERCISES[exercise_id].hints
    assert len(hints) >= 2, f"{exercise_id}: give two hint tiers (the idea, then the formula), not {len(hints)}"
    assert len(set(hints)) == len(hints)


@pytest.mark.parametrize("chapter", sorted({e.split(".")[0] for e in exercises.exercises()}))
def test_every_chapter_has_three_exercises_one_a_prediction(chapter):
    ids = [e for e in exercises.exercises() if e.startswith(chapter + ".")]
    assert len(ids) >= 3, f"{chapter}: {len(ids)} checked exercises, need 3"
    assert any(_kind(e) == "prediction" for e in ids), f"{chapter}: no predict-then-run exercise"


def test_check_shows_hint_tiers_then_the_solution(capsys, monkeypatch):
    monkeypatch.setattr(exercises, "_WRONG_TRIES", {})
    for tier in (1, 2):
        check("ch01.softmax", lambda z: z)
        out = capsys.readouterr().out
        assert f"Hint {tier} of" in out
        assert ("Stuck?" in out) == (tier == len(exercises._EXERCISES["ch01.softmax"].hints))


def test_prediction_correct_answer_explains(monkeypatch):
    def checker(answer):
        if answer != 3:
            raise exercises.Mismatch("it is 3")
        return "because 1 + 2 = 3."

    monkeypatch.setitem(exercises._EXERCISES, "ch99.predict",
                        exercises.Exercise("ch99.predict", "x.py", checker, ("add", "1 + 2"), "prediction"))
    assert evaluate("ch99.predict", 3).message == "Correct! because 1 + 2 = 3."
    assert evaluate("ch99.predict", ...).status == "not_attempted"
    assert "Hint 1 of 2: add" in evaluate("ch99.predict", 4).message


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_crashing_answer_is_explained_not_raised(exercise_id):
    def crashing(*args, **kwargs):
        return 1 / 0

    result = evaluate(exercise_id, crashing)
    assert result.status == "wrong" and "ZeroDivisionError" in result.message


def test_every_exercise_names_an_existing_solution_file():
    for exercise_id in exercises.exercises():
        solution = _solution(exercise_id)
        assert callable(solution) if _kind(exercise_id) == "function" else solution is not ...


def test_check_prints_friendly_feedback(capsys, monkeypatch):
    monkeypatch.setattr(exercises, "_WRONG_TRIES", {})
    for _ in exercises._EXERCISES["ch01.softmax"].hints:  # the solution's place comes after the last hint
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


# ------------------------------------------------------------------ the catalogues and the common tests
ANSWER_MODULES = sorted(p.stem for p in Path(__file__).parent.glob("test_exercises_ch*.py"))


def _catalogue(name):
    entries = []
    for module_name in ANSWER_MODULES:
        entries += getattr(importlib.import_module(module_name), name, [])
    return entries


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_every_exercise_has_three_wrong_answers_and_a_correct_alternative(exercise_id):
    wrong = Counter(entry[0] for entry in _catalogue("WRONG_ANSWERS"))
    correct = Counter(entry[0] for entry in _catalogue("CORRECT_ANSWERS"))
    assert wrong[exercise_id] >= 3, f"{exercise_id}: {wrong[exercise_id]} wrong answers in the tests, need 3"
    assert correct[exercise_id] >= 1, f"{exercise_id}: no correct answer written differently in the tests"


def test_catalogues_name_registered_exercises():
    known = set(exercises.exercises())
    named = {entry[0] for entry in _catalogue("WRONG_ANSWERS") + _catalogue("CORRECT_ANSWERS")}
    assert named <= known, f"unknown exercise ids in the catalogues: {named - known}"


def _returns(value):
    def answer(*args, **kwargs):
        return value() if callable(value) else value

    answer.__name__ = f"returns_{type(value() if callable(value) else value).__name__}"
    return answer


JUNK_ANSWERS = [
    _returns(None), _returns("0.5"), _returns(lambda: (i for i in range(3))), _returns(lambda: object()),
    _returns(lambda: [None, None]), _returns((1, 2, 3)), _returns(float("nan")), _returns(lambda: {}),
    _returns(-1), _returns(lambda: np.zeros((0,))),
]


@pytest.mark.parametrize("exercise_id", FUNCTIONS)
def test_forgotten_return_is_named(exercise_id):
    result = evaluate(exercise_id, _returns(None))
    assert result.status == "wrong" and not result.checker_error, result.message
    assert "forget `return`" in result.message, result.message


JUNK_PREDICTIONS = ["0.5", (i for i in range(3)), object(), [None, None], (1, 2, 3), float("nan"), {}, -1,
                    np.zeros((0,)), -1e300, True, "", lambda: 1]


@pytest.mark.parametrize("exercise_id", exercises.exercises())
def test_junk_answers_are_explained_not_crashed_on(exercise_id):
    for answer in JUNK_ANSWERS if _kind(exercise_id) == "function" else JUNK_PREDICTIONS:
        result = evaluate(exercise_id, answer)
        name = getattr(answer, "__name__", repr(answer))
        assert result.status == "wrong", f"{name} accepted: {result.message}"
        assert not result.checker_error, f"{name}: the checker crashed: {result.message}"


def test_evaluate_turns_a_checker_crash_into_words(monkeypatch):
    def broken_checker(answer):
        return [][1]

    monkeypatch.setitem(exercises._EXERCISES, "ch99.broken", exercises.Exercise("ch99.broken", "x.py", broken_checker))
    result = evaluate("ch99.broken", lambda: 1)
    assert result.status == "wrong" and result.checker_error and "IndexError" in result.message


def test_call_reports_in_place_mutation_and_keeps_the_original():
    data = np.array([3.0, 1.0, 2.0])

    def sorts_in_place(x):
        x.sort()
        return x

    with pytest.raises(exercises.Mismatch, match="changed its input"):
        exercises.call(sorts_in_place, data)
    assert data.tolist() == [3.0, 1.0, 2.0]


def test_hidden_rng_is_fresh_per_call_unless_seeded(monkeypatch):
    monkeypatch.delenv(exercises.SEED_ENV_VAR, raising=False)
    assert exercises.hidden_rng().random() != exercises.hidden_rng().random()
    monkeypatch.setenv(exercises.SEED_ENV_VAR, "3")
    assert exercises.hidden_rng().random() == exercises.hidden_rng().random()


def test_call_describes_ragged_arguments_when_the_answer_raises():
    def fails(x):
        raise ValueError("no")

    with pytest.raises(exercises.Mismatch, match=r"raised ValueError: no \(called with a list of 2\)"):
        exercises.call(fails, [[1, 2], [3]])


def test_progress_keeps_the_best_result_per_exercise_on_disk(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(exercises.PROGRESS_ENV_VAR, str(tmp_path / "progress.json"))
    monkeypatch.setattr(exercises, "_WRONG_TRIES", {})
    check("ch01.softmax", lambda z: z)
    check("ch01.softmax", _solution("ch01.softmax"))
    check("ch01.softmax", lambda z: z)  # a later slip does not undo a pass
    capsys.readouterr()
    summary = exercises.progress("ch01")
    out = capsys.readouterr().out
    assert summary["ch01"]["passed"] == 1 and summary["ch01"]["attempted"] == 1
    assert "ch01.softmax" not in summary["ch01"]["left"] and out.startswith("ch01: 1/")
    (tmp_path / "progress.json").write_text("{not json")
    assert exercises.progress("ch01")["ch01"]["passed"] == 0, "a damaged file starts again, never crashes"


def test_wrong_answers_are_rejected_on_fresh_hidden_cases(monkeypatch):
    """The chapters' tests draw hidden cases with seeds 0-2; a learner's draw is unseeded. Every wrong answer
    of every catalogue must still be rejected, with its words, on cases nobody chose."""
    monkeypatch.delenv(exercises.SEED_ENV_VAR, raising=False)
    for exercise_id, wrong, says in _catalogue("WRONG_ANSWERS"):
        exercises.assert_rejects(exercise_id, wrong, says)
