"""The append path: adding, changing or removing a few articles writes only their rows, and the index
then retrieves exactly what a full build of the same corpus retrieves (real model, real FAISS)."""
from __future__ import annotations

import random
from pathlib import Path

import pytest

from index.retrieve import Retriever
from index.ingest import load_directory
from index.store import build, current_generation, load
from qa import Assistant, Settings
from tests.conftest import copy_seeds
from tests.reliability.conftest import generated_article

pytestmark = pytest.mark.slow

QUERIES = ["Topic3 flood harvest", "Who met Brahimi?", "Topic14 council minister", "Zürich reservoir 1998",
           "Topic7 Damascus", "Fresh2 Kraków"]


def _corpus(root: Path, n: int = 12) -> Path:
    corpus = copy_seeds(root / "corpus")
    rng = random.Random(7)
    for i in range(n):
        (corpus / f"g{i:02d}.txt").write_text(generated_article(rng, f"Topic{i}"), encoding="utf-8")
    return corpus


def _hits(index, embedder) -> list[list[tuple]]:
    retriever = Retriever(index, embedder)
    return [[(h.chunk.article_id, h.chunk.start, h.chunk.end, round(h.score, 6), round(h.dense, 4))
             for h in retriever.search(q, 10)] for q in QUERIES]


def _assert_same_as_full_build(assistant: Assistant, tmp_path: Path) -> None:
    """The live (in-memory) index, the same generation loaded from disk and a full build of the corpus
    from scratch agree."""
    settings = assistant.settings
    full_dir = tmp_path / f"full-{len(list(tmp_path.glob('full-*')))}"
    ingested = load_directory(settings.corpus_dir, settings.max_article_bytes)
    build(ingested.articles, full_dir, assistant.embedder, settings.index_params(assistant.embedder.model_path),
          rebuild=True, sources=ingested.sources)
    full, reloaded = load(full_dir), load(settings.resolved_index_dir)
    assert {a.id: a.hash for a in assistant.index.articles.values()} == \
        {a.id: a.hash for a in full.articles.values()} == {a.id: a.hash for a in reloaded.articles.values()}
    assert sorted((c.article_id, c.start, c.end) for c in assistant.index.chunks) == \
        sorted((c.article_id, c.start, c.end) for c in full.chunks)
    for index in (assistant.index, reloaded):  # a chunk's place read without its text is its own
        assert [index.chunks.place(i) for i in range(index.size)] == [(c.article_id, c.start) for c in index.chunks]
    live = _hits(assistant.index, assistant.embedder)
    assert live == _hits(reloaded, assistant.embedder)
    assert live == _hits(full, assistant.embedder)


def _segments(assistant: Assistant) -> dict:
    return assistant.index.manifest["segments"]


# Thresholds low enough for a real HNSW graph or inverted file over these few dozen chunks (the
# inverted file then has fewer lists than it probes, so it searches exactly, like a full build).
KINDS = {"flat": {}, "hnsw": {"hnsw_threshold": 10}, "ivf": {"ivf_threshold": 10}}


@pytest.mark.parametrize("kind", KINDS)
def test_added_changed_and_removed_articles_retrieve_like_a_full_build(tmp_path, kind):
    corpus = _corpus(tmp_path)
    assistant = Assistant.from_directory(settings=Settings(corpus_dir=corpus, **KINDS[kind]))
    assert assistant.index.manifest["index_type"] == kind
    before = current_generation(assistant.settings.resolved_index_dir)
    main_inode = (before / "faiss.index").stat().st_ino
    rng = random.Random(11)
    for i in range(3):
        (corpus / f"fresh{i}.txt").write_text(generated_article(rng, f"Fresh{i}"), encoding="utf-8")
    (corpus / "g03.txt").write_text(generated_article(rng, "Topic3 rewritten"), encoding="utf-8")
    (corpus / "g07.txt").unlink()
    changes = assistant.refresh()
    assert (len(changes.added), len(changes.modified), len(changes.removed)) == (3, 1, 1)
    report = assistant.last_report
    assert report.files_read == 4 and report.removed_articles == 2  # g07 and the old text of g03
    assert report.embedded_chunks == sum(1 for c in assistant.index.chunks if c.article_id in
                                         {"fresh0.txt", "fresh1.txt", "fresh2.txt", "g03.txt"})
    gen = current_generation(assistant.settings.resolved_index_dir)
    assert gen != before and (gen / "faiss.index").stat().st_ino == main_inode  # the main segment is shared
    segments = _segments(assistant)
    assert segments["delta_rows"] == report.embedded_chunks and segments["dead_rows"] >= 2
    _assert_same_as_full_build(assistant, tmp_path)

    (corpus / "fresh1.txt").unlink()  # an article of the delta segment
    (corpus / "g00.txt").unlink()  # and one of the main segment
    assistant.refresh()
    assert assistant.last_report.embedded_chunks == 0 and "g00.txt" not in assistant.index.articles
    _assert_same_as_full_build(assistant, tmp_path)


@pytest.mark.parametrize("kind", ["flat", "ivf"])
def test_the_delta_folds_and_dead_rows_are_compacted_at_the_settings_thresholds(tmp_path, kind):
    corpus = _corpus(tmp_path, n=10)
    settings = Settings(corpus_dir=corpus, index_delta_max_chunks=3, index_compact_dead_share=0.25, **KINDS[kind])
    assistant = Assistant.from_directory(settings=settings)
    assert assistant.index.manifest["index_type"] == kind
    main_rows = _segments(assistant)["main_rows"]
    rng = random.Random(5)
    (corpus / "fresh0.txt").write_text(generated_article(rng, "Fresh0"), encoding="utf-8")
    (corpus / "g01.txt").unlink()
    assistant.refresh()
    first = _segments(assistant)
    assert first["main_rows"] == main_rows and 0 < first["delta_rows"] <= 3 and first["dead_rows"] > 0
    for i in range(1, 4):
        (corpus / f"fresh{i}.txt").write_text(generated_article(rng, f"Fresh{i}"), encoding="utf-8")
    assistant.refresh()
    folded = _segments(assistant)
    assert folded["delta_rows"] == 0 and folded["main_rows"] > main_rows  # added to the main index
    assert folded["dead_rows"] == first["dead_rows"]  # dead rows wait for compaction
    _assert_same_as_full_build(assistant, tmp_path)
    for name in ("g02.txt", "g04.txt", "g05.txt", "g06.txt"):
        (corpus / name).unlink()
    assistant.refresh()
    compacted = _segments(assistant)
    assert compacted["dead_rows"] == 0 and compacted["delta_rows"] == 0
    assert compacted["main_rows"] == assistant.index.size
    assert assistant.index.manifest["index_type"] == kind
    _assert_same_as_full_build(assistant, tmp_path)


def test_upload_and_removal_on_the_page_path_write_only_the_delta(tmp_path):
    corpus = _corpus(tmp_path, n=4)
    assistant = Assistant.from_directory(corpus)
    main_inode = (current_generation(assistant.settings.resolved_index_dir) / "articles.jsonl").stat().st_ino
    text = "Ferry named\n\nThe new ferry to Lindholm was named Svala by the harbour board on Monday."
    report = assistant.add_files([("ferry.txt", text.encode())])
    assert report.added == ["uploads/ferry.txt"] and report.files_read == 1
    assert (current_generation(assistant.settings.resolved_index_dir) / "articles.jsonl").stat().st_ino == main_inode
    assert assistant.retrieve("Lindholm ferry Svala harbour board")[0].article == "uploads/ferry.txt"
    assistant.remove_article("g01.txt")
    assert "g01.txt" not in {a.id for a in assistant.articles()}
    assert not (corpus / "g01.txt").exists()
    _assert_same_as_full_build(assistant, tmp_path)


def test_qa_index_on_a_changed_folder_reads_only_the_changed_files(tmp_path):
    corpus = _corpus(tmp_path, n=6)
    Assistant.from_directory(corpus)
    (corpus / "g02.txt").write_text("Topic2 report\n\nThe council met again in Kraków.", encoding="utf-8")
    again = Assistant.from_directory(corpus)
    assert again.last_report.files_read == 1 and again.last_report.embedded_chunks == 1
    assert _segments(again)["delta_rows"] == 1
    unchanged = Assistant.from_directory(corpus)
    assert unchanged.last_report.files_read == 0 and unchanged.index.path == again.index.path
