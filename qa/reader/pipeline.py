"""The trained reader's stages after retrieval: read -> decide answerable -> compose.

Each stage is a plain function over typed values so it can be tested, swept and timed alone;
every number they use is a field of ``ReaderSettings``.
"""
from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, replace

from index.articles import Article
from index.retrieve import ChunkHit, SentenceHit
from index.text import STOPWORDS, content_terms, sentence_spans, stems, words
from qa.reader.decision import (CURRENCY_NAMES, CURRENCY_SIGNS, REASON_CUE, DecisionModel, Evidence, answer_shapes,
                                asked_measure, decision_kind, is_time_unit, negates, question_terms, states_measure)
from qa.reader.decode import SpanScore
from qa.reader.model import SpanReader
from qa.reader.people import NAME_LINKS, NAME_PART, asked_role, described_person, describes, in_another_role
from qa.settings import ReaderSettings

# Answer-span edges that carry no meaning: the span stays an exact substring once they are cut.
_EDGE = " \t\n,.;:!?\"'“”‘’()[]-–—"


@dataclass(frozen=True)
class Candidate:
    """An answer span, exact in its article, with the sentence that states it."""

    text: str
    article_id: str
    start: int
    end: int
    probability: float
    sentence: SentenceHit
    passage: int = 0  # the retrieved passage it was read from, 0 = the best
    # The share of its passage's span mass the reader puts on this answer, other wordings included
    # (``span_share``): a reader torn between "three years" and "weeks" is less sure than one that is not.
    share: float = 1.0
    # The share of the reader's members whose own answer it is (``decode.member_support``).
    support: float = 1.0


def read(reader: SpanReader, question: str, kind_type: str, hits: list[ChunkHit], articles: dict[str, Article],
         settings: ReaderSettings) -> list[Candidate]:
    """Candidate answers from the best retrieved passages, most probable first, each with the share of
    its passage's span weight on what it answers (``answer_of``: for a why-question, its reason clause).

    A candidate the question itself contains ("four" in "the four Britons"), or that is part of a name
    the question gives ("Lakhdar" of "Lakhdar Brahimi" in "Whom did Brahimi meet?"), is never an answer;
    nor, asked how many, is a span that counts nothing ("fourth", "al-Shalal"); nor, asked a measure
    ("How tall ...?"), a span that states none in its units ("3km" is no height); nor, unless the
    question negates too, a span its sentence says something is not ("neither Harry nor Voldemort")."""
    passages = [h.chunk for h in hits[:settings.passages]]
    texts = [articles[c.article_id].text[c.start:c.end] for c in passages]
    asked = set(words(question))
    named = decision_kind(question, kind_type) in _NAMED_TYPES
    person = described_person(question)
    role = asked_role(question)
    measure = asked_measure(question)
    negated = negates(question)
    seen: set[tuple[str, int, int]] = set()
    candidates: list[Candidate] = []
    spans = reader.read(question, texts, max(settings.spans_per_window, settings.share_spans))
    masses = span_masses(spans, texts)
    for span in spans:
        if span.rank >= settings.spans_per_window:
            continue
        chunk = passages[span.passage]
        article = articles[chunk.article_id]
        start, end = _whole_name(article.text, *_trim(article.text, chunk.start + span.start, chunk.start + span.end),
                                 asked)
        if kind_type in _PHRASE_TYPES:
            start, end = _whole_quoted_phrase(article.text, start, end)
        if named:
            end = _appositive_name(article.text, start, end, asked)
        if kind_type in _COUNTING_TYPES:
            end = _with_time_unit(article.text, start, end)
        if kind_type == "where":
            start = _with_place_relation(article.text, start, asked)
        start = _with_range_opening(article.text, start, end)
        if kind_type == "how_many":
            counted = _from_the_count(article.text, start, end)
            if counted is None:
                continue
            start = counted
        if kind_type == "how_much":
            start, end = _with_conversion(article.text, start, end)
        if kind_type in _QUALIFIED:
            start = _with_qualifier(article.text, start, end, kind_type)
        key = (article.id, start, end)
        if start >= end or key in seen:
            continue
        seen.add(key)
        text = article.text[start:end]
        answer_words = words(text)
        # An answer never runs across a line break (headline into body, one paragraph into the next).
        if not answer_words or all(w in asked for w in answer_words) or "\n" in text or \
                _continues_a_name(article.text, start, end, asked) or \
                (measure and not states_measure(measure, text)) or (not negated and _said_not(article.text, start)) or \
                (person is not None and not describes(article.text, start, end, person)) or \
                (role is not None and in_another_role(article.text, start, end, role)):
            continue
        sentence = _sentence_of(article, start, end, reader.probability(span), chunk.start, chunk.end)
        if sentence is not None:
            found = Candidate(text, article.id, start, end, sentence.score, sentence, span.passage)
            candidates.append(replace(found, share=span_share(answer_of(kind_type, found), masses[span.passage]),
                                      support=span.support))
    candidates.sort(key=lambda c: -c.probability)
    return candidates


