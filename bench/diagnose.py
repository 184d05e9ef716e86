"""Where the time goes for the targets a `python -m bench` run missed: ``python -m bench.diagnose``.

Runs on the indexes and corpora a previous ``python -m bench`` run left in ``bench/out/`` and writes
``bench/out/diagnose-<UTC time>.json``. Each part runs in its own process (``python -m bench.diagnose
<part> <args.json>``), like the stages. The breakdowns come from the public timing hooks: an answer's
``timings`` (per stage of answering), an index report's ``timings`` (per phase of indexing) and the
embedder's ``encode_*`` counters. Parts:

- ``cold``: a cold ``qa ask`` split into imports, opening the index and the first answer's stages
  (the embedder's first call falls into embed_query, the reader's first load into read);
- ``ask``: warm asks split into the freshness check, query embedding, hybrid search, reading (the
  trained reader; yes/no questions embed candidate sentences, counted) and composing;
- ``hnsw``: HNSW recall@10 against exact search and search time for several ``efSearch`` values;
- ``flat``: exact flat search time with FAISS's default OpenMP threads and with one thread;
- ``add``: adding one article split into the phases of re-indexing.
"""
from __future__ import annotations

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


def _settings(corpus: str, index_dir: str):
    from qa.settings import Settings

    return Settings.from_env(corpus_dir=Path(corpus), index_dir=Path(index_dir))


def part_cold(args: dict) -> dict:
    """One cold `qa ask` (this process is fresh) through the calls the command makes, phases timed."""
    started = time.perf_counter()
    from qa.assistant import Assistant
    imports = time.perf_counter() - started
    before = time.perf_counter()
    assistant = Assistant.open(settings=_settings(args["corpus"], args["index"]))
    opened = time.perf_counter() - before
    answer = assistant.ask(args["question"])
    str(answer)
    usage = os.times()
    return {"question": args["question"], "qa_imports_s": imports, "open_s": opened,
            "ask_ms": answer.latency_ms, "ask_stages_ms": answer.timings,
            "in_process_total_s": time.perf_counter() - started, "cpu_s": usage.user + usage.system}


def part_ask(args: dict) -> dict:
    """Warm asks split by the answer's stage timings; the embedder's counters give sentences embedded."""
    from qa.assistant import Assistant

    assistant = Assistant.open_index(_settings(args["corpus"], args["index"]))
    questions = [q["question"] for q in args["questions"]]
    for q in questions[:5]:
        assistant.ask(q)
    embedder = assistant.embedder
    per_question = []
    for q in questions:
        texts_before = embedder.encoded_texts
        answer = assistant.ask(q)
        # One text is the question; the rest are candidate sentences scored (yes/no questions only).
        per_question.append({"total": answer.latency_ms, **answer.timings,
                             "sentences_embedded": embedder.encoded_texts - texts_before - 1})

    def stats(key):
        values = np.asarray([p.get(key, 0.0) for p in per_question], dtype=np.float64)
        return {"p50": float(np.percentile(values, 50)), "p95": float(np.percentile(values, 95)),
                "mean": float(values.mean())}

    keys = ["total", "freshness", "embed_query", "search", "read", "compose", "sentences_embedded"]
    result = {k: stats(k) for k in keys}
    result["note"] = "ms per question (Answer.timings); sentences_embedded is a count"
    result["questions"] = len(questions)
    return result


def part_hnsw(args: dict) -> dict:
    import faiss

    from index.embedding import Embedder
    from index.store import load

    index = load(args["index"], verify=False)
    live = getattr(index.vectors, "main", index.vectors)  # the FAISS index of the main segment
    vectors_all = live.reconstruct_n(0, live.ntotal)
    embedder = Embedder(_settings(args["corpus"], args["index"]).embedder_config())
    queries = embedder.encode([q["question"] for q in args["questions"]]).astype(np.float32)
    exact = faiss.IndexFlatIP(vectors_all.shape[1])
    exact.add(vectors_all)
    exact_sims, exact_ids = exact.search(queries, 10)
    hnsw = live if isinstance(live, faiss.IndexHNSWFlat) else None
    if hnsw is None:
        from index.store import HNSW, make_faiss_index

        hnsw = make_faiss_index(vectors_all, HNSW)
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
    queries = Embedder(_settings(args["corpus"], args["index"]).embedder_config()).encode(
        [q["question"] for q in args["questions"]]).astype(np.float32)
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
    """One upload into the existing index through Assistant.add_files, split by the report's phases."""
    from qa.assistant import Assistant

    settings = _settings(args["corpus"], args["index"])
    assistant = Assistant.open_index(settings)
    assistant.embedder.encode(["warm-up"])
    text = args["text"]
    started = time.perf_counter()
    report = assistant.add_files([("bench-diagnose-article.txt", text.encode("utf-8"))])
    total = time.perf_counter() - started
    for added in report.added:
        assistant.remove_article(added)
    phases = dict(report.timings)
    # What the phases do not cover: checking the upload, writing it, taking the lock.
    phases["checks_and_writing"] = total * 1000 - sum(report.timings.values())
    return {"seconds": total, "chunks_in_index": report.chunks, "embedded_chunks": report.embedded_chunks,
            "files_read": report.files_read, "phases_ms": phases}


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
