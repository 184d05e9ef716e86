"""`python -m bench.million`: the 1M-chunk figures of bench/RESULTS.md (run 4) in one command.

Builds (or reuses) the 1M corpus and its index with the benchmark's own machinery (``python -m bench
--sizes 1m --real-chunks 10000 --stages index``: variants of the 10k real chunks, their vectors derived
from their source chunk's), then in fresh processes: opening the index and answering questions (peak
RSS, retrieval p95), recall@10 of the live FAISS index against exact search over the same vectors,
and cold `qa ask`. ``--candidates N`` also builds other FAISS types on the first N vectors (build
time, memory, recall, search time) for choosing the type above ``QA_IVF_THRESHOLD``.
"""
from __future__ import annotations

import json
import os
import time
from pathlib import Path

import click
import numpy as np

from bench.cli import DEFAULT_OUT, REPO, cold_start, machine, run_stage
from bench.corpus import build_corpus, sample_questions

SIZE = ("1m", 1_000_000)
REAL_CHUNKS = 10_000  # as the 100k corpus: all of it reused exactly from the 100k index
NPROBES = (8, 16, 32, 64, 128)


def stage_million_query(args: dict) -> dict:
    """A fresh process: open the index, answer the questions, then recall against exact search."""
    import faiss

    from bench.stages import _search_ms, _settings, peak_rss_mb, percentile
    from index.retrieve import CANDIDATES
    from qa.assistant import Assistant

    started = time.perf_counter()
    assistant = Assistant.open_index(_settings(args["corpus"], args["index"]))
    open_seconds = time.perf_counter() - started
    open_rss = peak_rss_mb()
    questions = [q["question"] for q in args["questions"]]
    retrieve_ms, ask_ms = [], []
    for question in questions:
        answer = assistant.ask(question)
        retrieve_ms.append(answer.timings["embed_query"] + answer.timings["search"])
        ask_ms.append(answer.latency_ms)
    query_peak = peak_rss_mb()  # before the exact copy of the vectors below
    # Mapped index files count in RSS as they are touched, but they are page cache the kernel can
    # drop and other processes share; RssAnon is the process's own memory.
    status = dict(line.split(":", 1) for line in Path("/proc/self/status").read_text().splitlines() if ":" in line)
    rss_split = {name: int(status[name].split()[0]) / 1024 for name in ("RssAnon", "RssFile") if name in status}
    index = assistant.index
    queries = assistant.embedder.encode(questions)
    live = index.vectors
    search_ms = _search_ms(live, queries, CANDIDATES)
    main = live.main
    everything = main.reconstruct_n(0, main.ntotal)
    exact = faiss.IndexFlatIP(everything.shape[1])
    exact.add(everything)
    del everything
    exact_sims, exact_ids = exact.search(queries, 10)
    sweep = []
    if hasattr(main, "nprobe"):
        chosen = main.nprobe
        for nprobe in NPROBES:
            main.nprobe = nprobe
            sims, ids = main.search(queries, 10)
            ms = _search_ms(main, queries, CANDIDATES)
            sweep.append({"nprobe": nprobe, **_recall(sims, ids, exact_sims, exact_ids),
                          "search_ms": {"p50": percentile(ms, 50), "p95": percentile(ms, 95)}})
        main.nprobe = chosen
    sims, ids = main.search(queries, 10)
    return {"chunks": index.size, "index_type": index.manifest.get("index_type"), "open_seconds": open_seconds,
            "open_peak_rss_mb": open_rss, "questions": len(questions),
            "retrieve_ms": {"p50": percentile(retrieve_ms, 50), "p95": percentile(retrieve_ms, 95)},
            "ask_ms": {"p50": percentile(ask_ms, 50), "p95": percentile(ask_ms, 95)},
            "faiss_search_ms": {"p50": percentile(search_ms, 50), "p95": percentile(search_ms, 95)},
            "query_peak_rss_mb": query_peak, "rss_after_answering_mb": rss_split, "recall": _recall(sims, ids, exact_sims, exact_ids),
            "nprobe": getattr(main, "nprobe", None), "nprobe_sweep": sweep}


