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
from eval.sources import LOADERS, REPO, available_benchmarks, seed_files, shared_data_dir

CACHE_DIR = REPO / "eval" / ".cache"


@dataclass
class MixedCorpus:
    path: Path
    items: dict[str, list[Item]]  # benchmark name -> its questions


def build_mixed_corpus(target: Path | None = None, data_root: Path | None = None,
                       loaders: dict = LOADERS) -> MixedCorpus | None:
    """Write (or refresh) the seeds mixed with the ``loaders``' documents; None when none of their data is present."""
    benchmarks = available_benchmarks(data_root or shared_data_dir(), loaders)
    if not benchmarks:
        return None
    target = target or CACHE_DIR / "benchmark"
    target.mkdir(parents=True, exist_ok=True)
    seen: dict[str, str] = {}
    for seed in seed_files():
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
