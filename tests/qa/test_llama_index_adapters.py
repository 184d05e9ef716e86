"""The assistant inside llama-index: real model, real FAISS index, llama-index's own types and engines."""
import asyncio
import os
import re
import subprocess
import sys

import pytest
from llama_index.core import Document, Settings
from llama_index.core.base.base_query_engine import BaseQueryEngine
from llama_index.core.base.base_retriever import BaseRetriever
from llama_index.core.base.response.schema import Response
from llama_index.core.query_engine import RetrieverQueryEngine
from llama_index.core.schema import NodeWithScore, TextNode

from qa.settings import Settings as QASettings
from qa import Assistant, QAError
from tests.conftest import REPO, copy_seeds

pytestmark = pytest.mark.slow

CITATION_KEYS = {"article", "title", "start", "end", "article_hash", "n"}
PASSAGE_KEYS = CITATION_KEYS - {"n"}


def assert_exact_nodes(assistant, nodes, keys):
    assert nodes
    for item in nodes:
        assert type(item) is NodeWithScore and type(item.node) is TextNode
        meta = item.node.metadata
        assert set(meta) == keys
        article = assistant.article(meta["article"])
        assert item.node.text == article.text[meta["start"]:meta["end"]]
        assert (item.node.start_char_idx, item.node.end_char_idx) == (meta["start"], meta["end"])
        assert meta["article_hash"] == article.hash and meta["title"] == article.title
        assert isinstance(item.score, float)


def test_query_engine_gives_the_answer_with_one_exact_source_node_per_citation(seed_assistant):
    engine = seed_assistant.as_query_engine()
    assert isinstance(engine, BaseQueryEngine)
    response = engine.query("Who met Brahimi?")
    answer = seed_assistant.ask("Who met Brahimi?")
    assert type(response) is Response
    assert response.response == answer.text
    assert_exact_nodes(seed_assistant, response.source_nodes, CITATION_KEYS)
    numbers = [node.metadata["n"] for node in response.source_nodes]
    assert numbers == list(range(1, len(answer.citations) + 1))
    assert numbers == sorted({int(n) for n in re.findall(r"\[(\d+)\]", response.response)})
    assert [node.node.text for node in response.source_nodes] == [c.quote for c in answer.citations]
    assert response.metadata["abstained"] is False
    assert "Assad" in response.metadata["short_answer"]


def test_abstention_is_a_response_marked_abstained_with_the_see_also_passages(seed_assistant):
    response = seed_assistant.as_query_engine().query("What is the capital of France?")
    assert response.metadata["abstained"] is True
    assert response.response.startswith("The articles don't say")
    assert_exact_nodes(seed_assistant, response.source_nodes, PASSAGE_KEYS)
    see_also = seed_assistant.ask("What is the capital of France?").see_also
    assert [(n.metadata["start"], n.metadata["end"]) for n in response.source_nodes] == [(p.start, p.end) for p in see_also]


def test_aquery_answers_like_query(seed_assistant):
    engine = seed_assistant.as_query_engine()

    async def both():
        return await asyncio.gather(engine.aquery("Where did the commander of Syria's military police flee?"),
                                    engine.aquery("What is the capital of France?"))

    found, abstained = asyncio.run(both())
    assert found.response == engine.query("Where did the commander of Syria's military police flee?").response
    assert "Turkey" in found.response and found.metadata["abstained"] is False
    assert_exact_nodes(seed_assistant, found.source_nodes, CITATION_KEYS)
    assert abstained.metadata["abstained"] is True


def test_query_engine_settings_change_the_answer_not_the_assistant(seed_assistant):
    never_sure = seed_assistant.settings.reader.replace(answer_threshold=1.01)
    assert seed_assistant.as_query_engine(reader=never_sure).query("Who met Brahimi?").metadata["abstained"]
    assert not seed_assistant.as_query_engine().query("Who met Brahimi?").metadata["abstained"]
    assert seed_assistant.settings.reader.answer_threshold < 1


@pytest.mark.parametrize("settings", [{"chunk_size": 50}, {"corpus_dir": "elsewhere"}, {"no_such_setting": 1}])
def test_settings_a_query_engine_cannot_change_are_refused(seed_assistant, settings):
    with pytest.raises(QAError, match="only answer settings"):
        seed_assistant.as_query_engine(**settings)


def test_retriever_gives_hybrid_hits_as_exact_nodes(seed_assistant):
    retriever = seed_assistant.as_retriever(k=3)
    assert isinstance(retriever, BaseRetriever)
    nodes = retriever.retrieve("Where did the commander of Syria's military police flee?")
    assert_exact_nodes(seed_assistant, nodes, PASSAGE_KEYS)
    passages = seed_assistant.retrieve("Where did the commander of Syria's military police flee?", k=3)
    assert [(n.metadata["start"], n.metadata["end"], n.score) for n in nodes] == [(p.start, p.end, p.score) for p in passages]
    again = asyncio.run(retriever.aretrieve("Where did the commander of Syria's military police flee?"))
    assert [n.node.node_id for n in again] == [n.node.node_id for n in nodes]


@pytest.mark.parametrize("k", [0, -2, 2.5, True])
def test_retriever_refuses_a_bad_k(seed_assistant, k):
    with pytest.raises(QAError, match="positive whole number"):
        seed_assistant.as_retriever(k=k)


