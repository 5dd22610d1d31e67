"""Where one side stands in its playbook for one incident: steps done, the next one due.

A step is done when that side has sent an entry of the step's kind (and,
for a phrase, the step's code) referencing the incident; each entry counts
for one step only, in playbook order. The next step is due its deadline
after the previous step was done (the first, after the opening).

Pure: the caller hands in the time; this module must never read a clock.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from detente.incidents.playbook import Playbook, Step
from detente.incidents.state import IncidentView, TimelineRow
from detente.types import JSONObject, Party
from detente.wire.entry import parse_t


@dataclass(frozen=True, slots=True)
class StepProgress:
    index: int
    step: Step
    done: TimelineRow | None
    due_t: datetime | None
    """When the step is due; None for steps after the next one (their clock has not started)."""

    def acked_by_peer(self) -> bool:
        return self.done is not None and any(a.party != self.done.party for a in self.done.acks)

    def to_json(self, now: datetime) -> JSONObject:
        done = self.done
        return {
            "index": self.index,
            "id": self.step.id,
            "title": {str(k): v for k, v in self.step.title.items()},
            "kind": self.step.kind,
            "code": self.step.code,
            "precedence": self.step.precedence.value,
            "deadline_s": self.step.deadline_s,
            "done": done is not None,
            "entry_id": done.entry_id if done else None,
            "sent_t": done.t if done else None,
            "acks": [{"party": a.party, "t": a.t} for a in done.acks] if done else [],
            "due_t": f"{self.due_t:%Y-%m-%dT%H:%M:%SZ}" if self.due_t else None,
            "overdue": done is None and self.due_t is not None and self.due_t <= now,
        }


def _matches(step: Step, row: TimelineRow) -> bool:
    if row.kind != step.kind or row.role != "statement":
        return False
    return step.code is None or row.body.get("code") == step.code


def progress(playbook: Playbook, view: IncidentView, party: Party) -> list[StepProgress]:
    """Every step of ``playbook`` for ``party`` in ``view``, in order."""
    mine = [r for r in view.timeline if r.party == party]
    used: set[str] = set()
    out: list[StepProgress] = []
    previous_t = parse_t(view.opened_t)
    clock_running = True
    for index, step in enumerate(playbook.steps):
        done = next((r for r in mine if r.entry_id not in used and _matches(step, r)), None)
        due = previous_t + timedelta(seconds=step.deadline_s) if clock_running else None
        if done is not None:
            used.add(done.entry_id)
            previous_t = parse_t(done.t)
        else:
            clock_running = False
        out.append(StepProgress(index, step, done, due))
    return out


def next_step(steps: list[StepProgress]) -> StepProgress | None:
    return next((s for s in steps if s.done is None), None)
