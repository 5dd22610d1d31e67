"""Dashboard logins against a real node: sessions, fixation, lockout, cookies, CSRF on login."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from detente.store import audit
from detente.store.database import Database
from tests.web.conftest import PASSWORD, Browser, Pair, csrf_of


def test_login_sets_a_strict_httponly_session_cookie(pair: Pair) -> None:
    tab = Browser(pair.us)
    response = tab.login("alice")
    assert response.status_code == 303
    assert response.headers["location"] == "/ui/"
    cookie = response.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=strict" in cookie
    assert cookie.startswith("detente_session_us=")
    page = tab.client.get("/ui/")
    assert page.status_code == 200
    assert "alice" in page.text
    tab.close()


def test_login_wrong_password_is_refused_in_place(pair: Pair) -> None:
    tab = Browser(pair.us)
    response = tab.login("alice", "not the password")
    assert response.status_code == 401
    assert "Wrong user name or password." in response.text
    assert tab.client.get("/ui/inbox").status_code == 303  # still not logged in
    tab.close()


def test_login_pages_need_a_session(pair: Pair) -> None:
    anonymous = httpx.Client(base_url=pair.us.url, follow_redirects=False)
    page = anonymous.get("/ui/inbox")
    assert page.status_code == 303
    assert page.headers["location"].startswith("/ui/login")
    assert anonymous.get("/ui/inbox.json").status_code == 401
    assert anonymous.get("/ui/events").status_code == 401
    anonymous.close()


def test_login_rotates_the_session_id_against_fixation(pair: Pair) -> None:
    client = httpx.Client(base_url=pair.us.url, follow_redirects=False)
    page = client.get("/ui/login")
    planted = client.cookies["detente_session_US"]
    response = client.post(
        "/ui/login", data={"csrf": csrf_of(page.text), "name": "alice", "password": PASSWORD}
    )
    assert response.status_code == 303
    issued = client.cookies["detente_session_US"]
    assert issued != planted
    # The id that existed before login (an attacker could have planted it) is dead.
    attacker = httpx.Client(base_url=pair.us.url, follow_redirects=False)
    attacker.cookies.set("detente_session_US", planted)
    assert attacker.get("/ui/inbox").status_code == 303
    assert attacker.get("/ui/inbox.json").status_code == 401
    assert client.get("/ui/inbox").status_code == 200
    client.close()
    attacker.close()


def test_login_without_csrf_token_is_refused(pair: Pair) -> None:
    client = httpx.Client(base_url=pair.us.url, follow_redirects=False)
    client.get("/ui/login")
    response = client.post("/ui/login", data={"name": "alice", "password": PASSWORD})
    assert response.status_code == 403
    assert "csrf" in response.text
    # No cookie at all (a cross-site form post): refused before the password is checked.
    bare = httpx.Client(base_url=pair.us.url, follow_redirects=False)
    refused = bare.post("/ui/login", data={"csrf": "x", "name": "alice", "password": PASSWORD})
    assert refused.status_code == 403
    client.close()
    bare.close()


def test_login_locks_out_after_five_failures_and_audits_it(pair: Pair) -> None:
    tab = Browser(pair.us)
    for _ in range(5):
        assert tab.login("lou", "guessing wrongly").status_code == 401
    locked = tab.login("lou", PASSWORD)
    assert locked.status_code == 401
    assert "Account locked" in locked.text
    assert tab.client.get("/ui/inbox").status_code == 303
    db = Database(pair.us.settings.db_url)
    try:
        with db.reading() as conn:
            records = [r for r in audit.list_records(conn) if r.operator == "lou"]
    finally:
        db.close()
    outcomes = [r.outcome for r in records]
    assert outcomes.count("locked") >= 2
    assert outcomes.count("refused") == 4
    assert all(PASSWORD not in (r.detail or "") for r in records)
    assert "guessing wrongly" not in pair.us.output()
    assert PASSWORD not in pair.us.output()
    tab.close()


def test_logout_ends_the_session(pair: Pair, browser_for: Callable[[str, str], Browser]) -> None:
    tab = browser_for("US", "alice")
    cookie = tab.client.cookies["detente_session_US"]
    assert tab.post("/ui/logout", {}).status_code == 303
    replay = httpx.Client(base_url=pair.us.url, follow_redirects=False)
    replay.cookies.set("detente_session_US", cookie)
    assert replay.get("/ui/inbox").status_code == 303
    replay.close()
