"""The seed gold set is well formed and its evidence is really in the article."""
from collections import Counter

from eval.items import read_items
from eval.suites import SEED_QUESTIONS
from tests.conftest import SEEDS

ITEMS = read_items(SEED_QUESTIONS, "seeds")


def test_every_gold_span_is_exact_text_of_its_article():
    for item in ITEMS:
        for span in item.evidence:
            text = (SEEDS / span.article).read_text(encoding="utf-8-sig")
            assert text[span.start:span.end] == span.quote, item.id


def test_every_answerable_item_has_answers_found_in_its_evidence():
    for item in ITEMS:
        if not item.answerable:
            assert not item.answers and not item.evidence, item.id
            continue
        assert item.answers and item.evidence, item.id
        evidence = " ".join(span.quote for span in item.evidence).lower()
        assert any(answer.lower() in evidence for answer in item.answers), item.id


def test_size_and_coverage_match_the_issue():
    types = Counter(item.type for item in ITEMS)
    assert len(ITEMS) >= 40
    assert sum(not item.answerable for item in ITEMS) >= 10
    assert {"who", "what", "where", "when", "why", "how_many", "paraphrase", "attribution"} <= set(types)
    chats = Counter(item.conversation for item in ITEMS if item.conversation)
    assert sum(turns >= 2 for turns in chats.values()) >= 5


def test_ids_are_unique():
    assert len({item.id for item in ITEMS}) == len(ITEMS)
