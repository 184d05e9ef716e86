"""BM25 over segments: the same scores as bm25s's model, and segments with dead rows score like one
model built over the live rows alone."""
import itertools

import numpy as np

from index.lexical import Lexical, Postings

DOCS = [
    ["flood", "river", "flood", "town"],
    ["harvest", "farm", "rain"],
    ["river", "bridge", "council", "vote", "council"],
    ["flood", "harvest"],
    [""],
    ["minister", "town", "bridge", "river", "river", "river"],
]
QUERIES = [["flood"], ["river", "bridge"], ["council", "council", "town"], ["absent"], ["harvest", "rain", "farm"]]


def test_scores_match_bm25s():
    import bm25s

    model = bm25s.BM25()
    model.index(DOCS, show_progress=False)
    lexical = Lexical([(Postings.from_terms(DOCS), np.arange(len(DOCS)))], len(DOCS))
    for query in QUERIES:
        known = [t for t in query if t in model.vocab_dict]
        expected = model.get_scores(known) if known else np.zeros(len(DOCS))
        np.testing.assert_allclose(lexical.get_scores(query), expected, rtol=1e-5, atol=1e-6)


def test_segments_with_dead_rows_score_like_one_model_of_the_live_rows():
    main, delta = DOCS[:4], DOCS[4:] + [["flood", "vote"], ["council"]]
    dead = {1, 3}  # rows of the main segment removed since it was written
    live = [d for i, d in enumerate(main) if i not in dead] + delta
    main_positions = np.array([-1 if i in dead else i - sum(1 for d in dead if d < i) for i in range(len(main))])
    delta_positions = np.arange(len(delta)) + len(main) - len(dead)
    merged = Lexical([(Postings.from_terms(main), main_positions), (Postings.from_terms(delta), delta_positions)], len(live))
    single = Lexical([(Postings.from_terms(live), np.arange(len(live)))], len(live))
    for query in QUERIES:
        np.testing.assert_allclose(merged.get_scores(query), single.get_scores(query), rtol=1e-6)
        for term in query:
            assert merged.document_frequency(term) == single.document_frequency(term)


def test_the_best_positions_hold_the_top_and_its_ties_with_exact_scores():
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(300)]
    # Zipf-like: the first words are in most rows, as common words are; short rows make many ties.
    docs = [list(rng.choice(words, size=rng.integers(1, 12), p=_zipf(len(words)))) for _ in range(3_000)]
    single = Lexical([(Postings.from_terms(docs), np.arange(len(docs)))], len(docs))
    # The same live rows as a main segment with a dead row after every fourth live one, and a delta.
    main, alive = [], []
    for i, doc in enumerate(docs[:2_000]):
        main += [doc, docs[-1 - i]] if i % 4 == 0 else [doc]
        alive += [True, False] if i % 4 == 0 else [True]
    alive = np.array(alive)
    segmented = Lexical([(Postings.from_terms(main), np.where(alive, np.cumsum(alive) - 1, -1)),
                         (Postings.from_terms(docs[2_000:]), np.arange(1_000) + 2_000)], len(docs))
    queries = (["w0", "w150"], ["w1", "w0", "w40"], ["w0", "w0", "w299"], ["w2", "w3"])
    pruned = set()  # which of the two left any scoring position out
    for query, lexical, top in itertools.product(queries, (single, segmented), (1, 10, 50)):
        full = single.get_scores(query)
        positions, scores = lexical.best(query, top)
        must = np.flatnonzero(full >= np.sort(full)[-top])  # the top and every position tied with it
        assert set(must) <= set(positions.tolist())
        np.testing.assert_allclose(scores, full[positions], rtol=1e-6)
        if len(positions) < np.count_nonzero(full):
            pruned.add(id(lexical))
    assert pruned == {id(single), id(segmented)}, "the pruning never ran on one of the two"


def _zipf(n: int) -> np.ndarray:
    weights = 1 / np.arange(1, n + 1)
    return weights / weights.sum()


def test_take_and_concat_keep_every_row_and_term():
    whole = Postings.from_terms(DOCS)
    kept = whole.take(np.array([0, 2, 5]))
    joined = kept.concat(Postings.from_terms(DOCS[1:2]))
    expected = Postings.from_terms([DOCS[0], DOCS[2], DOCS[5], DOCS[1]])
    for term in {t for d in DOCS for t in d}:  # a term of dropped rows only stays, with no rows
        got, want = (_rows(p, term) for p in (joined, expected))
        assert got == want, term
    assert joined.lengths.tolist() == expected.lengths.tolist()


def test_saved_tables_load_back(tmp_path):
    postings = Postings.from_terms(DOCS)
    postings.save(tmp_path / "bm25")
    loaded = Postings.load(tmp_path / "bm25")
    assert loaded.vocab == postings.vocab
    for name in ("indptr", "rows", "tf", "lengths"):
        assert getattr(loaded, name).tolist() == getattr(postings, name).tolist()


def _rows(postings: Postings, term: str) -> list[tuple[int, float]]:
    found = postings.term(term)
    return [] if found is None else list(zip(found[0].tolist(), found[1].tolist()))
