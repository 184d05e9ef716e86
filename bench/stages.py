"""Benchmark stages, each run in its own process so peak RSS and import costs are its own.

``python -m bench.stages <stage> <arguments.json>`` prints one line ``BENCH-RESULT <json>``.
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import re
import sys
import time
from pathlib import Path

import numpy as np

RESULT_MARK = "BENCH-RESULT "
_VARIANT_LINE = re.compile(r"\n\n\(Variant \d+ of [^\n]*\.\)$")
_DIGIT = re.compile(r"\d")


def percentile(values: list[float], q: float) -> float:
    return float(np.percentile(np.asarray(values, dtype=np.float64), q)) if values else float("nan")


def peak_rss_mb() -> float:
    """High-water resident memory of this process so far (Linux VmHWM)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    import resource

    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _settings(corpus: str | None = None, index_dir: str | None = None, **overrides):
    """The settings `qa` would use (QA_* variables included), with these overrides (None: not given)."""
    from qa.settings import Settings

    return Settings.from_env(corpus_dir=corpus and Path(corpus), index_dir=index_dir and Path(index_dir), **overrides)


def _embedder(**overrides):
    from index.embedding import Embedder

    return Embedder(_settings(**overrides).embedder_config())


def _sample_chunk_texts(corpus: str, n: int, seed: int = 11) -> list[str]:
    from index.chunking import chunk_article
    from index.ingest import load_directory

    settings = _settings(corpus)
    articles = load_directory(corpus, settings.max_article_bytes).articles
    random.Random(seed).shuffle(articles)
    texts: list[str] = []
    for article in articles:
        texts.extend(c.text for c in chunk_article(article, settings.chunk_size, settings.chunk_overlap))
        if len(texts) >= n:
            break
    return texts[:n]


class TimedEmbedder:
    """Wraps an Embedder to add up the time spent encoding inside a build."""

    def __init__(self, embedder):
        self.embedder = embedder
        self.model_path = embedder.model_path
        self.seconds = 0.0
        self.chunks = 0

    @property
    def dimension(self) -> int:
        return self.embedder.dimension

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        started = time.perf_counter()
        vectors = self.embedder.encode(texts)
        self.seconds += time.perf_counter() - started
        self.chunks += len(texts)
        return vectors


