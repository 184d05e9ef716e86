"""The freshness benchmark's harness (the figures themselves are in bench/RESULTS.md, never gated)."""
from bench.freshness import make_corpus, measure
from index.sources import walk


def test_corpus_is_nested_and_complete(tmp_path):
    make_corpus(tmp_path / "c", 250)
    paths = [rel for rel, _ in walk(tmp_path / "c")]
    assert len(paths) == 250 and all(p.count("/") == 3 for p in paths)


def test_measure_times_unchanged_checks_and_finds_a_deep_change(tmp_path):
    result = measure(300, repeats=3, workdir=tmp_path)
    assert result["files"] == 300 and result["found_deep_change"]
    assert 0 < result["check_ms"]["min"] <= result["check_ms"]["p50"] <= result["check_ms"]["p95"]
    assert list(tmp_path.iterdir()) == []  # the corpus is removed afterwards
