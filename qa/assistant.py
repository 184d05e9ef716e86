"""The public facade: ``Assistant.from_directory("seeds").ask("Who met Brahimi?")``."""
from __future__ import annotations

import os
import re
import threading
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from index.articles import Article
from index.embedding import Embedder
from index.ingest import IngestError, load_directory
from index.retrieve import Retriever, SentenceHit
from index.store import IndexCorrupt, IndexParams, StoredIndex, build, load
from index.vectors import VectorStoreConfig, VectorStoreError
from qa.answer import compose, ensure_typed_answer, rank_for, select_evidence, with_attribution
from qa.question import classify
from qa.settings import Settings
from qa.types import Answer, ArticleInfo, Citation, IndexReport, Passage, QAError, Scope, article_day

Progress = Callable[[int, int], None]

_WANTED = {"who": "the person or group", "where": "the place", "when": "the date or time",
           "how_many": "the number", "how_much": "the figure"}  # how much, long, far, old


@dataclass(frozen=True)
class _Live:
    """One consistent snapshot of the index; swapped as a whole so readers never see half an update."""

    index: StoredIndex
    retriever: Retriever


class Assistant:
    def __init__(self, settings: Settings, live: _Live, embedder: Embedder, problems: list[str] | None = None):
        self.settings = settings
        self._live = live
        self._embedder = embedder
        self._write_lock = threading.Lock()
        self.problems: list[str] = list(problems or [])
        self.last_report: IndexReport | None = None

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_directory(
        cls,
        corpus_dir: str | os.PathLike | None = None,
        settings: Settings | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> "Assistant":
        """Open the corpus's index, (re)indexing first whatever changed on disk."""
        settings = settings or Settings.from_env()
        if corpus_dir is not None:
            settings = settings.replace(corpus_dir=Path(corpus_dir))
        embedder = Embedder(settings.embedding_model)
        report = _index_corpus(settings, embedder, rebuild, progress)
        index = _load_index(settings)
        assistant = cls(settings, _Live(index, Retriever(index, embedder)), embedder, report.problems)
        assistant.last_report = report
        return assistant

    @classmethod
    def open_index(cls, settings: Settings | None = None) -> "Assistant":
        """Open an existing index without reading the corpus directory (fast start-up)."""
        settings = settings or Settings.from_env()
        embedder = Embedder(settings.embedding_model)
        index = _load_index(settings)
        return cls(settings, _Live(index, Retriever(index, embedder)), embedder)

    @classmethod
    def open(cls, corpus_dir: str | os.PathLike | None = None, settings: Settings | None = None) -> "Assistant":
        """The quickest correct way in: the existing index when no article changed since it was
        written, otherwise ``from_directory`` (which re-embeds only what changed)."""
        settings = settings or Settings.from_env()
        if corpus_dir is not None:
            settings = settings.replace(corpus_dir=Path(corpus_dir))
        if _index_is_current(settings):
            try:
                assistant = cls.open_index(settings)
            except QAError:
                assistant = None  # a damaged index is rebuilt below
            # The manifest was read by opening (62 ms at 100k chunks): check the store kind there.
            # An index kept in another vector store than the settings name is rebuilt below too.
            if assistant and assistant._live.index.manifest.get("vectors", {}).get("kind", "faiss") == settings.vector_store:
                return assistant
        return cls.from_directory(settings=settings)

    def warm_up(self) -> None:
        """Load the embedding model and the entity tagger now rather than on the first question."""
        from qa.entities import entities

        self._live.retriever.embed_query("warm up")
        entities("Lakhdar Brahimi met President Assad in Damascus.")

    # ----- questions ----------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, context: str | None = None, scope: Scope | None = None) -> Answer:
        """Answer ``question``; ``context`` (earlier turns) only widens the search, never the answer;
        ``scope`` limits the articles the answer may come from."""
        started = time.perf_counter()
        question = self._clean_question(question)
        live = self._live
        allowed = self._scoped(live, scope)
        kind = classify(question)
        query = f"{question} {context}" if context else question
        vector = live.retriever.embed_query(query)
        hits = live.retriever.search(query, k or self.settings.top_k, vector, allowed)
        candidates = live.retriever.sentences(question, hits, vector, self.settings.sentence_candidates) if hits else []
        sentences = rank_for(kind, candidates, question) if candidates else []
        retrieved = [self._passage(live, h.chunk.article_id, h.chunk.start, h.chunk.end, h.score) for h in hits]
        best = sentences[0].score if sentences else 0.0
        evidence = None
        if best >= self.settings.abstain_threshold:
            evidence = select_evidence(sentences, self.settings.max_citations, self.settings.abstain_threshold)
            if self.settings.short_answers:
                evidence = ensure_typed_answer(kind, question, sentences, evidence,
                                               self.settings.abstain_threshold, self.settings.max_citations)
        if evidence is None:
            answer = self._abstain(question, kind.type, sentences, live, related=best >= self.settings.abstain_threshold)
        else:
            evidence = with_attribution(evidence, live.index.articles)
            composition = compose(kind, question, evidence, self.settings.short_answers)
            citations = [self._citation(live, e.hit, e.n) for e in composition.evidence]
            answer = Answer(
                question=question, text=composition.text, abstained=False, citations=citations,
                short_answer=composition.short_answer, question_type=kind.type,
                conflicts=composition.conflicts,
            )
        answer.retrieved = retrieved
        answer.resolved_question = question
        if self.settings.llm_backend and not answer.abstained:
            from qa.llm import LLMAnswerer  # only a user who configured an LLM pays for it

            answer = LLMAnswerer(self.settings).answer(answer, live.index.articles.__getitem__)
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        """The retriever alone: fused chunk hits, best first."""
        question = self._clean_question(question)
        live = self._live
        hits = live.retriever.search(question, k or self.settings.top_k)
        return [self._passage(live, h.chunk.article_id, h.chunk.start, h.chunk.end, h.score) for h in hits]

    def conversation(self):
        from qa.conversation import Conversation

        return Conversation(self)

    @staticmethod
    def _scoped(live: _Live, scope: Scope | None) -> set[str] | None:
        """The ids a scope allows (None: no limit), or QAError when it allows none."""
        if scope is None or scope.is_empty:
            return None
        articles = live.index.articles
        candidates = [articles[a] for a in scope.articles if a in articles] if scope.articles else articles.values()
        allowed = {a.id for a in candidates if scope.allows(a.id, a.source, article_day(a.date))}
        if not allowed:
            raise QAError(f"No indexed article matches the chosen scope ({scope}); widen it or clear it.")
        return allowed

    def _clean_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise QAError("The question must be text.")
        # Control and format characters carry no meaning for search and break display; drop them.
        cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in question)
        cleaned = re.sub(r"\s+", " ", cleaned).strip()
        if not cleaned:
            raise QAError("The question is empty: type a question about the articles.")
        if len(cleaned) > self.settings.max_question_chars:
            raise QAError(
                f"The question is {len(cleaned):,} characters long; the limit is "
                f"{self.settings.max_question_chars:,}. Ask something shorter."
            )
        return cleaned

    def _abstain(self, question: str, qtype: str, sentences: list[SentenceHit], live: _Live, related: bool) -> Answer:
        see_also = [self._passage(live, s.article_id, s.start, s.end, s.score) for s in sentences[:3]]
        if related:
            wanted = _WANTED.get(qtype, "the answer")
            text = f"The articles don't say. They discuss this, but none of them gives {wanted} that “{question}” asks for."
        else:
            text = f"The articles don't say. I found nothing that answers “{question}”."
        if see_also:
            text += " The closest passages are listed under “see also”."
        return Answer(question=question, text=text, abstained=True, question_type=qtype, see_also=see_also)

    @staticmethod
    def _passage(live: _Live, article_id: str, start: int, end: int, score: float) -> Passage:
        article = live.index.articles[article_id]
        return Passage(article_id, article.title, start, end, article.text[start:end], round(float(score), 4))

    @staticmethod
    def _citation(live: _Live, hit: SentenceHit, n: int) -> Citation:
        article = live.index.articles[hit.article_id]
        quote = article.text[hit.start:hit.end]
        if quote != hit.text:  # cannot happen unless the index changed under us; never cite wrong text
            raise RuntimeError(f"citation offsets do not match article {article.id}")
        return Citation(n, article.id, article.title, hit.start, hit.end, quote, round(hit.score, 4), article.hash)

    # ----- articles -----------------------------------------------------------------------
    def article(self, article_id: str) -> Article:
        try:
            return self._live.index.articles[article_id]
        except KeyError:
            raise QAError(f"No article with id {article_id!r} in the index.") from None

    def articles(self) -> list[ArticleInfo]:
        return [
            ArticleInfo(a.id, a.title, len(a.text), a.source, a.date, a.url)
            for a in self._live.index.articles.values()
        ]

    def citation_status(self, citation: Citation | dict) -> str:
        """"valid", "stale" (the article text changed since), or "missing" (article gone)."""
        data = citation.to_dict() if isinstance(citation, Citation) else citation
        article = self._live.index.articles.get(data["article"])
        if article is None:
            return "missing"
        if article.hash != data["article_hash"]:
            return "stale"
        return "valid" if article.text[data["start"]:data["end"]] == data["quote"] else "stale"

    # ----- corpus changes -----------------------------------------------------------------
    def reindex(self, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Re-read the corpus directory and swap in the new index once it is complete."""
        with self._write_lock:
            report = _index_corpus(self.settings, self._embedder, rebuild, progress)
            index = _load_index(self.settings)
            self._live = _Live(index, Retriever(index, self._embedder))
            self.problems = report.problems
            self.last_report = report
            return report

    def add_files(self, files: list[tuple[str, bytes]], progress: Progress | None = None) -> IndexReport:
        from qa.uploads import add_files

        return add_files(self, files, progress)

    def remove_article(self, article_id: str, progress: Progress | None = None) -> IndexReport:
        from qa.uploads import remove_article

        return remove_article(self, article_id, progress)


def _index_corpus(settings: Settings, embedder: Embedder, rebuild: bool, progress: Progress | None) -> IndexReport:
    try:
        ingested = load_directory(settings.corpus_dir, settings.max_article_bytes)
    except IngestError as exc:
        raise QAError(str(exc)) from exc
    problems = [str(p) for p in ingested.problems]
    if not ingested.articles:
        detail = ("; ".join(problems[:5])) if problems else "it holds no .txt, .md, .html, .json or .jsonl files"
        raise QAError(f"No articles to index in {settings.corpus_dir}: {detail}")
    try:
        params = IndexParams(embedder.model_path, settings.chunk_size, settings.chunk_overlap, settings.hnsw_threshold,
                             _vector_store_config(settings))
        built = build(ingested.articles, settings.resolved_index_dir, embedder, params, rebuild=rebuild,
                      progress=progress, vector_token=settings.vector_store_token or "")
    except VectorStoreError as exc:
        raise QAError(f"Vector store: {exc}") from exc
    except OSError as exc:
        raise QAError(f"Could not write the index in {settings.resolved_index_dir}: {exc}. "
                      "Set QA_INDEX_DIR to a writable folder.") from exc
    return IndexReport(
        articles=built.articles, chunks=built.chunks, embedded_chunks=built.embedded_chunks,
        removed_articles=built.removed_articles, seconds=built.seconds, problems=problems,
    )


def _index_is_current(settings: Settings) -> bool:
    """Whether no corpus file changed since the index was written (sizes and mtimes: cheap)."""
    from index.ingest import iter_corpus_files
    from index.store import current_generation

    gen = current_generation(settings.resolved_index_dir)
    corpus = Path(settings.corpus_dir)
    if gen is None or not (gen / "manifest.json").exists() or not corpus.is_dir():
        return False
    built = (gen / "manifest.json").stat().st_mtime
    return corpus.stat().st_mtime < built and all(p.stat().st_mtime < built for p in iter_corpus_files(corpus))


def _load_index(settings: Settings) -> StoredIndex:
    try:
        index = load(settings.resolved_index_dir, vector_token=settings.vector_store_token or "")
    except IndexCorrupt as exc:
        raise QAError(str(exc)) from exc
    except VectorStoreError as exc:
        raise QAError(f"Vector store: {exc}") from exc
    if index is None:
        raise QAError(f"No index in {settings.resolved_index_dir}: run `qa index {settings.corpus_dir}` first.")
    return index


def _vector_store_config(settings: Settings) -> VectorStoreConfig:
    return VectorStoreConfig(settings.vector_store, settings.vector_store_uri, settings.vector_store_token or "")
