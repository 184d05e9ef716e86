"""Where chunk vectors live: a FAISS file inside each index generation (default) or a Milvus collection.

Retrieval needs only a small part of faiss's interface (``ntotal``, ``search``, ``reconstruct_batch``),
so a FAISS index is used as is and :class:`MilvusVectors` offers the same calls over a collection
reached through llama-index's ``MilvusVectorStore``.  Milvus Lite (a local ``.db`` path) runs the real
engine in-process; an ``http://host:19530`` URI reaches a Milvus server or cluster with the same code.

Articles, chunk offsets and BM25 stay in the index generation either way, so citations and offsets are
identical; a Milvus row is keyed by its article's content hash and its offsets, and only rows whose
key belongs to the live generation are ever returned (a crash between writing rows and switching
generations leaves rows no generation knows, which searches skip).
"""
from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from index.choices import VECTOR_STORES

KINDS = VECTOR_STORES
FAISS, MILVUS = KINDS
_COLLECTION_PREFIX = "qa_"


class VectorStoreError(RuntimeError):
    """The configured vector store cannot be used (missing package, unreachable, locked)."""


@dataclass(frozen=True)
class VectorStoreConfig:
    kind: str
    # Milvus only: a local path ending in .db (Milvus Lite) or a server URI; None = <index dir>/milvus.db
    uri: str | None = None
    token: str = field(default="", repr=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise VectorStoreError(f"unknown vector store {self.kind!r}; choose one of {', '.join(KINDS)}")

    def resolved_uri(self, index_dir: Path) -> str:
        return self.uri or str(Path(index_dir).resolve() / "milvus.db")

    def identity(self, index_dir: Path) -> dict:
        """What must match for a new generation to reuse the previous one's vectors."""
        return {} if self.kind == FAISS else {"vector_store": self.kind, "vector_uri": self.resolved_uri(index_dir)}


def chunk_key(article_hash: str, start: int, end: int) -> str:
    return f"{article_hash}:{start}:{end}"


def new_collection_name(index_dir: Path) -> str:
    return f"{_collection_family(index_dir)}{uuid.uuid4().hex[:8]}"


def _collection_family(index_dir: Path) -> str:
    # Several corpora may share one Milvus server: each index folder owns the names with its prefix.
    digest = hashlib.sha1(str(Path(index_dir).resolve()).encode()).hexdigest()[:10]
    return f"{_COLLECTION_PREFIX}{digest}_"


_OPEN_STORES: dict[tuple[str, str], object] = {}


def open_milvus(uri: str, token: str, collection: str, dim: int):
    """llama-index's MilvusVectorStore for one collection, created if missing and loaded for search."""
    key = (uri, collection)
    if key in _OPEN_STORES:
        return _OPEN_STORES[key]
    try:
        from llama_index.vector_stores.milvus import MilvusVectorStore
    except ImportError as exc:
        raise VectorStoreError("the Milvus vector store needs `pip install -e '.[milvus]'` "
                               "(llama-index-vector-stores-milvus and milvus-lite)") from exc
    try:
        store = MilvusVectorStore(uri=uri, token=token, collection_name=collection, dim=dim, upsert_mode=True,
                                  similarity_metric="IP", consistency_level="Strong", use_async_client=False)
        # An existing collection is not loaded into memory by opening it; search needs it loaded.
        store.client.load_collection(collection)
    except Exception as exc:
        lite = "://" not in uri
        hint = (" Milvus Lite lets one process open a .db at a time: stop the other `qa` process or use a "
                "Milvus server URI." if lite else "")
        raise VectorStoreError(f"could not open Milvus collection {collection!r} at {uri}: {exc}.{hint}") from exc
    _OPEN_STORES[key] = store
    return store


def write_milvus(store, rows: list[tuple[str, str, np.ndarray]]) -> None:
    """Upsert (key, article hash, vector) rows; the article hash is the row's document id."""
    from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

    nodes = [TextNode(id_=key, text="", embedding=vector.tolist(),
                      relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article_hash)})
             for key, article_hash, vector in rows]
    for offset in range(0, len(nodes), 1000):
        store.add(nodes[offset:offset + 1000])


def drop_articles(store, article_hashes: list[str]) -> None:
    for article_hash in article_hashes:
        store.delete(ref_doc_id=article_hash)


def drop_other_collections(store, index_dir: Path, keep: str) -> None:
    """Collections of earlier generations of this index folder (rebuilds, interrupted writes)."""
    family = _collection_family(index_dir)
    for name in store.client.list_collections():
        if name.startswith(family) and name != keep:
            store.client.drop_collection(name)


class MilvusVectors:
    """The live generation's rows of a Milvus collection, addressed by chunk position like FAISS."""

    def __init__(self, store, keys: list[str]):
        self.store = store
        self.keys = keys
        self.position = {key: i for i, key in enumerate(keys)}

    @property
    def ntotal(self) -> int:
        return len(self.keys)

    def search(self, queries: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
        from llama_index.core.vector_stores.types import VectorStoreQuery

        sims = np.full((len(queries), k), -np.inf, dtype=np.float32)
        ids = np.full((len(queries), k), -1, dtype=np.int64)
        for row, query in enumerate(queries):
            # Over-fetch: rows of articles being replaced or left by a crashed write are skipped.
            result = self.store.query(VectorStoreQuery(query_embedding=query.tolist(), similarity_top_k=2 * k + 10))
            found = [(self.position[key], sim) for key, sim in zip(result.ids or [], result.similarities or [])
                     if key in self.position][:k]
            for col, (position, sim) in enumerate(found):
                ids[row, col], sims[row, col] = position, sim
        return sims, ids

    def reconstruct_batch(self, positions) -> np.ndarray:
        keys = [self.keys[int(p)] for p in positions]
        rows = self.store.client.get(collection_name=self.store.collection_name, ids=keys,
                                     output_fields=[self.store.embedding_field])
        by_key = {row["id"]: row[self.store.embedding_field] for row in rows}
        return np.asarray([by_key[key] for key in keys], dtype=np.float32)
