"""Hybrid retrieval and sentence scoring on a real index (real model, real FAISS and BM25)."""
import pytest

from index.articles import Article
from index.retrieve import Retriever
from index.store import build, load
from tests.index.conftest import params

pytestmark = pytest.mark.slow

STORY = ("Rebels seized the town of Harem on Sunday. The army answered with air strikes. "
         "A local doctor said the clinic had run out of bandages. Schools stayed closed all week. "
         "The governor fled to the capital by night. Markets reopened on Friday.")


@pytest.fixture(scope="module")
def retriever(tmp_path_factory, embedder):
    folder = tmp_path_factory.mktemp("retrieve")
    build([Article("harem.txt", "Harem", STORY), Article("other.txt", "Other", "Farmers sold apples at the fair.")],
          folder, embedder, params(embedder))
    return Retriever(load(folder), embedder)


def test_a_sentence_limit_embeds_only_the_most_promising_and_keeps_the_best(retriever):
    question = "Where did the governor flee to?"
    vector = retriever.embed_query(question)
    hits = retriever.search(question, 4, vector)
    everything = retriever.sentences(question, hits, vector)
    limited = retriever.sentences(question, hits, vector, limit=2)
    assert len(everything) > 2 and len(limited) == 2
    # Same sentence; int8 dynamic quantisation scales per batch, so the score moves a little.
    assert (limited[0].start, limited[0].end) == (everything[0].start, everything[0].end)
    assert limited[0].score == pytest.approx(everything[0].score, abs=0.02)  # measured up to 0.014
    assert limited[0].text == "The governor fled to the capital by night."


def test_lexical_only_hits_still_get_their_dense_similarity(retriever):
    hits = retriever.search("apples fair", 2)
    assert {h.chunk.article_id for h in hits} == {"harem.txt", "other.txt"}
    assert all(-1.0 <= h.dense <= 1.0 for h in hits)
    assert hits[0].chunk.article_id == "other.txt"
