"""The public facade: ``Assistant.from_directory("seeds").ask("Who met Brahimi?")``.

What is answered is what is on disk. Every question, and every look-up of an article or a
citation, first compares the corpus folder with the snapshot its index was built from
(index/sources.py: one stat per file, any depth): a file added, changed, removed, renamed or moved
is re-indexed first, reading only those files. With ``auto_reindex`` off the index stays as it is,
nothing read from a changed file is cited, and the answer names the files it left out.
"""
from __future__ import annotations

import copy
import os
import re
import threading
import time
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Mapping, Sequence

from index.articles import Article
from index.embedding import Embedder
from index.ingest import IngestError, Reused, load_directory, read_changes
from index.retrieve import ChunkHit, Retriever, SentenceHit
from index.sources import Changes
from index.store import IndexCorrupt, StaleIndex, StoredIndex, append, build, load, load_reusable, tidy
from index.timing import Laps
from index.vectors import VectorStoreError
from qa import uploads
from qa.answerer import Abstention, Answerer, Question
from qa.question import classify
from qa.reader.answerer import TrainedReader
from qa.settings import Settings
from qa.types import Answer, ArticleInfo, Citation, IndexReport, Passage, QAError, Scope, article_day

Progress = Callable[[int, int], None]

_ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]")
_WANTED = {"who": "the person or group", "where": "the place", "when": "the date or time",
           "how_many": "the number", "how_much": "the figure", "how_long": "the length of time"}


@dataclass(frozen=True)
class _Live:
    """One consistent snapshot of the index; swapped as a whole so readers never see half an update."""

    index: StoredIndex
    retriever: Retriever
    # Files changed on disk and not re-indexed, and what their articles now are ("stale" or
    # "missing"): never cited, never shown. ``why`` ends the note an answer gets about them.
    left_out: Changes = Changes()
    excluded: Mapping[str, str] = field(default_factory=dict)
    why: str = ""

    def without(self, changes: Changes, why: str) -> "_Live":
        sources = self.index.sources
        if sources is None:  # an index older than snapshots: which article came from where is unknown
            excluded = {i: "stale" for i in self.index.articles}
        else:
            excluded = {**{i: "stale" for i in sources.article_ids(changes.modified)},
                        **{i: "missing" for i in sources.article_ids(changes.removed)}}
        return _Live(self.index, self.retriever.excluding(set(excluded)), changes, excluded, why)


