"""The persisted index: articles, chunk offsets, FAISS vectors and BM25, written atomically.

Layout of an index directory::

    CURRENT            name of the live generation (replaced atomically with os.replace)
    gen-<id>/          one complete, immutable generation
        manifest.json  settings, counts, sizes and sha256 of every other file
        articles.jsonl the exact article texts the offsets refer to         \
        article_ids.json, article_offsets.npy, article_hashes.npy  each     |
                       article's id, byte offset in articles.jsonl (texts   | the main segment
                       are read on demand) and content hash                 |
        chunks.npy     [article index, start, end] per vector row           |
        faiss.index    written by llama-index's FaissVectorStore (absent     |
                       where vectors live in Milvus); memory-mapped on load |
        bm25/          term frequencies of stemmed content words (lexical)  /
        delta/         the same for articles added since the main segment was written
                       (vectors.npy instead of faiss.index); absent when there are none
        dead.json      main-segment articles removed since it was written (their rows are skipped)
        sources.json   the corpus files the articles were read from (freshness checks, index/sources.py)

A writer builds a whole new generation beside the live one and only then flips CURRENT, so a
crash at any moment leaves the previous generation loadable. A full build writes one main segment,
reusing the vectors of unchanged articles. Adding, changing or removing a few articles (``append``)
hard-links the main segment's files into the new generation and writes only the small delta, the
dead list and the sources: the cost follows the change, not the corpus. When the delta outgrows
``IndexParams.delta_max_chunks`` it is folded into a new main segment (FAISS ``add``; no rebuild), and
when dead rows pass ``compact_dead_share`` of it the main segment is rebuilt without them.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Mapping, Sequence

import numpy as np
import orjson

from index.arrays import load_array
from index.articles import Article
from index.chunking import Chunk, chunk_article
from index.embedding import Embedder
from index.lexical import Lexical, Postings
from index.segments import SegmentedVectors
from index.sources import Snapshot, SourceFile
from index.tables import ArticleFile, ChunkRows, LiveArticles, LiveChunks, article_ids, write_content_hashes
from index.text import content_terms
from index.timing import Laps
from index.vectors import (MILVUS, VectorStoreError, MilvusVectors, VectorStoreConfig, chunk_key, drop_articles,
                           drop_other_collections, new_collection_name, open_milvus, write_milvus)

# 2: segments (main, delta, dead list) and term-frequency BM25 tables. Article ids and offsets and
# chunks.npy came later in the same format: a segment written before has chunks.json instead and is
# read whole (it may live on, hard-linked, in later generations until the next full write).
FORMAT_VERSION = 2
CURRENT = "CURRENT"
SOURCES = "sources.json"
DEAD = "dead.json"
DELTA = "delta"
FLAT, HNSW, IVF = "flat", "hnsw", "ivf"  # FAISS index types of the main segment, by size
CONFIRMED = ".sources-confirmed"  # files found unchanged since, by hash; not part of the manifest
VERIFIED = ".verified"  # stat of each file when its checksum last matched; not part of the manifest


class IndexCorrupt(RuntimeError):
    """The index on disk is damaged; ``qa index --rebuild`` recreates it."""


class StaleIndex(RuntimeError):
    """Another writer replaced the generation an append started from; the caller builds in full."""


@dataclass(frozen=True)
class IndexParams:
    """What a generation is built with; the values come from the caller (qa's settings)."""

    model: str
    chunk_size: int
    chunk_overlap: int
    hnsw_threshold: int
    vectors: VectorStoreConfig
    # Chunks the delta segment may hold before it is folded into the main one.
    delta_max_chunks: int
    # Share of the main segment's rows that may be dead before it is rebuilt without them.
    compact_dead_share: float
    # Rows from which the main segment is an inverted-file index instead of HNSW (at least 1).
    ivf_threshold: int

    def identity(self, index_dir: Path) -> dict:
        """Everything a stored vector depends on: a generation may reuse vectors only where it matches."""
        return {"model": self.model, "chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap,
                **self.vectors.identity(index_dir)}

    def compatible(self, manifest: dict, index_dir: Path) -> bool:
        return manifest.get("format") == FORMAT_VERSION and manifest.get("params", {}) == self.identity(index_dir)

    def index_type(self, rows: int) -> str:
        if rows >= self.ivf_threshold:
            return IVF
        return HNSW if rows >= self.hnsw_threshold else FLAT


@dataclass
class BuildReport:
    articles: int = 0
    chunks: int = 0
    embedded_articles: int = 0
    embedded_chunks: int = 0
    removed_articles: int = 0
    seconds: float = 0.0
    # "full" (a whole new main segment), "append" (delta and dead list only), "fold" (the delta
    # added into a new main segment) or "compact" (the main segment rebuilt without dead rows).
    mode: str = "full"
    # Milliseconds per phase: load_previous, chunk, embed, write.
    timings: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{self.articles} articles, {self.chunks} chunks; embedded {self.embedded_chunks} chunks "
                f"from {self.embedded_articles} new or changed articles, dropped {self.removed_articles} "
                f"in {self.seconds:.1f}s ({self.mode})")


