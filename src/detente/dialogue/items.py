"""The minimal view of an entry that the dialogue folds need.

The folds (``meetings``, ``statements``) only need who said what, when, and
under which id; they do not need signatures, sequence numbers or channels.
Keeping this small record here lets the folds stay pure and lets any caller
(the node, the API, a test) build them from stored entries.

This module must never parse wire bytes or verify anything: items are made
from entries that were already verified and stored.
"""

from __future__ import annotations

from dataclasses import dataclass

from detente.types import EntryId, Party
from detente.wire.body import Body


@dataclass(frozen=True)
class DialogueItem:
    """One verified entry as the dialogue folds see it, in log order."""

    entry_id: EntryId
    party: Party
    t: str
    """The entry's timestamp as signed (``YYYY-MM-DDTHH:MM:SS.ffffffZ``)."""
    body: Body

    @property
    def kind(self) -> str:
        return self.body.KIND
