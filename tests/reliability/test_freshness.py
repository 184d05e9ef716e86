"""Whatever happens to the corpus files, an answer quotes only what is on disk now.

A property test (hypothesis, the real index and model): random sequences of add, modify (also
in place with the same size, which keeps the file's size and may keep its mtime), delete, rename,
move between subfolders, upload and removal of an upload by hand, each followed by a question
about the article concerned. Every quoted passage must equal the file's current text at its
offsets, no passage may name a file that is gone, and new text must be found. Then the same
promise with `qa serve` answering while `qa index` runs from another process."""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa import Assistant
from tests.conftest import copy_seeds
from tests.reliability.conftest import assert_page_quotes_match_disk, file_text, message_text, page_quotes, start_qa
from tests.ui.server import running_server

pytestmark = pytest.mark.slow

FOLDERS = ("desk", "desk/local", "desk/world/asia")
TOPICS = ("Velmora", "Ostrava", "Quenby", "Tarsil", "Zembla", "Harrowgate", "Pellucid", "Brisco", "Kelmscott")


def article_text(topic: str, day: int) -> str:
    return f"{topic} bridge\n\nThe {topic} bridge opened on day {day:04d} of the works, the city engineer said.\n"


def question(topic: str) -> str:
    return f"When did the {topic} bridge open?"


@dataclass
class World:
    """The corpus as the test changed it: path -> topic of each article the test wrote."""

    corpus: Path
    assistant: Assistant
    files: dict[str, str] = field(default_factory=dict)
    made: int = 0

    def new_topic(self) -> str:
        self.made += 1
        return f"{TOPICS[self.made % len(TOPICS)]}{self.made}"

    def pick(self, n: int, uploads: bool = False) -> str | None:
        paths = sorted(p for p in self.files if p.startswith("uploads/") == uploads)
        return paths[n % len(paths)] if paths else None

    def write(self, rel: str, topic: str, day: int) -> None:
        path = self.corpus / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_text(topic, day), encoding="utf-8")
        self.files[rel] = topic


def apply(world: World, op: str, n: int, folder: int) -> tuple[str, str | None, str | None]:
    """Do ``op``; (topic asked about, path whose text must be found, path that must not be named)."""
    if op in {"modify", "same_size", "delete", "rename", "move"} and world.pick(n) is None:
        op = "add"
    if op == "remove_upload" and world.pick(n, uploads=True) is None:
        op = "upload"
    if op == "add":
        topic = world.new_topic()
        rel = f"{FOLDERS[folder % len(FOLDERS)]}/{topic.lower()}.txt"
        world.write(rel, topic, n)
        return topic, rel, None
    if op == "upload":
        topic = world.new_topic()
        report = world.assistant.add_files([(f"{topic.lower()}.txt", article_text(topic, n).encode())])
        world.files[report.added[0]] = topic
        return topic, report.added[0], None
    rel = world.pick(n, uploads=op == "remove_upload")
    topic = world.files[rel]
    path = world.corpus / rel
    if op == "modify":
        world.write(rel, topic, n + 1)
        with open(path, "a", encoding="utf-8") as handle:
            handle.write(f"It was repainted on day {n + 7}.\n")
        return topic, rel, None
    if op == "same_size":
        # Same length, written at once: size and perhaps mtime unchanged, only the content differs.
        old = path.read_text(encoding="utf-8")
        day = int(old.split("day ")[1][:4])
        info = path.stat()
        path.write_text(old.replace(f"day {day:04d}", f"day {(day + 1) % 10000:04d}", 1), encoding="utf-8")
        os.utime(path, ns=(info.st_atime_ns, info.st_mtime_ns))
        return topic, rel, None
    if op in {"delete", "remove_upload"}:
        path.unlink()
        del world.files[rel]
        return topic, None, rel
    target = f"{Path(rel).parent.as_posix()}/renamed-{Path(rel).name}" if op == "rename" else \
        f"{FOLDERS[folder % len(FOLDERS)]}/moved-{Path(rel).name}"
    (world.corpus / target).parent.mkdir(parents=True, exist_ok=True)
    os.replace(path, world.corpus / target)
    world.files[target] = world.files.pop(rel)
    return topic, target, rel