@dataclass
class Segment:
    """Articles and their chunks, one chunk per row of the segment's vector and BM25 tables (lists,
    or where the segment was read from disk, an ArticleFile and ChunkRows over it)."""

    articles: Sequence[Article]
    chunks: Sequence[Chunk]
    row_article: np.ndarray  # index into ``articles`` of each row's article
    postings: Postings
    vectors: object  # main: a faiss index (None where vectors live in Milvus); delta: an array

    @classmethod
    def of(cls, articles: list[Article], chunks: list[Chunk], vectors, postings: Postings | None = None) -> "Segment":
        number = {a.id: i for i, a in enumerate(articles)}
        row_article = np.fromiter((number[c.article_id] for c in chunks), dtype=np.int64, count=len(chunks))
        if postings is None:
            postings = Postings.from_terms([content_terms(_bm25_text(c, articles[i])) or [""]
                                            for c, i in zip(chunks, row_article)])
        return cls(articles, chunks, row_article, postings, vectors)


@dataclass
class Segments:
    main: Segment
    delta: Segment
    dead: frozenset[int] = frozenset()  # indexes into ``main.articles`` of removed articles

    def main_alive(self) -> np.ndarray:
        """Per main row: does its article still count?"""
        alive = np.ones(len(self.main.articles), dtype=bool)
        alive[list(self.dead)] = False
        return alive[self.main.row_article]


@dataclass
class StoredIndex:
    """A loaded generation: everything retrieval needs, read-only."""

    path: Path
    manifest: dict
    articles: Mapping[str, Article]  # live articles by id, texts read on demand
    chunks: LiveChunks  # live chunks, by position (the ids vector and BM25 searches return)
    vectors: object  # SegmentedVectors, or MilvusVectors offering the same calls
    bm25: Lexical | None
    sources: Snapshot | None  # None for a generation written before snapshots were kept
    segments: Segments | None = None
    _hashes: dict[str, str] | None = field(default=None, repr=False)

    @property
    def size(self) -> int:
        return len(self.chunks)

    def article_hashes(self) -> dict[str, str]:
        """Content hash -> article id of every live article (hashed once per index, then carried on)."""
        if self._hashes is None:
            self._hashes = self.articles.hashes()
        return self._hashes


@contextmanager
def writer_lock(index_dir: Path):
    """One writer at a time per index directory (other processes and threads wait)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".lock", "a+") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


_GENERATION_NAME = re.compile(r"gen-[0-9A-Za-z-]+")


def current_generation(index_dir: Path) -> Path | None:
    """The live generation's folder; None where no index was written or the pointer is damaged."""
    try:
        return _read_pointer(index_dir)
    except IndexCorrupt:
        return None


def _read_pointer(index_dir: Path) -> Path | None:
    try:
        raw = (index_dir / CURRENT).read_bytes()
    except (FileNotFoundError, NotADirectoryError):  # no index there (a corpus path that is a file)
        return None
    name = raw.decode("ascii", errors="replace").strip()
    if not _GENERATION_NAME.fullmatch(name):
        raise IndexCorrupt(f"index pointer {index_dir / CURRENT} is damaged; run `qa index --rebuild`")
    return index_dir / name


def load(index_dir: str | os.PathLike, verify: bool = True, vector_token: str = "") -> StoredIndex | None:
    """The live generation, or None where no index was ever written; IndexCorrupt if damaged."""
    index_dir = Path(index_dir)
    for _ in range(3):
        gen = _read_pointer(index_dir)
        if gen is None:
            return None
        try:
            return _load_generation(gen, verify, vector_token)
        except IndexCorrupt:
            # A writer in another process may have flipped CURRENT and removed this generation
            # while we read it; that is not damage, so read the new one.
            if current_generation(index_dir) == gen:
                raise
    raise IndexCorrupt(f"index in {index_dir} kept changing while it was read; try again")


def _load_generation(gen: Path, verify: bool, vector_token: str) -> StoredIndex:
    try:
        manifest = _read_manifest(gen)
        if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
            raise ValueError("not an index manifest")
    except (OSError, ValueError) as exc:
        raise IndexCorrupt(f"index manifest unreadable in {gen}: {exc}; run `qa index --rebuild`") from exc
    if manifest.get("format") != FORMAT_VERSION:
        raise IndexCorrupt(f"the index in {gen} was written by another version (format {manifest.get('format')}, "
                           f"this one reads {FORMAT_VERSION}); run `qa index --rebuild`")
    try:
        if verify:
            _verify_files(gen, manifest["files"])
    except OSError as exc:
        raise IndexCorrupt(f"index files in {gen} could not be read ({exc}); run `qa index --rebuild`") from exc
    try:
        return _read_generation(gen, manifest, vector_token)
    except VectorStoreError:
        raise
    except Exception as exc:  # any parse failure of a verified file still means damage
        raise IndexCorrupt(f"index files in {gen} could not be read ({exc}); run `qa index --rebuild`") from exc


