"""Attacks through the peer API on a running node: each refused, with a reason, leaving no row.

The adversary here is the peer itself (it holds CN's real key) or a third
party on the network (it holds some other key, or none). See docs/SECURITY.md.
"""

from __future__ import annotations

import json
import time

import httpx

from detente.link.auth import sign_request
from detente.wire.entry import GENESIS_PREV
from detente.wire.keys import SigningKey, b64encode
from tests.security.site import BOTH_ENGINES, Site, refused

pytestmark = BOTH_ENGINES  # "no row written" is a promise of each store


def test_attack_forged_signature_refused_database_unchanged(site: Site) -> None:
    before = site.counts()
    envelope = site.next_entry(body={"text": "We will open fire", "lang": "en"}).envelope()
    envelope["sig"] = b64encode(bytes(64))
    data = refused(
        site.push_raw(json.dumps({"entries": [envelope]}).encode()), 403, "bad_signature"
    )
    assert data["field"] == "entries[0].sig"
    assert site.changed(before) == {}


def test_attack_altered_payload_under_valid_signature_refused(site: Site) -> None:
    """A third party edits a genuine entry in transit; the signature no longer holds."""
    before = site.counts()
    genuine = site.next_entry(body={"text": "We will pass astern", "lang": "en"}).envelope()
    genuine["payload"] = str(genuine["payload"]).replace("pass astern", "ram you")
    data = refused(site.push_raw(json.dumps({"entries": [genuine]}).encode()), 403, "bad_signature")
    assert data["field"] == "entries[0].sig"
    assert site.changed(before) == {}


def test_attack_entry_from_unknown_key_refused(site: Site) -> None:
    before = site.counts()
    stranger = SigningKey.generate()
    refused(site.push([site.next_entry(key=stranger)]), 403, "unknown_key")
    assert site.changed(before) == {}


def test_attack_request_signed_by_third_party_refused(site: Site) -> None:
    """Someone on the network with their own key poses as CN: the request is not CN's."""
    before = site.counts()
    data = refused(site.push([site.next_entry()], key=SigningKey.generate()), 401, "unauthorized")
    assert data["field"] == "detente-key"
    assert site.changed(before) == {}


def test_attack_replayed_entry_stores_nothing(site: Site) -> None:
    first = site.extend()
    before = site.counts()
    again = site.push([first])
    assert again.status_code == 200, again.text
    assert again.json()["accepted"] == 0 and again.json()["duplicates"] == 1
    assert again.json()["receipt"] is None  # no receipt for nothing new
    assert site.changed(before) == {}


def test_attack_replayed_request_from_the_past_refused(site: Site) -> None:
    """A captured push replayed later: its signed date is outside the skew window."""
    before = site.counts()
    body = json.dumps({"entries": [site.next_entry().envelope()]}).encode()
    target = f"/peer/v1/channels/{site.channel_id}/entries"
    headers = sign_request(site.cn_key, "CN", "POST", target, body, time.time() - 3600)
    headers["content-type"] = "application/json"
    response = httpx.post(site.us.url + target, content=body, headers=headers, timeout=30)
    data = refused(response, 401, "unauthorized")
    assert data["field"] == "detente-date"
    assert site.changed(before) == {}


def test_attack_reordered_batch_refused(site: Site) -> None:
    before = site.counts()
    a = site.next_entry()
    b = site.entry(a.entry.seq + 1, a.id)
    data = refused(site.push([b, a]), 409, "sequence")
    assert data["field"] == "entries[0].seq"
    assert site.changed(before) == {}


def test_attack_duplicated_entry_within_batch_refused(site: Site) -> None:
    before = site.counts()
    a = site.next_entry()
    data = refused(site.push([a, a]), 409, "sequence")
    assert "not consecutive" in data["reason"]
    assert site.changed(before) == {}


def test_attack_duplicated_batch_is_harmless(site: Site) -> None:
    """The same batch pushed twice (a retry, or a replay) stores it once."""
    a = site.next_entry()
    b = site.entry(a.entry.seq + 1, a.id)
    assert site.push([a, b]).status_code == 200
    site.chain.extend([a, b])
    before = site.counts()
    again = site.push([a, b])
    assert again.status_code == 200 and again.json()["duplicates"] == 2
    assert site.changed(before) == {}


