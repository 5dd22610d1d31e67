"""The app factory: one node's peer API and operator API in one ASGI app.

``create_app(settings)`` builds everything from the settings handed in and
starts the node's background duties in the lifespan, so two nodes can run in
one process (tests) and nothing happens at import time.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from detente import __version__
from detente.api import errors, operator, peer
from detente.link.client import PeerClient
from detente.node.courier import Courier
from detente.node.service import NodeService
from detente.node.settings import NodeSettings


def create_app(
    settings: NodeSettings,
    *,
    peer_transport: httpx.AsyncBaseTransport | None = None,
) -> FastAPI:
    """A FastAPI app serving one node."""
    service = NodeService(settings)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        service.migrate()
        client = PeerClient(service.party, service.key, transport=peer_transport)
        courier = Courier(service, client)
        app.state.courier = courier
        if settings.run_duties:
            await courier.start()
        try:
            yield
        finally:
            await courier.stop()
            await client.aclose()
            service.close()

    app = FastAPI(
        title=f"Détente node {settings.party}",
        version=__version__,
        lifespan=lifespan,
        docs_url="/api/docs",
        openapi_url="/api/openapi.json",
    )
    app.state.service = service
    errors.install(app)
    app.include_router(peer.router)
    app.include_router(operator.router)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "party": settings.party}

    return app
