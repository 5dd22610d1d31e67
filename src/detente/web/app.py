"""Installs the dashboard into a node's app: routes, static files, headers, error pages.

``install(app)`` is the one call ``detente.api.app.create_app`` makes; it
reads the environment (``DETENTE_NODE_MODULES``) then, never at import
time. Errors under ``/ui`` become pages (a login redirect, a refusal page);
everywhere else they keep the operator API's JSON form.
"""

from __future__ import annotations

import inspect
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from detente import errors as e
from detente.api.errors import status_for
from detente.web import assets, authority, compose, dialogue, events, incidents, login, pages
from detente.web.context import WebSettings, optional_viewer
from detente.web.forms import error_text
from detente.web.headers import SecurityHeaders
from detente.web.templating import environment, render


def web_settings_for(app: FastAPI) -> WebSettings:
    service = app.state.service
    settings = service.settings
    return WebSettings(
        node_modules=assets.find_node_modules(),
        cookie_name=f"detente_session_{settings.party}",
        cookie_secure=settings.public_url.startswith("https://"),
    )


def install(app: FastAPI) -> None:
    """Add the dashboard to a node's app (after the API's error handlers are installed)."""
    app.state.web = web_settings_for(app)
    app.state.web_templates = environment()
    for module in (login, pages, incidents, compose, dialogue, authority, events, assets):
        app.include_router(module.router)
    app.mount("/ui/static", StaticFiles(directory=assets.STATIC_DIR), name="ui-static")
    app.add_middleware(SecurityHeaders)

    @app.get("/", include_in_schema=False)
    async def root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)

    @app.get("/ui", include_in_schema=False)
    async def ui_root() -> RedirectResponse:
        return RedirectResponse("/ui/", status_code=303)

    api_handler = app.exception_handlers.get(e.DetenteError)

    @app.exception_handler(e.DetenteError)
    async def _detente(request: Request, exc: e.DetenteError) -> Response:
        path = request.url.path
        status = status_for(exc)
        if not path.startswith("/ui") or path.endswith(".json") or path == "/ui/events":
            # The API's own answer, whatever shape it has (see detente.api.errors).
            if api_handler is not None:
                answer = api_handler(request, exc)
                return await answer if inspect.isawaitable(answer) else answer
            return JSONResponse(exc.to_dict(), status_code=status)
        is_login_needed = isinstance(exc, e.AuthError) and not isinstance(exc, e.ForbiddenError)
        if is_login_needed and request.method == "GET":
            return RedirectResponse(f"/ui/login?next={quote(path)}", status_code=303)
        who = await optional_viewer(request)
        lang = who.lang if who else "en"
        return render(
            request,
            "error.html",
            {"message": error_text(exc, lang), "status": status},
            who=who,
            status_code=status,
        )
