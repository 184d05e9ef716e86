"""The scale-out vector store: the real Milvus engine (Milvus Lite, embedded), no server needed.

A Milvus server or cluster is reached by the same code with an http:// URI; none can run here, so
these tests cover the embedded engine only.
"""
import numpy as np
import pytest

pytest.importorskip("llama_index.vector_stores.milvus", reason="install with `pip install -e '.[milvus]'`")

from index.store import build, load
from index.vectors import MILVUS, VectorStoreConfig, VectorStoreError, chunk_key, open_milvus, write_milvus
from qa import Assistant, QAError
from qa.settings import Settings
from tests.conftest import copy_seeds
from tests.index.conftest import articles, params

pytestmark = pytest.mark.slow


def milvus_params(embedder):
    return params(embedder, vectors=VectorStoreConfig(MILVUS))


def test_seed_answers_and_citations_match_faiss(tmp_path, seed_assistant):
    corpus = copy_seeds(tmp_path / "seeds")
    milvus = Assistant.from_directory(corpus, Settings.from_env(vector_store=MILVUS))
    assert load(corpus / ".qa-cache" / "index").manifest["index_type"] == MILVUS
    for question in ("Who met Brahimi?", "Why did the general say he defected?", "Where did al-Shalal flee to?"):
        ours, reference = milvus.ask(question), seed_assistant.ask(question)
        assert ours.text == reference.text
        assert [(c.start, c.end, c.quote) for c in ours.citations] == [(c.start, c.end, c.quote) for c in reference.citations]
        for c in ours.citations:
            assert milvus.article(c.article).text[c.start:c.end] == c.quote


def test_incremental_builds_write_only_new_rows_and_drop_removed(tmp_path, embedder):
    p = milvus_params(embedder)
    first = build(articles("Alpha one. Alpha two.", "Beta story here.", "Gamma news."), tmp_path, embedder, p)
    assert first.embedded_articles == 3
    collection = load(tmp_path).manifest["vectors"]["collection"]
    changed = build(articles("Alpha one. Alpha two.", "Beta story changed."), tmp_path, embedder, p)
    assert (changed.embedded_articles, changed.removed_articles) == (1, 2)
    index = load(tmp_path)
    assert index.manifest["vectors"]["collection"] == collection  # same collection, updated in place
    store = index.vectors.store
    rows = store.client.query(collection_name=collection, filter="id != ''", output_fields=["id"])
    assert sorted(r["id"] for r in rows) == sorted(index.vectors.keys)
    query = embedder.encode(["Beta story changed"])[0]
    _, ids = index.vectors.search(query[None, :], 2)
    assert index.chunks[ids[0][0]].article_id == "a1.txt" and sorted(ids[0]) == [0, 1]


def test_rows_no_generation_knows_are_never_returned(tmp_path, embedder):
    """What a crash between writing rows and switching generations leaves behind."""
    p = milvus_params(embedder)
    build(articles("Harbour news about ships."), tmp_path, embedder, p)
    index = load(tmp_path)
    orphan = embedder.encode(["Harbour news about ships."])[0]
    write_milvus(index.vectors.store, [(chunk_key("not-an-article", 0, 5), "not-an-article", orphan)])
    sims, ids = index.vectors.search(orphan[None, :], 5)
    assert list(ids[0]) == [0, -1, -1, -1, -1]
    assert np.isclose(index.vectors.reconstruct_batch([0])[0] @ orphan, sims[0][0], atol=1e-4)


def test_rebuild_fills_a_new_collection_and_drops_the_old(tmp_path, embedder):
    p = milvus_params(embedder)
    build(articles("One story."), tmp_path, embedder, p)
    old = load(tmp_path).manifest["vectors"]["collection"]
    build(articles("One story."), tmp_path, embedder, p, rebuild=True)
    index = load(tmp_path)
    new = index.manifest["vectors"]["collection"]
    assert new != old
    assert old not in index.vectors.store.client.list_collections()


def test_switching_stores_reembeds_and_answers_the_same(tmp_path, embedder):
    build(articles("Lions live in Kenya.", "Rain fell in Oslo."), tmp_path, embedder, params(embedder))
    switched = build(articles("Lions live in Kenya.", "Rain fell in Oslo."), tmp_path, embedder, milvus_params(embedder))
    assert switched.embedded_chunks == 2
    index = load(tmp_path)
    assert index.manifest["index_type"] == MILVUS and not (index.path / "faiss.index").exists()
    _, ids = index.vectors.search(embedder.encode(["Where is the rain?"]), 1)
    assert index.chunks[ids[0][0]].article_id == "a1.txt"


def test_unknown_vector_store_is_a_clear_error(tmp_path):
    corpus = copy_seeds(tmp_path / "seeds")
    with pytest.raises(QAError, match="vector_store='pinecone': must be one of faiss, milvus"):
        Assistant.from_directory(corpus, Settings.from_env(vector_store="pinecone"))
    with pytest.raises(VectorStoreError, match="unknown vector store 'pinecone'"):  # index/ checks its own input
        VectorStoreConfig("pinecone")


def test_a_locked_lite_file_is_a_clear_error(tmp_path, embedder):
    """Milvus Lite serves one process per file; the store says so instead of a bare gRPC failure."""
    import subprocess
    import sys

    uri = str(tmp_path / "held.db")
    open_milvus(uri, "", "qa_held", embedder.dimension)
    code = ("from index.vectors import open_milvus, VectorStoreError\n"
            f"try:\n    open_milvus({uri!r}, '', 'qa_held', 384)\n"
            "except VectorStoreError as exc:\n    print('ERROR', exc)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120).stdout
    assert "ERROR" in out and "one process" in out
