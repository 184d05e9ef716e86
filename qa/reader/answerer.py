"""The default answerer: the trained span reader with its answerability calibration."""
from __future__ import annotations

import threading
from pathlib import Path

from index.retrieve import SentenceHit
from qa.attribution import with_attribution
from qa.answerer import Abstention, Draft, Question
from qa.reader.decision import DECISION_FILE, DecisionModel, negates
from qa.reader.pipeline import compose, conflicting, corroborating, decide, described, question_is_supported, read

class TrainedReader:
    def __init__(self, model_path: str, cache: Path, quantized: bool = True, threads: int | None = None,
                 decision_path: Path = DECISION_FILE):
        self._model_path = model_path
        self._decision_path = decision_path
        self._decision: DecisionModel | None = None
        self._cache = cache
        self._quantized = quantized
        self._threads = threads
        self._model = None
        self._loader: threading.Thread | None = None
        self._lock = threading.Lock()

    def expect(self, kind_type: str) -> None:
        """A question of ``kind_type`` is on its way: where it needs the span reader, start loading it
        now, so that its sessions are built while the question is embedded and searched (a cold
        `qa ask` does both at once). Yes/no questions never read spans."""
        if kind_type == "yes_no" or self._model is not None or self._loader is not None:
            return
        self._loader = threading.Thread(target=self._load_quietly, name="reader-loader")
        self._loader.start()

    def _load_quietly(self) -> None:
        try:
            self.model
        except Exception:  # noqa: BLE001 - the question's own use of ``model`` raises it where it is handled
            pass

    @property
    def model(self):
        with self._lock:
            if self._model is None:
                from qa.reader.model import SpanReader

                self._model = SpanReader(self._model_path, self._cache, quantized=self._quantized,
                                         threads=self._threads)
            return self._model

    @property
    def decision(self) -> DecisionModel:
        with self._lock:
            if self._decision is None:
                self._decision = DecisionModel.load(self._decision_path)
            return self._decision

    def prepare(self) -> None:
        """Export the reader once (indexing time), so answering never needs torch."""
        from qa.reader.model import MODEL_FILES, ensure_reader_exported

        for weights in MODEL_FILES:
            ensure_reader_exported(self._model_path, self._cache, weights, self._quantized)

    def warm_up(self) -> None:
        self.model.read("Who met the envoy?", ["President Assad met the envoy in Damascus."])

    def answer(self, question: Question) -> Draft | Abstention:
        if question.kind.type == "yes_no":
            return self._yes_no(question)
        settings = question.settings.reader
        candidates = read(self.model, question.text, question.kind.type, question.hits, question.articles, settings)
        decision = decide(question.text, question.kind.type, candidates, question.articles, self.decision, settings)
        best = decision.answer
        if best is None:
            related = any(question_is_supported(question.text, described(question.articles[c.article_id]), settings)
                          for c in candidates[:3])
            # Where no span could answer (none in the asked measure's units), the closest sentences
            # are still offered.
            closest = _distinct([c.sentence for c in candidates])[:3] or _ranked_sentences(question)[:3]
            return Abstention(related, closest, decision.probability)
        conflict = conflicting(best, candidates, settings)
        short, parts, quotes = compose(question.kind.type, best, conflict, corroborating(best, candidates, settings))
        return _cited(parts, quotes, short, decision.probability, [conflict.text] if conflict else [], question)

    def _yes_no(self, question: Question) -> Draft | Abstention:
        """Yes when the best sentence states what the question asks, No when it states the opposite."""
        sentences = _ranked_sentences(question)
        settings = question.settings.reader
        # Meaning, not shared words: the ranking score's word overlap favours a sentence that repeats
        # the question's words while saying something else (settings: yes_no_similarity).
        supporting = [s for s in sentences if s.dense >= settings.yes_no_similarity]
        # A best sentence that negates what the question asks ("did not authorise the waiving" for "Did
        # the official waive ...?") is a "No" at a lower bar: it is stated, not inferred. Not a denial
        # verb, whose sense turns on what is denied ("has refused to leave the charts").
        if not supporting and sentences and sentences[0].dense >= settings.yes_no_negation_similarity and \
                negates(question.text, denials=False) != negates(sentences[0].text, denials=False):
            supporting = sentences[:1]
        if not supporting:
            return Abstention(bool(sentences), sentences[:3], max((s.dense for s in sentences), default=0.0))
        best = supporting[0]
        quotes = [best]
        # Comparisons across outlets ("Does X report ... while Y ...?") rest on a second source.
        other = next((s for s in supporting[1:] if s.article_id != best.article_id), None)
        if other is not None:
            quotes.append(other)
        if not question_is_supported(question.text, described(*{question.articles[q.article_id] for q in quotes}), settings):
            return Abstention(True, sentences[:3], best.dense)
        said = "No" if negates(question.text) != negates(best.text) else "Yes"
        return _cited([(said, (0,))], quotes, said, best.dense, [], question)


def _cited(lead: list[tuple[str, tuple[int, ...]]], quotes: list[SentenceHit], short: str | None, confidence: float,
           conflicts: list[str], question: Question) -> Draft:
    """The lead sentences, each with the [n] of every quote it rests on, then every quote numbered in
    order; a speaker's introduction is quoted before its "he said" sentence."""
    quoted = with_attribution(quotes, question.articles)
    number = {id(q): n for n, q in enumerate(quoted, start=1)}
    head = " ".join(f"{text} {' '.join(f'[{number[id(quotes[i])]}]' for i in cites)}." for text, cites in lead)
    body = " ".join(f"{q.text} [{n}]" for n, q in enumerate(quoted, start=1))
    return Draft(f"{head}\n\n{body}", quoted, short, round(float(confidence), 4), conflicts)


def _distinct(sentences: list[SentenceHit]) -> list[SentenceHit]:
    seen: set[tuple[str, int]] = set()
    kept = []
    for s in sentences:
        if (s.article_id, s.start) not in seen:
            seen.add((s.article_id, s.start))
            kept.append(s)
    return kept


def _ranked_sentences(question: Question) -> list[SentenceHit]:
    """The retrieved passages' sentences, best first (none where nothing was retrieved)."""
    return question.retriever.sentences(question.text, question.hits, question.vector,
                                        question.settings.sentence_candidates) if question.hits else []
