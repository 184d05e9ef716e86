"""Who may use the page when it is shared: accounts, hashed passwords and roles.

An account line is ``USER:SECRET`` or ``USER:SECRET:read-only``, where SECRET is a password or,
better, a hash made by ``qa serve --hash-password``::

    scrypt$<n>$<r>$<p>$<salt, base64>$<key, base64>

Plain passwords are hashed at start-up too, so every login costs the same and a memory dump
holds no password.
"""
from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import ipaddress
import secrets
from dataclasses import dataclass
from pathlib import Path

from qa import QAError

SCHEME = "scrypt"
# scrypt with n=2**14, r=8 takes 16 MiB and about 0.1 s of one core per check: slow for guessing,
# fine for a login. Hashes with other parameters are accepted up to MAX_SCRYPT_N.
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
MAX_SCRYPT_N = 2**20
SALT_BYTES, KEY_BYTES = 16, 32
# Checks run in a thread, one at a time: a flood of logins from many addresses queues here and
# takes one core at most, leaving the others to answer questions.
HASHING_CONCURRENCY = 1
READ_ONLY = "read-only"
LOOPBACK_NAMES = {"localhost", "localhost.localdomain", "ip6-localhost"}


def hash_password(password: str) -> str:
    if not password:
        raise QAError("The password is empty.")
    salt = secrets.token_bytes(SALT_BYTES)
    key = _scrypt(password, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P)
    return "$".join([SCHEME, str(SCRYPT_N), str(SCRYPT_R), str(SCRYPT_P), _b64(salt), _b64(key)])


def is_hash(secret: str) -> bool:
    return secret.startswith(SCHEME + "$")


def verify_password(password: str, encoded: str) -> bool:
    n, r, p, salt, key = _decode(encoded)
    return hmac.compare_digest(_scrypt(password, salt, n, r, p), key)


def _scrypt(password: str, salt: bytes, n: int, r: int, p: int) -> bytes:
    return hashlib.scrypt(password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_BYTES,
                          maxmem=2 * 128 * r * (n + p))


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _decode(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    parts = encoded.split("$")
    try:
        if len(parts) != 6 or parts[0] != SCHEME:
            raise ValueError
        n, r, p = (int(x) for x in parts[1:4])
        salt, key = base64.b64decode(parts[4], validate=True), base64.b64decode(parts[5], validate=True)
    except ValueError:
        raise QAError(f"Not a password hash made by `qa serve --hash-password`: {encoded[:20]}…") from None
    if not (1 < n <= MAX_SCRYPT_N and n & (n - 1) == 0 and 0 < r <= 64 and 0 < p <= 16 and salt and key):
        raise QAError(f"Unsupported scrypt parameters in a password hash (n={n}, r={r}, p={p}).")
    return n, r, p, salt, key


@dataclass(frozen=True)
class Account:
    name: str
    secret: str = ""  # always a hash once loaded
    read_only: bool = False


def parse_account(line: str, where: str, roles: bool = True) -> Account:
    """``USER:SECRET`` or, with ``roles``, ``USER:SECRET:read-only`` (a SECRET may hold colons)."""
    name, sep, secret = line.strip().partition(":")
    read_only = False
    if roles and secret.endswith(":" + READ_ONLY):
        secret, read_only = secret[: -len(READ_ONLY) - 1], True
    if not sep or not name or not secret or any(c.isspace() for c in name):
        raise QAError(f"{where}: expected USER:PASSWORD (a user name without spaces, a non-empty password).")
    try:
        if is_hash(secret):
            _decode(secret)  # a damaged hash fails now, not at every login
        else:
            secret = hash_password(secret)
    except QAError as exc:
        raise QAError(f"{where}: {exc}") from None
    return Account(name, secret, read_only)


class Accounts:
    """The users allowed in; ``check`` is the login function handed to Gradio."""

    def __init__(self, accounts: list[Account]):
        if not accounts:
            raise QAError("No accounts given: login would be impossible.")
        self._by_name: dict[str, Account] = {}
        for account in accounts:
            if account.name in self._by_name:
                raise QAError(f"The user {account.name!r} is given twice.")
            self._by_name[account.name] = account
        # Unknown users are checked against this, so they cost the same time as a wrong password.
        self._decoy = hash_password(secrets.token_urlsafe(16))
        self._hashing = asyncio.Semaphore(HASHING_CONCURRENCY)

    @classmethod
    def load(cls, pairs: list[str], auth_file: Path | None) -> "Accounts | None":
        """Accounts from ``--auth`` / ``QA_SERVE_AUTH`` pairs and an auth file; None if neither is given."""
        accounts = [parse_account(pair, f"account {i}", roles=False) for i, pair in enumerate(pairs, 1)]
        if auth_file is not None:
            try:
                lines = Path(auth_file).read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as exc:
                raise QAError(f"Cannot read the auth file {auth_file}: {exc}") from None
            accounts += [parse_account(line, f"{auth_file}, line {number}")
                         for number, line in enumerate(lines, 1) if line.strip() and not line.lstrip().startswith("#")]
            if not accounts:
                raise QAError(f"The auth file {auth_file} holds no accounts.")
        return cls(accounts) if accounts else None

    def __len__(self) -> int:
        return len(self._by_name)

    def is_read_only(self, name: str | None) -> bool:
        account = self._by_name.get(name or "")
        return account is not None and account.read_only

    async def check(self, username: str, password: str) -> bool:
        account = self._by_name.get(username)
        encoded = account.secret if account else self._decoy
        async with self._hashing:
            matches = await asyncio.to_thread(verify_password, password, encoded)
        return matches and account is not None

    def __str__(self) -> str:
        read_only = sum(a.read_only for a in self._by_name.values())
        return f"{len(self)} account{'s' if len(self) != 1 else ''}" + (f", {read_only} read-only" if read_only else "")


def may_edit(username: str | None, accounts: Accounts | None, read_only: bool) -> bool:
    """Whether this user may add and remove articles; ``read_only`` (``--read-only``) means nobody."""
    return not read_only and not (accounts is not None and accounts.is_read_only(username))


def split_pairs(value: str | None) -> list[str]:
    """``QA_SERVE_AUTH``: ``user:password`` pairs separated by commas."""
    return [pair.strip() for pair in (value or "").split(",") if pair.strip()]


def is_loopback(host: str) -> bool:
    """Whether only this machine can reach ``host``; names other than localhost count as the network."""
    if host.lower() in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False
