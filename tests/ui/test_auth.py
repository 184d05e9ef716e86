"""Accounts, password hashes, roles, the login delay and `qa serve`'s refusal to serve anonymously."""
from __future__ import annotations

import asyncio
import time

import pytest
from click.testing import CliRunner

from qa import QAError
from qa.cli import main
from qa.settings import Settings
from ui.auth import Accounts, hash_password, is_loopback, may_edit, parse_account, split_pairs, verify_password
from ui.cli import check_exposure, load_accounts
from ui.security import LOGIN_MAX_PENDING, LoginThrottle, security_headers


def test_a_hash_verifies_its_password_only():
    encoded = hash_password("correct horse")
    assert encoded.startswith("scrypt$16384$8$1$") and "correct horse" not in encoded
    assert verify_password("correct horse", encoded)
    assert not verify_password("correct hors", encoded)
    assert hash_password("correct horse") != encoded  # salted


def test_plain_passwords_are_hashed_on_load_and_roles_are_read(tmp_path):
    stored = hash_password("s3cret:with:colons")
    auth_file = tmp_path / "users"
    auth_file.write_text(f"# team\n\nalice:{stored}\nbob:reader-pass:read-only\n", encoding="utf-8")
    accounts = Accounts.load(["carol:pa:ss"], auth_file)
    assert str(accounts) == "3 accounts, 1 read-only"
    assert accounts.is_read_only("bob") and not accounts.is_read_only("alice") and not accounts.is_read_only("carol")
    check = accounts.check
    assert asyncio.run(check("alice", "s3cret:with:colons"))
    assert asyncio.run(check("bob", "reader-pass"))
    assert asyncio.run(check("carol", "pa:ss"))  # --auth pairs have no role: the colon is the password's
    assert not asyncio.run(check("bob", "reader-pass:read-only"))
    assert parse_account("dave:x", "here").secret.startswith("scrypt$")


def test_unknown_users_cost_what_a_wrong_password_costs():
    accounts = Accounts([parse_account("alice:wonderland", "test")])

    def timed(user: str) -> float:
        started = time.perf_counter()
        assert asyncio.run(accounts.check(user, "guess")) is False
        return time.perf_counter() - started

    wrong, unknown = min(timed("alice") for _ in range(3)), min(timed("mallory") for _ in range(3))
    assert unknown > 0.5 * wrong  # both run one scrypt; an early return would take microseconds


@pytest.mark.parametrize("line, problem", [
    ("no-colon", "expected USER:PASSWORD"),
    ("alice:", "expected USER:PASSWORD"),
    ("al ice:pw", "expected USER:PASSWORD"),
    ("alice:scrypt$16384$8$1$bad$hash", "Not a password hash"),
    ("alice:scrypt$16385$8$1$c2FsdA==$a2V5", "Unsupported scrypt parameters"),
])
def test_bad_account_lines_name_the_line(tmp_path, line, problem):
    auth_file = tmp_path / "users"
    auth_file.write_text(f"ok:fine\n{line}\n", encoding="utf-8")
    with pytest.raises(QAError, match=problem) as caught:
        Accounts.load([], auth_file)
    assert f"{auth_file}, line 2" in str(caught.value)


def test_no_accounts_given_means_no_login_and_an_empty_file_is_an_error(tmp_path):
    assert Accounts.load(split_pairs(" , "), None) is None
    empty = tmp_path / "users"
    empty.write_text("# nobody yet\n", encoding="utf-8")
    with pytest.raises(QAError, match="holds no accounts"):
        Accounts.load([], empty)
    with pytest.raises(QAError, match="given twice"):
        Accounts.load(["a:1", "a:2"], None)
    assert split_pairs("a:1, b:2,") == ["a:1", "b:2"]


@pytest.mark.parametrize("host, private", [
    ("127.0.0.1", True), ("127.0.0.2", True), ("localhost", True), ("::1", True), ("[::1]", True),
    ("0.0.0.0", False), ("::", False), ("192.168.1.5", False), ("myhost.lan", False),
])
def test_only_loopback_addresses_count_as_private(host, private):
    assert is_loopback(host) is private


def test_roles():
    accounts = Accounts.load(["alice:a"], None)
    accounts_with_reader = Accounts([parse_account("bob:b:read-only", "test")])
    assert may_edit(None, None, read_only=False)  # loopback, no login: as before
    assert not may_edit(None, None, read_only=True)
    assert may_edit("alice", accounts, read_only=False)
    assert not may_edit("alice", accounts, read_only=True)
    assert not may_edit("bob", accounts_with_reader, read_only=False)


