"""Crash safety: a real `qa index` killed with SIGKILL at random moments never damages the live index,
and a damaged index is detected at load and recovered by `qa index --rebuild`."""
from __future__ import annotations

import os
import random
import signal
import threading
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from index.ingest import load_directory
from index.store import IndexCorrupt, current_generation, load
from qa import Assistant, QAError, Settings
from qa.cli import main
from tests.conftest import DEFAULTS, copy_seeds
from tests.reliability.conftest import assert_brahimi_answered, generated_article, run_qa, start_qa

pytestmark = pytest.mark.slow

SEED = 20261125
KILL_TRIALS = 10
APPEND_KILL_TRIALS = 4


def index_state(index_dir: Path) -> dict[str, str]:
    """Article id -> hash of the live generation, after checking it is whole and self-consistent."""
    index = load(index_dir)
    assert index.vectors.ntotal == len(index.chunks) == index.manifest["chunks"]
    assert len(index.articles) == index.manifest["articles"] == len({c.article_id for c in index.chunks})
    for chunk in index.chunks:
        assert index.articles[chunk.article_id].text[chunk.start:chunk.end] == chunk.text
    return {a.id: a.hash for a in index.articles.values()}


def corpus_state(corpus: Path) -> dict[str, str]:
    return {a.id: a.hash for a in load_directory(corpus, DEFAULTS.max_article_bytes).articles}


def generations(index_dir: Path) -> set[str]:
    return {p.name for p in index_dir.glob("gen-*")}


@pytest.fixture(scope="module")
def crash_corpus(tmp_path_factory) -> tuple[Path, float]:
    """A 41-article corpus, indexed, and how long a `qa index` run over it takes."""
    corpus = copy_seeds(tmp_path_factory.mktemp("crash") / "corpus")
    rng = random.Random(SEED)
    for i in range(40):
        (corpus / f"gen{i:03d}.txt").write_text(generated_article(rng, f"Topic{i}"), encoding="utf-8")
    assert run_qa("index", str(corpus)).returncode == 0
    started = time.monotonic()
    result = run_qa("index", str(corpus), "--rebuild")
    assert result.returncode == 0, result.stderr
    return corpus, time.monotonic() - started


def _kill_at_random(corpus: Path, index_dir: Path, rng: random.Random, trial: int, run_seconds: float) -> str:
    """Start `qa index`, SIGKILL it at a random moment, and say in which phase it died."""
    old = current_generation(index_dir)
    existing = generations(index_dir)  # includes half-written ones left by earlier kills
    rebuild = trial % 3 == 2
    process = start_qa("index", str(corpus), *(["--rebuild"] if rebuild else []))
    if trial % 2 == 0:
        time.sleep(rng.uniform(0.1, 0.6 * run_seconds))  # start-up, reading, embedding or writing
    else:
        deadline = time.monotonic() + 120  # wait for the writer to start a generation, then strike
        while not generations(index_dir) - existing and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.002)
        time.sleep(rng.uniform(0.0, 0.08))
    new_dirs = generations(index_dir) - existing
    flipped = current_generation(index_dir) != old
    if process.poll() is not None:
        phase = "finished"
    else:
        os.kill(process.pid, signal.SIGKILL)
        phase = "after flip" if flipped else ("mid-write" if new_dirs else "before write")
    process.wait(timeout=60)
    process.stderr.close()
    return phase


def test_sigkill_during_indexing_never_damages_the_live_index(crash_corpus, record_property):
    corpus, run_seconds = crash_corpus
    index_dir = corpus / ".qa-cache" / "index"
    rng = random.Random(SEED)
    phases = []
    for trial in range(KILL_TRIALS):
        before = index_state(index_dir)
        (corpus / f"new{trial}.txt").write_text(generated_article(rng, f"Fresh{trial}"), encoding="utf-8")
        if trial % 4 == 3:
            (corpus / f"gen{trial:03d}.txt").unlink()
        expected = corpus_state(corpus)
        phases.append(_kill_at_random(corpus, index_dir, rng, trial, run_seconds))
        assert index_state(index_dir) in (before, expected), f"trial {trial} ({phases[-1]})"
    record_property("kill_phases", phases)
    print(f"SIGKILL trials: {len(phases)} (a full run takes {run_seconds:.1f}s); phases: {sorted(phases)}")
    assert any(p in ("mid-write", "after flip") for p in phases), phases
    result = run_qa("index", str(corpus))
    assert result.returncode == 0, result.stderr
    assert index_state(index_dir) == corpus_state(corpus)
    assert len(generations(index_dir)) == 1 and not list(index_dir.glob("*.tmp"))
    assert_brahimi_answered(Assistant.open_index(Settings(corpus_dir=corpus)))


