"""Multi-turn chat: follow-ups are resolved against earlier turns before searching."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from qa.question import AUXILIARIES, PERSON_NOUNS
from qa.types import Answer, Scope

_PRONOUN_WORDS = ("he", "she", "him", "her", "his", "hers", "they", "them", "their", "it", "its", "this", "that",
                  "there", "these", "those")
_PRONOUN = re.compile(rf"\b({'|'.join(_PRONOUN_WORDS)})\b", re.IGNORECASE)
# "the" before a common noun: what it refers to was named earlier in the conversation.
_DEFINITE = re.compile(r"\bthe\s+[a-z]", re.IGNORECASE)


@dataclass
class Turn:
    question: str
    answer: Answer
    stood_for: dict[str, str] = field(default_factory=dict)  # kind -> what its pronoun was read as


@dataclass
class Conversation:
    assistant: object
    turns: list[Turn] = field(default_factory=list)
    max_context_turns: int = 2

    def ask(self, question: str, k: int | None = None, scope: Scope | None = None) -> Answer:
        rewritten, context, stood_for = self._resolved(question)
        focus = self.focus() if context is not None else ()
        answer = self.assistant.ask(rewritten, k=k, context=context, scope=scope, focus=focus)
        answer.question = question
        self.turns.append(Turn(question, answer, stood_for))
        return answer

    def reset(self) -> None:
        self.turns.clear()

    def resolve(self, question: str) -> tuple[str, str | None]:
        """(standalone question, context from earlier turns) for a follow-up; unchanged otherwise."""
        return self._resolved(question)[:2]

    def _resolved(self, question: str) -> tuple[str, str | None, dict[str, str]]:
        if not self.turns or not is_follow_up(question):
            return question, None, {}
        rewritten, kind, subject = substitute_pronoun(question, self._referents())
        context = " ".join(t.answer.resolved_question or t.question for t in self.turns[-self.max_context_turns:])
        return rewritten, context, {kind: subject} if kind else {}

    def focus(self) -> tuple[str, ...]:
        """The articles the latest answered turn rests on: a follow-up is about the same story."""
        for turn in reversed(self.turns[-self.max_context_turns:]):
            if not turn.answer.abstained and turn.answer.citations:
                return tuple(dict.fromkeys(c.article for c in turn.answer.citations))
        return ()

    def _referents(self) -> dict[str, str]:
        """The latest named answer of each kind: a person ("he"), people ("they"), a place ("there"),
        a named thing ("it": a town, a company, a film). What the last question's pronoun stood for
        comes first: the story stays on its subject ("Whom did he meet? President Assad. What did he
        discuss with the president?": he is still the envoy)."""
        found: dict[str, str] = dict(self.turns[-1].stood_for) if self.turns else {}
        # The person the last question named as its subject outranks that question's answer: a story
        # goes on about its subject ("Which publisher did David Blunkett say he fell in love with?
        # Kimberly Quinn. Who is looking into the claim that he sped up her nanny's visa?": he is
        # Blunkett). Where the subject is what was asked ("Which student asked Tony Blair ...?"), the
        # answer is that subject and stands for "he".
        if self.turns and (subject := question_subject(self.turns[-1].question)):
            found.setdefault("person", subject)
        for turn in reversed(self.turns):
            answer = turn.answer
            if answer.abstained or not answer.short_answer or not _is_name(answer.short_answer):
                continue
            kind = _kind_of(answer.question_type, answer.short_answer, turn.question)
            if kind:
                found.setdefault(kind, answer.short_answer)
        # Where no answer names one, the person an earlier question was about ("Which marathon did
        # Paula Radcliffe win?" -> "Which rival did she outsprint?"), the latest question first; and
        # the people a question was about ("How long have rebels been fighting ...?" -> "What are
        # they demanding?").
        for turn in reversed(self.turns):
            subject = question_subject(turn.question)
            if subject:
                found.setdefault("person", subject)
            group = plural_subject(turn.question)
            if group:
                found.setdefault("people", group)
        return found


# The words a wh-question opens with.
_WH_WORDS = "what|which|who|whom|whose|where|when|why|how"
# "Wh-phrase, auxiliary, subject, verb": the words after the auxiliary of an inverted question name its subject.
_INVERTED = re.compile(rf"^\s*(?:[A-Za-z]+\s+){{0,4}}?(?:{AUXILIARIES})\s+"
                       r"((?:[A-Z][\w'’-]+\s+){1,2}[A-Z][\w'’-]+)(?:'s)?\s+[a-z]")


def question_subject(question: str) -> str | None:
    """The person a wh-question asks about when it names one as its subject: "Which publisher did
    David Blunkett say ...?" -> "David Blunkett". Two or three capitalised words, as a person's name
    is written; None where the subject is what is asked ("Which student asked Tony Blair ...?")."""
    if not re.match(rf"\s*(?:{_WH_WORDS}|in|at|on|for|from|to)\b", question, re.IGNORECASE):
        return None
    match = _INVERTED.match(question)
    if not match or match.group(1).split()[0] in ("The", "A", "An"):  # "The Rolling Stones": a band, not a he or she
        return None
    return match.group(1)


# An inverted question's subject that is a plural common noun ("have rebels been", "did the
# protesters want"), as "they" can stand for; pronouns and determiners that end in -s are no nouns.
_PLURAL_SUBJECT = re.compile(rf"^\s*(?:[A-Za-z]+\s+){{0,4}}?(?:{AUXILIARIES})\s+((?:the\s+)?(?:[a-z][\w-]*\s+){{0,2}}[a-z][\w-]*[^s\W]s)\s+[a-z]")
_NOT_PLURAL_NOUNS = frozenset("ours yours theirs was has does".split())


def plural_subject(question: str) -> str | None:
    """The people or things an inverted wh-question names as its plural subject in common nouns:
    "How long have rebels been fighting the government?" -> "rebels"; None otherwise."""
    match = _PLURAL_SUBJECT.match(question)
    if not match or not re.match(rf"\s*(?:{_WH_WORDS})\b", question, re.IGNORECASE):
        return None
    words = match.group(1).split()
    if any(w in _NOT_PLURAL_NOUNS or w in _PRONOUN_WORDS for w in words):
        return None
    return match.group(1)


def _is_name(text: str) -> bool:
    """A short capitalised answer without figures ("Willie Walsh", "al-Shalal"), as a pronoun can stand for."""
    tokens = text.split()
    return 0 < len(tokens) <= 8 and not any(c.isdigit() for c in text) and any(c.isupper() for c in text)


def _kind_of(question_type: str | None, name: str, question: str = "") -> str | None:
    several = " and " in name or "," in name
    if question_type == "who":
        return "people" if several else "person"
    if question_type == "where":
        return "place"
    if question_type in ("which", "what", "other"):
        asked = asked_noun_kind(question)
        if asked is None:
            # No noun after "which"/"what": two or three capitalised words read as a person.
            asked = "person" if 2 <= len(name.split()) <= 3 and all(
                w[:1].isupper() and w.replace("-", "").replace("'", "").isalpha() for w in name.split()) else "thing"
        return ("people" if several else "person") if asked == "person" else "thing"
    return None


_IRREGULAR_PLURALS = {"men": "man", "women": "woman", "people": "person", "children": "child"}
_WH_NOUN_STOP = frozenset("did does do is are was were has have had will would can could should may might".split())


def asked_noun_kind(question: str) -> str | None:
    """"person" or "thing" by the noun a which/what question asks about ("Which Kenyan rival ...?"
    -> person); None when no noun follows the question word ("What did he say?")."""
    words = re.findall(r"[A-Za-z][A-Za-z'-]*", question.lower())
    start = next((i + 1 for i, w in enumerate(words[:3]) if w in ("which", "what")), None)
    if start is None:
        return None
    phrase = []
    for word in words[start:start + 4]:
        if word in _WH_NOUN_STOP:
            break
        phrase.append(word)
    if not phrase:
        return None
    singular = {_IRREGULAR_PLURALS.get(w, w[:-1] if w.endswith("s") else w) for w in phrase} | set(phrase)
    return "person" if singular & PERSON_NOUNS else "thing"


def is_follow_up(question: str) -> bool:
    """A question with a pronoun, one that continues the last ("And Brahimi?", "What about Turkey?"),
    a short one that names nothing of its own ("Why?", "Since when?"), or one that points back with a
    definite description and names nothing ("How many hits have the trio had?", "What did the film
    cost?": which trio, which film, the story so far says); "Who met Brahimi?" names its subject and
    stands alone."""
    words = question.split()
    names_own = any(w[:1].isupper() for w in words[1:])
    return bool(_PRONOUN.search(question)) or (len(words) <= 3 and not names_own) or \
        (not names_own and bool(_DEFINITE.search(question))) or \
        question.lower().startswith(("and ", "what about", "how about"))


# The kinds of earlier answer each pronoun can stand for, the likelier first.
_STANDS_FOR = {
    **dict.fromkeys(("he", "she", "him", "her", "his", "hers"), ("person",)),
    **dict.fromkeys(("they", "them", "their"), ("people", "thing", "person")),
    **dict.fromkeys(("it", "its"), ("place", "thing")),
    "there": ("place",),
}
_POSSESSIVE = {"his", "her", "hers", "its", "their"}
_PLURAL = {"they", "them", "their"}
# Pronouns that stand for nothing: the "it" of "how long did it take to ...", "it is said that", and the
# existential "there" of "is there ...?" / "there were ...". Replacing them with a name writes nonsense
# ("How long did Croke Park take for them all to go?").
_BE = r"(?:is|are|was|were|be|been|isn['’]t|aren['’]t|wasn['’]t|weren['’]t)"
_EMPTY_PRONOUN = re.compile(rf"\bit(?=\s+(?:take|takes|took|taken|taking)\b|\s+{_BE}\s+\w+\s+(?:to|that)\b)"
                            rf"|\bthere(?=\s+{_BE}\b)"
                            r"|(?:(?<=\bis )|(?<=\bare )|(?<=\bwas )|(?<=\bwere ))there(?=\s+[a-z])", re.IGNORECASE)


# "His own" is bound by its own clause's subject where the question names one before it ("Is the prime
# minister planning it, by his own account?" asks for the minister's account, not the last answer's);
# "Is his own party backing him?" names none and still takes a referent.
_OWN = re.compile(r"\s+own\b", re.IGNORECASE)
_NAMED_BEFORE = re.compile(r"\b(?i:the|a|an)\s+\w+|\s[A-Z][\w’'-]*")


def _bound_in_question(question: str, match: re.Match) -> bool:
    return match.group(0).lower() in _POSSESSIVE and bool(_OWN.match(question, match.end())) and \
        bool(_NAMED_BEFORE.search(question, 0, match.start()))


def _agrees(pronoun: str, referent: str) -> bool:
    """"They" stands for people, a band or a company ("U2", "Reporters Without Borders"), but not
    for one thing its name calls by a singular common noun ("Croke Park stadium": "How long did it
    take for them all to go?" asks about the tickets)."""
    if pronoun not in _PLURAL:
        return True
    last = referent.split()[-1]
    return not (last.isalpha() and last.islower() and not last.endswith("s"))


def _possessive(name: str) -> str:
    """"rebels'" for a plural common noun, "Walsh's" for a name ("Charles's" keeps its "'s")."""
    return f"{name}'" if name.endswith("s") and name.split()[-1].islower() else f"{name}'s"


def substitute_pronoun(question: str, referents: dict[str, str]) -> tuple[str, str | None, str | None]:
    """Replace the first pronoun that has a referent: "Where did he flee?" -> "Where did X flee?";
    with the kind and the referent it stood for (None, None where no pronoun had one)."""
    empty = {m.start() for m in _EMPTY_PRONOUN.finditer(question)}
    for match in _PRONOUN.finditer(question):
        word = match.group(0).lower()
        if match.start() in empty or _bound_in_question(question, match):
            continue
        kind = next((k for k in _STANDS_FOR.get(word, ()) if k in referents and _agrees(word, referents[k])), None)
        if kind is None:
            continue
        subject = referents[kind]
        if word == "there":
            replaced = f"in {subject}"
        else:
            replaced = _possessive(subject) if word in _POSSESSIVE else subject
        return question[:match.start()] + replaced + question[match.end():], kind, subject
    return question, None, None
