"""Entry bodies for planned activities: notice, update and cancellation.

One party tells the other where and when it will exercise, fire, launch or
close an area, so the other side's transits and patrols can be checked
against it by machine. The bodies carry only what was notified; precedence,
sender and time travel in the entry envelope. An update carries the whole
new definition (never a diff), so a reader needs only the latest entry.

This module must never decide conflicts or reach storage; it defines what a
valid notice is and nothing else.
"""

from __future__ import annotations

from typing import Annotated, Any, ClassVar, Literal

from pydantic import Field, StringConstraints
from pydantic import ValidationError as PydanticValidationError

from detente.deconflict.volume import Volume, to_validation_error
from detente.errors import ValidationError
from detente.wire.body import Body

MAX_VOLUMES = 100
MAX_TITLE_CHARS = 200
MAX_DESCRIPTION_CHARS = 4_000
MAX_REASON_CHARS = 1_000

ActivityKind = Literal[
    "exercise",
    "live_fire",
    "missile_launch",
    "rocket_launch",
    "space_launch_drop_zone",
    "air_closure",
    "sea_closure",
    "transit",
    "patrol",
    "other",
]
ACTIVITY_KINDS: tuple[str, ...] = ActivityKind.__args__  # type: ignore[attr-defined]

EntryRef = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{64}$")]
"""The entry id (hex SHA-256 leaf hash) of the notice an update or cancel refers to."""
Title = Annotated[str, StringConstraints(min_length=1, max_length=MAX_TITLE_CHARS)]
Description = Annotated[str, StringConstraints(max_length=MAX_DESCRIPTION_CHARS)]


class _ActivityDefinition(Body):
    """The fields a notice and an update share: what, called what, where and when."""

    kind: ActivityKind
    title: Title
    description: Description = ""
    volumes: list[Volume] = Field(min_length=1, max_length=MAX_VOLUMES)


class ActivityNoticeBody(_ActivityDefinition):
    """A planned activity notified to the peer; it flows even while dialogue is suspended."""

    KIND: ClassVar[str] = "activity_notice"
    SAFETY_FLOOR: ClassVar[bool] = True


class ActivityUpdateBody(_ActivityDefinition):
    """The full new definition of a notified activity, replacing the one at ``ref``."""

    KIND: ClassVar[str] = "activity_update"
    SAFETY_FLOOR: ClassVar[bool] = True

    ref: EntryRef


class ActivityCancelBody(Body):
    """The activity notified at ``ref`` will not take place (or has ended early)."""

    KIND: ClassVar[str] = "activity_cancel"
    SAFETY_FLOOR: ClassVar[bool] = True

    ref: EntryRef
    reason: Annotated[str, StringConstraints(min_length=1, max_length=MAX_REASON_CHARS)]


ActivityBody = ActivityNoticeBody | ActivityUpdateBody | ActivityCancelBody


def activity_kinds() -> list[type[Body]]:
    """The bodies this package adds to the node's kind registry."""
    return [ActivityNoticeBody, ActivityUpdateBody, ActivityCancelBody]


def parse_activity(kind: str, data: dict[str, Any], *, field: str = "body") -> ActivityBody:
    """An activity body, or a ``ValidationError`` such as ``body.volumes[2].window``."""
    models: dict[str, type[ActivityNoticeBody | ActivityUpdateBody | ActivityCancelBody]] = {
        ActivityNoticeBody.KIND: ActivityNoticeBody,
        ActivityUpdateBody.KIND: ActivityUpdateBody,
        ActivityCancelBody.KIND: ActivityCancelBody,
    }
    model = models.get(kind)
    if model is None:
        raise ValidationError(f"not an activity kind: {kind!r}", field="kind")
    try:
        return model.model_validate(data)
    except PydanticValidationError as exc:
        raise to_validation_error(exc, prefix=field) from exc