class VariantReuseEmbedder(TimedEmbedder):
    """Embeds real text for real; a variant chunk gets its source chunk's vector plus small noise.

    A variant differs from its source only in its digits and a closing line (see bench/corpus.py), so
    chunk boundaries mostly coincide; chunks are matched on their text with digits masked.  The
    noise (norm ``noise``, about cosine 0.94 to the source) keeps variants distinct, like follow-up
    stories, instead of exact duplicates.  Unmatched variant chunks are embedded for real.
    """

    def __init__(self, embedder, noise: float = 0.35):
        super().__init__(embedder)
        self.noise = noise
        self.derived = 0
        self.reused = 0
        self._exact: dict[str, np.ndarray] = {}
        self._by_key: dict[str, np.ndarray] = {}
        self._derived_before: dict[bytes, int] = {}  # times each derived text was seen, by its digest

    def seed_from(self, index_dir: str) -> int:
        """Take the vectors of another index of the same model (a smaller benchmark index): same text,
        same model, same vector. Its main segment's files are read directly, so a folder holding an
        index of an earlier format (articles.jsonl, chunks.json or chunks.npy, faiss.index,
        manifest.json) serves too."""
        import faiss
        import orjson

        from index.store import current_generation

        gen = current_generation(Path(index_dir)) or Path(index_dir)
        try:
            model = json.loads((gen / "manifest.json").read_text())["params"]["model"]
        except (OSError, ValueError, KeyError):
            return 0
        # The same packaged model, wherever its virtual environment is.
        if Path(model).parts[-2:] != Path(self.model_path).parts[-2:] or not (gen / "faiss.index").exists():
            return 0
        with open(gen / "articles.jsonl", "rb") as handle:
            texts = [orjson.loads(line)["text"] for line in handle]
        rows = (np.load(gen / "chunks.npy").tolist() if (gen / "chunks.npy").exists()
                else orjson.loads((gen / "chunks.json").read_bytes()))
        stored = faiss.read_index(str(gen / "faiss.index"))
        for (article, start, end), vector in zip(rows, stored.reconstruct_n(0, stored.ntotal)):
            self._remember(texts[article][start:end], vector)
        return len(rows)

    @staticmethod
    def _key(text: str) -> str:
        return _DIGIT.sub("0", _VARIANT_LINE.sub("", text))

    def encode(self, texts: list[str], show_progress: bool = False) -> np.ndarray:
        out = np.empty((len(texts), self.dimension), dtype=np.float32)
        missing = []
        for i, text in enumerate(texts):
            if text in self._exact:  # the same text always has the same vector: reuse is exact
                out[i] = self._exact[text]
                self.reused += 1
                continue
            source = self._by_key.get(self._key(text))
            if source is None:
                missing.append(i)
                continue
            # Past ten passes variants repeat their digits, so one chunk text recurs in several
            # articles; each recurrence gets its own noise, a near neighbour rather than an exact tie
            # (ties would make recall against exact search a matter of tie order).
            digest = hashlib.sha1(text.encode()).digest()
            seen = self._derived_before[digest] = self._derived_before.get(digest, 0) + 1
            if seen > 1:
                digest = hashlib.sha1(f"{seen}:{text}".encode()).digest()
            seed = int.from_bytes(digest[:8], "little")
            noise = np.random.default_rng(seed).standard_normal(out.shape[1]).astype(np.float32)
            vector = source + noise * (self.noise / np.sqrt(out.shape[1]))
            out[i] = vector / np.linalg.norm(vector)
            self.derived += 1
        if missing:
            vectors = super().encode([texts[i] for i in missing])
            for i, vector in zip(missing, vectors):
                out[i] = vector
                self._remember(texts[i], vector)
        return out

    def _remember(self, text: str, vector: np.ndarray) -> None:
        self._exact.setdefault(text, vector)
        self._by_key.setdefault(self._key(text), vector)


# ----- stages ----------------------------------------------------------------------------------

def stage_prepare(args: dict) -> dict:
    """Make sure the default backend is ready (exports the ONNX model once) and time that."""
    started = time.perf_counter()
    embedder = _embedder(embedding_backend=args.get("backend"))
    embedder.encode(["warm-up"])
    return {"backend": embedder.backend, "seconds": time.perf_counter() - started,
            "onnx_path": str(getattr(embedder.encoder, "onnx_path", ""))}


def stage_encoders(args: dict) -> dict:
    """Throughput of each backend on the same chunk texts, interleaved in rounds on a shared machine."""
    texts = _sample_chunk_texts(args["corpus"], args["chunks"])
    backends = args["backends"]
    rounds = max(1, args.get("rounds", 4))
    embedders = {}
    load_seconds = {}
    for name in backends:
        started = time.perf_counter()
        embedders[name] = _embedder(embedding_backend=name, embedding_batch_size=args.get("batch_size"))
        embedders[name].encode(texts[:2])
        load_seconds[name] = time.perf_counter() - started
    seconds = {name: 0.0 for name in backends}
    per_round: dict[str, list[float]] = {name: [] for name in backends}
    vectors: dict[str, list[np.ndarray]] = {name: [] for name in backends}
    slices = np.array_split(np.arange(len(texts)), rounds)
    for r, idx in enumerate(slices):
        part = [texts[i] for i in idx]
        # Rotating the order spreads any drift in background load over every backend.
        for name in backends[r % len(backends):] + backends[:r % len(backends)]:
            if embedders[name].backend != name:
                continue
            started = time.perf_counter()
            vectors[name].append(embedders[name].encode(part))
            elapsed = time.perf_counter() - started
            seconds[name] += elapsed
            per_round[name].append(len(part) / elapsed)
    baseline = backends[0]
    reference = np.concatenate(vectors[baseline]) if vectors[baseline] else None
    results = {}
    for name in backends:
        if not vectors[name]:
            results[name] = {"unavailable": True, "ran_as": embedders[name].backend}
            continue
        mine = np.concatenate(vectors[name])
        cosine = (mine * reference).sum(1) if reference is not None else np.ones(len(mine))
        ratios = [a / b for a, b in zip(per_round[name], per_round[baseline])]
        results[name] = {
            "chunks_per_s": len(texts) / seconds[name], "load_seconds": load_seconds[name],
            "ratio_vs_baseline": (len(texts) / seconds[name]) / (len(texts) / seconds[baseline]),
            "ratio_median_round": float(np.median(ratios)),
            "cosine_min": float(cosine.min()), "cosine_mean": float(cosine.mean()),
        }
    lengths = [len(t) for t in texts]
    return {"chunks": len(texts), "rounds": rounds, "mean_chars": float(np.mean(lengths)),
            "baseline": baseline, "backends": results}


