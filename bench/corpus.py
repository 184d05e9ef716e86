"""Benchmark corpora of a chosen size from real text, with questions whose answers are in them.

Sources, taken round-robin so every size mixes them: the seed article, MultiHop-RAG's evidence
articles, SQuAD v2 paragraphs, BBC News articles and AG News records (``../shared/data``).  Real
text gives about 17k chunks (``max_real_chunks`` takes fewer).  Larger corpora add *variants*: pass ``r`` repeats every real record
with each digit d replaced by (d + r) mod 10 (same story, other figures: dates, scores, amounts)
and a closing line ``(Variant r of <source id>.)``, so every variant is a distinct article with
realistic text, vocabulary and length.

Sizes are counted in estimated chunks (the regex token count the chunker uses, 160-token chunks
with 32 overlapping); the real chunk count is measured when indexing.
"""
from __future__ import annotations

import json
import math
import random
import re
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from index.chunking import count_tokens

CORPUS_VERSION = 1
RECORDS_PER_FILE = 2_000
SIZE_NAMES = {"1k": 1_000, "10k": 10_000, "100k": 100_000, "1m": 1_000_000}
_DIGIT = re.compile(r"\d")
VARIANT_LINE = re.compile(r"\n\n\(Variant \d+ of [^\n]*\.\)$")


def parse_sizes(text: str) -> list[tuple[str, int]]:
    """``"1k,10k"`` → [("1k", 1000), ("10k", 10000)]; plain numbers, ``25k`` and ``1m`` work too."""
    sizes = []
    for part in (p.strip().lower() for p in text.split(",")):
        if not part:
            continue
        match = re.fullmatch(r"(\d+(?:\.\d+)?)([km]?)", part)
        if not match:
            raise ValueError(f"size {part!r} is not a number of chunks such as 1k, 10k, 1m or 2500")
        value = int(float(match.group(1)) * {"": 1, "k": 1_000, "m": 1_000_000}[match.group(2)])
        if value < 1:
            raise ValueError(f"size {part!r} must be at least one chunk")
        sizes.append((part, value))
    if not sizes:
        raise ValueError("no sizes given")
    return sizes


def estimate_chunks(text: str, chunk_size: int = 160, overlap: int = 32) -> int:
    tokens = len(count_tokens(text))
    return max(1, math.ceil((tokens - overlap) / (chunk_size - overlap)))


def shift_digits(text: str, r: int) -> str:
    return _DIGIT.sub(lambda m: str((int(m.group()) + r) % 10), text)


@dataclass
class Record:
    key: str  # where the text came from, e.g. "squad:Normans:3"
    source: str
    title: str
    text: str
    url: str | None = None
    date: str | None = None


@dataclass
class Question:
    question: str
    kind: str  # "squad" (one gold paragraph) or "multihop" (2-4 gold articles)
    gold: list[str]  # article ids in the benchmark corpus
    answers: list[str] = field(default_factory=list)


def load_sources(shared: Path | None, seeds: Path) -> tuple[dict[str, list[Record]], list[tuple[str, list[str], list[str]]]]:
    """Records per source, and (question, gold record keys, answers) pairs over them."""
    sources: dict[str, list[Record]] = {}
    questions: list[tuple[str, list[str], list[str]]] = []
    seed_files = sorted(p for p in seeds.glob("*.txt"))
    sources["seed"] = [Record(f"seed:{p.name}", "seed", p.read_text(encoding="utf-8").split("\n", 1)[0].strip(),
                              p.read_text(encoding="utf-8")) for p in seed_files]
    if shared is None or not shared.is_dir():
        return sources, questions
    multihop = shared / "multihop-rag"
    if (multihop / "corpus.jsonl").exists():
        records = [json.loads(line) for line in (multihop / "corpus.jsonl").read_text(encoding="utf-8").splitlines() if line.strip()]
        sources["multihop"] = [Record(f"multihop:{r['url']}", "multihop", r["title"], r["text"], r.get("url"), r.get("date"))
                               for r in records]
        queries = json.loads((multihop / "queries.json").read_text(encoding="utf-8"))["queries"]
        truth = json.loads((multihop / "ground_truth.json").read_text(encoding="utf-8"))
        for query in queries:
            evidence = truth.get(query["id"], {}).get("evidence_list", [])
            gold = sorted({f"multihop:{e['url']}" for e in evidence})
            if gold:
                questions.append((query["question"], gold, [truth[query["id"]]["answer"]]))
    squad_file = shared / "squad-v2" / "dev-v2.0.json"
    if squad_file.exists():
        squad = json.loads(squad_file.read_text(encoding="utf-8"))
        records = []
        for article in squad["data"]:
            for n, paragraph in enumerate(article["paragraphs"]):
                key = f"squad:{article['title']}:{n}"
                records.append(Record(key, "squad", f"{article['title'].replace('_', ' ')} ({n + 1})", paragraph["context"]))
                for qa in paragraph["qas"]:
                    if not qa.get("is_impossible") and qa["answers"]:
                        questions.append((qa["question"], [key], [a["text"] for a in qa["answers"]]))
        sources["squad"] = records
    for name in ("bbc-news", "ag-news"):
        path = shared / name / "articles.jsonl"
        if path.exists():
            sources[name] = [Record(f"{name}:{r['id']}", name, r["title"], r["text"])
                             for r in map(json.loads, path.read_text(encoding="utf-8").splitlines())]
    return sources, questions


