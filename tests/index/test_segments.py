"""Vectors in two segments with dead rows search and reconstruct like one index of the live rows."""
import numpy as np
import pytest

from index.segments import SegmentedVectors
from index.store import FLAT, HNSW, IVF, make_faiss_index


def _unit(rng, n: int, dim: int = 16) -> np.ndarray:
    vectors = rng.standard_normal((n, dim)).astype(np.float32)
    return vectors / np.linalg.norm(vectors, axis=1, keepdims=True)


@pytest.mark.parametrize("kind", [FLAT, HNSW, IVF])
def test_segments_with_dead_rows_search_like_one_index_of_the_live_rows(kind):
    import faiss

    rng = np.random.default_rng(3)
    main_vectors, delta = _unit(rng, 60), _unit(rng, 7)
    # HNSW's default efSearch and the inverted file's 8 lists (all probed) search exhaustively here.
    main = make_faiss_index(main_vectors, kind)
    alive = np.ones(60, dtype=bool)
    alive[[0, 5, 6, 31, 59]] = False
    positions = np.where(alive, np.cumsum(alive) - 1, -1)
    segmented = SegmentedVectors(main, positions, delta)
    live = np.concatenate([main_vectors[alive], delta])
    exact = faiss.IndexFlatIP(16)
    exact.add(live)
    assert segmented.ntotal == len(live) and segmented.dead == 5
    queries = _unit(rng, 12)
    for k in (1, 10, len(live), len(live) + 5):
        sims, ids = segmented.search(queries, k)
        want_sims, want_ids = exact.search(queries, min(k, len(live)))
        assert ids[:, :want_ids.shape[1]].tolist() == want_ids.tolist()
        np.testing.assert_allclose(sims[:, :want_sims.shape[1]], want_sims, rtol=1e-5)
        assert (ids[:, want_ids.shape[1]:] == -1).all()
    np.testing.assert_allclose(segmented.reconstruct_batch([0, 54, 55, 61]), live[[0, 54, 55, 61]])
    np.testing.assert_allclose(segmented.reconstruct_n(0, len(live)), live)


def test_an_inverted_file_probing_few_lists_never_returns_dead_rows():
    import faiss

    rng = np.random.default_rng(5)
    vectors = _unit(rng, 900)  # 30 lists
    main = make_faiss_index(vectors, IVF)
    main.nprobe = 2  # the segments' search parameters must carry this over, not probe one list
    alive = rng.random(900) > 0.3
    positions = np.where(alive, np.cumsum(alive) - 1, -1)
    segmented = SegmentedVectors(main, positions, np.zeros((0, 16), np.float32))
    queries = vectors[:40]
    sims, ids = segmented.search(queries, 10)
    rows = np.flatnonzero(alive)[ids[ids >= 0]]
    assert alive[rows].all()
    # The same probes over an index of only the live rows find the same neighbours.
    live_only = faiss.IndexIVFFlat(main.quantizer, 16, main.nlist, faiss.METRIC_INNER_PRODUCT)
    live_only.add(vectors[alive])
    live_only.nprobe = 2
    want_sims, want_ids = live_only.search(queries, 10)
    assert ids.tolist() == want_ids.tolist()
    np.testing.assert_allclose(sims, want_sims, rtol=1e-5)
