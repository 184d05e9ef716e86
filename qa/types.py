"""Plain result objects returned by the public API (JSON-ready through ``to_dict``)."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field


class _Serialisable:
    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Passage(_Serialisable):
    """A span of an article: retrieved, or offered as "see also"."""

    article: str
    title: str
    start: int
    end: int
    quote: str
    score: float

    def __str__(self) -> str:
        return f"{self.title} [{self.article} {self.start}-{self.end}]: \"{self.quote}\""


@dataclass(frozen=True)
class Citation(_Serialisable):
    """``assistant.article(c.article).text[c.start:c.end] == c.quote`` always holds when made."""

    n: int
    article: str
    title: str
    start: int
    end: int
    quote: str
    score: float
    article_hash: str

    def __str__(self) -> str:
        return f"[{self.n}] {self.title} ({self.article}, chars {self.start}-{self.end}): \"{self.quote}\""


@dataclass
class Answer(_Serialisable):
    question: str
    text: str
    abstained: bool
    citations: list[Citation] = field(default_factory=list)
    short_answer: str | None = None
    question_type: str = "other"
    # The standalone question actually searched (differs from ``question`` for follow-ups).
    resolved_question: str | None = None
    see_also: list[Passage] = field(default_factory=list)
    # What the retriever alone returned, best first: lets evaluation separate retrieval from answering.
    retrieved: list[Passage] = field(default_factory=list)
    # Sources that give conflicting answers to the question (e.g. two different places).
    conflicts: list[str] = field(default_factory=list)
    unsupported_sentences: list[str] = field(default_factory=list)
    # The reader's calibrated probability that its best answer is right (also when it abstained).
    confidence: float = 0.0
    latency_ms: float = 0.0

    def __str__(self) -> str:
        lines = [self.text]
        if self.citations:
            lines.append("")
            lines.extend(str(c) for c in self.citations)
        if self.see_also:
            lines.append("")
            lines.append("See also:")
            lines.extend(f"  - {p}" for p in self.see_also)
        if self.unsupported_sentences:
            lines.append("")
            lines.append("Dropped (not supported by the passages they cite):")
            lines.extend(f"  - {s}" for s in self.unsupported_sentences)
        return "\n".join(lines)


@dataclass(frozen=True)
class ArticleInfo(_Serialisable):
    id: str
    title: str
    chars: int
    source: str | None = None
    date: str | None = None
    url: str | None = None

    def __str__(self) -> str:
        return f"{self.id}: {self.title} ({self.chars:,} chars)"


@dataclass
class IndexReport(_Serialisable):
    """What an indexing or upload run did, including every file it could not use."""

    articles: int
    chunks: int
    embedded_chunks: int
    removed_articles: int
    seconds: float
    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        text = (f"{self.articles} articles, {self.chunks} chunks indexed; {self.embedded_chunks} chunks "
                f"embedded, {self.removed_articles} articles dropped, in {self.seconds:.1f}s")
        if self.problems:
            text += "\nNot indexed:\n" + "\n".join(f"  - {p}" for p in self.problems)
        return text


class QAError(Exception):
    """A user-facing error with a clear message (bad question, bad corpus, bad upload)."""
