"""Who is looking: the dashboard's settings, the logged-in operator, and CSRF checks.

Every page and form takes a ``Viewer`` from ``viewer()``; every state-changing
request goes through ``checked_form()``, which refuses a missing or wrong
synchronizer token before anything else happens. Roles are enforced here on
the server (``require_action``), whatever a page shows. This module must
never log a session id, a CSRF token or a password.
"""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import Depends, Request

from detente.api.state import service_of
from detente.errors import AuthError, ForbiddenError, ValidationError
from detente.node import operators as accounts
from detente.node.operators import AccountPolicy, Action
from detente.node.service import NodeService
from detente.store import operators as operator_store
from detente.store import sessions
from detente.store.operators import OperatorRow
from detente.web import marks

MAX_FORM_BYTES = 256 * 1024
TOUCH_EVERY_S = 60.0


@dataclass(frozen=True, slots=True)
class WebSettings:
    """The dashboard's own settings, fixed when the app is built."""

    node_modules: Path | None
    cookie_name: str
    cookie_secure: bool
    policy: AccountPolicy = field(default_factory=AccountPolicy)
    events_poll_s: float = 0.5
    events_max_s: float = 5.0


@dataclass(frozen=True, slots=True)
class Viewer:
    """The operator behind a request, with the session's CSRF token."""

    session_id: str
    operator: OperatorRow
    csrf: str

    @property
    def lang(self) -> str:
        return self.operator.lang

    def can(self, action: str) -> bool:
        return accounts.allowed(self.operator.role, Action(action))


def web_settings(request: Request) -> WebSettings:
    settings: WebSettings = request.app.state.web
    return settings


def _load_viewer(service: NodeService, settings: WebSettings, session_id: str) -> Viewer | None:
    now = time.time()
    with service.db.reading() as conn:
        found = sessions.get_session(conn, session_id, now=now)
        if found is None or found.operator is None:
            return None
        operator = operator_store.get_operator(conn, found.operator)
    if operator is None or operator.disabled:
        return None
    if now - found.seen_t > TOUCH_EVERY_S:
        with service.db.writing() as conn:
            sessions.touch_session(conn, session_id, now=now, ttl_s=settings.policy.session_ttl_s)
    return Viewer(session_id, operator, found.csrf_token)


async def optional_viewer(request: Request) -> Viewer | None:
    settings = web_settings(request)
    session_id = request.cookies.get(settings.cookie_name)
    if not session_id or len(session_id) > 128:
        return None
    return await asyncio.to_thread(_load_viewer, service_of(request), settings, session_id)


async def viewer(request: Request) -> Viewer:
    found = await optional_viewer(request)
    if found is None:
        raise AuthError("please log in", field="session")
    if request.method == "GET" and request.url.path != "/ui/events":
        # Before the page reads its data, so its event stream starts from these marks.
        request.state.event_marks = await asyncio.to_thread(marks.current, service_of(request))
    return found


CurrentViewer = Annotated[Viewer, Depends(viewer)]


async def read_form(request: Request) -> dict[str, str]:
    """An urlencoded form body (the dashboard posts nothing else); last value wins."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise ValidationError(f"form larger than {MAX_FORM_BYTES} bytes", field="form")
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        raise ValidationError("form is not UTF-8", field="form") from None
    return dict(parse_qsl(text, keep_blank_values=True, max_num_fields=500))


def check_csrf(expected: str, form: dict[str, str], request: Request) -> None:
    given = form.get("csrf") or request.headers.get("x-csrf-token") or ""
    if not given or not secrets.compare_digest(given.encode(), expected.encode()):
        raise ForbiddenError("missing or wrong CSRF token", field="csrf")


async def checked_form(request: Request, who: Viewer, action: Action) -> dict[str, str]:
    """The form of a state-changing request: CSRF first, then the role."""
    form = await read_form(request)
    check_csrf(who.csrf, form, request)
    accounts.require(who.operator.role, action)
    return form