# Words that say what follows is not so ("neither Harry nor Voldemort", "not Paris but London").
_NEGATED_BEFORE = re.compile(r"\b(?:neither|nor|not)\s+(?:the\s+|a\s+|an\s+)?$", re.IGNORECASE)
# How far before a span they are looked for ("neither the " is 12 characters).
_NEGATED_REACH = 12


def _said_not(text: str, start: int) -> bool:
    """Whether the span at ``start`` is what its sentence says something is not: it answers only a
    question that negates too."""
    return _NEGATED_BEFORE.search(text, max(0, start - _NEGATED_REACH), start) is not None


def span_masses(spans: list[SpanScore], texts: list[str]) -> dict[int, list[tuple[str, float]]]:
    """Each passage's spans as (words, weight), weights a softmax over the passage's span scores."""
    by_passage: dict[int, list[SpanScore]] = {}
    for span in spans:
        by_passage.setdefault(span.passage, []).append(span)
    masses = {}
    for passage, own in by_passage.items():
        top = max(s.score for s in own)
        weights = [math.exp(s.score - top) for s in own]
        total = sum(weights)
        masses[passage] = [(_phrase(texts[passage][s.start:s.end]), w / total) for s, w in zip(own, weights)]
    return masses


def span_share(answer: str, masses: list[tuple[str, float]]) -> float:
    """The weight of the passage's spans that give ``answer``, in its words or fewer or more of them."""
    phrase = _phrase(answer)
    return sum(weight for other, weight in masses if not _phrases_differ(other, phrase))


_NEXT_WORD = re.compile(rf"[ \t]({NAME_PART})")


def _continues_a_name(text: str, start: int, end: int, asked: set[str]) -> bool:
    """Whether a capitalised span runs straight into a capitalised word the question gives: a first
    name of the person asked about by surname."""
    after = _NEXT_WORD.match(text, end)
    return text[start:end][:1].isupper() and after is not None and bool(set(words(after.group(1))) & asked)


_NAME_WORD = re.compile(r"[A-Z][\w’'.-]*")
# A name runs on over at most this many capitalised words either side ("Lt Gen Abulaziz al-Shalal").
_NAME_REACH = 3


# A name's "'s" and what follows it. A possessive is followed by what it owns ("Brahimi's visit"); followed by
# a verb or a clause's end, the "'s" is the name's own ("Standard & Poor's has classed", "McDonald's said").
_NAME_S = re.compile(r"['’]s(?=[,;:.]|\s+(\w+))")
_AFTER_A_NAME = {"has", "had", "have", "is", "was", "were", "are", "will", "would", "said", "says", "can", "could",
                 "may", "might", "should", "must", "did", "does", "also"}


def _is_name_word(word: str, asked: set[str]) -> bool:
    """A capitalised word that is no common word ("The", "In") and none the question gives."""
    return bool(_NAME_WORD.fullmatch(word)) and word.lower() not in STOPWORDS and not set(words(word)) & asked


