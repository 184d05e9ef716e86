"""Questions about people, read from their wording and the text around a name: who someone is
("Who is Lakhdar Brahimi?" is answered by what describes him, never by another name), and who holds
a role ("Who is the finance chief at Qantas?" is not answered by a name the article gives another role).
"""
from __future__ import annotations

import re

from index.text import STOPWORDS, words
from qa.question import PERSON_NOUNS

# Lower-case words inside a name or title, between two of its capitalised words ("Bank of America",
# "Alexander the Great", "The Ballad of Jed Clampett"), at most two in a row. Not "to the": it joins
# two names more often than it is part of one ("from the Netherlands to the Dutch East India Company").
NAME_LINKS = {"of", "the", "of the", "&", "de", "du", "van", "von", "der", "da"}

# A word of a name: capitalised, or joined to its capital by a lower-case particle ("al-Shalal", "el-Sisi").
NAME_PART = r"(?:[a-z]{1,3}-)?[A-Z][\w’'.-]*"
# "Who is Lakhdar Brahimi?": who, a form of "be", then only the name of the person asked about.
_WHO_IS = re.compile(rf"\s*(?i:who)\s+(?i:is|was|are|were)\s+({NAME_PART}(?:\s+(?:{NAME_PART}|of|de|bin|van|von|der))*)"
                     r"\s*\?*\s*")
# A description stands beside the name it describes: "the UN peace envoy (for Syria) Lakhdar Brahimi",
# "Brahimi, the envoy", "Brahimi is the envoy".
_NAME_FOLLOWS = re.compile(rf"(?:[ \t]+(?:of|for|at|in|to)(?:[ \t]+[\w’'-]+){{1,3}}?)?[ \t]*,?[ \t]*({NAME_PART})")
_NAME_BEFORE = re.compile(rf"({NAME_PART})(?:['’]s)?(?:[ \t]*,[ \t]*|[ \t]+(?:is|was|are|were)[ \t]+)(?:(?:a|an|the)[ \t]+)?$")
# How far before a span the name it describes, or the role a name is given, is looked for.
_BEFORE_CHARS = 40


def described_person(question: str) -> set[str] | None:
    """The words of the name a question asks about when it asks who someone is ("Who is Lakhdar
    Brahimi?" -> {"lakhdar", "brahimi"}); None for any other question."""
    match = _WHO_IS.fullmatch(question)
    # Not a particle ("al" of "al-Shalal"), which other names share.
    return {w for w in words(match.group(1)) if len(w) > 2} if match else None


def describes(text: str, start: int, end: int, person: set[str]) -> bool:
    """Whether a span describes the person asked about: not only names ("President Assad", who met
    him, is no answer to "Who is Lakhdar Brahimi?"), and beside the person's name, which it may hold
    at its end ("UN peace envoy Lakhdar Brahimi")."""
    found = re.findall(r"[\w’'.-]+", text[start:end])
    if all(re.fullmatch(NAME_PART, w) or w in NAME_LINKS for w in found):
        return False
    if words(text[start:end])[-1] in person:
        return True
    after = _NAME_FOLLOWS.match(text, end)
    before = _NAME_BEFORE.search(text, max(0, start - _BEFORE_CHARS), start)
    return any(m is not None and bool(set(words(m.group(1))) & person) for m in (after, before))


# "Who is the finance chief at Qantas?": who, a form of "be", a determiner, then the role asked about,
# up to a preposition, a relative word or a verb form ("Who is the chief executive leaving ...?").
_WHO_IS_THE = re.compile(rf"\s*(?i:who)\s+(?i:is|was|are|were)\s+(?:the|its|their|his|her|{NAME_PART}['’]s)\s+(.+)")
_ROLE_ENDS = {"of", "at", "for", "in", "on", "from", "with", "to", "by", "who", "whom", "that", "which", "and", "or"}
# Words that say which holder of a role is meant, not which role: "the new chief executive" is still
# a chief executive where the article calls him one.
_ROLE_MODIFIERS = {"first", "last", "new", "former", "current", "next", "previous", "only", "late", "acting",
                   "present", "incumbent", "outgoing", "interim", "senior", "top"}
# How many words before a name are read as the role the article gives it ("Qantas chief executive Geoff Dixon").
_ROLE_REACH = 4
# Role nouns one article may use for another's ("police chief" for "commander", "singer" for "frontman"):
# a name given one of them is not told apart from the role asked about.
_ROLE_KINDS = [
    {"chief", "head", "boss", "leader", "commander", "chairman", "chairwoman", "director", "president", "premier"},
    {"singer", "frontman", "vocalist"},
    {"spokesman", "spokeswoman", "spokesperson"},
    {"correspondent", "reporter", "journalist", "editor"},
    {"envoy", "ambassador", "diplomat"},
    {"minister", "secretary"},
    {"coach", "manager"},
]


def asked_role(question: str) -> set[str] | None:
    """The words of the role a who-question asks the holder of ("Who is the finance chief at Qantas?"
    -> {"finance", "chief"}): its lower-case words but modifiers; None where the question asks no
    role of a person ("Who is the best?", "Who met Brahimi?")."""
    match = _WHO_IS_THE.match(question)
    if not match:
        return None
    role = []
    for word in re.findall(r"[\w’'-]+", match.group(1)):
        if word.lower() in _ROLE_ENDS or word.endswith(("ing", "ed")):
            break
        role.append(word)
    wanted = {w for w in role if w.islower() and w not in _ROLE_MODIFIERS and w not in STOPWORDS}
    return wanted if wanted & PERSON_NOUNS else None


def in_another_role(text: str, start: int, end: int, role: set[str]) -> bool:
    """Whether the words just before a name, or the span's own, give it a role other than the one
    asked about: "UN peace envoy for Syria Lakhdar Brahimi" is no answer to "Who is the president of
    Syria?", nor "chief executive Geoff Dixon" to "Who is the finance chief?". A name without a role
    before it may still be the one asked about (the article may name it elsewhere)."""
    before = re.split(r"[.,;:!?\n()“”\"]", text[max(0, start - _BEFORE_CHARS):start])[-1]
    given = {w.lower() for w in re.findall(r"[\w’'-]+", before)[-_ROLE_REACH:] + re.findall(r"[\w’'-]+", text[start:end])}
    if not given & PERSON_NOUNS:
        return False
    return not all(word in given or any(word in kind and kind & given for kind in _ROLE_KINDS) for word in role)
