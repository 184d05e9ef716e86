"""Where the time goes for the targets a `python -m bench` run missed: ``python -m bench.diagnose``.

Runs on the indexes and corpora a previous ``python -m bench`` run left in ``bench/out/`` and writes
``bench/out/diagnose-<UTC time>.json``. Each part runs in its own process (``python -m bench.diagnose
<part> <args.json>``), like the stages. Parts:

- ``cold``: a cold ``qa ask`` split into imports, opening the index (checksums, parsing, FAISS/BM25
  reads), the embedder's first call and answering (spaCy's first load);
- ``ask``: a warm ask split into query embedding, hybrid search, sentence scoring (how many sentences
  are embedded per question) and the rest;
- ``hnsw``: HNSW recall@10 against exact search and search time for several ``efSearch`` values;
- ``flat``: exact flat search time with FAISS's default OpenMP threads and with one thread;
- ``add``: adding one article split into the functions of ``qa.uploads`` / ``index.store`` it runs.
"""
from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

RESULT_MARK = "DIAGNOSE-RESULT "
OUT = Path(__file__).resolve().parent / "out"


class Timers:
    """Inclusive and exclusive seconds per wrapped function (exclusive: minus wrapped callees)."""

    def __init__(self):
        self.inclusive: dict[str, float] = {}
        self.exclusive: dict[str, float] = {}
        self.calls: dict[str, int] = {}
        self._stack: list[list[float]] = []

    def wrap(self, owner, name: str, label: str | None = None) -> None:
        original = getattr(owner, name)
        label = label or f"{getattr(owner, '__name__', owner)}.{name}"
        timers = self

        @functools.wraps(original)
        def wrapper(*args, **kwargs):
            timers._stack.append([0.0])
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                elapsed = time.perf_counter() - started
                children = timers._stack.pop()[0]
                if timers._stack:
                    timers._stack[-1][0] += elapsed
                timers.inclusive[label] = timers.inclusive.get(label, 0.0) + elapsed
                timers.exclusive[label] = timers.exclusive.get(label, 0.0) + elapsed - children
                timers.calls[label] = timers.calls.get(label, 0) + 1

        setattr(owner, name, wrapper)

    def to_dict(self) -> dict:
        return {label: {"inclusive_s": self.inclusive[label], "exclusive_s": self.exclusive[label],
                        "calls": self.calls[label]} for label in self.inclusive}


def _settings(corpus: str, index_dir: str):
    from qa.settings import Settings

    return Settings.from_env(corpus_dir=Path(corpus), index_dir=Path(index_dir))


def part_cold(args: dict) -> dict:
    """One cold `qa ask` (this process is fresh), with its phases timed."""
    started = time.perf_counter()
    import qa.assistant
    import qa.cli
    import index.embedding
    import index.retrieve
    import index.store
    imports = time.perf_counter() - started
    timers = Timers()
    timers.wrap(qa.assistant, "_index_is_current")
    timers.wrap(qa.assistant, "_load_index")
    timers.wrap(index.store, "_verify_files")
    timers.wrap(index.store, "_read_generation")
    timers.wrap(index.retrieve.Retriever, "__init__", "Retriever.__init__ (idf table)")
    timers.wrap(index.embedding.Embedder, "encode", "Embedder.encode")
    timers.wrap(qa.assistant.Assistant, "ask", "Assistant.ask")
    os.environ["QA_INDEX_DIR"] = args["index"]
    before = time.perf_counter()
    qa.cli.main(["ask", args["question"], "--corpus", args["corpus"]], standalone_mode=False)
    rest = time.perf_counter() - before
    usage = os.times()
    return {"question": args["question"], "qa_imports_s": imports, "command_s": rest,
            "in_process_total_s": time.perf_counter() - started, "cpu_s": usage.user + usage.system,
            "phases": timers.to_dict()}


