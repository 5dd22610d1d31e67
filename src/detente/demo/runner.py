"""Runs the demo: two real node processes, a channel, a scripted exchange, a summary.

The script is a list of steps, each a statement one side makes, so later
capabilities add their own steps (phrases, encounters, incidents) without
changing how the demo starts nodes or checks the result.
"""

from __future__ import annotations

import contextlib
import json
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Console

from detente.link.settings import LinkSettings
from detente.node.channel_settings import ChannelSettings
from detente.testing import NodeProcess, connect, make_node, wait_until


@dataclass(frozen=True)
class Step:
    """One statement of the scripted exchange."""

    side: str  # "us" or "cn"
    kind: str
    body: dict[str, Any]
    precedence: str = "ROUTINE"
    tier: str = "operational"
    caption: str = ""


SCRIPT: list[Step] = [
    Step(
        "us",
        "text",
        {
            "lang": "en",
            "text": "USS Dewey transiting Taiwan Strait northbound, "
            "speed 15 knots, innocent passage.",
        },
        "PRIORITY",
        "operational",
        "US notifies a transit",
    ),
    Step(
        "cn",
        "text",
        {"lang": "zh", "text": "收到。请保持安全距离，我方舰艇将跟踪监视。"},
        "IMMEDIATE",
        "operational",
        "CN answers in Chinese",
    ),
    Step(
        "us",
        "text",
        {
            "lang": "en",
            "text": "Request your intentions: PLAN vessel 1.2 NM off our port bow, closing.",
        },
        "FLASH",
        "operational",
        "US FLASH: request intentions",
    ),
    Step(
        "cn",
        "text",
        {"lang": "zh", "text": "我舰将从你舰艉部通过，保持两海里以上距离。"},
        "FLASH",
        "operational",
        "CN FLASH: will pass astern",
    ),
    Step(
        "us",
        "text",
        {"lang": "en", "text": "Understood. Maintaining course and speed."},
        "ROUTINE",
        "operational",
        "US acknowledges",
    ),
]


@dataclass
class DemoResult:
    sent: int = 0
    delivered: int = 0
    receipts: int = 0
    logs_verified: dict[str, bool] = field(default_factory=dict)
    urls: dict[str, str] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "sent": self.sent,
            "delivered": self.delivered,
            "receipts": self.receipts,
            "logs_verified": self.logs_verified,
            "urls": self.urls,
        }


def run_demo(
    *,
    workdir: Path | None,
    duration_s: float | None,
    headless: bool,
    summary: Path | None,
    console: Console | None = None,
    on_ready: Callable[[dict[str, NodeProcess]], None] | None = None,
) -> DemoResult:
    """Start both nodes, run the script, verify, then keep serving for ``duration_s``."""
    console = console or Console(stderr=True)
    temp = None
    if workdir is None:
        temp = tempfile.TemporaryDirectory(prefix="detente-demo-")
        workdir = Path(temp.name)
    workdir.mkdir(parents=True, exist_ok=True)
    us = make_node(workdir / "us", "US", "INDOPACOM J3")
    cn = make_node(workdir / "cn", "CN", "Southern Theater Command")
    terms = ChannelSettings(link=LinkSettings(link_check_interval_s=30, pull_interval_s=1.0))
    channel_id = connect(us, cn, terms)
    console.print(f"[bold]Channel[/] {channel_id} between US and CN set up in {workdir}")
    nodes = {"us": NodeProcess(us), "cn": NodeProcess(cn)}
    result = DemoResult()
    try:
        for node in nodes.values():
            node.start()
        result.urls = {n.settings.party: n.url for n in nodes.values()}
        for party, url in result.urls.items():
            console.print(f"  {party} node: {url}  (API docs: {url}/api/docs)")
        if on_ready:
            on_ready(nodes)
        _play(nodes, result, console)
        _verify(nodes, result, console)
        if summary:
            summary.write_text(json.dumps(result.to_dict(), indent=2) + "\n", encoding="utf-8")
        if duration_s is None and headless:
            duration_s = 0.0
        _serve(duration_s, console)
    finally:
        for node in nodes.values():
            node.stop()
        if temp is not None:
            with contextlib.suppress(OSError):
                temp.cleanup()
    return result


def _play(nodes: dict[str, NodeProcess], result: DemoResult, console: Console) -> None:
    peer = {"us": "CN", "cn": "US"}
    for step in SCRIPT:
        node = nodes[step.side]
        answer = node.api(
            "POST",
            "/api/v1/messages",
            json={
                "to": peer[step.side],
                "kind": step.kind,
                "body": step.body,
                "precedence": step.precedence,
                "tier": step.tier,
            },
        )
        result.sent += 1
        console.print(
            f"  {node.settings.party} → {peer[step.side]} [{step.precedence}] "
            f"{step.caption} (seq {answer['seq']})"
        )
        time.sleep(0.3)

    def all_receipted() -> bool:
        delivered = receipts = 0
        for node in nodes.values():
            for row in node.api("GET", "/api/v1/delivery")["channels"]:
                delivered += row["delivered_seq"]
                receipts += row["receipted_seq"]
        done = all(
            row["receipted_seq"] >= _last_statement_seq(node)
            for node in nodes.values()
            for row in node.api("GET", "/api/v1/delivery")["channels"]
        )
        result.delivered, result.receipts = delivered, receipts
        return done

    wait_until(all_receipted, timeout_s=30, interval_s=0.2, what="receipts for every statement")
    sent_texts = sum(1 for s in SCRIPT)
    result.delivered = sum(len(n.api("GET", "/api/v1/inbox")["entries"]) for n in nodes.values())
    result.receipts = sum(
        1
        for n in nodes.values()
        for e in n.api("GET", "/api/v1/inbox", params={"receipts": True})["entries"]
        if e["kind"] == "receipt"
    )
    console.print(f"[green]✓[/] {sent_texts} statements delivered and receipted on both sides")


def _last_statement_seq(node: NodeProcess) -> int:
    own = node.api("GET", "/api/v1/outbox", params={"limit": 1})["entries"]
    return int(own[0]["seq"]) if own else 0


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