def _read_manifest(gen: Path) -> dict:
    """The generation's manifest (a ValueError where it is not valid JSON)."""
    return orjson.loads((gen / "manifest.json").read_bytes())


def _verify_files(gen: Path, files: dict) -> None:
    """Sizes always; checksums unless every file still has the size, mtime and inode it had when
    its checksum last matched (hashing 280 MB at 100k chunks was a third of a second of start-up).
    Any write to a file, truncation or replacement changes those, so the full check runs again."""
    stats = {}
    for name, expected in files.items():
        path = gen / name
        if not path.is_file():
            raise IndexCorrupt(f"index file missing: {path}; run `qa index --rebuild`")
        if not isinstance(expected, dict) or path.stat().st_size != expected.get("size"):
            raise IndexCorrupt(f"index file corrupted or truncated: {path}; run `qa index --rebuild`")
        stats[name] = _stat_key(path)
    if _read_verified(gen) == stats:
        return
    for name, expected in files.items():
        if _sha256(gen / name) != expected.get("sha256"):
            raise IndexCorrupt(f"index file corrupted or truncated: {gen / name}; run `qa index --rebuild`")
    _write_verified(gen, stats)


def _read_verified(gen: Path) -> dict:
    try:
        stats = json.loads((gen / VERIFIED).read_text())
    except (OSError, ValueError):
        return {}
    return stats if isinstance(stats, dict) else {}


def _stat_key(path: Path) -> list[int]:
    stat = path.stat()
    return [stat.st_size, stat.st_mtime_ns, stat.st_ino]


def _write_verified(gen: Path, stats: dict) -> None:
    stamp = gen / f"{VERIFIED}.{uuid.uuid4().hex[:8]}.tmp"
    try:
        stamp.write_text(json.dumps(stats))
        os.replace(stamp, gen / VERIFIED)
    except OSError:
        stamp.unlink(missing_ok=True)  # a read-only index is simply verified in full each time


def _read_generation(gen: Path, manifest: dict, vector_token: str) -> StoredIndex:
    stored = manifest.get("vectors", {})
    milvus = stored.get("kind") == MILVUS
    main_vectors = None if milvus else read_faiss(gen / "faiss.index", manifest.get("index_type"), mapped=True)
    main = _read_segment(gen, main_vectors)
    dim = main_vectors.d if main_vectors is not None else stored.get("dim", 0)
    if (gen / DELTA).is_dir():
        delta = _read_segment(gen / DELTA, load_array(gen / DELTA / "vectors.npy"))
    else:
        delta = _empty_segment(dim)
    dead = frozenset(orjson.loads((gen / DEAD).read_bytes())) if (gen / DEAD).exists() else frozenset()
    sources = Snapshot.from_json((gen / SOURCES).read_bytes(), gen / CONFIRMED) if (gen / SOURCES).exists() else None
    segments = Segments(main, delta, dead)
    vectors = None
    if milvus:
        store = open_milvus(stored["uri"], vector_token, stored["collection"], stored["dim"])
        vectors = MilvusVectors(store, [chunk_key(main.articles[i].hash, c.start, c.end)
                                        for c, i in zip(main.chunks, main.row_article)])
    return _assemble(gen, manifest, segments, sources, vectors)


def _read_segment(folder: Path, vectors) -> Segment:
    if (folder / "chunks.npy").exists():
        # Texts stay in the file until asked for: parsing them all took 1 s of a cold start at 100k chunks.
        articles = ArticleFile(folder / "articles.jsonl", load_array(folder / "article_offsets.npy"),
                               orjson.loads((folder / "article_ids.json").read_bytes()))
        rows = load_array(folder / "chunks.npy", mapped=True)
    else:  # written before the offsets were kept
        articles = ArticleFile.scan(folder / "articles.jsonl")
        rows = np.array(orjson.loads((folder / "chunks.json").read_bytes()), dtype=np.int64).reshape(-1, 3)
    if rows.ndim != 2 or rows.shape[1] != 3 or (len(rows) and not 0 <= rows[:, 0].min() <= rows[:, 0].max() < len(articles)):
        raise ValueError(f"chunk table in {folder} does not fit its articles")
    return Segment(articles, ChunkRows(articles, rows), np.array(rows[:, 0]), Postings.load(folder / "bm25"), vectors)


