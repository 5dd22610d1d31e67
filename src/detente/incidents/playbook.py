"""Playbooks: per incident type, the ordered de-escalation steps a side works through.

A playbook is a YAML data file a party can edit (the node ships one per
incident type in ``playbooks/``) and check with ``detente playbook check``.
Each step is one concrete entry to send (a standard phrase, a call request,
a meeting proposal) with the precedence it goes out at and its own
deadline: how long after the previous step (or the opening) it is due.
Parameters may name placeholders (``{next_tier}``, ``{in_2h}``, ``{title}``)
filled from the incident when the step is sent.

This module must never send; it loads, checks and builds drafts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic import ValidationError as PydanticValidationError

from detente.dialogue.bodies import CallRequestBody, MeetingFormat, MeetingProposalBody
from detente.errors import NotFoundError, ValidationError, field_path
from detente.i18n.phrases import PhraseBody
from detente.incidents.bodies import IncidentType
from detente.link.outgoing import Draft
from detente.wire.body import Body
from detente.wire.enums import Precedence, Tier

TierChoice = Literal["incident", "next", "operational", "theater", "policy"]
"""``incident``: the incident's current tier; ``next``: one above it."""
Text = Annotated[str, StringConstraints(min_length=1, max_length=500)]
StepId = Annotated[str, StringConstraints(pattern=r"^[a-z][a-z0-9_]{0,39}$")]
PLACEHOLDER = re.compile(r"\{([a-z_0-9]+)\}")
PLACEHOLDERS = ("title", "incident", "tier", "next_tier", "in_30m", "in_1h", "in_2h", "in_24h")


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PhraseAction(_Model):
    kind: Literal["phrase"]
    code: Annotated[str, StringConstraints(pattern=r"^[A-Z][A-Z0-9_]{0,63}$")]
    params: dict[str, int | float | str] = Field(default_factory=dict)


class CallAction(_Model):
    kind: Literal["call_request"]
    tier: TierChoice = "next"
    urgency: Precedence = Precedence.IMMEDIATE
    topic: Text


class MeetingAction(_Model):
    kind: Literal["meeting_proposal"]
    tier: TierChoice = "next"
    title: Text
    agenda: Annotated[list[Text], Field(min_length=1, max_length=20)]
    format: MeetingFormat = MeetingFormat.VIDEO
    start_in_s: float = Field(default=7200, ge=0, le=14 * 86400)
    length_s: float = Field(default=3600, gt=0, le=72 * 3600)


Action = Annotated[PhraseAction | CallAction | MeetingAction, Field(discriminator="kind")]


class Step(_Model):
    id: StepId
    title: dict[Literal["en", "zh"], Text]
    send: Action
    precedence: Precedence = Precedence.PRIORITY
    tier: TierChoice = "incident"
    deadline_s: float = Field(gt=0, le=30 * 86400)
    """How long after the previous step (or the opening) this step is due."""

    @property
    def kind(self) -> str:
        return self.send.kind

    @property
    def code(self) -> str | None:
        return self.send.code if isinstance(self.send, PhraseAction) else None


class Playbook(_Model):
    type: IncidentType
    title: dict[Literal["en", "zh"], Text]
    steps: Annotated[list[Step], Field(min_length=1, max_length=30)]

    @model_validator(mode="after")
    def _unique_ids(self) -> Playbook:
        seen: set[str] = set()
        for step in self.steps:
            if step.id in seen:
                raise ValueError(f"step id {step.id!r} used twice")
            seen.add(step.id)
        return self


def _tier(choice: TierChoice, incident_tier: Tier) -> Tier:
    if choice == "incident":
        return incident_tier
    if choice == "next":
        return incident_tier.up()
    return Tier(choice)


def context(
    incident_id: str, title: str, incident_tier: Tier, now: datetime
) -> dict[str, int | float | str]:
    """The values placeholders stand for, for one incident at one moment."""

    def at(delta: timedelta) -> str:
        return (now + delta).strftime("%Y-%m-%dT%H:%M:00Z")

    return {
        "title": title,
        "incident": incident_id,
        "tier": incident_tier.value,
        "next_tier": incident_tier.up().value,
        "in_30m": at(timedelta(minutes=30)),
        "in_1h": at(timedelta(hours=1)),
        "in_2h": at(timedelta(hours=2)),
        "in_24h": at(timedelta(hours=24)),
    }


