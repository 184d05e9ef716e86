"""The reader's stages on hand-made inputs: windows and offsets, span decoding, the answerable
decision, conflicts and composition. Real code throughout; the model itself is tested end to end
in test_assistant.py."""
import json
import random
from dataclasses import replace

import numpy as np
import pytest

from index.articles import Article
from index.embedding import BUNDLED_MODEL, resolve_model
from index.retrieve import SentenceHit
from qa.reader.answerer import TrainedReader
from qa.reader.decision import FEATURES, DecisionModel, features, negates
from qa.reader.decode import SpanScore, best_spans, member_support
from qa.reader.features import load_tokenizer, make_windows, pad
from qa.reader.model import MODEL_FILE, SpanReader
from qa.reader.pipeline import (Candidate, asked_names, compose, conflicting, corroborating, decide, described,
                                question_is_supported, span_masses, span_share, weigh)
from qa.reader.train import examples_for, label_window, steps_within
from qa.settings import ReaderSettings, Settings

# Fixed here rather than the tuned defaults, so these tests follow the stages' logic alone.
SETTINGS = ReaderSettings(answer_threshold=0.5, second_source_threshold=0.5, name_support=0.75, conflict_similarity=0.6,
                          decision_candidates=5)


@pytest.fixture(scope="module")
def tokenizer():
    return load_tokenizer(resolve_model(BUNDLED_MODEL))


def candidate(text, sentence, probability, article="a.txt", offset=0):
    start = sentence.index(text)
    hit = SentenceHit(article, offset, offset + len(sentence), sentence, probability, 0.0, 0.0, 0)
    return Candidate(text, article, offset + start, offset + start + len(text), probability, hit)


def test_windows_cover_the_passage_with_overlap_and_exact_offsets(tokenizer):
    passage = " ".join(f"word{i} is here." for i in range(200))
    windows = make_windows(tokenizer, "Where is word7?", [passage], max_length=64, stride=16)
    assert len(windows) > 5 and all(len(w.ids) <= 64 for w in windows)
    covered = set()
    for w in windows:
        inside = w.offsets[w.offsets[:, 0] >= 0]
        covered.update(range(int(inside[0, 0]), int(inside[-1, 1])))
        for start, end in inside:  # every token maps to its own text
            assert passage[start:end].strip() and passage[start:end] in passage
    assert covered >= set(range(len(passage.rstrip(".")) - 1))
    batch = pad(windows)
    assert batch["input_ids"].shape == batch["attention_mask"].shape == (len(windows), max(len(w.ids) for w in windows))


def test_training_labels_point_at_the_answer_tokens_or_at_cls(tokenizer):
    passage = "The harbour of Town17 was rebuilt by mayor Person17 in 2003."
    window = make_windows(tokenizer, "Who rebuilt the harbour?", [passage], 64, 16)[0]
    answer = (passage.index("Person17"), passage.index("Person17") + len("Person17"))
    start, end = label_window(window, answer)
    assert passage[window.offsets[start, 0]:window.offsets[end, 1]] == "Person17"
    assert label_window(window, None) == (0, 0)


def test_hard_negatives_share_the_question_words_and_never_hold_the_answer():
    answered = "The harbour of Town14 was rebuilt by Person14 in 2003."
    paragraphs = [
        {"context": answered, "qas": [{"question": "Who rebuilt the harbour of Town14?",
                                       "answers": [{"text": "Person14", "answer_start": answered.index("Person14")}]}]},
        {"context": "Bananas grow in Town9.", "qas": []},
        {"context": "The Town14 harbour is old and often rebuilt.", "qas": []},
        {"context": "Person14 rebuilt the harbour of Town14 twice.", "qas": []},  # holds the answer: no negative
    ]
    examples = examples_for([("T", paragraphs)], negative_rate=1.0, hard_share=1.0, rng=random.Random(0))
    assert [e.passage for e in examples if e.answer is None] == ["The Town14 harbour is old and often rebuilt."]
    assert examples[0].answer == (answered.index("Person14"), answered.index("Person14") + len("Person14"))
    # A rewording is one more example on the same paragraph with the same answer; the rest is as before.
    reworded = examples_for([("T", paragraphs)], negative_rate=1.0, hard_share=1.0, rng=random.Random(0),
                            paraphrases={"Who rebuilt the harbour of Town14?": "Who restored Town14's port?"})
    assert [(e.question, e.passage, e.answer) for e in reworded] == [
        (examples[0].question, answered, examples[0].answer), ("Who restored Town14's port?", answered, examples[0].answer),
        *[(e.question, e.passage, e.answer) for e in examples[1:]]]


