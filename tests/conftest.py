"""Shared fixtures. The real model and real FAISS indexes are used; nothing of ours is mocked."""
from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

from qa.settings import Settings

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent
SEEDS = REPO / "seeds"
SHARED_DATA = Settings.from_env().resolved_shared_data_dir
# The shipped defaults, for tests that call index/ directly (index/ takes every value as a parameter).
DEFAULTS = Settings()


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    """Tests may talk to loopback only: anything else is a bug (and is never reachable here)."""
    real_connect = socket.socket.connect

    def guarded(self, address):
        host = address[0] if isinstance(address, tuple) else address
        if isinstance(host, str) and not (host.startswith("127.") or host in {"localhost", "::1"} or host.startswith("/")):
            raise RuntimeError(f"network access blocked in tests: {address}")
        return real_connect(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded)


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"external data not found at {SHARED_DATA} (set QA_SHARED_DATA)")
    return SHARED_DATA


def copy_seeds(target: Path) -> Path:
    shutil.copytree(SEEDS, target, ignore=shutil.ignore_patterns(".qa-cache"))
    return target


@pytest.fixture(scope="session")
def seed_assistant(tmp_path_factory):
    """One assistant over a private copy of seeds/, shared by every test that only reads."""
    from qa import Assistant

    corpus = copy_seeds(tmp_path_factory.mktemp("seed-corpus") / "seeds")
    return Assistant.from_directory(corpus)
