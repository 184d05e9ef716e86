"""Gold questions and the JSONL format they are read from (ours, the benchmarks', and users')."""
from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from pathlib import Path


@dataclass(frozen=True)
class GoldSpan:
    """Gold evidence: a quote, optionally pinned to an article and character offsets."""

    quote: str
    article: str | None = None
    start: int | None = None
    end: int | None = None


@dataclass(frozen=True)
class Item:
    id: str
    question: str
    answers: tuple[str, ...] = ()
    answerable: bool = True
    type: str = "other"
    evidence: tuple[GoldSpan, ...] = ()
    conversation: str | None = None
    turn: int = 1
    dataset: str = "custom"
    # Wrong answers planted in the corpus (RGB counterfactual passages): picking one silently is a failure.
    false_answers: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        data = asdict(self)
        data["evidence"] = [{k: v for k, v in span.items() if v is not None} for span in data["evidence"]]
        return data


class ItemError(ValueError):
    """A question file that does not follow the documented format."""


def item_from_dict(data: dict, dataset: str, where: str) -> Item:
    if not isinstance(data, dict) or not isinstance(data.get("question"), str) or not data["question"].strip():
        raise ItemError(f"{where}: each record needs a non-empty 'question' string")
    answers = data.get("answers", [])
    if isinstance(answers, str):
        answers = [answers]
    answerable = bool(data.get("answerable", bool(answers)))
    if answerable and not answers:
        raise ItemError(f"{where}: an answerable question needs at least one entry in 'answers'")
    evidence = []
    for span in data.get("evidence", []):
        span = {"quote": span} if isinstance(span, str) else span
        if not isinstance(span, dict) or not isinstance(span.get("quote"), str):
            raise ItemError(f"{where}: each evidence entry is a quote string or an object with 'quote'")
        evidence.append(GoldSpan(span["quote"], span.get("article"), span.get("start"), span.get("end")))
    return Item(
        id=str(data.get("id", where)), question=data["question"], answers=tuple(str(a) for a in answers),
        answerable=answerable, type=str(data.get("type") or ("answerable" if answerable else "unanswerable")),
        evidence=tuple(evidence), conversation=data.get("conversation"), turn=int(data.get("turn", 1)),
        dataset=str(data.get("dataset", dataset)), false_answers=tuple(data.get("false_answers", ())),
    )


def read_items(path: Path, dataset: str | None = None) -> list[Item]:
    """Questions in our JSONL format, or regression questions made from a chat feedback file."""
    if _is_feedback_file(path):
        from eval.feedback import items_from_feedback

        return items_from_feedback(path)[0]
    name = dataset or path.stem
    items = []
    with path.open(encoding="utf-8") as f:
        for number, line in enumerate(f, start=1):
            if not line.strip():
                continue
            try:
                data = json.loads(line)
            except json.JSONDecodeError as exc:
                raise ItemError(f"{path}:{number}: not valid JSON ({exc.msg})") from exc
            items.append(item_from_dict(data, name, f"{path}:{number}"))
    _check_conversations(items, path)
    return items


def write_items(path: Path, items: list[Item]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8") as f:
        for item in items:
            f.write(json.dumps(item.to_dict(), ensure_ascii=False) + "\n")


def _check_conversations(items: list[Item], path: Path) -> None:
    turns: dict[str, list[int]] = {}
    for item in items:
        if item.conversation:
            turns.setdefault(item.conversation, []).append(item.turn)
    for conversation, numbers in turns.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            raise ItemError(f"{path}: conversation {conversation!r} has turns {sorted(numbers)}, expected 1..{len(numbers)}")


def _is_feedback_file(path: Path) -> bool:
    from qa.feedback import is_feedback_record

    with path.open(encoding="utf-8") as f:
        first = next((line for line in f if line.strip()), "")
    try:
        return is_feedback_record(json.loads(first))
    except json.JSONDecodeError:
        return False  # read_items reports the bad line with its number