def _empty_segment(dim: int) -> Segment:
    return Segment([], [], np.zeros(0, dtype=np.int64), Postings.empty(), np.zeros((0, dim), dtype=np.float32))


def _assemble(path: Path, manifest: dict, segments: Segments, sources: Snapshot | None,
              vectors=None, hashes: dict[str, str] | None = None) -> StoredIndex:
    """The searchable view of ``segments``: live chunks numbered main first, then delta."""
    main, delta = segments.main, segments.delta
    alive = segments.main_alive()
    live_main = int(alive.sum())
    main_positions = np.where(alive, np.cumsum(alive) - 1, -1)
    delta_positions = np.arange(len(delta.chunks), dtype=np.int64) + live_main
    chunks = LiveChunks(main.chunks, np.flatnonzero(alive), delta.chunks)
    articles = LiveArticles(main.articles, segments.dead, delta.articles)
    if vectors is None:
        vectors = SegmentedVectors(main.vectors, main_positions, delta.vectors)
    bm25 = Lexical([(main.postings, main_positions), (delta.postings, delta_positions)], len(chunks)) if len(chunks) else None
    return StoredIndex(path, manifest, articles, chunks, vectors, bm25, sources, segments, hashes)


def build(
    articles: list[Article],
    index_dir: str | os.PathLike,
    embedder: Embedder,
    params: IndexParams,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    vector_token: str = "",
    sources: dict[str, SourceFile] | None = None,
    previous: StoredIndex | None = None,
) -> BuildReport:
    """Write a new generation for exactly ``articles`` (read from ``sources``), reusing vectors of
    unchanged ones (from ``previous`` where the caller has the live index open, else read from disk)."""
    index_dir = Path(index_dir)
    started = time.perf_counter()
    report = BuildReport(articles=len(articles))
    milvus = params.vectors.kind == MILVUS
    with writer_lock(index_dir):
        laps = Laps()  # after the lock: waiting for another writer is no phase of this build
        if rebuild:
            previous = None
        elif previous is None or previous.path != current_generation(index_dir) \
                or not params.compatible(previous.manifest, index_dir):
            previous = load_reusable(index_dir, params, vector_token)
        # Milvus keeps the rows of unchanged articles where they are; FAISS copies them into the new file.
        old_by_hash = _chunks_by_article(previous, with_vectors=not milvus) if previous else {}
        laps.lap("load_previous")
        chunks, vectors, to_embed = _chunk_or_reuse(articles, old_by_hash, params)
        laps.lap("chunk")
        _embed(embedder, to_embed, vectors, progress)
        laps.lap("embed")
        report.embedded_articles = len(to_embed)
        report.embedded_chunks = sum(len(c) for _, _, c in to_embed)
        report.chunks = len(chunks)
        kept = {a.hash for a in articles}
        # Stored hashes: going through the articles would parse every text of an index read from disk.
        removed = [h for h in previous.article_hashes() if h not in kept] if previous else []
        report.removed_articles = len(removed)
        dim = embedder.dimension
        if milvus:
            location, store = _write_milvus_rows(index_dir, params, vector_token, previous, dim, to_embed, vectors)
            _write_generation(index_dir, Segments(Segment.of(articles, chunks, None), _empty_segment(dim)),
                              params, sources, location)
            # Only after the switch: until then the live generation still needs these rows.
            drop_articles(store, removed)
            drop_other_collections(store, index_dir, keep=location["collection"])
        else:
            matrix = np.concatenate([v for v in vectors if v is not None and len(v)] or [np.zeros((0, dim), np.float32)])
            main = Segment.of(articles, chunks, make_faiss_index(matrix, params.index_type(len(matrix))))
            _write_generation(index_dir, Segments(main, _empty_segment(dim)), params, sources)
        laps.lap("write")
    report.seconds = time.perf_counter() - started
    report.timings = laps.ms
    return report


def _chunk_or_reuse(articles: list[Article], reusable: dict[str, tuple[list[Chunk], np.ndarray | None]],
                    params: IndexParams) -> tuple[list[Chunk], list, list[tuple[int, Article, list[Chunk]]]]:
    """The chunks of ``articles`` and one vector block per article: taken from ``reusable`` (by content
    hash) where the text was indexed before, else cut anew, with a placeholder, and listed to embed."""
    chunks: list[Chunk] = []
    vectors: list[np.ndarray | None] = []
    to_embed: list[tuple[int, Article, list[Chunk]]] = []
    for article in articles:
        reused = reusable.get(article.hash)
        if reused is not None:
            chunks.extend(Chunk(article.id, c.start, c.end, c.text) for c in reused[0])
            vectors.append(reused[1])
        else:
            new_chunks = chunk_article(article, params.chunk_size, params.chunk_overlap)
            to_embed.append((len(vectors), article, new_chunks))
            chunks.extend(new_chunks)
            vectors.append(None)  # filled in article order once embedded
    return chunks, vectors, to_embed


