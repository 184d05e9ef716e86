"""`qa serve` in a subprocess on a free loopback port, as a user would start it."""
from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

QA_COMMAND = [sys.executable, "-c", "from qa.cli import main; main()"]
# Loading the model and Gradio takes ~20 s on a free machine; CI machines are often shared,
# and a machine busy with training may need QA_TEST_START_TIMEOUT raised.
START_TIMEOUT = float(os.environ.get("QA_TEST_START_TIMEOUT", "240"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ready(url: str) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@contextlib.contextmanager
def running_server(corpus: Path, log_path: Path, *options: str, env: dict[str, str] | None = None,
                   start_timeout: float = START_TIMEOUT):
    """Yield the page's URL while `qa serve --corpus corpus *options` runs; its output goes to ``log_path``."""
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    # The test decides the corpus and who may log in, not the environment it runs in.
    inherited = {k: v for k, v in os.environ.items() if k != "QA_CORPUS_DIR" and not k.startswith("QA_SERVE")}
    env = {**inherited, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", **(env or {})}
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [*QA_COMMAND, "serve", "--corpus", str(corpus), "--host", "127.0.0.1", "--port", str(port), *options],
            stdout=log, stderr=subprocess.STDOUT, env=env,
        )
        try:
            deadline = time.monotonic() + start_timeout
            while not _ready(url):
                if process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"qa serve did not start:\n{log_path.read_text(errors='replace')[-3000:]}")
                time.sleep(0.5)
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
