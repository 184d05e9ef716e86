"""`qa serve`: the chat page on loopback, with nothing sent anywhere else."""
from __future__ import annotations

import os
from pathlib import Path

import click

# Set before gradio is imported: it reads some of these at import time.
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
# Gradio refuses larger files before they reach the assistant; below this the assistant's own
# limit applies and gives the user a specific message.
HARD_UPLOAD_FACTOR = 4


@click.command()
@click.option("--corpus", "corpus", type=click.Path(path_type=Path), default=None,
              help="Directory of articles (default: QA_CORPUS_DIR, else seeds).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
def serve(corpus: Path | None, host: str, port: int):
    """Start the chat page."""
    os.environ.update(OFFLINE_ENV)
    from qa.cli import load_settings, open_assistant  # the same index opening as `qa ask` and `qa chat`
    from ui.app import build_app, launch

    settings = load_settings(corpus)
    assistant = open_assistant(settings)
    click.echo(f"{len(assistant.articles())} articles indexed from {settings.corpus_dir}", err=True)
    assistant.warm_up()  # pay for loading the models before the first user does
    launch(build_app(assistant), host, port, settings.max_upload_bytes * HARD_UPLOAD_FACTOR)