class Assistant:
    def __init__(self, settings: Settings, live: _Live, embedder: Embedder, problems: list[str] | None = None,
                 answerer: Answerer | None = None):
        self.settings = settings
        self._answerer = answerer or TrainedReader(embedder.model_path, settings.resolved_onnx_cache,
                                                   settings.reader.quantized, settings.embedding_threads)
        self._live = live
        self._embedder = embedder
        self._write_lock = threading.Lock()
        self.problems: list[str] = list(problems or [])
        self.last_report: IndexReport | None = None

    @property
    def index(self) -> StoredIndex:
        """The live index generation, read-only (its manifest, articles, chunks and vectors)."""
        return self._live.index

    @property
    def embedder(self) -> Embedder:
        """The embedder in use; its ``encode_*`` counters say what embedding has cost so far."""
        return self._embedder

    # ----- construction -------------------------------------------------------------------
    @classmethod
    def from_directory(
        cls,
        corpus_dir: str | os.PathLike | None = None,
        settings: Settings | None = None,
        rebuild: bool = False,
        progress: Progress | None = None,
    ) -> "Assistant":
        """Read the whole corpus and index it, re-embedding only new or changed articles."""
        settings = settings or Settings.from_env()
        if corpus_dir is not None:
            settings = settings.replace(corpus_dir=Path(corpus_dir))
        embedder = Embedder(settings.embedder_config())
        previous = None if rebuild else load_reusable(
            settings.resolved_index_dir, settings.index_params(embedder.model_path), settings.vector_store_token or "")
        report, index = _update_index(settings, embedder, previous, rebuild, progress)
        assistant = cls(settings, _Live(index, Retriever(index, embedder)), embedder, report.problems)
        assistant.last_report = report
        prepare = getattr(assistant._answerer, "prepare", None)
        if prepare:
            prepare()
        return assistant

    @classmethod
    def open_index(cls, settings: Settings | None = None) -> "Assistant":
        """Open an existing index without reading the corpus directory (fast start-up); questions
        still bring it up to date with the corpus first."""
        settings = settings or Settings.from_env()
        embedder = Embedder(settings.embedder_config())
        index = _load_index(settings)
        return cls(settings, _Live(index, Retriever(index, embedder)), embedder)

    @classmethod
    def open(cls, corpus_dir: str | os.PathLike | None = None, settings: Settings | None = None) -> "Assistant":
        """The quickest correct way in: the existing index (each question re-indexes what changed on
        disk first), or ``from_directory`` where there is none, it is damaged or in another store."""
        settings = settings or Settings.from_env()
        if corpus_dir is not None:
            settings = settings.replace(corpus_dir=Path(corpus_dir))
        try:
            assistant = cls.open_index(settings)
        except QAError:
            assistant = None  # no index yet, or a damaged one: built below
        # The manifest was read by opening (62 ms at 100k chunks): check the store kind there.
        if assistant and assistant.index.manifest.get("vectors", {}).get("kind", "faiss") == settings.vector_store:
            return assistant
        return cls.from_directory(settings=settings)

    @classmethod
    def from_llama_index(cls, documents, corpus_dir: str | os.PathLike | None = None, settings: Settings | None = None,
                         progress: Progress | None = None) -> "Assistant":
        """Index llama-index ``Document``s or nodes (metadata title/url/date/source kept) as articles.

        They are written as JSON records into ``corpus_dir`` (new, empty, or written by this before), by
        default a cache folder named after the documents; ids depend only on each text, so they are stable.
        """
        from qa.llama_index_adapters import write_corpus

        return cls.from_directory(write_corpus(documents, corpus_dir), settings=settings, progress=progress)

    def with_llm(self, llm) -> "Assistant":
        """This assistant with its answers worded by ``llm``, any llama-index LLM object you built and
        configured (the optional LLM writer, as ``QA_LLM_BACKEND`` configures it by settings)."""
        from qa.llm import LLMWriter

        view = copy.copy(self)
        view._answerer = LLMWriter(self._answerer, self.settings, llm)
        return view

    def _writer(self) -> Answerer:
        """The answerer for this question: the configured LLM writer around the reader, else the reader."""
        if not self.settings.llm_backend or not isinstance(self._answerer, TrainedReader):
            return self._answerer
        from qa.llm import LLMWriter  # only a user who configured an LLM pays for it

        return LLMWriter(self._answerer, self.settings)

    def warm_up(self) -> None:
        """Bring the index up to date and load the embedding model and the reader now, rather than
        on the first question."""
        self.refresh()
        self._live.retriever.embed_query("warm up")
        warm = getattr(self._answerer, "warm_up", None)
        if warm:
            warm()

    # ----- freshness ----------------------------------------------------------------------
    def refresh(self, progress: Progress | None = None) -> Changes:
        """What changed in the corpus folder since the index was built. With ``auto_reindex`` (the
        default) those files are re-indexed before this returns; otherwise they are left out of
        answers until the corpus is indexed again."""
        return self._fresh(progress)[1]

    def _fresh(self, progress: Progress | None = None) -> tuple[_Live, Changes]:
        """The index to answer from, checked against the corpus on disk, and what changed."""
        live = self._live
        changes = self._changes(live)
        if not changes:
            return live, changes
        if not self.settings.auto_reindex:
            return live.without(changes, "re-indexing is off (auto_reindex); run `qa index` to include them"), changes
        with self._write_lock:
            live = self._live
            changes = self._changes(live)  # another thread may have re-indexed while this one waited
            if changes:
                try:
                    self._reindex(False, progress, changes)
                except QAError as exc:  # e.g. every article was removed: answer from what is unchanged
                    return live.without(changes, f"re-indexing them failed: {exc}"), changes
            return self._live, changes

    def _changes(self, live: _Live) -> Changes:
        sources = live.index.sources
        if sources is None:
            if self.settings.auto_reindex:
                return Changes(added=("*",))  # an index older than snapshots: read everything once
            raise QAError(f"The index in {self.settings.resolved_index_dir} does not record which files it was "
                          f"built from: run `qa index {self.settings.corpus_dir}` once.")
        return sources.changes(self.settings.corpus_dir)

    # ----- questions ----------------------------------------------------------------------
    def ask(self, question: str, k: int | None = None, context: str | None = None, scope: Scope | None = None,
            focus: Sequence[str] = ()) -> Answer:
        """Answer ``question``; ``context`` (earlier turns) only widens the search, never the answer;
        ``scope`` limits the articles the answer may come from; the passages of the ``focus`` articles
        (those a conversation's last answer cited) are read first."""
        started = time.perf_counter()
        laps = Laps()
        question = self._clean_question(question)
        live, _ = self._fresh()
        laps.lap("freshness")
        allowed = self._scoped(live, scope)
        kind = classify(question)
        expect = getattr(self._answerer, "expect", None)
        if expect:
            expect(kind.type)
        query = f"{question} {context}" if context else question
        vector = live.retriever.embed_query(query)
        laps.lap("embed_query")
        hits = live.retriever.search(query, k or self.settings.top_k, vector, allowed)
        focus = [a for a in focus if a in live.index.articles and (allowed is None or a in allowed)]
        if focus:
            hits = _first(live.retriever.search(query, k or self.settings.top_k, vector, focus), hits)
        laps.lap("search")
        retrieved = [Passage.of(live.index.articles[h.chunk.article_id], h.chunk.start, h.chunk.end, h.score) for h in hits]
        decision = self._writer().answer(
            Question(question, kind, hits, vector, live.index.articles, live.retriever, self.settings))
        laps.lap("read")
        if isinstance(decision, Abstention):
            answer = self._abstain(question, kind.type, decision.closest, live, decision.related)
            answer.confidence = decision.confidence
        else:
            citations = [self._citation(live, quote, n) for n, quote in enumerate(decision.quotes, start=1)]
            answer = Answer(
                question=question, text=decision.text, abstained=False, citations=citations,
                short_answer=decision.short_answer, question_type=kind.type, conflicts=decision.conflicts,
                confidence=decision.confidence, unsupported_sentences=list(decision.unsupported),
            )
        answer.retrieved = retrieved
        answer.resolved_question = question
        laps.lap("compose")
        if live.left_out:
            answer.left_out = list(live.left_out.files)
            answer.text += (f"\n\n(Not searched: {len(answer.left_out)} file{'s' if len(answer.left_out) != 1 else ''} "
                            f"changed on disk since the index was built: {live.left_out.describe()}; {live.why}.)")
        answer.timings = laps.ms
        answer.latency_ms = (time.perf_counter() - started) * 1000
        return answer

    def retrieve(self, question: str, k: int | None = None) -> list[Passage]:
        """The retriever alone: fused chunk hits, best first."""
        question = self._clean_question(question)
        live, _ = self._fresh()
        hits = live.retriever.search(question, k or self.settings.top_k)
        return [Passage.of(live.index.articles[h.chunk.article_id], h.chunk.start, h.chunk.end, h.score) for h in hits]

    def conversation(self):
        from qa.conversation import Conversation

        return Conversation(self)

    def as_query_engine(self, *, callback_manager=None, **settings):
        """A llama-index ``BaseQueryEngine``: ``query``/``aquery`` give this assistant's answers as a
        ``Response`` with one source node per citation; ``settings`` override answer settings (top_k, ...)."""
        from qa.llama_index_adapters import AssistantQueryEngine

        return AssistantQueryEngine(self, callback_manager, **settings)

    def as_retriever(self, k: int | None = None, *, callback_manager=None):
        """A llama-index ``BaseRetriever`` over the hybrid retrieval, nodes carrying article offsets."""
        from qa.llama_index_adapters import AssistantRetriever

        return AssistantRetriever(self, k, callback_manager)

    @staticmethod
    def _scoped(live: _Live, scope: Scope | None) -> set[str] | None:
        """The ids a scope allows (None: no limit), or QAError when it allows none. Articles whose
        files changed on disk and were not re-indexed are never allowed: they cannot be cited."""
        if scope is None or scope.is_empty:
            return None
        articles = live.index.articles
        candidates = [articles[a] for a in scope.articles if a in articles] if scope.articles else articles.values()
        allowed = {a.id for a in candidates
                   if a.id not in live.excluded and scope.allows(a.id, a.source, article_day(a.date))}
        if not allowed:
            raise QAError(f"No indexed article matches the chosen scope ({scope}); widen it or clear it.")
        return allowed

    def _clean_question(self, question: str) -> str:
        if not isinstance(question, str):
            raise QAError("The question must be text.")
        # Terminal colour codes pasted with a question ("\x1b[31m") would leave "[31m" behind: a number
        # the articles never give. Control and format characters carry no meaning; drop them.
        cleaned = _ANSI_ESCAPE.sub(" ", question)
        cleaned = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in cleaned)
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
        see_also = [Passage.of(live.index.articles[s.article_id], s.start, s.end, s.score) for s in sentences[:3]]
        if related:
            wanted = _WANTED.get(qtype, "the answer")
            text = f"The articles don't say. They discuss this, but none of them gives {wanted} that “{question}” asks for."
        else:
            text = f"The articles don't say. I found nothing that answers “{question}”."
        if see_also:
            text += " The closest passages are listed under “see also”."
        return Answer(question=question, text=text, abstained=True, question_type=qtype, see_also=see_also)

    @staticmethod
    def _citation(live: _Live, hit: SentenceHit, n: int) -> Citation:
        article = live.index.articles[hit.article_id]
        quote = article.text[hit.start:hit.end]
        if quote != hit.text:  # cannot happen unless the index changed under us; never cite wrong text
            raise RuntimeError(f"citation offsets do not match article {article.id}")
        return Citation(n, article.id, article.title, hit.start, hit.end, quote, round(hit.score, 4), article.hash)

    # ----- articles -----------------------------------------------------------------------
    def article(self, article_id: str) -> Article:
        live, _ = self._fresh()
        if article_id in live.excluded:
            raise QAError(f"Article {article_id!r} changed on disk since the index was built ({live.why}).")
        try:
            return live.index.articles[article_id]
        except KeyError:
            raise QAError(f"No article with id {article_id!r} in the index.") from None

    def articles(self) -> list[ArticleInfo]:
        live, _ = self._fresh()
        return [
            ArticleInfo(a.id, a.title, len(a.text), a.source, a.date, a.url)
            for a in live.index.articles.values() if a.id not in live.excluded
        ]

    def citation_status(self, citation: Citation | dict) -> str:
        """"valid", "stale" (the article text changed since), or "missing" (article gone)."""
        data = citation.to_dict() if isinstance(citation, Citation) else citation
        live, _ = self._fresh()
        if data["article"] in live.excluded:
            return live.excluded[data["article"]]
        article = live.index.articles.get(data["article"])
        if article is None:
            return "missing"
        if article.hash != data["article_hash"]:
            return "stale"
        return "valid" if article.text[data["start"]:data["end"]] == data["quote"] else "stale"

    # ----- corpus changes -----------------------------------------------------------------
    def reindex(self, rebuild: bool = False, progress: Progress | None = None) -> IndexReport:
        """Re-read the files that changed in the corpus directory (all of them with ``rebuild``,
        which also re-embeds everything) and swap in the new index once it is complete."""
        with self._write_lock:
            return self._reindex(rebuild, progress)

    def _reindex(self, rebuild: bool, progress: Progress | None, changes: Changes | None = None) -> IndexReport:
        report, index = _update_index(self.settings, self._embedder, self._live.index, rebuild, progress, changes)
        if index is not self._live.index:
            self._live = _Live(index, Retriever(index, self._embedder))
        self.problems = report.problems
        self.last_report = report
        return report

    def add_files(self, files: list[tuple[str, bytes]], progress: Progress | None = None) -> IndexReport:
        """Check ``files`` ([(name, bytes)]), write them into ``<corpus>/uploads/`` and index them;
        if indexing fails, nothing is left behind."""
        accepted, problems = uploads.check_files(files, self.settings, set(self._live.index.article_hashes()))
        written: list[Path] = []
        try:
            written = uploads.write_files(Path(self.settings.corpus_dir) / uploads.UPLOAD_DIR, accepted)
            report = self.reindex(progress=progress)
        except BaseException as exc:
            uploads.discard(written)  # the live index never saw them: leave the corpus as it was
            if isinstance(exc, (OSError, QAError)):
                raise QAError(f"Could not index the upload ({exc}); nothing was added.") from exc
            raise
        added = [p.relative_to(self.settings.corpus_dir).as_posix() for p in written]
        # A copy: last_report keeps what the re-index found in the whole corpus.
        return replace(report, added=added,
                       problems=problems + uploads.about_upload(report.problems, added),
                       duplicates=uploads.about_upload(report.duplicates, added))

    def remove_article(self, article_id: str, progress: Progress | None = None) -> IndexReport:
        """Delete the file of ``article_id`` from the corpus and re-index; on failure it is put back."""
        self.article(article_id)  # raises a clear QAError for an unknown id
        removal = uploads.stage_removal(self.settings.corpus_dir, article_id)
        try:
            report = self.reindex(progress=progress)
        except BaseException:
            removal.undo()  # the index was not swapped: put the file back
            raise
        removal.finish()
        return report


