"""Who has signed a joint statement, folded from the entries both parties signed.

The party that issues a joint statement signs its entry, so issuing counts
as that party's endorsement. Each other party endorses with an ``endorse``
entry that carries the SHA-256 of the statement's canonical text; a hash
that does not match the issued words is refused, so nobody can be shown as
endorsing words they never saw. The statement is signed by all when every
party of the channel has endorsed it.

The fold is pure and must never accept an endorsement of unknown or
different words.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, replace

from detente.dialogue.bodies import EndorsementBody, JointStatementBody, statement_text_sha256
from detente.dialogue.items import DialogueItem
from detente.errors import ValidationError
from detente.types import EntryId, JSONObject, Party


@dataclass(frozen=True)
class Endorsement:
    entry_id: EntryId
    party: Party
    t: str


@dataclass(frozen=True)
class JointStatementView:
    """A joint statement, its exact-words hash, and which parties have signed it."""

    statement_id: EntryId
    author: Party
    title: str
    text: Mapping[str, str]
    text_sha256: str
    endorsements: tuple[Endorsement, ...]
    parties: frozenset[Party]
    """Every party of the channel, whose endorsement completes the statement."""

    @property
    def signed_by(self) -> tuple[Party, ...]:
        """Parties that have signed, in the order they did (the author first)."""
        return tuple(e.party for e in self.endorsements)

    @property
    def missing(self) -> frozenset[Party]:
        return self.parties - set(self.signed_by)

    @property
    def signed_by_all(self) -> bool:
        return not self.missing

    def to_json(self) -> JSONObject:
        """The JSON twin of the statement page."""
        return {
            "statement_id": self.statement_id,
            "author": self.author,
            "title": self.title,
            "text": dict(self.text),
            "text_sha256": self.text_sha256,
            "endorsements": [
                {"entry_id": e.entry_id, "party": e.party, "t": e.t} for e in self.endorsements
            ],
            "signed_by": [*self.signed_by],
            "missing": [*sorted(self.missing)],
            "signed_by_all": self.signed_by_all,
        }


def joint_statement_states(
    items: Iterable[DialogueItem], parties: Collection[Party]
) -> dict[EntryId, JointStatementView]:
    """Every joint statement in ``items`` (in log order) by its entry id."""
    everyone = frozenset(parties)
    statements: dict[EntryId, JointStatementView] = {}
    for item in items:
        body = item.body
        if isinstance(body, JointStatementBody):
            if item.entry_id in statements:
                raise ValidationError("statement listed twice", field="entry_id")
            statements[item.entry_id] = JointStatementView(
                statement_id=item.entry_id,
                author=item.party,
                title=body.title,
                text=dict(body.text),
                text_sha256=statement_text_sha256(body),
                endorsements=(Endorsement(item.entry_id, item.party, item.t),),
                parties=everyone | {item.party},
            )
        elif isinstance(body, EndorsementBody):
            view = statements.get(body.ref)
            if view is None:
                raise ValidationError(f"no joint statement {body.ref[:12]}", field="ref")
            if body.text_sha256 != view.text_sha256:
                raise ValidationError(
                    "text_sha256 does not match the statement's words", field="text_sha256"
                )
            if item.party in view.signed_by:
                continue  # a second endorsement by the same party adds nothing
            endorsement = Endorsement(item.entry_id, item.party, item.t)
            statements[body.ref] = replace(view, endorsements=(*view.endorsements, endorsement))
    return statements


def joint_statement_state(
    items: Iterable[DialogueItem], parties: Collection[Party], statement_id: EntryId | None = None
) -> JointStatementView:
    """The one joint statement in ``items``, or the one issued as ``statement_id``."""
    states = joint_statement_states(items, parties)
    if statement_id is not None:
        if statement_id not in states:
            raise ValidationError(f"no joint statement {statement_id[:12]}", field="statement_id")
        return states[statement_id]
    if len(states) != 1:
        raise ValidationError(
            f"expected one joint statement, found {len(states)}", field="statement_id"
        )
    return next(iter(states.values()))