def _fill(value: int | float | str, values: Mapping[str, int | float | str], field: str) -> Any:
    if not isinstance(value, str):
        return value
    names = PLACEHOLDER.findall(value)
    for name in names:
        if name not in values:
            raise ValidationError(
                f"unknown placeholder {{{name}}}; use one of {', '.join(PLACEHOLDERS)}",
                field=field,
            )
    whole = PLACEHOLDER.fullmatch(value)
    if whole:
        return values[whole.group(1)]  # keeps the value's type (a number stays a number)
    return PLACEHOLDER.sub(lambda m: str(values[m.group(1)]), value)


def step_body(
    step: Step,
    incident_id: str,
    values: Mapping[str, int | float | str],
    incident_tier: Tier,
    now: datetime,
    *,
    field: str = "send",
) -> Body:
    """The validated body a step sends; the error names the step's field at fault."""
    action = step.send
    raw: dict[str, Any]
    model: type[Body]
    if isinstance(action, PhraseAction):
        model = PhraseBody
        raw = {
            "code": action.code,
            "params": {
                k: _fill(v, values, f"{field}.params.{k}") for k, v in action.params.items()
            },
        }
    elif isinstance(action, CallAction):
        model = CallRequestBody
        raw = {
            "tier": _tier(action.tier, incident_tier).value,
            "urgency": action.urgency.value,
            "topic": _fill(action.topic, values, f"{field}.topic"),
            "incident": incident_id,
        }
    else:
        model = MeetingProposalBody
        start = now + timedelta(seconds=action.start_in_s)
        end = start + timedelta(seconds=action.length_s)
        raw = {
            "title": _fill(action.title, values, f"{field}.title"),
            "agenda": [_fill(a, values, f"{field}.agenda") for a in action.agenda],
            "format": action.format.value,
            "candidate_slots": [
                {"start": f"{start:%Y-%m-%dT%H:%M:00Z}", "end": f"{end:%Y-%m-%dT%H:%M:00Z}"}
            ],
            "tier": _tier(action.tier, incident_tier).value,
        }
    try:
        return model.model_validate(raw)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        loc = field_path(first["loc"])
        raise ValidationError(first["msg"], field=f"{field}.{loc}" if loc else field) from exc
    except ValidationError as exc:  # raised by a body's own validator (e.g. phrase params)
        inner = exc.field or ""
        raise ValidationError(exc.reason, field=f"{field}.{inner}" if inner else field) from exc


def step_draft(
    step: Step, incident_id: str, title: str, incident_tier: Tier, now: datetime
) -> Draft:
    """The entry to sign for ``step`` of one incident: it references the incident."""
    values = context(incident_id, title, incident_tier, now)
    body = step_body(step, incident_id, values, incident_tier, now)
    return Draft(
        step.kind,
        body.model_dump(mode="json", exclude_none=True),
        step.precedence,
        _tier(step.tier, incident_tier),
        (incident_id,),
    )


def parse_playbook(data: object, *, source: str = "playbook") -> Playbook:
    """A checked playbook: the model, then every step built against a sample incident."""
    try:
        playbook = Playbook.model_validate(data)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        raise ValidationError(
            f"{source}: {first['msg']}", field=field_path(first["loc"]) or None
        ) from exc
    sample_now = datetime.fromisoformat("2026-01-01T00:00:00+00:00")
    sample_id = "0" * 64
    for index, step in enumerate(playbook.steps):
        values = context(sample_id, "Sample incident", Tier.OPERATIONAL, sample_now)
        step_body(
            step, sample_id, values, Tier.OPERATIONAL, sample_now, field=f"steps[{index}].send"
        )
    return playbook


def load_playbook(path: Path) -> Playbook:
    """Read and check a playbook file; errors name the file, the field and the reason."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValidationError(f"cannot read {path}: {exc}", field="file") from exc
    except yaml.YAMLError as exc:
        raise ValidationError(f"{path.name} is not valid YAML: {exc}", field="file") from exc
    return parse_playbook(data, source=path.name)


def bundled_playbook(incident_type: str) -> Playbook:
    """The playbook the node ships for ``incident_type``."""
    try:
        kind = IncidentType(incident_type)
    except ValueError:
        raise NotFoundError(f"no incident type {incident_type!r}", field="type") from None
    folder = resources.files("detente.incidents") / "playbooks"
    text = (folder / f"{kind.value}.yaml").read_text(encoding="utf-8")
    return parse_playbook(yaml.safe_load(text), source=f"{kind.value}.yaml")


def playbook_for(incident_type: str, override_dir: Path | None = None) -> Playbook:
    """The party's own edited playbook if it keeps one, else the bundled one."""
    if override_dir is not None:
        mine = override_dir / f"{incident_type}.yaml"
        if mine.is_file():
            return load_playbook(mine)
    return bundled_playbook(incident_type)