def _update_index(settings: Settings, embedder: Embedder, previous: StoredIndex | None, rebuild: bool,
                  progress: Progress | None, changes: Changes | None = None) -> tuple[IndexReport, StoredIndex]:
    """The corpus on disk indexed, starting from ``previous`` (the live index, None if there is none):
    through the append path where it can take the changes, else by a full build reusing what it can."""
    if previous is not None and not rebuild:
        appended = _append_changes(settings, embedder, previous, progress, changes)
        if appended is not None:
            return appended
    laps = Laps()
    reuse = _unchanged_files(settings.corpus_dir, previous, changes) if previous is not None and not rebuild else {}
    report = _index_corpus(settings, embedder, rebuild, progress, reuse, None if rebuild else previous)
    laps.skip()
    index = _load_index(settings)
    laps.lap("load")
    report.timings.update(laps.ms)
    return report, index


def _append_changes(settings: Settings, embedder: Embedder, previous: StoredIndex, progress: Progress | None,
                    changes: Changes | None) -> tuple[IndexReport, StoredIndex] | None:
    """Only the changed files read and only their rows written (index.store.append); None where the
    append path cannot take these changes exactly and a full build must."""
    params = settings.index_params(embedder.model_path)
    index_dir = settings.resolved_index_dir
    # Not a folder (a file, or gone): the full path says so as a person can act on it.
    if not Path(settings.corpus_dir).is_dir() or previous.sources is None or previous.segments is None \
            or previous.segments.main.vectors is None or not params.compatible(previous.manifest, index_dir):
        return None
    started = time.perf_counter()
    laps = Laps()
    changes = previous.sources.changes(settings.corpus_dir) if changes is None else changes
    laps.lap("freshness")
    read = read_changes(settings.corpus_dir, previous.sources, previous.articles, previous.article_hashes(),
                        changes, settings.max_article_bytes)
    laps.lap("ingest")
    if read is None or len(previous.articles) - len(read.removed) + len(read.added) == 0:
        return None  # a duplicate whose first copy moved, or no articles left: the full path decides
    report = IndexReport(articles=len(previous.articles), chunks=previous.size, embedded_chunks=0, removed_articles=0,
                         seconds=0.0, problems=[str(p) for p in read.problems],
                         duplicates=[str(d) for d in read.duplicates], files_read=read.files_read)
    index = previous
    if changes or read.added or read.removed:
        try:
            with _writing(settings):
                built, index = append(index_dir, previous, read.added, read.removed, embedder, params, read.sources,
                                      progress)
        except StaleIndex:
            return None  # another process wrote a generation meanwhile
        report.articles, report.chunks = built.articles, built.chunks
        report.embedded_chunks, report.removed_articles = built.embedded_chunks, built.removed_articles
        laps.ms.update(built.timings)
    else:
        tidy(index_dir)
    report.seconds = time.perf_counter() - started
    report.timings = laps.ms
    return report, index


