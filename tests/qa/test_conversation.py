from qa.conversation import is_follow_up, substitute_pronoun


def test_person_pronouns_take_the_latest_person():
    referents = {"person": "al-Shalal", "place": "Harem"}
    assert substitute_pronoun("Where did he flee to?", referents) == "Where did al-Shalal flee to?"
    assert substitute_pronoun("What was his rank?", referents) == "What was al-Shalal's rank?"


def test_place_pronouns_take_the_latest_place():
    referents = {"place": "Harem"}
    assert substitute_pronoun("Where is it located?", referents) == "Where is Harem located?"
    assert substitute_pronoun("Who lives there?", referents) == "Who lives in Harem?"


def test_pronouns_without_a_referent_stay():
    assert substitute_pronoun("Where did he go?", {"place": "Harem"}) == "Where did he go?"


def test_follow_up_detection():
    assert is_follow_up("Why did he leave?")
    assert is_follow_up("And Brahimi?")
    assert not is_follow_up("Who is the commander of Syria's military police?")


def test_they_and_it_take_named_answers_of_which_questions():
    referents = {"people": "Aaron Foster and David Treacy", "thing": "Croke Park"}
    assert substitute_pronoun("In which city will they play?", referents) == \
        "In which city will Aaron Foster and David Treacy play?"
    assert substitute_pronoun("How big is it?", {"thing": "Croke Park"}) == "How big is Croke Park?"
    assert substitute_pronoun("Where does he study?", referents) == "Where does he study?"
