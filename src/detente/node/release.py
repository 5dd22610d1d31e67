"""The release use cases: send or hold an operator's drafts, release them, reject them.

Every operator statement passes ``submit``: the authority rules decide
whether the node signs it now or holds it for a second person; ``release``
signs a held draft through the same ``NodeService.send`` path (so the
channel's policy checks run at release time, against the log as it is
then); ``reject`` discards it with a reason. Each outcome, refusals
included, is one audit record.

A release claims the draft (``held`` to ``released``, once) before signing
it, so two people releasing at once sign it once; a refusal at signing time
puts it back to ``held``. A crash between claim and signing leaves a
``released`` row without entry ids, visible in ``/api/v1/held?state=released``.

This module must never sign anything except through ``NodeService.send``,
and never let the person who drafted a held statement release it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import Connection

from detente.errors import DetenteError, NotFoundError, ValidationError
from detente.link.outgoing import Draft, normalise
from detente.node.authority import AuthorityRules, check_reject, check_release, judge
from detente.node.service import NodeService
from detente.store import audit, held
from detente.store.audit import AuditAction, Outcome
from detente.store.held import HeldRow
from detente.wire.entry import SignedEntry

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks: the operator and role of their token, and the address they came from."""

    operator: str
    role: str
    source: str


@dataclass(frozen=True, slots=True)
class Submitted:
    """Either ``signed`` (sent now) or ``held`` (waiting for release), never both."""

    signed: tuple[SignedEntry, ...] = ()
    held: HeldRow | None = None


def write_record(
    conn: Connection,  # the caller's transaction: the record commits with what it records
    actor: Actor,
    action: AuditAction,
    target: str,
    outcome: Outcome,
    detail: str | None = None,
) -> None:
    audit.record(
        conn,
        operator=actor.operator,
        role=actor.role,
        action=action,
        target=target,
        outcome=outcome,
        source=actor.source,
        detail=detail,
    )


def audited(
    service: NodeService, actor: Actor, action: AuditAction, target: str, run: Callable[[], T]
) -> T:
    """Run ``run``; a refusal is recorded as such (in its own transaction) and re-raised.

    Success is recorded by the caller, which knows what was produced.
    """
    try:
        return run()
    except DetenteError as exc:
        with service.db.writing() as conn:
            write_record(conn, actor, action, target, Outcome.REFUSED, f"{exc.code}: {exc}")
        raise


def _ids(signed: Sequence[SignedEntry]) -> str:
    return " ".join(s.id for s in signed)


def submit(
    service: NodeService,
    rules: AuthorityRules,
    actor: Actor,
    channel_id: str,
    drafts: Sequence[Draft],
    *,
    action: AuditAction = AuditAction.SEND,
) -> Submitted:
    """Sign ``drafts`` now if ``actor`` may, else hold them for release; audited either way."""

    def run() -> Submitted:
        verdict = judge(rules, actor.role, drafts)
        if verdict.action == "send":

            def record(conn: Connection, signed: Sequence[SignedEntry]) -> None:
                write_record(conn, actor, action, channel_id, Outcome.OK, _ids(signed))

            return Submitted(signed=tuple(service.send(channel_id, drafts, also=record)))
        row = service.active_channel(channel_id)
        ready = normalise(service.registry, drafts)  # a held draft is valid when released
        with service.db.writing() as conn:
            kept = held.hold(
                conn,
                channel_id=row.channel_id,
                operator=actor.operator,
                role=actor.role,
                drafts=ready,
                releasers=verdict.releasers,
                reason=verdict.reason,
            )
            detail = f"{action.value} on {channel_id}: {verdict.reason}"
            write_record(conn, actor, AuditAction.HOLD, kept.held_id, Outcome.HELD, detail)
        return Submitted(held=kept)

    return audited(service, actor, action, channel_id, run)


def _pending(service: NodeService, held_id: str) -> HeldRow:
    with service.db.reading() as conn:
        found = held.get(conn, held_id)
    if found is None:
        raise NotFoundError(f"no held message {held_id[:40]!r}", field="held_id")
    if found.state != held.HELD:
        raise ValidationError(
            f"already {found.state} by {found.decided_by} ({found.decided_role})", field="held_id"
        )
    return found


Check = Callable[..., None]
"""``check_release`` or ``check_reject``: may ``actor`` decide these drafts?"""


def _decide(
    conn: Connection,
    rules: AuthorityRules,
    actor: Actor,
    pending: HeldRow,
    check: Check,
    state: str,
    note: str | None = None,
) -> None:
    """Decide a held draft once, for release and rejection alike; a second decider loses."""
    check(
        rules,
        drafted_by=pending.operator,
        operator=actor.operator,
        role=actor.role,
        drafts=pending.drafts,
    )
    if not held.decide(
        conn, pending.held_id, state=state, operator=actor.operator, role=actor.role, note=note
    ):
        raise ValidationError("decided by someone else just now", field="held_id")


def release(
    service: NodeService, rules: AuthorityRules, actor: Actor, held_id: str
) -> tuple[HeldRow, list[SignedEntry]]:
    """A second person signs a held draft; refused to its drafter and to roles without scope."""

    def claim() -> HeldRow:
        pending = _pending(service, held_id)
        with service.db.writing() as conn:
            _decide(conn, rules, actor, pending, check_release, held.RELEASED)
        return pending

    pending = audited(service, actor, AuditAction.RELEASE, held_id, claim)

    def record(conn: Connection, signed: Sequence[SignedEntry]) -> None:
        held.set_entries(conn, held_id, [s.id for s in signed])
        detail = f"drafted by {pending.operator}; signed {_ids(signed)}"
        write_record(conn, actor, AuditAction.RELEASE, held_id, Outcome.OK, detail)

    try:
        signed = service.send(pending.channel_id, pending.drafts, also=record)
    except DetenteError as exc:
        with service.db.writing() as conn:
            held.undo_decision(conn, held_id)
            detail = f"{exc.code}: {exc}; still held"
            write_record(conn, actor, AuditAction.RELEASE, held_id, Outcome.REFUSED, detail)
        raise
    with service.db.reading() as conn:
        done = held.get(conn, held_id)
    assert done is not None
    return done, signed


def reject(
    service: NodeService, rules: AuthorityRules, actor: Actor, held_id: str, reason: str
) -> HeldRow:
    """Discard a held draft with a reason; its drafter may also withdraw it."""

    def run() -> HeldRow:
        pending = _pending(service, held_id)
        with service.db.writing() as conn:
            _decide(conn, rules, actor, pending, check_reject, held.REJECTED, reason)
            detail = f"drafted by {pending.operator}: {reason}"
            write_record(conn, actor, AuditAction.REJECT, held_id, Outcome.OK, detail)
            done = held.get(conn, held_id)
        assert done is not None
        return done

    return audited(service, actor, AuditAction.REJECT, held_id, run)


def submitted_view(outcome: Submitted) -> dict[str, Any]:
    """The JSON answer for a held submission (a sent one answers with its entries)."""
    assert outcome.held is not None
    return {
        "held": outcome.held.held_id,
        "state": outcome.held.state,
        "releasers": list(outcome.held.releasers),
        "reason": outcome.held.reason,
    }
