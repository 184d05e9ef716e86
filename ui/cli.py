"""`qa serve`: the chat page on loopback, with nothing sent anywhere else; beyond loopback, behind a login."""
from __future__ import annotations

import os
from pathlib import Path

import click

from qa import QAError
from ui.auth import Accounts, hash_password, is_loopback, split_pairs

# Set before gradio is imported: it reads some of these at import time.
OFFLINE_ENV = {
    "GRADIO_ANALYTICS_ENABLED": "False",
    "HF_HUB_DISABLE_TELEMETRY": "1",
    "DO_NOT_TRACK": "1",
}
# Gradio refuses larger files before they reach the assistant; below this the assistant's own
# limit applies and gives the user a specific message.
HARD_UPLOAD_FACTOR = 4
ANONYMOUS_WARNING = "WARNING: serving {host} without a login: anyone who can reach it can {may}."


def print_password_hash(ctx: click.Context, _param, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    password = click.prompt("Password", hide_input=True, confirmation_prompt=True, err=True)
    try:
        click.echo(hash_password(password))
    except QAError as exc:
        raise click.ClickException(str(exc)) from exc
    ctx.exit()


def load_accounts(auth: tuple[str, ...], settings) -> Accounts | None:
    """``--auth`` replaces ``QA_SERVE_AUTH``; the auth file adds to either."""
    try:
        return Accounts.load(list(auth) or split_pairs(settings.serve_auth), settings.serve_auth_file)
    except QAError as exc:
        raise click.ClickException(str(exc)) from exc


def check_exposure(host: str, settings, accounts: Accounts | None) -> None:
    """Refuse to serve anyone but this machine without a login, unless that is asked for."""
    if accounts is not None:
        click.echo(f"Login required ({accounts}).", err=True)
        return
    if not settings.serve_behind_proxy and is_loopback(host):
        return
    where = f"{host} through a reverse proxy" if settings.serve_behind_proxy else host
    if not settings.serve_allow_anonymous:
        raise click.ClickException(
            f"Refusing to serve {where} without a login. Give accounts with --auth USER:PASSWORD, "
            "--auth-file PATH or QA_SERVE_AUTH, or pass --allow-anonymous to let anyone in.")
    may = "read every article" if settings.serve_read_only else "read every article, add articles and remove them"
    click.secho(ANONYMOUS_WARNING.format(host=where, may=may), err=True, fg="yellow")


@click.command()
@click.option("--corpus", "corpus", type=click.Path(path_type=Path), default=None,
              help="Directory of articles (default: QA_CORPUS_DIR, else seeds).")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=7860, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--auth", "auth", multiple=True, metavar="USER:PASSWORD",
              help="An account (repeatable). Default: QA_SERVE_AUTH, pairs separated by commas.")
@click.option("--auth-file", type=click.Path(path_type=Path, dir_okay=False), default=None,
              help="Accounts, one USER:PASSWORD (or USER:HASH) a line, ':read-only' at the end for readers.")
@click.option("--read-only", is_flag=True, help="Nobody may add or remove articles.")
@click.option("--allow-anonymous", is_flag=True, help="Serve beyond loopback without a login (warned).")
@click.option("--behind-proxy", is_flag=True, help="Reached through a reverse proxy: a login is needed even on loopback.")
@click.option("--hash-password", is_flag=True, expose_value=False, is_eager=True, callback=print_password_hash,
              help="Ask for a password, print its hash for --auth-file, and exit.")
def serve(corpus: Path | None, host: str, port: int, auth: tuple[str, ...], auth_file: Path | None,
          read_only: bool, allow_anonymous: bool, behind_proxy: bool):
    """Start the chat page."""
    os.environ.update(OFFLINE_ENV)
    from qa.cli import load_settings, open_assistant  # the same index opening as `qa ask` and `qa chat`
    from ui.app import build_app, launch

    # Flags only switch on: an unset flag leaves QA_SERVE_* as it is.
    settings = load_settings(corpus, serve_auth_file=auth_file, serve_read_only=read_only or None,
                             serve_allow_anonymous=allow_anonymous or None, serve_behind_proxy=behind_proxy or None)
    accounts = load_accounts(auth, settings)
    check_exposure(host, settings, accounts)
    assistant = open_assistant(settings)
    click.echo(f"{len(assistant.articles())} articles indexed from {settings.corpus_dir}", err=True)
    assistant.warm_up()  # pay for loading the models before the first user does
    launch(build_app(assistant, accounts), host, port, settings.max_upload_bytes * HARD_UPLOAD_FACTOR,
           settings, accounts)
