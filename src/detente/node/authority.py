"""Release authority: which role may send which statements, and who may release the rest.

The rules are data (``AuthorityRules``, loadable from ``DATA_DIR/authority.json``)
and the judgement is pure: given a role and the drafts it wants signed,
``judge`` says *send*, *hold for release by one of these roles*, or *refuse*.
The node's own automatic statements (receipts, link checks, encounter
alerts) never come here; they are listed in the channel's pre-delegation
section instead (``detente.node.pre_delegation``).

This module must never sign, store or send anything: it only decides.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field
from pydantic import ValidationError as PydanticValidationError

from detente.errors import ConfigError, ForbiddenError
from detente.link.outgoing import Draft, draft_place
from detente.wire.enums import Precedence, Tier

RULES_FILE = "authority.json"
TIER_ORDER: tuple[Tier, ...] = (Tier.OPERATIONAL, Tier.THEATER, Tier.POLICY)
ALL_PRECEDENCES: tuple[Precedence, ...] = tuple(Precedence)
ANY_KIND = "*"


class Scope(BaseModel):
    """A set of statements: these kinds, up to this tier, at these precedences.

    ``max_tier`` None is the empty scope (nothing at all); ``kinds`` may be
    ``["*"]`` for every kind the node knows.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    kinds: tuple[str, ...] = ()
    max_tier: Tier | None = None
    precedences: tuple[Precedence, ...] = ()

    @property
    def empty(self) -> bool:
        return self.max_tier is None or not self.kinds or not self.precedences

    def covers(self, draft: Draft) -> bool:
        if self.max_tier is None:
            return False
        kind_ok = ANY_KIND in self.kinds or draft.kind in self.kinds
        tier_ok = TIER_ORDER.index(draft.tier) <= TIER_ORDER.index(self.max_tier)
        return kind_ok and tier_ok and draft.precedence in self.precedences

    def why_not(self, draft: Draft) -> str:
        """The first rule ``draft`` breaks, in words an operator can act on."""
        if self.max_tier is None or not self.kinds or not self.precedences:
            return "this role sends no statements"
        if ANY_KIND not in self.kinds and draft.kind not in self.kinds:
            return f"kind {draft.kind} is outside this role's kinds ({', '.join(self.kinds)})"
        if TIER_ORDER.index(draft.tier) > TIER_ORDER.index(self.max_tier):
            return f"tier {draft.tier.value} is above this role's {self.max_tier.value}"
        allowed = ", ".join(p.value for p in self.precedences)
        return f"precedence {draft.precedence.value} is outside this role's ({allowed})"


NOTHING = Scope()


class RoleGrant(BaseModel):
    """What one role may do: sign directly (``send``), release others' held drafts, administer."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    send: Scope = NOTHING
    release: Scope = NOTHING
    administer: bool = False
    read_audit: bool = False


def _scope(kinds: Sequence[str], tier: Tier, precedences: Sequence[Precedence]) -> Scope:
    return Scope(kinds=tuple(kinds), max_tier=tier, precedences=tuple(precedences))


def default_roles() -> dict[str, RoleGrant]:
    """The roles an operations centre starts with; a node may override them in authority.json.

    - ``operator``: the watch stander. Signs routine operational traffic
      (free text, standard phrases, translations, acknowledgements and
      responses) at ROUTINE or PRIORITY. Anything else is held for a duty
      officer or a release authority.
    - ``duty_officer``: runs the watch. Signs any kind up to the theater tier
      at any precedence (IMMEDIATE and FLASH, distress, emergency and other
      safety kinds included), and releases what an operator drafted within
      that same scope.
    - ``release_authority``: speaks for the ministry. Signs what a duty
      officer signs and is the only person role that releases policy-tier
      statements. A policy-tier statement is never signed by the person who
      drafted it: it is held until a *different* release authority releases
      it (the two-person rule), even when a release authority drafted it.
    - ``auditor``: reads the audit log and the node's records; sends and
      releases nothing.
    - ``administrator``: the machine owner (the token ``detente node init``
      writes to the data folder). Whoever can read that folder can read the
      node's signing key and sign anything outside the application, so a
      lesser administrator token would protect nothing: it administers,
      reads the audit log, signs and releases at every tier. Give people
      per-person tokens of the other roles (``detente token issue``); an
      operations centre that keeps the owner off the air sets
      ``administrator.send`` and ``.release`` to the empty scope in
      authority.json.
    """
    routine = (Precedence.ROUTINE, Precedence.PRIORITY)
    every = ALL_PRECEDENCES
    return {
        "operator": RoleGrant(
            send=_scope(
                ("text", "phrase", "translation", "acknowledge", "respond"),
                Tier.OPERATIONAL,
                routine,
            )
        ),
        "duty_officer": RoleGrant(
            send=_scope((ANY_KIND,), Tier.THEATER, every),
            release=_scope((ANY_KIND,), Tier.THEATER, every),
        ),
        "release_authority": RoleGrant(
            send=_scope((ANY_KIND,), Tier.THEATER, every),
            release=_scope((ANY_KIND,), Tier.POLICY, every),
        ),
        "auditor": RoleGrant(read_audit=True),
        "administrator": RoleGrant(
            send=_scope((ANY_KIND,), Tier.POLICY, every),
            release=_scope((ANY_KIND,), Tier.POLICY, every),
            administer=True,
            read_audit=True,
        ),
    }


class AuthorityRules(BaseModel):
    """The node's release-authority rules: one grant per role name."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    schema_version: Literal[1] = 1
    roles: dict[str, RoleGrant] = Field(default_factory=default_roles)

    def grant(self, role: str) -> RoleGrant:
        """An unknown role holds no authority at all (fail closed)."""
        return self.roles.get(role, RoleGrant())

    def releasers(self, drafts: Sequence[Draft]) -> list[str]:
        """Roles that may release every one of ``drafts``, in the order the rules list them."""
        return [
            name
            for name, grant in self.roles.items()
            if all(grant.release.covers(d) for d in drafts)
        ]