def stage_index(args: dict) -> dict:
    """A full build of the corpus through index.store.build, as `qa index --rebuild` does."""
    from index.embedding import Embedder
    from index.ingest import load_directory
    from index.store import build, current_generation

    settings = _settings(args["corpus"], args["index"], embedding_backend=args.get("backend"))
    embedder = Embedder(settings.embedder_config())
    embedder.encode(["warm-up"])  # model load is start-up cost, reported by the prepare stage
    wrapped = VariantReuseEmbedder(embedder) if args.get("reuse_vectors") else TimedEmbedder(embedder)
    seeded = {path: wrapped.seed_from(path) for path in args.get("seed_indexes", [])} if args.get("reuse_vectors") else {}
    started = time.perf_counter()
    ingested = load_directory(settings.corpus_dir, settings.max_article_bytes)
    ingest_seconds = time.perf_counter() - started
    report = build(ingested.articles, settings.resolved_index_dir, wrapped, settings.index_params(embedder.model_path),
                   rebuild=True, sources=ingested.sources)
    total = time.perf_counter() - started
    gen = current_generation(settings.resolved_index_dir)
    manifest = json.loads((gen / "manifest.json").read_text())
    return {
        "backend": embedder.backend, "articles": report.articles, "chunks": report.chunks,
        "seconds": total, "ingest_seconds": ingest_seconds, "build_seconds": report.seconds,
        "embed_seconds": wrapped.seconds, "embedded_for_real": wrapped.chunks,
        "derived_vectors": getattr(wrapped, "derived", 0), "reused_vectors": getattr(wrapped, "reused", 0),
        "seeded_from": seeded,
        "chunks_per_s": report.chunks / total,
        "embed_chunks_per_s": wrapped.chunks / wrapped.seconds if wrapped.seconds else None,
        "non_embedding_seconds": total - wrapped.seconds,
        "index_type": manifest.get("index_type"), "disk": disk_usage(gen),
    }


def disk_usage(gen: Path) -> dict:
    sizes: dict[str, int] = {}
    for path in gen.rglob("*"):
        if path.is_file():
            top = path.relative_to(gen).parts[0].split(".")[0]  # "faiss.index" → "faiss"
            sizes[top] = sizes.get(top, 0) + path.stat().st_size
    sizes["total"] = sum(sizes.values())
    return sizes


