"""Decide answerable: the probability that the reader's best answer is right, from what a reader
of the evidence would check (numpy only; fitted by ``python -m qa.reader.fit_decision``).

The span reader's own probability says how well a span fits a passage; it does not know whether
the passage is about what was asked, whether another passage disagrees, or whether the span is
the kind of thing the question asks for ("2 April" for "how long"). These features add that, and
a logistic regression fitted on retrieved passages (not the gold paragraph) weighs them.
"""
from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

from index.text import content_terms, stems, words
from qa.question import AUXILIARIES

DECISION_FILE = Path(__file__).resolve().parent.parent / "models" / "decision.json"

FEATURES = ("reader_logit", "reader_rank", "margin", "type_fit", "type_misfit", "question_overlap", "context_overlap", "name_support", "agreeing",
            "passage_rank", "span_share", "member_support")

_NUMBER_WORDS = {"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten", "eleven", "twelve",
                 "thirteen", "fifteen", "twenty", "thirty", "forty", "fifty", "sixty", "hundred", "hundreds",
                 "thousand", "thousands", "million", "millions", "billion", "billions", "dozen", "dozens", "half",
                 "several", "double", "twice", "single", "once"}
_TIME_UNITS = {"second", "minute", "hour", "day", "week", "fortnight", "month", "year", "decade", "century",
               "season", "term", "night", "weekend"}
_MONTHS = {"january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
           "november", "december", "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec"}
_DAYS = {"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "yesterday", "today",
         "tomorrow", "tonight", "christmas", "easter", "spring", "summer", "autumn", "winter", "earlier", "later",
         "ago", "since", "until", "last", "next", "recently", "now"}
# A year or decade from 1000 on ("1041", "the 1050s", "'90s"): SQuAD's history dates many events before 1500.
_YEAR = re.compile(r"\b(1\d\d\d|20\d\d)s?\b|'\d\ds\b")
# "4th" ranks, it does not count: an ordinal alone is no answer to "how many".
_ORDINAL = re.compile(r"\d+(st|nd|rd|th)")


def _singular(word: str) -> str:
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def is_time_unit(word: str) -> bool:
    """"years", "Day", "minute": a unit a duration counts in."""
    return _singular(word.lower()) in _TIME_UNITS


def answer_shapes(text: str) -> set[str]:
    """What a span looks like: a number, a duration, a date, a name."""
    tokens = [w.lower() for w in re.findall(r"[\w'’-]+", text)]
    # Hyphenated words count by their parts: "twenty-five" is a number, "a 12-minute set" a duration.
    parts = [part for t in tokens for part in t.split("-") if part]
    shapes = set()
    numeric = any(t in _NUMBER_WORDS or (any(c.isdigit() for c in t) and not _ORDINAL.fullmatch(t)) for t in parts)
    if numeric:
        shapes.add("number")
    if numeric and any(is_time_unit(t) for t in parts):
        shapes.add("duration")
    # "months" alone dates nothing; "last month", "in 2003" and "Monday" do.
    if _YEAR.search(text) or any(t in _MONTHS or t in _DAYS for t in tokens):
        shapes.add("date")
    if any(c.isupper() for c in text):  # "Willie Walsh", and "al-Shalal" too
        shapes.add("name")
    return shapes


# The shapes that can answer each question type; types not listed take any span.
_WANTED_SHAPES = {"how_many": {"number"}, "how_much": {"number"}, "how_long": {"duration"},
                  "when": {"date"}, "who": {"name"}, "where": {"name"}}
# "Which <noun> ...?" (also "In which German city ...?"), not "Which is ...?" nor "Which of ...?".
_WHICH_NOUN = re.compile(rf"\s*(?:\w+\s+)?which\s+(?!(?:{AUXILIARIES}|of)\b)\w",
                         re.IGNORECASE)


def decision_kind(question: str, kind_type: str) -> str:
    """The question type as the decision weighs it: a what-question that picks one of a kind by its
    noun ("Which operator ...?") is a "which" question, whose answer is usually named."""
    return "which" if kind_type == "what" and _WHICH_NOUN.match(question) else kind_type


