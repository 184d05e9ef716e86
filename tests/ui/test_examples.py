"""Example questions come from the loaded articles: newest dated ones first, else the latest added."""
from qa import ArticleInfo
from ui.examples import MAX_TITLE_CHARS, example_questions


def test_dated_articles_newest_first_then_the_last_indexed():
    corpus = [
        ArticleInfo("old.json#1", "Old harbour news", 10, date="2021-03-04"),
        ArticleInfo("a.txt", "First indexed", 10),
        ArticleInfo("new.json#1", "Bridge opens", 10, date="Tue, 05 Mar 2024 10:00:00 +0000"),
        ArticleInfo("uploads/z.txt", "Latest upload", 10),
        ArticleInfo("long.txt", "x" * (MAX_TITLE_CHARS + 1), 10),
    ]
    assert example_questions(corpus) == [
        "What does “Bridge opens” report?", "What does “Old harbour news” report?", "What does “Latest upload” report?",
    ]


def test_a_small_corpus_gives_what_it_has():
    assert example_questions([ArticleInfo("a.txt", "Only  one\nstory", 10)]) == ["What does “Only one story” report?"]
    assert example_questions([]) == []
