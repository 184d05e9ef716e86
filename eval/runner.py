"""Ask every gold question through an answerer and score what comes back.

The answerer is anything with the public ``Assistant`` shapes: ``ask(question) -> Answer`` and
``conversation().ask(question) -> Answer``. Article text always comes from ``corpus`` (the real
assistant over the evaluated collection), so an answerer cannot vouch for its own citations.
"""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field
from typing import Callable, Protocol

from eval import metrics
from eval.grounding import score_claims
from eval.items import GoldSpan, Item
from eval.judge import Judge
from eval.metrics import Span
from qa import Answer, QAError


class Answerer(Protocol):
    def ask(self, question: str) -> Answer: ...

    def conversation(self): ...


class Corpus(Protocol):
    def article(self, article_id: str): ...

    def articles(self) -> list: ...


@dataclass
class CitationCheck:
    n: int
    article: str
    start: int
    end: int
    quote: str
    valid: bool


@dataclass
class Result:
    """Everything measured for one question; ``None`` where a metric does not apply."""

    id: str
    dataset: str
    type: str
    question: str
    answerable: bool
    conversation: str | None
    turn: int
    gold_answers: list[str]
    gold_evidence: list[dict]
    gold_unresolved: int
    answer: str
    short_answer: str | None
    abstained: bool
    conflicts: list[str]
    citations: list[CitationCheck]
    claims: list[dict]
    retrieved: list[dict]
    latency_ms: float
    error: str | None = None
    citation_valid: bool = True
    grounded: bool | None = None
    llm_faithfulness: float | None = None
    exact_match: float | None = None
    f1: float | None = None
    contains: float | None = None
    evidence_precision: float | None = None
    evidence_recall: float | None = None
    hit: float | None = None
    recall_at_k: float | None = None
    reciprocal_rank: float | None = None
    conflict_surfaced: bool | None = None
    false_answer_only: bool | None = None
    lead: str | None = None
    lead_correct: bool | None = None
    confidence: float = 0.0
    false_conflict: bool | None = None
    answer_words: int | None = None
    correct: bool = False
    # The three outcomes a user sees, one of them true: right (a correct lead, or silence on an
    # unanswerable question), wrong and confident, or silent on an answerable question.
    right: bool = False
    wrong_confident: bool = False
    failures: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return asdict(self)


class GoldResolver:
    """Turns gold quotes into exact spans of the indexed articles (pinned offsets are verified)."""

    def __init__(self, corpus: Corpus):
        self._corpus = corpus
        self._texts: dict[str, str] | None = None

    def text(self, article_id: str) -> str | None:
        try:
            return self._corpus.article(article_id).text
        except QAError:
            return None

    def resolve(self, gold: GoldSpan) -> Span | None:
        if gold.article is not None:
            text = self.text(gold.article)
            if text is not None:
                if gold.start is not None and gold.end is not None and text[gold.start:gold.end] == gold.quote:
                    return Span(gold.article, gold.start, gold.end)
                found = text.find(gold.quote)
                if found >= 0:
                    return Span(gold.article, found, found + len(gold.quote))
        for article_id, text in self._all_texts().items():
            found = text.find(gold.quote)
            if found >= 0:
                return Span(article_id, found, found + len(gold.quote))
        return None

    def _all_texts(self) -> dict[str, str]:
        if self._texts is None:
            self._texts = {info.id: self._corpus.article(info.id).text for info in self._corpus.articles()}
        return self._texts


Progress = Callable[[Result], None]


def run(items: list[Item], answerer: Answerer, corpus: Corpus, semantic: bool = True,
        progress: Progress | None = None, judge: Judge | None = None) -> list[Result]:
    """Results in item order; each conversation's turns are asked in order on one conversation."""
    resolver = GoldResolver(corpus)
    results: dict[int, Result] = {}
    conversations: dict[str, object] = {}
    order = sorted(range(len(items)), key=lambda i: (items[i].conversation is not None, items[i].conversation or "", items[i].turn))
    for position in order:
        item = items[position]
        if item.conversation:
            if item.conversation not in conversations:
                conversations[item.conversation] = answerer.conversation()
            ask = conversations[item.conversation].ask
        else:
            ask = answerer.ask
        result = evaluate(item, ask, resolver, semantic, judge)
        results[position] = result
        if progress:
            progress(result)
    return [results[i] for i in range(len(items))]


