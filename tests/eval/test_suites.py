"""Which datasets run where, with and without the external data."""
import pytest

from eval.suites import SuiteError, known_names, suites_for


def test_without_external_data_all_runs_the_seed_set_and_named_sets_explain(monkeypatch, tmp_path):
    monkeypatch.setenv("QA_SHARED_DATA", str(tmp_path / "absent"))
    assert [s.name for s in suites_for("all")] == ["seeds"]
    with pytest.raises(SuiteError, match="QA_SHARED_DATA"):
        suites_for("rgb")


def test_unknown_dataset_lists_the_known_ones():
    with pytest.raises(SuiteError, match="seeds, multihop-rag, rgb, squad-v2, seeds-mixed, news, all"):
        suites_for("nope")


@pytest.mark.data
def test_all_mixes_the_seed_questions_into_the_benchmark_corpus(shared_data):
    suites = {s.name: s for s in suites_for("all")}
    assert list(suites) == known_names()[:-1]
    assert suites["seeds-mixed"].corpus == suites["rgb"].corpus != suites["seeds"].corpus
    assert {i.dataset for i in suites["seeds-mixed"].items} == {"seeds-mixed"}