def _whole_name(text: str, start: int, end: int, asked: set[str]) -> tuple[int, int]:
    """A span inside a name grows to the whole name ("Brahimi" -> "Lakhdar Brahimi", "Jed Clampett" ->
    "Ballad of Jed Clampett", "Standard & Poor" -> "Standard & Poor's" before a verb): capitalised words
    joined by single spaces or by ``NAME_LINKS``, never a common word ("The", "In") nor one the question gives."""
    if start >= end or not any(c.isupper() for c in text[start:end]):
        return start, end

    def joins(word: str) -> bool:
        return _is_name_word(word, asked)

    start, end = _grown(_spaced_words(text, start, -1), joins, start), _grown(_spaced_words(text, end, 1), joins, end)
    owned = _NAME_S.match(text, end)
    if owned and text[end - 1].isalpha() and (owned.group(1) is None or owned.group(1).lower() in _AFTER_A_NAME):
        end = owned.end()
    return start, end


# Question types whose answer is named: a person, or one of a kind picked by its noun ("Which group ...?").
_NAMED_TYPES = {"who", "which"}


def _appositive_name(text: str, start: int, end: int, asked: set[str]) -> int:
    """The end of a lower-case span grown over the name that follows it in apposition ("the media watchdog,
    Reporters Without Borders"; "the envoy Lakhdar Brahimi"): asked who or which, the name is the answer."""
    if any(c.isupper() for c in text[start:end]):
        return end
    edge = end + 1 if text.startswith(", ", end) else end

    def joins(word: str) -> bool:  # never a day or month ("the minister Tuesday")
        return _is_name_word(word, asked) and "date" not in answer_shapes(word)

    grown = _grown(_spaced_words(text, edge, 1), joins, edge)
    return grown if grown > edge else end


# Question types answered by a count: a bare number there is read with the time unit it counts.
_COUNTING_TYPES = {"how_long", "how_many"}
_JOINED_WORD = re.compile(r"-([A-Za-z]+)")
_NEXT_WORDS = re.compile(r" ([a-z]+)(?: ([a-z]+))?\b")


def _with_time_unit(text: str, start: int, end: int) -> int:
    """The end of a bare number grown over the time unit it counts: joined to it ("three" of "a three-day
    celebration" -> "three-day"), next to it, or across one word that is no stopword ("47 continuous
    years"; never "10 a day"). A duration is a number with its unit."""
    if answer_shapes(text[start:end]) != {"number"}:
        return end
    joined = _JOINED_WORD.match(text, end)
    if joined:
        return joined.end() if is_time_unit(joined.group(1)) else end
    following = _NEXT_WORDS.match(text, end)
    if following and is_time_unit(following.group(1)):
        return following.end(1)
    if following and following.group(2) and following.group(1) not in STOPWORDS and is_time_unit(following.group(2)):
        return following.end(2)
    return end


# Words that qualify a count and belong with it ("more than 40", "up to 50", "as many as 26").
_COUNT_QUALIFIER = re.compile(r"\b(?:(?:more|less|fewer) than|up to|at (?:least|most)|as (?:many|much|few) as|"
                              r"some|about|around|almost|nearly|over|under|roughly|approximately|an estimated|"
                              r"just|only|between)\s+$", re.IGNORECASE)


def _from_the_count(text: str, start: int, end: int) -> int | None:
    """The start of a how-many span moved to the count it gives ("fourth largest number of registered
    players (125,508" -> "125,508"; "a total of 301" -> "301"; what qualifies it is put back by
    ``_with_qualifier``); None where the span counts nothing ("fourth", a name): it answers no how-many
    question."""
    for token in re.finditer(r"\S+", text[start:end]):
        if "number" in answer_shapes(token.group(0)):
            return start + token.start() + len(token.group(0)) - len(token.group(0).lstrip("([\"'“‘"))
    return None


def _opening(text: str, start: int, pattern: re.Pattern, reach: int) -> re.Match | None:
    """What ``pattern`` (anchored at its end) finds in the ``reach`` characters just before ``start``."""
    return pattern.search(text, max(0, start - reach), start)


