"""``detente incident`` and ``detente playbook`` on real node data folders.

Two nodes run in this process (their services, not their HTTP servers) and
exchange their logs by hand, so the reading commands, which open the data
folder directly, see a real incident both sides worked on.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from detente.cli.incidents import incident, playbook
from detente.link.outgoing import Draft
from detente.node import incidents as node_incidents
from detente.node.service import NodeService
from detente.testing import connect, make_node
from detente.wire.enums import Precedence
from tests.incidents.builders import head_on_alert

Pair = tuple[NodeService, NodeService, str, Path]


def sync(a: NodeService, b: NodeService, channel: str) -> None:
    """Deliver a's new entries to b and b's receipt back, as the courier would."""
    for sender, reader in ((a, b), (b, a), (a, b)):
        start = reader.mirror_size(channel, sender.party) + 1
        envelopes, _ = sender.own_entries(channel, start, 1000)
        if envelopes:
            reader.receive(channel, sender.party, envelopes)


@pytest.fixture
def pair(tmp_path: Path, db_url: str) -> Iterator[Pair]:
    """US keeps its data in ``db_url`` (SQLite or PostgreSQL), CN in its own SQLite file."""
    us_settings = make_node(tmp_path / "us", "US", "INDOPACOM J3", db_url=db_url)
    cn_settings = make_node(tmp_path / "cn", "CN", "Southern Theater Command")
    channel = connect(us_settings, cn_settings)
    us, cn = NodeService(us_settings), NodeService(cn_settings)
    for service in (us, cn):
        service.migrate()
        node_incidents.install(service)
    try:
        yield us, cn, channel, tmp_path / "us"
    finally:
        us.close()
        cn.close()


def _worked_incident(us: NodeService, cn: NodeService, channel: str) -> str:
    """A critical alert opens an incident; CN acknowledges, US sends a step, both assess."""
    alert = head_on_alert().model_dump(mode="json")
    us.send(channel, [Draft("encounter_alert", alert, Precedence.IMMEDIATE)])
    sync(us, cn, channel)
    (listed,) = node_incidents.list_incidents(cn)
    incident_id = str(listed["id"])
    cn.send(
        channel,
        [Draft("acknowledge", {"ref": incident_id, "role": "duty officer"}, refs=(incident_id,))],
    )
    sync(cn, us, channel)
    node_incidents.send_step(us, incident_id)
    node_incidents.send_assessment(us, incident_id, 3, "CPA 500 m")
    sync(us, cn, channel)
    node_incidents.send_assessment(cn, incident_id, 2, "Unsafe, not dangerous")
    sync(cn, us, channel)
    return incident_id


def run(*args: str | Path) -> Any:
    result = CliRunner().invoke(incident, [str(a) for a in args], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result


def test_incident_list_json_has_the_promised_fields(pair: Pair) -> None:
    us, cn, channel, data = pair
    incident_id = _worked_incident(us, cn, channel)
    (row,) = json.loads(run("list", "--data", data, "--format", "json").output)
    assert row["id"] == incident_id
    assert {"id", "type", "state", "level", "opened_t", "parties"} <= set(row)
    assert row["type"] == "unsafe_encounter_sea" and row["state"] == "in_dialogue"
    assert row["level"] == 3 and row["parties"] == ["CN", "US"]
    assert row["assessments"] == {"CN": 2, "US": 3} and row["levels_differ"]
    table = run("list", "--data", data).output
    assert incident_id[:12] in table
    assert f"assessments differ on: {incident_id[:12]}" in table


def test_incident_show_by_prefix(pair: Pair) -> None:
    us, cn, channel, data = pair
    incident_id = _worked_incident(us, cn, channel)
    shown = json.loads(run("show", incident_id[:10], "--data", data, "--format", "json").output)
    assert shown["id"] == incident_id
    assert [s["done"] for s in shown["steps"]] == [True, False, False, False]
    assert shown["next_step"]["id"] == "propose_separation"
    assert shown["level_meanings"]["3"]["zh"]
    text = run("show", incident_id[:10], "--data", data).output
    assert "assessments differ" in text and "propose_separation" in text


def test_incident_show_unknown_id_is_a_clear_error(pair: Pair) -> None:
    _, _, _, data = pair
    result = CliRunner().invoke(incident, ["show", "abcdef", "--data", str(data)])
    assert result.exit_code == 1 and "no incident with an id starting 'abcdef'" in result.output


def test_incident_report_writes_html_with_the_plot(pair: Pair, tmp_path: Path) -> None:
    us, cn, channel, data = pair
    incident_id = _worked_incident(us, cn, channel)
    out = tmp_path / "report.html"
    result = run("report", incident_id, "--data", data, "--out", out, "--no-pdf")
    assert str(out) in result.output
    html = out.read_text(encoding="utf-8")
    assert "After-action report: Critical encounter: Haikou / Decatur" in html
    assert "data:image/png;base64," in html and "Predicted CPA 500 m" in html
    assert "Unsafe, not dangerous" in html and "CPA 500 m" in html


def test_incident_report_evidence_refusal_is_clear(pair: Pair, tmp_path: Path) -> None:
    us, cn, channel, data = pair
    incident_id = _worked_incident(us, cn, channel)
    result = CliRunner().invoke(
        incident,
        [
            "report",
            incident_id,
            "--data",
            str(data),
            "--out",
            str(tmp_path / "r.html"),
            "--evidence",
            "--no-pdf",
        ],
    )
    # No checkpoint has been witnessed in this in-process pair, so no bundle can be proven.
    assert result.exit_code == 1 and "checkpoint" in result.output


def test_incident_stats_json(pair: Pair) -> None:
    us, cn, channel, data = pair
    _worked_incident(us, cn, channel)
    stats = json.loads(run("stats", "--data", data, "--format", "json").output)
    assert stats["count"] == 1 and stats["by_level"] == {"3": 1}
    assert stats["per_side"]["US"]["time_to_peer_ack"]["count"] == 1
    assert "Per side" in run("stats", "--data", data).output


def test_playbook_check_accepts_the_shipped_file_and_names_faults(tmp_path: Path) -> None:
    shipped = (
        Path(__file__).parents[2] / "src/detente/incidents/playbooks/unsafe_encounter_sea.yaml"
    )
    result = CliRunner().invoke(playbook, ["check", str(shipped)])
    assert (
        result.exit_code == 0
        and "valid unsafe_encounter_sea playbook with 4 steps" in result.output
    )
    data = yaml.safe_load(shipped.read_text(encoding="utf-8"))
    data["steps"][1]["send"]["params"] = {"distance": 5000}
    broken = tmp_path / "broken.yaml"
    broken.write_text(yaml.safe_dump(data), encoding="utf-8")
    result = CliRunner().invoke(playbook, ["check", str(broken)])
    assert result.exit_code == 1
    assert "steps[1].send.params.distance" in result.output
