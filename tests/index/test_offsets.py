"""Offsets are the product's promise: text[start:end] must always be the quoted text."""
from hypothesis import given, settings, strategies as st

from index.articles import Article
from index.chunking import chunk_article, locate, sentences_joined
from index.text import content_terms, sentence_spans

# Text with the things that break naive splitters: curly quotes, abbreviations, blank lines, tabs.
news_text = st.lists(
    st.sampled_from(list("abcXYZ .,!?\n\t“”’'-0123é中") + ["Mr. ", "Gen. ", "U.S. ", "\n\n", "word ", "Said. "]),
    max_size=600,
).map("".join)


@given(news_text)
@settings(max_examples=300, deadline=None)
def test_chunks_are_exact_substrings_in_order(text):
    article = Article("a.txt", "t", text)
    chunks = chunk_article(article, chunk_size=40, chunk_overlap=8)
    for chunk in chunks:
        assert text[chunk.start:chunk.end] == chunk.text
        assert chunk.text == chunk.text.strip() and chunk.text
    assert [c.start for c in chunks] == sorted(c.start for c in chunks)


@given(news_text)
@settings(max_examples=300, deadline=None)
def test_sentence_spans_are_trimmed_disjoint_and_cover_all_words(text):
    spans = sentence_spans(text)
    covered = set()
    for span in spans:
        piece = text[span.start:span.end]
        assert piece and piece == piece.strip()
        assert not covered & set(range(span.start, span.end))
        covered |= set(range(span.start, span.end))
    assert all(text[i].isspace() for i in range(len(text)) if i not in covered)


@given(news_text)
@settings(max_examples=300, deadline=None)
def test_the_splitter_is_given_pieces_that_join_back_into_the_text_at_the_readers_sentence_starts(text):
    pieces = sentences_joined(text)
    assert "".join(pieces) == text
    starts = [span.start for span in sentence_spans(text)]
    offsets = [sum(map(len, pieces[:i])) for i in range(len(pieces))]
    assert offsets[1:] == starts[1:]


def test_chunks_break_where_the_reader_ends_a_sentence_not_after_an_abbreviation():
    # "Lt Gen. Abulaziz ..." style abbreviations: a chunk never starts right after one.
    text = ("The commander, Lt. Gen. Abulaziz al-Shalal, said he had defected. " * 6 +
            "Mr. Brahimi met President Assad in Damascus. " * 6)
    chunks = chunk_article(Article("a.txt", "t", text), chunk_size=40, chunk_overlap=0)
    starts = {span.start for span in sentence_spans(text)}
    assert len(chunks) > 1 and all(c.start in starts for c in chunks)


def test_chunks_cover_every_sentence_of_a_real_article(seed_text):
    article = Article("seed.txt", "t", seed_text)
    chunks = chunk_article(article, chunk_size=60, chunk_overlap=10)
    for span in sentence_spans(seed_text):
        assert any(c.start <= span.start and span.end <= c.end for c in chunks) or any(
            c.start <= span.start < c.end for c in chunks
        )


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Lt. Gen. Shalal met Mr. J. Smith in the U.S. on Monday. He left."
    assert [text[s.start:s.end] for s in sentence_spans(text)] == [
        "Lt. Gen. Shalal met Mr. J. Smith in the U.S. on Monday.", "He left."
    ]


def test_closing_quotes_stay_with_their_sentence():
    text = "“I declare my defection,” he said. “Definitely.” Next line"
    assert [text[s.start:s.end] for s in sentence_spans(text)] == [
        "“I declare my defection,” he said.", "“Definitely.”", "Next line"
    ]


def test_line_breaks_end_headlines():
    text = "Headline without a period\nBody sentence."
    assert [text[s.start:s.end] for s in sentence_spans(text)] == ["Headline without a period", "Body sentence."]


def test_locate_tolerates_whitespace_changes():
    text = "one  two\nthree four"
    assert locate(text, "two three") == (5, 14)
    assert locate(text, "absent") is None


def test_content_terms_drop_stopwords_and_join_irregular_forms():
    assert content_terms("Where did he flee to?") == content_terms("he fled")
    assert "the" not in content_terms("the army")
