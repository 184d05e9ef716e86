"""Ratings from the chat page: stored as JSON Lines, latest per answer wins, turned into regression questions."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from eval.feedback import items_from_feedback
from eval.items import ItemError, read_items
from qa import Answer, Citation, QAError, Scope, Settings
from qa.cli import main
from qa.feedback import read_feedback, record_feedback

CITATION = Citation(1, "syria.txt", "Defection", 1936, 2019, "President, Bashar al-Assad met UN peace envoy", 0.8, "h" * 64)


def answered(question="Who met Brahimi?", resolved=None) -> Answer:
    return Answer(question, "Bashar al-Assad [1].", False, [CITATION], short_answer="Bashar al-Assad",
                  question_type="who", resolved_question=resolved or question)


def abstained() -> Answer:
    return Answer("What is the capital of France?", "The articles don't say.", True, question_type="where")


def test_feedback_lives_beside_the_index_unless_configured(tmp_path):
    assert Settings(corpus_dir=tmp_path).resolved_feedback_file == tmp_path / ".qa-cache" / "feedback.jsonl"
    assert Settings(index_dir=tmp_path / "idx").resolved_feedback_file == tmp_path / "feedback.jsonl"
    assert Settings(feedback_file=tmp_path / "f.jsonl").resolved_feedback_file == tmp_path / "f.jsonl"


def test_latest_rating_per_answer_wins_and_none_withdraws(tmp_path):
    path = tmp_path / "nested" / "feedback.jsonl"
    record_feedback(path, "a1", "down", answered())
    record_feedback(path, "a2", "up", abstained(), Scope(sources=("BBC",)))
    record_feedback(path, "a1", "up", answered())
    record_feedback(path, "a3", "up", answered("Who?"))
    record_feedback(path, "a3", "none", answered("Who?"))
    lines = path.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 5 and "retrieved" not in json.loads(lines[0])["answer"]
    ratings = read_feedback(path)
    assert [(r.answer_id, r.rating) for r in ratings] == [("a2", "up"), ("a1", "up")]
    assert ratings[0].scope == {"articles": [], "sources": ["BBC"], "date_from": None, "date_to": None}
    with pytest.raises(QAError, match="Unknown rating"):
        record_feedback(path, "a4", "meh", answered())


def test_broken_feedback_file_names_its_line(tmp_path):
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, "a1", "up", answered())
    with path.open("a", encoding="utf-8") as f:
        f.write('{"rating": "up"}\n')
    with pytest.raises(QAError, match=r"feedback.jsonl:2: not a feedback record"):
        read_feedback(path)


def test_ratings_become_regression_questions(tmp_path):
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, "a1", "up", answered("What did he say?", resolved="What did Brahimi say?"))
    record_feedback(path, "a2", "up", abstained())
    record_feedback(path, "a3", "down", answered("Who met Annan?"))
    items, to_review = items_from_feedback(path)
    assert [(i.question, i.answers, i.answerable, i.type) for i in items] == [
        ("What did Brahimi say?", ("Bashar al-Assad",), True, "who"),  # the standalone form, not the follow-up
        ("What is the capital of France?", (), False, "unanswerable"),
    ]
    assert items[0].evidence[0].quote == CITATION.quote and items[0].evidence[0].start == 1936
    assert [r.answer_id for r in to_review] == ["a3"]
    # `qa eval --questions` reads a feedback file as it is.
    assert read_items(path) == items


def test_eval_from_feedback_prints_a_question_file(tmp_path):
    path = tmp_path / "feedback.jsonl"
    record_feedback(path, "a1", "up", answered())
    record_feedback(path, "a3", "down", answered("Who met Annan?"))
    result = CliRunner().invoke(main, ["eval", "--from-feedback", str(path)])
    assert result.exit_code == 0, result.output
    questions = tmp_path / "regression.jsonl"
    questions.write_text(result.stdout, encoding="utf-8")
    assert [i.answers for i in read_items(questions)] == [("Bashar al-Assad",)]
    assert "1 regression question(s)" in result.stderr and "Who met Annan?" in result.stderr


def test_a_file_that_is_neither_is_an_item_error(tmp_path):
    path = tmp_path / "mixed.jsonl"
    record_feedback(path, "a1", "up", answered())
    with path.open("a", encoding="utf-8") as f:
        f.write('{"question": "Who?", "answers": ["X"]}\n')
    with pytest.raises(ItemError, match="mixed.jsonl:2"):
        read_items(path)