# Chunks are embedded this many at a time across articles, not article by article: each call has its
# own set-up (tokenising, arrays, a lock), and an article has two or three chunks. The block is small
# enough for progress to move every few seconds.
EMBED_BLOCK_CHUNKS = 512


def _embed(embedder: Embedder, to_embed: list[tuple[int, Article, list[Chunk]]], vectors: list,
           progress: Callable[[int, int], None] | None) -> None:
    total = sum(len(c) for _, _, c in to_embed)
    done = 0
    for block in _blocks(to_embed):
        encoded = embedder.encode([c.text for _, chunks in block for c in chunks])
        at = 0
        for slot, chunks in block:
            vectors[slot] = encoded[at:at + len(chunks)]
            at += len(chunks)
        done += at
        if progress:
            progress(done, total)


def _blocks(to_embed: list[tuple[int, Article, list[Chunk]]]):
    """(slot, chunks) of whole articles, in order, about EMBED_BLOCK_CHUNKS chunks at a time."""
    block: list[tuple[int, list[Chunk]]] = []
    size = 0
    for slot, _, chunks in to_embed:
        block.append((slot, chunks))
        size += len(chunks)
        if size >= EMBED_BLOCK_CHUNKS:
            yield block
            block, size = [], 0
    if block:
        yield block


def append(
    index_dir: str | os.PathLike,
    previous: StoredIndex,
    added: list[Article],
    removed: set[str],
    embedder: Embedder,
    params: IndexParams,
    sources: dict[str, SourceFile],
    progress: Callable[[int, int], None] | None = None,
) -> tuple[BuildReport, StoredIndex]:
    """The live index ``previous`` with the articles ``removed`` (ids) taken out and ``added`` put in,
    written as a new generation that shares the main segment's files; the new index comes back
    ready to search, nothing read again from disk. StaleIndex where ``previous`` is no longer live."""
    index_dir = Path(index_dir)
    started = time.perf_counter()
    with writer_lock(index_dir):
        laps = Laps()
        if previous.segments is None or previous.segments.main.vectors is None \
                or current_generation(index_dir) != previous.path:
            raise StaleIndex(f"the index in {index_dir} changed since it was opened")
        segments = previous.segments
        main, delta = segments.main, segments.delta
        hashes = dict(previous.article_hashes())
        main_number = {article_id: i for i, article_id in enumerate(article_ids(main.articles)) if i not in segments.dead}
        dead = set(segments.dead) | {main_number[i] for i in removed if i in main_number}
        # Texts that were indexed before (a record moved, a file rewritten with the same records)
        # keep their chunks and vectors.
        reusable = _removed_chunks(previous, removed)
        for article_id in removed:
            hashes.pop(previous.articles[article_id].hash, None)
        hashes.update((article.hash, article.id) for article in added)
        laps.lap("load_previous")
        new_chunks, vectors, to_embed = _chunk_or_reuse(added, reusable, params)
        laps.lap("chunk")
        _embed(embedder, to_embed, vectors, progress)
        laps.lap("embed")
        keep_articles = [a for a in delta.articles if a.id not in removed]
        keep_rows = np.flatnonzero(np.isin(delta.row_article,
                                           [i for i, a in enumerate(delta.articles) if a.id not in removed]))
        fresh = Segment.of(added, new_chunks, None)
        new_delta = Segment.of(
            keep_articles + added, [delta.chunks[i] for i in keep_rows] + new_chunks,
            np.concatenate([delta.vectors[keep_rows], *[v for v in vectors if v is not None and len(v)]]),
            delta.postings.take(keep_rows).concat(fresh.postings))
        updated = Segments(main, new_delta, frozenset(dead))
        mode = _mode(updated, params)
        if mode == "fold":
            updated = _fold(updated, previous.path / "faiss.index")
        elif mode == "compact":
            updated = _compact(updated, params)
        laps.lap("segments")
        gen = _write_generation(index_dir, updated, params, sources, linked=previous if mode == "append" else None)
        laps.lap("write")
        index = _assemble(gen, _read_manifest(gen), updated, Snapshot(sources, gen / CONFIRMED), hashes=hashes)
        laps.lap("load")
    # Every removed id is a live article of ``previous`` (its hash was looked up above).
    report = BuildReport(articles=len(previous.articles) - len(removed) + len(added), chunks=index.size, embedded_articles=len(to_embed),
                         embedded_chunks=sum(len(c) for _, _, c in to_embed), removed_articles=len(removed),
                         seconds=time.perf_counter() - started, mode=mode, timings=laps.ms)
    return report, index


