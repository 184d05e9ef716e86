"""The news dev set (eval/datasets/news.jsonl): well formed, big enough, every quote really in its article."""
import json
from collections import Counter

import pytest

from eval.items import ItemError, read_items
from eval.metrics import contains_answer
from eval.sources import NEWS_QUESTIONS, bbc_news
from tests.conftest import SEEDS

ITEMS = read_items(NEWS_QUESTIONS, "news")
TYPES = {"who", "what", "which", "when", "where", "why", "how_many", "how_much", "how_long", "yes_no", "unanswerable"}
REASONS = {"detail never given", "after 2005", "unrelated"}


def records() -> list[dict]:
    return [json.loads(line) for line in NEWS_QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]


def test_schema_types_and_answers():
    assert len({item.id for item in ITEMS}) == len(ITEMS)
    for record, item in zip(records(), ITEMS):
        assert set(record) <= {"id", "question", "type", "answerable", "answers", "evidence", "conversation", "turn",
                               "why_unanswerable"}, item.id
        assert isinstance(record["answerable"], bool) and item.type in TYPES, item.id
        assert (item.type == "unanswerable") == (not item.answerable), item.id
        if item.answerable:
            assert item.answers and all(a.strip() for a in item.answers) and item.evidence, item.id
        else:
            assert not item.answers and record.get("why_unanswerable") in REASONS, item.id
        if item.type == "yes_no":
            assert item.answers in (("Yes",), ("No",)), item.id
        for span in item.evidence:
            assert isinstance(span.article, str) and isinstance(span.start, int) and isinstance(span.end, int), item.id


def test_gold_answers_are_stated_in_their_evidence():
    for item in ITEMS:
        if item.answerable and item.type != "yes_no":
            assert contains_answer(" ".join(s.quote for s in item.evidence), item.answers), item.id


def test_size_and_coverage_match_the_issue():
    types = Counter(item.type for item in ITEMS)
    assert len(ITEMS) >= 200 and types["unanswerable"] >= 50
    assert TYPES <= set(types)
    answers = Counter(item.answers[0] for item in ITEMS if item.type == "yes_no")
    assert answers["Yes"] >= 3 and answers["No"] >= 3
    turns = Counter(item.conversation for item in ITEMS if item.conversation)
    assert len(turns) >= 12 and min(turns.values()) >= 2
    for conversation in turns:
        numbers = sorted(item.turn for item in ITEMS if item.conversation == conversation)
        assert numbers == list(range(1, len(numbers) + 1)), conversation


@pytest.mark.data
def test_every_quote_is_the_text_of_its_bbc_or_seed_article(shared_data):
    texts = {r["id"]: r["text"] for r in map(json.loads, (shared_data / "bbc-news" / "articles.jsonl").open(encoding="utf-8"))}
    texts |= {p.name: p.read_text(encoding="utf-8-sig") for p in SEEDS.iterdir() if p.suffix == ".txt"}
    for item in ITEMS:
        for span in item.evidence:
            assert texts[span.article][span.start:span.end] == span.quote, item.id


@pytest.mark.data
def test_the_loader_names_indexed_articles_and_refuses_a_wrong_quote(shared_data, tmp_path):
    benchmark = bbc_news(shared_data)
    ids = [f"bbc-news.jsonl#{n}" for n in range(1, len(benchmark.documents) + 1)]
    items = benchmark.items(ids)
    assert [item.id for item in items] == [item.id for item in ITEMS]
    assert {s.article for item in items for s in item.evidence} <= set(ids) | {p.name for p in SEEDS.iterdir()}
    bad = tmp_path / "news.jsonl"
    bad.write_text(json.dumps({"id": "x", "question": "Q?", "answers": ["A"], "evidence": [
        {"article": "bbc-business-001", "start": 0, "end": 5, "quote": "Not the text"}]}) + "\n")
    with pytest.raises(ItemError, match="bbc-business-001 at 0-5"):
        bbc_news(shared_data, bad).items(ids)
