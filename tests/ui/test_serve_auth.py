"""A real `qa serve --behind-proxy` with accounts: the network code path, bound to loopback.

Every test speaks plain HTTP to it (or drives Chromium), as someone on the network would. Each
test sends its own X-Forwarded-For address, which the server trusts from loopback as it would
from a reverse proxy, so one test's bad logins never slow another's."""
from __future__ import annotations

import json
import secrets
import time
from pathlib import Path

import pytest

from tests.conftest import copy_seeds
from tests.ui.server import running_server
from ui.access import READ_ONLY_MESSAGE
from ui.auth import hash_password

pytestmark = pytest.mark.slow

SEED_ID = "000_0226462cf7c6313f.txt"
SEED_TITLE = "Syrian military police chief al-Shalal defects"
EDITOR, READER = ("alice", "wonderland"), ("bob", "builder")
CALL_TIMEOUT = 120


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    workspace = tmp_path_factory.mktemp("auth-server")
    corpus = copy_seeds(workspace / "seeds")
    users = workspace / "users"
    users.write_text(f"{EDITOR[0]}:{hash_password(EDITOR[1])}\n{READER[0]}:{READER[1]}:read-only\n", encoding="utf-8")
    with running_server(corpus, workspace / "serve.log", "--behind-proxy", "--auth-file", str(users)) as url:
        yield url, corpus


class Visitor:
    """One HTTP client (its own cookies) coming from its own address."""

    def __init__(self, url: str, address: str):
        import httpx

        self.http = httpx.Client(base_url=url, headers={"X-Forwarded-For": address}, timeout=CALL_TIMEOUT)
        self.session_hash = secrets.token_hex(8)

    def peek(self, method: str, path: str, **kwargs) -> tuple[int, str]:
        """The status, and the body of a refusal: a stream that was let through is never waited for."""
        with self.http.stream(method, path, **kwargs) as response:
            body = response.read() if response.status_code in (401, 403) else b""
            return response.status_code, body.decode("utf-8", errors="replace")

    def login(self, user: str, password: str):
        return self.http.post("/login", data={"username": user, "password": password})

    def handler(self, name: str) -> int:
        """The fn_index of the page's handler ``name`` (its API name: the function's, or "chat")."""
        config = self.http.get("/config").json()
        return next(d["id"] for d in config["dependencies"] if d.get("api_name") == name)

    def open_page(self) -> None:
        """What the page does on load: list the articles, restore no history."""
        assert self.call(self.handler("load"), [None, None])["success"]

    def join(self, fn_index: int, data: list, event_data: dict | None = None):
        return self.http.post("/gradio_api/queue/join", json={
            "data": data, "fn_index": fn_index, "session_hash": self.session_hash, "event_data": event_data})

    def results(self, count: int) -> list[dict]:
        """The next ``count`` completed events of this session, in order of completion."""
        done = []
        with self.http.stream("GET", "/gradio_api/queue/data", params={"session_hash": self.session_hash}) as stream:
            for line in stream.iter_lines():
                if line.startswith("data:"):
                    message = json.loads(line[5:])
                    if message.get("msg") == "process_completed":
                        done.append(message)
                        if len(done) == count:
                            break
        return done

    def call(self, fn_index: int, data: list, event_data: dict | None = None) -> dict:
        joined = self.join(fn_index, data, event_data)
        assert joined.status_code == 200, joined.text
        return self.results(1)[0]

    def upload(self, files: list[dict]) -> dict:
        """The page's upload handler, as the page calls it: the files, an empty search, no session."""
        return self.call(self.handler("do_upload"), [files, "", None])

    def remove(self, article_id: str) -> dict:
        """The page's removal, as a row's confirmed Remove link calls it."""
        return self.call(self.handler("do_remove"), ["", None], {"article": article_id})

    def upload_file(self, name: str, text: str) -> dict:
        response = self.http.post("/gradio_api/upload", files={"files": (name, text.encode("utf-8"), "text/plain")})
        assert response.status_code == 200, response.text
        return {"path": response.json()[0], "orig_name": name, "meta": {"_type": "gradio.FileData"}}


def article_files(corpus: Path) -> list[str]:
    return sorted(p.relative_to(corpus).as_posix() for p in corpus.rglob("*")
                  if p.is_file() and ".qa-cache" not in p.parts)