# A place named inside a larger one, written before it ("Halfaya in Hama province", "Wantage in Oxfordshire").
_PLACE_IN = re.compile(r"((?:[A-Z][\w’'.-]*\s){0,2}[A-Z][\w’'.-]*),?\s+in\s+$")
# Where the answer lies relative to a place, when not inside it: without the word, "the Turkish border"
# says something else than "near the Turkish border".
_PLACE_RELATION = re.compile(r"\b(?:(?:north|south|east|west)(?:-?(?:east|west))?(?:ern)?(?:\s+part)?\s+of|near|"
                             r"outside|close to|next to|beyond|across|along|opposite|off|just outside)\s+(?:the\s+)?$",
                             re.IGNORECASE)
# How far before a where-span what places it is looked for.
_PLACE_REACH = 80


def _with_place_relation(text: str, start: int, asked: set[str]) -> int:
    """The start of a where-span moved over what places it: the smaller place named before it ("Hama province"
    -> "Halfaya in Hama province"; never a sentence's first word, nor a name the question gives) or its
    relation to the place ("near the Turkish border"). A smaller place is told from an event only by its
    season or month ("Summer Olympics in London" stays "London")."""
    inner = _opening(text, start, _PLACE_IN, _PLACE_REACH)
    if inner:
        first = inner.start(1)
        opens_sentence = first == 0 or re.search(r"(?:^|[.!?\n][\"”’']?)\s*$", text[max(0, first - 3):first]) is not None
        if not opens_sentence and all(_is_name_word(word, asked) and "date" not in answer_shapes(word)
                                      for word in inner.group(1).split()):
            return first
    relation = _opening(text, start, _PLACE_RELATION, _PLACE_REACH)
    return relation.start() if relation else start


_RANGE = re.compile(r"\S+\s+and\s+\S+$")


def _with_range_opening(text: str, start: int, end: int) -> int:
    """The start of a range of numbers or dates moved over its opening word ("1945 and 1970" ->
    "between 1945 and 1970"): the two ends alone read as two answers."""
    if _RANGE.fullmatch(text[start:end]) and "number" in answer_shapes(text[start:end]) and \
            text[max(0, start - 8):start].lower().endswith("between "):
        return start - len("between ")
    return start


# Words that place a date within a longer time ("the last weekend of September", "the winter of 1973-74",
# "early 2004"): the date alone says something else.
_DATE_QUALIFIER = re.compile(r"\b(?:(?:the\s+)?(?:(?:first|last|final|second|third)\s+)?(?:week|weekend|day|month|half|"
                             r"quarter|end|start|beginning|middle|turn|spring|summer|autumn|winter)\s+of|early|late|mid)"
                             r"[\s-]+$", re.IGNORECASE)
# The answer's shape, and the words before it that qualify it, per question type: an amount ("more than 40",
# "about 9.81 meters") or a date.
_QUALIFIED = {"how_many": ("number", _COUNT_QUALIFIER), "how_much": ("number", _COUNT_QUALIFIER),
              "when": ("date", _DATE_QUALIFIER)}


# How far before an amount or a date what qualifies it is looked for ("approximately " is 14 characters).
_QUALIFIER_REACH = 30


def _with_qualifier(text: str, start: int, end: int, kind_type: str) -> int:
    """The start of an amount or a date moved over the words before it that qualify it ("40" of "more
    than 40 offers" -> "more than 40"; "September" -> "the last weekend of September")."""
    shape, pattern = _QUALIFIED[kind_type]
    if shape not in answer_shapes(text[start:end]):
        return start
    qualifier = _opening(text, start, pattern, _QUALIFIER_REACH)
    return qualifier.start() if qualifier else start


# An amount as news writes it, before its conversion in brackets: "$515m", "1.47m yuan", "400m euro",
# "50,000 euros". Anchored at its end (the bracket follows it).
_AMOUNT_BEFORE = re.compile(rf"(?:[{CURRENCY_SIGNS}]\s?)?\d[\d,.]*\s?(?:bn|m|k|billion|million|trillion)?"
                            rf"(?:\s(?:{CURRENCY_NAMES}))?\s*$", re.IGNORECASE)