def evaluate(item: Item, ask: Callable[[str], Answer], resolver: GoldResolver, semantic: bool = True,
             judge: Judge | None = None) -> Result:
    gold = [resolver.resolve(g) for g in item.evidence]
    gold_spans = [g for g in gold if g is not None]
    started = time.perf_counter()
    try:
        answer, error = ask(item.question), None
    except QAError as exc:
        answer, error = Answer(question=item.question, text="", abstained=True), str(exc)
    latency = (time.perf_counter() - started) * 1000
    checks = [_check_citation(c, resolver) for c in answer.citations]
    result = Result(
        id=item.id, dataset=item.dataset, type=item.type, question=item.question, answerable=item.answerable,
        conversation=item.conversation, turn=item.turn, gold_answers=list(item.answers),
        gold_evidence=[{**asdict(s), "quote": g.quote} for g, s in zip(item.evidence, gold) if s is not None],
        gold_unresolved=len(gold) - len(gold_spans),
        answer=answer.text, short_answer=answer.short_answer, abstained=answer.abstained,
        conflicts=list(answer.conflicts), citations=checks, claims=[],
        retrieved=[{"article": p.article, "start": p.start, "end": p.end} for p in answer.retrieved],
        latency_ms=round(latency, 1), error=error, citation_valid=all(c.valid for c in checks),
        confidence=answer.confidence,
    )
    _score_grounding(result, answer, semantic, judge)
    _score_answer(result, item, answer)
    _score_evidence(result, item, answer, gold_spans)
    _verdict(result, item)
    return result


def _check_citation(citation, resolver: GoldResolver) -> CitationCheck:
    text = resolver.text(citation.article)
    valid = bool(citation.quote) and text is not None and text[citation.start:citation.end] == citation.quote
    return CitationCheck(citation.n, citation.article, citation.start, citation.end, citation.quote, valid)


def _score_grounding(result: Result, answer: Answer, semantic: bool, judge: Judge | None) -> None:
    if answer.abstained:
        return
    quotes = {c.n: c.quote for c in answer.citations}
    claims = score_claims(answer.text, quotes, semantic)
    result.claims = [asdict(c) for c in claims]
    result.grounded = bool(claims) and all(c.supported for c in claims)
    if judge is not None:
        result.llm_faithfulness = judge.faithfulness(answer.text, quotes)


def _score_answer(result: Result, item: Item, answer: Answer) -> None:
    if not answer.abstained:
        result.lead = metrics.lead(answer.text)
        result.answer_words = metrics.word_count(answer.text)
        if not item.false_answers:  # only RGB plants conflicting sources; anywhere else a conflict is invented
            result.false_conflict = bool(answer.conflicts)
    if not item.answerable:
        return
    if answer.abstained:
        result.exact_match = result.f1 = result.contains = 0.0
        result.lead_correct = False
        return
    result.lead_correct = metrics.contains_answer(result.lead, item.answers) > 0
    prediction = answer.short_answer or metrics.strip_markers(answer.text)
    result.exact_match = metrics.exact_match(prediction, item.answers)
    result.f1 = metrics.token_f1(prediction, item.answers)
    result.contains = metrics.contains_answer(answer.text, item.answers)
    if item.false_answers:
        said = " ".join([answer.text, *answer.conflicts])
        has_true = metrics.contains_answer(said, item.answers) > 0
        has_false = metrics.contains_answer(said, item.false_answers) > 0
        result.conflict_surfaced = bool(answer.conflicts) and has_false and has_true
        result.false_answer_only = has_false and not has_true


def _score_evidence(result: Result, item: Item, answer: Answer, gold: list[Span]) -> None:
    if not gold:
        return
    ranked = [Span(p.article, p.start, p.end) for p in answer.retrieved]
    scores = metrics.retrieval_scores(ranked, gold)
    result.hit, result.recall_at_k, result.reciprocal_rank = scores.hit, scores.recall, scores.reciprocal_rank
    if not item.answerable:
        return  # the related story of an unanswerable question: worth retrieving, wrong to cite as an answer
    cited = [Span(c.article, c.start, c.end) for c in answer.citations]
    result.evidence_recall = metrics.evidence_recall(cited, gold)
    if cited:
        result.evidence_precision = metrics.evidence_precision(cited, gold)


def _verdict(result: Result, item: Item) -> None:
    """The verdict and, for the report, every reason this question counts as a failure."""
    if item.answerable:
        result.correct = not result.abstained and bool(result.contains) and not result.false_answer_only
    else:
        result.correct = result.abstained
    # A disagreement between sources where none disagree is a wrong answer, whatever its lead holds.
    result.right = bool(result.lead_correct) and not result.false_conflict if item.answerable else result.abstained
    result.wrong_confident = not result.abstained and not result.right
    if result.error:
        result.failures.append(f"error: {result.error}")
    if not result.citation_valid:
        result.failures.append("invalid citation (quote differs from the article at its offsets)")
    if result.grounded is False:
        result.failures.append("answer text not supported by its cited quotes")
    if result.false_conflict:
        result.failures.append("claims the sources disagree, but none of them conflict")
    if item.answerable and not result.abstained and not result.lead_correct:
        result.failures.append(f"the lead (text before the first [n]) gives no gold answer: {result.lead!r}")
    if result.correct:
        return
    if not item.answerable:
        result.failures.append("answered an unanswerable question")
        return
    if result.abstained:
        result.failures.append("abstained on an answerable question")
    elif result.false_answer_only:
        result.failures.append("gave a planted false answer without noting the disagreement")
    else:
        result.failures.append("no gold answer in the answer")
    if result.hit is not None:
        # Locates the failure: retrieval never surfaced the evidence, or answering missed it.
        result.failures.append("retriever missed the gold evidence" if not result.hit
                               else "gold evidence was retrieved but not used")
