import dataclasses

import pytest

from index.articles import Article
from index.store import IndexParams
from tests.conftest import DEFAULTS, SEEDS


@pytest.fixture(scope="session")
def seed_text() -> str:
    return next(SEEDS.glob("*.txt")).read_text(encoding="utf-8")


@pytest.fixture(scope="session")
def embedder():
    from index.embedding import Embedder

    return Embedder(DEFAULTS.embedder_config())


def params(embedder, **changes) -> IndexParams:
    """The default index parameters for ``embedder``, with ``changes``."""
    return dataclasses.replace(DEFAULTS.index_params(embedder.model_path), **changes)


def articles(*texts: str) -> list[Article]:
    """Articles a0.txt, a1.txt, ... with the given texts."""
    return [Article(f"a{i}.txt", f"Title {i}", text) for i, text in enumerate(texts)]
