"""From a window's start/end logits to scored character spans (numpy; shared by training and answering)."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from qa.reader.features import Window


@dataclass(frozen=True)
class SpanScore:
    passage: int
    start: int  # character offsets into that passage
    end: int
    score: float  # start logit + end logit
    null: float  # the window's no-answer score (both logits at [CLS])
    answerable: float  # the window's answerability logit
    rank: int = 0  # its place among its window's best spans, 0 = the best
    # The share of the reader's members whose own answer overlaps this span (``member_support``).
    support: float = 1.0


def best_spans(window: Window, start_logits: np.ndarray, end_logits: np.ndarray, answerable: float,
               max_answer_tokens: int, top: int = 5) -> list[SpanScore]:
    """The ``top`` highest-scoring passage spans of one window (start <= end, length capped)."""
    n = len(window.ids)
    in_passage = window.offsets[:n, 0] >= 0
    starts = np.where(in_passage, start_logits[:n], -np.inf)
    ends = np.where(in_passage, end_logits[:n], -np.inf)
    null = float(start_logits[0] + end_logits[0])
    # Pair scores within the length band only: an n x n matrix, masked to 0 <= end - start < max.
    pair = starts[:, None] + ends[None, :]
    offset = np.arange(n)[None, :] - np.arange(n)[:, None]
    pair = np.where((offset >= 0) & (offset < max_answer_tokens), pair, -np.inf)
    flat = np.argsort(-pair, axis=None)[:top]
    spans = []
    for index in flat:
        s, e = divmod(int(index), n)
        if not np.isfinite(pair[s, e]):
            break
        spans.append(SpanScore(window.passage, int(window.offsets[s, 0]), int(window.offsets[e, 1]),
                               float(pair[s, e]), null, float(answerable), len(spans)))
    return spans


def member_support(span: SpanScore, answers: list[SpanScore | None]) -> float:
    """The share of the members' own answers (each member's most probable span over every window,
    None where it found none) that overlap ``span`` in its passage: members fitted apart agree on a
    right answer more often than on a wrong one."""
    agreeing = sum(1 for a in answers if a is not None and a.passage == span.passage
                   and a.start < span.end and span.start < a.end)
    return agreeing / len(answers) if answers else 1.0


FEATURES = ("span_minus_null", "answerable_logit", "span_score")


def answer_features(span: SpanScore) -> list[float]:
    """What the answerability calibration sees; training fits it on exactly these."""
    return [span.score - span.null, span.answerable, span.score]