def test_decoding_returns_the_highest_span_within_the_passage(tokenizer):
    passage = "Mayor Person17 rebuilt the harbour in 2003."
    window = make_windows(tokenizer, "Who rebuilt it?", [passage], 64, 16)[0]
    n = len(window.ids)
    starts, ends = np.full(n, -5.0), np.full(n, -5.0)
    target = int(np.where(window.offsets[:, 0] == passage.index("Person17"))[0][0])
    starts[target], ends[target + 2] = 4.0, 3.0  # "Person17" is several word pieces
    starts[1] = 9.0  # a question token must never be chosen
    spans = best_spans(window, starts, ends, 0.5, max_answer_tokens=10)
    assert passage[spans[0].start:spans[0].end].startswith("Person")
    assert spans[0].score == 7.0 and spans[0].null == starts[0] + ends[0]
    assert [s.rank for s in spans] == list(range(len(spans)))


def test_member_support_is_the_share_of_members_whose_own_answer_overlaps_the_span():
    span = SpanScore(passage=1, start=10, end=20, score=3.0, null=0.0, answerable=0.0)
    inside, beyond = replace(span, start=12, end=15), replace(span, start=20, end=30)
    other_passage = replace(span, passage=0)
    assert member_support(span, [inside, replace(span, start=5, end=11)]) == 1.0
    assert member_support(span, [inside, beyond]) == 0.5  # touching at the edge is no overlap
    assert member_support(span, [other_passage, None]) == 0.0
    assert member_support(span, []) == 1.0


