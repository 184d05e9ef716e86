"""The chat page as a user sees it: a small page object over Playwright."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

ACCEPT_TIMEOUT_MS = 15_000
ANSWER_TIMEOUT_MS = 60_000
INDEX_TIMEOUT_MS = 180_000
FINISHED = "#qa-chat .qa-answer:not(.qa-pending):not(.qa-streaming)"
# Clicks the Articles tab from inside the page and times, with the page's own clock, until rows are
# on screen.
OPEN_ARTICLES_JS = """
async () => {
  const tab = [...document.querySelectorAll('[role=tab]')].find((t) => t.innerText.trim() === 'Articles');
  const started = performance.now();
  tab.click();
  await new Promise((resolve) => {
    const check = () => {
      const row = document.querySelector('#qa-articles .qa-row');
      if (row && row.getClientRects().length) resolve(); else requestAnimationFrame(check);
    };
    check();
  });
  return performance.now() - started;
}
"""
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
        """Opens the Articles tab; the text of the list's current page."""
        self.page.get_by_role("tab", name="Articles").click()
        self.page.locator("#qa-articles .qa-articles").wait_for()
        return self.page.locator("#qa-articles .qa-articles").inner_text()

    def time_articles_open(self) -> float:
        """Milliseconds from a click on the Articles tab until rows of the list are on screen."""
        return self.page.evaluate(OPEN_ARTICLES_JS)

    def search_articles(self, text: str) -> str:
        self.show_articles()
        self.page.fill("#qa-article-search textarea, #qa-article-search input", text)
        shown = f"matching “{text}”" if text else " articles"
        self.page.locator("#qa-articles .qa-shown", has_text=shown).wait_for(timeout=ACCEPT_TIMEOUT_MS)
        return self.page.locator("#qa-articles .qa-articles").inner_text()

    def article_row(self, article_id: str):
        """The row of ``article_id``, found through the search box."""
        self.search_articles(article_id)
        return self.page.locator("#qa-articles .qa-row").filter(
            has=self.page.locator(".qa-doc-id").get_by_text(article_id, exact=True))

    def upload(self, *paths: Path) -> str:
        """The status message shown once the upload has been indexed or rejected."""
        self.show_articles()
        previous = self._status()
        self.page.set_input_files("#qa-upload input[type=file]", [str(p) for p in paths])
        return self._new_status(previous)

    def remove(self, article_id: str) -> str:
        """Removes through the article's row, confirming in the row."""
        row = self.article_row(article_id)
        previous = self._status()
        row.locator("a.qa-rm").click()
        row.locator("a.qa-danger", has_text="Remove").click()
        message = self._new_status(previous)
        if message.startswith("Removed"):  # the list is refreshed once the index is
            self.page.locator("#qa-articles .qa-none").wait_for(timeout=ACCEPT_TIMEOUT_MS)
        return message

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

    # ----- layout -----------------------------------------------------------------------
    def controls_missing_clicks(self) -> list[str]:
        """Every visible control whose centre, once scrolled into view, is covered by something else."""
        return self.page.evaluate(CONTROLS_JS)


# A control is anything a user can click or type into. Each is scrolled into view (scroll boxes
# included) and must be the element found at its own centre, or contain it.
CONTROLS_JS = """
() => {
  const selector = 'button, a[href], input:not([type=hidden]), textarea, select, [role=tab], [role=button], summary';
  const missed = [];
  for (const control of document.querySelectorAll(selector)) {
    const style = getComputedStyle(control);
    if (!control.getClientRects().length || style.visibility === 'hidden' || control.closest('[aria-hidden=true]')) continue;
    const first = control.getBoundingClientRect();
    if (first.width < 2 || first.height < 2) continue;
    control.scrollIntoView({block: 'center', inline: 'center'});
    const box = control.getBoundingClientRect();
    const hit = document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
    const labels = control.labels ? [...control.labels] : [];
    if (!hit || !(control === hit || control.contains(hit) || labels.some((l) => l.contains(hit)))) {
      const name = (control.innerText || control.getAttribute('aria-label') || control.getAttribute('placeholder') || '').trim().slice(0, 40);
      const where = hit ? hit.tagName.toLowerCase() + (hit.id ? '#' + hit.id : '') + '.' + [...hit.classList].join('.') : 'nothing';
      missed.push(`${control.tagName.toLowerCase()} "${name}" is covered by ${where}`);
    }
  }
  window.scrollTo(0, 0);
  return missed;
}
"""