# Words that open a reason: a why-question's answer is the clause they start. "Was due to open" is a
# plan, not a cause: after a form of "be", "due to" starts none.
REASON_CUE = re.compile(r"\b(because( of)?|(?<!\bis )(?<!\bwas )(?<!\bare )(?<!\bwere )(?<!\bbe )(?<!\bbeen )due to|"
                        r"as a result of|owing to|in order to|so that|in protest (at|against|over)|citing|caused by|"
                        r"in response to)\b", re.IGNORECASE)


# A reason clause may open with an adverb that grades it ("Largely because of a leg injury").
_REASON_OPENING = re.compile(rf"(?:\w+ly\s+)?(?:{REASON_CUE.pattern})", re.IGNORECASE)


def type_fit(kind_type: str, text: str) -> float | None:
    """1 when the span has a shape the question asks for, 0 when it has none, None when any span will do.
    A which-question's name fits; a common noun may answer it too ("Which gas ...? oxygen"), so it is
    no misfit. A why-question's answer fits when it is a reason clause ("because of a leg injury")."""
    if kind_type == "why":
        return 1.0 if _REASON_OPENING.match(text) else 0.0
    if kind_type == "which":
        return 1.0 if "name" in answer_shapes(text) else None
    wanted = _WANTED_SHAPES.get(kind_type)
    if wanted is None:
        return None
    return 1.0 if wanted & answer_shapes(text) else 0.0


# A negation, not the first part of a compound ("a not-too-distant future", "a no-fly zone"), except
# "no-one"; and a denial ("refused", "rejected"), whose sense turns on what is denied ("refused to leave").
_NEGATION = re.compile(r"\b(not|no|never|neither|nor|none|nobody|nothing|without)\b(?!-)|\bno-one\b|n['’]t\b",
                       re.IGNORECASE)
_DENIAL = re.compile(r"\b(den(?:y|ies|ied|ial)|refus(?:e|es|ed|ing|al)|reject(?:s|ed|ing|ion)?)\b", re.IGNORECASE)


# Where a sentence, or a quoted one, opens: a capitalised word right after it is no name.
_SENTENCE_OPENING = re.compile(r"(?:^|[.!?:;\"“‘(])\s*$")


def negates(text: str, denials: bool = True) -> bool:
    """Whether ``text`` negates (or, with ``denials``, denies) something. A capitalised word inside a
    sentence is part of a name ("Reporters Without Borders"), not a negation; opening one ("No charges
    against Cosby") it is."""
    matches = [*_NEGATION.finditer(text), *(_DENIAL.finditer(text) if denials else ())]
    return any(not m.group().istitle() or _SENTENCE_OPENING.search(text, 0, m.start()) for m in matches)


# Currencies as amounts are written in them: a sign before the figure, a name after it ("400m euro").
CURRENCY_SIGNS = "£$€¥"
CURRENCY_NAMES = r"dollars?|pounds?|euros?|yen|yuan|francs?|rupees?|roubles?|pesos?"

# What a question measures, by its words, and the units an answer to it states the measure in. A span
# in another unit answers another question: "3km" is no height, "10,000m" no prize ("How much does
# the champion take home?"). Only wordings that name one measure are listed: "how high" may ask for a
# rate, "how much did shares lose" for a share.
_MEASURES = {
    "speed": (re.compile(r"\bhow fast\b|\b(?:what|which)\s+(?:\w+\s+)?speed\b", re.IGNORECASE),
              re.compile(r"\d\s*(?:km/h|kph|mph|m/s)\b|\bknots?\b"
                         r"|\b(?:miles|kilometres|kilometers|metres|meters|feet)\s+(?:an?|per)\s+(?:hour|minute|second)\b",
                         re.IGNORECASE)),
    "height": (re.compile(r"\bhow tall\b", re.IGNORECASE),
               re.compile(r"\d\s*(?:m|cm|mm|ft|in)\b|\b(?:metres?|meters?|centimetres?|centimeters?|feet|foot|inches|"
                          r"inch|storeys|stories|floors)\b", re.IGNORECASE)),
    "weight": (re.compile(r"\bhow heavy\b|\bhow much\b.*\bweigh", re.IGNORECASE),
               re.compile(r"\d\s*(?:kg|g|lb|lbs|oz|t)\b|\b(?:kilo(?:gram)?s?|grams?|tonnes?|tons?|pounds|stone|ounces)\b",
                          re.IGNORECASE)),
    "money": (re.compile(r"\bhow much\b.*\b(?:cost|costs|pay|pays|paid|earn|earns|earned|worth|price|priced|spend|spent|"
                         r"charge|charged|fined?|salary|wages?|owe|owed|take home|compensation|damages|fee|fees|prize money)\b",
                         re.IGNORECASE),
              re.compile(rf"[{CURRENCY_SIGNS}]|\d\s*p\b|\b(?:{CURRENCY_NAMES}|pence|cents?)\b", re.IGNORECASE)),
}