def test_members_that_read_different_windows_are_refused(tmp_path):
    with np.load(MODEL_FILE) as data:
        arrays = dict(data)
    meta = json.loads(bytes(arrays["meta"]).decode())
    arrays["meta"] = np.frombuffer(json.dumps({**meta, "max_length": meta["max_length"] // 2}).encode(), dtype=np.uint8)
    other = tmp_path / "other.npz"
    np.savez(other, **arrays)
    with pytest.raises(ValueError, match="different windows"):
        SpanReader(resolve_model(BUNDLED_MODEL), tmp_path, (MODEL_FILE, other))


def test_members_read_side_by_side_as_they_read_one_after_the_other():
    model, cache = resolve_model(BUNDLED_MODEL), Settings.from_env().resolved_onnx_cache
    side_by_side, one_after_other = SpanReader(model, cache, threads=2), SpanReader(model, cache, threads=1)
    assert side_by_side._members is not None and one_after_other._members is None
    passages = ["President Assad met the UN envoy Lakhdar Brahimi in Damascus on Monday.",
                "Gen Shalal said he had defected because the army had turned into gangs of murder."]
    for question in ("Whom did Brahimi meet?", "Why did the general defect?"):
        apart, together = side_by_side.read(question, passages), one_after_other.read(question, passages)
        assert [(s.passage, s.start, s.end, s.support) for s in apart] == \
            [(s.passage, s.start, s.end, s.support) for s in together]
        assert [s.score for s in apart] == pytest.approx([s.score for s in together], abs=1e-4)


def test_a_question_that_reads_spans_starts_loading_the_reader_and_a_yes_no_question_does_not():
    model, cache = resolve_model(BUNDLED_MODEL), Settings.from_env().resolved_onnx_cache
    yes_no, who = TrainedReader(model, cache), TrainedReader(model, cache)
    yes_no.expect("yes_no")
    who.expect("who")
    assert yes_no._loader is None and yes_no._model is None
    who._loader.join(timeout=120)
    loaded = who._model
    assert isinstance(loaded, SpanReader)
    who.expect("what")  # loaded once, not again
    assert who.model is loaded


def test_span_share_is_the_softmax_weight_of_an_answers_wordings_within_its_passage():
    passages = ["held for almost three years, not weeks", "three years"]

    def span(passage, text, score):
        start = passages[passage].index(text)
        return SpanScore(passage, start, start + len(text), score, 0.0, 0.0)

    spans = [span(0, "three years", 2.0), span(0, "almost three years", 2.0), span(0, "weeks", 2.0 + np.log(2.0)),
             span(1, "three years", -7.0)]
    masses = span_masses(spans, passages)
    assert set(masses) == {0, 1}
    # "weeks" weighs as much as the two wordings of "three years" together; passage 1 is scored alone.
    assert span_share("three years", masses[0]) == pytest.approx(0.5)
    assert span_share("weeks", masses[0]) == pytest.approx(0.5)
    assert span_share("almost three years", masses[0]) == pytest.approx(0.5)
    assert span_share("three years", masses[1]) == pytest.approx(1.0)
    assert span_share("Guantanamo", masses[0]) == 0.0


def test_names_the_question_gives_must_be_in_the_answers_article():
    text = "Kirkcaldy is a town in Fife. The town hall opened in 1956."
    assert asked_names("What is the population of Kirkcaldy?") == {"kirkcaldy"}
    assert asked_names("What did 'The Age' say of Apple's deal?") == {"age", "apple"}
    assert question_is_supported("When did the Kirkcaldy town hall open?", text, SETTINGS)
    assert not question_is_supported("When did the Glasgow town hall open?", text, SETTINGS)
    assert not question_is_supported("What happened in Kirkcaldy in 1999?", text, SETTINGS)


def test_a_question_may_name_an_article_by_its_date():
    article = Article("a.txt", "Swift at the game", "She watched the match.", date="2023-09-26T05:26:05+00:00")
    asked = "Did the report published on September 26, 2023 say Swift watched the match?"
    assert question_is_supported(asked, described(article), SETTINGS)
    assert not question_is_supported(asked.replace("26", "27"), described(article), SETTINGS)


def test_decide_abstains_below_the_threshold_and_on_unsupported_names():
    sentence = "The harbour of Town14 was rebuilt by mayor Person14 in 2003."
    articles = {"a.txt": Article("a.txt", "t", sentence)}
    sure = candidate("Person14", sentence, 0.9)
    model = DecisionModel.load()
    assert decide("Who rebuilt the harbour of Town14?", "who", [sure], articles, model, SETTINGS).answer is sure
    assert decide("Who rebuilt the harbour of Town17?", "who", [sure], articles, model, SETTINGS).answer is None
    unsure = decide("Who rebuilt the harbour?", "who", [candidate("Person14", sentence, 0.01)], articles, model, SETTINGS)
    assert unsure.answer is None and unsure.best is not None and unsure.probability < SETTINGS.answer_threshold
    assert decide("Who rebuilt the harbour?", "who", [], articles, model, SETTINGS).answer is None


def test_decide_prefers_a_span_of_the_asked_shape_to_a_slightly_likelier_one():
    sentence = "The festival, which opened on 2 April, lasts three days in Odense."
    articles = {"a.txt": Article("a.txt", "t", sentence)}
    date, duration = candidate("2 April", sentence, 0.9), candidate("three days", sentence, 0.88)
    decision = decide("How long does the festival in Odense last?", "how_long", [date, duration], articles,
                      DecisionModel.load(), SETTINGS)
    assert decision.best is duration


def test_readings_inside_one_reason_clause_are_one_answer_to_a_why_question():
    sentence = "He said he had defected because the military had perpetrated massacres in towns and villages."
    articles = {"a.txt": Article("a.txt", "t", sentence)}
    towns, massacres = candidate("towns and villages", sentence, 0.6), candidate("massacres", sentence, 0.6)
    weighed = weigh("Why did he defect?", "why", [towns, massacres], articles, SETTINGS)
    evidence = weighed[0][1]
    assert evidence.answer == "because the military had perpetrated massacres in towns and villages"
    assert evidence.rival_probability == 0.0  # "massacres" sits in the same clause: no rival
    assert features(evidence)[FEATURES.index("type_fit")] == 1.0


def test_negation_is_a_word_of_the_sentence_not_a_part_of_a_name_or_a_compound():
    assert negates("The envoy did not meet them.") and negates("Where did Kublai refuse to move?")
    assert negates("No charges against TV's Cosby") and negates("He left. No one followed.")
    assert not negates("How long, according to Reporters Without Borders?")
    assert not negates("The economy will recover in a not-too-distant future.")
    assert negates("The song has refused to leave the charts.")
    assert not negates("The song has refused to leave the charts.", denials=False)


def test_a_span_the_sentence_says_it_is_not_is_told_apart():
    from qa.reader.pipeline import _said_not

    text = "Rowling revealed that the prince is neither Harry nor Voldemort, and not the Hagrid of old."
    assert all(_said_not(text, text.index(w)) for w in ("Harry", "Voldemort", "Hagrid"))
    assert not _said_not(text, text.index("Rowling")) and not _said_not(text, text.index("prince"))
    assert not _said_not("It was not only the Tate that agreed.", len("It was not only the "))


def test_a_negated_question_is_answered_only_from_a_sentence_that_negates():
    stated = "Denmark required 200,000 kroner of capital to start a company."
    denied = "Denmark never required a notary to start a company."
    articles = {"a.txt": Article("a.txt", "t", stated), "b.txt": Article("b.txt", "t", denied)}
    capital, notary = candidate("200,000 kroner", stated, 0.9), candidate("a notary", denied, 0.8, "b.txt")
    asked = "What did Denmark not require to start a company?"
    assert [c for c, _ in weigh(asked, "what", [capital, notary], articles, SETTINGS)] == [notary]
    refused = "Where did Denmark refuse to start a company?"
    assert weigh(refused, "where", [capital], articles, SETTINGS) == []
    assert [c for c, _ in weigh("What did Denmark require to start a company?", "what", [capital, notary], articles,
                                SETTINGS)] == [capital, notary]


def test_conflicts_need_another_source_saying_the_same_thing_otherwise():
    tampa = candidate("Tampa, Florida", "The game was played on February 7, 2021, at Raymond James Stadium in Tampa, Florida.", 0.9)
    glendale = candidate("Glendale, Arizona",
                         "The game was played on February 7, 2021, at Raymond James Stadium in Glendale, Arizona.", 0.8,
                         article="b.txt")
    other_story = candidate("5000 yen", "The games for the Nintendo console will cost about 5000 yen in Japan.", 0.85,
                            article="c.txt")
    same_article = candidate("Glendale, Arizona", glendale.sentence.text, 0.8)
    assert conflicting(tampa, [tampa, glendale], SETTINGS) is glendale
    assert conflicting(tampa, [tampa, other_story], SETTINGS) is None
    assert conflicting(tampa, [tampa, same_article], SETTINGS) is None
    weak = candidate("Glendale, Arizona", glendale.sentence.text, 0.1, article="b.txt")
    assert conflicting(tampa, [tampa, weak], SETTINGS) is None
    # Values sharing words still differ unless one holds the other ("in Tampa" is "Tampa").
    stadium = replace(tampa, text="Raymond James Stadium in Tampa, Florida")
    other_stadium = replace(glendale, text="Raymond James Stadium in Glendale, Arizona")
    assert conflicting(stadium, [stadium, other_stadium], SETTINGS) is other_stadium
    held = candidate("three years", "The four Britons were held for three years without charge.", 0.9)
    almost = candidate("almost three years", "The four Britons were held for almost three years, lawyers said.", 0.8,
                       article="b.txt")
    assert conflicting(held, [held, almost], SETTINGS) is None


def test_composition_leads_with_the_answer_then_quotes_its_sentence():
    best = candidate("because the military had perpetrated massacres",
                     "He said he defected because the military had perpetrated massacres.", 0.9)
    short, parts, quotes = compose("why", best, None)
    assert short == "because the military had perpetrated massacres"
    assert parts == [("Because the military had perpetrated massacres", (0,))]
    assert quotes == [best.sentence]


def test_a_why_answer_inside_a_reason_clause_is_given_as_the_clause():
    sentence = ("He had defected because the military had perpetrated massacres in towns and villages "
                "instead of protecting Syrians, he said.")
    _, parts, _ = compose("why", candidate("towns and villages", sentence, 0.9), None)
    assert parts[0][0] == "Because the military had perpetrated massacres in towns and villages instead of protecting Syrians"
    assert parts[0][0].lower() in sentence.lower()
    plain = candidate("to cut costs", "The firm closed the plant to cut costs.", 0.9)
    assert compose("why", plain, None)[1][0][0] == "To cut costs"
    other = candidate("Glendale", "It was played in Glendale.", 0.8, article="b.txt")
    short, parts, quotes = compose("where", candidate("Tampa", "It was played in Tampa.", 0.9), other)
    # Neither value leads alone: the lead says the sources disagree and cites both.
    assert parts == [("The sources disagree: Tampa or Glendale", (0, 1))] and quotes[1] is other.sentence
    assert short == "Tampa"


def test_other_articles_giving_the_same_answer_are_cited_as_support():
    best = candidate("Sam Altman", "OpenAI's board removed Sam Altman as chief executive.", 0.9)
    again = candidate("Sam Altman", "Microsoft hired Sam Altman after his removal.", 0.7, article="b.txt")
    same_article = candidate("Sam Altman", "Sam Altman co-founded OpenAI.", 0.8)
    different = candidate("Satya Nadella", "Satya Nadella welcomed the hire.", 0.8, article="c.txt")
    assert corroborating(best, [best, same_article, different, again], SETTINGS) == [again]
    _, parts, quotes = compose("who", best, None, [again])
    assert parts == [("Sam Altman", (0,))] and quotes == [best.sentence, again.sentence]


def test_answer_spans_are_whole_words_without_edge_punctuation():
    from qa.reader.pipeline import _trim

    text = 'Directed by Christophe Gans, "Return to Silent Hill" opens in 2025.'
    start = text.index("Gans")
    assert text[slice(*_trim(text, start, start + 3))] == "Gans"  # a word piece grows to its word
    quoted = text.index('"Return')
    assert text[slice(*_trim(text, quoted - 2, quoted + 22))] == "Return to Silent Hill"


@pytest.mark.parametrize("text, span, name", [
    ("The UN envoy Lakhdar Brahimi met him.", "Brahimi", "Lakhdar Brahimi"),
    ("Carmakers\nStruggling Japanese carmakers cut jobs.", "Japanese", "Japanese"),  # a line's first word
    ("He sang The Ballad of Jed Clampett on TV.", "Jed Clampett", "Ballad of Jed Clampett"),
    ("The Bank of England raised rates.", "England", "Bank of England"),
    ("Alexander the Great won.", "Alexander", "Alexander the Great"),
    ("It was blocked, said the media watchdog, Reporters Without Borders.", "Reporters", "Reporters Without Borders"),
    ("He flew from London to Paris on Monday.", "Paris", "Paris"),  # "to" joins two names, it is in none
    ("Turkey. Officials said so.", "Turkey", "Turkey"),
    ("Earlier, Mr Brahimi met him.", "Brahimi", "Mr Brahimi"),
    ("Standard & Poor's has classed Russian bonds.", "Standard & Poor", "Standard & Poor's"),  # 's of the name
    ("Profits rose, McDonald’s said.", "McDonald", "McDonald’s"),
    ("Brahimi's visit to Damascus ended.", "Brahimi", "Brahimi"),  # a possessive: what it owns follows
])
def test_a_span_inside_a_name_grows_to_the_whole_name_and_no_further(text, span, name):
    from qa.reader.pipeline import _whole_name

    start = text.index(span)
    assert text[slice(*_whole_name(text, start, start + len(span), set()))] == name


def test_a_span_inside_a_quoted_fragment_grows_to_the_whole_fragment():
    from qa.reader.pipeline import _whole_quoted_phrase
    text = 'He met Assad to discuss “the many steps to be taken in the future”.\nShe said: "It was an old dance injury."'
    steps = text.index("the many steps")
    assert text[slice(*_whole_quoted_phrase(text, steps, steps + len("the many steps")))] == \
        "the many steps to be taken in the future"
    injury = text.index("dance injury")  # a quoted sentence is a statement, not one phrase
    assert _whole_quoted_phrase(text, injury, injury + len("dance injury")) == (injury, injury + len("dance injury"))


def test_a_name_does_not_grow_over_a_word_the_question_gives():
    from qa.reader.pipeline import _whole_name

    text = "Earlier, Mr Brahimi had also met President Assad in Damascus."
    start = text.index("Assad")
    assert text[slice(*_whole_name(text, start, start + 5, {"president"}))] == "Assad"


@pytest.mark.parametrize("text, span, asked, continues", [
    ("Lt Gen Abulaziz al-Shalal is one of the highest-ranking officials.", "Gen Abulaziz", "Who is al-Shalal?", True),
    ("UN envoy Lakhdar Brahimi met him.", "Lakhdar", "Whom did Brahimi meet?", True),
    ("Lt Gen Abulaziz al-Shalal is one of the highest-ranking officials.", "Gen Abulaziz", "Who is Abulaziz?", False),
    ("He met envoy Lakhdar Brahimi.", "envoy", "Whom did Brahimi meet?", False),  # lower case: no first name
])
def test_a_first_name_of_the_person_asked_about_by_surname_is_told_apart(text, span, asked, continues):
    from index.text import words
    from qa.reader.pipeline import _continues_a_name

    start = text.index(span)
    assert _continues_a_name(text, start, start + len(span), set(words(asked))) is continues


@pytest.mark.parametrize("text, span, answer", [
    ("Google News was blocked, said the media watchdog, Reporters Without Borders.", "media watchdog",
     "media watchdog, Reporters Without Borders"),
    ("He met the envoy Lakhdar Brahimi in Damascus.", "envoy", "envoy Lakhdar Brahimi"),
    ("He met the envoy in Damascus.", "envoy", "envoy"),
    ("The deal was signed by the minister Tuesday.", "minister", "minister"),  # a day is no name
    ("The rebels, The group said, had left.", "rebels", "rebels"),  # nor a sentence's "The"
    ("Then Lakhdar Brahimi arrived.", "Lakhdar Brahimi", "Lakhdar Brahimi"),  # a name already
])
def test_a_common_noun_grows_over_the_name_it_stands_beside(text, span, answer):
    from qa.reader.pipeline import _appositive_name

    start = text.index(span)
    assert text[start:_appositive_name(text, start, start + len(span), set())] == answer


@pytest.mark.parametrize("text, span, answer", [
    ("Denmark is holding a three-day celebration.", "three", "three-day"),
    ("He served in Parliament for 47 continuous years.", "47", "47 continuous years"),
    ("They were held for 3 years in all.", "3", "3 years"),
    ("He was paid 10 a day.", "10", "10"),  # a rate, not a duration
    ("A 12-strong team left.", "12", "12"),  # joined, but to no unit
    ("The tower has 106 storeys.", "106", "106"),  # a count of another thing stays bare
    ("It lasted 21 months.", "21 months", "21 months"),  # a duration already
])
def test_a_bare_number_grows_over_the_time_unit_it_counts(text, span, answer):
    from qa.reader.pipeline import _with_time_unit

    start = text.index(span)
    assert text[start:_with_time_unit(text, start, start + len(span))] == answer


@pytest.mark.parametrize("text, span, answer", [
    ("Japan has the fourth largest number of registered players (125,508) in Asia.",
     "fourth largest number of registered players (125,508", "125,508"),
    ("Books put forward: a total of 301 this year.", "a total of 301", "301"),
    ("He has had more than 40 offers.", "more than 40", "more than 40"),  # what qualifies the count stays
    ("Hijackers took as many as 26 people hostage.", "as many as 26", "as many as 26"),
    ("Dozens of people were killed.", "Dozens", "Dozens"),
])
def test_a_how_many_span_starts_at_its_count(text, span, answer):
    from qa.reader.pipeline import _from_the_count, _with_qualifier

    start = text.index(span)
    end = start + len(span)
    assert text[_with_qualifier(text, _from_the_count(text, start, end), end, "how_many"):end] == answer


@pytest.mark.parametrize("text, span, answer", [
    ("They agreed to pay a total of $515m (£277m) to settle.", "£277m", "$515m (£277m)"),
    ("They agreed to pay a total of $515m (£277m) to settle.", "$515m", "$515m (£277m)"),
    ("It must pay 1.47m yuan ($177,600) in compensation.", "1.47m yuan ($177,600", "1.47m yuan ($177,600)"),
    ("Rome lent 400m euro ($495m; £275m) to the carrier.", "£275m", "400m euro ($495m; £275m)"),
    ("It sells for £99 in the UK (149 euros).", "£99", "£99"),  # the bracket converts another phrase
    ("Shares rose 5% (to 300p) on Monday.", "5%", "5%"),  # a share, not an amount converted
    ("The firm (which has 20 staff) paid $5m.", "$5m", "$5m"),
])
def test_an_amount_and_its_conversion_in_brackets_are_one_answer(text, span, answer):
    from qa.reader.pipeline import _with_conversion

    start = text.index(span)
    assert text[slice(*_with_conversion(text, start, start + len(span)))] == answer


@pytest.mark.parametrize("text, span", [("Japan is the fourth largest.", "the fourth"),
                                        ("Japan is the fourth largest.", "Japan")])
def test_a_span_that_counts_nothing_answers_no_how_many_question(text, span):
    from qa.reader.pipeline import _from_the_count

    start = text.index(span)
    assert _from_the_count(text, start, start + len(span)) is None


def test_a_source_whose_sentence_also_gives_the_answer_is_no_conflict():
    best = candidate("three years", "The four were held for three years, accused of al-Qaeda links.", 0.99)
    almost = candidate("almost", "The four have been held by the US for almost three years, accused of al-Qaeda links.",
                       0.8, article="b.txt")
    assert conflicting(best, [best, almost], SETTINGS) is None


def test_a_duplicate_article_is_not_quoted_twice():
    best = candidate("Svala", "The new ferry was named Svala on Monday.", 0.9)
    copy = candidate("Svala", "The new ferry was named Svala on Monday.", 0.9, article="copy.txt")
    other = candidate("Svala", "Svala sails to Lindholm twice a day.", 0.8, article="c.txt")
    assert corroborating(best, [best, copy, other], SETTINGS) == [other]


def test_the_training_schedule_shrinks_to_the_time_budget_only_when_the_pace_would_overrun_it():
    assert steps_within(600, 0.5, 1000, 60) == 1000
    assert steps_within(600, 1.0, 1000, 60) == 660
    # A budget already spent still ends the schedule on the next step, annealed.
    assert steps_within(-5, 1.0, 1000, 60) == 61


@pytest.mark.parametrize("text, span, asked, answer", [
    ("He was taken to Halfaya in Hama province on Monday.", "Hama province", set(), "Halfaya in Hama province"),
    ("Mr Jackson, MP for Wantage in Oxfordshire, defected.", "Oxfordshire", set(), "Wantage in Oxfordshire"),
    ("The commander fled near the Turkish border.", "Turkish border", set(), "near the Turkish border"),
    ("It was held north of London yesterday.", "London", set(), "north of London"),
    ("The summit ended. Talks in Geneva resume today.", "Geneva", set(), "Geneva"),  # a sentence's first word
    ("Microsoft in Seattle said so.", "Seattle", {"microsoft"}, "Seattle"),  # the question gives the name
    ("The concert was in Dublin.", "Dublin", set(), "Dublin"),
    ("The 2012 Summer Olympics in London drew crowds.", "London", set(), "London"),  # an event, not a place
])
def test_a_where_span_keeps_what_places_it(text, span, asked, answer):
    from qa.reader.pipeline import _with_place_relation

    start = text.index(span)
    assert text[_with_place_relation(text, start, asked):start + len(span)] == answer


@pytest.mark.parametrize("text, span, answer", [
    ("Prices rose between 1945 and 1970, it said.", "1945 and 1970", "between 1945 and 1970"),
    ("A feud between Smith and Jones began.", "Smith and Jones", "Smith and Jones"),  # no range of numbers
    ("Prices rose in 1945 and 1970.", "1945 and 1970", "1945 and 1970"),
])
def test_a_range_keeps_its_opening_word(text, span, answer):
    from qa.reader.pipeline import _with_range_opening

    start = text.index(span)
    end = start + len(span)
    assert text[_with_range_opening(text, start, end):end] == answer


@pytest.mark.parametrize("text, kind, span, answer", [
    ("He has had more than 40 offers.", "how_many", "40", "more than 40"),
    ("The fall is about 9.81 meters a second.", "how_much", "9.81 meters", "about 9.81 meters"),
    ("It cost $150m to make.", "how_much", "$150m", "$150m"),
    ("Some people came.", "how_many", "Some people", "Some people"),  # no amount: left as it is
    ("It is held on the last weekend of September.", "when", "September", "the last weekend of September"),
    ("Strikes spread over the winter of 1973-74.", "when", "1973-74", "the winter of 1973-74"),
    ("Sales fell in early 2004.", "when", "2004", "early 2004"),
    ("It opened in 1999.", "when", "1999", "1999"),
])
def test_an_amount_or_a_date_keeps_what_qualifies_it(text, kind, span, answer):
    from qa.reader.pipeline import _with_qualifier

    start = text.index(span)
    end = start + len(span)
    assert text[_with_qualifier(text, start, end, kind):end] == answer
