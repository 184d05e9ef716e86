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
