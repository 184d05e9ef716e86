"""Scoring primitives, checked on hand-made cases."""
from dataclasses import replace

import pytest

from eval import metrics
from eval.gate import GateError, check, load_thresholds
from eval.grounding import lexical_support, score_claims, split_claims
from eval.items import Item, ItemError, item_from_dict
from eval.metrics import Span
from eval.runner import run
from qa import Answer, QAError
from eval.sampling import sample
from eval.summary import summarize


def test_squad_normalisation_exact_match_and_f1():
    assert metrics.normalize("The  “Tampa”, Florida!") == "tampa florida"
    assert metrics.exact_match("the Turkey.", ["Turkey"]) == 1.0
    assert metrics.exact_match("Syria", ["Turkey"]) == 0.0
    assert metrics.token_f1("fled to Turkey", ["Turkey"]) == pytest.approx(0.5)
    assert metrics.token_f1("anything", []) == 0.0


def test_contains_respects_word_boundaries():
    assert metrics.contains_answer("He fled to Turkey [1].", ["turkey"]) == 1.0
    assert metrics.contains_answer("Turkeys are birds", ["Turkey"]) == 0.0
    assert metrics.contains_answer("anything", [""]) == 0.0


def test_evidence_precision_and_recall_by_character_overlap():
    gold = [Span("a", 10, 20), Span("b", 0, 10)]
    cited = [Span("a", 15, 30), Span("a", 40, 50)]
    assert metrics.evidence_precision(cited, gold) == 0.5
    assert metrics.evidence_recall(cited, gold) == pytest.approx(5 / 20)
    # Overlapping citations cover each gold character once.
    assert metrics.evidence_recall([Span("a", 10, 18), Span("a", 12, 20)], [Span("a", 10, 20)]) == 1.0
    assert metrics.evidence_precision([], gold) == 0.0


def test_retrieval_hit_recall_and_reciprocal_rank():
    gold = [Span("a", 100, 120), Span("b", 0, 5)]
    ranked = [Span("c", 0, 500), Span("a", 90, 101), Span("a", 0, 50)]
    scores = metrics.retrieval_scores(ranked, gold)
    assert (scores.hit, scores.recall, scores.reciprocal_rank) == (1.0, 0.5, 0.5)
    assert metrics.retrieval_scores([Span("c", 0, 9)], gold).reciprocal_rank == 0.0


def test_percentiles():
    assert metrics.percentile([], 50) is None
    assert metrics.percentile([7.0], 95) == 7.0
    assert metrics.percentile(list(range(1, 101)), 50) == pytest.approx(50.5)


def test_claims_split_at_citation_markers():
    text = "Turkey [2].\n\nHe fled to Turkey. [1] [2] The army failed [3]\n\nUncited tail here."
    assert split_claims(text) == [
        ("Turkey", (2,)), ("He fled to Turkey.", (1, 2)), ("The army failed", (3,)), ("Uncited tail here.", ()),
    ]


def test_lexical_support_counts_content_words_in_the_quotes():
    assert lexical_support("the commander defected", ["The commander's defection"]) == 1.0
    assert lexical_support("arrested in Geneva", ["He fled to Turkey"]) == 0.0


def test_claim_support_needs_its_own_citation():
    quotes = {1: "He fled to Turkey.", 2: "The army failed to protect Syrians."}
    claims = score_claims("He fled to Turkey [1]. The army failed to protect Syrians [1].", quotes, semantic=False)
    assert [c.supported for c in claims] == [True, False]
    # A marker pointing at no citation supports nothing.
    assert not score_claims("He fled to Turkey [7].", quotes, semantic=False)[0].supported


@pytest.mark.slow
def test_semantic_similarity_separates_paraphrase_from_fabrication():
    quotes = {1: "The commander of Syria's military police has defected and fled to Turkey."}
    paraphrase, fabricated = score_claims(
        "Syria's military police chief defected and escaped to Turkey [1]. Diplomats signed a trade deal in Cairo [1].",
        quotes)
    assert paraphrase.semantic > 0.8 > fabricated.semantic


def test_question_records_are_validated():
    item = item_from_dict({"question": "Q?", "answers": "A", "evidence": ["quote"]}, "mine", "f:1")
    assert item.answerable and item.answers == ("A",) and item.evidence[0].quote == "quote"
    assert not item_from_dict({"question": "Q?"}, "mine", "f:2").answerable
    with pytest.raises(ItemError, match="answers"):
        item_from_dict({"question": "Q?", "answerable": True}, "mine", "f:3")
    with pytest.raises(ItemError, match="question"):
        item_from_dict({"answers": ["A"]}, "mine", "f:4")


def test_sample_is_fixed_covers_types_and_keeps_conversations_whole():
    items = [Item(f"s{i}", "q", ("a",), type="common") for i in range(50)]
    items += [Item(f"r{i}", "q", ("a",), type="rare") for i in range(3)]
    items += [Item(f"c{t}", "q", ("a",), type="chat", conversation="c", turn=t) for t in (1, 2, 3)]
    picked = sample(items, 10)
    assert picked == sample(items, 10)
    assert {i.type for i in picked} == {"common", "rare", "chat"}
    assert sum(i.conversation == "c" for i in picked) == 3
    assert sample(items, 1000) == items


