"""Login, logout, and an operator's own preferences (language, theme).

The login form has its own pre-login session so it carries a CSRF token;
a successful login deletes that session and issues a new id (no session
fixation). Wrong passwords are counted and lock the account (see
``detente.node.operators``). This module must never log the password, the
session id or the token.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from detente.api.authority_gate import source_of
from detente.api.state import service_of
from detente.errors import AuthError, ForbiddenError, ValidationError
from detente.i18n.ui import gettext_for
from detente.node import operators as accounts
from detente.node.operators import Action
from detente.store import sessions
from detente.web.context import (
    CurrentViewer,
    WebSettings,
    check_csrf,
    checked_form,
    optional_viewer,
    read_form,
    web_settings,
)
from detente.web.forms import error_text
from detente.web.templating import render

router = APIRouter(include_in_schema=False)


def set_session_cookie(response: Response, settings: WebSettings, session_id: str) -> None:
    response.set_cookie(
        settings.cookie_name,
        session_id,
        httponly=True,
        samesite="strict",
        secure=settings.cookie_secure,
        path="/",
    )


def safe_next(value: str | None) -> str:
    """Only our own pages as redirect targets (no open redirect)."""
    if value and value.startswith("/ui") and "//" not in value and "\\" not in value:
        return value
    return "/ui/"


def _login_lang(request: Request, form: dict[str, str] | None = None) -> str:
    lang = (form or {}).get("lang") or request.query_params.get("lang") or "en"
    return lang if lang in accounts.LANGS else "en"


async def _form_session(request: Request) -> tuple[str, str, bool]:
    """(session id, csrf token, new?) of the browser's current session, or a fresh one."""
    settings = web_settings(request)
    service = service_of(request)
    session_id = request.cookies.get(settings.cookie_name)
    if session_id and len(session_id) <= 128:

        def read() -> sessions.SessionRow | None:
            with service.db.reading() as conn:
                return sessions.get_session(conn, session_id, now=time.time())

        found = await asyncio.to_thread(read)
        if found is not None:
            return session_id, found.csrf_token, False
    new_id, row = await asyncio.to_thread(
        accounts.anonymous_session, service.db, policy=settings.policy, now=time.time()
    )
    return new_id, row.csrf_token, True


@router.get("/ui/login", response_model=None)
async def login_page(request: Request) -> Response:
    if await optional_viewer(request) is not None:
        return RedirectResponse("/ui/", status_code=303)
    session_id, csrf, new = await _form_session(request)
    response = render(
        request,
        "login.html",
        {
            "csrf": csrf,
            "error": None,
            "name": "",
            "next": safe_next(request.query_params.get("next")),
        },
        who=None,
        lang=_login_lang(request),
    )
    if new:
        set_session_cookie(response, web_settings(request), session_id)
    return response


@router.post("/ui/login", response_model=None)
async def login(request: Request) -> Response:
    settings = web_settings(request)
    service = service_of(request)
    form = await read_form(request)
    old_id = request.cookies.get(settings.cookie_name) or ""

    def current_csrf() -> str | None:
        if not old_id or len(old_id) > 128:
            return None
        with service.db.reading() as conn:
            found = sessions.get_session(conn, old_id, now=time.time())
        return found.csrf_token if found else None

    expected = await asyncio.to_thread(current_csrf)
    if expected is None:
        raise ForbiddenError("no login form session; reload the login page", field="csrf")
    check_csrf(expected, form, request)
    lang = _login_lang(request, form)
    name = form.get("name", "").strip()
    try:
        session_id, _operator = await asyncio.to_thread(
            accounts.login,
            service.db,
            name,
            form.get("password", ""),
            old_session_id=old_id,
            policy=settings.policy,
            now=time.time(),
            source=source_of(request),
        )
    except AuthError as exc:
        _ = gettext_for(lang)
        locked = exc.field == "name"
        message = (
            _("Account locked after too many failed logins; try again later.")
            if locked
            else _("Wrong user name or password.")
        )
        return render(
            request,
            "login.html",
            {"csrf": expected, "error": message, "name": name, "next": safe_next(form.get("next"))},
            who=None,
            lang=lang,
            status_code=401,
        )
    response = RedirectResponse(safe_next(form.get("next")), status_code=303)
    set_session_cookie(response, settings, session_id)
    return response


@router.post("/ui/logout", response_model=None)
async def logout(request: Request, who: CurrentViewer) -> Response:
    await checked_form(request, who, Action.READ)
    await asyncio.to_thread(
        accounts.logout,
        service_of(request).db,
        who.session_id,
        operator=who.operator.name,
        role=who.operator.role,
        source=source_of(request),
    )
    response = RedirectResponse("/ui/login", status_code=303)
    response.delete_cookie(web_settings(request).cookie_name, path="/")
    return response


@router.post("/ui/preferences", response_model=None)
async def preferences(request: Request, who: CurrentViewer) -> Response:
    """Language and theme, stored on the operator so every desk shows them the same."""
    form = await checked_form(request, who, Action.READ)
    lang = form.get("lang") or None
    theme = form.get("theme") or None
    await asyncio.to_thread(
        accounts.set_preferences, service_of(request).db, who.operator.name, lang=lang, theme=theme
    )
    return RedirectResponse(safe_next(form.get("next")), status_code=303)


def _operator_rows(request: Request) -> list[dict[str, Any]]:
    return [
        {
            "name": r.name,
            "role": r.role,
            "lang": r.lang,
            "failed_logins": r.failed_logins,
            "locked_until_t": r.locked_until_t,
        }
        for r in accounts.list_operators(service_of(request).db)
    ]


@router.get("/ui/operators", response_model=None)
async def operators_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    accounts.require(who.operator.role, Action.MANAGE_OPERATORS)
    rows = await asyncio.to_thread(_operator_rows, request)
    return render(
        request,
        "operators.html",
        {"operators": rows, "roles": [r.value for r in accounts.Role], "error": None, "form": {}},
        who=who,
    )


@router.post("/ui/operators", response_model=None)
async def add_operator(request: Request, who: CurrentViewer) -> Response:
    form = await checked_form(request, who, Action.MANAGE_OPERATORS)
    try:
        await asyncio.to_thread(
            accounts.add_operator,
            service_of(request).db,
            form.get("name", "").strip(),
            form.get("role", ""),
            form.get("password", ""),
            form.get("lang", "en"),
            by=(who.operator.name, who.operator.role, source_of(request)),
        )
    except ValidationError as exc:
        rows = await asyncio.to_thread(_operator_rows, request)
        return render(
            request,
            "operators.html",
            {
                "operators": rows,
                "roles": [r.value for r in accounts.Role],
                "error": error_text(exc, who.lang),
                "error_field": exc.field,
                "form": {k: v for k, v in form.items() if k != "password"},
            },
            who=who,
            status_code=422,
        )
    return RedirectResponse("/ui/operators", status_code=303)
