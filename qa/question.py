"""What kind of answer a question asks for, decided from its wording alone."""
from __future__ import annotations

import re
from dataclasses import dataclass

# The auxiliaries an inverted question opens its clause with ("Did X ...?", "Which club did X ...?").
AUXILIARIES = "is|are|was|were|do|does|did|has|have|had|can|could|will|would"

# Nouns that name people by role: "Which student ...?" asks for a person, "Which marathon ...?" for a
# thing, whatever the capitals of the answer ("Flora London Marathon" is three capitalised words).
PERSON_NOUNS = frozenset("""
person man woman boy girl child baby player actor actress singer musician artist author writer novelist poet
director producer presenter host journalist reporter editor publisher student pupil teacher professor
scientist researcher doctor nurse patient lawyer judge minister president chancellor secretary premier leader
politician mp senator candidate official spokesman spokeswoman spokesperson chief executive boss chairman
chairwoman founder owner manager coach captain striker midfielder defender goalkeeper batsman bowler athlete
runner rider driver champion winner rival opponent star celebrity model designer architect engineer economist
analyst investor banker officer soldier general commander envoy ambassador diplomat king queen prince princess
pope priest bishop victim suspect prisoner detainee witness fan voter worker employee gamer hacker customer
citizen resident frontman vocalist guitarist drummer comedian dancer composer photographer inventor
entrepreneur tycoon billionaire heir wife husband son daughter father mother brother sister friend partner
nanny inspector investigator prosecutor defendant mayor governor monarch astronaut pilot cyclist boxer golfer
swimmer skier jockey referee umpire chef correspondent
""".split())

_PATTERNS = [
    ("how_many", r"\bhow many\b"),
    ("how_long", r"\bhow (long|soon)\b"),
    ("how_much", r"\bhow (much|far|old|big|large)\b"),
    ("why", r"\bwhy\b|\bfor what reasons?\b|\bwhat (was|is|were|are) the reasons?\b|\bwhat reasons?\b|\bwhat (caused|motivated|prompted)\b"),
    ("who", r"\bwho(m|se)?\b|\bwhich (person|people|official|officials|man|woman|leader)\b"
            r"|\b(which|what) (\w+ )?(group|organi[sz]ation|company|agency|newspaper|broadcaster|party|team)s?\b"
            r"|\bwhat (is|was|are|were) the names? of\b|\bname the\b"),
    ("where", r"\bwhere\b|\bwhich (country|city|town|place|region|province|village)\b|\bin what (country|city|town|place)\b"),
    ("when", r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bin which year\b"),
    ("how", r"\bhow\b"),
    ("yes_no", rf"^({AUXILIARIES}|should)\b"),
    ("what", r"\bwhat\b|\bwhich\b"),
]


@dataclass(frozen=True)
class QuestionKind:
    type: str


def classify(question: str) -> QuestionKind:
    """The type whose cue comes first ("Where did the man who defected go?" is a where-question)."""
    lowered = question.strip().lower()
    earliest: tuple[int, int, str] | None = None
    for order, (kind, pattern) in enumerate(_PATTERNS):
        match = re.search(pattern, lowered)
        if match and (earliest is None or (match.start(), order) < earliest[:2]):
            earliest = (match.start(), order, kind)
    return QuestionKind(earliest[2] if earliest else "other")