def _round_robin(sources: dict[str, list[Record]]) -> list[Record]:
    queues = [list(records) for records in sources.values()]
    merged = []
    while any(queues):
        for queue in queues:
            if queue:
                merged.append(queue.pop(0))
    return merged


def select_records(sources: dict[str, list[Record]], target_chunks: int,
                   max_real_chunks: int | None = None) -> tuple[list[Record], int, int]:
    """Real records round-robin (up to ``max_real_chunks``), then variant passes, to the target size."""
    real_cap = min(target_chunks, max_real_chunks or target_chunks)
    chosen: list[Record] = []
    total = 0
    for record in _round_robin(sources):
        if total >= real_cap:
            break
        chosen.append(record)
        total += estimate_chunks(record.text)
    if total >= target_chunks:
        return chosen, total, 0
    repeatable = [r for r in chosen if r.source != "seed"]
    if not repeatable:
        return chosen, total, 0
    passes = 0
    while total < target_chunks:
        passes += 1
        for record in repeatable:
            if total >= target_chunks:
                break
            text = f"{shift_digits(record.text, passes)}\n\n(Variant {passes} of {record.key}.)"
            chosen.append(Record(f"{record.key}#v{passes}", record.source, shift_digits(record.title, passes), text,
                                 record.url, record.date))
            total += estimate_chunks(text)
    return chosen, total, passes


@dataclass
class Corpus:
    label: str
    target_chunks: int
    path: Path
    estimated_chunks: int
    articles: int
    by_source: dict[str, int]
    variant_passes: int
    variant_articles: int
    questions: list[Question]

    def describe(self) -> str:
        mix = ", ".join(f"{k} {v}" for k, v in sorted(self.by_source.items()))
        variants = (f"; {self.variant_articles} variant articles over {self.variant_passes} passes"
                    if self.variant_articles else "")
        return f"{self.articles} articles ({mix}){variants}"

    def to_dict(self) -> dict:
        data = asdict(self)
        data["path"] = str(self.path)
        data.pop("questions")
        return data


def build_corpus(label: str, target_chunks: int, out_dir: Path, shared: Path | None, seeds: Path,
                 max_real_chunks: int | None = None) -> Corpus:
    """Write (or reuse) ``out_dir/corpus-<label>/``: a seed .txt file plus JSONL parts."""
    path = out_dir / f"corpus-{label}"
    meta_path = path.parent / f"corpus-{label}.json"
    fingerprint = {"version": CORPUS_VERSION, "target": target_chunks, "shared": str(shared), "seeds": str(seeds),
                   "max_real_chunks": max_real_chunks}
    if meta_path.exists() and path.is_dir():
        meta = json.loads(meta_path.read_text())
        if meta.get("fingerprint") == fingerprint:
            return _corpus_from_meta(meta, path)
    sources, raw_questions = load_sources(shared, seeds)
    records, estimated, passes = select_records(sources, target_chunks, max_real_chunks)
    shutil.rmtree(path, ignore_errors=True)  # also takes out what the add-one stage uploaded
    path.mkdir(parents=True)
    ids: dict[str, str] = {}
    seeds_chosen = [r for r in records if r.source == "seed"]
    others = [r for r in records if r.source != "seed"]
    for n, record in enumerate(seeds_chosen):
        name = f"000-seed-{n}.txt"
        (path / name).write_text(record.text, encoding="utf-8")
        ids[record.key] = name
    for part in range(0, len(others), RECORDS_PER_FILE):
        name = f"part-{part // RECORDS_PER_FILE:04d}.jsonl"
        lines = []
        for line, record in enumerate(others[part:part + RECORDS_PER_FILE], start=1):
            lines.append(json.dumps({"title": record.title, "text": record.text, "url": record.url,
                                     "date": record.date, "source": record.source}, ensure_ascii=False))
            ids[record.key] = f"{name}#{line}"
        (path / name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    questions = [asdict(Question(q, "multihop" if gold[0].startswith("multihop:") else "squad",
                                 [ids[g] for g in gold], answers))
                 for q, gold, answers in raw_questions if all(g in ids for g in gold)]
    by_source: dict[str, int] = {}
    for record in records:
        by_source[record.source] = by_source.get(record.source, 0) + 1
    meta = {
        "fingerprint": fingerprint, "label": label, "target_chunks": target_chunks,
        "estimated_chunks": estimated, "articles": len(records), "by_source": by_source,
        "variant_passes": passes, "variant_articles": sum(1 for r in records if "#v" in r.key),
        "questions": questions,
    }
    meta_path.write_text(json.dumps(meta, ensure_ascii=False))
    return _corpus_from_meta(meta, path)


def _corpus_from_meta(meta: dict, path: Path) -> Corpus:
    return Corpus(meta["label"], meta["target_chunks"], path, meta["estimated_chunks"], meta["articles"],
                  meta["by_source"], meta["variant_passes"], meta["variant_articles"],
                  [Question(**q) for q in meta["questions"]])


def sample_questions(questions: list[Question], n: int, seed: int = 5) -> list[Question]:
    """``n`` questions, about 70% SQuAD and 30% MultiHop where both are available, in a fixed order."""
    rng = random.Random(seed)
    squad = [q for q in questions if q.kind == "squad"]
    multihop = [q for q in questions if q.kind == "multihop"]
    take_multihop = min(len(multihop), max(n - len(squad), round(n * 0.3)))
    picked = rng.sample(multihop, take_multihop) + rng.sample(squad, min(len(squad), n - take_multihop))
    rng.shuffle(picked)
    return picked
