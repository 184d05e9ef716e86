"""The chat page end to end: a real `qa serve`, Debian's Chromium, and what a user can see and click."""
from __future__ import annotations

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.slow]

BRAHIMI = "Who met Brahimi?"
SCREENSHOT = "chat-citation-highlighted.png"

NEW_ARTICLE = """Velloso Bridge reopens after repairs

The Velloso Bridge in Port Quillon reopened on Monday after eighteen months of repairs.

The bridge was first opened in 1931 by the engineer Tomasz Brandt, who designed its copper arches.

City officials said the repairs cost 12 million quillons.
"""

PAYLOAD_TITLE = 'Keepers <script>window.__pwned = "title"</script> strike <img src=x onerror="window.__pwned=\'title-img\'">'
PAYLOAD_ARTICLE = f"""{PAYLOAD_TITLE}

The lighthouse keepers of Port Quillon went on strike over unpaid overtime <img src=x onerror="window.__pwned='body-img'">.

The union leader Marta Velloso said the keepers had not been paid for eleven months. <script>window.__pwned = "body"; alert("xss")</script> ${{alert(4)}} {{{{constructor}}}} <svg onload="window.__pwned='svg'"></svg>

The harbour authority said it would meet the union next week.
"""
PAYLOAD_RECORD = ('{"title": "Ferry <img src=x onerror=window.__pwned=\'json\'> timetable", '
                  '"text": "The night ferry to Salt Island now leaves at 23:40 <b onmouseover=alert(1)>sharp</b>.", '
                  '"source": "<i>Harbour</i> Gazette", "date": "2024-05-01"}\n')


def test_who_met_brahimi_names_assad_with_a_citation(open_page):
    chat = open_page()
    chat.page.evaluate("""() => {
        window.__answerLengths = new Set();
        new MutationObserver(() => {
            const answers = document.querySelectorAll('#qa-chat .qa-answered');
            if (answers.length) window.__answerLengths.add(answers[answers.length - 1].textContent.length);
        }).observe(document.querySelector('#qa-chat'), {subtree: true, childList: true, characterData: true});
    }""")
    chat.send(BRAHIMI)
    answer = chat.wait_for_answers(1)

    assert chat.questions() == [BRAHIMI]
    assert "Assad" in answer.inner_text()
    assert answer.locator("a.qa-ref").count() >= 1
    sources = answer.locator(".qa-passages li")
    assert sources.count() >= 1
    assert "Brahimi" in sources.first.locator(".qa-quote").inner_text()
    assert "chars" in sources.first.locator(".qa-loc").inner_text()
    assert chat.page.evaluate("window.__answerLengths.size") >= 3, "the answer did not appear progressively"


def test_citation_opens_article_with_quote_highlighted(open_page, artifacts):
    chat = open_page()
    answer = chat.ask(BRAHIMI)
    quote = answer.locator(".qa-passages .qa-quote").first.inner_text()

    mark = chat.open_citation(answer, 1)

    assert mark.inner_text() == quote
    assert "Syrian military police chief" in chat.reader_text()
    body = chat.page.locator("#qa-reader .qa-doc-body").bounding_box()
    box = mark.bounding_box()
    assert body["y"] <= box["y"] and box["y"] + box["height"] <= body["y"] + body["height"], "highlight not scrolled into view"
    shot = chat.screenshot(artifacts / SCREENSHOT)
    assert shot.stat().st_size > 10_000


def test_follow_up_uses_the_earlier_turn(open_page):
    chat = open_page()
    first = "Who defected from the Syrian military police?"
    chat.ask(first)
    follow_up = chat.ask("Where did he flee to?")

    assert "Shalal" in follow_up.locator(".qa-note").inner_text()
    quotes = " ".join(follow_up.locator(".qa-quote").all_inner_texts())
    assert "Turkey" in quotes
    assert chat.questions() == [first, "Where did he flee to?"]

    chat.page.click("#qa-new")
    chat.page.wait_for_function("!document.querySelector('#qa-chat .qa-question')")
    fresh = chat.ask("Where did he flee to?")
    assert fresh.locator(".qa-note").count() == 0, "a new chat still used the old conversation"


def test_abstention_is_marked_and_offers_see_also(open_page):
    chat = open_page()
    answer = chat.ask("What is the capital of France?")

    assert "qa-abstain" in answer.get_attribute("class")
    assert answer.locator(".qa-badge").inner_text().lower() == "not in the articles"
    assert answer.locator(".qa-passages-h").inner_text().lower() == "see also"
    answer.locator("a.qa-cite").first.click()
    assert chat.highlight().inner_text() == answer.locator(".qa-quote").first.inner_text()


