"""The corpus builder: sizes, variants, and question gold ids that match what ingest assigns."""
from __future__ import annotations

import json

import pytest

from bench.corpus import (
    Record, build_corpus, estimate_chunks, parse_sizes, sample_questions, select_records, shift_digits,
)
from index.ingest import load_directory
from tests.conftest import DEFAULTS


def test_parse_sizes_accepts_k_and_m_suffixes_and_plain_numbers():
    assert parse_sizes("1k, 10k,2500") == [("1k", 1000), ("10k", 10000), ("2500", 2500)]
    assert parse_sizes("0.5k,1m") == [("0.5k", 500), ("1m", 1_000_000)]


@pytest.mark.parametrize("bad", ["", "ten", "1g", "0", "1km"])
def test_parse_sizes_rejects_nonsense(bad):
    with pytest.raises(ValueError):
        parse_sizes(bad)


def test_estimate_chunks_grows_with_text():
    assert estimate_chunks("A short line.") == 1
    long = "word " * 1000
    assert 7 <= estimate_chunks(long) <= 9  # 1000 tokens in 128-token steps


def test_shift_digits_changes_every_digit_only():
    assert shift_digits("In 2019 they sold 45 cars.", 1) == "In 3120 they sold 56 cars."
    assert shift_digits("no digits", 3) == "no digits"


def _sources():
    return {
        "seed": [Record("seed:a", "seed", "Seed", "Seed story. " * 30)],
        "bbc-news": [Record(f"bbc:{i}", "bbc-news", f"Story {i}", f"Story {i} text with 12 goals. " * 40) for i in range(5)],
    }


def test_select_records_uses_real_text_before_variants():
    records, estimated, passes = select_records(_sources(), 10)
    assert passes == 0 and all("#v" not in r.key for r in records)
    assert estimated >= 10


def test_select_records_adds_distinct_variants_but_never_repeats_the_seed():
    records, estimated, passes = select_records(_sources(), 60)
    assert estimated >= 60 and passes >= 1
    variants = [r for r in records if "#v" in r.key]
    assert variants and not any(r.source == "seed" for r in variants)
    assert len({r.text for r in records}) == len(records)
    assert "(Variant 1 of bbc:0.)" in variants[0].text


def _write_shared(root):
    (root / "bbc-news").mkdir(parents=True)
    with open(root / "bbc-news" / "articles.jsonl", "w") as handle:
        for i in range(6):
            handle.write(json.dumps({"id": f"bbc-{i}", "title": f"Title {i}", "text": f"Title {i}\n\nBody {i} " * 50}) + "\n")
    (root / "squad-v2").mkdir()
    squad = {"data": [{"title": "Normans", "paragraphs": [
        {"context": "The Normans gave their name to Normandy, a region in France.",
         "qas": [{"question": "Where is Normandy?", "id": "1", "is_impossible": False,
                  "answers": [{"text": "France", "answer_start": 53}]},
                 {"question": "Unanswerable?", "id": "2", "is_impossible": True, "answers": []}]}]}]}
    (root / "squad-v2" / "dev-v2.0.json").write_text(json.dumps(squad))
    (root / "multihop-rag").mkdir()
    (root / "multihop-rag" / "corpus.jsonl").write_text(
        json.dumps({"title": "Fact", "text": "Google pays Apple for default search.", "url": "u1", "source": "S",
                    "author": "A", "date": "2023", "category": "tech"}) + "\n")
    (root / "multihop-rag" / "queries.json").write_text(json.dumps({"queries": [
        {"id": "0", "question": "Who pays Apple?", "question_type": "inference_query"},
        {"id": "1", "question": "Null?", "question_type": "null_query"}]}))
    (root / "multihop-rag" / "ground_truth.json").write_text(json.dumps({
        "0": {"answer": "Google", "evidence_list": [{"url": "u1", "fact": "Google pays Apple for default search."}]},
        "1": {"answer": "Insufficient information.", "evidence_list": []}}))


def _tiny_corpus(tmp_path, seed_body: str):
    """A 40-chunk corpus from the fake shared data and one seed article; also its inputs."""
    shared, seeds = tmp_path / "shared", tmp_path / "seeds"
    _write_shared(shared)
    seeds.mkdir()
    (seeds / "000_seed.txt").write_text(f"Seed title\n\n{seed_body}")
    return shared, seeds, build_corpus("tiny", 40, tmp_path / "out", shared, seeds)


def test_build_corpus_gold_ids_are_the_ids_ingest_gives(tmp_path):
    shared, seeds, corpus = _tiny_corpus(tmp_path, "Seed body about Brahimi.")
    ingested = load_directory(corpus.path, DEFAULTS.max_article_bytes)
    by_id = {a.id: a for a in ingested.articles}
    assert not ingested.problems
    assert {q.question for q in corpus.questions} == {"Where is Normandy?", "Who pays Apple?"}
    for question in corpus.questions:
        assert all(g in by_id for g in question.gold)
    normandy = next(q for q in corpus.questions if q.kind == "squad")
    assert "Normandy" in by_id[normandy.gold[0]].text
    assert corpus.variant_articles > 0
    again = build_corpus("tiny", 40, tmp_path / "out", shared, seeds)
    assert again.to_dict() == corpus.to_dict()  # reused from its metadata, not rebuilt


def test_sample_questions_is_deterministic_and_mixed():
    from bench.corpus import Question

    questions = [Question(f"s{i}", "squad", ["a"]) for i in range(100)] + [Question(f"m{i}", "multihop", ["b"]) for i in range(50)]
    first = sample_questions(questions, 40)
    assert first == sample_questions(questions, 40)
    assert len(first) == 40 and sum(q.kind == "multihop" for q in first) == 12


def test_real_text_can_be_capped_so_the_rest_is_variants():
    records, estimated, passes = select_records(_sources(), 60, max_real_chunks=10)
    real = [r for r in records if "#v" not in r.key]
    assert sum(estimate_chunks(r.text) for r in real) < 10 + 10 and passes >= 2 and estimated >= 60


def test_a_changed_corpus_is_rebuilt_over_uploads(tmp_path):
    shared, seeds, corpus = _tiny_corpus(tmp_path, "Seed body.")
    (corpus.path / "uploads").mkdir()
    (corpus.path / "uploads" / "added.txt").write_text("Added")
    rebuilt = build_corpus("tiny", 40, tmp_path / "out", shared, seeds, max_real_chunks=5)
    assert not (rebuilt.path / "uploads").exists() and rebuilt.variant_articles > corpus.variant_articles
