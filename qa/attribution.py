"""Who said it: a quote whose speaker is only "he" or "the source" brings the sentence naming them.

A news answer that drops who said it is wrong, so the sentence that introduces the speaker is
quoted (and cited) before such a quote.
"""
from __future__ import annotations

import re

from index.articles import Article
from index.retrieve import SentenceHit
from index.text import sentence_spans

# "..., the source is quoted as saying." names its speaker only through an earlier sentence.
_ANAPHORIC_ATTRIBUTION = re.compile(
    r"\b(he|she|they|the (source|sources|official|officials|spokesman|spokeswoman|agency|minister|"
    r"general|commander|correspondent|statement|report))\b[^.!?]{0,30}?\b(said|says|added|adds|told|"
    r"is quoted|was quoted|reports|reported|confirmed|claimed)\b",
    re.IGNORECASE,
)
_INTRODUCES_SPEAKER = re.compile(r"\b(said|says|according to|reports?|reported|confirmed|told|statement|quoted)\b", re.IGNORECASE)


def with_attribution(evidence: list[SentenceHit], articles: dict[str, Article]) -> list[SentenceHit]:
    """Evidence plus, before any sentence whose speaker is only "he" or "the source", the sentence
    that introduces that speaker: a news answer that drops who said it is wrong."""
    result: list[SentenceHit] = []
    present = {(s.article_id, s.start) for s in evidence}
    for sentence in evidence:
        context = _speaker_sentence(sentence, articles[sentence.article_id])
        if context and (context.article_id, context.start) not in present:
            present.add((context.article_id, context.start))
            result.append(context)
        result.append(sentence)
    return result


def _speaker_sentence(sentence: SentenceHit, article: Article) -> SentenceHit | None:
    if not _ANAPHORIC_ATTRIBUTION.search(sentence.text):
        return None
    window_start = max(0, sentence.start - 2000)
    spans = sentence_spans(article.text, window_start, sentence.start)
    # The first span of a window that starts mid-article may be a sentence fragment.
    if not spans or (len(spans) == 1 and window_start > 0):
        return None
    previous = spans[-1]
    text = article.text[previous.start:previous.end]
    if not _INTRODUCES_SPEAKER.search(text):
        return None
    return SentenceHit(sentence.article_id, previous.start, previous.end, text, sentence.score,
                       sentence.dense, sentence.lexical, sentence.chunk_rank)