def test_sigkill_during_an_append_never_damages_the_live_index(crash_corpus):
    """`qa index` after a small change takes the append path (delta segment, hard-linked main files);
    killed as soon as it starts writing a generation, or a little later, the live index is the old
    one or the new one, whole, and the next append completes."""
    corpus, _ = crash_corpus
    index_dir = corpus / ".qa-cache" / "index"
    rng = random.Random(SEED + 1)
    phases = []
    for trial in range(APPEND_KILL_TRIALS):
        before = index_state(index_dir)
        (corpus / f"append{trial}.txt").write_text(generated_article(rng, f"Append{trial}"), encoding="utf-8")
        if trial % 2:
            (corpus / f"append{trial - 1}.txt").unlink()
        expected = corpus_state(corpus)
        existing = generations(index_dir)
        process = start_qa("index", str(corpus))
        deadline = time.monotonic() + 300
        while not generations(index_dir) - existing and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.001)
        time.sleep(rng.uniform(0.0, 0.02))
        if process.poll() is None:
            os.kill(process.pid, signal.SIGKILL)
            phases.append("killed")
        else:
            phases.append("finished")
        process.wait(timeout=60)
        process.stderr.close()
        assert index_state(index_dir) in (before, expected), f"trial {trial} ({phases[-1]})"
    print(f"append SIGKILL trials: {phases}")
    result = run_qa("index", str(corpus))
    assert result.returncode == 0, result.stderr
    assert index_state(index_dir) == corpus_state(corpus)
    assert load(index_dir).manifest["segments"]["delta_rows"] > 0  # it was the append path that ran
    assert len(generations(index_dir)) == 1 and not list(index_dir.glob("*.tmp"))


def _truncate(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


def _flip_byte(path: Path) -> None:
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))


DAMAGE = {
    "truncated-faiss": lambda gen: _truncate(gen / "faiss.index"),
    "flipped-byte-in-chunks": lambda gen: _flip_byte(gen / "chunks.npy"),
    "truncated-articles": lambda gen: _truncate(gen / "articles.jsonl"),
    "missing-bm25-file": lambda gen: next(p for p in (gen / "bm25").iterdir() if p.is_file()).unlink(),
    "garbage-manifest": lambda gen: (gen / "manifest.json").write_text("{not json"),
    "manifest-not-an-object": lambda gen: (gen / "manifest.json").write_text("[]"),
    "pointer-to-missing-generation": lambda gen: (gen.parent / "CURRENT").write_text("gen-20000101000000-deadbeef"),
    "binary-pointer": lambda gen: (gen.parent / "CURRENT").write_bytes(b"\xff\xfe\x00garbage/../.."),
    "removed-generation": lambda gen: __import__("shutil").rmtree(gen),
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_damaged_index_is_detected_and_rebuild_recovers(tmp_path, damage):
    corpus = copy_seeds(tmp_path / "corpus")
    Assistant.from_directory(corpus)
    index_dir = corpus / ".qa-cache" / "index"
    DAMAGE[damage](current_generation(index_dir))
    with pytest.raises(IndexCorrupt, match="run `qa index --rebuild`"):
        load(index_dir)
    with pytest.raises(QAError, match="qa index --rebuild"):
        Assistant.open_index(Settings(corpus_dir=corpus))
    result = CliRunner().invoke(main, ["index", str(corpus), "--rebuild"])
    assert result.exit_code == 0 and result.exception is None, result.output
    assert index_state(index_dir) == corpus_state(corpus)
    assert_brahimi_answered(Assistant.open_index(Settings(corpus_dir=corpus)))


def test_real_qa_index_rebuild_recovers_a_truncated_index(tmp_path):
    corpus = copy_seeds(tmp_path / "corpus")
    assert run_qa("index", str(corpus)).returncode == 0
    index_dir = corpus / ".qa-cache" / "index"
    _truncate(current_generation(index_dir) / "faiss.index")
    asked = run_qa("ask", "Who met Brahimi?", "--corpus", str(corpus))
    assert asked.returncode == 0 and "Assad" in asked.stdout and "Traceback" not in asked.stderr
    _truncate(current_generation(index_dir) / "faiss.index")
    rebuilt = run_qa("index", str(corpus), "--rebuild")
    assert rebuilt.returncode == 0 and "Traceback" not in rebuilt.stderr
    assert index_state(index_dir) == corpus_state(corpus)


def test_readers_never_see_a_vanished_or_partial_generation(tmp_path):
    """Readers loading from disk while another writer keeps replacing (and deleting) generations."""
    corpus = copy_seeds(tmp_path / "corpus")
    writer = Assistant.from_directory(corpus)
    index_dir = corpus / ".qa-cache" / "index"
    extra = corpus / "extra.txt"
    stop = threading.Event()
    failures: list[BaseException] = []
    loads = [0]

    def read() -> None:
        while not stop.is_set():
            try:
                assert set(index_state(index_dir)) - {"extra.txt"} == {"000_0226462cf7c6313f.txt"}
                loads[0] += 1
            except BaseException as exc:  # collected: a thread's exception would otherwise vanish
                failures.append(exc)
                return

    readers = [threading.Thread(target=read) for _ in range(2)]
    for reader in readers:
        reader.start()
    try:
        for round_ in range(8):
            if round_ % 2:
                extra.unlink()
            else:
                extra.write_text(f"Extra {round_}\n\nThe Velmora ferry sailed {round_} times today.")
            writer.reindex()
    finally:
        stop.set()
        for reader in readers:
            reader.join()
    assert failures == [] and loads[0] > 0