def _mode(segments: Segments, params: IndexParams) -> str:
    main_rows = len(segments.main.chunks)
    dead_rows = main_rows - int(segments.main_alive().sum())
    live_rows = main_rows - dead_rows + len(segments.delta.chunks)
    if dead_rows > params.compact_dead_share * max(1, main_rows) \
            or params.index_type(live_rows) != _faiss_type(segments.main.vectors):
        return "compact"  # the index type follows the corpus size, as a full build would choose it
    if len(segments.delta.chunks) > params.delta_max_chunks:
        return "fold"
    return "append"


def _faiss_type(index) -> str:
    if hasattr(index, "hnsw"):
        return HNSW
    return IVF if hasattr(index, "invlists") else FLAT


def _fold(segments: Segments, main_file: Path) -> Segments:
    """The delta added to a copy of the main segment read from ``main_file``: FAISS ``add``, so an
    HNSW graph is extended and an inverted file takes the rows into its lists (no retraining), not
    rebuilt; dead rows stay dead. The live index is memory-mapped, and a mapped index cannot grow."""
    main, delta = segments.main, segments.delta
    vectors = read_faiss(main_file, _faiss_type(main.vectors), mapped=False)
    if len(delta.vectors):
        vectors.add(delta.vectors)
    offset = len(main.articles)
    folded = Segment([*main.articles, *delta.articles], [*main.chunks, *delta.chunks],
                     np.concatenate([main.row_article, delta.row_article + offset]),
                     main.postings.concat(delta.postings), vectors)
    return Segments(folded, _empty_segment(main.vectors.d), segments.dead)


def _compact(segments: Segments, params: IndexParams) -> Segments:
    """One main segment of the live rows only, its FAISS index built anew for their number."""
    main, delta = segments.main, segments.delta
    alive = segments.main_alive()
    rows = np.flatnonzero(alive)
    matrix = np.concatenate([main.vectors.reconstruct_batch(rows) if len(rows) else np.zeros((0, main.vectors.d), np.float32),
                             delta.vectors])
    articles = [a for i, a in enumerate(main.articles) if i not in segments.dead] + list(delta.articles)
    chunks = [main.chunks[i] for i in rows] + list(delta.chunks)
    postings = main.postings.take(rows).concat(delta.postings)
    compacted = Segment.of(articles, chunks, make_faiss_index(matrix, params.index_type(len(matrix))), postings)
    return Segments(compacted, _empty_segment(main.vectors.d))


def _removed_chunks(index: StoredIndex, removed: set[str]) -> dict[str, tuple[list[Chunk], np.ndarray]]:
    """The chunks and vectors of the live articles ``removed``, by content hash. Found through the
    segments' row tables: making every chunk would read every article's text."""
    positions: dict[str, list[int]] = {}
    segments = index.segments
    if removed:
        main, delta = segments.main, segments.delta
        # The article (numbered over main, then delta) of each live position.
        row_article = np.concatenate([main.row_article[segments.main_alive()], delta.row_article + len(main.articles)])
        ids = article_ids(main.articles) + article_ids(delta.articles)
        wanted = [i for i, article_id in enumerate(ids) if article_id in removed]
        for position in np.flatnonzero(np.isin(row_article, wanted)).tolist():
            positions.setdefault(index.chunks[position].article_id, []).append(position)
    return {index.articles[article_id].hash: ([index.chunks[p] for p in found], index.vectors.reconstruct_batch(found))
            for article_id, found in positions.items()}


def load_reusable(index_dir: Path, params: IndexParams, vector_token: str) -> StoredIndex | None:
    """The live generation where a build with ``params`` may reuse it; None where there is none, it is
    damaged or was written with other settings."""
    try:
        previous = load(index_dir, vector_token=vector_token) if _reusable_manifest(index_dir, params) else None
    except (IndexCorrupt, VectorStoreError):
        return None  # a damaged index is simply not reused; the new generation replaces it
    return previous


def _reusable_manifest(index_dir: Path, params: IndexParams) -> bool:
    # Read before loading, so switching vector stores never opens the old one.
    gen = current_generation(index_dir)
    try:
        return gen is not None and params.compatible(_read_manifest(gen), index_dir)
    except (OSError, ValueError):
        return False


def _chunks_by_article(index: StoredIndex, with_vectors: bool) -> dict[str, tuple[list[Chunk], np.ndarray | None]]:
    vectors = index.vectors.reconstruct_n(0, index.vectors.ntotal) if with_vectors and index.size else None
    grouped: dict[str, list[int]] = {}
    for position, chunk in enumerate(index.chunks):
        grouped.setdefault(chunk.article_id, []).append(position)
    result = {}
    for article_id, positions in grouped.items():
        article = index.articles[article_id]
        result[article.hash] = ([index.chunks[p] for p in positions], None if vectors is None else vectors[positions])
    return result


