"""Aggregate per-question results into the metrics the report and the gate use.

Every rate is a share in [0, 1]; ``None`` means the metric had nothing to measure in that group
(e.g. abstention recall for a group without unanswerable questions).
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from eval.metrics import mean, percentile
from eval.runner import Result

# Metrics where lower is better; the gate reads these as maxima, every other one as a minimum.
LOWER_IS_BETTER = frozenset({
    "unsupported_claim_rate", "false_abstention_rate", "silent_false_answer_rate", "latency_p50_ms", "latency_p95_ms",
    "wrong_confident_rate", "silent_rate", "false_conflict_rate", "answer_words",
})


@dataclass
class Summary:
    questions: int
    answerable: int
    unanswerable: int
    accuracy: float | None
    lead_accuracy: float | None
    right_rate: float | None
    wrong_confident_rate: float | None
    silent_rate: float | None
    false_conflict_rate: float | None
    answer_words: float | None
    citation_validity: float | None
    grounded_rate: float | None
    unsupported_claim_rate: float | None
    lexical_support: float | None
    semantic_support: float | None
    llm_faithfulness: float | None
    exact_match: float | None
    f1: float | None
    contains: float | None
    evidence_precision: float | None
    evidence_recall: float | None
    hit_at_k: float | None
    recall_at_k: float | None
    mrr: float | None
    k: int
    abstention_precision: float | None
    abstention_recall: float | None
    false_abstention_rate: float | None
    followup_accuracy: float | None
    conflict_rate: float | None
    silent_false_answer_rate: float | None
    latency_p50_ms: float | None
    latency_p95_ms: float | None
    gold_unresolved: int

    def to_dict(self) -> dict:
        return {k: round(v, 4) if isinstance(v, float) else v for k, v in asdict(self).items()}


def summarize(results: list[Result]) -> Summary:
    answerable = [r for r in results if r.answerable]
    unanswerable = [r for r in results if not r.answerable]
    abstained = [r for r in results if r.abstained]
    citations = [c for r in results for c in r.citations]
    claims = [c for r in results for c in r.claims]
    answered = [r for r in results if r.grounded is not None]
    countered = [r for r in results if r.conflict_surfaced is not None]
    follow_ups = [r for r in results if r.conversation and r.turn > 1]
    with_gold = [r for r in results if r.hit is not None]
    latencies = [r.latency_ms for r in results]
    return Summary(
        questions=len(results), answerable=len(answerable), unanswerable=len(unanswerable),
        accuracy=_share(r.correct for r in results),
        lead_accuracy=_share(r.lead_correct for r in answerable),
        right_rate=_share(r.right for r in results),
        wrong_confident_rate=_share(r.wrong_confident for r in results),
        silent_rate=_share(r.answerable and r.abstained for r in results),
        false_conflict_rate=_share(r.false_conflict for r in results if r.false_conflict is not None),
        answer_words=percentile([r.answer_words for r in results if r.answer_words is not None], 50),
        citation_validity=_share(c.valid for c in citations),
        grounded_rate=_share(r.grounded for r in answered),
        unsupported_claim_rate=_share(not c["supported"] for c in claims),
        lexical_support=mean([c["lexical"] for c in claims]),
        semantic_support=mean([c["semantic"] for c in claims]),
        llm_faithfulness=mean([r.llm_faithfulness for r in answered]),
        exact_match=mean([r.exact_match for r in answerable]),
        f1=mean([r.f1 for r in answerable]),
        contains=mean([r.contains for r in answerable]),
        evidence_precision=mean([r.evidence_precision for r in results if r.evidence_precision is not None]),
        evidence_recall=mean([r.evidence_recall for r in with_gold]),
        hit_at_k=mean([r.hit for r in with_gold]),
        recall_at_k=mean([r.recall_at_k for r in with_gold]),
        mrr=mean([r.reciprocal_rank for r in with_gold]),
        k=max((len(r.retrieved) for r in results), default=0),
        abstention_precision=_share(not r.answerable for r in abstained),
        abstention_recall=_share(r.abstained for r in unanswerable),
        false_abstention_rate=_share(r.abstained for r in answerable),
        followup_accuracy=_share(r.correct for r in follow_ups),
        conflict_rate=_share(r.conflict_surfaced for r in countered),
        silent_false_answer_rate=_share(r.false_answer_only for r in countered),
        latency_p50_ms=percentile(latencies, 50),
        latency_p95_ms=percentile(latencies, 95),
        gold_unresolved=sum(r.gold_unresolved for r in results),
    )


def _share(flags) -> float | None:
    values = [bool(f) for f in flags]
    return sum(values) / len(values) if values else None


def by_type(results: list[Result]) -> dict[str, Summary]:
    groups: dict[str, list[Result]] = {}
    for r in results:
        groups.setdefault(r.type, []).append(r)
    return {name: summarize(group) for name, group in sorted(groups.items())}
