"""One line per entry, in the reader's language, for lists (inbox, outbox, releases, CLI).

A watch officer scans lists, so every kind gets a sentence rather than its
JSON body. What a party *said* is shown as said: free text verbatim, a
standard phrase rendered from the catalogue in the reader's language. Only
the frame around it ("Escalated … to the policy tier") is interface text,
translated through the gettext catalogues. Codes that are data (an incident
type, an outcome, a level) stay as sent.

A body that does not fit its kind's sentence (an older or foreign shape)
falls back to compact JSON rather than failing the whole list.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from string import Formatter
from typing import Any

from detente.errors import DetenteError
from detente.i18n.render import render
from detente.i18n.ui import gettext_for

SUMMARY_CHARS = 300
FREE_TEXT = frozenset({"text", "respond", "distress", "emergency", "readout"})
"""Kinds whose body is what a person wrote, in the language its ``lang`` names."""

Gettext = Callable[[str], str]
Summariser = Callable[[Mapping[str, Any], Gettext, str, str | None], str]


def summarise(kind: str, body: Mapping[str, Any], lang: str, local_tz: str | None = None) -> str:
    """The line an operator reads for an entry of ``kind``, clipped to ``SUMMARY_CHARS``."""
    _ = gettext_for(lang)
    line = SUMMARISERS.get(kind)
    if line is not None:
        try:
            return line(body, _, lang, local_tz)[:SUMMARY_CHARS]
        except (DetenteError, KeyError, TypeError, ValueError, AttributeError):
            pass
    return json.dumps(dict(body), ensure_ascii=False, sort_keys=True)[:SUMMARY_CHARS]


def _ref(value: object) -> str:
    """Entry ids are 64 hex characters; twelve tell them apart in a list."""
    text = str(value)
    return text[:12] + "…" if len(text) > 12 else text


def _said(body: Mapping[str, Any], _: Gettext, lang: str, tz: str | None) -> str:
    return str(body["text"])


def _phrase(body: Mapping[str, Any], _: Gettext, lang: str, tz: str | None) -> str:
    return render(str(body["code"]), body.get("params", {}), lang, local_tz=tz)


def _encounter_alert(body: Mapping[str, Any], _: Gettext, lang: str, tz: str | None) -> str:
    units = " / ".join(str(u.get("name") or u["track"]) for u in (body["a"], body["b"]))
    closest = _("closest approach {cpa_m} m in {tcpa_s} s").format(
        cpa_m=round(float(body["cpa_m"])), tcpa_s=round(float(body["tcpa_s"]))
    )
    line = f"[{body['level']}] {units}: {closest}"
    try:
        said = render(str(body["phrase"]), body.get("phrase_params", {}), lang, local_tz=tz)
    except DetenteError:
        return line  # the numbers still say it; a phrase we cannot render adds nothing
    return f"{line} — {said}"


SHORTENED = frozenset({"ref", "incident", "head", "key_id", "new_key_id"})
"""Fields holding an entry id or key id: shown by their first characters."""
TIERS = frozenset({"tier", "from_tier", "to_tier"})
"""Fields holding a tier name: interface text, so translated."""


def _framed(template: str, optional: tuple[str, ...] = ()) -> Summariser:
    """A summariser filling the translated ``template`` from the body fields its placeholders name.

    Placeholders are the body's own field names, so a sentence needs no
    mapping: ids are shortened, tiers translated, whole floats shown without
    ``.0``, and an ``optional`` field, when present, follows a dash.
    """
    names = [name for _, name, _, _ in Formatter().parse(template) if name]

    def value(body: Mapping[str, Any], _: Gettext, name: str) -> object:
        if name in optional:
            return f" — {body[name]}" if body.get(name) else ""
        raw = body[name]
        if name in SHORTENED:
            return _ref(raw)
        if name in TIERS:
            return _(str(raw))
        return f"{raw:g}" if isinstance(raw, float) else raw

    def line(body: Mapping[str, Any], _: Gettext, lang: str, tz: str | None) -> str:
        return _(template).format(**{name: value(body, _, name) for name in names})

    return line


SUMMARISERS: dict[str, Summariser] = {
    **dict.fromkeys(FREE_TEXT, _said),
    "phrase": _phrase,
    "encounter_alert": _encounter_alert,
    "translation": _framed("Translation {source_lang} → {target_lang}: {text}"),
    "acknowledge": _framed("Acknowledged {ref} as {role}"),
    "receipt": _framed("Receipt up to #{up_to_seq}"),
    "link_check": _framed("Link check #{n} (every {interval_s} s)"),
    "audit_anchor": _framed("Audit log anchor {head}"),
    "outage_report": _framed("Link outage {start_t} to {end_t}, {missed_checks} checks missed"),
    "escalation": _framed(
        "Escalated {ref} from the {from_tier} tier to the {to_tier} tier: {reason}"
    ),
    "suspend": _framed("Dialogue suspended: {reason}"),
    "resume": _framed("Dialogue resumed{note}", optional=("note",)),
    "call_request": _framed("Request a call at the {tier} tier: {topic}"),
    "meeting_proposal": _framed("Propose a meeting: {title}"),
    "meeting_response": _framed("Meeting {ref}: {response}{reason}", optional=("reason",)),
    "joint_statement": _framed("Joint statement: {title}"),
    "endorse": _framed("Endorses {ref}"),
    "activity_notice": _framed("Activity notice ({kind}): {title}"),
    "activity_update": _framed("Activity update ({kind}): {title}"),
    "activity_cancel": _framed("Activity {ref} cancelled: {reason}"),
    "incident_open": _framed("Incident opened, level {level}: {title}"),
    "incident_assessment": _framed("Incident {incident} assessed at level {level}: {rationale}"),
    "incident_close": _framed("Incident {incident} closed: {outcome}{note}", optional=("note",)),
    "incident_endorse": _framed("Incident {incident}: endorses {ref}"),
    "key_rotation": _framed("New signing key {new_key_id}"),
    "key_revocation": _framed("Key {key_id} revoked from #{from_seq}: {reason}"),
}
"""Every kind a full node knows; a test holds this equal to the kind registry."""


KIND_LABELS: dict[str, str] = {
    "acknowledge": "Acknowledgement",
    "activity_cancel": "Activity cancelled",
    "activity_notice": "Activity notice",
    "activity_update": "Activity update",
    "audit_anchor": "Audit anchor",
    "call_request": "Call request",
    "distress": "Distress",
    "emergency": "Emergency",
    "encounter_alert": "Encounter alert",
    "endorse": "Endorsement",
    "escalation": "Escalation",
    "incident_assessment": "Incident assessment",
    "incident_close": "Incident closed",
    "incident_endorse": "Incident endorsement",
    "incident_open": "Incident opened",
    "joint_statement": "Joint statement",
    "key_revocation": "Key revocation",
    "key_rotation": "Key rotation",
    "link_check": "Link check",
    "meeting_proposal": "Meeting proposal",
    "meeting_response": "Meeting response",
    "outage_report": "Outage report",
    "phrase": "Standard phrase",
    "readout": "Readout",
    "receipt": "Receipt",
    "respond": "Reply",
    "resume": "Resumption",
    "suspend": "Suspension",
    "text": "Free text",
    "translation": "Translation",
}
"""Each kind's name for people (a UI msgid); the wire code stays in the page as a tooltip."""


def kind_label(kind: str) -> str:
    """The msgid naming ``kind``; an unknown kind is shown by its code."""
    return KIND_LABELS.get(kind, kind)
