"""Jinja2 rendering for the dashboard: autoescaped, translated, one environment per app.

Autoescape is on for every template, so text from any field (a peer's free
text, a readout, an operator name) renders as text, never as markup. This
module must never mark user input safe.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, PackageLoader, select_autoescape

from detente.api.state import service_of
from detente.i18n.summaries import kind_label
from detente.i18n.ui import gettext_for
from detente.web.context import Viewer, web_settings
from detente.web.marks import encode

NAV = (
    ("status", "/ui/", "Channel status"),
    ("inbox", "/ui/inbox", "Inbox"),
    ("outbox", "/ui/outbox", "Outbox"),
    ("compose", "/ui/compose", "Compose"),
    ("dialogue", "/ui/dialogue", "Meetings"),
    ("map", "/ui/map", "Map"),
    ("incidents", "/ui/incidents", "Incidents"),
    ("log", "/ui/log", "Log"),
    ("alarms", "/ui/alarms", "Alarms"),
)

ROLE_LABELS = {
    "operator": "Operator",
    "duty_officer": "Duty officer",
    "release_authority": "Release authority",
    "administrator": "Administrator",
    "auditor": "Auditor",
}
"""Role names to the UI msgids that translate them."""


def utc_text(t: float | str | None) -> str:
    """Seconds since the epoch (or an ISO string) as ``YYYY-MM-DD HH:MM:SSZ``."""
    if t is None:
        return "—"
    if isinstance(t, str):
        return t.replace("T", " ")[:19] + "Z" if "T" in t else t
    return datetime.fromtimestamp(t, UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("detente.web", "templates"),
        autoescape=select_autoescape(default=True, default_for_string=True),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["utc"] = utc_text
    env.filters["short"] = lambda value, n=12: (str(value)[:n] + "…") if value else "—"
    env.filters["tojson_text"] = lambda value: json.dumps(value, ensure_ascii=False, indent=1)
    env.filters["kind_label"] = kind_label
    return env


def render(
    request: Request,
    name: str,
    context: dict[str, Any],
    *,
    who: Viewer | None,
    lang: str | None = None,
    status_code: int = 200,
) -> HTMLResponse:
    env: Environment = request.app.state.web_templates
    settings = web_settings(request)
    service = service_of(request)
    chosen = lang or (who.lang if who else "en")
    page = {
        "_": gettext_for(chosen),
        "lang": chosen,
        "who": who,
        "csrf": who.csrf if who else context.get("csrf", ""),
        "party": service.party,
        "node_name": service.settings.name,
        "theme": who.operator.theme if who else "light",
        "nav": NAV,
        "role_labels": ROLE_LABELS,
        "path": request.url.path,
        "vendor_ok": settings.node_modules is not None,
        "event_marks": encode(getattr(request.state, "event_marks", {})),
        **context,
    }
    html = env.get_template(name).render(page)
    return HTMLResponse(html, status_code=status_code, headers={"cache-control": "no-store"})
