"""External benchmarks from ../shared/data turned into corpus documents plus gold items.

Each loader returns the documents its questions are asked against and the questions with
gold answers and, where the source gives them, gold evidence spans. Documents get ids of the
form ``<file>#<line>`` because that is how the assistant names JSONL records; the gold spans
carry their quotes too, so they are re-checked against the indexed text before use.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

from eval.items import GoldSpan, Item, ItemError, read_items
from qa import Settings

REPO = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO / "seeds"
NEWS_QUESTIONS = REPO / "eval" / "datasets" / "news.jsonl"


def shared_data_dir() -> Path:
    """``QA_SHARED_DATA`` (the ``shared_data`` setting), else ../shared/data beside the repository."""
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


def bbc_news(root: Path, questions: Path = NEWS_QUESTIONS) -> Benchmark | None:
    """The BBC News articles, asked our hand-written news questions (eval/datasets/news.jsonl).

    The questions name articles by their source id (``bbc-business-001``, or a seed's file name)
    with offsets into that record's text; each quote is checked here, before any indexing.
    """
    path = root / "bbc-news" / "articles.jsonl"
    if not path.exists():
        return None
    records = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    documents = [Document(r["text"], r.get("title"), {"source": r.get("source")}) for r in records]

    def make_items(ids: list[str]) -> list[Item]:
        texts = {r["id"]: r["text"] for r in records}
        indexed = {r["id"]: ids[i] for i, r in enumerate(records)}
        for seed in seed_files():
            texts[seed.name] = seed.read_text(encoding="utf-8-sig")
            indexed[seed.name] = seed.name
        return [
            replace(item, evidence=tuple(_pin(span, texts, indexed, f"{questions}: {item.id}") for span in item.evidence))
            for item in read_items(questions, "news")
        ]

    return Benchmark("news", documents, make_items)


def _pin(span: GoldSpan, texts: dict[str, str], indexed: dict[str, str], where: str) -> GoldSpan:
    """A gold span named by source id, checked against the source text and renamed to its indexed id."""
    if span.article not in texts:
        raise ItemError(f"{where}: evidence names unknown article {span.article!r}")
    if span.start is None or span.end is None or texts[span.article][span.start:span.end] != span.quote:
        raise ItemError(f"{where}: quote {span.quote[:60]!r} is not the text of {span.article} at {span.start}-{span.end}")
    return replace(span, article=indexed[span.article])


def seed_files() -> list[Path]:
    return sorted(p for p in SEEDS_DIR.iterdir() if p.is_file() and not p.name.startswith("."))


def _flatten(value) -> list[str]:
    if isinstance(value, list):
        return [text for v in value for text in _flatten(v)]
    return [str(value)]


# The benchmark corpus's sets: their documents are mixed into one corpus with the seeds.
LOADERS: dict[str, Callable[[Path], Benchmark | None]] = {"multihop-rag": multihop_rag, "rgb": rgb, "squad-v2": squad_v2}
# The news dev set has a corpus of its own: the seeds among real news articles only.
NEWS_LOADERS: dict[str, Callable[[Path], Benchmark | None]] = {"news": bbc_news}


def available_benchmarks(root: Path | None = None, loaders: dict = LOADERS) -> list[Benchmark]:
    root = root or shared_data_dir()
    return [b for b in (load(root) for load in loaders.values()) if b is not None]
