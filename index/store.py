"""The persisted index: articles, chunk offsets, FAISS vectors and BM25, written atomically.

Layout of an index directory::

    CURRENT            name of the live generation (replaced atomically with os.replace)
    gen-<id>/          one complete, immutable generation
        manifest.json  settings, per-article hashes, sizes and sha256 of every other file
        articles.jsonl the exact article texts the offsets refer to
        chunks.json    [article index, start, end] per vector id
        sources.json   the corpus files the articles were read from (freshness checks, index/sources.py)
        faiss.index    written by llama-index's FaissVectorStore (absent where vectors live in Milvus)
        bm25/          bm25s model over stemmed content words

A writer builds a whole new generation beside the live one and only then flips CURRENT, so a
crash at any moment leaves the previous generation loadable.  Unchanged articles keep their
vectors (reconstructed from the old FAISS index), so only new or changed text is embedded.
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
from typing import Callable

import numpy as np
import orjson

from index.articles import Article
from index.chunking import Chunk, chunk_article
from index.embedding import Embedder
from index.sources import Snapshot, SourceFile
from index.text import content_terms
from index.timing import Laps
from index.vectors import (MILVUS, VectorStoreError, MilvusVectors, VectorStoreConfig, chunk_key, drop_articles,
                           drop_other_collections, new_collection_name, open_milvus, write_milvus)

FORMAT_VERSION = 1
CURRENT = "CURRENT"
SOURCES = "sources.json"
CONFIRMED = ".sources-confirmed"  # files found unchanged since, by hash; not part of the manifest
VERIFIED = ".verified"  # stat of each file when its checksum last matched; not part of the manifest


class IndexCorrupt(RuntimeError):
    """The index on disk is damaged; ``qa index --rebuild`` recreates it."""


@dataclass(frozen=True)
class IndexParams:
    """What a generation is built with; the values come from the caller (qa's settings)."""

    model: str
    chunk_size: int
    chunk_overlap: int
    hnsw_threshold: int
    vectors: VectorStoreConfig

    def identity(self, index_dir: Path) -> dict:
        """Everything a stored vector depends on: a generation may reuse vectors only where it matches."""
        return {"model": self.model, "chunk_size": self.chunk_size, "chunk_overlap": self.chunk_overlap,
                **self.vectors.identity(index_dir)}

    def compatible(self, manifest: dict, index_dir: Path) -> bool:
        return manifest.get("format") == FORMAT_VERSION and manifest.get("params", {}) == self.identity(index_dir)


@dataclass
class BuildReport:
    articles: int = 0
    chunks: int = 0
    embedded_articles: int = 0
    embedded_chunks: int = 0
    removed_articles: int = 0
    seconds: float = 0.0
    # Milliseconds per phase: load_previous, chunk, embed, write.
    timings: dict[str, float] = field(default_factory=dict)

    def __str__(self) -> str:
        return (f"{self.articles} articles, {self.chunks} chunks; embedded {self.embedded_chunks} chunks "
                f"from {self.embedded_articles} new or changed articles, dropped {self.removed_articles} "
                f"in {self.seconds:.1f}s")


@dataclass
class StoredIndex:
    """A loaded generation: everything retrieval needs, read-only."""

    path: Path
    manifest: dict
    articles: dict[str, Article]
    chunks: list[Chunk]
    vectors: object  # a faiss index, or MilvusVectors offering the same calls
    bm25: object
    sources: Snapshot | None  # None for a generation written before snapshots were kept

    @property
    def size(self) -> int:
        return len(self.chunks)


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
    except FileNotFoundError:
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
    try:
        if json.loads((gen / VERIFIED).read_text()) == stats:
            return
    except (OSError, ValueError):
        pass
    for name, expected in files.items():
        if _sha256(gen / name) != expected.get("sha256"):
            raise IndexCorrupt(f"index file corrupted or truncated: {gen / name}; run `qa index --rebuild`")
    _write_verified(gen, stats)


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
    import bm25s
    import faiss

    articles: dict[str, Article] = {}
    # orjson: the stdlib parser took 0.45 s for 9k articles, most of a cold start.
    with open(gen / "articles.jsonl", "rb") as handle:
        for line in handle:
            record = orjson.loads(line)
            articles[record["id"]] = Article(**record)
    order = list(articles)
    rows = orjson.loads((gen / "chunks.json").read_bytes())
    chunks = []
    for article_index, start, end in rows:
        article = articles[order[article_index]]
        chunks.append(Chunk(article.id, start, end, article.text[start:end]))
    stored = manifest.get("vectors", {})
    if stored.get("kind") == MILVUS:
        store = open_milvus(stored["uri"], vector_token, stored["collection"], stored["dim"])
        vectors = MilvusVectors(store, [chunk_key(articles[c.article_id].hash, c.start, c.end) for c in chunks])
    else:
        # The file FaissVectorStore.persist wrote is a plain faiss index; reading it directly keeps
        # llama-index (over a second of imports) off the query path.
        vectors = faiss.read_index(str(gen / "faiss.index"))
        if hasattr(vectors, "hnsw"):  # indexes written with an older, lower setting
            vectors.hnsw.efSearch = max(vectors.hnsw.efSearch, HNSW_EF_SEARCH)
    bm25 = bm25s.BM25.load(str(gen / "bm25")) if (gen / "bm25").exists() else None
    sources = Snapshot.from_json((gen / SOURCES).read_bytes(), gen / CONFIRMED) if (gen / SOURCES).exists() else None
    return StoredIndex(gen, manifest, articles, chunks, vectors, bm25, sources)


def build(
    articles: list[Article],
    index_dir: str | os.PathLike,
    embedder: Embedder,
    params: IndexParams,
    rebuild: bool = False,
    progress: Callable[[int, int], None] | None = None,
    vector_token: str = "",
    sources: dict[str, SourceFile] | None = None,
) -> BuildReport:
    """Write a new generation for exactly ``articles`` (read from ``sources``), reusing vectors of unchanged ones."""
    index_dir = Path(index_dir)
    started = time.perf_counter()
    report = BuildReport(articles=len(articles))
    milvus = params.vectors.kind == MILVUS
    with writer_lock(index_dir):
        laps = Laps()  # after the lock: waiting for another writer is no phase of this build
        previous = None if rebuild else _load_reusable(index_dir, params, vector_token)
        # Milvus keeps the rows of unchanged articles where they are; FAISS copies them into the new file.
        old_by_hash = _chunks_by_article(previous, with_vectors=not milvus) if previous else {}
        laps.lap("load_previous")
        chunks: list[Chunk] = []
        vectors: list[np.ndarray | None] = []
        to_embed: list[tuple[int, Article, list[Chunk]]] = []
        for article in articles:
            reused = old_by_hash.get(article.hash)
            if reused is not None:
                old_chunks, old_vectors = reused
                chunks.extend(Chunk(article.id, c.start, c.end, c.text) for c in old_chunks)
                vectors.append(old_vectors)
            else:
                new_chunks = chunk_article(article, params.chunk_size, params.chunk_overlap)
                to_embed.append((len(vectors), article, new_chunks))
                chunks.extend(new_chunks)
                vectors.append(None)  # placeholder, filled below in article order
        laps.lap("chunk")
        total = sum(len(c) for _, _, c in to_embed)
        done = 0
        for slot, _, new_chunks in to_embed:
            vectors[slot] = embedder.encode([c.text for c in new_chunks])
            done += len(new_chunks)
            if progress:
                progress(done, total)
        laps.lap("embed")
        report.embedded_articles = len(to_embed)
        report.embedded_chunks = total
        report.chunks = len(chunks)
        kept = {a.hash for a in articles}
        removed = [a.hash for a in previous.articles.values() if a.hash not in kept] if previous else []
        report.removed_articles = len(removed)
        dim = embedder.dimension
        if milvus:
            location, store = _write_milvus_rows(index_dir, params, vector_token, previous, dim, to_embed, vectors)
            _write_generation(index_dir, articles, chunks, None, params, sources, location)
            # Only after the switch: until then the live generation still needs these rows.
            drop_articles(store, removed)
            drop_other_collections(store, index_dir, keep=location["collection"])
        else:
            matrix = np.concatenate([v for v in vectors if v is not None and len(v)] or [np.zeros((0, dim), np.float32)])
            _write_generation(index_dir, articles, chunks, matrix, params, sources)
        laps.lap("write")
    report.seconds = time.perf_counter() - started
    report.timings = laps.ms
    return report


def _load_reusable(index_dir: Path, params: IndexParams, vector_token: str) -> StoredIndex | None:
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


def make_faiss_index(vectors: np.ndarray, hnsw_threshold: int):
    """Exact inner-product search below the threshold, HNSW above it (recall checked in bench/)."""
    import faiss

    dim = vectors.shape[1]
    if len(vectors) >= hnsw_threshold:
        index = faiss.IndexHNSWFlat(dim, 32, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = 80
        index.hnsw.efSearch = HNSW_EF_SEARCH
    else:
        index = faiss.IndexFlatIP(dim)
    if len(vectors):
        index.add(vectors)
    return index


def _write_generation(index_dir: Path, articles: list[Article], chunks: list[Chunk], vectors: np.ndarray | None,
                      params: IndexParams, sources: dict[str, SourceFile] | None,
                      vector_location: dict | None = None) -> None:
    import bm25s
    from llama_index.vector_stores.faiss import FaissVectorStore

    name = f"gen-{time.strftime('%Y%m%d%H%M%S')}-{uuid.uuid4().hex[:8]}"
    gen = index_dir / name
    gen.mkdir(parents=True)
    try:
        position = {a.id: i for i, a in enumerate(articles)}
        with open(gen / "articles.jsonl", "w", encoding="utf-8") as handle:
            for article in articles:
                handle.write(json.dumps(article.to_dict(), ensure_ascii=False) + "\n")
        (gen / "chunks.json").write_text(json.dumps([[position[c.article_id], c.start, c.end] for c in chunks]))
        if sources is not None:
            (gen / SOURCES).write_bytes(Snapshot(sources).to_json())
        if vector_location is None:
            FaissVectorStore(faiss_index=make_faiss_index(vectors, params.hnsw_threshold)).persist(str(gen / "faiss.index"))
        if chunks:
            bm25 = bm25s.BM25()
            bm25.index([content_terms(_bm25_text(c, articles[position[c.article_id]])) or [""] for c in chunks], show_progress=False)
            bm25.save(str(gen / "bm25"))
        files = {}
        for path in sorted(gen.rglob("*")):
            _fsync(path)
            if path.is_file():
                files[path.relative_to(gen).as_posix()] = {"size": path.stat().st_size, "sha256": _sha256(path)}
        manifest = {
            "format": FORMAT_VERSION,
            "params": params.identity(index_dir),
            "created": time.time(),
            "articles": {a.id: {"hash": a.hash, "title": a.title, "chars": len(a.text)} for a in articles},
            "chunks": len(chunks),
            "index_type": MILVUS if vector_location else "hnsw" if len(vectors) >= params.hnsw_threshold else "flat",
            "vectors": vector_location or {"kind": "faiss"},
            "files": files,
        }
        (gen / "manifest.json").write_text(json.dumps(manifest, indent=1))
        _write_verified(gen, {name: _stat_key(gen / name) for name in files})
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


def _bm25_text(chunk: Chunk, article: Article) -> str:
    # The title makes a chunk findable by the words its article is about, not only by its own.
    return f"{article.title}\n{chunk.text}"


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
