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
from detente.api import (
    errors,
    metrics,
    operator,
    operator_activities,
    operator_authority,
    operator_dialogue,
    operator_evidence,
    operator_incidents,
    operator_tracks,
    peer,
    peer_checkpoints,
    token_guard,
)
from detente.api.guard import GuardMiddleware
from detente.deconflict.attribution.registry import UnitRegistry
from detente.link.client import PeerClient
from detente.node.activities import ActivityBook
from detente.node.courier import Courier
from detente.node.duties import Background, Duties
from detente.node.duty import DutyHolder
from detente.node.encounters import EncounterWatch
from detente.node.feeds import Feeds
from detente.node.rotation import finish_rotation
from detente.node.service import NodeService
from detente.node.settings import NodeSettings
from detente.node.witness import Witness


def _checkpoint_interval(service: NodeService) -> float:
    """The shortest interval any active channel agreed (one witness loop serves them all)."""
    intervals = [
        service.channel_settings(row).link.checkpoint_interval_s
        for row in service.channels()
        if row.state == "active"
    ]
    return min(intervals, default=60.0)


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
        finish_rotation(settings, service)
        client = PeerClient(service.party, lambda: service.key, transport=peer_transport)
        courier = Courier(service, client)
        duties = Duties(service)
        duties.add_tick("encounter watch", encounter_watch.tick, 0.25)
        if settings.track_feeds:
            feeds = Feeds(settings.track_feeds, encounter_watch.ingest)
            duties.background.append(Background("track feeds", feeds.start, feeds.stop))
        app.state.courier = courier
        app.state.duties = duties
        # Duties run only in the worker holding them (one per node, advisory lock on
        # PostgreSQL); run_duties says whether this worker may take them at all.
        holder = DutyHolder(settings.db_url, party=settings.party, enabled=settings.run_duties)
        witness = Witness(service, client, interval_s=_checkpoint_interval(service))
        holder.on_acquired.extend([courier.start, duties.start, witness.start])
        holder.on_lost.extend([witness.stop, duties.stop, courier.stop])
        holder.on_wake.append(courier.wake)
        service.on_own_appended.append(holder.announce)
        app.state.duty_holder = holder
        await holder.start()
        try:
            yield
        finally:
            await holder.stop()
            await witness.stop()
            await duties.stop()
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
    activity_book = ActivityBook(service)
    service.on_stored.append(activity_book.on_stored)
    app.state.activity_book = activity_book
    registry = UnitRegistry.load(settings.unit_registry) if settings.unit_registry else None
    encounter_watch = EncounterWatch(service, activity_book, registry)
    app.state.encounter_watch = encounter_watch
    app.add_middleware(
        GuardMiddleware,
        peer_rate_per_s=settings.peer_rate_per_s,
        operator_rate_per_s=settings.operator_rate_per_s,
    )
    app.state.metrics_registry = metrics.registry_for(service)
    errors.install(app)
    app.include_router(peer.router)
    app.include_router(operator.router)
    app.include_router(metrics.router)
    app.include_router(operator_dialogue.router)
    app.include_router(operator_activities.router)
    app.include_router(operator_tracks.router)
    app.include_router(peer_checkpoints.router)
    app.include_router(operator_evidence.router)
    operator_incidents.install(app)  # routes, draft check, opening from alerts
    # The dashboard (pages, static files, security headers, login); after errors.install.
    from detente.web.app import install as install_web

    install_web(app)
    app.include_router(operator_authority.router)
    token_guard.install(app)

    @app.get("/healthz")
    async def healthz() -> dict[str, str]:
        return {"status": "ok", "party": settings.party}

    return app
