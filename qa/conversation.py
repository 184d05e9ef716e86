"""Multi-turn chat: follow-ups are resolved against earlier turns before searching."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.types import Answer, Scope

_PRONOUN = re.compile(r"\b(he|she|him|her|his|hers|they|them|their|it|its|this|that|there|these|those)\b", re.IGNORECASE)


@dataclass
class Turn:
    question: str
    answer: Answer


@dataclass
class Conversation:
    assistant: object
    turns: list[Turn] = field(default_factory=list)
    max_context_turns: int = 2

    def ask(self, question: str, k: int | None = None, scope: Scope | None = None) -> Answer:
        rewritten, context = self.resolve(question)
        answer = self.assistant.ask(rewritten, k=k, context=context, scope=scope)
        answer.question = question
        self.turns.append(Turn(question, answer))
        return answer

    def reset(self) -> None:
        self.turns.clear()

    def resolve(self, question: str) -> tuple[str, str | None]:
        """(standalone question, context from earlier turns) for a follow-up; unchanged otherwise."""
        if not self.turns or not is_follow_up(question):
            return question, None
        rewritten = substitute_pronoun(question, self._referents())
        context = " ".join(t.answer.resolved_question or t.question for t in self.turns[-self.max_context_turns:])
        return rewritten, context

    def _referents(self) -> dict[str, str]:
        """The latest person ("he", "she") and the latest place or thing ("it", "there") answered."""
        found: dict[str, str] = {}
        for turn in reversed(self.turns):
            answer = turn.answer
            if answer.abstained or not answer.short_answer:
                continue
            kind = "person" if answer.question_type == "who" else "place" if answer.question_type == "where" else None
            if kind:
                found.setdefault(kind, answer.short_answer)
        return found


def is_follow_up(question: str) -> bool:
    words = question.split()
    return bool(_PRONOUN.search(question)) or len(words) <= 3 or question.lower().startswith(("and ", "what about", "how about"))


_PERSON_PRONOUNS = {"he", "she", "him", "her", "his", "hers", "they", "them", "their"}
_PLACE_PRONOUNS = {"it", "there", "its"}
_POSSESSIVE = {"his", "her", "hers", "its", "their"}


def substitute_pronoun(question: str, referents: dict[str, str]) -> str:
    """Replace the first pronoun that has a referent: "Where did he flee?" -> "Where did X flee?"."""
    def replace(match: re.Match) -> str:
        word = match.group(0).lower()
        kind = "person" if word in _PERSON_PRONOUNS else "place" if word in _PLACE_PRONOUNS else None
        subject = referents.get(kind) if kind else None
        if subject is None:
            return match.group(0)
        if word == "there":
            return f"in {subject}"
        return f"{subject}'s" if word in _POSSESSIVE else subject

    for match in _PRONOUN.finditer(question):
        replaced = replace(match)
        if replaced != match.group(0):
            return question[:match.start()] + replaced + question[match.end():]
    return question
