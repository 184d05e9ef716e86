"""Loaders for the external benchmarks: counts as documented, gold evidence really in the corpus."""
import json
from collections import Counter

import pytest

from eval.corpus import build_mixed_corpus
from eval.runner import run
from eval.sampling import sample
from eval.summary import summarize

pytestmark = pytest.mark.data


@pytest.fixture(scope="module")
def mixed(shared_data, tmp_path_factory):
    return build_mixed_corpus(tmp_path_factory.mktemp("benchmark"), shared_data)


def corpus_texts(path) -> dict[str, str]:
    """Article ids as the assistant names them: file name, plus #line for JSONL records."""
    texts = {}
    for file in sorted(path.iterdir()):
        if file.suffix == ".jsonl":
            for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
                texts[f"{file.name}#{number}"] = json.loads(line)["text"]
        elif file.suffix == ".txt":
            texts[file.name] = file.read_text(encoding="utf-8-sig")
    return texts


def test_question_counts_match_the_data_readme(mixed):
    counts = {name: Counter(item.type for item in items) for name, items in mixed.items.items()}
    assert sum(counts["multihop-rag"].values()) == 350 and counts["multihop-rag"]["null"] == 47
    assert counts["rgb"] == {"counterfactual": 70}
    assert counts["squad-v2"] == {"answerable": 2024, "unanswerable": 2231}


def test_every_gold_span_is_in_the_written_corpus(mixed):
    texts = corpus_texts(mixed.path)
    assert len(set(texts.values())) == len(texts), "duplicate texts would be indexed once, under another id"
    for items in mixed.items.values():
        for item in items:
            assert item.answerable == bool(item.answers), item.id
            for span in item.evidence:
                text = texts[span.article]
                if span.start is not None:
                    assert text[span.start:span.end] == span.quote, item.id
                else:
                    assert span.quote in text, item.id


def test_rebuilding_leaves_unchanged_files_alone(mixed, shared_data):
    before = {p.name: p.stat().st_mtime_ns for p in mixed.path.iterdir()}
    build_mixed_corpus(mixed.path, shared_data)
    assert {p.name: p.stat().st_mtime_ns for p in mixed.path.iterdir()} == before


@pytest.mark.slow
def test_a_sample_of_each_benchmark_runs_with_valid_citations_and_resolved_gold(shared_data):
    from qa import Assistant

    benchmark = build_mixed_corpus(data_root=shared_data)  # the cached corpus CI also evaluates
    assistant = Assistant.from_directory(benchmark.path)
    for name, items in benchmark.items.items():
        summary = summarize(run(sample(items, 6), assistant, assistant, semantic=False))
        assert summary.citation_validity in (1.0, None), name
        assert summary.gold_unresolved == 0, name
