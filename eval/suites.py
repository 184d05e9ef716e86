"""Which questions are asked against which corpus, for each ``--dataset`` name."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from eval.corpus import CACHE_DIR, SEEDS_DIR, build_mixed_corpus
from eval.items import Item, read_items
from eval.sources import LOADERS, REPO

SEED_QUESTIONS = REPO / "eval" / "datasets" / "seeds.jsonl"
# The seed questions asked again inside the benchmark corpus, among thousands of distractors.
SEEDS_MIXED = "seeds-mixed"


@dataclass
class Suite:
    name: str
    items: list[Item]
    corpus: Path
    index_dir: Path | None = None


class SuiteError(ValueError):
    pass


def known_names() -> list[str]:
    return ["seeds", *LOADERS, SEEDS_MIXED, "all"]


def suites_for(name: str) -> list[Suite]:
    if name not in known_names():
        raise SuiteError(f"unknown dataset {name!r}; choose one of {', '.join(known_names())}")
    seeds = read_items(SEED_QUESTIONS, "seeds")
    wanted = known_names()[:-1] if name == "all" else [name]
    suites = []
    if "seeds" in wanted:
        suites.append(Suite("seeds", seeds, SEEDS_DIR, CACHE_DIR / "index-seeds"))
    external = [n for n in wanted if n != "seeds"]
    if not external:
        return suites
    mixed = build_mixed_corpus()
    if mixed is None:
        if name == "all":
            return suites
        raise SuiteError(f"dataset {name!r} needs the external data in ../shared/data (set QA_SHARED_DATA), not found")
    for n in external:
        if n == SEEDS_MIXED:
            suites.append(Suite(n, [replace(i, dataset=n) for i in seeds], mixed.path))
        elif n in mixed.items:
            suites.append(Suite(n, mixed.items[n], mixed.path))
        elif name != "all":
            raise SuiteError(f"dataset {n!r} has no files in the external data folder")
    return suites


def custom_suite(questions: Path, corpus: Path) -> Suite:
    return Suite(questions.stem, read_items(questions, questions.stem), corpus)
