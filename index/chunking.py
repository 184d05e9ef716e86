"""Sentence-aware chunking through llama-index, with exact character offsets.

llama-index's ``SentenceSplitter`` decides where chunks break; we then locate every chunk in
the article ourselves, because the splitter strips and re-joins whitespace and its own
``start_char_idx`` is missing whenever the chunk text is not a verbatim substring.  The chunk
text we keep is always ``article.text[start:end]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from index.articles import Article
from index.text import sentence_spans

_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class Chunk:
    article_id: str
    start: int
    end: int
    text: str

    def __str__(self) -> str:
        return f"{self.article_id}[{self.start}:{self.end}] {self.text[:60]!r}"


def count_tokens(text: str) -> list[str]:
    # A word-piece-like count that needs no tokenizer file: close enough to MiniLM's for sizing.
    return _TOKEN.findall(text)


@lru_cache(maxsize=8)
def _splitter(chunk_size: int, chunk_overlap: int):
    from llama_index.core.node_parser import SentenceSplitter

    return SentenceSplitter(
        chunk_size=chunk_size, chunk_overlap=chunk_overlap, tokenizer=count_tokens,
        paragraph_separator="\n\n", include_metadata=False, include_prev_next_rel=False,
        chunking_tokenizer_fn=sentences_joined,
    )


def sentences_joined(text: str) -> list[str]:
    """``text`` cut where the reader's sentences begin (``index.text.sentence_spans``), each piece
    running to the next one's start, so that joined they give ``text`` back, as the splitter expects.

    The splitter's own sentence tokenizer is NLTK's punkt: importing NLTK costs every `qa index`
    3-5 s before the first chunk, and punkt can break a sentence where the reader does not, so a
    chunk could end inside the sentence an answer quotes."""
    starts = [span.start for span in sentence_spans(text)]
    if not starts:
        return [text] if text else []
    starts[0] = 0
    return [text[a:b] for a, b in zip(starts, starts[1:] + [len(text)])]


def chunk_article(article: Article, chunk_size: int, chunk_overlap: int) -> list[Chunk]:
    chunks = []
    cursor = 0
    for piece in _splitter(chunk_size, chunk_overlap).split_text(article.text):
        span = locate(article.text, piece, cursor)
        if span is None:
            continue
        start, end = span
        chunks.append(Chunk(article.id, start, end, article.text[start:end]))
        # Overlapping chunks may start before the previous chunk's end, never before its start.
        cursor = start + 1
    return chunks


def locate(text: str, piece: str, cursor: int = 0) -> tuple[int, int] | None:
    """Offsets of ``piece`` in ``text`` at or after ``cursor``; whitespace differences tolerated."""
    piece = piece.strip()
    if not piece:
        return None
    found = text.find(piece, cursor)
    if found >= 0:
        return found, found + len(piece)
    parts = piece.split()
    pattern = re.compile(r"\s+".join(re.escape(p) for p in parts))
    match = pattern.search(text, cursor) or pattern.search(text)
    return (match.start(), match.end()) if match else None