def test_uploaded_article_is_indexed_and_cited(open_page, tmp_path):
    chat = open_page()
    before = chat.show_articles()
    rejected = tmp_path / "scan.txt"
    rejected.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)))
    message = chat.upload(rejected)
    assert "Rejected 'scan.txt'" in message and "binary" in message
    assert chat.show_articles() == before, "a rejected upload changed the indexed articles"
    wrong_type = tmp_path / "notes.pdf"
    wrong_type.write_bytes(b"%PDF-1.4 notes")
    chat.page.set_input_files("#qa-upload input[type=file]", str(wrong_type))
    assert "Only .txt, .md, .html, .json, .jsonl allowed" in chat.page.locator(".toast-body").first.inner_text()

    article = tmp_path / "velloso-bridge.md"
    article.write_text(NEW_ARTICLE, encoding="utf-8")
    message = chat.upload(article)
    assert "velloso-bridge.md" in message
    assert "Velloso Bridge reopens after repairs" in chat.show_articles()

    answer = chat.ask("Who first opened the Velloso Bridge?")
    assert "Brandt" in answer.inner_text()
    assert "Velloso Bridge reopens after repairs" in answer.locator(".qa-cite-title").first.inner_text()
    assert "Tomasz Brandt" in chat.open_citation(answer, 1).inner_text()

    message = chat.remove("uploads/velloso-bridge.md")
    assert "Removed uploads/velloso-bridge.md" in message
    assert "Velloso Bridge" not in chat.show_articles()


def test_script_payloads_in_articles_do_not_run(open_page, tmp_path):
    chat = open_page()
    payloads = [tmp_path / "keepers.txt", tmp_path / "ferry.jsonl"]
    payloads[0].write_text(PAYLOAD_ARTICLE, encoding="utf-8")
    payloads[1].write_text(PAYLOAD_RECORD, encoding="utf-8")
    assert "keepers.txt" in chat.upload(*payloads)

    listing = chat.show_articles()
    assert PAYLOAD_TITLE in listing and "Ferry <img src=x" in listing
    chat.page.locator("#qa-articles a.qa-open", has_text="Ferry").click()
    chat.page.wait_for_selector("#qa-reader .qa-doc-title >> text=Ferry")
    assert "<b onmouseover=alert(1)>sharp</b>" in chat.reader_text()
    chat.page.hover("#qa-reader .qa-doc-body")

    answer = chat.ask("Why did the lighthouse keepers go on strike?")
    assert "over unpaid overtime <img src=x onerror=" in answer.inner_text()
    assert PAYLOAD_TITLE in answer.locator(".qa-cite-title").first.inner_text()
    # The quote opens in the reader, whether it is cited by the answer or offered under "see also".
    answer.locator("a.qa-cite").first.click()
    chat.highlight()
    reader = chat.reader_text()
    assert '<script>window.__pwned = "body"; alert("xss")</script>' in reader
    assert "${alert(4)} {{constructor}}" in reader

    assert chat.page.evaluate("window.__pwned") is None
    injected = chat.page.evaluate("""() => [...document.querySelectorAll('#qa-chat, #qa-reader, #qa-articles')]
        .map(e => e.querySelectorAll('script, img, svg[onload], b, i').length).reduce((a, b) => a + b, 0)""")
    assert injected == 0, "article markup reached the page as elements"


def test_two_sessions_see_only_their_own_conversation(open_page):
    alice, bob = open_page(), open_page()
    alice.send(BRAHIMI)
    bob.send("Who defected from the Syrian military police?")
    alice.wait_for_answers(1)
    bob.wait_for_answers(1)

    alice.send("What did he discuss?")
    bob.send("Where did he flee to?")
    alice_follow_up = alice.wait_for_answers(2)
    bob_follow_up = bob.wait_for_answers(2)

    assert alice.questions() == [BRAHIMI, "What did he discuss?"]
    assert bob.questions() == ["Who defected from the Syrian military police?", "Where did he flee to?"]
    assert "Assad" in alice_follow_up.locator(".qa-note").inner_text()
    assert "Assad" not in " ".join(bob_follow_up.locator(".qa-note").all_inner_texts())
    assert "Turkey" in bob_follow_up.inner_text()

