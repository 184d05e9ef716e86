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
        segments = [(p, positions) for p, positions in segments if p.size]
        self.size = size
        length = sum(float(p.lengths[positions >= 0].sum()) for p, positions in segments)
        self.average_length = length / size if size else 1.0
        # Each row's length part of the formula, once: per term it is then one gather, not five passes.
        self.segments = [(p, positions, _offset(positions),
                          K1 * (1 - B + B * p.lengths.astype(np.float64) / self.average_length))
                         for p, positions in segments]
        self._stats: dict[str, tuple[int, float]] = {}
        self._by_position: dict[int, tuple[np.ndarray, np.ndarray]] = {}

    def _live(self, term: str) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Positions, frequencies and length norms of the live rows holding ``term``."""
        found = []
        for postings, positions, offset, norms in self.segments:
            hit = postings.term(term)
            if hit is None:
                continue
            rows, tf = hit
            if offset is not None:  # no dead rows: two gathers fewer over a common term's 100k+ rows
                found.append((rows.astype(np.int64) + offset, tf, norms[rows]))
                continue
            where = positions[rows]
            live = where >= 0
            found.append((where[live], tf[live], norms[rows[live]]))
        return _joined(found)

    def _at(self, term: str, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """What ``_live`` gives, for the positions ``wanted`` only: a binary search of the term's rows
        per position, so a common term's long list is not read through."""
        found = []
        for number, (postings, positions, offset, norms) in enumerate(self.segments):
            hit = postings.term(term)
            if hit is None or not len(hit[0]):
                continue
            rows, tf = hit
            where, mine = self._rows_at(number, wanted)
            at = np.minimum(np.searchsorted(rows, mine), len(rows) - 1)
            holds = rows[at] == mine
            found.append((where[holds], tf[at[holds]], norms[mine[holds]]))
        return _joined(found)

    def _rows_at(self, number: int, wanted: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Which of the positions ``wanted`` segment ``number`` holds, and its rows for them."""
        postings, positions, offset, _ = self.segments[number]
        if offset is not None:
            rows = wanted - offset
            inside = (rows >= 0) & (rows < postings.size)
            return wanted[inside], rows[inside]
        if number not in self._by_position:
            live = np.flatnonzero(positions >= 0)
            order = np.argsort(positions[live], kind="stable")
            self._by_position[number] = positions[live][order], live[order]
        sorted_positions, rows_of = self._by_position[number]
        at = np.minimum(np.searchsorted(sorted_positions, wanted), max(len(sorted_positions) - 1, 0))
        inside = sorted_positions[at] == wanted if len(sorted_positions) else np.zeros(len(wanted), bool)
        return wanted[inside], rows_of[at[inside]]

    def document_frequency(self, term: str) -> int:
        return self._term_stats(term)[0]

    def _term_stats(self, term: str) -> tuple[int, float]:
        """Live rows holding ``term``, and its highest frequency in any row."""
        stats = self._stats.get(term)
        if stats is None:
            df, most = 0, 0.0
            for postings, positions, offset, _ in self.segments:
                hit = postings.term(term)
                if hit is None:
                    continue
                rows, tf = hit
                if offset is None:
                    tf = tf[positions[rows] >= 0]
                df, most = df + len(tf), max(most, float(tf.max()) if len(tf) else 0.0)
            stats = self._stats[term] = (df, most)
        return stats

    def get_scores(self, terms: list[str]) -> np.ndarray:
        """One score per live position; a term given twice counts twice, as in bm25s."""
        return self._scores(terms, None)[0].astype(np.float32)

    def best(self, terms: list[str], top: int) -> tuple[np.ndarray, np.ndarray]:
        """The positions that can be among the ``top`` best for ``terms`` or tie with them, and their
        scores: every position that scores, less those the pruning ruled out."""
        scores, contenders = self._scores(terms, top)
        if contenders is None:
            contenders = np.flatnonzero(scores)
        return contenders, scores[contenders].astype(np.float32)

    def _scores(self, terms: list[str], top: int | None) -> tuple[np.ndarray, np.ndarray | None]:
        """Scores per position and, with ``top``, the positions still contending for the top (None
        where no position was ruled out).

        With ``top``, terms are added rarest first (MaxScore), and once no position could reach the
        ``top``-th best score so far with what the remaining terms can add unless it already has
        enough, those terms are looked up for the positions that do: only they get exact scores. The
        20-50 terms of a long question at 1M chunks then read a few short lists in full, not a million rows."""
        scores = np.zeros(self.size, dtype=np.float64)
        weighted = []
        for term in terms:
            df, most = self._term_stats(term)
            if df:
                idf = _idf(self.size, df)
                # No row gains more than idf * tf / (norm + tf); a norm is above K1 * (1 - B).
                weighted.append((idf * most / (K1 * (1 - B) + most), idf, term))
        weighted.sort(key=lambda item: -item[0])
        remaining = np.cumsum([bound for bound, _, _ in weighted][::-1])[::-1].tolist() + [0.0]
        cut = 0.0  # a score that ``top`` positions already have: the top-th best is at least this
        contenders = None
        for i, (_, idf, term) in enumerate(weighted):
            if top and contenders is None and cut > remaining[i]:
                contenders = np.flatnonzero(scores >= cut - remaining[i])
            where, tf, norms = self._live(term) if contenders is None else self._at(term, contenders)
            scores[where] += idf * tf / (norms + tf)  # a term's live rows are distinct positions
            if top:
                seen = where if contenders is None else contenders
                # No score is above the bounds added so far, so the cut cannot pass what the remaining
                # terms add before those bounds do: until then, finding it is wasted work.
                if len(seen) >= top and remaining[0] - remaining[i + 1] > remaining[i + 1]:
                    cut = max(cut, float(np.partition(scores[seen], len(seen) - top)[len(seen) - top]))
                if contenders is not None:
                    contenders = contenders[scores[contenders] >= cut - remaining[i + 1]]
        return scores, contenders


def _joined(found: list[tuple[np.ndarray, np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    if not found:
        return np.zeros(0, np.int64), np.zeros(0, np.float32), np.zeros(0, np.float64)
    return tuple(np.concatenate(parts) for parts in zip(*found))


def _idf(size: int, df: int) -> float:
    return math.log(1 + (size - df + 0.5) / (df + 0.5))


def _offset(positions: np.ndarray) -> int | None:
    """Where every row of a segment is live, its rows' positions are its row numbers plus this."""
    if len(positions) and positions[0] >= 0 and positions[-1] - positions[0] == len(positions) - 1 \
            and bool((positions >= 0).all()):
        return int(positions[0])
    return None