def signed_in(url: str, address: str, account: tuple[str, str]) -> Visitor:
    visitor = Visitor(url, address)
    assert visitor.login(*account).status_code == 200
    return visitor


def test_without_a_session_only_the_login_form_is_served(served):
    url, corpus = served
    visitor = Visitor(url, "198.51.100.10")
    page = visitor.http.get("/")
    assert page.status_code == 200 and '"auth_required":true' in page.text.replace(" ", "")
    assert SEED_TITLE not in page.text and "qa-upload" not in page.text
    assert page.headers["content-security-policy"] == "frame-ancestors 'none'"
    assert page.headers["x-frame-options"] == "DENY"
    assert visitor.http.get("/theme.css").status_code == 200


def test_every_data_route_refuses_a_request_without_the_session(served):
    url, corpus = served
    alice = signed_in(url, "198.51.100.18", EDITOR)  # only to learn the page's event numbers and cookie
    remove, upload = alice.handler("do_remove"), alice.handler("do_upload")
    anonymous = Visitor(url, "198.51.100.11")
    article = corpus / SEED_ID
    queue_join = {"data": ["", None], "fn_index": remove, "session_hash": "x", "event_data": {"article": SEED_ID}}
    chat_call = {"json": {"data": ["Who met Brahimi?", None]}}
    refused = {
        "config": anonymous.peek("GET", "/config"),
        "api info": anonymous.peek("GET", "/gradio_api/info"),
        "openapi": anonymous.peek("GET", "/gradio_api/openapi.json"),
        "article file": anonymous.peek("GET", f"/gradio_api/file={article}"),
        "upload": anonymous.peek("POST", "/gradio_api/upload", files={"files": ("a.txt", b"Title\n\nText.")}),
        "remove (queue)": anonymous.peek("POST", "/gradio_api/queue/join", json=queue_join),
        "upload (queue)": anonymous.peek("POST", "/gradio_api/queue/join", json={**queue_join, "fn_index": upload, "data": [[], "", None]}),
        "chat (named API)": anonymous.peek("POST", "/gradio_api/call/chat", **chat_call),
        "chat (run)": anonymous.peek("POST", "/gradio_api/run/chat", **chat_call),
        "queue data": anonymous.peek("GET", "/gradio_api/queue/data", params={"session_hash": "x"}),
        "heartbeat": anonymous.peek("GET", "/gradio_api/heartbeat/x"),
        "cancel": anonymous.peek("POST", "/gradio_api/cancel", json={"session_hash": "x", "fn_index": 0, "event_id": "e"}),
        "unknown route": anonymous.peek("GET", "/gradio_api/anything-new"),
    }
    assert {name: status for name, (status, _) in refused.items() if status not in (401, 403)} == {}
    assert all(SEED_TITLE not in body for _, body in refused.values())
    forged = Visitor(url, "198.51.100.11")
    for name in alice.http.cookies.keys():
        forged.http.cookies.set(name, secrets.token_urlsafe(16))
    assert alice.http.cookies.keys() and forged.http.get("/config").status_code == 401
    assert article_files(corpus) == [SEED_ID]


def test_wrong_passwords_and_unknown_users_get_the_same_slower_answer(served):
    url, _ = served
    visitor = Visitor(url, "198.51.100.12")
    answers, times = [], []
    for user, password in [("alice", "wrong"), ("nobody", "wrong"), ("alice", "wronger"), ("nobody2", "x")]:
        started = time.perf_counter()
        response = visitor.login(user, password)
        times.append(time.perf_counter() - started)
        answers.append((response.status_code, response.text, list(response.cookies.keys())))
    assert answers == [(400, '{"detail":"Incorrect credentials."}', [])] * 4
    # login_delay_s = 0.5 doubles per failure: 0, 0.5, 1, 2 s before the 1st to 4th answers.
    assert times[1] >= 0.5 and times[2] >= 1.0 and times[3] >= 2.0
    started = time.perf_counter()
    assert Visitor(url, "198.51.100.13").login("nobody", "wrong").status_code == 400
    assert time.perf_counter() - started < 0.5 * times[3]  # another client is not slowed by this one


