"""Which questions are asked against which corpus, for each ``--dataset`` name."""
from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from eval.corpus import CACHE_DIR, build_mixed_corpus
from eval.items import Item, read_items
from eval.sources import LOADERS, NEWS_LOADERS, REPO, SEEDS_DIR

SEED_QUESTIONS = REPO / "eval" / "datasets" / "seeds.jsonl"
# The seed questions asked again inside the benchmark corpus, among thousands of distractors.
SEEDS_MIXED = "seeds-mixed"
# Hand-written questions on real news: the seeds among the 2,225 BBC articles (corpus of its own).
NEWS = "news"


@dataclass
class Suite:
    name: str
    items: list[Item]
    corpus: Path
    index_dir: Path | None = None


class SuiteError(ValueError):
    pass


def known_names() -> list[str]:
    return ["seeds", *LOADERS, SEEDS_MIXED, NEWS, "all"]


def suites_for(name: str) -> list[Suite]:
    """The suites ``name`` runs; with "all", those whose data is absent are left out (named ones raise)."""
    if name not in known_names():
        raise SuiteError(f"unknown dataset {name!r}; choose one of {', '.join(known_names())}")
    seeds = read_items(SEED_QUESTIONS, "seeds")
    wanted = known_names()[:-1] if name == "all" else [name]
    explicit = name != "all"
    suites = []
    if "seeds" in wanted:
        suites.append(Suite("seeds", seeds, SEEDS_DIR, CACHE_DIR / "index-seeds"))
    benchmark = [n for n in wanted if n in LOADERS or n == SEEDS_MIXED]
    if benchmark:
        suites += _benchmark_suites(benchmark, seeds, explicit)
    if NEWS in wanted:
        news = build_mixed_corpus(CACHE_DIR / NEWS, loaders=NEWS_LOADERS)
        if news is not None:
            suites.append(Suite(NEWS, news.items[NEWS], news.path))
        elif explicit:
            raise SuiteError(f"dataset {NEWS!r} needs bbc-news/articles.jsonl in ../shared/data (set QA_SHARED_DATA), not found")
    return suites


def _benchmark_suites(names: list[str], seeds: list[Item], explicit: bool) -> list[Suite]:
    mixed = build_mixed_corpus()
    if mixed is None:
        if explicit:
            raise SuiteError(f"dataset {names[0]!r} needs the external data in ../shared/data (set QA_SHARED_DATA), not found")
        return []
    suites = []
    for n in names:
        if n == SEEDS_MIXED:
            suites.append(Suite(n, [replace(i, dataset=n) for i in seeds], mixed.path))
        elif n in mixed.items:
            suites.append(Suite(n, mixed.items[n], mixed.path))
        elif explicit:
            raise SuiteError(f"dataset {n!r} has no files in the external data folder")
    return suites


def custom_suite(questions: Path, corpus: Path) -> Suite:
    return Suite(questions.stem, read_items(questions, questions.stem), corpus)
