"""Rate limits and security headers, on a real node process."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from detente.api.guard import RateLimiter
from detente.node.settings import NodeSettings
from detente.testing import NodeProcess, make_node


def test_rate_limiter_refills_at_its_rate() -> None:
    limiter = RateLimiter(rate_per_s=2.0, burst=2.0)
    assert [limiter.allow("a", now=0.0) for _ in range(3)] == [True, True, False]
    assert limiter.allow("b", now=0.0)  # buckets are per caller
    assert limiter.allow("a", now=0.5)
    assert not limiter.allow("a", now=0.5)


@pytest.fixture
def slow_node(tmp_path: Path) -> Iterator[NodeProcess]:
    settings = make_node(tmp_path / "us", "US", "INDOPACOM J3")
    data = settings.model_dump(mode="json", exclude={"data_dir"})
    data["operator_rate_per_s"] = 5.0
    NodeSettings(data_dir=settings.data_dir, **data).save()
    node = NodeProcess(NodeSettings.load(settings.data_dir)).start()
    try:
        yield node
    finally:
        node.stop()


def test_guard_refuses_a_flood_with_429_and_sets_headers(slow_node: NodeProcess) -> None:
    headers = {"authorization": f"Bearer {slow_node._token}"}
    with httpx.Client(base_url=slow_node.url, headers=headers) as client:
        statuses = [client.get("/api/v1/node").status_code for _ in range(40)]
        assert statuses.count(429) > 0
        assert statuses[0] == 200
        limited = next(
            r for r in (client.get("/api/v1/node") for _ in range(20)) if r.status_code == 429
        )
        assert limited.json()["error"] == "rate_limited"
        health = client.get("/healthz")
    for response in (limited, health):
        assert response.headers["x-frame-options"] == "DENY"
        assert response.headers["x-content-type-options"] == "nosniff"
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
