import pytest

from index.fusion import reciprocal_rank_fusion


def test_item_ranked_well_by_both_beats_item_first_in_one():
    fused = reciprocal_rank_fusion([["a", "b", "c"], ["b", "c", "a"]], k=60)
    assert [item for item, _ in fused][0] == "b"


def test_scores_follow_the_formula():
    fused = dict(reciprocal_rank_fusion([["x"], ["y", "x"]], k=10))
    assert fused["x"] == pytest.approx(1 / 11 + 1 / 12)
    assert fused["y"] == pytest.approx(1 / 11)


def test_items_in_one_list_only_are_kept():
    fused = reciprocal_rank_fusion([["a"], []])
    assert fused == [("a", pytest.approx(1 / 61))]


def test_weights_shift_the_winner():
    rankings = [["dense"], ["lexical"]]
    assert reciprocal_rank_fusion(rankings, weights=[2, 1])[0][0] == "dense"
    assert reciprocal_rank_fusion(rankings, weights=[1, 2])[0][0] == "lexical"
    with pytest.raises(ValueError):
        reciprocal_rank_fusion(rankings, weights=[1])
