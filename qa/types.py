"""Plain result objects returned by the public API (JSON-ready through ``to_dict``)."""
from __future__ import annotations

import re
from dataclasses import asdict, dataclass, field
from datetime import date
from email.utils import parsedate_to_datetime

from index.articles import Article


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

    @classmethod
    def of(cls, article: Article, start: int, end: int, score: float) -> "Passage":
        """The span [start, end) of ``article``, quoted exactly."""
        return cls(article.id, article.title, start, end, article.text[start:end], round(float(score), 4))

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
    # Files changed on disk since the index was built and not searched, because re-indexing was
    # turned off (``auto_reindex``); the text says so too.
    left_out: list[str] = field(default_factory=list)
    latency_ms: float = 0.0
    # Milliseconds per stage of answering (freshness, embed_query, search, sentences, compose, llm).
    timings: dict[str, float] = field(default_factory=dict)

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


_ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def article_day(value: str | None) -> str | None:
    """An article's date as YYYY-MM-DD (ISO dates and timestamps, or RFC 2822 as in feeds), else None."""
    if not value:
        return None
    value = value.strip()
    if _ISO_DAY.match(value):
        try:
            return date.fromisoformat(value[:10]).isoformat()
        except ValueError:
            return None
    try:
        return parsedate_to_datetime(value).date().isoformat()
    except (TypeError, ValueError, IndexError):
        return None


@dataclass(frozen=True)
class Scope(_Serialisable):
    """Which articles a question may be answered from: all conditions given must hold.

    ``articles``: these ids only; ``sources``: articles whose source is one of these;
    ``date_from``/``date_to``: inclusive YYYY-MM-DD bounds (articles without a readable date are
    then left out). An empty scope allows every article."""

    articles: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None

    def __post_init__(self):
        for name in ("date_from", "date_to"):
            value = getattr(self, name)
            if value is not None and (not _ISO_DAY.fullmatch(value) or article_day(value) is None):
                raise QAError(f"{name.replace('_', ' ').capitalize()} {value!r} is not a date; write it as YYYY-MM-DD.")
        if self.date_from and self.date_to and self.date_from > self.date_to:
            raise QAError(f"The date range {self.date_from} to {self.date_to} is empty: the start is after the end.")

    @property
    def is_empty(self) -> bool:
        return not (self.articles or self.sources or self.date_from or self.date_to)

    def allows(self, article_id: str, source: str | None, day: str | None) -> bool:
        """``day`` is the article's date as given by ``article_day``."""
        if self.articles and article_id not in self.articles:
            return False
        if self.sources and source not in self.sources:
            return False
        if self.date_from or self.date_to:
            if day is None or (self.date_from and day < self.date_from) or (self.date_to and day > self.date_to):
                return False
        return True

    def __str__(self) -> str:
        parts = []
        if self.articles:
            parts.append(f"{len(self.articles)} article{'s' if len(self.articles) != 1 else ''}")
        if self.sources:
            parts.append("source " + " or ".join(self.sources))
        if self.date_from or self.date_to:
            parts.append(f"dated {self.date_from or '…'} to {self.date_to or '…'}")
        return ", ".join(parts) or "all articles"


@dataclass
class IndexReport(_Serialisable):
    """What an indexing or upload run did, including every file it could not use."""

    articles: int
    chunks: int
    embedded_chunks: int
    removed_articles: int
    seconds: float
    # Files (or records) that could not be read or parsed: each one is listed.
    problems: list[str] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    # Records whose text another article already has: indexed once, so not a problem.
    duplicates: list[str] = field(default_factory=list)
    files_read: int = 0  # corpus files read; the others were unchanged and reused as they were
    # Milliseconds per phase: ingest, then the build's (load_previous, chunk, embed, write), load.
    timings: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return self.summary()

    def summary(self, verbose: bool = False) -> str:
        text = (f"{self.articles} articles, {self.chunks} chunks indexed; {self.embedded_chunks} chunks "
                f"embedded, {self.removed_articles} articles dropped, in {self.seconds:.1f}s")
        if self.duplicates:
            n = len(self.duplicates)
            text += f"\n{n} duplicate record{'s' if n != 1 else ''} indexed once"
            text += ":\n" + "\n".join(f"  - {d}" for d in self.duplicates) if verbose else "; --verbose lists them"
        if self.problems:
            text += "\nNot indexed (could not be read or parsed):\n" + "\n".join(f"  - {p}" for p in self.problems)
        return text


class QAError(Exception):
    """A user-facing error with a clear message (bad question, bad corpus, bad upload)."""
