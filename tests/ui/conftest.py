"""A real `qa serve` on loopback and Debian's Chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import contextlib
import json
import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO, SHARED_DATA, copy_seeds
from tests.ui.server import START_TIMEOUT, running_server

CHROMIUM = Path(os.environ.get("QA_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = ["--no-sandbox", "--headless", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run"]
ARTIFACTS = REPO / "tests" / "artifacts"
LOCAL_SCHEMES = {"data", "blob", "about"}


@pytest.fixture(scope="session")
def chromium() -> Path:
    if not CHROMIUM.exists():
        pytest.skip(f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api", reason="playwright (python) is not installed")
    return CHROMIUM


@pytest.fixture(scope="session")
def server_url(chromium, tmp_path_factory) -> str:
    workspace = tmp_path_factory.mktemp("ui-server")
    corpus = copy_seeds(workspace / "seeds")
    with running_server(corpus, workspace / "serve.log") as url:
        yield url


# The Articles view and the page's controls are checked on a corpus of this many articles (plus the seed).
BIG_CORPUS_ARTICLES = 2_000
# Indexing the big corpus happens while `qa serve` starts: about 2,000 short chunks to embed.
# A raised QA_TEST_START_TIMEOUT (a machine busy with other work) raises this too.
BIG_START_TIMEOUT = max(600, START_TIMEOUT)
PARAGRAPH = "\n\n"


def write_big_corpus(target: Path, source: Path, count: int = BIG_CORPUS_ARTICLES) -> Path:
    """The seed article plus ``count`` distinct BBC articles as one JSONL file, each cut to its title and
    first paragraph: as many articles as a real corpus, at a fraction of the indexing time."""
    corpus = copy_seeds(target)
    seen: set[str] = set()
    with open(source, encoding="utf-8") as records, open(corpus / "bbc.jsonl", "w", encoding="utf-8") as out:
        for line in records:
            record = json.loads(line)
            title, _, body = record["text"].partition(PARAGRAPH)
            text = title + PARAGRAPH + body.partition(PARAGRAPH)[0]
            if text in seen:
                continue
            seen.add(text)
            out.write(json.dumps({"title": record["title"], "text": text, "source": record["source"]}) + "\n")
            if len(seen) == count:
                break
    if len(seen) < count:
        pytest.skip(f"{source} has only {len(seen)} distinct articles; {count} are needed")
    return corpus


@pytest.fixture(scope="session")
def big_corpus(chromium, tmp_path_factory) -> Path:
    source = SHARED_DATA / "bbc-news" / "articles.jsonl"
    if not source.is_file():
        pytest.skip(f"BBC News articles not found at {source} (set QA_SHARED_DATA)")
    return write_big_corpus(tmp_path_factory.mktemp("big") / "corpus", source)


@pytest.fixture(scope="session")
def big_server_url(big_corpus) -> str:
    with running_server(big_corpus, big_corpus.parent / "serve.log", start_timeout=BIG_START_TIMEOUT) as url:
        yield url


@pytest.fixture(scope="session")
def browser(chromium):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(chromium), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class PageGuard:
    """Records what must never happen in the page: outside requests, dialogs, uncaught errors."""

    def __init__(self, page):
        self.outside_requests: list[str] = []
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("request", self._request)
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda error: self.errors.append(str(error)))

    def _request(self, request) -> None:
        parts = urlsplit(request.url)
        if parts.scheme not in LOCAL_SCHEMES and parts.hostname not in {"127.0.0.1", "localhost"}:
            self.outside_requests.append(request.url)

    def _dialog(self, dialog) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def check(self) -> None:
        assert not self.outside_requests, f"the page tried to reach outside hosts: {self.outside_requests}"
        assert not self.dialogs, f"the page opened dialogs: {self.dialogs}"
        assert not self.errors, f"uncaught errors in the page: {self.errors}"


@contextlib.contextmanager
def _pages(browser, url: str):
    """A factory of fresh browser contexts (each its own Gradio session) on the page at ``url``;
    each page is checked for outside requests, dialogs and errors when the test ends."""
    from tests.ui.chat_page import ChatPage

    contexts, guards = [], []

    def factory(width: int = 1400, height: int = 900) -> ChatPage:
        # Clipboard permissions let a test read back what the Copy link wrote.
        context = browser.new_context(viewport={"width": width, "height": height},
                                      permissions=["clipboard-read", "clipboard-write"])
        page = context.new_page()
        contexts.append(context)
        guards.append(PageGuard(page))
        return ChatPage.open(page, url)

    yield factory
    for context in contexts:
        context.close()
    for guard in guards:
        guard.check()


@pytest.fixture
def open_page(browser, server_url):
    with _pages(browser, server_url) as factory:
        yield factory


@pytest.fixture
def open_big_page(browser, big_server_url):
    """The same on the 2,000-article corpus."""
    with _pages(browser, big_server_url) as factory:
        yield factory


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
