"""Turning form fields into checked values, and errors into messages that name the field.

Every message is in the operator's language: the frame ("invalid input in
field …") and the reasons the dashboard itself checks are translated; a
reason from deeper in the node is passed through as it is.
"""

from __future__ import annotations

from typing import Final

from detente.errors import DetenteError, ValidationError
from detente.i18n.ui import gettext_for
from detente.wire.enums import Precedence, Tier

FIELD_LABELS: Final = {
    "channel": "Channel",
    "params": "Parameters",
    "form_kind": "Kind",
    "ref": "Entry ID",
    "statement": "Joint statement",
    "csrf": "Form",
    "code": "Phrase code",
    "text": "Text",
    "lang": "Language",
    "precedence": "Precedence",
    "tier": "Tier",
    "topic": "Topic",
    "title": "Title",
    "agenda": "Agenda",
    "format": "Format",
    "start": "Start (UTC)",
    "end": "End (UTC)",
    "proposed_time": "Start (UTC)",
    "name": "User name",
    "password": "Password",
    "role": "Role",
}


def error_text(exc: DetenteError, lang: str) -> str:
    _ = gettext_for(lang)
    field = exc.field or "form"
    label = FIELD_LABELS.get(field.split(".")[0])
    shown = f"{_(label)} ({field})" if label else field
    return _("invalid input in field {field}: {reason}").format(field=shown, reason=_(exc.reason))


def required(form: dict[str, str], name: str) -> str:
    value = form.get(name, "").strip()
    if not value:
        raise ValidationError("field required", field=name)
    return value


def precedence(form: dict[str, str], name: str = "precedence") -> Precedence:
    try:
        return Precedence(form.get(name, "ROUTINE"))
    except ValueError:
        raise ValidationError("value out of range", field=name) from None


def tier(form: dict[str, str], name: str = "tier") -> Tier:
    try:
        return Tier(form.get(name, "operational"))
    except ValueError:
        raise ValidationError("value out of range", field=name) from None


def utc_time(form: dict[str, str], name: str, *, optional: bool = False) -> str | None:
    """A ``datetime-local`` input (``YYYY-MM-DDTHH:MM``, taken as UTC) to ``…:SSZ``."""
    value = form.get(name, "").strip()
    if not value:
        if optional:
            return None
        raise ValidationError("field required", field=name)
    text = value.rstrip("Z")
    if len(text) == 16:
        text += ":00"
    from datetime import datetime

    try:
        datetime.strptime(text, "%Y-%m-%dT%H:%M:%S")
    except ValueError:
        raise ValidationError("not a valid UTC time", field=name) from None
    return text + "Z"