def stage_million_candidates(args: dict) -> dict:
    """Other FAISS types on the first ``rows`` vectors of the index: build s, bytes, recall, search ms."""
    import faiss

    from bench.stages import _search_ms, percentile
    from index.store import IVF, load, make_faiss_index

    faiss.omp_set_num_threads(len(os.sched_getaffinity(0)))
    main = load(args["index"]).vectors.main
    # The product's own IVF builder over every vector of the index: what a full build or a
    # compaction pays for the FAISS part (wall and CPU seconds, all threads).
    everything = main.reconstruct_n(0, main.ntotal)
    started, cpu = time.perf_counter(), time.process_time()
    make_faiss_index(everything, IVF)
    product = {"rows": len(everything), "seconds": time.perf_counter() - started, "cpu_seconds": time.process_time() - cpu}
    del everything
    vectors = main.reconstruct_n(0, min(args["rows"], main.ntotal))
    queries = np.load(args["queries"])
    exact = faiss.IndexFlatIP(vectors.shape[1])
    exact.add(vectors)
    exact_sims, exact_ids = exact.search(queries, 10)
    rows, dim = vectors.shape
    lists = round(rows ** 0.5)
    results = {}
    for name, factory, knob, values in (
            ("HNSW32,Flat", "HNSW32,Flat", "efSearch", (256, 1024)),
            ("HNSW32,SQ8", "HNSW32,SQ8", "efSearch", (256, 1024)),
            (f"IVF{lists},Flat", f"IVF{lists},Flat", "nprobe", (16, 32)),
            (f"IVF{lists},SQ8", f"IVF{lists},SQ8", "nprobe", (16, 32)),
            (f"IVF{lists},PQ48+refine x8", f"IVF{lists},PQ48,RFlat", "nprobe", (16, 32))):
        index = faiss.index_factory(dim, factory, faiss.METRIC_INNER_PRODUCT)
        started = time.perf_counter()
        if not index.is_trained:
            index.train(vectors[np.random.default_rng(0).choice(rows, min(rows, 64 * lists), replace=False)])
        if "HNSW" in name:
            faiss.downcast_index(index).hnsw.efConstruction = 80
        if "refine" in name:
            index.k_factor = 8  # exact re-ranking of 8 x k PQ candidates (the default, 1, re-ranks only k)
        index.add(vectors)
        build = time.perf_counter() - started
        size = len(faiss.serialize_index(index))
        for value in values:
            faiss.ParameterSpace().set_index_parameter(index, knob, value)
            sims, ids = index.search(queries, 10)
            ms = _search_ms(index, queries, 50)
            results[f"{name} {knob}={value}"] = {
                "build_seconds": build, "bytes": size, **_recall(sims, ids, exact_sims, exact_ids),
                "search_ms": {"p50": percentile(ms, 50), "p95": percentile(ms, 95)}}
        del index
    return {"rows": rows, "threads": faiss.omp_get_max_threads(), "ivf_build": product, "candidates": results}


def _recall(sims, ids, exact_sims, exact_ids) -> dict:
    by_id = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(ids, exact_ids)])
    # A neighbour as similar as the exact 10th is as good a hit (near-duplicate chunks tie).
    by_score = np.mean([(s >= e[-1] - 1e-6).sum() / 10 for s, e in zip(sims, exact_sims)])
    return {"recall_at_10": float(by_id), "recall_at_10_ties": float(by_score)}


@click.command()
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--questions", "n_questions", type=click.IntRange(10, 5000), default=200, show_default=True)
@click.option("--cold-runs", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option("--candidates", type=click.IntRange(0), default=0, show_default=True,
              help="Also build other FAISS types on this many of the index's vectors (0: skip).")
@click.option("--build/--no-build", default=True, show_default=True,
              help="Build the 1M index (no-build: measure the one a previous run left).")
def main(out_dir: Path, n_questions: int, cold_runs: int, candidates: int, build: bool):
    """Build the 1M-chunk index and measure it; prints a table and writes bench/out/million-<time>.json."""
    from qa.settings import Settings

    shared = Settings.from_env().resolved_shared_data_dir
    label, target = SIZE
    result: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(),
                    "uptime": [_uptime()]}
    corpus = build_corpus(label, target, out_dir, shared if shared.is_dir() else None, REPO / "seeds", REAL_CHUNKS)
    index = out_dir / f"index-{label}"
    questions = [q.__dict__ for q in sample_questions(corpus.questions, n_questions)]
    result["corpus"] = corpus.to_dict()
    if build:
        click.echo("building the 1M index (variant vectors derived)...", err=True)
        seeds = sorted(str(p) for p in out_dir.glob("index-*") if p.is_dir() and p != index)
        result["index"] = run_stage("index", {"corpus": str(corpus.path), "index": str(index),
                                              "reuse_vectors": True, "seed_indexes": seeds})
        result["uptime"].append(_uptime())
    gen = out_dir / f"index-{label}" / (index / "CURRENT").read_text().strip()
    result["disk_bytes"] = {p.name: _size(p) for p in gen.iterdir()}
    click.echo(f"querying {len(questions)} questions in a fresh process...", err=True)
    result["query"] = run_stage("million_query", {"corpus": str(corpus.path), "index": str(index),
                                                  "questions": questions})
    result["uptime"].append(_uptime())
    click.echo(f"cold `qa ask` x{cold_runs}...", err=True)
    result["cold_start"] = cold_start(corpus.path, index, questions[0]["question"], cold_runs)
    result["uptime"].append(_uptime())
    if candidates:
        click.echo(f"other FAISS types on {candidates} vectors...", err=True)
        queries = out_dir / "million-queries.npy"
        from bench.stages import _embedder

        np.save(queries, _embedder().encode([q["question"] for q in questions]))
        result["candidates"] = run_stage("million_candidates", {"index": str(index), "rows": candidates,
                                                                "queries": str(queries)})
        result["uptime"].append(_uptime())
    path = out_dir / f"million-{result['started'].replace(':', '').replace('-', '')}.json"
    path.write_text(json.dumps(result, indent=1))
    click.echo(render(result))
    click.echo(f"\nJSON: {path}")