def test_attack_entry_for_another_channel_refused(site: Site) -> None:
    before = site.counts()
    item = site.next_entry(channel="ee" * 16)
    data = refused(site.push([item]), 404, "wrong_channel")
    assert data["field"] == "entries[0].channel"
    assert site.changed(before) == {}


def test_attack_push_to_unknown_channel_refused(site: Site) -> None:
    before = site.counts()
    refused(site.push([site.next_entry()], channel="ff" * 16), 404, "wrong_channel")
    assert site.changed(before) == {}


def test_attack_peer_fork_of_its_own_log_refused(site: Site) -> None:
    """Equivocation: CN presents a different entry at a sequence number it already used."""
    if not site.chain:
        site.extend()
    before = site.counts()
    seq = site.chain[-1].entry.seq
    prev = site.chain[-2].id if len(site.chain) > 1 else GENESIS_PREV
    fork = site.entry(seq, prev, body={"text": "We never said that", "lang": "en"})
    data = refused(site.push([fork]), 409, "equivocation")
    assert f"fork at seq {seq}" in data["reason"]
    assert site.changed(before) == {"alarms": 1}  # the fork is kept as proof, nothing stored


def test_attack_peer_fork_at_the_tip_refused(site: Site) -> None:
    """A new entry that does not chain onto CN's last entry is a fork, not an append."""
    if not site.chain:
        site.extend()
    before = site.counts()
    fork = site.entry(site.chain[-1].entry.seq + 1, "ab" * 32)
    data = refused(site.push([fork]), 409, "sequence")
    assert data["field"] == "entries[0].prev" and "fork" in data["reason"]
    assert site.changed(before) == {}


def test_attack_entry_claiming_to_be_us_refused(site: Site) -> None:
    """CN signs an entry naming party US: the request is CN's, so the entry is not US's to push."""
    before = site.counts()
    item = site.next_entry()
    envelope = item.envelope()
    envelope["payload"] = str(envelope["payload"]).replace('"party":"CN"', '"party":"US"')
    response = site.push_raw(json.dumps({"entries": [envelope]}).encode())
    assert response.status_code in (403, 409, 422), response.text
    assert response.json()["reason"]
    assert site.changed(before) == {}


def test_attack_oversized_body_refused(site: Site) -> None:
    before = site.counts()
    huge = b'{"entries": ["' + b"x" * (17 * 1024 * 1024) + b'"]}'
    data = refused(site.push_raw(huge), 400, "wire")
    assert "exceeds the limit" in data["reason"]
    assert site.changed(before) == {}


def test_attack_deeply_nested_json_refused(site: Site) -> None:
    before = site.counts()
    body = b'{"entries": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    data = refused(site.push_raw(body), 400, "wire")
    assert "nested too deeply" in data["reason"]
    assert site.changed(before) == {}


def test_attack_deeply_nested_entry_body_refused(site: Site) -> None:
    """Nesting inside a correctly signed entry's payload: refused by the decoder, not a crash."""
    before = site.counts()
    nested: object = "deep"
    for _ in range(200):
        nested = {"x": nested}
    item = site.next_entry(body={"text": "x", "lang": "en", "extra": nested})
    data = refused(site.push([item]), 400, "wire")
    assert data["field"].startswith("entries[0].payload") and "recursion" in data["reason"]
    assert site.changed(before) == {}


def test_attack_invalid_utf8_refused(site: Site) -> None:
    before = site.counts()
    data = refused(site.push_raw(b'{"entries": ["\xff\xfe"]}'), 400, "wire")
    assert "UTF-8" in data["reason"]
    assert site.changed(before) == {}


def test_attack_json_constants_refused(site: Site) -> None:
    before = site.counts()
    data = refused(site.push_raw(b'{"entries": [NaN]}'), 400, "wire")
    assert "NaN" in data["reason"]
    assert site.changed(before) == {}


def test_attack_too_many_entries_in_batch_refused(site: Site) -> None:
    before = site.counts()
    envelope = site.next_entry().envelope()
    data = refused(
        site.push_raw(json.dumps({"entries": [envelope] * 5001}).encode()), 422, "invalid"
    )
    assert data["field"] == "entries"
    assert site.changed(before) == {}