# A conversion in brackets straight after an amount: "(£277m)", "($495m; £275m)".
_CONVERSION = re.compile(r"\s*\([^()\n]*\d[^()\n]*\)")
# How far before its bracket the amount a conversion converts is looked for.
_AMOUNT_REACH = 30


def _with_conversion(text: str, start: int, end: int) -> tuple[int, int]:
    """An amount and its conversion in brackets are one answer, given whole: "£277m" of "a total of
    $515m (£277m)" -> "$515m (£277m)", the amount the story states first with what it converts to;
    "1.47m yuan ($177,600" -> "1.47m yuan ($177,600)". Other spans are kept."""
    opening = text.rfind("(", 0, start + 1)
    if opening >= 0 and ")" not in text[opening:start]:  # the span is inside a bracket
        amount = _AMOUNT_BEFORE.search(text, max(0, opening - _AMOUNT_REACH), opening)
        conversion = _CONVERSION.match(text, amount.end()) if amount else None
        return (amount.start(), conversion.end()) if conversion and conversion.end() >= end else (start, end)
    bracket = _bracket_start(text, start, end)
    conversion = _CONVERSION.match(text, bracket)
    if conversion and _AMOUNT_BEFORE.search(text, start, bracket):
        return start, max(end, conversion.end())
    return start, end


def _bracket_start(text: str, start: int, end: int) -> int:
    """Where a span's own unclosed bracket opens ("1.47m yuan ($177,600"), else where it ends."""
    inside = text.rfind("(", start, end)
    return inside if inside >= 0 and ")" not in text[inside:end] else end


# Question types answered by a phrase rather than a name, a number or a date.
_PHRASE_TYPES = {"what", "why", "how", "other"}
# A quoted fragment: opens lower-case, ends without a sentence stop ("discuss “the many steps to be taken
# in the future”"), on one line.
_QUOTED_FRAGMENT = re.compile(r"[“\"]([a-z][^“”\"\n]*?[^.!?,;:“”\"\n])[”\"]")
# The longest quoted fragment given whole; a longer quotation is a statement, not a phrase.
_QUOTED_PHRASE_WORDS = 12


def _whole_quoted_phrase(text: str, start: int, end: int) -> tuple[int, int]:
    """A span inside a quoted fragment grows to the whole fragment: the words a reporter quotes are
    one phrase ("the many steps" -> "the many steps to be taken in the future")."""
    line_start = text.rfind("\n", 0, start) + 1
    line_end = text.find("\n", end)
    for match in _QUOTED_FRAGMENT.finditer(text, line_start, len(text) if line_end < 0 else line_end):
        if match.start(1) <= start and end <= match.end(1) and len(match.group(1).split()) <= _QUOTED_PHRASE_WORDS:
            return match.start(1), match.end(1)
    return start, end


def _spaced_words(text: str, edge: int, direction: int) -> list[tuple[str, int, int]]:
    """The words that single spaces join to ``edge``, before it (``direction`` -1, nearest first) or
    after it (1), as (word, start, end). After it, a word's closing punctuation ("Borders.") is cut
    off and ends the run: a name does not run on past its clause. Before it, a line's first word is
    left out: it opens a headline or paragraph ("Struggling Japanese ...") as often as a name."""
    if direction < 0:
        low = max(0, edge - 120)
        tokens = [(m.group(0), low + m.start(), low + m.end()) for m in re.finditer(r"\S+", text[low:edge])][::-1]
    else:
        tokens = [(m.group(0), edge + m.start(), edge + m.end()) for m in re.finditer(r"\S+", text[edge:edge + 120])]
    run: list[tuple[str, int, int]] = []
    near = edge
    for word, start, end in tokens:
        if (text[end:near] if direction < 0 else text[near:start]) != " " or \
                (direction < 0 and (start == 0 or text[start - 1] != " ")):
            break
        bare = word.rstrip(".,;:") if direction > 0 else word
        run.append((bare, start, start + len(bare)))
        if bare != word:
            break
        near = start if direction < 0 else end
    return run


