"""The benchmark corpus: the seed articles mixed with every external benchmark's documents.

It lives in a git-ignored cache folder and is rewritten only when its content changes, so the
assistant's index (kept inside it) is built once and then reused across runs.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass
from pathlib import Path

from eval.items import Item
from eval.sources import REPO, available_benchmarks, shared_data_dir

SEEDS_DIR = REPO / "seeds"
CACHE_DIR = REPO / "eval" / ".cache"


@dataclass
class MixedCorpus:
    path: Path
    items: dict[str, list[Item]]  # benchmark name -> its questions


def build_mixed_corpus(target: Path | None = None, data_root: Path | None = None) -> MixedCorpus | None:
    """Write (or refresh) the mixed corpus; None when no external data is present."""
    benchmarks = available_benchmarks(data_root or shared_data_dir())
    if not benchmarks:
        return None
    target = target or CACHE_DIR / "benchmark"
    target.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    for seed in sorted(p for p in SEEDS_DIR.iterdir() if p.is_file() and not p.name.startswith(".")):
        _write_if_changed(target / seed.name, seed.read_text(encoding="utf-8-sig"))
        seen[seed.read_text(encoding="utf-8-sig")] = seed.name
    items: dict[str, list[Item]] = {}
    for benchmark in benchmarks:
        name = f"{benchmark.name}.jsonl"
        lines, ids = [], []
        for doc in benchmark.documents:
            if doc.text in seen:  # the assistant indexes identical texts once, under the first id
                ids.append(seen[doc.text])
                continue
            record = {"text": doc.text, **({"title": doc.title} if doc.title else {}), **{k: v for k, v in doc.extra.items() if v}}
            lines.append(json.dumps(record, ensure_ascii=False))
            ids.append(f"{name}#{len(lines)}")
            seen[doc.text] = ids[-1]
        _write_if_changed(target / name, "\n".join(lines) + "\n")
        items[benchmark.name] = benchmark.items(ids)
    return MixedCorpus(target, items)


def _write_if_changed(path: Path, text: str) -> None:
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return
    tmp = path.parent / f".{path.name}.tmp"  # hidden, so an interrupted write is never ingested
    tmp.write_text(text, encoding="utf-8")
    shutil.move(tmp, path)
