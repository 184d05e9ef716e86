"""Multi-turn chat: follow-ups are resolved against earlier turns before searching."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.types import Answer

_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|it|its|this|that|there|these|those)\b", re.IGNORECASE)
_PERSONAL = {"he", "she", "him", "her", "his", "hers"}
_POSSESSIVE = {"his", "her", "hers", "its", "their"}


@dataclass
class Turn:
    question: str
    answer: Answer


@dataclass
class Conversation:
    assistant: object
    turns: list[Turn] = field(default_factory=list)
    max_context_turns: int = 2

    def ask(self, question: str, k: int | None = None) -> Answer:
        rewritten, context = self.resolve(question)
        answer = self.assistant.ask(rewritten, k=k, context=context)
        answer.question = question
        self.turns.append(Turn(question, answer))
        return answer

    def reset(self) -> None:
        self.turns.clear()

    def resolve(self, question: str) -> tuple[str, str | None]:
        """(standalone question, context from earlier turns) for a follow-up; unchanged otherwise."""
        if not self.turns or not is_follow_up(question):
            return question, None
        previous = self.turns[-1]
        subject = _subject_of(previous)
        rewritten = substitute_pronoun(question, subject) if subject else question
        context = " ".join(t.answer.resolved_question or t.question for t in self.turns[-self.max_context_turns:])
        return rewritten, context


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(_PRONOUN.search(question)) or len(words) <= 3 or question.lower().startswith(("and ", "what about", "how about"))


def _subject_of(turn: Turn) -> str | None:
    """Who or what the previous turn was about: its short answer for who-questions."""
    answer = turn.answer
    if answer.abstained:
        return None
    if answer.question_type == "who" and answer.short_answer:
        return answer.short_answer
    return None


def substitute_pronoun(question: str, subject: str) -> str:
    def replace(match: re.Match) -> str:
        word = match.group(0).lower()
        if word not in _PERSONAL:
            return match.group(0)
        return f"{subject}'s" if word in _POSSESSIVE else subject

    return _PRONOUN.sub(replace, question, count=1)