def _write_milvus_rows(index_dir: Path, params: IndexParams, token: str, previous: StoredIndex | None, dim: int,
                       to_embed: list[tuple[int, Article, list[Chunk]]], vectors: list) -> tuple[dict, object]:
    uri = params.vectors.resolved_uri(index_dir)
    # An incremental build adds to the live collection; a rebuild fills a new one, so the live
    # generation keeps all its rows until the switch.
    collection = previous.manifest["vectors"]["collection"] if previous else new_collection_name(index_dir)
    store = open_milvus(uri, token, collection, dim)
    write_milvus(store, [(chunk_key(article.hash, c.start, c.end), article.hash, vector)
                         for slot, article, new_chunks in to_embed
                         for c, vector in zip(new_chunks, vectors[slot])])
    return {"kind": MILVUS, "uri": uri, "collection": collection, "dim": dim}, store


# 128 gave recall@10 0.95 against exact search at 100k chunks, 1024 gives 0.98 for about 2 ms a query.
HNSW_EF_SEARCH = 1024
# Inverted lists per square root of the row count (1,000 lists at 1M rows): fewer lists make each
# probe scan more rows, more lists make k-means training (2 cores) and the coarse search slower.
IVF_LISTS_PER_SQRT_ROW = 1.0
# k-means trains on this many rows per list (faiss wants at least 39), not on all of them: at 1M
# rows that is 64k rows and seconds, not minutes, of training.
IVF_TRAIN_ROWS_PER_LIST = 64
# Lists probed per query (bench/million.py): recall@10 against exact search >= 0.95 at 1M chunks.
IVF_NPROBE = 32


def make_faiss_index(vectors: np.ndarray, kind: str):
    """Exact inner-product search (flat), HNSW, or an inverted file of exact vectors (ivf), as
    ``IndexParams.index_type`` chooses by size (recall checked in bench/)."""
    import faiss

    dim = vectors.shape[1]
    if kind == IVF:
        index = _trained_ivf(vectors)
    elif kind == HNSW:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
    else:
        index = faiss.IndexFlatIP(dim)
    _set_search_parameters(index)
    if len(vectors):
        index.add(vectors)
    return index


def _trained_ivf(vectors: np.ndarray):
    import faiss

    rows, dim = vectors.shape
    lists = max(1, min(rows, round(IVF_LISTS_PER_SQRT_ROW * rows ** 0.5)))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, lists, faiss.METRIC_INNER_PRODUCT)
    index.own_fields = True
    quantizer.this.disown()  # the index frees its quantizer
    sample = min(rows, IVF_TRAIN_ROWS_PER_LIST * lists)
    # A fixed sample: the same vectors give the same index.
    index.train(vectors[np.sort(np.random.default_rng(0).choice(rows, sample, replace=False))])
    # Rows are reconstructed by number (compaction, reuse by content hash): keep a row -> entry map.
    index.set_direct_map_type(faiss.DirectMap.Array)
    return index


def _set_search_parameters(index) -> None:
    """This version's search settings, also on indexes written with older, lower ones."""
    if hasattr(index, "hnsw"):
        index.hnsw.efSearch = max(index.hnsw.efSearch, HNSW_EF_SEARCH)
    elif hasattr(index, "invlists"):
        index.nprobe = IVF_NPROBE


def read_faiss(path: Path, kind: str | None, mapped: bool):
    """A main segment's FAISS file; ``mapped``: memory-mapped read-only (pages are read as searches
    touch them and shared with other processes, so a large index costs no start-up read and little
    memory), else read into memory where it may grow (a fold). ``kind`` is the manifest's index type."""
    import faiss

    # The file FaissVectorStore.persist wrote is a plain faiss index; reading it directly keeps
    # llama-index (over a second of imports) off the query path. FAISS maps inverted lists with
    # IO_FLAG_MMAP (read-only, or it would open the file for writing) and flat or HNSW vectors with
    # IO_FLAG_MMAP_IFC; the two cannot be combined.
    flags = 0
    if mapped:
        flags = faiss.IO_FLAG_MMAP | faiss.IO_FLAG_READ_ONLY if kind == IVF else faiss.IO_FLAG_MMAP_IFC
    index = faiss.read_index(str(path), flags)
    _set_search_parameters(index)
    return index


def _main_files(manifest: dict) -> dict:
    return {name: entry for name, entry in manifest["files"].items()
            if name not in (SOURCES, DEAD) and not name.startswith(f"{DELTA}/")}


