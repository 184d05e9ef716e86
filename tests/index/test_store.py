"""Incremental indexing with the real model: only new or changed text is embedded."""
from pathlib import Path

import pytest

from index.store import build, load
from tests.index.conftest import articles, params

pytestmark = pytest.mark.slow


def test_reindex_embeds_only_new_or_changed_and_drops_removed(tmp_path, embedder):
    p = params(embedder)
    first = build(articles("Alpha one. Alpha two.", "Beta story here.", "Gamma news."), tmp_path, embedder, p)
    assert (first.embedded_articles, first.removed_articles) == (3, 0)
    unchanged = build(articles("Alpha one. Alpha two.", "Beta story here.", "Gamma news."), tmp_path, embedder, p)
    assert unchanged.embedded_chunks == 0
    changed = build(articles("Alpha one. Alpha two.", "Beta story changed."), tmp_path, embedder, p)
    assert (changed.embedded_articles, changed.removed_articles) == (1, 2)
    index = load(tmp_path)
    assert sorted(index.articles) == ["a0.txt", "a1.txt"]
    assert index.vectors.ntotal == len(index.chunks)
    # Reused vectors are the same as freshly computed ones: search still finds the right chunk.
    query = embedder.encode(["Alpha one"])[0]
    _, ids = index.vectors.search(query[None, :], 1)
    assert index.chunks[ids[0][0]].article_id == "a0.txt"


def test_changed_model_settings_force_reembedding(tmp_path, embedder):
    build(articles("Alpha one."), tmp_path, embedder, params(embedder, chunk_size=160))
    report = build(articles("Alpha one."), tmp_path, embedder, params(embedder, chunk_size=100))
    assert report.embedded_chunks == 1


def test_only_the_live_generation_remains(tmp_path, embedder):
    p = params(embedder)
    build(articles("One."), tmp_path, embedder, p)
    build(articles("Two."), tmp_path, embedder, p)
    generations = [p for p in tmp_path.iterdir() if p.name.startswith("gen-")]
    assert len(generations) == 1
    assert (tmp_path / "CURRENT").read_text() == generations[0].name


def test_large_collections_switch_to_hnsw(tmp_path, embedder):
    texts = [f"Story number {i} about topic {i % 7}." for i in range(30)]
    build(articles(*texts), tmp_path, embedder, params(embedder, hnsw_threshold=20))
    index = load(tmp_path)
    assert index.manifest["index_type"] == "hnsw"
    query = embedder.encode(["Story number 17 about topic 3."])[0]
    _, ids = index.vectors.search(query[None, :], 1)
    assert index.chunks[ids[0][0]].article_id == "a17.txt"


def test_a_same_size_change_after_a_verified_open_is_still_caught(tmp_path, embedder):
    from index.store import IndexCorrupt

    build(articles("Alpha one.", "Beta two."), tmp_path, embedder, params(embedder))
    index = load(tmp_path)  # checksums verified once; later opens trust unchanged stat data
    assert (index.path / ".verified").exists()
    target = index.path / "articles.jsonl"
    data = bytearray(target.read_bytes())
    data[10] ^= 1
    with open(target, "r+b") as handle:  # in place: same size, same inode, new mtime
        handle.write(data)
    with pytest.raises(IndexCorrupt, match="corrupted"):
        load(tmp_path)


@pytest.mark.parametrize("kind", ["flat", "hnsw", "ivf"])
def test_an_opened_index_maps_its_files_and_reads_texts_on_demand(tmp_path, embedder, kind):
    texts = [f"Story number {i} about topic {i % 7}." for i in range(30)]
    thresholds = {"flat": {}, "hnsw": {"hnsw_threshold": 20}, "ivf": {"ivf_threshold": 20}}[kind]
    build(articles(*texts), tmp_path, embedder, params(embedder, **thresholds))
    index = load(tmp_path)
    assert index.manifest["index_type"] == kind
    mapped = Path("/proc/self/maps").read_text()
    # The vectors and the BM25 tables are memory-mapped, not read into memory at start-up.
    assert str(index.path / "faiss.index") in mapped and str(index.path / "bm25" / "rows.npy") in mapped
    assert len(index.articles) == 30 and "a17.txt" in index.articles and "a30.txt" not in index.articles
    assert index.articles["a17.txt"].text == texts[17]
    assert [c.text for c in index.chunks] == texts and index.chunks[-1].article_id == "a29.txt"
    assert index.article_hashes() == {a.hash: a.id for a in articles(*texts)}  # stored, not re-hashed
    query = embedder.encode(["Story number 17 about topic 3."])[0]
    _, ids = index.vectors.search(query[None, :], 1)
    assert index.chunks[ids[0][0]].article_id == "a17.txt"


def test_a_segment_written_before_the_offset_files_still_loads(tmp_path, embedder):
    import hashlib
    import json

    import numpy as np

    build(articles("Alpha one. Alpha two.", "Beta story here.", "Gamma news."), tmp_path, embedder, params(embedder))
    fresh = load(tmp_path)
    gen = fresh.path
    # The layout of earlier versions: chunk offsets as JSON, no article ids or offsets.
    chunks_json = gen / "chunks.json"
    chunks_json.write_text(json.dumps(np.load(gen / "chunks.npy").tolist()))
    manifest = json.loads((gen / "manifest.json").read_text())
    for name in ("chunks.npy", "article_ids.json", "article_offsets.npy", "article_hashes.npy"):
        (gen / name).unlink()
        del manifest["files"][name]
    manifest["files"]["chunks.json"] = {"size": chunks_json.stat().st_size,
                                        "sha256": hashlib.sha256(chunks_json.read_bytes()).hexdigest()}
    (gen / "manifest.json").write_text(json.dumps(manifest))
    (gen / ".verified").unlink()
    old = load(tmp_path)
    assert [(c.article_id, c.start, c.end, c.text) for c in old.chunks] == \
        [(c.article_id, c.start, c.end, c.text) for c in fresh.chunks]
    assert {i: a.text for i, a in old.articles.items()} == {i: a.text for i, a in fresh.articles.items()}
    assert old.article_hashes() == fresh.article_hashes() == {a.hash: a.id for a in fresh.articles.values()}
