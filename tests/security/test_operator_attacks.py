"""A rogue or careless operator against a running node: escalation is held or refused, and logged.

Each test names the tables it expects to change (the held draft, the audit
record) and shows every other table untouched.
"""

from __future__ import annotations

from typing import Any

import httpx

from detente.store import lockouts
from detente.store.database import Database
from tests.security.site import Site, refused

POLICY_TEXT = {
    "to": "CN",
    "kind": "text",
    "body": {"text": "The ministry protests the intercept.", "lang": "en"},
    "precedence": "IMMEDIATE",
    "tier": "policy",
}


def audit_records(site: Site, **params: Any) -> list[dict[str, Any]]:
    response = site.api("audit.one", "GET", "/api/v1/audit", params=params)
    assert response.status_code == 200, response.text
    records: list[dict[str, Any]] = response.json()["records"]
    return records


def test_escalation_operator_policy_statement_is_held_not_sent(site: Site) -> None:
    before = site.counts()
    response = site.api("li.wei", "POST", "/api/v1/messages", json=POLICY_TEXT)
    assert response.status_code == 202, response.text
    held = response.json()
    assert held["state"] == "held"
    assert held["releasers"] == ["release_authority", "administrator"]
    assert "tier policy is above this role's operational" in held["reason"]
    assert site.changed(before) == {"held_messages": 1, "audit_log": 1}
    (record,) = audit_records(site, operator="li.wei", limit=1)
    assert (record["action"], record["outcome"], record["target"]) == ("hold", "held", held["held"])
    assert record["source"] == "127.0.0.1"


def test_escalation_operator_flash_is_held_for_duty_officer(site: Site) -> None:
    message = {
        "to": "CN",
        "body": {"text": "Alter course now", "lang": "en"},
        "precedence": "FLASH",
    }
    before = site.counts()
    response = site.api("li.wei", "POST", "/api/v1/messages", json=message)
    assert response.status_code == 202, response.text
    assert response.json()["releasers"][0] == "duty_officer"
    assert site.changed(before) == {"held_messages": 1, "audit_log": 1}


def test_escalation_operator_cannot_suspend_the_channel_alone(site: Site) -> None:
    before = site.counts()
    response = site.api(
        "li.wei",
        "POST",
        f"/api/v1/channels/{site.channel_id}/suspend",
        json={"reason": "I say so"},
    )
    assert response.status_code == 202, response.text
    assert site.changed(before) == {"held_messages": 1, "audit_log": 1}
    listed = site.api("chen.jie", "GET", "/api/v1/held").json()["held"]
    mine = [h for h in listed if h["id"] == response.json()["held"]]
    assert mine[0]["messages"][0]["kind"] == "suspend"


def test_escalation_operator_batch_with_one_policy_item_is_held_whole(site: Site) -> None:
    routine = {"to": "CN", "body": {"text": "Routine", "lang": "en"}}
    before = site.counts()
    response = site.api(
        "li.wei", "POST", "/api/v1/messages/batch", json={"messages": [routine, POLICY_TEXT]}
    )
    assert response.status_code == 202, response.text
    assert response.json()["reason"].startswith("messages[1]:")
    assert site.changed(before) == {"held_messages": 1, "audit_log": 1}


def test_escalation_auditor_cannot_send_at_all(site: Site) -> None:
    routine = {"to": "CN", "body": {"text": "hello", "lang": "en"}}
    before = site.counts()
    data = refused(
        site.api("audit.one", "POST", "/api/v1/messages", json=routine), 403, "forbidden"
    )
    assert data["field"] == "role" and "may not send" in data["reason"]
    assert site.changed(before) == {"audit_log": 1}
    (record,) = audit_records(site, operator="audit.one", action="send", limit=1)
    assert record["outcome"] == "refused" and "forbidden" in record["detail"]


def test_escalation_auditor_cannot_suspend_or_acknowledge(site: Site) -> None:
    item = site.extend()
    before = site.counts()
    refused(
        site.api(
            "audit.one",
            "POST",
            f"/api/v1/channels/{site.channel_id}/suspend",
            json={"reason": "x"},
        ),
        403,
        "forbidden",
    )
    refused(
        site.api(
            "audit.one", "POST", "/api/v1/acknowledge", json={"ref": item.id, "role": "auditor"}
        ),
        403,
        "forbidden",
    )
    assert site.changed(before) == {"audit_log": 2}


def test_escalation_drafter_cannot_release_own_held_statement(site: Site) -> None:
    drafted = site.api("wang.fang", "POST", "/api/v1/messages", json=POLICY_TEXT)
    assert drafted.status_code == 202, drafted.text
    held_id = drafted.json()["held"]
    before = site.counts()
    data = refused(
        site.api("wang.fang", "POST", f"/api/v1/held/{held_id}/release"), 403, "forbidden"
    )
    assert "different person" in data["reason"]
    # Neither may a duty officer or an operator release a policy-tier statement.
    for person in ("chen.jie", "li.wei"):
        data = refused(
            site.api(person, "POST", f"/api/v1/held/{held_id}/release"), 403, "forbidden"
        )
        assert "may not release" in data["reason"]
    assert site.changed(before) == {"audit_log": 3}  # three refusals, nothing signed


def test_escalation_second_person_releases_and_it_is_signed_once(site: Site) -> None:
    drafted = site.api("wang.fang", "POST", "/api/v1/messages", json=POLICY_TEXT)
    held_id = drafted.json()["held"]
    before = site.counts()
    released = site.api("zhou.min", "POST", f"/api/v1/held/{held_id}/release")
    assert released.status_code == 200, released.text
    done = released.json()
    assert done["state"] == "released" and done["decided_by"] == "zhou.min"
    assert done["entry_ids"] == [e["id"] for e in done["entries"]]
    changed = site.changed(before)
    assert changed["entries"] == 1 and changed["audit_log"] == 1
    again = refused(
        site.api("local-admin", "POST", f"/api/v1/held/{held_id}/release"), 422, "invalid"
    )
    assert "already released" in again["reason"]
    outbox = site.api("local-admin", "GET", "/api/v1/outbox").json()["entries"]
    assert any(e["id"] == done["entries"][0]["id"] and e["tier"] == "policy" for e in outbox)


def test_escalation_rejection_discards_with_reason(site: Site) -> None:
    message = {"to": "CN", "body": {"text": "Leave now", "lang": "en"}, "precedence": "FLASH"}
    held_id = site.api("li.wei", "POST", "/api/v1/messages", json=message).json()["held"]
    before = site.counts()
    refused(
        site.api("audit.one", "POST", f"/api/v1/held/{held_id}/reject", json={"reason": "no"}),
        403,
        "forbidden",
    )
    rejected = site.api(
        "chen.jie", "POST", f"/api/v1/held/{held_id}/reject", json={"reason": "use a phrase"}
    )
    assert rejected.status_code == 200, rejected.text
    assert rejected.json()["state"] == "rejected"
    assert rejected.json()["decision_note"] == "use a phrase"
    assert site.changed(before) == {"audit_log": 2}
    refused(site.api("wang.fang", "POST", f"/api/v1/held/{held_id}/release"), 422, "invalid")


def test_escalation_audit_log_readable_only_by_auditor_and_administrator(site: Site) -> None:
    for person in ("li.wei", "chen.jie", "wang.fang"):
        data = refused(site.api(person, "GET", "/api/v1/audit"), 403, "forbidden")
        assert "audit log" in data["reason"]
    assert audit_records(site, limit=5)
    assert site.api("local-admin", "GET", "/api/v1/audit").status_code == 200


def test_escalation_audit_log_has_no_write_route(site: Site) -> None:
    """No route of the application updates or deletes audit records."""
    spec = site.api("local-admin", "GET", "/api/openapi.json").json()
    for path, operations in spec["paths"].items():
        if "audit" in path:
            assert set(operations) == {"get"}, (path, operations)
    before = site.counts()
    for method in ("DELETE", "PUT", "PATCH", "POST"):
        response = site.api("local-admin", method, "/api/v1/audit")
        assert response.status_code == 405, (method, response.status_code)
    assert site.changed(before) == {}


def test_escalation_every_action_is_audited_with_role_and_source(site: Site) -> None:
    item = site.extend()
    ack = site.api(
        "chen.jie", "POST", "/api/v1/acknowledge", json={"ref": item.id, "role": "duty officer"}
    )
    assert ack.status_code == 200, ack.text
    (record,) = audit_records(site, operator="chen.jie", action="acknowledge", limit=1)
    assert record["role"] == "duty_officer" and record["outcome"] == "ok"
    assert ack.json()["id"] in record["detail"] and record["source"] == "127.0.0.1"


def test_malformed_operator_bodies_refused_database_unchanged(site: Site) -> None:
    headers = {"content-type": "application/json"}
    bodies = {
        "deep": b'{"to":"CN","body":' + b"[" * 100_000 + b"]" * 100_000 + b"}",
        "utf8": b'{"to":"CN","body":{"text":"\xff\xfe","lang":"en"}}',
        "truncated": b'{"to":"CN","body":{"text":"x"',
    }
    before = site.counts()
    for name, body in bodies.items():
        response = site.api(
            "local-admin", "POST", "/api/v1/messages", content=body, headers=headers
        )
        # FastAPI's own body parser answers these (400, or 422 for a JSON syntax error).
        assert response.status_code in (400, 422), (name, response.text)
    assert site.changed(before) == {}


def test_oversized_operator_body_refused(site: Site) -> None:
    body = {"to": "CN", "body": {"text": "x" * (17 * 1024 * 1024), "lang": "en"}}
    before = site.counts()
    response = site.api("local-admin", "POST", "/api/v1/messages", json=body)
    assert response.status_code in (413, 422), response.text
    assert response.json()["field"] in ("body", "body.text")
    assert set(site.changed(before)) <= {"audit_log"}  # a refused send is audited, nothing else


def test_missing_or_malformed_bearer_token_refused(site: Site) -> None:
    before = site.counts()
    for headers in ({}, {"authorization": "Basic YWRtaW46YWRtaW4="}, {"authorization": "Bearer"}):
        response = httpx.get(site.us.url + "/api/v1/inbox", headers=headers, timeout=30)
        data = refused(response, 401, "unauthorized")
        assert data["field"] == "authorization"
    # Only the shared count of refusals for this address moved.
    assert set(site.changed(before)) <= {"token_lockouts"}
    assert refusals(site) >= 3
    assert site.api("local-admin", "GET", "/api/v1/inbox").status_code == 200  # clears the count
    assert refusals(site) == 0


def refusals(site: Site) -> int:
    db = Database(site.us.settings.db_url)
    try:
        with db.reading() as conn:
            row = lockouts.get(conn, "127.0.0.1")
    finally:
        db.close()
    return row.failures if row is not None else 0


def test_escalation_auditor_cannot_open_an_incident(site: Site) -> None:
    before = site.counts()
    opening = {"to": "CN", "title": "Unsafe intercept", "facts": ["Closed to 30 m"]}
    response = site.api("audit.one", "POST", "/api/v1/incidents", json=opening)
    refused(response, 403, "forbidden")
    assert site.changed(before) == {"audit_log": 1}


def test_escalation_operator_cannot_rotate_the_node_key(site: Site) -> None:
    before = site.counts()
    refused(site.api("li.wei", "POST", "/api/v1/keys/rotate"), 403, "forbidden")
    assert site.changed(before) == {"audit_log": 1}
