"""Who said it: speaker sentences travel with "..., he said" quotes (hand-made hits, real code)."""
from index.articles import Article
from index.retrieve import SentenceHit
from qa.attribution import with_attribution
from qa.question import classify


def hit(text, score, article="a.txt", start=0):
    return SentenceHit(article, start, start + len(text), text, score, score, score, 0)


def test_a_quote_attributed_to_the_source_brings_the_sentence_naming_the_source():
    text = ("An unnamed Syrian security source confirmed the defection, Reuters reports. "
            "He was due to retire soon and joined to “play hero”, the source is quoted as saying.")
    article = Article("a.txt", "t", text)
    second = text.index("He was")
    quote = hit(text[second:], 0.8, start=second)
    expanded = with_attribution([quote], {"a.txt": article})
    assert [text[h.start:h.end] for h in expanded] == [
        "An unnamed Syrian security source confirmed the defection, Reuters reports.", text[second:]
    ]


def test_sentences_with_named_speakers_need_no_context():
    text = "Rain fell. The minister Ann Lee said the talks failed."
    start = text.index("The")
    sentence = hit(text[start:], 0.8, start=start)
    assert with_attribution([sentence], {"a.txt": Article("a.txt", "t", text)}) == [sentence]


def test_question_types():
    assert classify("Who met Brahimi?").type == "who"
    assert classify("Why did the general say he defected?").type == "why"
    assert classify("How many people died?").type == "how_many"
    assert classify("In which town did rebels claim gains?").type == "where"
    assert classify("When did he retire?").type == "when"
    assert classify("Did the source confirm it?").type == "yes_no"
    assert classify("Which news agency reported it?").type == "who"
    assert classify("What is the group doing?").type == "what"
