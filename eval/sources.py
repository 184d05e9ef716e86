"""External benchmarks from ../shared/data turned into corpus documents plus gold items.

Each loader returns the documents its questions are asked against and the questions with
gold answers and, where the source gives them, gold evidence spans. Documents get ids of the
form ``<file>#<line>`` because that is how the assistant names JSONL records; the gold spans
carry their quotes too, so they are re-checked against the indexed text before use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from eval.items import GoldSpan, Item
from qa import Settings

REPO = Path(__file__).resolve().parent.parent


def shared_data_dir() -> Path:
    """``QA_SHARED_DATA`` (the ``shared_data_dir`` setting), else ../shared/data beside the repository."""
    return Settings.from_env().resolved_shared_data_dir


@dataclass
class Document:
    text: str
    title: str | None = None
    extra: dict = field(default_factory=dict)


@dataclass
class Benchmark:
    name: str
    documents: list[Document]
    # Built once the documents have ids: ``items(ids)`` gets each document's article id by index.
    make_items: Callable[[list[str]], list[Item]]

    def items(self, ids: list[str]) -> list[Item]:
        return self.make_items(ids)


def multihop_rag(root: Path) -> Benchmark | None:
    folder = root / "multihop-rag"
    if not (folder / "corpus.jsonl").exists():
        return None
    records = [json.loads(line) for line in (folder / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
    documents = [Document(r["text"], r.get("title"), {k: r.get(k) for k in ("url", "source", "date")}) for r in records]
    by_url = {r["url"]: i for i, r in enumerate(records)}
    queries = json.loads((folder / "queries.json").read_text(encoding="utf-8"))["queries"]
    truth = json.loads((folder / "ground_truth.json").read_text(encoding="utf-8"))

    def make_items(ids: list[str]) -> list[Item]:
        items = []
        for query in queries:
            gold = truth[query["id"]]
            answerable = gold["answer"].strip() != "Insufficient information."
            evidence = tuple(
                GoldSpan(e["fact"], ids[by_url[e["url"]]] if e["url"] in by_url else None)
                for e in gold["evidence_list"]
            )
            items.append(Item(
                id=f"multihop-{query['id']}", question=query["question"],
                answers=(gold["answer"],) if answerable else (), answerable=answerable,
                type=query["question_type"].removesuffix("_query"), evidence=evidence, dataset="multihop-rag",
            ))
        return items

    return Benchmark("multihop-rag", documents, make_items)


def rgb(root: Path) -> Benchmark | None:
    path = root / "rgb" / "en_fact.json"
    if not path.exists():
        return None
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    documents: list[Document] = []
    index: dict[str, int] = {}
    for record in records:
        for kind in ("positive", "positive_wrong", "negative"):
            for passage in record[kind]:
                if passage.strip() and passage not in index:
                    index[passage] = len(documents)
                    documents.append(Document(passage))

    def make_items(ids: list[str]) -> list[Item]:
        return [
            Item(
                id=f"rgb-{r['id']}", question=r["query"], answers=tuple(_flatten(r["answer"])),
                type="counterfactual", dataset="rgb", false_answers=tuple(_flatten(r["fakeanswer"])),
                evidence=tuple(GoldSpan(p, ids[index[p]], 0, len(p)) for p in r["positive"] if p in index),
            )
            for r in records
        ]

    return Benchmark("rgb", documents, make_items)


def squad_v2(root: Path) -> Benchmark | None:
    path = root / "squad-v2" / "dev-v2.0.json"
    if not path.exists():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))["data"]
    documents: list[Document] = []
    index: dict[str, int] = {}
    for article in data:
        for paragraph in article["paragraphs"]:
            if paragraph["context"] not in index:
                index[paragraph["context"]] = len(documents)
                documents.append(Document(paragraph["context"], article["title"].replace("_", " ")))

    def make_items(ids: list[str]) -> list[Item]:
        items = []
        for article in data:
            for paragraph in article["paragraphs"]:
                doc = ids[index[paragraph["context"]]]
                for qa in paragraph["qas"]:
                    answerable = not qa.get("is_impossible", False)
                    answers = list(dict.fromkeys(a["text"] for a in qa["answers"]))
                    evidence = tuple(dict.fromkeys(
                        GoldSpan(a["text"], doc, a["answer_start"], a["answer_start"] + len(a["text"]))
                        for a in qa["answers"]
                    ))
                    items.append(Item(
                        id=f"squad-{qa['id']}", question=qa["question"], answers=tuple(answers),
                        answerable=answerable, type="answerable" if answerable else "unanswerable",
                        evidence=evidence, dataset="squad-v2",
                    ))
        return items

    return Benchmark("squad-v2", documents, make_items)


def _flatten(value) -> list[str]:
    if isinstance(value, list):
        return [text for v in value for text in _flatten(v)]
    return [str(value)]


LOADERS = {"multihop-rag": multihop_rag, "rgb": rgb, "squad-v2": squad_v2}


def available_benchmarks(root: Path | None = None) -> list[Benchmark]:
    root = root or shared_data_dir()
    return [b for b in (load(root) for load in LOADERS.values()) if b is not None]