def _unchanged_files(corpus_dir: Path, index: StoredIndex, changes: Changes | None) -> Reused:
    """Files whose articles can be taken from ``index`` instead of being read and parsed again."""
    if index.sources is None:
        return {}
    changes = changes if changes is not None else index.sources.changes(corpus_dir)
    changed = {*changes.modified, *changes.removed}
    reused = {}
    for rel, source in index.sources.files.items():
        if rel in changed or source.articles is None:
            continue
        articles = [index.articles.get(i) for i in source.articles]
        if all(articles):
            reused[rel] = (source, articles)
    return reused


@contextmanager
def _writing(settings: Settings):
    """Failures of the vector store or the index folder as errors a person can act on."""
    try:
        yield
    except VectorStoreError as exc:
        raise QAError(f"Vector store: {exc}") from exc
    except OSError as exc:
        raise QAError(f"Could not write the index in {settings.resolved_index_dir}: {exc}. "
                      "Set QA_INDEX_DIR to a writable folder.") from exc


def _first(preferred: list[ChunkHit], hits: list[ChunkHit]) -> list[ChunkHit]:
    """``preferred`` hits, then the others not among them, as long as ``hits``."""
    chosen = {(h.chunk.article_id, h.chunk.start) for h in preferred}
    return (preferred + [h for h in hits if (h.chunk.article_id, h.chunk.start) not in chosen])[:max(len(hits), len(preferred))]