def test_attack_unsigned_request_refused(site: Site) -> None:
    before = site.counts()
    response = httpx.post(
        site.us.url + f"/peer/v1/channels/{site.channel_id}/entries",
        content=json.dumps({"entries": [site.next_entry().envelope()]}).encode(),
        timeout=30,
    )
    data = refused(response, 401, "unauthorized")
    assert data["field"] == "detente-party"
    assert site.changed(before) == {}


def test_attack_peer_cannot_use_operator_api(site: Site) -> None:
    """The peer's request signature opens the peer API only; the operator API wants a token."""
    before = site.counts()
    target = "/api/v1/messages"
    body = json.dumps({"to": "CN", "body": {"text": "x", "lang": "en"}}).encode()
    headers = sign_request(site.cn_key, "CN", "POST", target, body, time.time())
    headers["content-type"] = "application/json"
    response = httpx.post(site.us.url + target, content=body, headers=headers, timeout=30)
    refused(response, 401, "unauthorized")
    # Nothing stored but the address's count of refused tokens (a row, if it is the first).
    assert set(site.changed(before)) <= {"token_lockouts"}


def test_attack_peer_fork_raises_equivocation_alarm(site: Site) -> None:
    if not site.chain:
        site.extend()
    before = site.counts()
    seq = site.chain[-1].entry.seq
    prev = site.chain[-2].id if len(site.chain) > 1 else GENESIS_PREV
    fork = site.entry(seq, prev, body={"text": "A second version", "lang": "en"})
    refused(site.push([fork]), 409, "equivocation")
    alarms = site.api("local-admin", "GET", "/api/v1/alarms", params={"open_only": True})
    proof = [a for a in alarms.json()["alarms"] if a["kind"] == "equivocation"]
    assert proof
    assert proof[0]["severity"] == 5
    assert proof[0]["details"]["received"]["payload"] != proof[0]["details"]["stored"]["payload"]
    assert site.changed(before) == {"alarms": 1}  # the proof is kept; no entry stored


def test_attack_baseline_valid_entry_is_stored_with_our_receipt(site: Site) -> None:
    """What every refusal here is measured against: a valid push is stored and receipted."""
    before = site.counts()
    item = site.next_entry()
    answer = site.push([item])
    assert answer.status_code == 200, answer.text
    site.chain.append(item)
    data = answer.json()
    assert data["accepted"] == 1 and data["head"]["size"] == len(site.chain)
    assert data["receipt"] is not None
    assert site.changed(before)["entries"] == 2  # CN's entry and US's receipt


def test_attack_gap_in_sequence_refused(site: Site) -> None:
    before = site.counts()
    gap = site.entry(len(site.chain) + 5, "1" * 64)
    data = refused(site.push([gap]), 409, "sequence")
    assert data["reason"]
    assert site.changed(before) == {}


def test_attack_malformed_json_refused(site: Site) -> None:
    before = site.counts()
    data = refused(site.push_raw(b'{"entries": [}'), 400, "wire")
    assert "malformed JSON" in data["reason"]
    assert site.changed(before) == {}


def test_attack_bad_body_for_its_kind_refused(site: Site) -> None:
    """Signed correctly, but the text kind's body is empty: invalid, named to the field."""
    before = site.counts()
    item = site.next_entry(body={"text": "", "lang": "en"})
    data = refused(site.push([item]), 422, "invalid")
    assert data["field"] == "entries[0].body.text"
    assert site.changed(before) == {}


def test_attack_refusal_summary_follows_accept_language(site: Site) -> None:
    envelope = site.next_entry().envelope()
    envelope["sig"] = b64encode(bytes(64))
    body = json.dumps({"entries": [envelope]}).encode()
    path = f"/peer/v1/channels/{site.channel_id}/entries"
    headers = sign_request(site.cn_key, "CN", "POST", path, body, time.time())
    for lang, summary in (("zh-CN", "签名无效"), ("en", "bad signature")):
        response = httpx.post(
            site.us.url + path,
            content=body,
            headers={**headers, "accept-language": lang},
            timeout=10,
        )
        assert response.json()["message"] == summary
        assert "does not verify" in response.json()["reason"]  # the exact detail stays English