def _write_generation(index_dir: Path, segments: Segments, params: IndexParams, sources: dict[str, SourceFile] | None,
                      vector_location: dict | None = None, linked: StoredIndex | None = None) -> Path:
    """Write ``segments`` as a new generation and make it the live one. With ``linked``, the main
    segment is that generation's: its files are hard-linked, not written (nor hashed) again."""
    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    gen = index_dir / name
    gen.mkdir(parents=True)
    try:
        files, verified = {}, {}
        if linked is not None:
            previous_stats = _read_verified(linked.path)
            for file_name, entry in _main_files(linked.manifest).items():
                target = gen / file_name
                target.parent.mkdir(parents=True, exist_ok=True)
                os.link(linked.path / file_name, target)
                files[file_name] = entry
                if previous_stats.get(file_name) == _stat_key(target):  # checked before, untouched since
                    verified[file_name] = previous_stats[file_name]
        else:
            _write_segment(gen, segments.main)
            if vector_location is None:
                from llama_index.vector_stores.faiss import FaissVectorStore

                FaissVectorStore(faiss_index=segments.main.vectors).persist(str(gen / "faiss.index"))
        if segments.delta.chunks or segments.delta.articles:
            _write_segment(gen / DELTA, segments.delta)
            np.save(gen / DELTA / "vectors.npy", np.ascontiguousarray(segments.delta.vectors, dtype=np.float32))
        if segments.dead:
            (gen / DEAD).write_bytes(orjson.dumps(sorted(segments.dead)))
        if sources is not None:
            (gen / SOURCES).write_bytes(Snapshot(sources).to_json())
        for path in sorted(gen.rglob("*")):
            rel = path.relative_to(gen).as_posix()
            if rel in files:
                continue
            _fsync(path)
            if path.is_file():
                files[rel] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        main_rows = len(segments.main.chunks)
        live = int(segments.main_alive().sum()) + len(segments.delta.chunks)
        manifest = {
            "format": FORMAT_VERSION,
            "params": params.identity(index_dir),
            "created": time.time(),
            "articles": len(segments.main.articles) - len(segments.dead) + len(segments.delta.articles),
            "chunks": live,
            "segments": {"main_rows": main_rows, "dead_rows": main_rows - live + len(segments.delta.chunks),
                         "delta_rows": len(segments.delta.chunks)},
            "index_type": MILVUS if vector_location else _faiss_type(segments.main.vectors),
            "vectors": vector_location or {"kind": "faiss"},
            "files": files,
        }
        (gen / "manifest.json").write_text(json.dumps(manifest, indent=1))
        _write_verified(gen, {**{n: _stat_key(gen / n) for n in files if n not in verified}, **verified})
        _fsync(gen / "manifest.json")
        _fsync(gen)
        pointer = index_dir / f"{CURRENT}.{uuid.uuid4().hex[:8]}.tmp"
        pointer.write_text(name)
        _fsync(pointer)
        os.replace(pointer, index_dir / CURRENT)
        _fsync(index_dir)
    except BaseException:
        shutil.rmtree(gen, ignore_errors=True)
        raise
    _collect_garbage(index_dir, keep=name)
    return gen


def _write_segment(folder: Path, segment: Segment) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    offsets = [0]
    with open(folder / "articles.jsonl", "wb") as handle:
        for article in segment.articles:
            line = (json.dumps(article.to_dict(), ensure_ascii=False) + "\n").encode("utf-8")
            handle.write(line)
            offsets.append(offsets[-1] + len(line))
    np.save(folder / "article_offsets.npy", np.asarray(offsets, dtype=np.int64))
    (folder / "article_ids.json").write_bytes(orjson.dumps(article_ids(segment.articles)))
    write_content_hashes(folder, segment.articles)
    rows = np.array([(int(i), c.start, c.end) for c, i in zip(segment.chunks, segment.row_article)],
                    dtype=np.int64).reshape(-1, 3)
    np.save(folder / "chunks.npy", rows)
    segment.postings.save(folder / "bm25")


def _bm25_text(chunk: Chunk, article: Article) -> str:
    # The title makes a chunk findable by the words its article is about, not only by its own.
    return f"{article.title}\n{chunk.text}"


def tidy(index_dir: str | os.PathLike) -> None:
    """Remove what interrupted writers left (half-written generations, temporary files) when no write
    followed to do it; under the writer lock, so no writer is mid-way."""
    index_dir = Path(index_dir)
    live = current_generation(index_dir)
    if live is None or not any(p.name != live.name and (p.name.startswith("gen-") or p.name.endswith(".tmp"))
                               for p in index_dir.iterdir()):
        return
    with writer_lock(index_dir):
        live = current_generation(index_dir)
        if live is not None:
            _collect_garbage(index_dir, keep=live.name)


def _collect_garbage(index_dir: Path, keep: str) -> None:
    for path in index_dir.iterdir():
        if path.name != keep and (path.name.startswith("gen-") or path.name.endswith(".tmp")):
            shutil.rmtree(path, ignore_errors=True) if path.is_dir() else path.unlink(missing_ok=True)


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fsync(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
