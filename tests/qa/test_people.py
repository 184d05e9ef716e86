"""Questions about people: who someone is, who holds a role (qa/reader/people.py)."""
import pytest

from qa.reader.people import asked_role, described_person, describes, in_another_role

TALKS = ("President Assad met the UN peace envoy for Syria Lakhdar Brahimi in Damascus. Lt Gen Abulaziz al-Shalal, "
         "commander of the military police, fled. Brahimi is a veteran diplomat, aides said.")


@pytest.mark.parametrize("span, describing", [
    ("the UN peace envoy", True),  # before the name, across "for Syria"
    ("UN peace envoy for Syria Lakhdar Brahimi", True),  # holding it at its end
    ("a veteran diplomat", True),  # "Brahimi is ..."
    ("President Assad", False),  # another name: the person he met
    ("President Assad met the UN peace envoy for Syria Lakhdar Brahimi in Damascus", False),
    ("commander of the military police", False),  # beside another person's name
    ("Damascus", False),
])
def test_asked_who_someone_is_only_a_description_beside_their_name_answers(span, describing):
    person = described_person("Who is Lakhdar Brahimi?")
    assert person == {"lakhdar", "brahimi"}
    start = TALKS.index(span)
    assert describes(TALKS, start, start + len(span), person) is describing


def test_only_a_question_asking_who_a_named_person_is_asks_for_a_description():
    assert described_person("who was al-Shalal?") == {"shalal"}
    assert described_person("Who is the UN envoy?") is None  # the answer is a name
    assert described_person("Who met Lakhdar Brahimi?") is None
    assert described_person("Who is Brahimi meeting in Damascus?") is None


ROLES = ("The newspaper quoted Qantas chief executive Geoff Dixon as saying so. Bashar al-Assad met UN peace envoy "
         "for Syria Lakhdar Brahimi. Syrian military police chief al-Shalal defects. Finance chief Peter Gregg agreed.")


@pytest.mark.parametrize("question, span, other_role", [
    ("Who is the finance chief at Qantas?", "Geoff Dixon", True),  # a chief, but not of finance
    ("Who is the finance chief at Qantas?", "Qantas chief executive Geoff Dixon", True),  # the span's own role
    ("Who is the finance chief at Qantas?", "Peter Gregg", False),
    ("Who is the president of Syria?", "Lakhdar Brahimi", True),
    ("Who is the president of Syria?", "Bashar al-Assad", False),  # no role given before the name
    ("Who is the UN peace envoy for Syria?", "Lakhdar Brahimi", False),
    ("Who is the commander of Syria's military police?", "al-Shalal", False),  # "police chief": one kind of role
])
def test_asked_who_holds_a_role_a_name_the_article_gives_another_role_is_told_apart(question, span, other_role):
    start = ROLES.index(span)
    assert in_another_role(ROLES, start, start + len(span), asked_role(question)) is other_role


def test_only_a_question_asking_who_holds_a_role_names_one():
    assert asked_role("Who is the Aer Lingus chief executive leaving the airline early?") == {"chief", "executive"}
    assert asked_role("Who is the new chief economist of the OECD?") == {"chief", "economist"}  # "new" picks the holder
    assert asked_role("Who is the best?") is None and asked_role("Who met Brahimi?") is None