def check(world: World, answer, found: str | None, gone: str | None) -> None:
    passages = [*answer.citations, *answer.see_also, *answer.retrieved]
    for p in passages:
        path = world.corpus / p.article
        assert path.is_file(), f"{p.article} is cited but no longer exists"
        assert file_text(path)[p.start:p.end] == p.quote, f"{p.article} changed, quote is stale"
    named = {p.article for p in passages}
    assert gone is None or gone not in named
    assert found is None or found in {p.article for p in answer.retrieved}, f"{found} was not searched"


@pytest.fixture(scope="module")
def template(tmp_path_factory) -> Path:
    """A corpus with articles in nested folders, indexed once; each example starts from a copy."""
    corpus = copy_seeds(tmp_path_factory.mktemp("freshness") / "corpus")
    for i, folder in enumerate(FOLDERS):
        path = corpus / folder / f"base{i}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(article_text(f"Base{i}", 100 + i), encoding="utf-8")
    Assistant.from_directory(corpus)
    return corpus


OPERATIONS = st.lists(
    st.tuples(st.sampled_from(["add", "modify", "same_size", "delete", "rename", "move", "upload", "remove_upload"]),
              st.integers(0, 9999), st.integers(0, 10)),
    min_size=2, max_size=5,
)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(operations=OPERATIONS)
def test_answers_quote_only_what_is_on_disk_whatever_happens_to_the_files(template, operations):
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus"
        shutil.copytree(template, corpus)
        world = World(corpus, Assistant.open(corpus))
        world.files = {f"{folder}/base{i}.txt": f"Base{i}" for i, folder in enumerate(FOLDERS)}
        for op, n, folder in operations:
            topic, found, gone = apply(world, op, n, folder)
            check(world, world.assistant.ask(question(topic)), found, gone)
        # A process started now (as `qa ask` is) sees the same corpus.
        fresh = Assistant.open(corpus)
        for topic in set(world.files.values()):
            check(world, fresh.ask(question(topic)), None, None)


def test_serve_answers_from_disk_while_qa_index_runs_in_another_process(tmp_path):
    from gradio_client import Client

    corpus = copy_seeds(tmp_path / "corpus")
    world_files: dict[str, str] = {}
    with running_server(corpus, tmp_path / "serve.log") as url:
        client = Client(url, verbose=False)
        for round_ in range(3):
            topic = f"{TOPICS[round_]}{round_}"
            rel = f"{FOLDERS[round_ % len(FOLDERS)]}/{topic.lower()}.txt"
            (corpus / rel).parent.mkdir(parents=True, exist_ok=True)
            (corpus / rel).write_text(article_text(topic, 40 + round_), encoding="utf-8")
            gone = None
            if world_files:  # the previous round's article: deleted now, never cited again
                gone = next(iter(world_files))
                (corpus / gone).unlink()
                world_files.pop(gone)
            world_files[rel] = topic
            indexer = start_qa("index", str(corpus))
            replies = []
            while True:
                running = indexer.poll() is None
                _, messages = client.predict(question(topic), api_name="/chat")
                replies.append(message_text(messages[-1]))
                if not running:
                    break
            assert indexer.wait(timeout=300) == 0, indexer.stderr.read().decode(errors="replace")[-2000:]
            for reply in replies:
                assert "qa-error" not in reply, reply[:300]
                assert_page_quotes_match_disk(corpus, reply)
                assert gone is None or gone not in {article for article, *_ in page_quotes(reply)}
            assert rel in {article for article, *_ in page_quotes(replies[-1])}, replies[-1][:500]
