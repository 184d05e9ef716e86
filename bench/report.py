"""Turn a results JSON into the plain-text (or Markdown) tables the CLI prints and RESULTS.md shows."""
from __future__ import annotations

from typing import Callable


def _get(data: dict, path: str):
    for part in path.split("."):
        if not isinstance(data, dict) or part not in data:
            return None
        data = data[part]
    return data


def _fmt(value, digits: int = 1) -> str:
    if value is None:
        return "–"
    if isinstance(value, float):
        return f"{value:,.{digits}f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def _ratio(a, b) -> float | None:
    return a / b if a is not None and b else None


def _slowest_cold(entry: dict, field: str):
    slowest = _get(entry, "cold_start.slowest_type")
    return _get(entry, f"cold_start.by_type.{slowest}.{field}") if slowest else None


def _encoder_rate(entry: dict, backend: str):
    return _get(entry, f"encoders.backends.{backend}.chunks_per_s")


Row = tuple[str, Callable[[dict, str], object], int]


def size_rows(default_backend: str) -> list[Row]:
    st = "sentence-transformers"
    return [
        ("chunks indexed", lambda e, b: _get(e, "index.chunks"), 0),
        ("articles (variants)", lambda e, b: f"{_fmt(_get(e, 'corpus.articles'))} ({_fmt(_get(e, 'corpus.variant_articles'))})", 0),
        ("baseline ST.encode chunks/s", lambda e, b: _encoder_rate(e, st), 1),
        (f"{default_backend} encode chunks/s", lambda e, b: _encoder_rate(e, b), 1),
        ("  ratio vs baseline (total / median round)", lambda e, b: f"{_fmt(_get(e, f'encoders.backends.{b}.ratio_vs_baseline'), 2)} / {_fmt(_get(e, f'encoders.backends.{b}.ratio_median_round'), 2)}", 0),
        ("onnx fp32 encode ratio", lambda e, b: _get(e, "encoders.backends.onnx.ratio_vs_baseline"), 2),
        (f"{default_backend} cosine to ST (min)", lambda e, b: _get(e, f"encoders.backends.{b}.cosine_min"), 4),
        ("index: total s", lambda e, b: _get(e, "index.seconds"), 1),
        ("index: chunks/s end to end", lambda e, b: _get(e, "index.chunks_per_s"), 1),
        # Where most vectors were derived or reused (100k), end-to-end chunks/s is no model throughput.
        ("  ratio vs baseline encode", lambda e, b: None if (_get(e, "index.derived_vectors") or _get(e, "index.reused_vectors"))
         else _ratio(_get(e, "index.chunks_per_s"), _encoder_rate(e, st)), 2),
        ("index: embedding s (chunks embedded)", lambda e, b: f"{_fmt(_get(e, 'index.embed_seconds'))} ({_fmt(_get(e, 'index.embedded_for_real'))})", 0),
        ("index: derived variant / reused vectors", lambda e, b: f"{_fmt(_get(e, 'index.derived_vectors'))} / {_fmt(_get(e, 'index.reused_vectors'))}", 0),
        ("index: non-embedding s", lambda e, b: _get(e, "index.non_embedding_seconds"), 1),
        ("index: peak RSS MiB", lambda e, b: _get(e, "index.peak_rss_mb"), 0),
        ("index type", lambda e, b: _get(e, "index.index_type"), 0),
        ("index on disk MiB", lambda e, b: (_get(e, "index.disk.total") or 0) / 2**20, 1),
        ("  faiss / bm25 MiB", lambda e, b: f"{_fmt((_get(e, 'index.disk.faiss') or 0) / 2**20)} / {_fmt((_get(e, 'index.disk.bm25') or 0) / 2**20)}", 0),
        ("cold `qa ask` s, slowest type (best / median)", lambda e, b: f"{_fmt(_get(e, 'cold_start.slowest_best'), 2)} / {_fmt(_get(e, 'cold_start.slowest_median'), 2)} ({_get(e, 'cold_start.slowest_type') or '-'})", 0),
        ("  best s per type", lambda e, b: ", ".join(f"{t} {r['best']:.2f}" for t, r in (_get(e, "cold_start.by_type") or {}).items()) or "-", 0),
        ("  CPU s (best, slowest type)", lambda e, b: _slowest_cold(e, "cpu_best"), 2),
        # A None entry in sys.modules (an optional import blocked) is listed by -X importtime at a few
        # microseconds without loading the module.
        ("  torch imported", lambda e, b: "yes" if any((r["heavy_imports_s"].get("torch") or 0) > 0.01
                                                       for r in (_get(e, "cold_start.by_type") or {}).values()) else "no", 0),
        ("open index s (warm process)", lambda e, b: _get(e, "query.open_seconds"), 2),
        ("query embedding ms p50", lambda e, b: _get(e, "query.embed_query_ms.p50"), 1),
        ("retrieval ms p50 / p95", lambda e, b: f"{_fmt(_get(e, 'query.retrieve_ms.p50'))} / {_fmt(_get(e, 'query.retrieve_ms.p95'))}", 0),
        ("ask end to end ms p50 / p95", lambda e, b: f"{_fmt(_get(e, 'query.ask_ms.p50'))} / {_fmt(_get(e, 'query.ask_ms.p95'))}", 0),
        ("live FAISS search ms p50 / p95", lambda e, b: f"{_fmt(_get(e, 'query.live_search_ms.p50'), 2)} / {_fmt(_get(e, 'query.live_search_ms.p95'), 2)}", 0),
        ("exact flat search ms p50 / p95", lambda e, b: f"{_fmt(_get(e, 'query.exact_search_ms.p50'), 2)} / {_fmt(_get(e, 'query.exact_search_ms.p95'), 2)}", 0),
        ("HNSW search ms p50", lambda e, b: _get(e, "query.hnsw.search_ms.p50"), 2),
        ("HNSW recall@10 (ids / ties)", lambda e, b: f"{_fmt(_get(e, 'query.hnsw.recall_at_10'), 3)} / {_fmt(_get(e, 'query.hnsw.recall_at_10_ties'), 3)}", 0),
        ("gold article in top 8", lambda e, b: _get(e, "query.gold_in_top_k"), 3),
        ("peak RSS while querying MiB", lambda e, b: _get(e, "query.query_peak_rss_mb"), 0),
        ("add one article: total s", lambda e, b: _get(e, "add_one.seconds"), 2),
        ("  own embedding s / rest s", lambda e, b: f"{_fmt(_get(e, 'add_one.own_embedding_seconds'), 2)} / {_fmt(_get(e, 'add_one.overhead_seconds'), 2)}", 0),
        ("  CPU s", lambda e, b: _get(e, "add_one.cpu_seconds"), 2),
        ("remove one article: total s (CPU s)", lambda e, b: f"{_fmt(_get(e, 'add_one.remove_seconds'), 2)} ({_fmt(_get(e, 'add_one.remove_cpu_seconds'), 2)})", 0),
        ("peer: articles / qa chunks / peer nodes", lambda e, b: f"{_fmt(_get(e, 'peer.articles'))} / {_fmt(_get(e, 'peer.qa_index.chunks'))} / {_fmt(_get(e, 'peer.peer_index.nodes'))}", 0),
        ("  indexing qa chunks/s / peer nodes/s", lambda e, b: f"{_fmt(_get(e, 'peer.qa_index.chunks_per_s'))} / {_fmt(_get(e, 'peer.peer_index.nodes_per_s'))}", 0),
        ("  indexing ratio (units/s, chars/s)", lambda e, b: f"{_fmt(_get(e, 'peer.ratios.index_units_per_s'), 2)} / {_fmt(_get(e, 'peer.ratios.index_chars_per_s'), 2)}", 0),
        ("  cold question s qa / peer (best)", lambda e, b: f"{_fmt(_get(e, 'peer.qa_cold.best'), 2)} / {_fmt(_get(e, 'peer.peer_cold.best'), 2)}", 0),
        ("  cold ratio peer/qa (wall, CPU)", lambda e, b: f"{_fmt(_get(e, 'peer.ratios.cold_best'), 2)} / {_fmt(_get(e, 'peer.ratios.cold_cpu_best'), 2)}", 0),
    ]


