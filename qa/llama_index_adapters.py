"""The assistant inside llama-index apps: a query engine, a retriever, and llama-index documents in.

Built only on ``Assistant``'s public API (``ask``, ``retrieve``, ``article``, ``settings``) and its result
types, so it follows whatever the answer path does. Imported lazily by ``Assistant.as_query_engine``,
``as_retriever`` and ``from_llama_index``: llama-index stays out of ``qa ask``.

Nodes carry exact article offsets: ``assistant.article(m["article"]).text[m["start"]:m["end"]]`` is the
node's text, and the same offsets sit in llama-index's own ``start_char_idx`` / ``end_char_idx``.
"""
from __future__ import annotations

import asyncio
import copy
import hashlib
import json
import os
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable

from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.callbacks import CallbackManager
from llama_index.core.schema import (BaseNode, MetadataMode, NodeRelationship, NodeWithScore, QueryBundle,
                                     RelatedNodeInfo, TextNode)

from qa.types import Answer, Citation, Passage, QAError

if TYPE_CHECKING:
    from qa.assistant import Assistant

# Settings that change how a question is answered over an existing index. The others (chunking, model,
# store, corpus, limits) shape the index itself, so a query engine cannot change them.
ANSWER_SETTINGS = frozenset({
    "top_k", "sentence_candidates", "reader", "max_question_chars",
    "llm_backend", "llm_model", "llm_base_url", "llm_api_key",
})
# Article fields a llama-index document's metadata maps onto: the keys of index/ingest.py's JSON records.
ARTICLE_METADATA = ("title", "url", "date", "source")
# Offsets and hashes are for code, not for a user's LLM prompt (titles and ids help it cite, so they stay).
_NOT_FOR_LLM = ["start", "end", "article_hash", "n"]
# A hidden file (ingest skips it) marking a folder whose .json files this module owns and may replace.
CORPUS_MARK = ".from-llama-index"


class AssistantQueryEngine(BaseQueryEngine):
    """``query`` / ``aquery`` give the assistant's answer as a llama-index ``Response``: the text with its
    ``[n]`` markers, one source node per citation in ``[n]`` order (or the see-also passages when it
    abstains), and the rest of the answer (``abstained``, ``short_answer``, ...) in ``metadata``."""

    def __init__(self, assistant: "Assistant", callback_manager: CallbackManager | None = None, **settings: Any):
        unknown = sorted(set(settings) - ANSWER_SETTINGS)
        if unknown:
            raise QAError(f"as_query_engine() cannot change {', '.join(unknown)}: only answer settings "
                          f"({', '.join(sorted(ANSWER_SETTINGS))}). Settings that shape the index need "
                          "another Assistant.")
        self._assistant = assistant
        self._settings = settings
        super().__init__(callback_manager)

    def _get_prompt_modules(self) -> dict:
        return {}

    def _answer(self, question: str) -> Answer:
        assistant = self._assistant
        if self._settings:
            # A view with other answer settings over the same live assistant, made per question so it
            # always sees the index the assistant holds now.
            assistant = copy.copy(assistant)
            assistant.settings = assistant.settings.replace(**self._settings)
        return assistant.ask(question)

    def _query(self, query_bundle: QueryBundle) -> Response:
        return to_response(self._assistant, self._answer(query_bundle.query_str))

    async def _aquery(self, query_bundle: QueryBundle) -> Response:
        # Answering is CPU work; a thread keeps the caller's event loop responsive meanwhile.
        return await asyncio.to_thread(self._query, query_bundle)


class AssistantRetriever(BaseRetriever):
    """The assistant's hybrid retrieval (dense + BM25, fused) as llama-index nodes with article offsets."""

    def __init__(self, assistant: "Assistant", k: int | None = None, callback_manager: CallbackManager | None = None):
        if k is not None and (not isinstance(k, int) or isinstance(k, bool) or k < 1):
            raise QAError(f"k must be a positive whole number of passages, not {k!r}.")
        self._assistant = assistant
        self._k = k
        super().__init__(callback_manager=callback_manager)

    def _retrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        passages = self._assistant.retrieve(query_bundle.query_str, k=self._k)
        return passage_nodes(self._assistant, passages)

    async def _aretrieve(self, query_bundle: QueryBundle) -> list[NodeWithScore]:
        return await asyncio.to_thread(self._retrieve, query_bundle)


def to_response(assistant: "Assistant", answer: Answer) -> Response:
    if answer.abstained:
        nodes = passage_nodes(assistant, answer.see_also)
    else:
        nodes = [citation_node(c) for c in sorted(answer.citations, key=lambda c: c.n)]
    # Whatever the nodes and the text do not already carry, so nothing the assistant said is lost.
    metadata = {k: v for k, v in answer.to_dict().items() if k not in {"text", "citations", "see_also", "retrieved"}}
    return Response(response=answer.text, source_nodes=nodes, metadata=metadata)


