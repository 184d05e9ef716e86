"""Hybrid retrieval (FAISS dense + BM25, fused) and sentence-level scoring inside the hits."""
from __future__ import annotations

import copy
import math
from collections.abc import Collection
from dataclasses import dataclass
from itertools import islice

import numpy as np

from index.chunking import Chunk
from index.embedding import Embedder
from index.fusion import reciprocal_rank_fusion
from index.ingest import walk_key
from index.store import StoredIndex
from index.text import content_terms, sentence_spans

# A scope of up to this many chunks is searched exactly (its vectors compared one by one), so even
# one short article among 100k chunks finds its passages; wider scopes filter the nearest chunks.
SCOPE_EXACT_CHUNKS = 4_096


@dataclass(frozen=True)
class ChunkHit:
    chunk: Chunk
    score: float
    dense: float
    dense_rank: int | None
    bm25_rank: int | None


@dataclass(frozen=True)
class SentenceHit:
    """One sentence of a retrieved chunk, with offsets into its article."""

    article_id: str
    start: int
    end: int
    text: str
    score: float
    dense: float
    lexical: float
    chunk_rank: int


# Chunks taken from each ranking (dense, BM25) before fusion.
CANDIDATES = 50


class Retriever:
    def __init__(self, index: StoredIndex, embedder: Embedder, candidates: int = CANDIDATES):
        self.index = index
        self.embedder = embedder
        self.candidates = candidates
        self.excluded: frozenset[str] = frozenset()
        self._excluded_chunks = 0
        self._idf = _IdfTable(index)
        self._chunks_of: dict[str, list[int]] | None = None  # built on the first scoped search

    def excluding(self, article_ids: set[str] | frozenset[str]) -> "Retriever":
        """This retriever, never returning chunks of these articles (their files changed on disk
        since indexing and the caller asked for no re-indexing)."""
        view = copy.copy(self)
        view.excluded = frozenset(article_ids)
        view._excluded_chunks = sum(1 for c in self.index.chunks if c.article_id in view.excluded)
        return view

    def embed_query(self, question: str) -> np.ndarray:
        return self.embedder.encode([question])[0]

    def search(self, question: str, k: int, query_vector: np.ndarray | None = None,
               articles: Collection[str] | None = None) -> list[ChunkHit]:
        """The k best chunks; with ``articles``, only chunks of those articles are candidates."""
        if self.index.size == 0:
            return []
        vector = self.embed_query(question) if query_vector is None else query_vector
        if articles is None:
            # Excluded chunks are fetched and dropped, so as many candidates remain as without them.
            n = min(self.candidates + self._excluded_chunks, self.index.size)
            dense = {c: s for c, s in self._dense(vector, n).items() if self._allowed(c)}
            bm25_ranking = [c for c in self._bm25_ranking(question, n) if self._allowed(c)]
        else:
            allowed = [a for a in articles if a not in self.excluded]
            dense, bm25_ranking = self._within(question, vector, min(self.candidates, self.index.size), allowed)
        dense_ranking = sorted(dense, key=lambda c: (-dense[c], self._corpus_order(c)))
        fused = reciprocal_rank_fusion([dense_ranking, bm25_ranking])[:k]
        dense_pos = {c: r for r, c in enumerate(dense_ranking, 1)}
        bm25_pos = {c: r for r, c in enumerate(bm25_ranking, 1)}
        lexical_only = [c for c, _ in fused if c not in dense]
        if lexical_only:
            dense.update(zip(lexical_only, (self.index.vectors.reconstruct_batch(lexical_only) @ vector).tolist()))
        return [ChunkHit(self.index.chunks[c], score, dense[c], dense_pos.get(c), bm25_pos.get(c)) for c, score in fused]

    def _corpus_order(self, chunk: int) -> tuple:
        """Where a chunk comes in the corpus (its file in walk order, then its offset): equal scores
        rank in this order, so a ranking does not depend on which segment holds a chunk."""
        article_id, start = self.index.chunks.place(chunk)
        return walk_key(article_id), start

    def _allowed(self, chunk: int) -> bool:
        return not self.excluded or self.index.chunks[chunk].article_id not in self.excluded

    def _dense(self, vector: np.ndarray, n: int) -> dict[int, float]:
        sims, ids = self.index.vectors.search(vector[None, :], n)
        return {int(i): float(s) for i, s in zip(ids[0], sims[0]) if i >= 0}

    def _within(self, question: str, vector: np.ndarray, n: int,
                articles: Collection[str]) -> tuple[dict[int, float], list[int]]:
        """Dense and BM25 candidates restricted to the chunks of ``articles``."""
        if self._chunks_of is None:
            chunks_of: dict[str, list[int]] = {}
            for position, chunk in enumerate(self.index.chunks):
                chunks_of.setdefault(chunk.article_id, []).append(position)
            self._chunks_of = chunks_of
        allowed = [c for a in articles for c in self._chunks_of.get(a, ())]
        keep = set(allowed)
        if len(allowed) <= SCOPE_EXACT_CHUNKS:
            sims = self.index.vectors.reconstruct_batch(allowed) @ vector if allowed else np.zeros(0)
            dense = {allowed[i]: float(sims[i]) for i in np.argsort(-sims, kind="stable")[:n]}
        else:
            # A wide scope: the nearest chunks overall, fetched in proportion to how much of the index
            # the scope leaves out, then filtered.
            wanted = min(self.index.size, n * -(-self.index.size // len(allowed)))
            dense = dict(islice(((c, s) for c, s in self._dense(vector, wanted).items() if c in keep), n))
        lexical = [c for c in self._bm25_ranking(question, self.index.size) if c in keep][:n] if keep else []
        return dense, lexical

    def _bm25_ranking(self, question: str, n: int) -> list[int]:
        terms = content_terms(question)
        if self.index.bm25 is None or not terms:
            return []
        positions, scores = self.index.bm25.best(terms, n)
        n = min(n, len(positions))
        if n == 0:
            return []
        # Every chunk tied with the n-th best competes for its place.
        tied = np.flatnonzero(scores >= np.partition(scores, len(scores) - n)[len(scores) - n])
        ranked = sorted(tied.tolist(), key=lambda i: (-scores[i], self._corpus_order(int(positions[i]))))
        return [int(positions[i]) for i in ranked[:n]]

    def sentences(self, question: str, hits: list[ChunkHit], query_vector: np.ndarray,
                  limit: int | None = None) -> list[SentenceHit]:
        """The sentences of the hit chunks, scored against the question, best first.

        Embedding sentences is most of the cost of a question, so only the ``limit`` most
        promising are embedded: promise is the same score with the chunk's similarity standing in
        for the sentence's own."""
        seen: set[tuple[str, int]] = set()
        candidates: list[tuple[str, int, int, str, int, float]] = []
        q_terms = set(content_terms(question))
        for rank, hit in enumerate(hits):
            article = self.index.articles[hit.chunk.article_id]
            for span in sentence_spans(article.text, hit.chunk.start, hit.chunk.end):
                key = (article.id, span.start)
                if key in seen:
                    continue
                seen.add(key)
                text = article.text[span.start:span.end]
                lexical = self._idf.overlap(q_terms, set(content_terms(text)))
                candidates.append((article.id, span.start, span.end, text, rank, lexical))
        if not candidates:
            return []
        if limit is not None and len(candidates) > limit:
            promise = [_score(hits[c[4]].dense, c[5], c[4]) for c in candidates]
            keep = sorted(np.argsort(-np.asarray(promise), kind="stable")[:limit])
            candidates = [candidates[i] for i in keep]
        dense = self.embedder.encode([c[3] for c in candidates]) @ query_vector
        results = [SentenceHit(article_id, start, end, text, _score(float(sim), lexical, rank), float(sim), lexical, rank)
                   for (article_id, start, end, text, rank, lexical), sim in zip(candidates, dense)]
        results.sort(key=lambda s: -s.score)
        return results


def _score(dense: float, lexical: float, chunk_rank: int) -> float:
    # Dense similarity carries paraphrase; idf-weighted overlap carries names and rare words;
    # the chunk's rank is a weak prior from the document-level evidence.
    return 0.6 * dense + 0.4 * lexical + 0.05 / (1 + chunk_rank)


class _IdfTable:
    """Inverse document frequency of stemmed terms over chunks, taken from the BM25 model."""

    def __init__(self, index: StoredIndex):
        self.n = max(1, index.size)
        # Looked up per question term (and remembered by the BM25 tables), never for the whole vocabulary.
        self.df = index.bm25.document_frequency if index.bm25 is not None else (lambda term: 0)

    def idf(self, term: str) -> float:
        return math.log(1 + (self.n + 1) / (self.df(term) + 0.5))

    def overlap(self, question_terms: set[str], sentence_terms: set[str]) -> float:
        """Share of the question's idf mass that the sentence contains (0..1)."""
        if not question_terms:
            return 0.0
        total = sum(self.idf(t) for t in question_terms)
        return sum(self.idf(t) for t in question_terms & sentence_terms) / total