def test_gate_reads_maxima_and_minima_and_rejects_unknown_metrics(tmp_path):
    from eval.runner import Result

    result = Result(id="x", dataset="d", type="t", question="q", answerable=True, conversation=None, turn=1,
                    gold_answers=["a"], gold_evidence=[], gold_unresolved=0, answer="", short_answer=None,
                    abstained=True, conflicts=[], citations=[], claims=[], retrieved=[], latency_ms=10.0)
    summary = summarize([result])
    path = tmp_path / "t.toml"
    path.write_text("[default]\naccuracy = 0.5\nlatency_p95_ms = 5.0\nabstention_recall = 0.9\n"
                    "[datasets.other]\naccuracy = 0.0\n")
    violations = check({"d": summary}, load_thresholds(path))
    assert sorted(v.metric for v in violations) == ["accuracy", "latency_p95_ms"]  # no unanswerables: recall skipped
    assert "accuracy = 0 < threshold 0.5" in str(violations[0])
    path.write_text("[default]\naccuracy_typo = 1\n")
    with pytest.raises(GateError, match="accuracy_typo"):
        load_thresholds(path)


def test_lead_is_the_text_before_the_first_marker():
    assert metrics.lead("four [1]. The four Britons were held for three years [1].") == "four"
    assert metrics.lead("Paddington Green police station [1, 2]; others say US [3].") == "Paddington Green police station"
    assert metrics.lead("[1] Held for three years.") == ""
    assert metrics.lead("No citation at all.") == "No citation at all."
    assert metrics.word_count("Turkey [2].\n\nHe fled to Turkey. [1] [2] — and stayed [3].") == 7


class Scripted:
    """An answerer whose answers are written by hand, one per question."""

    def __init__(self, answers: dict[str, Answer]):
        self.answers = answers

    def ask(self, question: str) -> Answer:
        return self.answers[question]

    def conversation(self):
        return self


class NoArticles:
    """A corpus with no articles: the scripted answers cite nothing and the items carry no evidence."""

    def article(self, article_id: str):
        raise QAError(f"no article {article_id}")

    def articles(self) -> list:
        return []


def scored(cases: list[tuple[Item, str | None, list[str]]]):
    """Runs hand-written answers (None: abstained) through the real scoring."""
    answers = {item.question: Answer(item.question, text or "The articles don't say.", abstained=text is None,
                                     conflicts=conflicts)
               for item, text, conflicts in cases}
    return run([item for item, _, _ in cases], Scripted(answers), NoArticles(), semantic=False)


HELD = Item("held", "How long were the four Britons held?", ("three years", "3 years"), type="how_long")


def test_lead_accuracy_and_the_right_wrong_silent_split():
    results = scored([
        (HELD, "Three years [1]. They were held at Guantanamo Bay [1].", []),
        (replace(HELD, id="buried", question="q2"), "four [1]. The four were held for three years [1].", []),
        (replace(HELD, id="no-lead", question="q3"), "[1] They were held for three years.", []),
        (replace(HELD, id="silent", question="q4"), None, []),
        (Item("u1", "What is the population of Kirkcaldy?", answerable=False), None, []),
        (Item("u2", "How many games launch with the Xbox 2?", answerable=False), "a record 28 million hours [1].", []),
    ])
    assert [r.lead_correct for r in results] == [True, False, False, False, None, None]
    assert [r.right for r in results] == [True, False, False, False, True, False]
    assert [r.wrong_confident for r in results] == [False, True, True, False, False, True]
    s = summarize(results)
    assert s.accuracy == pytest.approx(4 / 6)  # "contains" anywhere: the buried answers still count there
    assert s.lead_accuracy == pytest.approx(1 / 4)
    assert (s.right_rate, s.wrong_confident_rate, s.silent_rate) == pytest.approx((2 / 6, 3 / 6, 1 / 6))
    assert s.right_rate + s.wrong_confident_rate + s.silent_rate == pytest.approx(1.0)
    assert any("the lead" in f for f in results[1].failures)


def test_false_conflicts_count_only_answered_questions_without_planted_answers():
    results = scored([
        (HELD, "The sources disagree: three years or four [1] [2].", ["four [2]"]),
        (replace(HELD, id="plain", question="q2"), "three years [1].", []),
        (replace(HELD, id="abstained", question="q3"), None, []),
        (replace(HELD, id="planted", question="q4", false_answers=("five years",)),
         "The sources disagree: three years or five years [1] [2].", ["five years [2]"]),
    ])
    assert [r.false_conflict for r in results] == [True, False, None, None]
    assert summarize(results).false_conflict_rate == 0.5
    assert "claims the sources disagree, but none of them conflict" in results[0].failures
    # The lead holds the gold answer, but a disagreement no source has is a wrong answer.
    assert results[0].lead_correct and not results[0].right and results[0].wrong_confident
    assert results[3].right and results[3].conflict_surfaced is True


def test_answer_words_is_the_median_over_answered_questions():
    results = scored([
        (HELD, "three years [1].", []),
        (replace(HELD, id="b", question="q2"), "They were held for three years [1]. Then released [2].", []),
        (replace(HELD, id="c", question="q3"), "Three years in all [1].", []),
        (replace(HELD, id="d", question="q4"), None, []),
    ])
    assert [r.answer_words for r in results] == [2, 8, 4, None]
    assert summarize(results).answer_words == 4


def test_lower_is_better_answer_metrics_are_gated_as_maxima(tmp_path):
    results = scored([(Item("u", "What is the population of Kirkcaldy?", answerable=False), "28 million [1].", [])])
    path = tmp_path / "t.toml"
    path.write_text("[default]\nwrong_confident_rate = 0.05\nanswer_words = 45\nfalse_conflict_rate = 0.01\n"
                    "right_rate = 0.0\n")
    violations = check({"news": summarize(results)}, load_thresholds(path))
    assert [str(v) for v in violations] == ["news: wrong_confident_rate = 1 > maximum 0.05"]


def test_a_yes_no_verdict_is_not_a_claim_about_the_article():
    from eval.grounding import split_claims

    claims = split_claims("Yes [1].\n\nGoogle launched a version in simplified Chinese in September. [1]")
    assert [text for text, _ in claims] == ["Google launched a version in simplified Chinese in September."]
