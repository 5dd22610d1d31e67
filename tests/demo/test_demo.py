"""The demo end to end: both nodes, the scenario at 20× speed, and what it must show."""

from __future__ import annotations

import json
from pathlib import Path

from rich.console import Console

from detente.demo.runner import run_demo


def test_demo_scenario_shows_the_whole_system(tmp_path: Path) -> None:
    summary = tmp_path / "summary.json"
    with (tmp_path / "console.txt").open("w", encoding="utf-8") as console_file:
        result = run_demo(
            workdir=tmp_path / "demo",
            duration_s=0,
            headless=True,
            summary=summary,
            speed=20.0,
            console=Console(file=console_file, width=120),
        )
    data = json.loads(summary.read_text(encoding="utf-8"))
    assert result.beats_failed == []
    assert data["logs_verified"] == {"US": True, "CN": True}
    assert data["delivered"] > 0
    assert data["receipts"] > 0
    us, cn = data["scenario"]["US"], data["scenario"]["CN"]
    # The nodes themselves saw both scripted encounters as critical.
    domains = {e["domain"]: e for e in us["encounters"] if e["max_level"] == "critical"}
    assert set(domains) == {"sea", "air"}
    assert abs(domains["sea"]["closest_m"] - 137.16) < 14  # 150 yards, within 10 %
    assert us["sent_by_kind"].get("encounter_alert", 0) >= 1
    # The live-fire notice conflicts with the US transit plan.
    assert us["activity_conflicts"] == 1
    # The unacknowledged FLASH escalated.
    assert us["sent_by_kind"].get("escalation", 0) >= 1
    assert us["alarms_by_kind"].get("deadline_missed", 0) >= 1
    # A call request, a meeting with both readouts, and a resolved incident.
    assert us["sent_by_kind"].get("call_request") == 1
    assert us["meetings"] == ["accepted"]
    assert us["readouts"] == ["CN", "US"]
    assert [i["state"] for i in us["incidents"]] == ["resolved"]
    assert [i["state"] for i in cn["incidents"]] == ["resolved"]
