"""`qa bench` / `python -m bench`: build corpora, run every stage in a fresh process, report."""
from __future__ import annotations

import json
import os
import platform
import re
import shutil
import subprocess
import sys
import tempfile
import time
from importlib import metadata
from pathlib import Path

import click

from bench.corpus import build_corpus, parse_sizes, sample_questions
from bench.report import render_table

REPO = Path(__file__).resolve().parent.parent
DEFAULT_OUT = REPO / "bench" / "out"
SIZE_STAGES = ("encoders", "index", "cold", "query", "add", "peer")
# Seed questions of every type, for a folder corpus that holds the seed article (seeds + BBC).
DIR_QUESTIONS = ("Why did the general say he defected?", "Who met Brahimi?", "Where did the commander flee?",
                 "How many towns did the rebels seize?", "When did the general join the uprising?",
                 "What did the army turn into?", "Did the commander flee to Turkey?")
HEAVY_MODULES = ("torch", "sentence_transformers", "transformers", "llama_index.core", "gradio", "spacy",
                 "onnxruntime", "faiss", "bm25s")


def run_stage(stage: str, args: dict, env: dict | None = None) -> dict:
    """Run one stage in a child process; its own peak RSS comes back in the result."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as handle:
        json.dump(args, handle)
    try:
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bench.stages", stage, handle.name], cwd=REPO,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                env={**os.environ, **(env or {})})
        out, err = proc.communicate()
        wall = time.perf_counter() - started
    finally:
        os.unlink(handle.name)
    line = next((l for l in reversed(out.splitlines()) if l.startswith("BENCH-RESULT ")), None)
    if proc.returncode != 0 or line is None:
        raise click.ClickException(f"stage {stage} failed (exit {proc.returncode}):\n{err[-3000:]}")
    result = json.loads(line[len("BENCH-RESULT "):])
    result["wall_seconds"] = wall
    return result


def qa_command() -> list[str]:
    script = Path(sys.executable).with_name("qa")
    return [str(script)] if script.exists() else [sys.executable, "-c", "from qa.cli import main; main()"]


def cold_start(corpus: Path, index: Path, question: str, runs: int) -> dict:
    """Wall time of `qa ask` in a new process on the existing index, and what it imported."""
    env = {**os.environ, "QA_INDEX_DIR": str(index), "HF_HUB_OFFLINE": "1"}
    args = ["ask", question, "--corpus", str(corpus)]
    times, cpu = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen(qa_command() + args, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - started)
        # CPU seconds barely depend on what else runs on a shared machine; wall time does.
        cpu.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            raise click.ClickException(f"`qa ask` failed on {corpus}:\n{err.decode(errors='replace')[-2000:]}")
    traced = subprocess.run([sys.executable, "-X", "importtime", "-c", "from qa.cli import main; main()", *args],
                            env=env, capture_output=True, text=True)
    imports = {}
    for line in traced.stderr.splitlines():
        match = re.match(r"import time:\s+\d+ \|\s+(\d+) \|\s*(\S+)", line)
        if match and match.group(2) in HEAVY_MODULES:
            imports[match.group(2)] = int(match.group(1)) / 1e6
    return {"runs": times, "first": times[0], "best": min(times), "median": sorted(times)[len(times) // 2],
            "cpu_seconds": cpu, "cpu_best": min(cpu), "heavy_imports_s": imports}


def cold_by_type(corpus: Path, index: Path, questions: list[str], runs: int) -> dict:
    """`qa ask` cold on the first of ``questions`` of each question type: types load different code."""
    from qa.question import classify

    firsts: dict[str, str] = {}
    for question in questions:
        firsts.setdefault(classify(question).type, question)
    by_type = {kind: {"question": q, **cold_start(corpus, index, q, runs)} for kind, q in firsts.items()}
    slowest = max(by_type, key=lambda kind: by_type[kind]["best"])
    return {"by_type": by_type, "slowest_type": slowest, "slowest_best": by_type[slowest]["best"],
            "slowest_median": by_type[slowest]["median"]}


def machine() -> dict:
    cpu = ""
    try:
        cpu = next(l.split(":", 1)[1].strip() for l in Path("/proc/cpuinfo").read_text().splitlines()
                   if l.startswith("model name"))
    except (OSError, StopIteration):
        pass
    memory = None
    try:
        memory = int(next(l.split()[1] for l in Path("/proc/meminfo").read_text().splitlines()
                          if l.startswith("MemTotal"))) / 1024 / 1024
    except (OSError, StopIteration):
        pass
    versions = {}
    for package in ("torch", "sentence-transformers", "onnxruntime", "faiss-cpu", "bm25s", "llama-index-core", "numpy"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    return {"platform": platform.platform(), "cpu": cpu, "cores": os.cpu_count(),
            "usable_cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "memory_gib": memory, "python": platform.python_version(), "versions": versions,
            "load_average": os.getloadavg()}


ADDED_ARTICLE = """Harbour city opens floating solar farm on old shipping basin

