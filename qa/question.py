"""What kind of answer a question asks for, decided from its wording alone."""
from __future__ import annotations

import re
from dataclasses import dataclass

# spaCy entity labels that can answer each question type.
ENTITY_LABELS = {
    "who": {"PERSON", "ORG", "NORP"},
    "where": {"GPE", "LOC", "FAC"},
    "when": {"DATE", "TIME"},
    "how_many": {"CARDINAL", "QUANTITY", "MONEY", "PERCENT"},
    "how_much": {"MONEY", "QUANTITY", "PERCENT", "CARDINAL"},
}

_PATTERNS = [
    ("how_many", r"\bhow many\b"),
    ("how_much", r"\bhow (much|long|far|old|big|large)\b"),
    ("why", r"\bwhy\b|\bfor what reason\b|\bwhat (was|is) the reason\b|\bwhat caused\b"),
    ("who", r"\bwho(m|se)?\b|\bwhich (person|people|official|officials|man|woman|leader|group|organi[sz]ation|company)\b"),
    ("where", r"\bwhere\b|\bwhich (country|city|town|place|region|province|village)\b|\bin what (country|city|town|place)\b"),
    ("when", r"\bwhen\b|\bwhat (year|date|day|month|time)\b|\bin which year\b"),
    ("how", r"\bhow\b"),
    ("yes_no", r"^(is|are|was|were|do|does|did|has|have|had|can|could|will|would|should)\b"),
    ("what", r"\bwhat\b|\bwhich\b"),
]


@dataclass(frozen=True)
class QuestionKind:
    type: str

    @property
    def entity_labels(self) -> set[str]:
        return ENTITY_LABELS.get(self.type, set())


def classify(question: str) -> QuestionKind:
    lowered = question.strip().lower()
    for kind, pattern in _PATTERNS:
        if re.search(pattern, lowered):
            return QuestionKind(kind)
    return QuestionKind("other")
