"""The article record every other part refers to."""
from __future__ import annotations

import hashlib
from dataclasses import asdict, dataclass


def content_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Article:
    """One ingested article. ``text`` is kept exactly as ingested; offsets index into it."""

    id: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None
    source: str | None = None

    @property
    def hash(self) -> str:
        return content_hash(self.text)

    def to_dict(self) -> dict:
        return asdict(self)

    def __str__(self) -> str:
        return f"{self.title} ({self.id}, {len(self.text):,} chars)"


def title_from_text(text: str) -> str:
    """The first non-empty line, the convention for plain-text and Markdown articles."""
    for line in text.splitlines():
        line = line.strip().lstrip("#").strip()
        if line:
            return line[:200]
    return ""