def test_an_editor_signs_in_asks_uploads_and_removes(served):
    url, corpus = served
    alice = signed_in(url, "198.51.100.14", EDITOR)
    assert alice.http.get("/config").status_code == 200
    answer = alice.call(alice.handler("chat"), ["Who met Brahimi?", None])
    assert answer["success"] and "Assad" in json.dumps(answer["output"]["data"])
    upload = alice.upload([alice.upload_file("dam.txt", "Karsfeld dam opens\n\nEngineers opened the dam on Monday.")])
    assert upload["success"], upload
    assert article_files(corpus) == [SEED_ID, "uploads/dam.txt"]
    removed = alice.remove("uploads/dam.txt")
    assert removed["success"], removed
    assert article_files(corpus) == [SEED_ID]


def test_a_reader_cannot_upload_or_remove_even_through_the_api(served):
    url, corpus = served
    bob = signed_in(url, "198.51.100.15", READER)
    bob.open_page()
    answer = bob.call(bob.handler("chat"), ["Who met Brahimi?", None])
    assert answer["success"] and "Assad" in json.dumps(answer["output"]["data"])
    refused = bob.http.post("/gradio_api/upload", files={"files": ("x.txt", b"Title\n\nText.")})
    assert refused.status_code == 403 and "read-only" in refused.text
    # A file an editor put on the server, handed to the upload handler by the reader:
    # the same call that works for the editor above.
    alice = signed_in(url, "198.51.100.16", EDITOR)
    staged = alice.upload_file("planted.txt", "Planted\n\nThis must not be indexed.")
    for call in (bob.upload([staged]), bob.remove(SEED_ID)):
        assert not call["success"] and call["output"]["error"] == READ_ONLY_MESSAGE, call
    assert article_files(corpus) == [SEED_ID]


def test_one_session_gets_busy_beyond_its_share(served):
    url, _ = served
    alice = signed_in(url, "198.51.100.17", EDITOR)
    chat = alice.handler("chat")
    for _ in range(5):
        assert alice.join(chat, ["Who met Brahimi?", None]).status_code == 200
    results = alice.results(5)
    busy = [r for r in results if not r["success"]]
    assert 1 <= len(results) - len(busy) <= 2  # max_concurrent_per_session = 2
    assert busy and all(r["output"]["error"].startswith("Busy:") for r in busy)


def signed_in_page(browser, url: str, account: tuple[str, str], wrong_first: bool = False):
    """A fresh browser context on the login form; signs in (after a wrong password if asked)."""
    from tests.ui.chat_page import ChatPage
    from tests.ui.conftest import PageGuard

    context = browser.new_context(viewport={"width": 1400, "height": 900})
    page = context.new_page()
    guard = PageGuard(page)
    page.goto(url)
    attempts = [(account[0], account[1] + "-wrong")] if wrong_first else []
    for user, password in [*attempts, account]:
        page.locator("input[type=text]").fill(user)
        page.locator("input[type=password]").fill(password)
        page.get_by_role("button", name="Login").click()
        if password != account[1]:
            page.get_by_text("Incorrect Credentials").wait_for()
            assert page.locator("#qa-question").count() == 0
    page.wait_for_selector("#qa-question textarea")
    page.wait_for_selector("#qa-header .qa-count")
    return context, guard, ChatPage(page)


@pytest.mark.browser
def test_browser_signs_in_with_the_right_password_only(served, browser, artifacts):
    url, _ = served
    context, guard, chat = signed_in_page(browser, url, EDITOR, wrong_first=True)
    try:
        assert "Assad" in chat.ask("Who met Brahimi?").inner_text()
        chat.show_articles()
        chat.page.locator("#qa-upload").wait_for(state="visible")
        assert chat.page.locator("#qa-articles a.qa-rm").first.is_visible()
        chat.screenshot(artifacts / "signed-in-editor.png")
    finally:
        context.close()
    guard.check()


@pytest.mark.browser
def test_a_reader_sees_no_upload_or_remove_controls(served, browser, artifacts):
    url, _ = served
    context, guard, chat = signed_in_page(browser, url, READER)
    try:
        assert SEED_TITLE in chat.show_articles()
        chat.page.locator("#qa-upload").wait_for(state="hidden")
        chat.page.wait_for_timeout(1000)  # and it stays hidden once every load event has run
        assert not chat.page.locator("#qa-upload").is_visible()
        assert chat.page.locator("#qa-articles a.qa-rm").count() == 0  # no row offers Remove
        assert chat.page.locator("#qa-articles a.qa-scope-add").count() == 1  # but scoping is for everyone
        chat.screenshot(artifacts / "signed-in-reader.png")
    finally:
        context.close()
    guard.check()
