"""The operator API's one gate to signing: authority check, hold or send, audit record.

Every operator endpoint that makes the node sign something calls ``submit``
here instead of ``NodeService.send``, so the release-authority rules and
the audit log cannot be bypassed by one endpoint forgetting them.
``NodeService`` stays unaware of people: its own automatic statements
(receipts, link checks, alerts) are pre-delegated, not released.

This module must never sign anything itself, nor read the rules at import time.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from fastapi import Request, Response

from detente.errors import ForbiddenError
from detente.link.outgoing import Draft
from detente.node import release
from detente.node.authority import AuthorityRules, judge, load_rules, require_administrator
from detente.node.release import Actor, Submitted
from detente.node.service import NodeService
from detente.store import audit
from detente.store.audit import AuditAction, Outcome


def rules_of(request: Request) -> AuthorityRules:
    """The node's rules, read from its data folder once per app (a change needs a restart)."""
    state = request.app.state
    rules: AuthorityRules | None = getattr(state, "authority_rules", None)
    if rules is None:
        service: NodeService = state.service
        rules = load_rules(service.settings.data_dir)
        state.authority_rules = rules
    return rules


def source_of(request: Request) -> str:
    """The client's address as the server saw it (no proxy headers are trusted)."""
    return request.client.host if request.client else "unknown"


def actor_of(request: Request, who: tuple[str, str]) -> Actor:
    operator, role = who
    return Actor(operator=operator, role=role, source=source_of(request))


def submit(
    request: Request,
    who: tuple[str, str],
    channel_id: str,
    drafts: Sequence[Draft],
    action: AuditAction = AuditAction.SEND,
) -> Submitted:
    """Send now or hold for release (blocking: call it in a worker thread)."""
    service: NodeService = request.app.state.service
    return release.submit(
        service, rules_of(request), actor_of(request, who), channel_id, drafts, action=action
    )


def entries(outcome: Submitted) -> list[dict[str, Any]]:
    return [
        {"id": s.id, "channel": s.entry.channel, "seq": s.entry.seq, "t": s.entry.t}
        for s in outcome.signed
    ]


def held_answer(outcome: Submitted, response: Response) -> dict[str, Any] | None:
    """For a held submission: 202 Accepted and what it waits for; None when it was sent."""
    if outcome.held is None:
        return None
    response.status_code = 202
    return release.submitted_view(outcome)


def authorize_direct(
    request: Request,
    who: tuple[str, str],
    drafts: Sequence[Draft],
    action: AuditAction,
    target: str,
) -> None:
    """For endpoints that sign on their own (notices, incidents): allowed now, or refused.

    They cannot hold a statement for a second person, so what the role would
    have to have released is refused here, with the reason; either way the
    attempt is in the audit log.
    """
    service: NodeService = request.app.state.service
    actor = actor_of(request, who)

    def check() -> None:
        verdict = judge(rules_of(request), who[1], drafts)
        if verdict.action == "hold":
            raise ForbiddenError(
                f"{verdict.reason}; send it through /api/v1/messages to have it released",
                field="role",
            )

    release.audited(service, actor, action, target, check)
    with service.db.writing() as conn:
        audit.record(
            conn,
            operator=who[0],
            role=who[1],
            action=action.value,
            target=target,
            outcome=Outcome.OK.value,
            source=source_of(request),
        )


def require_admin(request: Request, who: tuple[str, str], target: str) -> None:
    """Configuration changes (keys, rules): administrators only, always audited."""
    service: NodeService = request.app.state.service
    actor = actor_of(request, who)
    release.audited(
        service,
        actor,
        AuditAction.CONFIG_CHANGE,
        target,
        lambda: require_administrator(rules_of(request), who[1]),
    )
    with service.db.writing() as conn:
        audit.record(
            conn,
            operator=who[0],
            role=who[1],
            action=AuditAction.CONFIG_CHANGE.value,
            target=target,
            outcome=Outcome.OK.value,
            source=source_of(request),
        )
