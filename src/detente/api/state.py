"""What a request reaches through the app: the node's service and its peer client.

One place for both, so every router (peer, operator, dashboard) reads the app
state the same way and says the same thing while the node is still starting.
"""

from __future__ import annotations

from fastapi import Request

from detente.errors import ValidationError
from detente.link.client import PeerClient
from detente.node.service import NodeService


def service_of(request: Request) -> NodeService:
    service: NodeService = request.app.state.service
    return service


def peer_client(request: Request) -> PeerClient:
    """The courier's peer client, so an injected transport is honoured everywhere."""
    courier = getattr(request.app.state, "courier", None)
    if courier is None:
        raise ValidationError("the node is still starting", field="node")
    client: PeerClient = courier.client
    return client