def stage_query(args: dict) -> dict:
    """Warm latency over the questions, FAISS search alone, exact vs HNSW recall, peak memory."""
    import faiss

    from index.retrieve import CANDIDATES
    from index.store import HNSW, make_faiss_index
    from qa.assistant import Assistant

    settings = _settings(args["corpus"], args["index"])
    started = time.perf_counter()
    assistant = Assistant.open_index(settings)
    open_seconds = time.perf_counter() - started
    questions = args["questions"]
    for q in questions[:5]:
        assistant.ask(q["question"])
    index = assistant.index
    embed_ms, retrieve_ms, ask_ms, freshness_ms, hits = [], [], [], [], []
    for q in questions:
        answer = assistant.ask(q["question"])
        # The answer's own stage timings: retrieval is embedding the question plus the hybrid search.
        embed_ms.append(answer.timings["embed_query"])
        retrieve_ms.append(answer.timings["embed_query"] + answer.timings["search"])
        freshness_ms.append(answer.timings["freshness"])
        ask_ms.append(answer.latency_ms)
        found = {p.article for p in answer.retrieved}
        hits.append(len(found & set(q["gold"])) / len(q["gold"]))
    query_peak = peak_rss_mb()
    vectors = assistant.embedder.encode([q["question"] for q in questions])
    live = getattr(index.vectors, "main", index.vectors)  # the FAISS index of the main segment
    k = min(CANDIDATES, index.size)
    all_vectors = live.reconstruct_n(0, live.ntotal)
    exact = faiss.IndexFlatIP(all_vectors.shape[1])
    exact.add(all_vectors)
    if args.get("hnsw_for_recall", True) and not isinstance(live, faiss.IndexHNSWFlat):
        started = time.perf_counter()
        hnsw = make_faiss_index(all_vectors, HNSW)
        hnsw_build = time.perf_counter() - started
    else:
        hnsw, hnsw_build = (live if isinstance(live, faiss.IndexHNSWFlat) else None), None
    exact_ms = _search_ms(exact, vectors, k)
    live_ms = _search_ms(live, vectors, k)
    result = {
        "chunks": index.size, "index_type": index.manifest.get("index_type"), "open_seconds": open_seconds,
        "questions": len(questions),
        "embed_query_ms": {"p50": percentile(embed_ms, 50), "p95": percentile(embed_ms, 95)},
        "retrieve_ms": {"p50": percentile(retrieve_ms, 50), "p95": percentile(retrieve_ms, 95)},
        "freshness_ms": {"p50": percentile(freshness_ms, 50), "p95": percentile(freshness_ms, 95)},
        "ask_ms": {"p50": percentile(ask_ms, 50), "p95": percentile(ask_ms, 95)},
        "live_search_ms": {"p50": percentile(live_ms, 50), "p95": percentile(live_ms, 95)},
        "exact_search_ms": {"p50": percentile(exact_ms, 50), "p95": percentile(exact_ms, 95)},
        "gold_in_top_k": float(np.mean(hits)) if hits else None,
        "query_peak_rss_mb": query_peak,
    }
    if hnsw is not None:
        _, exact_ids = exact.search(vectors, 10)
        exact_sims, _ = exact.search(vectors, 10)
        hnsw_sims, hnsw_ids = hnsw.search(vectors, 10)
        by_id = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_ids, hnsw_ids)])
        # Near-duplicate chunks tie; a neighbour as similar as the exact 10th counts as found.
        by_score = np.mean([(h >= e[-1] - 1e-6).sum() / 10 for h, e in zip(hnsw_sims, exact_sims)])
        result["hnsw"] = {"recall_at_10": float(by_id), "recall_at_10_ties": float(by_score),
                          "search_ms": {"p50": percentile(_search_ms(hnsw, vectors, k), 50),
                                        "p95": percentile(_search_ms(hnsw, vectors, k), 95)},
                          "build_seconds": hnsw_build, "efSearch": int(hnsw.hnsw.efSearch)}
    return result


def _search_ms(index, vectors: np.ndarray, k: int) -> list[float]:
    times = []
    for vector in vectors:
        started = time.perf_counter()
        index.search(vector[None, :], k)
        times.append((time.perf_counter() - started) * 1000)
    return times


