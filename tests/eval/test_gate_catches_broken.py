"""The evaluation can fail: each broken answerer is caught by its metric; the real assistant passes."""
import pytest

from eval.gate import check, load_thresholds
from eval.items import read_items
from eval.report import DatasetRun, Report, write_reports
from eval.runner import run
from eval.suites import REPO, SEED_QUESTIONS
from eval.summary import summarize
from tests.eval.answerers import (AlwaysAbstains, ConfidentWrongLead, NeverAbstains, RandomPassage, Recorded,
                                  ShiftedQuotes, UnquotedText)

pytestmark = pytest.mark.slow

THRESHOLDS = load_thresholds(REPO / "eval" / "thresholds.toml")
ITEMS = read_items(SEED_QUESTIONS, "seeds")


@pytest.fixture(scope="module")
def recorded(seed_assistant):
    return Recorded(seed_assistant)


@pytest.fixture(scope="module")
def real_results(recorded, seed_assistant):
    return run(ITEMS, recorded, seed_assistant)


def failed_metrics(results) -> set[str]:
    return {v.metric for v in check({"seeds": summarize(results)}, THRESHOLDS)}


def test_real_assistant_passes_the_gate(real_results):
    assert failed_metrics(real_results) == set()
    assert summarize(real_results).citation_validity == 1.0


@pytest.mark.parametrize("broken, metric", [
    (ShiftedQuotes, "citation_validity"),
    (UnquotedText, "unsupported_claim_rate"),
    (NeverAbstains, "abstention_recall"),
    (AlwaysAbstains, "false_abstention_rate"),
    (RandomPassage, "evidence_precision"),
    (ConfidentWrongLead, "lead_accuracy"),
    (ConfidentWrongLead, "wrong_confident_rate"),
])
def test_each_broken_answerer_fails_the_gate_on_its_metric(broken, metric, recorded, seed_assistant, real_results):
    answerer = broken(recorded, seed_assistant) if broken is RandomPassage else broken(recorded)
    results = run(ITEMS, answerer, seed_assistant, semantic=broken is UnquotedText)
    assert metric in failed_metrics(results)


def test_random_passages_also_lose_recall_and_correctness(recorded, seed_assistant, real_results):
    results = run(ITEMS, RandomPassage(recorded, seed_assistant), seed_assistant, semantic=False)
    assert {"evidence_recall", "contains"} <= failed_metrics(results)


def test_a_wrong_lead_passes_the_old_answer_metrics_and_fails_only_the_lead_ones(recorded, seed_assistant):
    results = run(ITEMS, ConfidentWrongLead(recorded), seed_assistant, semantic=False)
    assert failed_metrics(results) == {"lead_accuracy", "wrong_confident_rate", "right_rate"}


def test_reports_name_every_failure(real_results, tmp_path):
    report = Report([DatasetRun("seeds", "seeds", real_results)], {"top_k": 8})
    report.gate = {"thresholds": "t.toml", "passed": True, "failures": []}
    json_path, md_path, png_path = write_reports(report, tmp_path)
    data = __import__("json").loads(json_path.read_text())
    assert data["schema_version"] == 1 and set(data["datasets"]["seeds"]) == {"corpus", "summary", "by_type"}
    assert len(data["questions"]) == len(ITEMS)
    markdown = md_path.read_text()
    failures = [r for r in real_results if r.failures]
    assert f"## Failures ({len(failures)})" in markdown
    assert all(r.question in markdown for r in failures)
    assert png_path.read_bytes().startswith(b"\x89PNG")