def _grown(run: list[tuple[str, int, int]], joins: Callable[[str], bool], edge: int) -> int:
    """``edge`` moved over up to ``_NAME_REACH`` name words of ``run`` (``_spaced_words``), each next
    to the name or across one or two link words: to a word's start before the name, its end after."""
    taken = 0
    for _ in range(_NAME_REACH):
        for links in range(3):
            linked = sorted(run[taken:taken + links], key=lambda w: w[1])
            if taken + links < len(run) and joins(run[taken + links][0]) and \
                    (not links or " ".join(w for w, _, _ in linked) in NAME_LINKS):
                taken += links + 1
                word = run[taken - 1]
                edge = word[1] if word[1] < edge else word[2]
                break
        else:
            break
    return edge


def _trim(text: str, start: int, end: int) -> tuple[int, int]:
    """Whole words only ("Gans", not the word piece "Gan"), without edge punctuation."""
    while start > 0 and text[start - 1].isalnum() and text[start].isalnum():
        start -= 1
    while end < len(text) and text[end].isalnum() and text[end - 1].isalnum():
        end += 1
    while start < end and text[start] in _EDGE:
        start += 1
    while end > start and text[end - 1] in _EDGE:
        end -= 1
    return start, end


def _sentence_of(article: Article, start: int, end: int, score: float, chunk_start: int,
                 chunk_end: int) -> SentenceHit | None:
    """The sentence of the chunk that holds the span, as an exact quote; None when the span runs
    across sentences ("£29. More than 2.8 million"), which no answer does."""
    spans = [s for s in sentence_spans(article.text, chunk_start, chunk_end) if s.end > start and s.start < end]
    if len(spans) > 1:
        return None
    first, last = (min(spans[0].start, start), max(spans[0].end, end)) if spans else (start, end)
    return SentenceHit(article.id, first, last, article.text[first:last], score, 0.0, 0.0, 0)


@dataclass(frozen=True)
class Decision:
    """The candidate most likely right, and that probability; ``answer`` is None below the threshold."""

    answer: Candidate | None
    best: Candidate | None
    probability: float


def weigh(question: str, kind_type: str, candidates: list[Candidate], articles: dict[str, Article],
          settings: ReaderSettings) -> list[tuple[Candidate, Evidence]]:
    """What the decision model sees of each of the reader's most probable distinct answers.

    Only answers whose article gives the question's numbers and most of its names are weighed: a
    confident span about another town or another year answers a different question; nor, where the
    question negates, an answer whose sentence negates nothing."""
    terms = question_terms(question)
    kind_type = decision_kind(question, kind_type)
    names: dict[str, float | None] = {}
    answers = [answer_of(kind_type, c) for c in candidates]
    negated = negates(question)
    weighed = []
    for rank, candidate in enumerate(_distinct_answers(candidates)[:settings.decision_candidates]):
        # A question that negates ("What is not a symptom ...?", "Where did he refuse to go?") is not
        # answered by a sentence stating the positive: its span answers the question without the "not".
        if negated and not negates(candidate.sentence.text):
            continue
        if candidate.article_id not in names:
            text = described(articles[candidate.article_id])
            share = name_support(question, text)  # stems the whole article: once per article
            names[candidate.article_id] = share if share >= settings.name_support and numbers_supported(question, text) \
                else None
        if names[candidate.article_id] is None:
            continue
        answer = answer_of(kind_type, candidate)
        answer_words = set(words(candidate.text))
        rival = max((c.probability for c, other in zip(candidates, answers) if _differs(other, answer)), default=0.0)
        agreeing = len({c.passage for c in candidates if c.passage != candidate.passage
                        and set(words(c.text)) == answer_words})
        weighed.append((candidate, Evidence(candidate.probability, rank, rival, candidate.share, kind_type, answer,
                                            candidate.sentence.text, _sentence_before(articles[candidate.article_id],
                                                                                      candidate.sentence.start),
                                            terms, names[candidate.article_id], agreeing, candidate.passage,
                                            candidate.support)))
    return weighed