The city council opened a floating solar farm on the disused northern shipping basin on Tuesday, \
covering 14 hectares of water with 38,000 panels.

Engineers said the array would supply about 11 megawatts at peak, enough for roughly 6,000 homes, \
and that the water keeps the panels cooler and so more efficient than on land.

The project cost 19 million euros and was paid for by a green bond sold to residents last spring. \
Fishermen who use the southern basin said they had not been consulted about the anchoring cables.

The mayor, Ilse Vandermeer, said a second array on the eastern basin would be decided next year, \
once a study of bird nesting on the quays is complete.
"""


@click.command()
@click.option("--sizes", default="1k,10k", show_default=True,
              help="Corpus sizes in chunks, comma-separated (1k, 10k, 100k or any number); \"\" for none.")
@click.option("--questions", "n_questions", type=click.IntRange(10, 5000), default=200, show_default=True,
              help="Questions for warm latency.")
@click.option("--baseline-chunks", type=click.IntRange(50), default=1000, show_default=True,
              help="Chunks per size encoded by each backend for the side-by-side encoder baseline.")
@click.option("--quality-chunks", type=click.IntRange(0), default=3000, show_default=True,
              help="Size of the corpus for the retrieval-quality comparison of backends (0 skips it).")
@click.option("--real-chunks", type=click.IntRange(1), default=None,
              help="Cap on real text per corpus (in chunks); the rest of a larger size is variants.")
@click.option("--embed-variants", is_flag=True,
              help="Embed variant chunks for real instead of deriving them from their source chunk.")
@click.option("--cold-runs", type=click.IntRange(1, 20), default=3, show_default=True)
@click.option("--peer-articles", type=click.IntRange(0), default=300, show_default=True,
              help="Articles of each size's corpus indexed by both `qa` and the naive llama-index pipeline "
                   "(bench/peer.py) side by side; 0 skips the peer.")
@click.option("--corpus-dir", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="Also measure this folder of articles (e.g. seeds + BBC): its index, cold start and add/remove.")
@click.option("--seed-index", type=click.Path(path_type=Path, file_okay=False), default=None,
              help="With --corpus-dir: take the vectors of chunks this index (same model) already holds.")
@click.option("--stages", "stage_names", default=",".join(SIZE_STAGES), show_default=True,
              help="Stages to run per size; leaving out 'index' measures the index a previous run built.")
@click.option("--out", "out_dir", type=click.Path(path_type=Path), default=DEFAULT_OUT, show_default=True)
@click.option("--shared-data", type=click.Path(path_type=Path), default=None,
              help="External data (default: QA_SHARED_DATA, else ../shared/data).")
def bench(sizes: str, n_questions: int, baseline_chunks: int, quality_chunks: int, real_chunks: int | None,
          embed_variants: bool, cold_runs: int, peer_articles: int, corpus_dir: Path | None, seed_index: Path | None,
          stage_names: str, out_dir: Path, shared_data: Path | None):
    """Measure indexing, start-up, latency, memory and index size; write JSON and print a table."""
    from qa.settings import Settings

    try:
        settings = Settings.from_env()  # every QA_* variable checked before anything runs
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    shared_data = shared_data or settings.resolved_shared_data_dir
    try:
        chosen = parse_sizes(sizes) if sizes else []  # --sizes "": only --corpus-dir
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--sizes") from exc
    wanted = {name.strip() for name in stage_names.split(",") if name.strip()}
    if not wanted <= set(SIZE_STAGES):
        raise click.BadParameter(f"choose from {', '.join(SIZE_STAGES)}", param_hint="--stages")
    out_dir.mkdir(parents=True, exist_ok=True)
    shared = shared_data if shared_data.is_dir() else None
    if shared is None:
        click.echo(f"note: {shared_data} not found; corpora repeat the seed article only", err=True)
    from index.embedding import BACKENDS, SENTENCE_TRANSFORMERS

    default_backend = settings.embedding_backend
    compared = [SENTENCE_TRANSFORMERS] + [b for b in BACKENDS if b != SENTENCE_TRANSFORMERS]
    results: dict = {"started": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), "machine": machine(),
                     "default_backend": default_backend, "settings": {
                         "questions": n_questions, "baseline_chunks": baseline_chunks,
                         "quality_chunks": quality_chunks, "real_chunks": real_chunks,
                         "embed_variants": embed_variants, "peer_articles": peer_articles}, "sizes": {}}
    click.echo("preparing the embedding backend (exports the ONNX model once)...", err=True)
    results["prepare"] = run_stage("prepare", {"backend": default_backend})
    seeds = REPO / "seeds"
    if quality_chunks:
        click.echo(f"quality: {quality_chunks} chunks, backends {', '.join(compared)}...", err=True)
        corpus = build_corpus(f"quality-{quality_chunks}", quality_chunks, out_dir, shared, seeds)
        index = out_dir / f"index-quality-{quality_chunks}"
        run_stage("index", {"corpus": str(corpus.path), "index": str(index)})
        results["quality"] = run_stage("quality", {"index": str(index), "backends": compared,
                                                   "questions": [q.__dict__ for q in corpus.questions]})
        results["quality"]["corpus"] = corpus.to_dict()
        _write(results, out_dir)
    for label, target in chosen:
        click.echo(f"size {label}: building the corpus...", err=True)
        corpus = build_corpus(label, target, out_dir, shared, seeds, real_chunks)
        index = out_dir / f"index-{label}"
        questions = [q.__dict__ for q in sample_questions(corpus.questions, n_questions)]
        entry: dict = {"target_chunks": target, "corpus": corpus.to_dict(), "description": corpus.describe()}
        if "encoders" in wanted:
            click.echo(f"size {label}: encoder baseline on {baseline_chunks} chunks...", err=True)
            entry["encoders"] = run_stage("encoders", {"corpus": str(corpus.path), "chunks": baseline_chunks,
                                                       "backends": compared})
        if "index" in wanted:
            reuse = bool(corpus.variant_articles) and not embed_variants
            click.echo(f"size {label}: indexing{' (variant vectors derived)' if reuse else ''}...", err=True)
            # Smaller corpora are prefixes of larger ones (same records, same order): their vectors are exact.
            seeds_from = sorted(str(p) for p in out_dir.glob("index-*") if p.is_dir() and p != index) if reuse else []
            entry["index"] = run_stage("index", {"corpus": str(corpus.path), "index": str(index),
                                                 "reuse_vectors": reuse, "seed_indexes": seeds_from})
        elif wanted & {"cold", "query", "add"} and not (index / "CURRENT").exists():
            raise click.ClickException(f"no index at {index}: run with the 'index' stage first")
        if "cold" in wanted:
            click.echo(f"size {label}: cold start x{cold_runs}...", err=True)
            entry["cold_start"] = cold_by_type(corpus.path, index, [q["question"] for q in questions] or ["Who?"],
                                               cold_runs)
        if "query" in wanted:
            click.echo(f"size {label}: warm latency over {len(questions)} questions...", err=True)
            entry["query"] = run_stage("query", {"corpus": str(corpus.path), "index": str(index), "questions": questions})
        if "add" in wanted:
            entry["add_one"] = _add_one(label, corpus.path, index, results["started"])
        if peer_articles and "peer" in wanted:
            entry["peer"] = _peer(label, corpus.path, out_dir, peer_articles,
                                  questions[0]["question"] if questions else "Who?", cold_runs)
        results["sizes"][label] = entry
        _write(results, out_dir)
    if corpus_dir is not None:
        label = f"dir:{corpus_dir.name}"
        index = out_dir / f"index-dir-{corpus_dir.name}"
        entry = {"corpus": {"path": str(corpus_dir)}}
        if "index" in wanted:
            click.echo(f"{label}: indexing{' (vectors taken from ' + str(seed_index) + ')' if seed_index else ''}...",
                       err=True)
            entry["index"] = run_stage("index", {"corpus": str(corpus_dir), "index": str(index),
                                                 "reuse_vectors": seed_index is not None,
                                                 "seed_indexes": [str(seed_index)] if seed_index else []})
        if "cold" in wanted:
            click.echo(f"{label}: cold start x{cold_runs}...", err=True)
            entry["cold_start"] = cold_by_type(corpus_dir, index, list(DIR_QUESTIONS), cold_runs)
        if "add" in wanted:
            entry["add_one"] = _add_one(label, corpus_dir, index, results["started"])
        results["sizes"][label] = entry
        _write(results, out_dir)
    results["finished"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    results["machine"]["load_average_end"] = os.getloadavg()
    path = _write(results, out_dir)
    click.echo(render_table(results))
    click.echo(f"\nJSON: {path}")


def _add_one(label: str, corpus: Path, index: Path, started: str) -> dict:
    click.echo(f"{label}: adding one article, then removing it...", err=True)
    # A new text each run: the index may still hold the article an earlier, interrupted run added.
    text = f"{ADDED_ARTICLE}\n(Filed {started}.)\n"
    return run_stage("add_one", {"corpus": str(corpus), "index": str(index), "text": text})


def _peer(label: str, corpus: Path, out_dir: Path, n: int, question: str, runs: int) -> dict:
    """`qa` and the naive llama-index pipeline on the same first ``n`` articles: indexing and a cold question."""
    import orjson

    from index.ingest import load_directory

    folder = out_dir / f"peer-{label}-{n}"
    shutil.rmtree(folder, ignore_errors=True)
    (folder / "corpus").mkdir(parents=True)
    articles = load_directory(corpus, 20 * 1024 * 1024).articles[:n]
    (folder / "corpus" / "articles.jsonl").write_bytes(
        b"".join(orjson.dumps({"title": a.title, "text": a.text}) + b"\n" for a in articles))
    click.echo(f"size {label}: `qa index` and the llama-index peer on {len(articles)} articles...", err=True)
    ours = run_stage("index", {"corpus": str(folder / "corpus"), "index": str(folder / "qa-index")})
    ours_cold = cold_start(folder / "corpus", folder / "qa-index", question, runs)
    peer = run_stage("peer_index", {"corpus": str(folder / "corpus"), "persist": str(folder / "peer-index")})
    from bench.peer import cold_question

    peer_cold = cold_question(folder / "peer-index", question, runs)
    chars = peer["chars"]
    return {"articles": len(articles), "question": question, "qa_index": ours, "qa_cold": ours_cold,
            "peer_index": peer, "peer_cold": peer_cold,
            "ratios": {"index_units_per_s": ours["chunks_per_s"] / peer["nodes_per_s"],
                       "index_chars_per_s": (chars / ours["seconds"]) / peer["chars_per_s"],
                       "cold_best": peer_cold["best"] / ours_cold["best"],
                       "cold_cpu_best": peer_cold["cpu_best"] / ours_cold["cpu_best"]}}


def _write(results: dict, out_dir: Path) -> Path:
    stamp = results["started"].replace(":", "").replace("-", "")
    path = out_dir / f"results-{stamp}.json"
    path.write_text(json.dumps(results, indent=1))
    shutil.copyfile(path, out_dir / "results-latest.json")
    return path
