"""Answerers for testing the evaluation itself: the real assistant, and deliberately broken ones.

Each broken answerer returns the public ``Answer``/``Citation`` shapes, starting from the real
assistant's answer and breaking exactly one property the evaluation must notice.
"""
from __future__ import annotations

import copy
import dataclasses
import random

from qa import Answer, Citation


class Recorded:
    """The real assistant; every answer is computed once and handed out as a copy.

    Broken answerers re-ask the same questions in the same order, so this keeps one real
    evaluation run's cost however many of them the tests try.
    """

    def __init__(self, assistant):
        self.assistant = assistant
        self.memo: dict[tuple, Answer] = {}

    def ask(self, question: str) -> Answer:
        key = ((), question)
        if key not in self.memo:
            self.memo[key] = self.assistant.ask(question)
        return copy.deepcopy(self.memo[key])

    def conversation(self) -> "RecordedConversation":
        return RecordedConversation(self)


class RecordedConversation:
    def __init__(self, recorded: Recorded):
        self.recorded = recorded
        self.history: list[str] = []
        self.live = None

    def ask(self, question: str) -> Answer:
        key = (tuple(self.history), question)
        if key not in self.recorded.memo:
            if self.live is None:
                self.live = self.recorded.assistant.conversation()
                for earlier in self.history:
                    self.live.ask(earlier)
            self.recorded.memo[key] = self.live.ask(question)
        elif self.live is not None:
            self.live.ask(question)
        self.history.append(question)
        return copy.deepcopy(self.recorded.memo[key])


class Broken:
    """Wraps a real answerer and corrupts each of its answers with ``alter``."""

    def __init__(self, inner):
        self.inner = inner
        self.rng = random.Random(5)

    def alter(self, answer: Answer) -> Answer:
        raise NotImplementedError

    def ask(self, question: str) -> Answer:
        return self.alter(self.inner.ask(question))

    def conversation(self):
        broken, live = self, self.inner.conversation()

        class _Conversation:
            def ask(self, question: str) -> Answer:
                return broken.alter(live.ask(question))

        return _Conversation()


class ShiftedQuotes(Broken):
    """Offsets moved a few characters while the quote stays: the citation no longer points at it."""

    def alter(self, answer: Answer) -> Answer:
        answer.citations = [dataclasses.replace(c, start=c.start + 3, end=c.end + 3) for c in answer.citations]
        return answer


class UnquotedText(Broken):
    """Confident text that none of its (real, valid) citations says."""

    FABRICATIONS = [
        "The defector was arrested in Geneva on 4 March 2011",
        "Western diplomats praised the ceasefire agreement signed in Cairo",
        "Thousands of refugees crossed into Lebanon after the earthquake",
    ]

    def alter(self, answer: Answer) -> Answer:
        if not answer.abstained and answer.citations:
            answer.text = f"{self.rng.choice(self.FABRICATIONS)} [1]."
            answer.short_answer = None
        return answer


class NeverAbstains(Broken):
    """Answers everything, unanswerable questions included, with its closest passage."""

    def alter(self, answer: Answer) -> Answer:
        if answer.abstained and (answer.see_also or answer.retrieved):
            p = (answer.see_also or answer.retrieved)[0]
            answer.citations = [Citation(1, p.article, p.title, p.start, p.end, p.quote, p.score, "")]
            answer.text, answer.abstained = f"{p.quote} [1]", False
        return answer


class AlwaysAbstains(Broken):
    def alter(self, answer: Answer) -> Answer:
        return Answer(question=answer.question, text="The articles don't say.", abstained=True,
                      question_type=answer.question_type, retrieved=answer.retrieved)


class RandomPassage(Broken):
    """Valid quotes, but of a passage picked at random rather than one that answers."""

    def __init__(self, inner, assistant):
        super().__init__(inner)
        self.texts = {info.id: assistant.article(info.id).text for info in assistant.articles()}

    def alter(self, answer: Answer) -> Answer:
        if answer.abstained:
            return answer
        article = self.rng.choice(sorted(self.texts))
        text = self.texts[article]
        start = self.rng.randrange(0, max(1, len(text) - 150))
        quote = text[start:start + 150]
        answer.citations = [Citation(1, article, article, start, start + len(quote), quote, 0.5, "")]
        answer.text, answer.short_answer = f"{quote} [1]", None
        return answer


class ConfidentWrongLead(Broken):
    """Opens with a confident, quoted but wrong lead; the right answer only follows further down.

    The lead is the first words of the cited quote, so it is grounded; the gold answer is still in
    the text and the short answer is kept: only the metrics that read the lead can tell.
    """

    def alter(self, answer: Answer) -> Answer:
        if answer.abstained or not answer.citations:
            return answer
        first = answer.citations[0]
        answer.text = f"{' '.join(first.quote.split()[:3])} [{first.n}]. {answer.text}"
        return answer
