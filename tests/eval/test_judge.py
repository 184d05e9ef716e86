"""The optional LLM judge, against a loopback stand-in for an OpenAI-compatible server."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import pytest

from eval.judge import judge_from_settings
from qa import Settings


@pytest.fixture
def server():
    seen = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append((self.path, body, self.headers.get("Authorization")))
            reply = {"choices": [{"message": {"content": seen_reply[0]}}]}
            data = json.dumps(reply).encode()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args):
            pass

    seen_reply = ["Score: 0.5"]
    httpd = HTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}/v1", seen, seen_reply
    httpd.shutdown()


def test_no_llm_configured_means_no_judge():
    assert judge_from_settings(Settings()) is None


def test_judge_sends_quotes_and_answer_and_reads_the_score(server):
    url, seen, reply = server
    judge = judge_from_settings(Settings(llm_backend="openai", llm_model="m", llm_base_url=url, llm_api_key="k"))
    assert judge.faithfulness("He fled to Turkey [1].", {1: "He reportedly fled to Turkey."}) == 0.5
    path, body, auth = seen[0]
    assert path == "/v1/chat/completions" and auth == "Bearer k" and body["model"] == "m"
    assert "[1] He reportedly fled to Turkey." in body["messages"][0]["content"]
    reply[0] = "I cannot tell."
    assert judge.faithfulness("x [1]", {1: "y"}) is None


def test_unreachable_judge_gives_no_score():
    judge = judge_from_settings(Settings(llm_backend="openai", llm_model="m", llm_base_url="http://127.0.0.1:9"))
    assert judge.faithfulness("x [1]", {1: "y"}) is None
