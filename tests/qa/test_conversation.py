import pytest

from qa.conversation import (Conversation, Turn, _kind_of, asked_noun_kind, is_follow_up, plural_subject,
                             question_subject, substitute_pronoun)
from qa.types import Answer


def test_person_pronouns_take_the_latest_person():
    referents = {"person": "al-Shalal", "place": "Harem"}
    assert substitute_pronoun("Where did he flee to?", referents) == ("Where did al-Shalal flee to?", "person", "al-Shalal")
    assert substitute_pronoun("What was his rank?", referents)[0] == "What was al-Shalal's rank?"


def test_place_pronouns_take_the_latest_place():
    referents = {"place": "Harem"}
    assert substitute_pronoun("Where is it located?", referents) == ("Where is Harem located?", "place", "Harem")
    assert substitute_pronoun("Who lives there?", referents)[0] == "Who lives in Harem?"


def test_pronouns_without_a_referent_stay():
    assert substitute_pronoun("Where did he go?", {"place": "Harem"}) == ("Where did he go?", None, None)


def test_pronouns_that_stand_for_nothing_stay():
    referents = {"thing": "Croke Park", "place": "Dublin"}
    assert substitute_pronoun("How long did it take to sell out?", referents) == \
        ("How long did it take to sell out?", None, None)
    assert substitute_pronoun("It was reported that they left where?", referents)[0] == \
        "It was reported that Croke Park left where?"
    assert substitute_pronoun("Is there a hospital there?", referents)[0] == "Is there a hospital in Dublin?"
    assert substitute_pronoun("Were there more shows?", referents)[0] == "Were there more shows?"
    # Where "there" ends the question it is a place again, and "it" before its own verb is a thing.
    assert substitute_pronoun("Who was there?", referents)[0] == "Who was in Dublin?"
    assert substitute_pronoun("What did it cost to put on?", {"thing": "Mary Poppins"})[0] == \
        "What did Mary Poppins cost to put on?"


def test_his_own_is_bound_by_a_subject_the_question_names_before_it():
    referents = {"person": "David Dunne"}
    assert substitute_pronoun("Is the prime minister planning to invade Iran, by his own account?", referents) == \
        ("Is the prime minister planning to invade Iran, by his own account?", None, None)
    assert substitute_pronoun("Did Blair say so in his own words?", referents)[0] == "Did Blair say so in his own words?"
    # Nothing named before it: "his own" is the referent's, as any "his" is.
    assert substitute_pronoun("Is his own party backing the plan?", referents)[0] == \
        "Is David Dunne's own party backing the plan?"


def test_they_stands_for_people_or_a_group_not_for_one_thing_named_by_a_singular_noun():
    assert substitute_pronoun("How long did it take for them all to go?", {"thing": "Croke Park stadium"}) == \
        ("How long did it take for them all to go?", None, None)
    assert substitute_pronoun("How long had the site been out of reach, according to them?",
                              {"thing": "media watchdog, Reporters Without Borders"})[0] == \
        "How long had the site been out of reach, according to media watchdog, Reporters Without Borders?"
    assert substitute_pronoun("When did they form?", {"thing": "U2"})[0] == "When did U2 form?"
    assert substitute_pronoun("Where did they meet?", {"thing": "the two leaders"})[0] == "Where did the two leaders meet?"
    # "It" still stands for the stadium.
    assert substitute_pronoun("How big is it?", {"thing": "Croke Park stadium"})[0] == "How big is Croke Park stadium?"


def test_follow_up_detection():
    assert is_follow_up("Why did he leave?")
    assert is_follow_up("And Brahimi?")
    assert not is_follow_up("Who is the commander of Syria's military police?")
    assert is_follow_up("Since when?") and not is_follow_up("Who met Brahimi?")


def test_a_question_that_points_back_with_the_and_names_nothing_is_a_follow_up():
    assert is_follow_up("How many chart-topping singles have the trio had?")
    assert is_follow_up("What was the film rumoured to have cost to make?")
    # A name of its own makes it a new question, whatever "the" it has.
    assert not is_follow_up("What is the population of Kirkcaldy?")
    assert not is_follow_up("Who put the Reds in front?")


