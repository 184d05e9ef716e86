"""The decision model's inputs: answer shapes against question types, and its fitted file."""
import json
from pathlib import Path

import pytest

from qa.reader.decision import (DECISION_FILE, FEATURES, REASON_CUE, DecisionModel, Evidence, answer_shapes, asked_measure,
                                decision_kind, features, states_measure, type_fit)
from qa.reader.fit_decision import Asked, questions, with_paraphrases
from qa.reader.model import MODEL_FILE, raw_meta
from qa.reader.train import PARAPHRASES, read_paraphrases, read_squad


@pytest.mark.parametrize("text, shape", [
    ("21 months", "duration"), ("three years", "duration"), ("£3.1bn", "number"), ("more than 70,000", "number"),
    ("2 April", "date"), ("Earlier this week", "date"), ("1948", "date"), ("Willie Walsh", "name"), ("al-Shalal", "name"),
    ("1041", "date"), ("the 1050s", "date"), ("12-minute", "duration"), ("an 18-month spell", "duration"),
    ("twenty-five", "number"),
])
def test_answer_shapes(text, shape):
    assert shape in answer_shapes(text)


def test_a_bare_unit_or_a_date_is_no_duration_and_lower_case_is_no_name():
    assert "duration" not in answer_shapes("months") and "date" not in answer_shapes("months")
    assert "duration" not in answer_shapes("2 April")
    assert "name" not in answer_shapes("opposition activists")


def test_an_ordinal_ranks_and_does_not_count():
    assert "number" not in answer_shapes("fourth") and "number" not in answer_shapes("4th")
    assert type_fit("how_many", "fourth") == 0.0 and type_fit("how_many", "125,508") == 1.0
    assert "number" in answer_shapes("twice") and "date" in answer_shapes("the 4th of July")


def test_type_fit_is_neutral_where_any_span_will_do():
    assert type_fit("how_long", "three days") == 1.0
    assert type_fit("how_long", "2 April") == 0.0
    assert type_fit("who", "the envoy") == 0.0
    assert type_fit("what", "the envoy") is None


def test_a_why_answer_fits_when_it_is_a_reason_clause():
    assert type_fit("why", "because the military had perpetrated massacres") == 1.0
    assert type_fit("why", "Due to a knee injury") == 1.0
    assert type_fit("why", "massacres") == 0.0
    assert type_fit("why", "Largely because of a leg injury") == 1.0  # graded by an adverb, still a reason
    assert type_fit("why", "Play hero") == 0.0
    assert not REASON_CUE.search("The play was due to open in Kampala") and REASON_CUE.search("delayed due to rain")


@pytest.mark.parametrize("question, kind", [
    ("Which operator's accounts come bundled with it?", "which"), ("In which German city will Nokia trial it?", "which"),
    ("Which is the largest?", "what"), ("Which of the films won?", "what"), ("What did he say?", "what"),
])
def test_a_what_question_that_picks_one_of_a_kind_by_its_noun_is_a_which_question(question, kind):
    assert decision_kind(question, "what") == kind
    assert decision_kind(question, "who") == "who"  # only what-questions are refined


def test_a_which_question_is_fitted_by_a_name_and_not_misfitted_by_a_common_noun():
    assert type_fit("which", "Croke Park") == 1.0
    assert type_fit("which", "oxygen") is None


def evidence(**changes):
    base = dict(reader_probability=0.9, reader_rank=0, rival_probability=0.1, span_share=0.9, kind_type="who", answer="Person14",
                sentence="The harbour was rebuilt by mayor Person14.", before="", question_terms=frozenset({"harbour", "rebuilt"}),
                name_support=1.0, agreeing=0, passage_rank=0, member_support=1.0)
    return Evidence(**{**base, **changes})