def stage_add_one(args: dict) -> dict:
    """Upload one new article into the existing index (the product path, as the page does), then
    remove it again (the page's Remove); wall and CPU seconds of each."""
    from index.articles import Article
    from index.chunking import chunk_article
    from qa.assistant import Assistant

    settings = _settings(args["corpus"], args["index"])
    assistant = Assistant.open_index(settings)
    text = args["text"]
    chunks = chunk_article(Article("added", text.split("\n", 1)[0], text), settings.chunk_size, settings.chunk_overlap)
    assistant.embedder.encode(["warm-up"])
    started = time.perf_counter()
    assistant.embedder.encode([c.text for c in chunks])
    own_embedding = time.perf_counter() - started
    started, cpu = time.perf_counter(), time.process_time()
    report = assistant.add_files([("bench-added-article.txt", text.encode("utf-8"))])
    total, total_cpu = time.perf_counter() - started, time.process_time() - cpu
    # Removing it again leaves corpus and index as they were, for the next run's stages.
    started, cpu = time.perf_counter(), time.process_time()
    removed = [assistant.remove_article(added) for added in report.added]
    remove_total, remove_cpu = time.perf_counter() - started, time.process_time() - cpu
    return {"chunks_in_index": report.chunks, "added_chunks": report.embedded_chunks, "seconds": total,
            "cpu_seconds": total_cpu, "files_read": report.files_read, "phases_ms": report.timings,
            "own_embedding_seconds": own_embedding, "overhead_seconds": total - own_embedding,
            "remove_seconds": remove_total, "remove_cpu_seconds": remove_cpu,
            "remove_phases_ms": removed[-1].timings if removed else {},
            "segments": assistant.index.manifest.get("segments")}


def stage_quality(args: dict) -> dict:
    """Hybrid retrieval quality per backend on one index: gold article in the top k, and MRR."""
    import faiss

    from index.retrieve import Retriever
    from index.store import load

    index = load(args["index"])
    questions = args["questions"]
    texts = [c.text for c in index.chunks]
    results = {}
    for name in args["backends"]:
        embedder = _embedder(embedding_backend=name)
        started = time.perf_counter()
        matrix = embedder.encode(texts)
        encode_seconds = time.perf_counter() - started
        flat = faiss.IndexFlatIP(matrix.shape[1])
        flat.add(matrix)
        retriever = Retriever(_with_faiss(index, flat), embedder)
        metrics = {"hit@1": [], "hit@5": [], "hit@10": [], "mrr@10": [], "dense_hit@10": []}
        for q in questions:
            vector = retriever.embed_query(q["question"])
            ranked = [h.chunk.article_id for h in retriever.search(q["question"], 10, vector)]
            gold = set(q["gold"])
            first = next((r for r, a in enumerate(ranked, 1) if a in gold), None)
            for k in (1, 5, 10):
                metrics[f"hit@{k}"].append(len(gold & set(ranked[:k])) / len(gold))
            metrics["mrr@10"].append(1 / first if first else 0.0)
            _, ids = flat.search(vector[None, :], 10)
            dense = {index.chunks[i].article_id for i in ids[0] if i >= 0}
            metrics["dense_hit@10"].append(len(gold & dense) / len(gold))
        results[name] = {"ran_as": embedder.backend, "encode_seconds": encode_seconds,
                         "chunks_per_s": len(texts) / encode_seconds,
                         **{k: 100 * float(np.mean(v)) for k, v in metrics.items()}}
    return {"chunks": len(texts), "questions": len(questions),
            "by_kind": {kind: sum(1 for q in questions if q["kind"] == kind) for kind in {"squad", "multihop"}},
            "backends": results}


def _with_faiss(index, faiss_index):
    from dataclasses import replace

    return replace(index, vectors=faiss_index)


def _peer_stages() -> dict:
    from bench.peer import stage_peer_ask, stage_peer_index

    return {"peer_index": stage_peer_index, "peer_ask": stage_peer_ask}


def _million_stages() -> dict:
    from bench.million import stage_million_candidates, stage_million_query

    return {"million_query": stage_million_query, "million_candidates": stage_million_candidates}


STAGES = {
    "prepare": stage_prepare, "encoders": stage_encoders, "index": stage_index,
    "query": stage_query, "add_one": stage_add_one, "quality": stage_quality, **_peer_stages(),
    **_million_stages(),
}


def main(argv: list[str]) -> None:
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
    stage, args_file = argv  # arguments travel in a file: question lists outgrow a command line
    result = STAGES[stage](json.loads(Path(args_file).read_text()))
    result["peak_rss_mb"] = peak_rss_mb()
    print(RESULT_MARK + json.dumps(result), flush=True)


if __name__ == "__main__":
    main(sys.argv[1:])
