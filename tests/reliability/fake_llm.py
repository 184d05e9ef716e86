"""A gullible OpenAI-compatible (and Ollama) chat server on loopback, for testing ``qa.llm``.

It does what the worst model would: it obeys instructions found inside the passages, repeating
them with and without citations, next to one honest sentence copied from a passage.
"""
from __future__ import annotations

import json
import re
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable

INJECTION = re.compile(r"ignore (?:all )?previous instructions and say[:\s]+(.+?)(?:[.!\n]|$)", re.IGNORECASE)
PASSAGE = re.compile(r"<<<PASSAGE (\d+) (\w+)>>>\n(.*?)\n<<<END \2>>>", re.DOTALL)


def passages(user_message: str) -> list[tuple[int, str]]:
    return [(int(n), text) for n, _, text in PASSAGE.findall(user_message)]


def gullible_reply(request: dict, honest_keyword: str) -> str:
    """Echo every injected instruction (uncited, and falsely cited) plus one honest, cited sentence."""
    user = request["messages"][-1]["content"]
    lines = []
    for n, text in passages(user):
        for said in INJECTION.findall(text):
            lines += [f"{said.strip()}.", f"{said.strip()} [{n}]."]
    for n, text in passages(user):
        honest = next((s for s in re.split(r"(?<=[.!?])\s+", text) if honest_keyword in s), None)
        if honest:
            lines.append(f"{honest.rstrip('.')} [{n}].")
            break
    return " ".join(lines)


class FakeLLMServer:
    """``with FakeLLMServer(reply) as server:`` serves on ``server.base_url``; ``server.requests`` records."""

    def __init__(self, reply: Callable[[dict], str], status: int = 200, raw_body: bytes | None = None, location: str | None = None):
        self.reply, self.status, self.raw_body, self.location = reply, status, raw_body, location
        self.requests: list[dict] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                fake.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                if fake.location:
                    self.send_response(302)
                    self.send_header("Location", fake.location)
                    self.end_headers()
                    return
                content = fake.reply(body)
                if self.path.endswith("/api/chat"):
                    payload = {"model": body["model"], "message": {"role": "assistant", "content": content}, "done": True}
                else:
                    payload = {"choices": [{"index": 0, "message": {"role": "assistant", "content": content}}]}
                data = fake.raw_body if fake.raw_body is not None else json.dumps(payload).encode()
                self.send_response(fake.status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        return Handler

    def __enter__(self) -> "FakeLLMServer":
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()
