"""Scoring primitives: SQuAD-style answer matching, character-overlap evidence, retrieval ranks."""
from __future__ import annotations

import re
from dataclasses import dataclass
from statistics import quantiles

from qa.scoring import exact_match, normalize, token_f1  # noqa: F401  (eval's scoring is qa's: one meaning of "right")

# A citation marker as answers write them: "[2]", "[1, 3]", with the space before it.
_MARKER = re.compile(r"\s*\[\d+(?:\s*,\s*\d+)*\]")
_WORD = re.compile(r"\w")


def strip_markers(text: str) -> str:
    """The answer text without its citation markers (and without trailing full stops)."""
    return _MARKER.sub("", text).strip(" .")


def lead(text: str) -> str:
    """What a user reads first: the text before the first citation marker (all of it without one)."""
    return _MARKER.split(text, maxsplit=1)[0].strip()


def word_count(text: str) -> int:
    """Words of the answer text, markers and bare punctuation left out."""
    return sum(1 for token in strip_markers(text).split() if _WORD.search(token))


def contains_answer(text: str, golds: tuple[str, ...] | list[str]) -> float:
    """Whether any gold answer appears (normalised, on word boundaries) in the text."""
    haystack = f" {normalize(text)} "
    return float(any(normalize(g) and f" {normalize(g)} " in haystack for g in golds))


@dataclass(frozen=True)
class Span:
    article: str
    start: int
    end: int

    def overlap(self, other: "Span") -> int:
        if self.article != other.article:
            return 0
        return max(0, min(self.end, other.end) - max(self.start, other.start))


def covered_chars(gold: Span, spans: list[Span]) -> int:
    """Characters of ``gold`` covered by the union of ``spans`` (overlapping citations count once)."""
    covered = [False] * (gold.end - gold.start)
    for span in spans:
        if span.article != gold.article:
            continue
        for i in range(max(span.start, gold.start), min(span.end, gold.end)):
            covered[i - gold.start] = True
    return sum(covered)


def evidence_precision(cited: list[Span], gold: list[Span]) -> float:
    """Share of cited spans that overlap some gold span."""
    if not cited:
        return 0.0
    return sum(any(c.overlap(g) for g in gold) for c in cited) / len(cited)


def evidence_recall(cited: list[Span], gold: list[Span]) -> float:
    """Share of gold characters that the cited spans cover."""
    total = sum(g.end - g.start for g in gold)
    return sum(covered_chars(g, cited) for g in gold) / total if total else 0.0


@dataclass(frozen=True)
class RetrievalScores:
    hit: float
    recall: float
    reciprocal_rank: float


def retrieval_scores(ranked: list[Span], gold: list[Span]) -> RetrievalScores:
    """hit@k, recall@k (share of gold spans touched by some passage) and reciprocal rank."""
    rank = next((i for i, p in enumerate(ranked, start=1) if any(p.overlap(g) for g in gold)), None)
    found = sum(any(p.overlap(g) for p in ranked) for g in gold)
    return RetrievalScores(
        hit=float(rank is not None), recall=found / len(gold) if gold else 0.0,
        reciprocal_rank=1.0 / rank if rank else 0.0,
    )


def percentile(values: list[float], q: int) -> float | None:
    """The q-th percentile (inclusive method); None for no values."""
    if not values:
        return None
    if len(values) == 1:
        return float(values[0])
    return float(quantiles(values, n=100, method="inclusive")[q - 1])


def mean(values: list[float | None]) -> float | None:
    """Mean of the values that apply (``None`` = not measured); None when none do."""
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None
