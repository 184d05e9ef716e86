"""A real `qa serve` on loopback and Debian's Chromium driven by Playwright (never a downloaded browser)."""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REPO, copy_seeds
from tests.ui.server import running_server

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


@pytest.fixture
def open_page(browser, server_url):
    """Factory: a fresh browser context (its own Gradio session) on the chat page, checked on teardown."""
    from tests.ui.chat_page import ChatPage

    contexts, guards = [], []

    def factory() -> ChatPage:
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        page = context.new_page()
        contexts.append(context)
        guards.append(PageGuard(page))
        return ChatPage.open(page, server_url)

    yield factory
    for context in contexts:
        context.close()
    for guard in guards:
        guard.check()


@pytest.fixture
def artifacts() -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS
