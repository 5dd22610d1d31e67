"""SQL and HTML injection in every free-text field of both APIs: stored verbatim, never executed.

Each payload goes in through the operator API (text, call topics, joint
statements, acknowledgements, suspension reasons, rejection reasons) and
through the peer API (a CN statement), and must come back from the JSON API
byte for byte, with every table still there and only the expected rows
added (that the dashboard escapes it: `tests/web/test_assets.py`). Runs on
SQLite and on the real PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.security.site import BOTH_ENGINES, Site

PAYLOADS = [
    "'; DROP TABLE entries; --",
    "Robert'); DELETE FROM audit_log; --",
    "1' OR '1'='1'; UPDATE api_tokens SET role='administrator' --",
    "<script>alert('x')</script>",
    '"><img src=x onerror=alert(1)>',
    "{{ 7*7 }} ${7*7} \u202eevil\u202c 中文 🚢 \\u0000",
]

pytestmark = BOTH_ENGINES  # "no row written" is a promise of each store


def outbox(site: Site, kind: str) -> list[dict[str, Any]]:
    entries = site.api("local-admin", "GET", "/api/v1/outbox", params={"limit": 1000})
    return [e for e in entries.json()["entries"] if e["kind"] == kind]


def only(changed: dict[str, int], allowed: set[str]) -> None:
    """Rows were only added, and only to ``allowed`` tables (no table lost rows or vanished)."""
    assert set(changed) <= allowed, changed
    assert all(n > 0 for n in changed.values()), changed


SENT = {"entries", "audit_log", "log_heads", "entry_refs", "acks"}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_text_statement_stored_verbatim(site: Site, payload: str) -> None:
    before = site.counts()
    message = {"to": "CN", "body": {"text": payload, "lang": "en"}}
    sent = site.api("local-admin", "POST", "/api/v1/messages", json=message)
    assert sent.status_code == 200, sent.text
    only(site.changed(before), SENT)
    mine = [e for e in outbox(site, "text") if e["id"] == sent.json()["id"]]
    assert mine[0]["body"]["text"] == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_dialogue_fields_stored_verbatim(site: Site, payload: str) -> None:
    before = site.counts()
    call = {"tier": "theater", "urgency": "PRIORITY", "topic": payload}
    statement = {"title": payload, "text": {"en": payload, "zh": payload}}
    ids = []
    for kind, body in (("call_request", call), ("joint_statement", statement)):
        message = {"to": "CN", "kind": kind, "body": body, "tier": "theater"}
        sent = site.api("local-admin", "POST", "/api/v1/messages", json=message)
        assert sent.status_code == 200, sent.text
        ids.append(sent.json()["id"])
    only(site.changed(before), SENT)
    (call_entry,) = [e for e in outbox(site, "call_request") if e["id"] == ids[0]]
    (statement_entry,) = [e for e in outbox(site, "joint_statement") if e["id"] == ids[1]]
    assert call_entry["body"]["topic"] == payload
    assert statement_entry["body"]["title"] == payload
    assert statement_entry["body"]["text"] == {"en": payload, "zh": payload}


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_peer_statement_and_acknowledgement_stored_verbatim(
    site: Site, payload: str
) -> None:
    before = site.counts()
    item = site.extend(body={"text": payload, "lang": "en"})
    only(site.changed(before), {"entries", "log_heads", "receipts", "deliveries"})
    inbox = site.api("local-admin", "GET", "/api/v1/inbox", params={"limit": 1000}).json()
    (arrived,) = [e for e in inbox["entries"] if e["id"] == item.id]
    assert arrived["body"]["text"] == payload
    before = site.counts()
    ack = {"ref": item.id, "role": payload, "officer": payload}
    answer = site.api("chen.jie", "POST", "/api/v1/acknowledge", json=ack)
    assert answer.status_code == 200, answer.text
    only(site.changed(before), SENT)
    (stored,) = [e for e in outbox(site, "acknowledge") if e["id"] == answer.json()["id"]]
    assert stored["body"]["role"] == payload and stored["body"]["officer"] == payload


@pytest.mark.parametrize("payload", PAYLOADS)
def test_injection_suspension_and_rejection_reasons_stored_verbatim(
    site: Site, payload: str
) -> None:
    before = site.counts()
    path = f"/api/v1/channels/{site.channel_id}"
    suspended = site.api("local-admin", "POST", f"{path}/suspend", json={"reason": payload})
    assert suspended.status_code == 200, suspended.text
    (stored,) = [e for e in outbox(site, "suspend") if e["id"] == suspended.json()["id"]]
    assert stored["body"]["reason"] == payload
    resume = {"ref": suspended.json()["id"], "note": payload}
    resumed = site.api("local-admin", "POST", f"{path}/resume", json=resume)
    assert resumed.status_code == 200, resumed.text
    only(site.changed(before), SENT | {"suspensions"})
    before = site.counts()
    flash = {"to": "CN", "body": {"text": payload, "lang": "en"}, "precedence": "FLASH"}
    held_id = site.api("li.wei", "POST", "/api/v1/messages", json=flash).json()["held"]
    rejected = site.api(
        "chen.jie", "POST", f"/api/v1/held/{held_id}/reject", json={"reason": payload}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["decision_note"] == payload
    assert rejected.json()["messages"][0]["body"]["text"] == payload
    only(site.changed(before), {"held_messages", "audit_log"})
    records = site.api("audit.one", "GET", "/api/v1/audit", params={"action": "reject"}).json()
    assert records["records"][0]["detail"].endswith(payload)


def test_injection_left_every_table_and_token_intact(site: Site) -> None:
    """After every payload above: all tables answer, tokens keep their roles, the log verifies."""
    counts = site.counts()
    assert counts["api_tokens"] == 6
    authority = site.api("li.wei", "GET", "/api/v1/authority").json()
    assert authority["role"] == "operator"
    report = site.api("local-admin", "GET", "/api/v1/log/verify")
    assert report.status_code == 200, report.text
    assert report.json()["ok"] is True, report.text
