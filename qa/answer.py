"""The extractive answerer: pick supporting sentences, lead with a short answer, cite everything.

Every piece of the answer text is a verbatim span of an article, so grounding holds by
construction: the short answer is a substring of the sentence it cites, and each sentence is
quoted whole (which keeps the article's attribution, "..., he said").
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from index.articles import Article
from index.retrieve import SentenceHit
from index.text import content_terms, sentence_spans, words
from qa.question import QuestionKind

# Words that introduce a reason: strong ones start a "why" short answer, weak ones only hint.
CAUSAL_CUES = re.compile(
    # "was due to retire" is a schedule, not a reason.
    r"\b(because( of)?|(?<!was )(?<!is )(?<!are )(?<!were )(?<!be )due to|as a result of|owing to|in order to|so that|in protest (at|against|over)|"
    r"citing|the reason|caused by|resulted from|in response to)\b",
    re.IGNORECASE,
)
WEAK_CAUSAL_CUES = re.compile(r"\b(after|since|amid|following|over|led to)\b", re.IGNORECASE)


@dataclass(frozen=True)
class Evidence:
    hit: SentenceHit
    n: int


@dataclass(frozen=True)
class Composition:
    text: str
    evidence: list[Evidence]
    short_answer: str | None  # when set, a verbatim part of evidence[0]
    conflicts: list[str]  # alternative answers that other sources give


_NUMBER = re.compile(
    r"\d|\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|twenty|thirty|forty|fifty|"
    r"hundreds?|thousands?|millions?|billions?|dozens?|scores)\b", re.IGNORECASE
)
TYPE_BONUS = 0.08
TYPED_CANDIDATES = 8  # spaCy runs on this many top sentences, not on every candidate


def rank_for(kind: QuestionKind, sentences: list[SentenceHit], question: str = "") -> list[SentenceHit]:
    """Re-rank with what the question type needs: a reason for "why", an entity of the asked
    type (a person for "who", a date for "when", a number for "how many") else."""
    if kind.type == "why":
        def bonus(sentence: SentenceHit) -> float:
            if CAUSAL_CUES.search(sentence.text):
                return 0.08
            return 0.03 if WEAK_CAUSAL_CUES.search(sentence.text) else 0.0
    elif kind.required_labels:
        typed = {id(s) for s in sentences[:TYPED_CANDIDATES]
                 if entity_votes(kind.required_labels, question, [s], kind.numeric)}

        def bonus(sentence: SentenceHit) -> float:
            return TYPE_BONUS if id(sentence) in typed else 0.0
    else:
        return sentences
    return sorted(sentences, key=lambda s: -(s.score + bonus(s)))


def select_evidence(sentences: list[SentenceHit], max_citations: int, threshold: float) -> list[SentenceHit]:
    """The best sentence plus near-best ones that add something new, in descending score."""
    if not sentences:
        return []
    best = sentences[0]
    chosen = [best]
    floor = max(threshold, best.score * 0.6)
    for sentence in sentences[1:]:
        if len(chosen) >= max_citations or sentence.score < floor:
            break
        terms = set(content_terms(sentence.text))
        if any(_redundant(terms, set(content_terms(c.text))) for c in chosen):
            continue
        chosen.append(sentence)
    return chosen


# "..., the source is quoted as saying." names its speaker only through an earlier sentence.
_ANAPHORIC_ATTRIBUTION = re.compile(
    r"\b(he|she|they|the (source|sources|official|officials|spokesman|spokeswoman|agency|minister|"
    r"general|commander|correspondent|statement|report))\b[^.!?]{0,30}?\b(said|says|added|adds|told|"
    r"is quoted|was quoted|reports|reported|confirmed|claimed)\b",
    re.IGNORECASE,
)
_INTRODUCES_SPEAKER = re.compile(r"\b(said|says|according to|reports?|reported|confirmed|told|statement|quoted)\b", re.IGNORECASE)


def with_attribution(evidence: list[SentenceHit], articles: dict[str, Article]) -> list[SentenceHit]:
    """Evidence plus, before any sentence whose speaker is only "he" or "the source", the sentence
    that introduces that speaker: a news answer that drops who said it is wrong."""
    result: list[SentenceHit] = []
    present = {(s.article_id, s.start) for s in evidence}
    for sentence in evidence:
        context = _speaker_sentence(sentence, articles[sentence.article_id])
        if context and (context.article_id, context.start) not in present:
            present.add((context.article_id, context.start))
            result.append(context)
        result.append(sentence)
    return result


def _speaker_sentence(sentence: SentenceHit, article: Article) -> SentenceHit | None:
    if not _ANAPHORIC_ATTRIBUTION.search(sentence.text):
        return None
    window_start = max(0, sentence.start - 2000)
    spans = sentence_spans(article.text, window_start, sentence.start)
    # The first span of a window that starts mid-article may be a sentence fragment.
    if not spans or (len(spans) == 1 and window_start > 0):
        return None
    previous = spans[-1]
    text = article.text[previous.start:previous.end]
    if not _INTRODUCES_SPEAKER.search(text):
        return None
    return SentenceHit(sentence.article_id, previous.start, previous.end, text, sentence.score,
                       sentence.dense, sentence.lexical, sentence.chunk_rank)


def _redundant(a: set[str], b: set[str]) -> bool:
    return bool(a) and len(a & b) / len(a) > 0.8


def ensure_typed_answer(
    kind: QuestionKind, question: str, sentences: list[SentenceHit], evidence: list[SentenceHit],
    threshold: float, max_citations: int,
) -> list[SentenceHit] | None:
    """Evidence holding an answer of the asked type (a date for "when", ...), or None if no good
    sentence has one: then the articles discuss the subject but do not say what was asked."""
    labels = kind.required_labels
    if not labels or entity_votes(labels, question, evidence, kind.numeric):
        return evidence
    floor = max(threshold, 0.75 * sentences[0].score)
    for sentence in sentences[:10]:
        if sentence.score >= floor and sentence not in evidence and entity_votes(labels, question, [sentence], kind.numeric):
            return [sentence, *evidence][:max_citations]
    return None


def short_answer(
    kind: QuestionKind, question: str, evidence: list[SentenceHit]
) -> tuple[str | None, int | None, list[tuple[str, int]]]:
    """(short answer, index of the evidence it comes from, conflicting alternatives with theirs)."""
    if kind.type == "why":
        for i, sentence in enumerate(evidence):
            clause = causal_clause(sentence.text)
            if clause:
                return clause, i, []
        return None, None, []
    if not kind.entity_labels:
        return None, None, differing_entities(evidence)
    # Prefer the labels that must be there (a person for "who") over looser ones ("Syrians").
    votes = (entity_votes(kind.entity_labels & kind.required_labels, question, evidence, kind.numeric)
             or entity_votes(kind.entity_labels, question, evidence, kind.numeric))
    if not votes:
        return None, None, []
    answer, index = votes[0].text, votes[0].sentence
    conflicts = _conflicting(answer, index, [(v.text, v.sentence) for v in votes[1:]], evidence)
    return answer, index, conflicts


def differing_entities(evidence: list[SentenceHit]) -> list[tuple[str, int]]:
    """For untyped questions: the first pair of sources whose sentences match but for one entity.

    Returns [(entity in the better sentence, its index), (the other source's entity, its index)].
    """
    if len(evidence) < 2:
        return []
    best = evidence[0]
    best_terms = set(content_terms(best.text))
    for j, other in enumerate(evidence[1:], start=1):
        if other.article_id == best.article_id or _shared_share(best_terms, set(content_terms(other.text))) < 0.6:
            continue
        from qa.entities import entities  # only now: most answers have no near-duplicate source

        for mine in (e for e in entities(best.text) if e.label in ANSWER_LABELS):
            if mine.text in other.text:
                continue
            for theirs in entities(other.text):
                if theirs.label == mine.label and theirs.text not in best.text:
                    return [(mine.text, 0), (theirs.text, j)]
    return []


def _shared_share(a: set[str], b: set[str]) -> float:
    return len(a & b) / max(1, min(len(a), len(b)))


@dataclass
class _Vote:
    text: str  # the longest surface form seen ("Bashar al-Assad" over "Assad")
    sentence: int  # the best-scoring evidence sentence that contains it
    weight: float
    key: set[str]


# Entity types that can carry a disputed fact when the question names no type of its own.
ANSWER_LABELS = {"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "DATE", "TIME", "MONEY", "PERCENT",
                 "CARDINAL", "QUANTITY", "EVENT", "PRODUCT", "WORK_OF_ART"}


def entity_votes(labels: set[str], question: str, evidence: list[SentenceHit], numeric: bool = False) -> list[_Vote]:
    """Candidate answers of the expected type, pooled over the evidence and weighted.

    An entity earns its sentence's score, more when it stands next to words of the question
    (the phrase the question asks about), less when it only modifies another noun ("Assad's
    government"), and nothing when the question already names it.
    """
    from qa.entities import entities  # spaCy loads only when a question needs an entity

    asked_names = _names_in(question)
    asked_terms = set(content_terms(question))
    votes: list[_Vote] = []
    for i, sentence in enumerate(evidence):
        for entity in entities(sentence.text):
            if entity.label not in labels or _overlaps_question(entity.text, asked_names):
                continue
            if numeric and not _NUMBER.search(entity.text):
                continue
            weight = sentence.score * (1.0 + _proximity(sentence.text, entity, asked_terms))
            if _is_possessive_modifier(sentence.text, entity.end):
                weight *= 0.3
            weight *= LABEL_WEIGHT.get(entity.label, 1.0)
            key = {w for w in words(entity.text) if w not in _TITLES}
            _add_vote(votes, entity.text, i, weight, key)
    return sorted(votes, key=lambda v: -v.weight)


# Nationalities ("Syrian") answer "who" only when no person or organisation does, a person beats
# an organisation (often just the reporting agency), and a building answers "where" less well
# than the town it stands in.
LABEL_WEIGHT = {"NORP": 0.3, "FAC": 0.8, "ORG": 0.6}
_TITLES = {"mr", "mrs", "ms", "dr", "gen", "lt", "col", "president", "prime", "minister", "sir", "the"}


def _add_vote(votes: list[_Vote], text: str, sentence: int, weight: float, key: set[str]) -> None:
    for vote in votes:
        if key and (key <= vote.key or vote.key <= key):
            vote.weight += weight
            if len(text) > len(vote.text):
                # The short answer must stay a verbatim part of the sentence it cites.
                vote.text, vote.sentence, vote.key = text, sentence, vote.key | key
            return
    votes.append(_Vote(text, sentence, weight, key))


_TOKEN = re.compile(r"\S+")


def _proximity(sentence: str, entity, asked_terms: set[str], window: int = 40) -> float:
    """0.4 to 0.5 when a word of the question stands near: the answer usually sits beside the
    phrase the question asks about, and the closest of two candidates ("President Assad met the
    envoy Lakhdar Brahimi" for "Who is the envoy?") is the likelier one."""
    gaps = [entity.start - m.end() for m in _TOKEN.finditer(sentence, max(0, entity.start - window), entity.start)
            if asked_terms & set(content_terms(m.group()))]
    gaps += [m.start() - entity.end for m in _TOKEN.finditer(sentence, entity.end, entity.end + window)
             if asked_terms & set(content_terms(m.group()))]
    return 0.4 + 0.1 * (1 - min(gaps) / (window + 1)) if gaps else 0.0


def _is_possessive_modifier(sentence: str, end: int) -> bool:
    return sentence[end:end + 2] in {"'s", "’s"}


def _names_in(question: str) -> set[str]:
    """Words the question capitalises mid-sentence: the names it already gives."""
    tokens = re.findall(r"[\w’'-]+", question)
    named = [t for i, t in enumerate(tokens) if (i > 0 or t.lower() not in _QUESTION_OPENERS)
             and any(c.isupper() or c.isdigit() for c in t)]  # "al-Shalal", "21" count as names too
    return {w for t in named for w in words(t)}


_QUESTION_OPENERS = {"who", "whom", "whose", "what", "which", "where", "when", "why", "how", "is", "are", "was",
                     "were", "do", "does", "did", "has", "have", "had", "can", "could", "will", "would", "in", "on",
                     "at", "for", "from", "to", "and", "name", "tell", "list"}


def _overlaps_question(entity: str, asked: set[str]) -> bool:
    # "Lakhdar Brahimi" answers nothing when the question already names Brahimi.
    # Short words are noise ("al", "de") unless written as an acronym ("UN", "EU").
    tokens = [w for w in words(entity)
              if (len(w) > 2 or w.isdigit() or w.upper() in entity) and w not in _TITLES]
    return bool(tokens) and sum(w in asked for w in tokens) / len(tokens) >= 0.5


def _conflicting(
    answer: str, index: int, candidates: list[tuple[str, int]], evidence: list[SentenceHit]
) -> list[tuple[str, int]]:
    """Answers that other articles give in a sentence saying the same thing otherwise.

    Two sources disagree when their sentences largely match but name different entities in
    the answer slot ("played in Tampa, Florida" against "played in Glendale, Arizona").
    """
    chosen = evidence[index]
    chosen_terms = set(content_terms(chosen.text))
    chosen_words = set(words(answer))
    conflicts: list[tuple[str, int]] = []
    for text, i in candidates:
        other = evidence[i]
        if other.article_id == chosen.article_id or set(words(text)) & chosen_words or text in chosen.text:
            continue
        if _shared_share(chosen_terms, set(content_terms(other.text))) >= 0.4 and all(i != j for _, j in conflicts):
            conflicts.append((text, i))
    return conflicts


# Where a reason clause stops: sentence end, or a comma before an attribution ("..., he said").
_CLAUSE_END = re.compile(
    r"[,;][”\"’']?\s+(?=(?:he|she|they|it|we|i)\b|(?:[\w’'-]+\s+){0,4}(?:said|says|saying|told|added|reported|reports|according|quoted)\b)"
    r"|[.!?](?=[”\"’']?(?:\s|$))"
)


def causal_clause(sentence: str) -> str | None:
    """The reason part of a sentence ("because ..."), trimmed at the next clause boundary."""
    match = CAUSAL_CUES.search(sentence)
    if not match:
        return None
    clause = _CLAUSE_END.split(sentence[match.start():], maxsplit=1)[0]
    clause = clause.rstrip(" ,;:”\"'’")
    return clause if len(clause.split()) >= 3 else None


def compose(kind: QuestionKind, question: str, evidence: list[SentenceHit], want_short: bool = True) -> Composition:
    """Answer text with [n] markers: short answer first where the question allows, then the quotes."""
    short, short_index, conflicts = (None, None, [])
    if want_short:
        short, short_index, conflicts = short_answer(kind, question, evidence)
    # The sentence the short answer comes from is quoted first, so the answer reads [1], [2], ...
    order = list(range(len(evidence)))
    if short_index is not None:
        order.remove(short_index)
        order.insert(0, short_index)
    number = {old: new for new, old in enumerate(order, start=1)}
    numbered = [Evidence(evidence[old], number[old]) for old in order]
    parts = []
    if short:
        lead = short[0].upper() + short[1:] if kind.type == "why" else short
        parts.append(f"{lead} [{number[short_index]}].")
    if conflicts and short:
        others = "; ".join(f"{text} [{number[i]}]" for text, i in conflicts)
        parts.append(f"The sources disagree: others say {others}.")
    elif conflicts:
        versions = " or ".join(f"{text} [{number[i]}]" for text, i in conflicts)
        parts.append(f"The sources disagree: {versions}.")
    parts.append(" ".join(f"{e.hit.text} [{e.n}]" for e in numbered))
    return Composition("\n\n".join(parts), numbered, short, [text for text, _ in conflicts])
