"""BM25 over index segments, scored at query time with the statistics of the live chunks only.

Each segment keeps term frequencies (a term -> rows table) and row lengths, not finished scores, so a
small second segment and rows marked dead change nothing but the statistics the formula reads: N,
document frequencies and the average length are taken over live rows of every segment, and the
scores equal those of one model built over the live chunks alone. The formula is Lucene's BM25,
bm25s's default, which this replaced.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import orjson

from index.arrays import load_array

K1 = 1.5
B = 0.75
_ARRAYS = ("indptr", "rows", "tf", "lengths")


@dataclass(frozen=True)
class Postings:
    """One segment's terms: rows ``rows[indptr[t]:indptr[t + 1]]`` hold term ``t``, ``tf`` times each."""

    vocab: dict[str, int]
    indptr: np.ndarray  # int64, one more than the vocabulary
    rows: np.ndarray  # int32
    tf: np.ndarray  # float32
    lengths: np.ndarray  # float32, terms per row

    @property
    def size(self) -> int:
        return len(self.lengths)

    @classmethod
    def from_terms(cls, docs: list[list[str]]) -> "Postings":
        vocab: dict[str, int] = {}
        ids = np.fromiter((vocab.setdefault(t, len(vocab)) for doc in docs for t in doc), dtype=np.int64)
        lengths = np.fromiter((len(d) for d in docs), dtype=np.int64, count=len(docs))
        n = max(1, len(docs))
        # One sort of (term, row) keys gives each term's rows in order and the counts are the frequencies.
        keys, tf = np.unique(ids * n + np.repeat(np.arange(len(docs)), lengths), return_counts=True)
        terms = keys // n
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(vocab)), out=indptr[1:])
        return cls(vocab, indptr, (keys % n).astype(np.int32), tf.astype(np.float32), lengths.astype(np.float32))

    @classmethod
    def empty(cls) -> "Postings":
        return cls.from_terms([])

    def term(self, term: str) -> tuple[np.ndarray, np.ndarray] | None:
        t = self.vocab.get(term)
        if t is None:
            return None
        span = slice(self.indptr[t], self.indptr[t + 1])
        return self.rows[span], self.tf[span]

    def take(self, keep: np.ndarray) -> "Postings":
        """Only the rows ``keep`` (sorted), renumbered from 0 in that order."""
        keep = np.asarray(keep, dtype=np.int64)
        new_row = np.full(self.size, -1, dtype=np.int64)
        new_row[keep] = np.arange(len(keep))
        mapped = new_row[self.rows]
        kept = mapped >= 0
        indptr = np.zeros_like(self.indptr)
        np.cumsum(np.bincount(self._row_terms()[kept], minlength=len(self.vocab)), out=indptr[1:])
        return Postings(self.vocab, indptr, mapped[kept].astype(np.int32), self.tf[kept], self.lengths[keep])

    def concat(self, other: "Postings") -> "Postings":
        """These rows, then ``other``'s, in one table."""
        vocab = dict(self.vocab)
        remap = np.fromiter((vocab.setdefault(term, len(vocab)) for term in other.vocab), dtype=np.int64,
                            count=len(other.vocab))
        terms = np.concatenate([self._row_terms(), remap[other._row_terms()]])
        rows = np.concatenate([self.rows.astype(np.int64), other.rows.astype(np.int64) + self.size])
        order = np.lexsort((rows, terms))
        indptr = np.zeros(len(vocab) + 1, dtype=np.int64)
        np.cumsum(np.bincount(terms, minlength=len(vocab)), out=indptr[1:])
        return Postings(vocab, indptr, rows[order].astype(np.int32), np.concatenate([self.tf, other.tf])[order],
                        np.concatenate([self.lengths, other.lengths]))

    def _row_terms(self) -> np.ndarray:
        """The term of each entry of ``rows``."""
        return np.repeat(np.arange(len(self.vocab), dtype=np.int64), np.diff(self.indptr))

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "vocab.json").write_bytes(orjson.dumps(list(self.vocab)))
        for name in _ARRAYS:
            np.save(folder / f"{name}.npy", getattr(self, name), allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> "Postings":
        terms = orjson.loads((folder / "vocab.json").read_bytes())
        # Memory-mapped: a query reads only its terms' rows (370 MB of tables at 1M chunks).
        arrays = {name: load_array(folder / f"{name}.npy", mapped=True) for name in _ARRAYS}
        postings = cls({t: i for i, t in enumerate(terms)}, **arrays)
        rows = len(postings.rows)
        if len(postings.indptr) != len(terms) + 1 or postings.indptr[-1] != rows or len(postings.tf) != rows:
            raise ValueError(f"BM25 tables in {folder} do not fit together")
        return postings


class Lexical:
    """BM25 scores over live chunk positions; ``segments`` pairs each segment's postings with the
    live position of each of its rows (-1 for a dead row)."""

    def __init__(self, segments: list[tuple[Postings, np.ndarray]], size: int):
        self.segments = [(p, positions, _offset(positions)) for p, positions in segments if p.size]
        self.size = size
        length = sum(float(p.lengths[positions >= 0].sum()) for p, positions, _ in self.segments)
        self.average_length = length / size if size else 1.0
        self._df: dict[str, int] = {}

    def _live(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions, frequencies and lengths of the live rows holding ``term``."""
        found = []
        for postings, positions, offset in self.segments:
            hit = postings.term(term)
            if hit is None:
                continue
            rows, tf = hit
            if offset is not None:  # no dead rows: two gathers fewer over a common term's 100k+ rows
                found.append((rows.astype(np.int64) + offset, tf, postings.lengths[rows]))
                continue
            where = positions[rows]
            live = where >= 0
            found.append((where[live], tf[live], postings.lengths[rows[live]]))
        if not found:
            return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float32)
        return tuple(np.concatenate(parts) for parts in zip(*found))

    def document_frequency(self, term: str) -> int:
        df = self._df.get(term)
        if df is None:
            df = self._df[term] = len(self._live(term)[0])
        return df

    def get_scores(self, terms: list[str]) -> np.ndarray:
        """One score per live position; a term given twice counts twice, as in bm25s."""
        scores = np.zeros(self.size, dtype=np.float64)
        for term in terms:
            where, tf, lengths = self._live(term)
            if not len(where):
                continue
            df = len(where)
            idf = math.log(1 + (self.size - df + 0.5) / (df + 0.5))
            norm = K1 * (1 - B + B * lengths.astype(np.float64) / self.average_length)
            scores[where] += idf * tf / (norm + tf)  # a term's live rows are distinct positions
        return scores.astype(np.float32)


def _offset(positions: np.ndarray) -> int | None:
    """Where every row of a segment is live, its rows' positions are its row numbers plus this."""
    if len(positions) and positions[0] >= 0 and positions[-1] - positions[0] == len(positions) - 1 \
            and bool((positions >= 0).all()):
        return int(positions[0])
    return None
