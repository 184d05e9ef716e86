"""The synthetic QA generator: real spaCy parses of hand-written news sentences, and a real
sample generated from AG News."""
import random

import pytest

from qa.reader.synth import Candidate, clean, default_articles, generate, inflect, load_items, load_nlp, name_swap, questions_for


@pytest.fixture(scope="module")
def nlp():
    return load_nlp()


def questions(nlp, text: str) -> dict[str, Candidate]:
    return {q.question: q for sent in nlp(text).sents for q in questions_for(sent, random.Random(0), paraphrase=False)}


def test_clean_undoes_ag_news_escapes():
    assert clean("AP - Rivals bid  #36;10 million for the company #39;s unit &lt;b&gt;today&lt;/b&gt;") \
        == "Rivals bid $10 million for the company's unit today"
    assert clean("SPACE.com - TORONTO, Canada -- A second team of rocketeers") == "A second team of rocketeers"


def test_inflect_synonyms():
    assert [inflect("rise", "VBD"), inflect("slash", "VBZ"), inflect("drop", "VBN"), inflect("verify", "VBD")] \
        == ["rose", "slashes", "dropped", "verified"]


def test_subject_question(nlp):
    text = "Bill Gates announced a new research lab in Seattle on Tuesday."
    q = questions(nlp, text)["Who announced a new research lab in Seattle on Tuesday?"]
    assert (q.answer, q.start, q.kind) == ("Bill Gates", 0, "who")
    assert ("Seattle", "GPE") in q.names


def test_do_support_and_aux_inversion(nlp):
    text = "Intel cut 500 jobs on Monday. The company has sold 3 million phones since January."
    found = questions(nlp, text)
    when = found["When did Intel cut 500 jobs?"]
    assert (when.answer, when.start) == ("Monday", 22) and text[22:28] == "Monday"
    many = found["How many jobs did Intel cut on Monday?"]
    assert (many.answer, many.start) == ("500", 10)
    # "has" moves before the subject, whose article is lowercased; the participle stays.
    phones = found["How many phones has the company sold since January?"]
    assert text[phones.start:phones.start + len(phones.answer)] == "3 million"


def test_name_swap_takes_a_name_the_context_lacks(nlp):
    context = "Bill Gates announced a new research lab in Seattle on Tuesday."
    q = questions(nlp, context)["When did Bill Gates announce a new research lab in Seattle?"]
    pool = {"PERSON": ["Bill Gates", "Steve Ballmer"], "GPE": ["Seattle", "Boston"]}
    for seed in range(20):
        swapped = name_swap(q, context, pool, random.Random(seed))
        assert swapped in ("When did Steve Ballmer announce a new research lab in Seattle?",
                           "When did Bill Gates announce a new research lab in Boston?")


@pytest.mark.slow
@pytest.mark.data
def test_generated_sample_spans_and_negatives(nlp):
    articles = default_articles()
    if not articles.exists():
        pytest.skip(f"AG News not found at {articles}")
    document, counts = generate(load_items(articles, limit=200), nlp, seed=3)
    assert counts["unanswerable (a) name swap"] and counts["unanswerable (b) missing fact"]
    for article in document["data"]:
        asked = {q["id"]: q for p in article["paragraphs"] for q in p["qas"]}
        for paragraph in article["paragraphs"]:
            context = paragraph["context"]
            for q in paragraph["qas"]:
                if not q["is_impossible"]:
                    a = q["answers"][0]
                    assert context[a["answer_start"]:a["answer_start"] + len(a["text"])] == a["text"]
                    continue
                assert q["answers"] == []
                base_id, kind = q["id"].rsplit("-", 1)
                gold = asked[base_id]["answers"][0]["text"]
                if kind == "swap":  # same passage, so the answer is there but the question's names are not
                    assert q["question"] != asked[base_id]["question"] and gold in context
                else:
                    assert kind == "missing" and gold.lower() not in context.lower()
