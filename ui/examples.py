"""Example questions drawn from the loaded articles, so a new user starts from what is there.

Each example asks about one of the most recent articles by its title (titles name the story, so
the question finds its article): dated articles newest first, then the last indexed (uploads and
the end of the corpus), which a corpus without dates has in the order it was added.
"""
from __future__ import annotations

from qa import ArticleInfo
from qa.types import article_day

EXAMPLE_COUNT = 3
# Titles longer than this make an example button wrap over several lines; such articles are skipped.
MAX_TITLE_CHARS = 90


def example_questions(infos: list[ArticleInfo], count: int = EXAMPLE_COUNT) -> list[str]:
    dated = sorted((i for i in infos if article_day(i.date)), key=lambda i: article_day(i.date), reverse=True)
    undated = [i for i in reversed(infos) if not article_day(i.date)]
    questions: list[str] = []
    for info in dated + undated:
        title = " ".join(info.title.split())
        question = f"What does “{title}” report?"
        if 0 < len(title) <= MAX_TITLE_CHARS and question not in questions:
            questions.append(question)
        if len(questions) == count:
            break
    return questions
