"""Ratings of answers (thumbs up/down), kept locally as JSON Lines and never sent anywhere.

Each rating is one appended line; rating an answer again appends another, and the latest line for
an answer id wins when the file is read. ``eval`` turns the file into regression questions.
"""
from __future__ import annotations

import fcntl
import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from qa.types import Answer, QAError, Scope

RATINGS = ("up", "down", "none")  # "none" withdraws an earlier rating


@dataclass(frozen=True)
class Feedback:
    answer_id: str
    rating: str
    question: str
    # The standalone question that was searched (a follow-up resolved against earlier turns).
    resolved_question: str
    answer: dict
    scope: dict = field(default_factory=dict)
    time: float = 0.0

    def __str__(self) -> str:
        return f"{self.rating}: {self.resolved_question!r} -> {self.answer.get('short_answer') or self.answer.get('text', '')[:60]!r}"

    @property
    def abstained(self) -> bool:
        return bool(self.answer.get("abstained"))


def record_feedback(path: Path, answer_id: str, rating: str, answer: Answer, scope: Scope | None = None) -> Feedback:
    if rating not in RATINGS:
        raise QAError(f"Unknown rating {rating!r}; use one of {', '.join(RATINGS)}.")
    # The passages the retriever saw are large and say nothing about whether the answer was right.
    kept = {k: v for k, v in answer.to_dict().items() if k not in ("retrieved", "latency_ms")}
    entry = Feedback(answer_id, rating, answer.question, answer.resolved_question or answer.question, kept,
                     scope.to_dict() if scope and not scope.is_empty else {}, round(time.time(), 3))
    line = json.dumps(asdict(entry), ensure_ascii=False) + "\n"
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a", encoding="utf-8") as handle:
        # Whole lines even with several server processes writing: one locked append per rating.
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            handle.write(line)
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
    return entry


def is_feedback_record(data: object) -> bool:
    return (isinstance(data, dict) and "rating" in data and "answer_id" in data
            and isinstance(data.get("question"), str) and isinstance(data.get("answer"), dict))


def read_feedback(path: Path) -> list[Feedback]:
    """The current rating of every rated answer (latest line wins; withdrawn ratings left out), oldest first."""
    latest: dict[str, Feedback] = {}
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise QAError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            if not is_feedback_record(data):
                raise QAError(f"{path}:{number}: not a feedback record (needs answer_id, rating, question and answer)")
            entry = Feedback(str(data["answer_id"]), str(data["rating"]), data["question"],
                             str(data.get("resolved_question") or data["question"]), data["answer"],
                             data.get("scope") or {}, float(data.get("time") or 0))
            latest.pop(entry.answer_id, None)  # re-inserted last: order follows the latest rating
            latest[entry.answer_id] = entry
    return [f for f in latest.values() if f.rating != "none"]
