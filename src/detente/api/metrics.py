"""``/metrics`` for Prometheus: the health figures, collected on each scrape.

Figures come from ``node.health`` so the dashboard, the CLI and Prometheus
never disagree. A registry per app keeps two nodes in one process apart.
"""

from __future__ import annotations

from collections.abc import Iterator

from fastapi import APIRouter, Request, Response
from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from detente.node.health import node_health
from detente.node.service import NodeService

router = APIRouter()


class HealthCollector(Collector):
    def __init__(self, service: NodeService) -> None:
        self.service = service

    def collect(self) -> Iterator[Metric]:
        health = node_health(self.service)
        labels = ["channel", "peer", "direction"]
        latency = GaugeMetricFamily(
            "detente_receipt_latency_seconds", "Statement to receipt", labels=[*labels, "q"]
        )
        ack = GaugeMetricFamily(
            "detente_ack_latency_seconds",
            "Statement to human acknowledgement",
            labels=[*labels, "q"],
        )
        open_deadlines = GaugeMetricFamily(
            "detente_open_deadlines", "Statements awaiting acknowledgement", labels=labels
        )
        missed = GaugeMetricFamily("detente_missed_deadlines", "Deadlines missed", labels=labels)
        availability = GaugeMetricFamily(
            "detente_availability_ratio",
            "Share of time the link was up",
            labels=["channel", "peer"],
        )
        down = GaugeMetricFamily(
            "detente_link_down", "1 while an outage is open", labels=["channel", "peer"]
        )
        suspended = GaugeMetricFamily(
            "detente_channel_suspended", "1 while dialogue is suspended", labels=["channel"]
        )
        for channel in health["channels"]:
            cid = channel["channel"]
            suspended.add_metric([cid], 1.0 if channel["suspended_by"] else 0.0)
            for peer in channel["peers"]:
                p = peer["peer"]
                availability.add_metric([cid, p], float(peer["availability"]))
                down.add_metric([cid, p], 1.0 if peer["current_outage"] else 0.0)
                for direction in ("out", "in"):
                    figures = peer[direction]
                    for q in ("p50", "p95"):
                        for family, key in ((latency, "receipt_latency"), (ack, "ack_latency")):
                            value = figures[key][f"{q}_s"]
                            if value is not None:
                                family.add_metric([cid, p, direction, q], float(value))
                    open_deadlines.add_metric([cid, p, direction], float(figures["open_deadlines"]))
                    missed.add_metric([cid, p, direction], float(figures["missed_deadlines"]))
        alarms = GaugeMetricFamily("detente_open_alarms", "Open alarms", labels=["severity"])
        for severity in range(1, 6):
            count = sum(1 for a in health["open_alarms"] if a["severity"] == severity)
            alarms.add_metric([str(severity)], float(count))
        yield from (latency, ack, open_deadlines, missed, availability, down, suspended, alarms)


def registry_for(service: NodeService) -> CollectorRegistry:
    registry = CollectorRegistry(auto_describe=False)
    registry.register(HealthCollector(service))
    return registry


@router.get("/metrics")
async def metrics(request: Request) -> Response:
    """Prometheus text format. Like /healthz it carries no message content."""
    import asyncio

    registry: CollectorRegistry = request.app.state.metrics_registry
    body = await asyncio.to_thread(generate_latest, registry)
    return Response(body, media_type="text/plain; version=0.0.4; charset=utf-8")