def test_retriever_query_engine_runs_with_the_llm_set_to_none(seed_assistant, monkeypatch):
    # Were llama-index to fall back to its default LLM, it would import its OpenAI client: make that fail loudly.
    monkeypatch.setitem(sys.modules, "llama_index.llms.openai", None)
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    monkeypatch.setattr(Settings, "_llm", None)  # restored after the test; the next line sets MockLLM
    Settings.llm = None
    engine = RetrieverQueryEngine.from_args(seed_assistant.as_retriever(k=2))
    response = engine.query("Where did the commander of Syria's military police flee?")
    assert type(response) is Response and isinstance(response.response, str)
    assert len(response.source_nodes) == 2
    assert_exact_nodes(seed_assistant, response.source_nodes, PASSAGE_KEYS)
    # The prompt the LLM would get (MockLLM echoes it) names the article, without offsets or hashes.
    assert response.source_nodes[0].metadata["article"] in response.response
    assert "article_hash" not in response.response


ARTICLES = [
    Document(text="Harbour news\n\nThe new ferry to Lindholm was named Svala by the harbour board on Monday.",
             metadata={"title": "Ferry named", "url": "https://example.org/ferry", "date": "2024-03-04",
                       "source": "Harbour Gazette", "author": "not kept"}),
    TextNode(text="The bakery on Quay Street will close in June after forty years, its owner said.",
             metadata={"title": "Bakery closes", "source": "Town Crier"}),
    Document(text="No metadata here. The library extends its opening hours to nine in the evening."),
]


def test_from_llama_index_keeps_metadata_and_exact_citations(tmp_path):
    assistant = Assistant.from_llama_index(ARTICLES, corpus_dir=tmp_path / "docs")
    infos = {info.title: info for info in assistant.articles()}
    assert set(infos) == {"Ferry named", "Bakery closes", "No metadata here. The library extends its opening hours to nine in the evening."}
    ferry = infos["Ferry named"]
    assert (ferry.url, ferry.date, ferry.source) == ("https://example.org/ferry", "2024-03-04", "Harbour Gazette")
    assert (infos["Bakery closes"].source, infos["Bakery closes"].url) == ("Town Crier", None)
    assert sorted(assistant.article(info.id).text for info in infos.values()) == sorted(d.text for d in ARTICLES)
    response = assistant.as_query_engine().query("What was the new ferry named?")
    assert not response.metadata["abstained"]
    assert_exact_nodes(assistant, response.source_nodes, CITATION_KEYS)
    assert response.source_nodes[0].metadata["article"] == ferry.id


def test_from_llama_index_ids_are_stable_and_the_folder_follows_the_documents(tmp_path):
    first = {a.title: a.id for a in Assistant.from_llama_index(ARTICLES, corpus_dir=tmp_path / "docs").articles()}
    again = Assistant.from_llama_index(list(reversed(ARTICLES[:2])), corpus_dir=tmp_path / "docs")
    assert {a.title: a.id for a in again.articles()} == {t: first[t] for t in ("Ferry named", "Bakery closes")}
    assert again.last_report.embedded_chunks == 0  # nothing new: the vectors were kept


def test_from_llama_index_default_folder_is_a_cache_named_after_the_documents(tmp_path, monkeypatch):
    monkeypatch.setenv("QA_ONNX_CACHE", str(QASettings.from_env().resolved_onnx_cache))  # the exported model stays where it is
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assistant = Assistant.from_llama_index(ARTICLES[:1])
    corpus = assistant.settings.corpus_dir
    assert corpus.parent == tmp_path / "cache" / "article-qa" / "llama-index"
    assert Assistant.from_llama_index(ARTICLES[:1]).settings.corpus_dir == corpus
    assert Assistant.from_llama_index(ARTICLES[:2]).settings.corpus_dir != corpus


def test_from_llama_index_never_writes_into_a_folder_of_other_files(tmp_path):
    corpus = copy_seeds(tmp_path / "mine")
    before = sorted(p.name for p in corpus.iterdir())
    with pytest.raises(QAError, match="already holds other files"):
        Assistant.from_llama_index(ARTICLES, corpus_dir=corpus)
    assert sorted(p.name for p in corpus.iterdir()) == before


@pytest.mark.parametrize("documents, message", [
    ([], "at least one"),
    ([Document(text="Fine text."), "plain string"], "Item 2 is a str"),
    ([Document(text="  \n ")], "Document 1 .* has no text"),
])
def test_from_llama_index_refuses_bad_input_before_writing(tmp_path, documents, message):
    with pytest.raises(QAError, match=message):
        Assistant.from_llama_index(documents, corpus_dir=tmp_path / "docs")
    assert not (tmp_path / "docs").exists()


def test_readme_example_runs_as_printed(tmp_path):
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme[readme.index("## llama-index"):]
    code = re.search(r"```python\n(.*?)```", section, re.S).group(1)
    printed = re.search(r"```text\n(.*?)```", section, re.S).group(1)
    copy_seeds(tmp_path / "seeds")
    run = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, capture_output=True, text=True, timeout=600,
                         env={**os.environ, "PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / "cache"),
                              "QA_ONNX_CACHE": str(QASettings.from_env().resolved_onnx_cache)})
    assert run.returncode == 0, run.stderr
    assert run.stdout == printed
