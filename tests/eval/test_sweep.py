"""Threshold replay on recorded answers (hand-made report rows)."""
from eval.sweep import outcomes, table


def row(answerable, confidence, lead_correct, abstained=False, false_conflict=None):
    return {"answerable": answerable, "confidence": confidence, "lead_correct": lead_correct, "abstained": abstained,
            "false_conflict": false_conflict}


def test_a_question_is_answered_only_at_or_above_its_confidence():
    assert outcomes(row(True, 0.6, True), 0.5) == (True, True)
    assert outcomes(row(True, 0.4, True), 0.5) == (False, False)
    assert outcomes(row(False, 0.4, None), 0.5) == (False, True)
    assert outcomes(row(False, 0.9, None), 0.5) == (True, False)
    assert outcomes(row(True, 0.9, True, abstained=True), 0.0) == (False, False)  # other checks still abstain
    assert outcomes(row(True, 0.9, True, false_conflict=True), 0.5) == (True, False)  # an invented disagreement


def test_the_three_outcomes_add_up_and_follow_the_threshold():
    questions = [row(True, 0.9, True), row(True, 0.7, False), row(True, 0.2, True), row(False, 0.6, None)]
    low, high = table(questions, [0.0, 0.8])
    assert (low["right"], low["wrong_confident"], low["silent"]) == (0.5, 0.5, 0.0)
    assert (high["right"], high["wrong_confident"], high["silent"]) == (0.5, 0.0, 0.5)
    assert high["abstention_recall"] == 1.0 and high["false_abstention"] == 2 / 3
    for r in (low, high):
        assert abs(r["right"] + r["wrong_confident"] + r["silent"] - 1) < 1e-9
