"""Release-authority rules: who signs what, what is held for whom, and the two-person rule."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import ConfigError, ForbiddenError
from detente.link.outgoing import Draft
from detente.node.authority import (
    AuthorityRules,
    RoleGrant,
    Scope,
    check_reject,
    check_release,
    judge,
    load_rules,
    require_administrator,
    require_audit_reader,
)
from detente.wire.enums import Precedence, Tier

RULES = AuthorityRules()


def draft(
    kind: str = "text",
    precedence: Precedence = Precedence.ROUTINE,
    tier: Tier = Tier.OPERATIONAL,
) -> Draft:
    return Draft(kind, {}, precedence, tier)


def test_authority_operator_sends_routine_operational_text() -> None:
    assert judge(RULES, "operator", [draft()]).action == "send"
    assert judge(RULES, "operator", [draft("phrase", Precedence.PRIORITY)]).action == "send"


@pytest.mark.parametrize(
    ("item", "because"),
    [
        (draft(precedence=Precedence.FLASH), "precedence FLASH"),
        (draft(tier=Tier.THEATER), "tier theater"),
        (draft("distress"), "kind distress"),
    ],
)
def test_authority_operator_above_scope_is_held_for_duty_officer(item: Draft, because: str) -> None:
    verdict = judge(RULES, "operator", [item])
    assert verdict.action == "hold"
    assert verdict.releasers == ("duty_officer", "release_authority", "administrator")
    assert because in verdict.reason


def test_authority_policy_tier_is_held_even_for_release_authority() -> None:
    item = draft(tier=Tier.POLICY, precedence=Precedence.IMMEDIATE)
    for role in ("operator", "duty_officer", "release_authority"):
        verdict = judge(RULES, role, [item])
        assert verdict.action == "hold", role
        assert verdict.releasers == ("release_authority", "administrator")


def test_authority_duty_officer_sends_flash_safety_kinds_up_to_theater() -> None:
    for kind in ("distress", "emergency", "text", "meeting_proposal"):
        item = draft(kind, Precedence.FLASH, Tier.THEATER)
        assert judge(RULES, "duty_officer", [item]).action == "send"


def test_authority_auditor_may_not_send_at_all() -> None:
    with pytest.raises(ForbiddenError, match="may not send statements") as caught:
        judge(RULES, "auditor", [draft()])
    assert caught.value.field == "role"


def test_authority_unknown_role_holds_nothing() -> None:
    with pytest.raises(ForbiddenError):
        judge(RULES, "root", [draft()])
    assert RULES.grant("root") == RoleGrant()


def test_authority_batch_is_held_whole_when_one_draft_is_over() -> None:
    verdict = judge(RULES, "operator", [draft(), draft(precedence=Precedence.FLASH)])
    assert verdict.action == "hold"
    assert verdict.reason.startswith("messages[1]:")


def test_authority_unreleasable_draft_is_refused() -> None:
    rules = AuthorityRules(
        roles={
            "operator": RoleGrant(
                send=Scope(
                    kinds=("text",), max_tier=Tier.OPERATIONAL, precedences=tuple(Precedence)
                )
            )
        }
    )
    with pytest.raises(ForbiddenError, match="no role may release"):
        judge(rules, "operator", [draft(tier=Tier.POLICY)])


def test_authority_release_by_drafter_is_refused() -> None:
    policy = [draft(tier=Tier.POLICY)]
    with pytest.raises(ForbiddenError, match="different person") as caught:
        check_release(
            RULES, drafted_by="li", operator="li", role="release_authority", drafts=policy
        )
    assert caught.value.field == "operator"
    check_release(RULES, drafted_by="li", operator="wang", role="release_authority", drafts=policy)


def test_authority_release_needs_the_scope() -> None:
    policy = [draft(tier=Tier.POLICY)]
    with pytest.raises(ForbiddenError, match="may not release message: tier policy"):
        check_release(RULES, drafted_by="li", operator="wang", role="duty_officer", drafts=policy)


def test_authority_drafter_may_withdraw_but_not_release() -> None:
    policy = [draft(tier=Tier.POLICY)]
    check_reject(RULES, drafted_by="li", operator="li", role="operator", drafts=policy)
    with pytest.raises(ForbiddenError):
        check_reject(RULES, drafted_by="li", operator="zhao", role="operator", drafts=policy)


def test_authority_audit_and_config_roles() -> None:
    require_audit_reader(RULES, "auditor")
    require_audit_reader(RULES, "administrator")
    require_administrator(RULES, "administrator")
    for role in ("operator", "duty_officer", "release_authority"):
        with pytest.raises(ForbiddenError):
            require_audit_reader(RULES, role)
    with pytest.raises(ForbiddenError):
        require_administrator(RULES, "auditor")


def test_authority_rules_load_from_data_folder(tmp_path: Path) -> None:
    assert load_rules(tmp_path) == RULES
    strict = AuthorityRules(roles={**RULES.roles, "administrator": RoleGrant(administer=True)})
    (tmp_path / "authority.json").write_text(strict.model_dump_json())
    assert load_rules(tmp_path).grant("administrator").send.empty
    (tmp_path / "authority.json").write_text('{"roles": {"operator": {"send": {"max_tier": "x"}}}}')
    with pytest.raises(ConfigError) as caught:
        load_rules(tmp_path)
    assert caught.value.field == "roles.operator.send.max_tier"


KINDS = st.sampled_from(["text", "phrase", "distress", "suspend", "readout", "acknowledge"])
DRAFTS = st.builds(draft, KINDS, st.sampled_from(list(Precedence)), st.sampled_from(list(Tier)))
ROLES = st.sampled_from(["operator", "duty_officer", "release_authority", "administrator"])


@settings(max_examples=200)
@given(role=ROLES, items=st.lists(DRAFTS, min_size=1, max_size=4))
def test_authority_policy_tier_never_signed_by_a_person_alone(
    role: str, items: list[Draft]
) -> None:
    """Only the machine owner signs policy tier directly; every held draft has a releaser."""
    try:
        verdict = judge(RULES, role, items)
    except ForbiddenError:
        return
    if verdict.action == "send" and any(d.tier is Tier.POLICY for d in items):
        assert role == "administrator"
    if verdict.action == "hold":
        assert verdict.releasers
        assert all(RULES.grant(r).release.covers(d) for r in verdict.releasers for d in items)
