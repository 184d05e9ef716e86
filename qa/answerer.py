"""What every answerer gives the assistant: a draft to cite, or a reasoned abstention.

The assistant retrieves, an ``Answerer`` decides what to say from the retrieved chunks, and the
assistant turns the decision into an ``Answer`` with verified citations. The trained reader
(qa/reader) is the default; the optional LLM writer (qa/llm.py) is an answerer around it that
words the reader's answers with a model and keeps only the sentences their quotes support.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from index.articles import Article
from index.retrieve import ChunkHit, Retriever, SentenceHit
from qa.question import QuestionKind
from qa.settings import Settings


@dataclass(frozen=True)
class Draft:
    """Answer text whose [n] markers point at ``quotes[n - 1]``; ``short_answer`` is its lead."""

    text: str
    quotes: list[SentenceHit]
    short_answer: str | None
    confidence: float
    conflicts: list[str] = field(default_factory=list)
    # Sentences a writer produced that no quote supports (dropped from ``text``, reported to the user).
    unsupported: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class Abstention:
    """The articles don't say: ``related`` when they discuss the subject; ``closest`` for "see also"."""

    related: bool
    closest: list[SentenceHit]
    # How sure the reader was of the best answer it turned down (0 when it had none).
    confidence: float = 0.0


@dataclass(frozen=True)
class Question:
    """One question as the answerer gets it: the text, its kind, and what retrieval found."""

    text: str
    kind: QuestionKind
    hits: list[ChunkHit]
    vector: np.ndarray
    articles: dict[str, Article]
    retriever: Retriever
    settings: Settings  # the asking assistant's, so a per-call override reaches every stage


class Answerer(Protocol):
    def answer(self, question: Question) -> Draft | Abstention: ...