# How far back the sentence before an answer's sentence is looked for.
_BEFORE_CHARS = 400


def _sentence_before(article: Article, start: int) -> str:
    spans = sentence_spans(article.text, max(0, start - _BEFORE_CHARS), start)
    return article.text[spans[-1].start:spans[-1].end] if spans else ""


def decide(question: str, kind_type: str, candidates: list[Candidate], articles: dict[str, Article],
           model: DecisionModel, settings: ReaderSettings) -> Decision:
    """The answer, or none when the evidence does not state what was asked.

    The decision model weighs the reader's most probable answers (``weigh``: the span's shape against
    the question type, how much of the question its sentence states, rival answers, agreeing
    passages); the likeliest is the answer when its probability of being right reaches the threshold."""
    best, best_p = None, 0.0
    for candidate, evidence in weigh(question, kind_type, candidates, articles, settings):
        p = model.probability(evidence)
        if p > best_p:
            best, best_p = candidate, p
    return Decision(best if best is not None and best_p >= settings.answer_threshold else None, best, best_p)


def _differs(one: str, other: str) -> bool:
    """Two readings give different answers unless one holds the other ("to Turkey", "Turkey")."""
    return _phrases_differ(_phrase(one), _phrase(other))


def _phrase(text: str) -> str:
    """A reading's words, space-delimited, for ``_phrases_differ``."""
    return f" {' '.join(words(text))} "


def _phrases_differ(one: str, other: str) -> bool:
    return one not in other and other not in one


def _distinct_answers(candidates: list[Candidate]) -> list[Candidate]:
    """The most probable reading of each different answer text."""
    seen: set[str] = set()
    kept = []
    for c in candidates:
        key = " ".join(words(c.text))
        if key not in seen:
            seen.add(key)
            kept.append(c)
    return kept


_NUMBER = re.compile(r"\d[\d,.]*")


def described(*articles: Article) -> str:
    """What a question may name an article by: its text, and its title, source ("The Verge") and
    date ("the report published on September 28, 2023")."""
    return "\n".join(f"{a.title}\n{a.source or ''}\n{_spelled_date(a.date)}\n{a.text}" for a in articles)


_MONTH_NAMES = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
                "November", "December")


def _spelled_date(date: str | None) -> str:
    """"2023-09-28T10:00:00" as it is also written in questions ("September 28, 2023"), beside itself."""
    match = re.match(r"(\d{4})-(\d{2})-(\d{2})", date or "")
    if not match or not 1 <= int(match.group(2)) <= 12:
        return date or ""
    year, month, day = match.groups()
    return f"{date} {_MONTH_NAMES[int(month) - 1]} {int(day)}, {year}"


def question_is_supported(question: str, text: str, settings: ReaderSettings) -> bool:
    return numbers_supported(question, text) and name_support(question, text) >= settings.name_support


def numbers_supported(question: str, text: str) -> bool:
    """Every number and year the question gives is in ``text``."""
    return all(n in text for n in {n.strip(",.") for n in _NUMBER.findall(question)})


def name_support(question: str, text: str) -> float:
    """The share of the question's names found in ``text`` (1 when it names none)."""
    names = asked_names(question)
    if not names:
        return 1.0
    # Stems, so "Britons" finds "Briton" and "Gates's" finds "Gates".
    present = set(stems(words(text)))
    return sum(n in present for n in stems(sorted(names))) / len(names)


_QUESTION_OPENERS = {"who", "whom", "whose", "what", "which", "where", "when", "why", "how", "is", "are", "was",
                     "were", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would", "in", "on",
                     "at", "for", "from", "to", "and", "name", "tell", "list", "should", "the", "a", "an"}


def asked_names(question: str) -> set[str]:
    """Words the question capitalises (past its first word): the names it already gives."""
    tokens = [t.strip("’'") for t in re.findall(r"[\w’'-]+", question)]
    named = [t for t in tokens if any(c.isupper() for c in t) and t.lower() not in _QUESTION_OPENERS]
    return {w.removesuffix("'s") for t in named for w in words(t) if len(w) > 1 and w not in STOPWORDS}