def test_they_and_it_take_named_answers_of_which_questions():
    referents = {"people": "Aaron Foster and David Treacy", "thing": "Croke Park"}
    assert substitute_pronoun("In which city will they play?", referents)[0] == \
        "In which city will Aaron Foster and David Treacy play?"
    assert substitute_pronoun("How big is it?", {"thing": "Croke Park"})[0] == "How big is Croke Park?"
    assert substitute_pronoun("Where does he study?", referents)[0] == "Where does he study?"


def test_which_questions_ask_for_a_person_or_a_thing_by_their_noun():
    assert asked_noun_kind("Which Kenyan rival did she outsprint at the end?") == "person"
    assert asked_noun_kind("Which two British gamers won places on the tour?") == "person"
    assert asked_noun_kind("Which marathon did Paula Radcliffe win?") == "thing"
    assert asked_noun_kind("In which city will they play the first leg?") == "thing"
    assert asked_noun_kind("What did he discuss with the president?") is None


def test_a_capitalised_answer_to_a_thing_question_is_no_person_to_stand_for_he_or_she():
    assert _kind_of("which", "Flora London Marathon", "Which marathon did Paula Radcliffe win?") == "thing"
    assert _kind_of("which", "David Dunne", "Which student asked Tony Blair about his integrity?") == "person"
    # No noun to go by: the answer's shape decides, as before.
    assert _kind_of("what", "David Dunne", "What did the minister call him?") == "person"


@pytest.mark.parametrize("question, subject", [
    ("Which marathon did Paula Radcliffe win in her first race?", "Paula Radcliffe"),
    ("Which publisher did David Blunkett say he fell in love with?", "David Blunkett"),
    ("In which city did Darren Campbell win the European title?", "Darren Campbell"),
    ("Which student asked Tony Blair about his integrity?", None),  # the subject is what is asked
    ("What growth does the OECD expect?", None),  # one word: a body, not a he or she
    ("When did The Rolling Stones tour?", None),
    ("Did Paula Radcliffe win?", None),  # a yes/no question asks no one's deed
])
def test_the_subject_an_inverted_question_names(question, subject):
    assert question_subject(question) == subject


def _answered(question: str, short_answer: str, question_type: str) -> Turn:
    return Turn(question, Answer(question=question, text=f"{short_answer} [1].", abstained=False,
                                 short_answer=short_answer, question_type=question_type))


def test_he_stays_with_the_subject_the_last_question_named_not_its_answer():
    conversation = Conversation(assistant=None, turns=[
        _answered("Which publisher did David Blunkett say he fell in love with?", "Kimberly Quinn", "which")])
    assert conversation.resolve("Who is looking into the claim that he sped up a visa?")[0] == \
        "Who is looking into the claim that David Blunkett sped up a visa?"


def test_he_is_the_answer_where_the_last_question_asked_for_its_subject():
    conversation = Conversation(assistant=None, turns=[
        _answered("Which student asked Tony Blair about his integrity?", "David Dunne", "which")])
    assert conversation.resolve("Where does he study?")[0] == "Where does David Dunne study?"


@pytest.mark.parametrize("question, subject", [
    ("How long have rebels been fighting the Syrian government?", "rebels"),
    ("Why did the protesters block the road?", "the protesters"),
    ("What did the unnamed security source confirm?", None),  # singular
    ("Where were its offices?", None),  # a pronoun's, not a noun of its own
    ("Did rebels seize the town?", None),  # a yes/no question asks no one's deed
])
def test_the_plural_common_noun_an_inverted_question_names_as_its_subject(question, subject):
    assert plural_subject(question) == subject


def test_they_stands_for_the_people_the_last_question_was_about():
    conversation = Conversation(assistant=None, turns=[
        _answered("How long have rebels been fighting the Syrian government?", "21 months", "how_long")])
    assert conversation.resolve("What are they demanding?")[0] == "What are rebels demanding?"
    assert conversation.resolve("How does the government describe their uprising?")[0] == \
        "How does the government describe rebels' uprising?"