def test_features_follow_the_declared_order():
    values = dict(zip(FEATURES, features(evidence())))
    assert set(values) == set(FEATURES)
    assert values["question_overlap"] == 1.0 and values["type_fit"] == 1.0 and values["type_misfit"] == 0.0
    elsewhere = dict(zip(FEATURES, features(evidence(sentence="He did so.", before="The harbour was rebuilt."))))
    assert elsewhere["question_overlap"] == 0.0 and elsewhere["context_overlap"] == 1.0


def test_the_shipped_model_prefers_evidence_that_states_what_was_asked():
    model = DecisionModel.load()
    assert model.probability(evidence()) > model.probability(evidence(sentence="Person14 said so."))
    assert model.probability(evidence()) > model.probability(evidence(reader_probability=0.05))
    # A reader torn between this answer and others is less likely right than one that is not.
    assert model.probability(evidence()) > model.probability(evidence(span_share=0.3))
    # An answer only one of the reader's members gives is less likely right than one both give.
    assert model.probability(evidence()) > model.probability(evidence(member_support=0.5))


def test_a_model_fitted_on_other_features_is_refused(tmp_path):
    record = json.loads(DECISION_FILE.read_text())
    stale = tmp_path / "decision.json"
    stale.write_text(json.dumps({**record, "features": record["features"][:-1]}))
    with pytest.raises(ValueError, match="fit_decision"):
        DecisionModel.load(stale)


def test_a_rewording_is_asked_after_its_question_and_falls_in_its_fold():
    asked = [Asked("Who founded the company?", ("Ann",), None), Asked("When?", (), "Other")]
    out = with_paraphrases(asked, {"Who founded the company?": "Who set up the firm?"})
    assert [(a.question, a.golds, a.owner) for a in out] == [
        ("Who founded the company?", ("Ann",), 0), ("Who set up the firm?", ("Ann",), 0), ("When?", (), 1)]


def test_a_malformed_rewording_line_is_named(tmp_path):
    path = tmp_path / "paraphrases.jsonl"
    path.write_text('{"question": "Who?", "paraphrase": "Which person?"}\n{"question": "When?"}\n')
    with pytest.raises(ValueError, match=r"paraphrases.jsonl:2"):
        read_paraphrases(path)


def test_the_shipped_rewordings_keep_their_answers_out_and_word_every_fitted_question(shared_data):
    meta = raw_meta(MODEL_FILE)
    articles = read_squad(shared_data / Path(meta["config"]["data"]).relative_to("../shared/data"))
    golds = {qa["question"]: [a["text"] for a in qa["answers"]]
             for _, paragraphs in articles for paragraph in paragraphs for qa in paragraph["qas"]}
    pairs = read_paraphrases(PARAPHRASES)
    assert set(pairs) <= set(golds)
    assert {a.question for a in questions(articles, meta["config"]["held_out_article"], 400, 13)} <= set(pairs)
    for question, paraphrase in pairs.items():
        assert paraphrase != question and paraphrase.endswith("?")
        assert not any(gold.lower() in paraphrase.lower() for gold in golds[question]), question


@pytest.mark.parametrize("question, measure, fits, misfits", [
    ("How fast can Honda's Asimo robot run?", "speed", ["3km/h", "9.81 meters per second", "30 knots"], ["two legs", "3km"]),
    ("How tall is the new version of Asimo?", "height", ["130cm", "1.3 metres", "106 storeys"], ["3km/h", "52kg"]),
    ("How heavy is the robot?", "weight", ["52kg", "three tonnes"], ["130cm"]),
    ("How much does the overall champion take home?", "money", ["$150,000", "£9m", "30p", "2m euros"], ["10,000m", "two hours"]),
])
def test_a_measure_is_answered_in_its_units(question, measure, fits, misfits):
    assert asked_measure(question) == measure
    assert all(states_measure(measure, span) for span in fits)
    assert not any(states_measure(measure, span) for span in misfits)


@pytest.mark.parametrize("question", ["How much did AMR lose?", "How high did inflation rise?", "How many storeys has it?",
                                      "How long did the audience applaud?"])
def test_a_question_that_names_no_single_measure_asks_none(question):
    assert asked_measure(question) is None
