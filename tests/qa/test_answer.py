"""Answer composition on hand-made sentence hits (spaCy is real; nothing of ours is faked)."""
from index.retrieve import SentenceHit
from index.articles import Article
from qa.answer import causal_clause, compose, select_evidence, with_attribution
from qa.question import classify


def hit(text, score, article="a.txt", start=0):
    return SentenceHit(article, start, start + len(text), text, score, score, score, 0)


def test_evidence_keeps_near_best_sentences_and_drops_weak_and_redundant_ones():
    best = hit("The envoy met President Assad in Damascus.", 0.9)
    near = hit("The envoy held talks with opposition figures.", 0.7, start=100)
    repeat = hit("The envoy met President Assad in Damascus today.", 0.85, start=200)
    weak = hit("Rebels seized a town.", 0.3, start=300)
    assert select_evidence([best, repeat, near, weak], max_citations=3, threshold=0.4) == [best, near]
    assert select_evidence([best, near], max_citations=1, threshold=0.4) == [best]


def test_short_answer_leads_and_cites_the_sentence_it_comes_from():
    evidence = [hit("Officials said the talks were useful.", 0.8), hit("Lakhdar Brahimi met Bashar al-Assad in Damascus.", 0.7, start=50)]
    result = compose(classify("Who met Brahimi?"), "Who met Brahimi?", evidence)
    assert result.short_answer == "Bashar al-Assad"
    assert result.text.startswith("Bashar al-Assad [1].")
    assert result.short_answer in result.evidence[0].hit.text
    assert "Officials said the talks were useful. [2]" in result.text


def test_entities_named_in_the_question_are_not_answers():
    evidence = [hit("Lakhdar Brahimi travelled to Damascus.", 0.8)]
    result = compose(classify("Where did Lakhdar Brahimi travel?"), "Where did Lakhdar Brahimi travel?", evidence)
    assert result.short_answer == "Damascus"


def test_acronyms_named_in_the_question_are_not_answers():
    evidence = [hit("The UN envoy for Syria, Lakhdar Brahimi, arrived on Monday.", 0.8)]
    result = compose(classify("Who is the UN envoy for Syria?"), "Who is the UN envoy for Syria?", evidence)
    assert result.short_answer == "Lakhdar Brahimi"


def test_the_entity_right_beside_the_asked_phrase_wins_a_tie():
    # Both people are near words of the question; the one next to "envoy" is the envoy.
    evidence = [hit("President Bashar al-Assad met peace envoy Lakhdar Brahimi in Damascus.", 0.8)]
    result = compose(classify("Who is the peace envoy?"), "Who is the peace envoy?", evidence)
    assert result.short_answer == "Lakhdar Brahimi"


def test_disagreeing_sources_are_surfaced_with_citations():
    evidence = [
        hit("The game was played at Raymond James Stadium in Tampa, Florida.", 0.9, article="a.txt"),
        hit("The game was played at the stadium in Glendale, Arizona.", 0.85, article="b.txt"),
    ]
    result = compose(classify("Where was the game played?"), "Where was the game played?", evidence)
    assert result.conflicts
    assert "The sources disagree: others say Glendale, Arizona [2]." in result.text


def test_why_answers_lead_with_the_reason_clause():
    assert causal_clause("He said he had defected because the army committed massacres, officials said.") == \
        "because the army committed massacres"
    assert causal_clause("After the war ended, he left.") is None
    evidence = [hit("He quit because of the increased level of surveillance.", 0.8)]
    result = compose(classify("Why did he quit?"), "Why did he quit?", evidence)
    assert result.text.startswith("Because of the increased level of surveillance [1].")


def test_every_word_of_the_answer_comes_from_a_cited_sentence():
    evidence = [hit("Dozens of people were killed in Halfaya.", 0.8), hit("The strike hit a bakery.", 0.6, start=60)]
    result = compose(classify("How many people were killed?"), "How many people were killed?", evidence)
    for e in result.evidence:
        assert f"{e.hit.text} [{e.n}]" in result.text


def test_question_types():
    assert classify("Who met Brahimi?").type == "who"
    assert classify("Why did the general say he defected?").type == "why"
    assert classify("How many people died?").type == "how_many"
    assert classify("In which town did rebels claim gains?").type == "where"
    assert classify("When did he retire?").type == "when"
    assert classify("Did the source confirm it?").type == "yes_no"
    # Organisations are asked for by name too; "the group" as a subject is not such a question.
    assert classify("Which news agency reported it?").type == "who"
    assert classify("What is the group doing?").type == "what"


def test_a_quote_attributed_to_the_source_brings_the_sentence_naming_the_source():
    text = ("An unnamed Syrian security source confirmed the defection, Reuters reports. "
            "He was due to retire soon and joined to “play hero”, the source is quoted as saying.")
    article = Article("a.txt", "t", text)
    second = text.index("He was")
    quote = hit(text[second:], 0.8, start=second)
    expanded = with_attribution([quote], {"a.txt": article})
    assert [text[h.start:h.end] for h in expanded] == [
        "An unnamed Syrian security source confirmed the defection, Reuters reports.", text[second:]
    ]


def test_sentences_with_named_speakers_need_no_context():
    text = "Rain fell. The minister Ann Lee said the talks failed."
    start = text.index("The")
    sentence = hit(text[start:], 0.8, start=start)
    assert with_attribution([sentence], {"a.txt": Article("a.txt", "t", text)}) == [sentence]


def test_schedules_are_not_reasons_and_attributions_end_the_clause():
    assert causal_clause("He was due to retire soon, the source said.") is None
    assert causal_clause("Flights stopped due to the storm over the coast, the source is quoted as saying.") == \
        "due to the storm over the coast"


def test_disagreement_is_surfaced_even_without_a_typed_question():
    evidence = [
        hit("Tesla reported revenue of $6.04 billion in the second quarter of 2020.", 0.9, article="a.txt"),
        hit("Tesla reported revenue of $1.04 billion in the second quarter of 2020.", 0.88, article="b.txt"),
    ]
    result = compose(classify("What was Tesla's revenue in Q2 2020?"), "What was Tesla's revenue in Q2 2020?", evidence)
    assert result.short_answer is None
    assert "The sources disagree: $6.04 billion [1] or $1.04 billion [2]." in result.text
    assert result.conflicts == ["$6.04 billion", "$1.04 billion"]