def load_rules(data_dir: Path) -> AuthorityRules:
    """``DATA_DIR/authority.json`` when present, else the defaults."""
    path = data_dir / RULES_FILE
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return AuthorityRules()
    try:
        return AuthorityRules.model_validate_json(text)
    except PydanticValidationError as exc:
        first = exc.errors()[0]
        loc = ".".join(str(p) for p in first["loc"])
        raise ConfigError(f"{path}: {first['msg']}", field=loc or "authority") from exc


@dataclass(frozen=True, slots=True)
class Verdict:
    """``send`` now, or ``hold`` for one of ``releasers``; ``reason`` says why it was held."""

    action: Literal["send", "hold"]
    releasers: tuple[str, ...] = ()
    reason: str = ""


def judge(rules: AuthorityRules, role: str, drafts: Sequence[Draft]) -> Verdict:
    """Whether ``role`` may have ``drafts`` signed now, must have them held, or is refused.

    A role that sends nothing at all (an auditor) is refused outright rather
    than queueing work for others; so is a draft no role may release.
    """
    own = rules.grant(role).send
    if own.empty:
        raise ForbiddenError(f"role {role} may not send statements", field="role")
    over = [(i, d) for i, d in enumerate(drafts) if not own.covers(d)]
    if not over:
        return Verdict("send")
    releasers = rules.releasers(drafts)
    index, first = over[0]
    where = draft_place(drafts, index)
    if not releasers:
        raise ForbiddenError(
            f"{where}: {own.why_not(first)}, and no role may release it", field="role"
        )
    return Verdict("hold", tuple(releasers), f"{where}: {own.why_not(first)}")


def check_release(
    rules: AuthorityRules,
    *,
    drafted_by: str,
    operator: str,
    role: str,
    drafts: Sequence[Draft],
) -> None:
    """Refuse a release by the drafter (two-person rule) or by a role without the scope."""
    if operator == drafted_by:
        raise ForbiddenError(
            f"{operator} drafted this statement; a different person must release it",
            field="operator",
        )
    scope = rules.grant(role).release
    for index, draft in enumerate(drafts):
        if not scope.covers(draft):
            where = draft_place(drafts, index)
            raise ForbiddenError(
                f"role {role} may not release {where}: {scope.why_not(draft)}", field="role"
            )


def check_reject(
    rules: AuthorityRules,
    *,
    drafted_by: str,
    operator: str,
    role: str,
    drafts: Sequence[Draft],
) -> None:
    """A drafter may withdraw their own draft; anyone else needs the scope to release it."""
    if operator == drafted_by:
        return
    check_release(rules, drafted_by=drafted_by, operator=operator, role=role, drafts=drafts)


def require_audit_reader(rules: AuthorityRules, role: str) -> None:
    if not rules.grant(role).read_audit:
        raise ForbiddenError(f"role {role} may not read the audit log", field="role")


def require_administrator(rules: AuthorityRules, role: str) -> None:
    if not rules.grant(role).administer:
        raise ForbiddenError(f"role {role} may not change the node's configuration", field="role")
