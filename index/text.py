"""Character-offset-preserving text utilities: sentence spans and content words.

Everything here returns offsets into the string it was given, so callers can
always recover the exact source text with ``text[start:end]``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

# Abbreviations after which a period does not end a sentence (titles, ranks, months).
_ABBREVIATIONS = {
    "mr", "mrs", "ms", "dr", "prof", "gen", "lt", "col", "maj", "capt", "sgt", "cpl", "adm",
    "gov", "sen", "rep", "rev", "st", "jr", "sr", "co", "corp", "inc", "ltd", "no", "vs",
    "jan", "feb", "mar", "apr", "jun", "jul", "aug", "sep", "sept", "oct", "nov", "dec",
    "u.s", "u.k", "u.n", "e.g", "i.e", "etc", "approx", "dept", "est", "fig", "mt", "ft",
}

# A sentence ends at . ! ? (optionally followed by closing quotes/brackets) before whitespace,
# or at a line break (news text puts headlines, captions and paragraphs on their own lines).
_BOUNDARY = re.compile(r"[.!?]+[\"'”’)\]]*(?=\s)|\n")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


def sentence_spans(text: str, start: int = 0, end: int | None = None) -> list[Span]:
    """Split ``text[start:end]`` into sentence spans (offsets into ``text``), whitespace trimmed."""
    end = len(text) if end is None else end
    spans: list[Span] = []
    cursor = start
    for match in _BOUNDARY.finditer(text, start, end):
        stop = match.end()
        if match.group() != "\n" and _is_abbreviation(text, match.start()):
            continue
        _append_trimmed(text, cursor, stop, spans)
        cursor = stop
    _append_trimmed(text, cursor, end, spans)
    return spans


def _is_abbreviation(text: str, dot: int) -> bool:
    if text[dot] != ".":
        return False
    word = re.search(r"([A-Za-z.]+)$", text[max(0, dot - 12):dot])
    if not word:
        return False
    token = word.group(1).lower().strip(".")
    # Single capital letters are initials ("J. Smith"); known abbreviations never end a sentence.
    return token in _ABBREVIATIONS or (len(token) == 1 and token.isalpha())


def _append_trimmed(text: str, start: int, end: int, spans: list[Span]) -> None:
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    if end > start:
        spans.append(Span(start, end))


_WORD = re.compile(r"[^\W_]+(?:['’][^\W_]+)*", re.UNICODE)

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are as at be because been before
    being below between both but by can could did do does doing done down during each few for from
    further had has have having he her here hers herself him himself his how i if in into is it its
    itself just me more most my myself no nor not now of off on once only or other our ours
    ourselves out over own same she should so some such than that the their theirs them themselves
    then there these they this those through to too under until up very was we were what when where
    which while who whom whose why will with would you your yours yourself yourselves said says say
    according many much one ones did does do s t get got also yet still would may might must shall""".split()
)


def words(text: str) -> list[str]:
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


@lru_cache(maxsize=1)
def _stemmer():
    import Stemmer  # PyStemmer: the C implementation of Snowball

    return Stemmer.Stemmer("english")


# Irregular past forms the Snowball stemmer cannot connect to their base verb ("fled" vs "flee").
_IRREGULAR = dict(
    pair.split(":") for pair in """arose:arise awoke:awake began:begin begun:begin bit:bite bitten:bite blew:blow
    blown:blow broke:break broken:break brought:bring built:build bought:buy caught:catch chose:choose chosen:choose
    came:come dealt:deal dug:dig drew:draw drawn:draw drove:drive driven:drive ate:eat eaten:eat fell:fall
    fallen:fall fed:feed felt:feel fought:fight found:find fled:flee flew:fly flown:fly forbade:forbid
    forgot:forget forgotten:forget froze:freeze frozen:freeze gave:give given:give went:go gone:go grew:grow
    grown:grow hung:hang heard:hear hid:hide hidden:hide held:hold kept:keep knew:know known:know laid:lay
    led:lead left:leave lent:lend lost:lose made:make meant:mean met:meet paid:pay ran:run rang:ring rose:rise
    risen:rise sought:seek sold:sell sent:send shook:shake shot:shoot shut:shut sang:sing sank:sink sat:sit
    slept:sleep spoke:speak spoken:speak spent:spend stood:stand stole:steal stolen:steal struck:strike
    swore:swear sworn:swear took:take taken:take taught:teach tore:tear torn:tear told:tell thought:think
    threw:throw thrown:throw understood:understand woke:wake wore:wear worn:wear won:win wrote:write
    written:write withdrew:withdraw withdrawn:withdraw overthrew:overthrow overthrown:overthrow
    dead:die""".split()
)


def content_terms(text: str) -> list[str]:
    """Stemmed words minus stopwords: the unit for lexical overlap and BM25."""
    return stems([w for w in words(text) if w not in STOPWORDS])


def stems(tokens: list[str]) -> list[str]:
    """Snowball stems of lower-cased words, irregular past forms mapped to their base verb first."""
    kept = [_IRREGULAR.get(w, w) for w in tokens]
    return _stemmer().stemWords(kept) if kept else []
