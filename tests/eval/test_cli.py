"""`qa eval` end to end on a user's own question file and corpus, with and without a passing gate."""
import json

import pytest
from click.testing import CliRunner

from qa.cli import main
from tests.conftest import copy_seeds

pytestmark = pytest.mark.slow

QUESTIONS = [
    {"id": "q1", "question": "Where did the military police commander flee to?", "answers": ["Turkey"], "type": "where",
     "evidence": ["reportedly fled to Turkey"]},
    {"id": "q2", "question": "What is the name of the UN peace envoy for Syria?", "answers": ["Lakhdar Brahimi"],
     "evidence": [{"quote": "Lakhdar Brahimi", "article": "000_0226462cf7c6313f.txt"}]},
    {"id": "q3", "question": "How many goals did Arsenal score in the cup final?", "answerable": False},
    {"id": "c1", "question": "Who is the UN peace envoy for Syria?", "answers": ["Lakhdar Brahimi"], "conversation": "x", "turn": 1},
    {"id": "c2", "question": "Where did he hold talks?", "answers": ["Damascus"], "conversation": "x", "turn": 2},
]


@pytest.fixture(scope="module")
def user_set(tmp_path_factory):
    root = tmp_path_factory.mktemp("user-set")
    questions = root / "mine.jsonl"
    questions.write_text("\n".join(json.dumps(q) for q in QUESTIONS) + "\n")
    return questions, copy_seeds(root / "articles")


def invoke(user_set, out, *extra):
    questions, corpus = user_set
    return CliRunner().invoke(main, ["eval", "--questions", str(questions), "--corpus", str(corpus),
                                     "--out", str(out), "--no-semantic", *extra])


def test_user_question_file_runs_and_writes_all_reports(user_set, tmp_path):
    result = invoke(user_set, tmp_path, "--gate", str(_thresholds(tmp_path, "citation_validity = 1.0")))
    assert result.exit_code == 0, result.output
    assert "Gate passed" in result.output
    report = json.loads((tmp_path / "report.json").read_text())
    assert report["datasets"]["mine"]["summary"]["questions"] == 5
    assert report["overall"]["gold_unresolved"] == 0
    assert report["overall"]["citation_validity"] == 1.0
    assert {"mine/where", "mine/answerable", "mine/unanswerable"} <= {
        f"mine/{t}" for t in report["datasets"]["mine"]["by_type"]}
    assert (tmp_path / "report.md").exists() and (tmp_path / "metrics_by_type.png").exists()


def test_gate_failure_exits_non_zero_naming_each_metric(user_set, tmp_path):
    gate = _thresholds(tmp_path, "accuracy = 1.01\nlatency_p50_ms = 0.001")
    result = invoke(user_set, tmp_path, "--gate", str(gate))
    assert result.exit_code == 1
    assert "mine: accuracy" in result.output and "mine: latency_p50_ms" in result.output
    assert json.loads((tmp_path / "report.json").read_text())["gate"]["passed"] is False


def test_bad_question_file_is_a_clear_error(user_set, tmp_path):
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"question": "Q?", "answerable": true}\n')
    result = CliRunner().invoke(main, ["eval", "--questions", str(bad), "--corpus", str(user_set[1])])
    assert result.exit_code != 0 and "bad.jsonl:1" in result.output


def _thresholds(tmp_path, body: str):
    path = tmp_path / "gate.toml"
    path.write_text(f"[default]\n{body}\n")
    return path
