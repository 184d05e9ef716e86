"""The chat page as a user sees it: a small page object over Playwright."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ACCEPT_TIMEOUT_MS = 15_000
ANSWER_TIMEOUT_MS = 60_000
INDEX_TIMEOUT_MS = 180_000
FINISHED = "#qa-chat .qa-answer:not(.qa-pending):not(.qa-streaming)"
STATUS_JS = "() => [...document.querySelectorAll('#qa-status .qa-ok, #qa-status .qa-problem')].map(e => e.innerText).join('\\n')"


@dataclass
class ChatPage:
    page: object

    @classmethod
    def open(cls, page, url: str) -> "ChatPage":
        page.goto(url)
        page.wait_for_selector("#qa-question textarea")
        page.wait_for_selector("#qa-header .qa-count")  # filled by the page's first call to the server
        return cls(page)

    # ----- chat -------------------------------------------------------------------------
    def send(self, question: str) -> None:
        """Submit without waiting for the answer, once the page has taken the question."""
        from playwright.sync_api import TimeoutError

        asked = self.page.locator("#qa-chat .qa-question").count()
        box = self.page.locator("#qa-question textarea")
        # Just after loading, the page can drop a keystroke before its listeners are attached;
        # an accepted question shows at once, so a missing one is safe to send again.
        for attempt in range(2):
            box.fill(question)
            box.press("Enter")
            try:
                self.page.wait_for_function(
                    "n => document.querySelectorAll('#qa-chat .qa-question').length > n", arg=asked,
                    timeout=ACCEPT_TIMEOUT_MS)
                return
            except TimeoutError:
                if attempt:
                    raise

    def wait_for_answers(self, count: int):
        """The last answer bubble, once ``count`` answers are complete and none is still streaming."""
        self.page.wait_for_function(
            """([selector, count]) => document.querySelectorAll(selector).length >= count
                 && !document.querySelector('#qa-chat .qa-pending, #qa-chat .qa-streaming')""",
            arg=[FINISHED, count], timeout=ANSWER_TIMEOUT_MS,
        )
        return self.page.locator(FINISHED).last

    def ask(self, question: str):
        before = self.page.locator(FINISHED).count()
        self.send(question)
        return self.wait_for_answers(before + 1)

    def questions(self) -> list[str]:
        return self.page.locator("#qa-chat .qa-question").all_inner_texts()

    # ----- reader -----------------------------------------------------------------------
    def open_citation(self, answer, n: int = 1):
        answer.locator("a.qa-ref", has_text=f"[{n}]").first.click()
        return self.highlight()

    def highlight(self):
        mark = self.page.locator("#qa-reader mark.qa-hl")
        mark.wait_for(timeout=ANSWER_TIMEOUT_MS)
        return mark

    def reader_text(self) -> str:
        return self.page.inner_text("#qa-reader")

    # ----- articles ---------------------------------------------------------------------
    def show_articles(self) -> str:
        self.page.get_by_role("tab", name="Articles").click()
        return self.page.locator("#qa-articles .qa-articles").inner_text()

    def upload(self, *paths: Path) -> str:
        """The status message shown once the upload has been indexed or rejected."""
        self.show_articles()
        previous = self._status()
        self.page.set_input_files("#qa-upload input[type=file]", [str(p) for p in paths])
        return self._new_status(previous)

    def remove(self, article_id: str) -> str:
        self.show_articles()
        previous = self._status()
        choice = self.page.locator("#qa-remove-choice input")
        choice.click()
        choice.fill(article_id)
        self.page.get_by_role("option", name=article_id).first.click()
        self.page.click("#qa-remove")
        return self._new_status(previous)

    def _status(self) -> str:
        # Only the messages: while indexing, Gradio's progress overlay adds its own text.
        return self.page.evaluate(STATUS_JS)

    def _new_status(self, previous: str) -> str:
        """Waits for a status message other than ``previous`` (each step in a test says something new)."""
        self.page.wait_for_function(f"previous => {{ const text = ({STATUS_JS})(); return text && text !== previous; }}",
                                    arg=previous, timeout=INDEX_TIMEOUT_MS)
        return self._status()

    def screenshot(self, path: Path) -> Path:
        self.page.screenshot(path=str(path))
        return path
