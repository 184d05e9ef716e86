"""HTTP protection for the served page: headers, a session on every data route, slow bad logins.

One ASGI middleware inside Gradio's app. It sees every request before Gradio's routes do, so the
rule "nothing but the login page without a session" holds for routes Gradio itself leaves open
(heartbeat, cancel, streams, run history) and for routes a later Gradio version adds.
"""
from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from starlette.middleware import Middleware
from starlette.requests import cookie_parser

from ui.auth import Accounts, may_edit

# What the login page needs before anyone has signed in: the page itself (Gradio serves only the
# login form there until the session cookie is set), the form's post, and the static code and fonts.
# startup-events starts the queue once (Gradio's launch calls it itself) and tells nothing.
PUBLIC_PATHS = frozenset({"/", "/login", "/login/", "/theme.css", "/favicon.ico", "/robots.txt",
                          "/gradio_api/startup-events"})
PUBLIC_PREFIXES = ("/assets/", "/static/")
LOGIN_PATHS = frozenset({"/login", "/login/"})
UPLOAD_PATHS = frozenset({"/gradio_api/upload", "/gradio_api/upload/"})
# A client's bad logins are forgotten after this long without another one.
LOGIN_FORGET_S = 15 * 60
# Login attempts one client may have waiting for their turn; beyond that: 429 at once, so a flood
# from one address holds a few dozen waiting coroutines, not thousands. People behind one address
# (an office NAT, the load test) who sign in at the same moment wait their turns, not refused.
LOGIN_MAX_PENDING = 32
# Clients remembered at most; past this, those with nothing pending and nothing recent are dropped.
LOGIN_CLIENTS_KEPT = 10_000


def security_headers(frame_ancestors: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"content-security-policy", f"frame-ancestors {frame_ancestors}".encode("latin-1")),
               (b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin")]
    # Browsers without CSP level 2 only know X-Frame-Options, which can say just these two things.
    legacy = {"'none'": b"DENY", "'self'": b"SAMEORIGIN"}.get(frame_ancestors.strip())
    return headers + [(b"x-frame-options", legacy)] if legacy else headers


@dataclass
class _Client:
    failures: int = 0
    last_failure: float = 0.0
    pending: int = 0
    turn: asyncio.Lock = field(default_factory=asyncio.Lock)


class LoginThrottle:
    """Per client address, one login attempt at a time, each after a delay that doubles per failure.

    Attempts that were waiting when another one failed are refused without being tried: a burst of
    guesses in parallel gets one guess, not one each."""

    def __init__(self, delay_s: float, max_delay_s: float, clock=time.monotonic):
        self.delay_s, self.max_delay_s, self.clock = delay_s, max_delay_s, clock
        self._clients: dict[str, _Client] = {}

    def delay(self, failures: int) -> float:
        return 0.0 if failures <= 0 else min(self.delay_s * 2 ** (failures - 1), self.max_delay_s)

    def _client(self, address: str) -> _Client:
        now = self.clock()
        if len(self._clients) > LOGIN_CLIENTS_KEPT:
            self._clients = {a: c for a, c in self._clients.items()
                             if c.pending or now - c.last_failure < LOGIN_FORGET_S}
        client = self._clients.setdefault(address, _Client())
        if client.failures and now - client.last_failure >= LOGIN_FORGET_S:
            client.failures = 0
        return client

    async def attempt(self, address: str, login) -> int | None:
        """Run ``login()`` (which returns the HTTP status it answered) in turn; None: refused untried."""
        client = self._client(address)
        if client.pending >= LOGIN_MAX_PENDING:
            return None
        failures_seen = client.failures
        client.pending += 1
        try:
            async with client.turn:
                if client.failures > failures_seen:
                    return None
                await asyncio.sleep(self.delay(client.failures))
                status = await login()
                if status == 200:
                    client.failures = 0
                else:
                    client.failures += 1
                    client.last_failure = self.clock()
                return status
        finally:
            client.pending -= 1


class SecurityMiddleware:
    """Headers on every response; with accounts, a session on every route but the login page."""

    def __init__(self, app, *, frame_ancestors: str, accounts: Accounts | None, read_only: bool,
                 throttle: LoginThrottle | None):
        self.app, self.accounts, self.read_only, self.throttle = app, accounts, read_only, throttle
        self.headers = security_headers(frame_ancestors)

    async def __call__(self, scope, receive, send):
        if scope["type"] not in ("http", "websocket"):
            return await self.app(scope, receive, send)
        send = self._with_headers(send)
        path, method = _route_path(scope), scope.get("method", "GET")
        user = _session_user(scope)
        if self.accounts is not None and user is None and not _public(path):
            return await _refuse(scope, send, 401, "Not authenticated: sign in on the page first.")
        if path in UPLOAD_PATHS and not may_edit(user, self.accounts, self.read_only):
            return await _refuse(scope, send, 403, "This account is read-only: it cannot add articles.")
        if path in LOGIN_PATHS and method == "POST" and self.throttle is not None:
            return await self._login(scope, receive, send)
        return await self.app(scope, receive, send)

    async def _login(self, scope, receive, send):
        answered: list[int] = []

        async def record(message):
            if message["type"] == "http.response.start":
                answered.append(message["status"])
            await send(message)

        async def login() -> int:
            await self.app(scope, receive, record)
            return answered[0] if answered else 500

        address = (scope.get("client") or ("unknown", 0))[0]
        if await self.throttle.attempt(address, login) is None:
            await _refuse(scope, send, 429, "Too many login attempts at once; wait and try again.")

    def _with_headers(self, send):
        names = {name for name, _ in self.headers}

        async def sending(message):
            if message["type"] == "http.response.start":
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + self.headers}
            await send(message)

        return sending


def middleware(settings, accounts: Accounts | None) -> list[Middleware]:
    """The middleware for ``launch``; the login delay applies only where there is a login."""
    throttle = LoginThrottle(settings.login_delay_s, settings.login_delay_max_s) if accounts else None
    return [Middleware(SecurityMiddleware, frame_ancestors=settings.frame_ancestors, accounts=accounts,
                       read_only=settings.serve_read_only, throttle=throttle)]


def _route_path(scope) -> str:
    """The path as Gradio's router matches it: without the root path a proxy may have added."""
    path, root = scope["path"], scope.get("root_path", "")
    if root and path.startswith(root):
        return path[len(root):] or "/"
    return path


def _public(path: str) -> bool:
    return path in PUBLIC_PATHS or path.startswith(PUBLIC_PREFIXES)


def _session_user(scope) -> str | None:
    """The signed-in user of this request, looked up the way Gradio's own routes do."""
    app = scope.get("app")  # Gradio's App: Starlette puts itself here before running middleware
    cookies = cookie_parser(dict(scope.get("headers") or []).get(b"cookie", b"").decode("latin-1"))
    token = cookies.get(f"access-token-{app.cookie_id}") or cookies.get(f"access-token-unsecure-{app.cookie_id}")
    return app.tokens.get(token)


async def _refuse(scope, send, status: int, detail: str) -> None:
    if scope["type"] == "websocket":
        await send({"type": "websocket.close", "code": 1008})
        return
    body = json.dumps({"detail": detail}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
