"""Scoped questions: only the chosen articles, sources or dates may be quoted."""
from __future__ import annotations

import json

import pytest

from qa import Assistant, QAError, Scope
from qa.types import article_day
from tests.conftest import copy_seeds

SEED = "000_0226462cf7c6313f.txt"
RECORDS = [
    {"title": "Harbour strike ends", "text": "The harbour strike in Velmora ended on Monday after the union accepted a pay rise.",
     "source": "Velmora Post", "date": "2024-03-02"},
    {"title": "Harbour strike spreads", "text": "The harbour strike in Quillon spread to the ferries, the union said on Friday.",
     "source": "Quillon Herald", "date": "2024-05-20T08:00:00+00:00"},
    {"title": "Harbour strike called", "text": "Dockers in Tessin called a harbour strike over unpaid overtime.",
     "source": "Velmora Post"},
]


@pytest.fixture(scope="module")
def assistant(tmp_path_factory):
    corpus = copy_seeds(tmp_path_factory.mktemp("scoped") / "corpus")
    (corpus / "feed.jsonl").write_text("".join(json.dumps(r) + "\n" for r in RECORDS), encoding="utf-8")
    return Assistant.from_directory(corpus)


def cited(answer) -> set[str]:
    return {c.article for c in answer.citations} | {p.article for p in answer.see_also}


def test_dates_are_read_from_iso_and_feed_formats():
    assert article_day("2024-05-20T08:00:00+00:00") == "2024-05-20"
    assert article_day("Tue, 05 Mar 2024 10:00:00 +0000") == "2024-03-05"
    assert article_day("last spring") is None and article_day(None) is None and article_day("2024-13-40") is None


def test_scope_validates_its_dates():
    with pytest.raises(QAError, match="YYYY-MM-DD"):
        Scope(date_from="May 2024")
    with pytest.raises(QAError, match="start is after the end"):
        Scope(date_from="2024-06-01", date_to="2024-01-01")
    assert Scope().is_empty and str(Scope(articles=("a",), sources=("X",))) == "1 article, source X"


def test_scope_allows_only_what_every_condition_admits():
    scope = Scope(sources=("Velmora Post",), date_from="2024-01-01")
    assert scope.allows("feed.jsonl#1", "Velmora Post", "2024-03-02")
    assert not scope.allows("feed.jsonl#3", "Velmora Post", None)  # no date, but a date range was asked for
    assert not scope.allows("feed.jsonl#2", "Quillon Herald", "2024-05-20")


@pytest.mark.slow
def test_each_scope_keeps_the_answer_inside_it(assistant):
    question = "Where was the harbour strike?"
    assert cited(assistant.ask(question, scope=Scope(articles=("feed.jsonl#2",)))) == {"feed.jsonl#2"}
    assert cited(assistant.ask(question, scope=Scope(sources=("Velmora Post",)))) <= {"feed.jsonl#1", "feed.jsonl#3"}
    assert cited(assistant.ask(question, scope=Scope(date_from="2024-05-01"))) == {"feed.jsonl#2"}
    # One short article among many is still found: the scope is searched exactly, not filtered from the top hits.
    brahimi = assistant.ask("Who met Brahimi?", scope=Scope(articles=(SEED,)))
    assert "Assad" in brahimi.text and cited(brahimi) == {SEED}
    outside = assistant.ask("Who met Brahimi?", scope=Scope(articles=("feed.jsonl#1",)))
    assert outside.abstained or "Assad" not in outside.text
    assert SEED not in cited(outside)


@pytest.mark.slow
def test_a_scope_that_matches_nothing_is_a_clear_error(assistant):
    with pytest.raises(QAError, match="No indexed article matches the chosen scope"):
        assistant.ask("Who met Brahimi?", scope=Scope(sources=("Nowhere Times",)))


@pytest.mark.slow
def test_a_conversation_passes_its_scope_on(assistant):
    conversation = assistant.conversation()
    answer = conversation.ask("Who called a harbour strike?", scope=Scope(articles=("feed.jsonl#3",)))
    assert cited(answer) == {"feed.jsonl#3"}