def part_ask(args: dict) -> dict:
    """Warm asks with embedding calls split into the query embedding and sentence scoring."""
    import index.embedding
    import index.retrieve
    from qa.assistant import Assistant

    assistant = Assistant.open_index(_settings(args["corpus"], args["index"]))
    questions = [q["question"] for q in args["questions"]]
    for q in questions[:5]:
        assistant.ask(q)
    timers = Timers()
    timers.wrap(index.retrieve.Retriever, "search", "Retriever.search")
    timers.wrap(index.retrieve.Retriever, "sentences", "Retriever.sentences")
    texts_per_call: list[int] = []
    original = index.embedding.Embedder.encode

    def encode(self, texts, show_progress=False):
        texts_per_call.append(len(texts))
        return original(self, texts, show_progress)

    index.embedding.Embedder.encode = encode
    timers.wrap(index.embedding.Embedder, "encode", "Embedder.encode")
    totals, per_question = [], []
    for q in questions:
        before = dict(timers.inclusive)
        calls_before = len(texts_per_call)
        started = time.perf_counter()
        assistant.ask(q)
        total = (time.perf_counter() - started) * 1000
        delta = {k: (timers.inclusive.get(k, 0.0) - before.get(k, 0.0)) * 1000 for k in timers.inclusive}
        sizes = texts_per_call[calls_before:]
        per_question.append({"total": total, **delta, "sentences_embedded": sum(s for s in sizes if s > 1)})
        totals.append(total)

    def stats(key):
        values = np.asarray([p.get(key, 0.0) for p in per_question], dtype=np.float64)
        return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95)),
                "mean": float(values.mean())}

    keys = ["total", "Retriever.search", "Retriever.sentences", "Embedder.encode", "sentences_embedded"]
    result = {k: stats(k) for k in keys}
    # Embedding calls with one text are the query; the others are sentence scoring.
    result["note"] = "ms per question; Embedder.encode covers the query and the sentence embeddings"
    result["questions"] = len(questions)
    return result


def part_hnsw(args: dict) -> dict:
    import faiss

    from index.embedding import Embedder
    from index.store import load

    index = load(args["index"], verify=False)
    live = index.vectors
    vectors_all = live.reconstruct_n(0, live.ntotal)
    embedder = Embedder()
    queries = embedder.encode([q["question"] for q in args["questions"]]).astype(np.float32)
    exact = faiss.IndexFlatIP(vectors_all.shape[1])
    exact.add(vectors_all)
    exact_sims, exact_ids = exact.search(queries, 10)
    hnsw = live if isinstance(live, faiss.IndexHNSWFlat) else None
    if hnsw is None:
        from index.store import make_faiss_index

        hnsw = make_faiss_index(vectors_all, hnsw_threshold=0)
    faiss.omp_set_num_threads(1)
    sweep = {}
    for ef in args.get("ef", [64, 128, 256, 512, 1024]):
        hnsw.hnsw.efSearch = ef
        times = []
        found = []
        for q in queries:
            started = time.perf_counter()
            found.append(hnsw.search(q[None, :], 10))
            times.append((time.perf_counter() - started) * 1000)
        ids = np.concatenate([f[1] for f in found])
        sims = np.concatenate([f[0] for f in found])
        by_id = np.mean([len(set(a) & set(b)) / 10 for a, b in zip(exact_ids, ids)])
        by_score = np.mean([(h >= e[-1] - 1e-6).sum() / 10 for h, e in zip(sims, exact_sims)])
        sweep[str(ef)] = {"recall_at_10": float(by_id), "recall_at_10_ties": float(by_score),
                          "search_ms_p50": float(np.percentile(times, 50)),
                          "search_ms_p95": float(np.percentile(times, 95))}
    return {"chunks": int(live.ntotal), "index_type": type(hnsw).__name__, "M": int(hnsw.hnsw.nb_neighbors(1)),
            "efConstruction": int(hnsw.hnsw.efConstruction), "queries": len(queries), "sweep": sweep}


def part_flat(args: dict) -> dict:
    import faiss

    from index.embedding import Embedder
    from index.store import load

    index = load(args["index"], verify=False)
    live = index.vectors
    vectors_all = live.reconstruct_n(0, live.ntotal)
    exact = faiss.IndexFlatIP(vectors_all.shape[1])
    exact.add(vectors_all)
    queries = Embedder().encode([q["question"] for q in args["questions"]]).astype(np.float32)
    result = {"chunks": int(exact.ntotal), "default_omp_threads": faiss.omp_get_max_threads()}
    for threads in (faiss.omp_get_max_threads(), 1):
        faiss.omp_set_num_threads(threads)
        times = []
        for q in queries:
            started = time.perf_counter()
            exact.search(q[None, :], 50)
            times.append((time.perf_counter() - started) * 1000)
        result[f"threads_{threads}"] = {"p50_ms": float(np.percentile(times, 50)),
                                        "p95_ms": float(np.percentile(times, 95))}
    return result


