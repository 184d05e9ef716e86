"""Regression questions from the chat page's ratings (``qa.feedback``): what users marked right must stay right.

A thumbs-up answer becomes a gold question: its short answer (or first quote) as the answer and its
citations as the evidence. A thumbs-up abstention becomes an unanswerable question. A thumbs-down
says the answer was wrong but not what the right one is, so it is listed for a person to fill in.
Questions are the standalone form that was searched, so follow-ups need no earlier turns.
"""
from __future__ import annotations

from pathlib import Path

from eval.items import GoldSpan, Item, ItemError
from qa import QAError
from qa.feedback import Feedback, read_feedback


def items_from_feedback(path: Path) -> tuple[list[Item], list[Feedback]]:
    """(regression questions, thumbs-down ratings that need a right answer written by hand)."""
    try:
        ratings = read_feedback(path)
    except QAError as exc:
        raise ItemError(str(exc)) from exc
    items, to_review = [], []
    for number, rating in enumerate(ratings, start=1):
        if rating.rating != "up":
            to_review.append(rating)
            continue
        answer = rating.answer
        item_id = f"{path.stem}-{number}"
        if answer.get("abstained"):
            items.append(Item(item_id, rating.resolved_question, answerable=False, type="unanswerable", dataset=path.stem))
            continue
        citations = answer.get("citations") or []
        gold = answer.get("short_answer") or (citations[0]["quote"] if citations else None)
        if not gold:
            to_review.append(rating)
            continue
        evidence = tuple(GoldSpan(c["quote"], c.get("article"), c.get("start"), c.get("end")) for c in citations)
        items.append(Item(item_id, rating.resolved_question, (gold,), True, answer.get("question_type") or "other",
                          evidence, dataset=path.stem))
    return items, to_review