def render(result: dict) -> str:
    query, cold = result["query"], result["cold_start"]
    lines = [f"chunks {query['chunks']:,}, index type {query['index_type']} (nprobe {query['nprobe']})"]
    built = result.get("index")
    if built:
        lines.append(f"build {built['seconds']:.0f} s (chunks embedded {built['embedded_for_real']:,}, reused "
                     f"{built['reused_vectors']:,}, derived {built['derived_vectors']:,}); peak RSS {built['peak_rss_mb']:,.0f} MiB")
    disk = result["disk_bytes"]
    lines.append("disk MiB: " + ", ".join(f"{name} {size / 2**20:,.0f}" for name, size in sorted(disk.items()))
                 + f"; total {sum(disk.values()) / 2**20:,.0f}")
    split = query.get("rss_after_answering_mb", {})
    lines.append(f"open {query['open_seconds']:.2f} s; peak RSS after open / while answering "
                 f"{query['open_peak_rss_mb']:,.0f} / {query['query_peak_rss_mb']:,.0f} MiB (then "
                 + ", ".join(f"{name} {mb:,.0f}" for name, mb in split.items()) + ")")
    lines.append(f"retrieval ms p50/p95 {query['retrieve_ms']['p50']:.1f} / {query['retrieve_ms']['p95']:.1f}; "
                 f"FAISS search {query['faiss_search_ms']['p50']:.1f} / {query['faiss_search_ms']['p95']:.1f}; "
                 f"ask {query['ask_ms']['p50']:.0f} / {query['ask_ms']['p95']:.0f}")
    lines.append(f"recall@10 vs exact {query['recall']['recall_at_10']:.3f} (ties {query['recall']['recall_at_10_ties']:.3f})")
    for row in query["nprobe_sweep"]:
        lines.append(f"  nprobe {row['nprobe']:>3}: recall {row['recall_at_10']:.3f} (ties {row['recall_at_10_ties']:.3f}), "
                     f"search ms p50/p95 {row['search_ms']['p50']:.1f} / {row['search_ms']['p95']:.1f}")
    lines.append(f"cold `qa ask` best / median of {len(cold['runs'])}: {cold['best']:.2f} / {cold['median']:.2f} s "
                 f"(CPU {cold['cpu_best']:.2f} s)")
    product = result.get("candidates", {}).get("ivf_build")
    if product:
        lines.append(f"IVF build over all {product['rows']:,} vectors: {product['seconds']:.0f} s "
                     f"({product['cpu_seconds']:.0f} CPU s)")
    for name, row in result.get("candidates", {}).get("candidates", {}).items():
        lines.append(f"  {name}: build {row['build_seconds']:.0f} s, {row['bytes'] / 2**20:,.0f} MiB, recall "
                     f"{row['recall_at_10']:.3f} (ties {row['recall_at_10_ties']:.3f}), search ms p95 {row['search_ms']['p95']:.1f}")
    lines.append("uptime: " + " | ".join(result["uptime"]))
    return "\n".join(lines)


def _uptime() -> str:
    return f"{time.strftime('%H:%M:%S', time.gmtime())} load {' '.join(f'{x:.2f}' for x in os.getloadavg())}"


def _size(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file()) if path.is_dir() else path.stat().st_size


if __name__ == "__main__":
    main()