def test_bad_logins_from_one_client_wait_longer_each_time_and_queue_at_most_a_few():
    throttle = LoginThrottle(delay_s=0.05, max_delay_s=0.2)
    assert [throttle.delay(n) for n in range(5)] == [0.0, 0.05, 0.1, 0.2, 0.2]

    async def scenario():
        async def bad_login() -> int:
            return 400

        async def good_login() -> int:
            return 200

        timings = []
        for _ in range(3):
            started = time.perf_counter()
            assert await throttle.attempt("203.0.113.9", bad_login) == 400
            timings.append(time.perf_counter() - started)
        assert timings[0] < 0.04 <= timings[1] and timings[2] >= 0.09
        started = time.perf_counter()
        assert await throttle.attempt("198.51.100.1", bad_login) == 400  # another client: no wait
        assert time.perf_counter() - started < 0.04
        flood = await asyncio.gather(*(throttle.attempt("203.0.113.9", bad_login) for _ in range(LOGIN_MAX_PENDING + 8)))
        assert flood.count(400) == 1 and flood.count(None) == LOGIN_MAX_PENDING + 7  # one guess per burst
        started = time.perf_counter()
        crowd = await asyncio.gather(*(throttle.attempt("192.0.2.50", good_login) for _ in range(10)))
        assert crowd == [200] * 10  # people behind one address signing in at once all get in, at once
        assert time.perf_counter() - started < 0.04
        assert await throttle.attempt("203.0.113.9", good_login) == 200
        assert throttle.delay(throttle._client("203.0.113.9").failures) == 0.0  # a success forgets

    asyncio.run(scenario())


def test_failures_are_forgotten_after_a_while():
    now = [1000.0]
    throttle = LoginThrottle(delay_s=0.01, max_delay_s=0.01, clock=lambda: now[0])

    async def bad_login() -> int:
        return 400

    asyncio.run(throttle.attempt("203.0.113.9", bad_login))
    assert throttle._client("203.0.113.9").failures == 1
    now[0] += 24 * 3600
    assert throttle._client("203.0.113.9").failures == 0


def test_frames_are_refused_by_default():
    headers = dict(security_headers(Settings().frame_ancestors))
    assert headers[b"content-security-policy"] == b"frame-ancestors 'none'" and headers[b"x-frame-options"] == b"DENY"
    assert b"x-frame-options" not in dict(security_headers("https://intranet.example"))


def test_hash_password_prints_a_hash_that_verifies():
    result = CliRunner().invoke(main, ["serve", "--hash-password"], input="tr0ub4dor\ntr0ub4dor\n")
    assert result.exit_code == 0, result.output
    encoded = result.output.strip().splitlines()[-1]
    assert verify_password("tr0ub4dor", encoded)
    mismatch = CliRunner().invoke(main, ["serve", "--hash-password"], input="one\ntwo\none\none\n")
    assert "do not match" in mismatch.output and verify_password("one", mismatch.output.strip().splitlines()[-1])


@pytest.mark.parametrize("options", [["--host", "192.0.2.1"], ["--host", "0.0.0.0"], ["--behind-proxy"]])
def test_serving_beyond_loopback_without_a_login_is_refused_before_anything_loads(tmp_path, options):
    result = CliRunner().invoke(main, ["serve", "--corpus", str(tmp_path / "absent"), "--port", "1", *options],
                                env={"QA_SERVE_AUTH": None, "QA_SERVE_AUTH_FILE": None})
    assert result.exit_code == 1
    assert "Refusing to serve" in result.output and "--allow-anonymous" in result.output
    assert "corpus directory not found" not in result.output  # refused before the index was opened


def test_a_bad_auth_file_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["serve", "--host", "0.0.0.0", "--auth-file", str(tmp_path / "missing")])
    assert result.exit_code == 1 and "Cannot read the auth file" in result.output and "Traceback" not in result.output


def test_auth_flag_replaces_the_environment_and_the_file_adds_to_either(tmp_path):
    users = tmp_path / "users"
    users.write_text("carol:c:read-only\n", encoding="utf-8")
    from_env = load_accounts((), Settings(serve_auth="alice:a, bob:b", serve_auth_file=users))
    assert str(from_env) == "3 accounts, 1 read-only"
    from_flag = load_accounts(("dave:d",), Settings(serve_auth="alice:a"))
    assert str(from_flag) == "1 account" and asyncio.run(from_flag.check("dave", "d"))
    assert load_accounts((), Settings()) is None


def test_anonymous_serving_beyond_loopback_is_warned_when_asked_for(capsys):
    check_exposure("127.0.0.1", Settings(), None)
    assert capsys.readouterr().err == ""  # loopback: as before, nothing to say
    check_exposure("0.0.0.0", Settings(serve_allow_anonymous=True), None)
    assert "WARNING: serving 0.0.0.0 without a login" in capsys.readouterr().err
    check_exposure("127.0.0.1", Settings(serve_allow_anonymous=True, serve_behind_proxy=True, serve_read_only=True), None)
    warning = capsys.readouterr().err
    assert "through a reverse proxy" in warning and "can read every article." in warning and "remove" not in warning
    check_exposure("0.0.0.0", Settings(), Accounts.load(["alice:a"], None))
    assert "Login required (1 account)" in capsys.readouterr().err
