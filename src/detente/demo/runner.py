"""Runs the demo: two real node processes, a channel, the scenario, a summary.

The nodes are real ``detente node run`` processes on loopback with SQLite;
the scenario's beats speak through each node's operator API and the
simulator's traffic streams into both. ``speed`` runs simulated time faster
(the channel's deadlines shrink with it, so a missed FLASH deadline still
escalates within the ten simulated minutes).
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from detente.deconflict.simulator.scenario import generate
from detente.demo.scenario import BEATS, SCENARIO_MINUTES, DemoContext, TrackFeeder, feed_lines
from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.testing import NodeProcess, connect, make_node, wait_until
from detente.wire.enums import Precedence

DEMO_OPERATORS = {
    "us": [("us-duty", "duty_officer", "en"), ("us-release", "release_authority", "en")],
    "cn": [("cn-duty", "duty_officer", "zh"), ("cn-release", "release_authority", "zh")],
}
DEMO_PASSWORD = "detente-demo-2026"  # noqa: S105 - printed for the demo's users on purpose


@dataclass
class DemoResult:
    sent: int = 0
    delivered: int = 0
    receipts: int = 0
    logs_verified: dict[str, bool] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)
    scenario: dict[str, Any] = field(default_factory=dict)
    beats_failed: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "delivered": self.delivered,
            "receipts": self.receipts,
            "logs_verified": self.logs_verified,
            "urls": self.urls,
            "scenario": self.scenario,
            "beats_failed": self.beats_failed,
        }


def demo_terms(speed: float) -> ChannelSettings:
    """Short deadlines and link checks so the demo shows them within ten minutes."""
    return ChannelSettings(
        link=LinkSettings(
            ack_deadlines_s={
                Precedence.FLASH: max(2.0, 90.0 / speed),
                Precedence.IMMEDIATE: max(3.0, 180.0 / speed),
                Precedence.PRIORITY: 3 * 3600.0,
                Precedence.ROUTINE: 6 * 3600.0,
            },
            link_check_interval_s=max(15.0, 60.0 / speed),
            checkpoint_interval_s=max(5.0, 60.0 / speed),
            pull_interval_s=1.0,
        )
    )


def _create_operators(workdir: Path) -> list[str]:
    """Demo logins for the dashboard, if the web package is installed."""
    try:
        from detente.node.operators import add_operator
        from detente.node.settings import NodeSettings
        from detente.store.database import Database
    except ImportError:
        return []
    lines = []
    for side, operators in DEMO_OPERATORS.items():
        settings = NodeSettings.load(workdir / side)
        db = Database(settings.db_url)
        try:
            for name, role, lang in operators:
                add_operator(
                    db, name, role, DEMO_PASSWORD, lang, by=("demo", "administrator", "local")
                )
                lines.append(f"{settings.party}: {name} / {DEMO_PASSWORD} ({role}, {lang})")
        finally:
            db.close()
    return lines


def run_demo(
    *,
    workdir: Path | None,
    duration_s: float | None,
    headless: bool,
    summary: Path | None,
    speed: float = 1.0,
    console: Console | None = None,
) -> DemoResult:
    """Start both nodes, play the scenario, verify, then keep serving for ``duration_s``."""
    console = console or Console(stderr=True)
    temp = None
    if workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="detente-demo-")
        workdir = Path(temp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    us = make_node(workdir / "us", "US", "INDOPACOM J3")
    cn = make_node(workdir / "cn", "CN", "Southern Theater Command")
    channel_id = connect(us, cn, demo_terms(speed))
    logins = _create_operators(workdir)
    console.print(f"[bold]Détente demo[/]: channel {channel_id} between US and CN in {workdir}")
    nodes = {"us": NodeProcess(us), "cn": NodeProcess(cn)}
    result = DemoResult()
    feeder: TrackFeeder | None = None
    try:
        for node in nodes.values():
            node.start()
        result.urls = {n.settings.party: n.url for n in nodes.values()}
        for party, url in result.urls.items():
            console.print(f"  {party} dashboard: {url}/ui/   (API: {url}/api/docs)")
        for line in logins:
            console.print(f"  login {line}")
        scenario = generate("scs", minutes=SCENARIO_MINUTES, seed=1, start_t=time.time())
        ctx = DemoContext(nodes["us"], nodes["cn"], scenario, speed, time.time())
        feeder = TrackFeeder(ctx, feed_lines(scenario))
        feeder.start()
        _play(ctx, result, console)
        remaining = scenario.end_t - ctx.sim_t()
        if remaining > 0:
            time.sleep(remaining / speed)
        feeder.stop.set()
        _settle(nodes)
        _collect(nodes, result, console)
        _verify(nodes, result, console)
        if summary:
            summary.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        if duration_s is None and headless:
            duration_s = 0.0
        _serve(duration_s, console)
    finally:
        if feeder is not None:
            feeder.stop.set()
        for node in nodes.values():
            node.stop()
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.cleanup()
    return result


def _play(ctx: DemoContext, result: DemoResult, console: Console) -> None:
    for beat in BEATS:
        wait = beat.at_s / ctx.speed - (time.time() - ctx.started_wall)
        if wait > 0:
            time.sleep(wait)
        try:
            beat.run(ctx)
            console.print(f"  [dim]T+{beat.at_s:>4.0f}s[/] {beat.caption}")
        except Exception as exc:
            result.beats_failed.append(f"{beat.caption}: {exc}")
            console.print(f"  [red]T+{beat.at_s:>4.0f}s {beat.caption} failed: {exc}[/]")


def _settle(nodes: dict[str, NodeProcess]) -> None:
    """Wait until each side has receipted everything the other said."""

    def done() -> bool:
        for node in nodes.values():
            for row in node.api("GET", "/api/v1/delivery")["channels"]:
                if row["delivered_seq"] < row["own_size"]:
                    return False
        return True

    with contextlib.suppress(TimeoutError):
        wait_until(done, timeout_s=30, interval_s=0.3, what="delivery of everything")


def _collect(nodes: dict[str, NodeProcess], result: DemoResult, console: Console) -> None:
    facts: dict[str, Any] = {}
    for node in nodes.values():
        inbox = node.api("GET", "/api/v1/inbox", params={"limit": 1000, "receipts": True})
        entries = inbox["entries"]
        outbox = node.api("GET", "/api/v1/outbox", params={"limit": 1000})["entries"]
        result.sent += len(outbox)
        result.delivered += sum(1 for e in entries if e["kind"] != "receipt")
        result.receipts += sum(1 for e in entries if e["kind"] == "receipt")
        party = node.settings.party
        kinds: dict[str, int] = {}
        for e in outbox:
            kinds[e["kind"]] = kinds.get(e["kind"], 0) + 1
        alarms = node.api("GET", "/api/v1/alarms")["alarms"]
        encounters = node.api("GET", "/api/v1/encounters")["encounters"]
        activities = node.api("GET", "/api/v1/activities")
        dialogue = node.api("GET", "/api/v1/dialogue")["channels"]
        incidents = node.api("GET", "/api/v1/incidents")["incidents"]
        facts[party] = {
            "incidents": [
                {"id": i["id"], "type": i["type"], "state": i["state"], "level": i["level"]}
                for i in incidents
            ],
            "sent_by_kind": kinds,
            "alarms_by_kind": _count(a["kind"].split(":")[0] for a in alarms),
            "encounters": [
                {
                    "id": e["encounter_id"],
                    "domain": e["domain"],
                    "max_level": e["max_level"],
                    "closest_m": round(e["closest_m"], 1),
                    "tracks": [e["track_a"], e["track_b"]],
                }
                for e in encounters
                if e["max_level"] in ("warning", "critical")
            ],
            "activity_conflicts": len(activities["conflicts"]),
            "meetings": [m["status"] for c in dialogue for m in c["meetings"]],
            "readouts": sorted({p for c in dialogue for m in c["meetings"] for p in m["readouts"]}),
        }
    result.scenario = facts
    for party, f in facts.items():
        console.print(f"  {party}: sent {f['sent_by_kind']}; alarms {f['alarms_by_kind']}")


def _count(items: Any) -> dict[str, int]:
    counts: dict[str, int] = {}
    for item in items:
        counts[item] = counts.get(item, 0) + 1
    return counts


def _verify(nodes: dict[str, NodeProcess], result: DemoResult, console: Console) -> None:
    for node in nodes.values():
        report = node.api("GET", "/api/v1/log/verify")
        result.logs_verified[node.settings.party] = bool(report["ok"])
        mark = "[green]✓[/]" if report["ok"] else "[red]✗[/]"
        sizes = ", ".join(f"{r['party']}: {r['size']}" for r in report["logs"])
        console.print(f"{mark} {node.settings.party} logs verified ({sizes})")


def _serve(duration_s: float | None, console: Console) -> None:
    if duration_s == 0:
        return
    console.print(
        "Nodes are running. Press Ctrl-C to stop."
        if duration_s is None
        else f"Nodes keep running for {duration_s:.0f} s."
    )
    deadline = None if duration_s is None else time.monotonic() + duration_s
    with contextlib.suppress(KeyboardInterrupt):
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.5)