def asked_measure(question: str) -> str | None:
    """The measure a how-question asks for ("How tall is it?" -> "height"), None when it names none."""
    return next((name for name, (asks, _) in _MEASURES.items() if asks.search(question)), None)


def states_measure(measure: str, text: str) -> bool:
    """Whether a span states an amount in a unit of ``measure`` ("130cm" for a height)."""
    return bool(_MEASURES[measure][1].search(text))


@dataclass(frozen=True)
class Evidence:
    """What the decision sees of the best candidate, its rivals and the question."""

    reader_probability: float
    reader_rank: int  # 0 for the reader's most probable answer, 1 for the next distinct one...
    rival_probability: float  # the best candidate giving a different answer (0 when none)
    span_share: float  # the share of its passage's span scores on this answer (pipeline.span_share)
    kind_type: str
    answer: str
    sentence: str  # the sentence stating the answer
    before: str  # the sentence before it, where "he" in "He fled to Turkey" is named
    question_terms: frozenset[str]  # content stems of the question
    name_support: float  # share of the question's names in the answer's article (1 when it names none)
    agreeing: int  # other passages whose best reading is the same answer
    passage_rank: int  # the retrieved passage the answer is in, 0 = best
    member_support: float  # share of the reader's members whose own answer it is


def features(evidence: Evidence) -> list[float]:
    p = min(max(evidence.reader_probability, 1e-6), 1 - 1e-6)
    fit = type_fit(evidence.kind_type, evidence.answer)
    answer_terms = set(stems(words(evidence.answer)))
    sentence_terms = set(stems(words(evidence.sentence))) - answer_terms
    before_terms = set(stems(words(evidence.before))) - answer_terms - sentence_terms
    asked = evidence.question_terms
    overlap = len(asked & sentence_terms) / len(asked) if asked else 0.0
    context = len(asked & before_terms) / len(asked) if asked else 0.0
    return [math.log(p / (1 - p)), min(evidence.reader_rank, 4) / 4, evidence.reader_probability - evidence.rival_probability,
            1.0 if fit == 1.0 else 0.0, 1.0 if fit == 0.0 else 0.0, overlap, context, evidence.name_support,
            min(evidence.agreeing, 2) / 2, min(evidence.passage_rank, 3) / 3, evidence.span_share,
            evidence.member_support]


def question_terms(question: str) -> frozenset[str]:
    return frozenset(stems(content_terms(question)))


@dataclass(frozen=True)
class DecisionModel:
    """Logistic regression weights over ``FEATURES`` (then the bias), as fitted and recorded."""

    weights: tuple[float, ...]

    def probability(self, evidence: Evidence) -> float:
        *weights, bias = self.weights
        z = sum(w * x for w, x in zip(weights, features(evidence))) + bias
        return 1.0 / (1.0 + math.exp(-max(min(z, 50.0), -50.0)))

    @classmethod
    def load(cls, path: Path = DECISION_FILE) -> "DecisionModel":
        record = json.loads(path.read_text(encoding="utf-8"))
        if tuple(record["features"]) != FEATURES:
            raise ValueError(f"{path} was fitted on features {record['features']}, not {list(FEATURES)}: "
                             "run `python -m qa.reader.fit_decision` again.")
        return cls(tuple(record["weights"]))