def conflicting(best: Candidate, candidates: list[Candidate], settings: ReaderSettings) -> Candidate | None:
    """Another source stating the same fact with a different value in the asked slot.

    Only a sentence from another article that says nearly the same thing (its content words,
    answers left out, largely shared) and is itself a confident answer counts: two articles
    about different products or events never make a conflict."""
    best_terms = set(content_terms(best.sentence.text)) - set(content_terms(best.text))
    for other in candidates[1:]:
        if other.probability < settings.second_source_threshold:
            break
        if other.article_id == best.article_id or not _differs(best.text, other.text):
            continue
        # A source whose sentence also gives the answer ("almost three years") agrees with it.
        if best.text.lower() in other.sentence.text.lower() or other.text.lower() in best.sentence.text.lower():
            continue
        other_terms = set(content_terms(other.sentence.text)) - set(content_terms(other.text))
        shared = len(best_terms & other_terms) / max(1, min(len(best_terms), len(other_terms)))
        if shared >= settings.conflict_similarity:
            return other
    return None


def corroborating(best: Candidate, candidates: list[Candidate], settings: ReaderSettings) -> list[Candidate]:
    """Other articles that give the same answer: a multi-source question rests on each of them."""
    answer = set(words(best.text))
    found: list[Candidate] = []
    seen = {best.article_id}
    for other in candidates[1:]:
        if len(found) >= settings.max_corroborating or other.probability < settings.second_source_threshold:
            break
        # A duplicate article says nothing new: the same sentence is quoted once.
        if other.article_id not in seen and answer == set(words(other.text)) and \
                all(other.sentence.text != c.sentence.text for c in [best, *found]):
            seen.add(other.article_id)
            found.append(other)
    return found


# Where a reason clause stops: a sentence end, or a comma before an attribution ("..., he said").
_CLAUSE_END = re.compile(r"[;.!?](?=[”\"’']?(\s|$))|,[”\"’']?\s+(?=(he|she|they|it|we|i)\b|([\w’'-]+\s+){0,4}"
                         r"(said|says|saying|told|added|reported|according)\b)")


def answer_of(kind_type: str, candidate: Candidate) -> str:
    """What a reading answers: its span, or for a why-question the reason clause the span sits in, so
    that readings inside one clause ("massacres", "towns and villages") are one answer."""
    return reason_clause(candidate) if kind_type == "why" else candidate.text


def reason_clause(best: Candidate) -> str:
    """For "why": the reason clause the reader's span sits in ("because ... villages"), else the span."""
    sentence = best.sentence.text
    start, end = best.start - best.sentence.start, best.end - best.sentence.start
    cues = [m for m in REASON_CUE.finditer(sentence, 0, end) if m.start() <= start]
    if not cues:
        return best.text
    stop = _CLAUSE_END.search(sentence, end)
    return sentence[cues[-1].start():stop.start() if stop else len(sentence)].rstrip(" ,")


def compose(kind_type: str, best: Candidate, conflict: Candidate | None,
            support: list[Candidate] = ()) -> tuple[str, list[tuple[str, tuple[int, ...]]], list[SentenceHit]]:
    """The short answer (verbatim), the lead as (text, quotes it cites) parts, and the quotes: the
    answer itself, then the one sentence that states it; other sources saying the same follow it.

    Where another source states the same fact otherwise, the lead says so before any value is read
    as the answer ("The sources disagree: Tampa or Glendale [1] [2]"): neither is given alone, since
    the articles cannot tell which is right."""
    short = answer_of(kind_type, best)
    quotes = [best.sentence, *(c.sentence for c in support)]
    if conflict is None:
        return short, [(short[0].upper() + short[1:] if kind_type == "why" else short, (0,))], quotes
    quotes.append(conflict.sentence)
    return short, [(f"The sources disagree: {short} or {answer_of(kind_type, conflict)}", (0, len(quotes) - 1))], quotes