def _table(header: list[str], rows: list[list[str]], markdown: bool) -> str:
    if markdown:
        lines = ["| " + " | ".join(header) + " |", "|" + "|".join(["---"] + ["---:"] * (len(header) - 1)) + "|"]
        lines += ["| " + " | ".join(r) + " |" for r in rows]
        return "\n".join(lines)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = lambda r: "  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(r, widths)))
    return "\n".join([fmt(header), "  ".join("-" * w for w in widths), *map(fmt, rows)])


def render_table(results: dict, markdown: bool = False) -> str:
    backend = results.get("default_backend", "onnx-int8")
    sizes = results.get("sizes", {})
    parts = []
    if sizes:
        header = ["metric", *sizes]
        rows = [[name, *(_fmt(getter(entry, backend), digits) for entry in sizes.values())]
                for name, getter, digits in size_rows(backend)]
        parts.append(_table(header, rows, markdown))
    quality = results.get("quality")
    if quality:
        header = ["backend", "hit@1", "hit@5", "hit@10", "MRR@10", "dense hit@10", "encode chunks/s"]
        rows = [[name, *(_fmt(q.get(k)) for k in ("hit@1", "hit@5", "hit@10", "mrr@10", "dense_hit@10", "chunks_per_s"))]
                for name, q in quality["backends"].items()]
        title = (f"Retrieval quality on {quality['chunks']:,} chunks, {quality['questions']:,} questions "
                 f"({', '.join(f'{v} {k}' for k, v in sorted(quality['by_kind'].items()))}), hybrid top 10 unless noted")
        parts.append(title + "\n" + _table(header, rows, markdown))
    return "\n\n".join(parts)
