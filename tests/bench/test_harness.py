"""Harness pieces that need no model: variant vector reuse, percentiles, the report table."""
from __future__ import annotations

import hashlib
import re

import numpy as np

from bench.report import render_table
from bench.stages import VariantReuseEmbedder, disk_usage, percentile


class FakeEmbedder:
    model_path = "fake"
    dimension = 16

    def __init__(self):
        self.calls: list[list[str]] = []

    def encode(self, texts):
        self.calls.append(list(texts))
        out = []
        for text in texts:
            rng = np.random.default_rng(int.from_bytes(hashlib.sha1(text.encode()).digest()[:4], "little"))
            v = rng.standard_normal(self.dimension).astype(np.float32)
            out.append(v / np.linalg.norm(v))
        return np.array(out)


def test_variant_chunks_reuse_their_source_vector_with_noise():
    fake = FakeEmbedder()
    reuse = VariantReuseEmbedder(fake, noise=0.35)
    source = reuse.encode(["Scored 12 goals in 2004.", "Plain sentence."])
    variant = reuse.encode(["Scored 23 goals in 3115.", "Plain sentence.\n\n(Variant 1 of bbc:1.)", "Brand new text."])
    assert fake.calls[-1] == ["Brand new text."]  # only the unmatched text is embedded for real
    assert reuse.derived == 2 and reuse.chunks == 3
    cosine = float(variant[0] @ source[0])
    assert 0.85 < cosine < 0.999
    assert np.allclose(np.linalg.norm(variant, axis=1), 1, atol=1e-5)
    again = reuse.encode(["Scored 23 goals in 3115."])
    # The same variant text again (another article: passes ten apart shift digits alike) gets its own
    # noise, a near neighbour rather than an exact tie; a new run derives the same vectors in order.
    assert not np.allclose(again[0], variant[0]) and 0.85 < float(again[0] @ source[0]) < 0.999
    rerun = VariantReuseEmbedder(FakeEmbedder(), noise=0.35)
    rerun.encode(["Scored 12 goals in 2004.", "Plain sentence."])
    assert np.allclose(rerun.encode(["Scored 23 goals in 3115."])[0], variant[0])
    assert np.allclose(rerun.encode(["Scored 23 goals in 3115."])[0], again[0])


def test_identical_text_gets_the_identical_vector():
    reuse = VariantReuseEmbedder(FakeEmbedder())
    first = reuse.encode(["Same 1."])
    assert np.array_equal(reuse.encode(["Same 1."]), first) and reuse.derived == 0


def test_percentile_and_empty():
    assert percentile([1, 2, 3, 4], 50) == 2.5
    assert np.isnan(percentile([], 95))


def test_disk_usage_groups_by_top_level_name(tmp_path):
    (tmp_path / "faiss.index").write_bytes(b"x" * 10)
    (tmp_path / "bm25").mkdir()
    (tmp_path / "bm25" / "a.npy").write_bytes(b"x" * 5)
    assert disk_usage(tmp_path) == {"faiss": 10, "bm25": 5, "total": 15}


def test_report_renders_partial_results_in_text_and_markdown():
    results = {
        "default_backend": "onnx-int8",
        "sizes": {"1k": {"index": {"chunks": 1000, "chunks_per_s": 90.0, "disk": {"total": 2**20}},
                         "encoders": {"backends": {"sentence-transformers": {"chunks_per_s": 45.0},
                                                   "onnx-int8": {"chunks_per_s": 90.0, "ratio_vs_baseline": 2.0}}}}},
        "quality": {"chunks": 10, "questions": 2, "by_kind": {"squad": 2},
                    "backends": {"onnx-int8": {"hit@1": 50.0, "hit@5": 100.0}}},
    }
    text = render_table(results)
    assert "1k" in text and "1,000" in text and "2.00" in text and "hit@5" in text
    markdown = render_table(results, markdown=True)
    assert markdown.startswith("| metric | 1k |")


def test_report_names_the_slowest_cold_question_type():
    cold = {"who": {"best": 0.8, "median": 0.9, "cpu_best": 0.7, "heavy_imports_s": {}},
            "why": {"best": 1.3, "median": 1.4, "cpu_best": 1.1, "heavy_imports_s": {"torch": 0.5}}}
    results = {"default_backend": "onnx-int8", "sizes": {"10k": {"cold_start": {
        "by_type": cold, "slowest_type": "why", "slowest_best": 1.3, "slowest_median": 1.4}}}}
    rows = {re.split(r"\s{2,}", line.strip())[0]: line.split()[-1] for line in render_table(results).splitlines()}
    assert "1.30 / 1.40 (why)" in render_table(results) and "who 0.80, why 1.30" in render_table(results)
    assert rows["CPU s (best, slowest type)"] == "1.10" and rows["torch imported"] == "yes"


def test_seeding_from_a_smaller_index_reuses_its_exact_vectors(tmp_path):
    from index.articles import Article
    from index.store import build
    from tests.conftest import DEFAULTS

    fake = FakeEmbedder()
    articles = [Article(f"a{i}", f"T{i}", f"Article {i} says {i * 7} things.") for i in range(3)]
    build(articles, tmp_path, fake, DEFAULTS.index_params(fake.model_path))
    reuse = VariantReuseEmbedder(FakeEmbedder())
    assert reuse.seed_from(str(tmp_path)) == 3
    vectors = reuse.encode(["Article 1 says 7 things."])
    assert np.allclose(vectors[0], FakeEmbedder().encode(["Article 1 says 7 things."])[0])
    assert reuse.reused == 1 and reuse.chunks == 0


def test_cli_rejects_unknown_sizes_and_stages_before_doing_any_work(tmp_path):
    from click.testing import CliRunner

    from bench.cli import bench

    runner = CliRunner()
    result = runner.invoke(bench, ["--sizes", "lots", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--sizes" in result.output
    result = runner.invoke(bench, ["--stages", "index,warp", "--out", str(tmp_path)])
    assert result.exit_code == 2 and "--stages" in result.output
    assert not any(tmp_path.iterdir())