def citation_node(citation: Citation) -> NodeWithScore:
    return _node(citation.article, citation.title, citation.start, citation.end, citation.quote,
                 citation.article_hash, citation.score, n=citation.n)


def passage_nodes(assistant: "Assistant", passages: list[Passage]) -> list[NodeWithScore]:
    nodes = []
    for p in passages:
        try:
            article = assistant.article(p.article)
        except QAError:
            continue  # removed by an update since it was retrieved: never hand out text we cannot prove
        if article.text[p.start:p.end] != p.quote:
            continue  # changed since it was retrieved, for the same reason
        nodes.append(_node(p.article, p.title, p.start, p.end, p.quote, article.hash, p.score))
    return nodes


def _node(article: str, title: str, start: int, end: int, text: str, article_hash: str, score: float,
          **extra: Any) -> NodeWithScore:
    node = TextNode(
        id_=f"{article}:{start}-{end}", text=text, start_char_idx=start, end_char_idx=end,
        metadata={"article": article, "title": title, "start": start, "end": end, "article_hash": article_hash, **extra},
        excluded_llm_metadata_keys=_NOT_FOR_LLM, excluded_embed_metadata_keys=_NOT_FOR_LLM,
        relationships={NodeRelationship.SOURCE: RelatedNodeInfo(node_id=article)},
    )
    return NodeWithScore(node=node, score=score)


# ----- llama-index documents in ------------------------------------------------------------------------
def write_corpus(nodes: Iterable[BaseNode], corpus_dir: str | os.PathLike | None = None) -> Path:
    """Write llama-index documents or nodes as a corpus folder of JSON records; return the folder.

    One ``<sha256(text)[:16]>.json`` record per document, so an article's id (``<name>.json#1``) depends on
    its text only: the same documents get the same ids on every run, in any order. Without ``corpus_dir``
    the folder is a cache folder named after the whole set. A named folder ends up holding exactly these
    documents; it must be new, empty, or one this function wrote before (its other files are never touched).
    """
    records = {}
    for number, node in enumerate(nodes, start=1):
        record = _record(node, number)
        records[f"{hashlib.sha256(record['text'].encode('utf-8', 'surrogatepass')).hexdigest()[:16]}.json"] = record
    if not records:
        raise QAError("No documents given: from_llama_index needs at least one llama-index Document or node.")
    # ASCII escapes, so that even a lone surrogate is written (ingest turns it into U+FFFD, as for any JSON).
    lines = {name: json.dumps(record) for name, record in records.items()}
    if corpus_dir is None:
        digest = hashlib.sha256("\n".join(f"{n}\t{lines[n]}" for n in sorted(lines)).encode("utf-8")).hexdigest()
        corpus = _cache_home() / "article-qa" / "llama-index" / digest[:16]
    else:
        corpus = Path(corpus_dir)
    _claim(corpus)
    for name, line in lines.items():
        target, text = corpus / name, line + "\n"
        # Unchanged files are left alone, so reopening the same documents rewrites and re-embeds nothing.
        if not target.exists() or target.read_text(encoding="utf-8") != text:
            # Hidden, so an interrupted write is never ingested; unique, as two processes may fill one cache folder.
            tmp = corpus / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
            tmp.write_text(text, encoding="utf-8")
            os.replace(tmp, target)
    for stale in corpus.glob("*.json"):
        if stale.name not in lines:
            stale.unlink()
    return corpus


def _record(node: Any, number: int) -> dict:
    if not isinstance(node, BaseNode):
        raise QAError(f"Item {number} is a {type(node).__name__}, not a llama-index Document or node.")
    text = node.get_content(metadata_mode=MetadataMode.NONE)
    if not text.strip():
        raise QAError(f"Document {number} (id {node.node_id}) has no text to index.")
    metadata = node.metadata or {}
    return {"text": text, **{k: str(metadata[k]) for k in ARTICLE_METADATA if metadata.get(k) not in (None, "")}}


def _claim(corpus: Path) -> None:
    mark = corpus / CORPUS_MARK
    if corpus.exists() and not corpus.is_dir():
        raise QAError(f"{corpus} is a file, not a folder for the documents' corpus.")
    if corpus.is_dir() and not mark.exists() and any(not p.name.startswith(".") for p in corpus.iterdir()):
        raise QAError(f"{corpus} already holds other files. from_llama_index writes into a new or empty folder "
                      "(or one it wrote before), so that nothing of yours is replaced.")
    corpus.mkdir(parents=True, exist_ok=True)
    mark.touch()


def _cache_home() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
