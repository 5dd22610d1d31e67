"""Compose: a standard phrase with a live preview in both languages, free text, and
call and meeting requests.

Bad input is refused in place, naming the field; nothing is stored unless
``NodeService.send`` accepts the whole statement (it signs and appends in one
transaction). The preview only renders; it never sends.
"""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from detente.api.authority_gate import submit
from detente.api.state import service_of
from detente.errors import DetenteError, ValidationError
from detente.i18n.params import parse
from detente.i18n.phrases import catalogue, lookup
from detente.i18n.render import example_params, render_all
from detente.i18n.ui import gettext_for
from detente.link.outgoing import Draft
from detente.node.operators import Action
from detente.node.service import NodeService
from detente.web import forms
from detente.web.context import CurrentViewer, Viewer, checked_form
from detente.web.templating import render

router = APIRouter(include_in_schema=False)

KINDS = ("phrase", "text", "call_request", "meeting_proposal")
FORMATS = ("video", "phone", "in_person", "hotline")


def phrase_params(form: dict[str, str]) -> tuple[str, dict[str, object]]:
    """The phrase code and its typed parameters from ``param.<name>`` fields."""
    code = forms.required(form, "code")
    phrase = lookup(code)
    params: dict[str, object] = {}
    for spec in phrase.params:
        field = f"params.{spec.name}"
        text = form.get(f"param.{spec.name}", "").strip()
        if not text:
            raise ValidationError("field required", field=field)
        params[spec.name] = parse(spec.kind, text, field)
    return code, params


def draft_of(form: dict[str, str], who: Viewer) -> Draft:
    """The statement a compose form asks for, checked field by field."""
    kind = form.get("form_kind", "")
    if kind not in KINDS:
        raise ValidationError("value out of range", field="form_kind")
    precedence = forms.precedence(form)
    tier = forms.tier(form)
    if kind == "phrase":
        code, params = phrase_params(form)
        return Draft("phrase", {"code": code, "params": params, "lang": who.lang}, precedence, tier)
    if kind == "text":
        lang = form.get("lang") or who.lang
        return Draft("text", {"text": forms.required(form, "text"), "lang": lang}, precedence, tier)
    if kind == "call_request":
        body: dict[str, Any] = {
            "tier": tier.value,
            "urgency": precedence.value,
            "topic": forms.required(form, "topic"),
        }
        when = forms.utc_time(form, "proposed_time", optional=True)
        if when:
            body["proposed_times"] = [when]
        return Draft("call_request", body, precedence, tier)
    agenda = [line.strip() for line in form.get("agenda", "").splitlines() if line.strip()]
    if not agenda:
        raise ValidationError("field required", field="agenda")
    fmt = form.get("format", "")
    if fmt not in FORMATS:
        raise ValidationError("value out of range", field="format")
    body = {
        "title": forms.required(form, "title"),
        "agenda": agenda,
        "format": fmt,
        "candidate_slots": [
            {"start": forms.utc_time(form, "start"), "end": forms.utc_time(form, "end")}
        ],
        "tier": tier.value,
    }
    return Draft("meeting_proposal", body, precedence, tier)


def _channel_id(service: NodeService, form: dict[str, str]) -> str:
    chosen = form.get("channel") or None
    active = [c for c in service.channels() if c.state == "active"]
    if chosen is None:
        if not active:
            raise ValidationError("no active channel", field="channel")
        return active[0].channel_id
    if chosen not in {c.channel_id for c in active}:
        raise ValidationError("unknown channel", field="channel")
    return chosen


def send_form(request: Request, form: dict[str, str], who: Viewer) -> str:
    """Sign the statement, or hold it for release, through the authority gate (audited).

    Returns the confirmation to show, in the operator's language.
    """
    service = service_of(request)
    _ = gettext_for(who.lang)
    channel_id = _channel_id(service, form)
    draft = draft_of(form, who)
    outcome = submit(request, (who.operator.name, who.operator.role), channel_id, [draft])
    if outcome.held is not None:
        return _("Held for release by a second person: {reason}").format(reason=outcome.held.reason)
    row = service.channel(channel_id)
    peers = ", ".join(p.party for p in row.peers)
    return _("Sent entry {seq} to {party}.").format(seq=outcome.signed[0].entry.seq, party=peers)


def preview(form: dict[str, str], lang: str) -> dict[str, Any]:
    """Both languages of the phrase being composed, or the error naming the field."""
    try:
        code, params = phrase_params(form)
        return {"texts": render_all(code, params), "error": None, "error_field": None}
    except DetenteError as exc:
        return {"texts": None, "error": forms.error_text(exc, lang), "error_field": exc.field}


def _context(service: NodeService, form: dict[str, str], lang: str) -> dict[str, Any]:
    code = form.get("code") or next(iter(catalogue()))
    try:
        phrase = lookup(code)
    except ValidationError:
        phrase = next(iter(catalogue().values()))
    values = dict(form)
    if not any(k.startswith("param.") for k in form):
        values.update({f"param.{k}": str(v) for k, v in example_params(phrase).items()})
        values["code"] = phrase.code
    return {
        "phrases": list(catalogue().values()),
        "phrase": phrase,
        "form": values,
        "preview": preview(values, lang),
        "channels": [c for c in service.channels() if c.state == "active"],
        "kinds": KINDS,
        "formats": FORMATS,
        "error": None,
        "error_field": None,
        "sent": None,
    }


@router.get("/ui/compose", response_model=None)
async def compose_page(request: Request, who: CurrentViewer) -> HTMLResponse:
    form = dict(request.query_params)
    context = await asyncio.to_thread(_context, service_of(request), form, who.lang)
    return render(request, "compose.html", context, who=who)


@router.get("/ui/compose/fields", response_model=None)
async def phrase_fields(request: Request, who: CurrentViewer) -> HTMLResponse:
    """The chosen phrase's parameter inputs (with examples) and its preview."""
    form = {"code": request.query_params.get("code", "")}
    context = await asyncio.to_thread(_context, service_of(request), form, who.lang)
    return render(request, "_phrase_fields.html", context, who=who)


@router.get("/ui/compose/preview", response_model=None)
async def phrase_preview(request: Request, who: CurrentViewer) -> HTMLResponse:
    result = preview(dict(request.query_params), who.lang)
    return render(request, "_preview.html", {"preview": result}, who=who)


@router.post("/ui/compose", response_model=None)
async def compose_send(request: Request, who: CurrentViewer) -> HTMLResponse:
    form = await checked_form(request, who, Action.SEND)
    service = service_of(request)
    context = await asyncio.to_thread(_context, service, form, who.lang)
    try:
        sent = await asyncio.to_thread(send_form, request, form, who)
    except DetenteError as exc:
        context["error"] = forms.error_text(exc, who.lang)
        context["error_field"] = exc.field
        return render(request, "compose.html", context, who=who, status_code=422)
    # A fresh form after sending, so a second click cannot send the same words again.
    context = await asyncio.to_thread(_context, service, {"code": form.get("code", "")}, who.lang)
    context["sent"] = sent
    return render(request, "compose.html", context, who=who)
