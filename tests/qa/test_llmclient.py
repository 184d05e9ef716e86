"""The one LLM client, as the writer and the eval judge both use it: only the configured server,
no redirects, no proxies, a capped reply. Served by a fake server on loopback."""
import socket

import pytest

from eval.judge import judge_from_settings
from qa import LLMClient, QAError, Settings
from qa.llmclient import MAX_REPLY_BYTES
from tests.reliability.fake_llm import FakeLLMServer

MESSAGES = [{"role": "user", "content": "Say hi."}]


def client_for(server: FakeLLMServer, backend: str = "openai") -> LLMClient:
    base = f"{server.url}/v1" if backend == "openai" else server.url
    return LLMClient(Settings(llm_backend=backend, llm_model="m", llm_base_url=base, llm_api_key="k"))


@pytest.mark.parametrize("backend,path", [("openai", "/v1/chat/completions"), ("ollama", "/api/chat")])
def test_both_wire_formats(backend, path):
    with FakeLLMServer(lambda request: "hi") as server:
        assert client_for(server, backend)(MESSAGES) == "hi"
    assert server.requests[0]["path"] == path
    assert server.requests[0]["body"]["messages"] == MESSAGES


def test_redirects_are_refused_and_the_other_host_never_contacted():
    with FakeLLMServer(lambda request: "0.9") as elsewhere:
        with FakeLLMServer(lambda request: "unused", location=f"{elsewhere.url}/v1/chat/completions") as server:
            with pytest.raises(QAError, match="answered HTTP 302"):
                client_for(server)(MESSAGES)
            judge = judge_from_settings(Settings(llm_backend="openai", llm_model="m", llm_base_url=f"{server.url}/v1"))
            assert judge.faithfulness("x [1]", {1: "x"}) is None
    assert elsewhere.requests == []


def test_proxy_variables_are_ignored(monkeypatch):
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))
        dead_proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"):
        monkeypatch.setenv(name, dead_proxy)
    monkeypatch.delenv("no_proxy", raising=False)
    monkeypatch.delenv("NO_PROXY", raising=False)
    with FakeLLMServer(lambda request: "0.5") as server:
        assert client_for(server)(MESSAGES) == "0.5"
        judge = judge_from_settings(Settings(llm_backend="openai", llm_model="m", llm_base_url=f"{server.url}/v1"))
        assert judge.faithfulness("x [1]", {1: "x"}) == 0.5


def test_an_oversized_reply_is_refused():
    huge = b'{"choices": [{"message": {"content": "' + b"a" * MAX_REPLY_BYTES + b'"}}]}'
    with FakeLLMServer(lambda request: "unused", raw_body=huge) as server:
        with pytest.raises(QAError, match="reply over"):
            client_for(server)(MESSAGES)


def test_the_judge_is_the_same_client():
    judge = judge_from_settings(Settings(llm_backend="ollama", llm_model="m"))
    assert isinstance(judge.client, LLMClient) and judge.client.url == "http://127.0.0.1:11434/api/chat"