def part_add(args: dict) -> dict:
    """One upload into the existing index through Assistant.add_files, split by function."""
    import bm25s

    import index.embedding
    import index.retrieve
    import index.store
    import qa.assistant
    import qa.uploads
    from qa.assistant import Assistant

    settings = _settings(args["corpus"], args["index"])
    assistant = Assistant.open_index(settings)
    assistant._embedder.encode(["warm-up"])
    timers = Timers()
    timers.wrap(qa.assistant, "load_directory", "load_directory (read + hash the corpus)")
    timers.wrap(qa.assistant, "_index_corpus")
    timers.wrap(qa.assistant, "_load_index", "_load_index (reopen the new generation)")
    timers.wrap(qa.assistant, "build", "build (index.store)")
    timers.wrap(index.store, "chunk_article", "chunk_article (new article only)")
    timers.wrap(index.embedding.Embedder, "encode", "Embedder.encode (new chunks)")
    timers.wrap(qa.uploads, "_article_hashes", "uploads._article_hashes (parse the upload)")
    timers.wrap(index.store, "_load_reusable", "_load_reusable (load the previous generation)")
    timers.wrap(index.store, "_verify_files", "_verify_files (sizes; sha256 unless unchanged since verified)")
    timers.wrap(index.store, "_read_generation", "_read_generation (parse JSON, read FAISS + BM25)")
    timers.wrap(index.store, "_chunks_by_article")
    timers.wrap(index.store, "_write_generation")
    timers.wrap(index.store, "make_faiss_index", "make_faiss_index (HNSW/flat from all vectors)")
    timers.wrap(index.store, "content_terms", "content_terms (BM25 tokenising)")
    timers.wrap(bm25s.BM25, "index", "BM25.index")
    timers.wrap(bm25s.BM25, "save", "BM25.save")
    timers.wrap(index.store, "_sha256", "_sha256 (all calls)")
    timers.wrap(index.store, "_fsync")
    timers.wrap(index.store, "_collect_garbage")
    timers.wrap(index.retrieve.Retriever, "__init__", "Retriever.__init__ (idf table)")
    text = args["text"]
    started = time.perf_counter()
    report = assistant.add_files([("bench-diagnose-article.txt", text.encode("utf-8"))])
    total = time.perf_counter() - started
    for added in report.added:
        (Path(settings.corpus_dir) / added).unlink(missing_ok=True)
    return {"seconds": total, "chunks_in_index": report.chunks, "embedded_chunks": report.embedded_chunks,
            "phases": timers.to_dict()}


PARTS = {"cold": part_cold, "ask": part_ask, "hnsw": part_hnsw, "flat": part_flat, "add": part_add}


def _run(part: str, args: dict) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(args, handle)
    try:
        started = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "bench.diagnose", part, handle.name],
                              cwd=Path(__file__).resolve().parent.parent, capture_output=True, text=True)
        wall = time.perf_counter() - started
    finally:
        os.unlink(handle.name)
    line = next((l for l in reversed(proc.stdout.splitlines()) if l.startswith(RESULT_MARK)), None)
    if proc.returncode != 0 or line is None:
        return {"failed": proc.returncode, "stderr": proc.stderr[-3000:]}
    result = json.loads(line[len(RESULT_MARK):])
    result["wall_seconds"] = wall
    return result


def main() -> None:
    from bench.corpus import sample_questions, Question

    results_path = OUT / "results-latest.json"
    results = json.loads(results_path.read_text())
    sizes = [s for s in (sys.argv[1].split(",") if len(sys.argv) > 1 else results["sizes"])]
    parts = sys.argv[2].split(",") if len(sys.argv) > 2 else list(PARTS)
    report = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "of_run": results["started"],
              "load_average": os.getloadavg(), "sizes": {}}
    stamp = report["started"].replace(":", "").replace("-", "")
    path = OUT / f"diagnose-{stamp}.json"
    for label in sizes:
        meta = json.loads((OUT / f"corpus-{label}.json").read_text())
        corpus, index = str(OUT / f"corpus-{label}"), str(OUT / f"index-{label}")
        questions = [q.__dict__ for q in sample_questions([Question(**q) for q in meta["questions"]], 200)]
        entry = report["sizes"].setdefault(label, {})
        for part in parts:
            args = {"corpus": corpus, "index": index, "questions": questions, "question": questions[0]["question"],
                    "text": f"Diagnose upload {report['started']}\n\nA short new article filed for the benchmark "
                            f"diagnosis on {report['started']}. It has two sentences."}
            print(f"{label}: {part}...", file=sys.stderr, flush=True)
            entry[part] = _run(part, args)
            entry[part]["load_average"] = os.getloadavg()
            path.write_text(json.dumps(report, indent=1))
    report["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    path.write_text(json.dumps(report, indent=1))
    print(path)


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] in PARTS:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        out = PARTS[sys.argv[1]](json.loads(Path(sys.argv[2]).read_text()))
        print(RESULT_MARK + json.dumps(out), flush=True)
    else:
        main()
