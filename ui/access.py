"""What one browser session may do in the page's event handlers: its role and how much at once.

The server-side half of the roles: hiding the upload and remove controls is a courtesy, these
checks are what stops a read-only user who calls the API directly.
"""
from __future__ import annotations

import threading
from collections import Counter
from contextlib import contextmanager

import gradio as gr

from ui.auth import Accounts, may_edit

READ_ONLY_MESSAGE = "This account is read-only: it can ask and read, not add or remove articles."


class Access:
    def __init__(self, settings, accounts: Accounts | None = None):
        self.accounts, self.read_only = accounts, settings.serve_read_only
        self.per_session = settings.max_concurrent_per_session
        self._running: Counter[str] = Counter()
        self._lock = threading.Lock()

    def may_edit(self, request: gr.Request) -> bool:
        return may_edit(request.username, self.accounts, self.read_only)

    @contextmanager
    def running(self, request: gr.Request):
        """A slot for one question or corpus change of this session, or a "busy" error at once."""
        key = request.session_hash or ""
        with self._lock:
            if self._running[key] >= self.per_session:
                raise gr.Error(f"Busy: this page already has {self.per_session} questions or uploads in "
                               "progress. Try again when one has finished.", title="Busy, try again")
            self._running[key] += 1
        try:
            yield
        finally:
            with self._lock:
                self._running[key] -= 1
                if not self._running[key]:
                    del self._running[key]

    @contextmanager
    def editing(self, request: gr.Request):
        if not self.may_edit(request):
            raise gr.Error(READ_ONLY_MESSAGE, title="Read-only")
        with self.running(request):
            yield

    def edit_controls(self, *controls):
        """A load handler showing ``controls`` to those who may edit, hiding them otherwise.

        It answers by component: Gradio takes a lone output's return value as that output's value,
        so a list of one update would be handed to the component as its value, and fail."""
        def show(request: gr.Request):
            visible = self.may_edit(request)
            return {control: gr.update(visible=visible) for control in controls}

        return show