def _index_corpus(settings: Settings, embedder: Embedder, rebuild: bool, progress: Progress | None,
                  reuse: Reused | None = None, previous: StoredIndex | None = None) -> IndexReport:
    laps = Laps()
    try:
        ingested = load_directory(settings.corpus_dir, settings.max_article_bytes, reuse)
    except IngestError as exc:
        raise QAError(str(exc)) from exc
    laps.lap("ingest")
    problems = [str(p) for p in ingested.problems]
    if not ingested.articles:
        detail = ("; ".join(problems[:5])) if problems else "it holds no .txt, .md, .html, .json or .jsonl files"
        raise QAError(f"No articles to index in {settings.corpus_dir}: {detail}")
    with _writing(settings):
        built = build(ingested.articles, settings.resolved_index_dir, embedder, settings.index_params(embedder.model_path),
                      rebuild=rebuild, progress=progress, vector_token=settings.vector_store_token or "",
                      sources=ingested.sources, previous=previous)
    return IndexReport(
        articles=built.articles, chunks=built.chunks, embedded_chunks=built.embedded_chunks,
        removed_articles=built.removed_articles, seconds=built.seconds, problems=problems,
        duplicates=[str(d) for d in ingested.duplicates],
        files_read=sum(1 for rel in ingested.sources if rel not in (reuse or {})),
        timings={**laps.ms, **built.timings},
    )


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
