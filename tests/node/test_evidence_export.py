"""Bundles exported from a real node's database verify offline; receipts date the entries."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from detente.errors import NotFoundError, ValidationError
from detente.log.evidence import encode_bundle
from detente.log.evidence_verify import verify_bundle
from detente.node.evidence_export import Selection, export_bundle
from detente.node.identity import load_key
from detente.store.database import Database
from detente.testing import (
    NodeProcess,
    connect,
    make_node,
    postgres_unavailable_reason,
    temporary_postgres_database,
    wait_until,
)


@dataclass
class Talked:
    us: NodeProcess
    cn: NodeProcess
    channel_id: str
    us_ids: list[str]
    cn_ids: list[str]

    def export(self, node: NodeProcess, selection: Selection) -> dict[str, Any]:
        db = Database(node.settings.db_url)
        try:
            return export_bundle(
                db,
                party=node.settings.party,
                key=load_key(node.settings),
                selection=selection,
            )
        finally:
            db.close()


def _talk(us: NodeProcess, cn: NodeProcess, rounds: int) -> tuple[list[str], list[str]]:
    sent: dict[str, list[dict[str, Any]]] = {"US": [], "CN": []}
    for n in range(rounds):
        for node, to in ((us, "CN"), (cn, "US")):
            body = {"text": f"{node.settings.party} {n}", "lang": "en"}
            sent[node.settings.party].append(
                node.api("POST", "/api/v1/messages", json={"to": to, "body": body})
            )

    def receipted(node: NodeProcess) -> bool:
        last = sent[node.settings.party][-1]["seq"]
        delivery = node.api("GET", "/api/v1/delivery")["channels"]
        return all(r["receipted_seq"] >= last for r in delivery)

    wait_until(lambda: receipted(us) and receipted(cn), what="both receipted")
    return [s["id"] for s in sent["US"]], [s["id"] for s in sent["CN"]]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def talked_db(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """US's database, SQLite or the real PostgreSQL; shared by this module's tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('us_db') / 'us.sqlite'}"
        return
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(f"SKIPPING POSTGRES TEST LOUDLY: {reason}")
    with temporary_postgres_database() as url:
        yield url


@pytest.fixture(scope="module")
def talked(talked_db: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Talked]:
    """Two real nodes that exchanged statements and had both logs witnessed."""
    tmp_path = tmp_path_factory.mktemp("talked")
    us_settings = make_node(tmp_path / "us", "US", "INDOPACOM J3", db_url=talked_db)
    cn_settings = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    channel_id = connect(us_settings, cn_settings)
    us, cn = NodeProcess(us_settings), NodeProcess(cn_settings)
    try:
        us.start()
        cn.start()
        us_ids, cn_ids = _talk(us, cn, 4)

        def settled() -> bool:
            # Let receipts of receipts stop flowing, then checkpoint both logs.
            results = us.api("POST", "/api/v1/checkpoints/now")["results"]
            results += cn.api("POST", "/api/v1/checkpoints/now")["results"]
            return all(r["status"] == "witnessed" for r in results)

        wait_until(settled, interval_s=0.5, what="checkpoints witnessed at a quiet log")
        yield Talked(us, cn, channel_id, us_ids, cn_ids)
    finally:
        us.stop()
        cn.stop()


def test_evidence_export_whole_channel_verifies_offline(talked: Talked) -> None:
    bundle = talked.export(talked.us, Selection())
    report = verify_bundle(
        encode_bundle(bundle),
        keys={
            "US": load_key(talked.us.settings).verify_key,
            "CN": load_key(talked.cn.settings).verify_key,
        },
    )
    assert report.ok, report.failures
    texts = {e.id: e for e in report.entries if e.kind == "text"}
    assert set(talked.us_ids + talked.cn_ids) <= set(texts)
    for entry_id in talked.us_ids:
        assert texts[entry_id].received_by == "CN"
        assert texts[entry_id].received_by_t is not None
    for entry_id in talked.cn_ids:
        assert texts[entry_id].received_by == "US"


def test_evidence_export_of_named_entries_carries_their_receipts(talked: Talked) -> None:
    wanted = [talked.us_ids[1], talked.us_ids[2]]
    bundle = talked.export(talked.cn, Selection(entry_ids=tuple(wanted)))
    assert bundle["exported_by"] == "CN"
    report = verify_bundle(encode_bundle(bundle))
    assert report.ok, report.failures
    selected = [e for e in report.entries if e.selected]
    assert {e.id for e in selected if e.party == "US"} == set(wanted)
    assert all(e.received_by == "CN" for e in selected if e.party == "US")
    assert "CN" in bundle["logs"]  # the receipts live in CN's log


def test_evidence_export_time_window_selects_both_logs(talked: Talked) -> None:
    now = datetime.now(UTC)
    bundle = talked.export(
        talked.us, Selection(from_t=now - timedelta(hours=1), to_t=now + timedelta(hours=1))
    )
    assert set(bundle["logs"]) == {"US", "CN"}
    assert verify_bundle(encode_bundle(bundle)).ok
    with pytest.raises(NotFoundError, match="no entry on this channel falls in the window"):
        talked.export(talked.us, Selection(to_t=now - timedelta(days=1)))


def test_evidence_export_refuses_run_without_witnessed_checkpoint(talked: Talked) -> None:
    fresh = talked.us.api(
        "POST",
        "/api/v1/messages",
        json={"to": "CN", "body": {"text": "not yet witnessed", "lang": "en"}},
    )
    with pytest.raises(NotFoundError, match="no witnessed checkpoint of US's log covers seq"):
        talked.export(talked.us, Selection(entry_ids=(fresh["id"],)))
    # Witnessed, but CN's receipt of it may not be yet: the entry then exports undated.
    wait_until(
        lambda: (
            talked.us.api("POST", "/api/v1/checkpoints/now")["results"][0]["status"]
            in ("cosigned", "witnessed")
        ),
        what="US checkpoint cosigned",
    )
    report = verify_bundle(
        encode_bundle(talked.export(talked.us, Selection(entry_ids=(fresh["id"],))))
    )
    assert report.ok, report.failures
    (entry,) = [e for e in report.entries if e.selected]
    assert entry.id == fresh["id"]


def test_evidence_export_operator_api_returns_verifiable_bundle(talked: Talked) -> None:
    bundle = talked.us.api("POST", "/api/v1/evidence/export", json={"entries": [talked.cn_ids[0]]})
    report = verify_bundle(encode_bundle(bundle))
    assert report.ok, report.failures
    checked = talked.us.api("POST", "/api/v1/evidence/verify", content=encode_bundle(bundle))
    assert checked["ok"] is True


def test_evidence_selection_refuses_mixed_or_naive_input() -> None:
    with pytest.raises(ValidationError, match="not both"):
        Selection(from_t=datetime.now(UTC), entry_ids=("00" * 32,))
    with pytest.raises(ValidationError, match="timezone"):
        Selection(from_t=datetime(2026, 1, 1))
