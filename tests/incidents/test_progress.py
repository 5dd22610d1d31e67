"""Playbook progress: a step is done when the matching entry is sent; the next one is due."""

from __future__ import annotations

from datetime import timedelta

from detente.incidents.playbook import bundled_playbook
from detente.incidents.progress import next_step, progress
from detente.incidents.state import IncidentBook
from tests.incidents.builders import T0, ack, h, item, opening, say


def _book() -> IncidentBook:
    book = IncidentBook(("CN", "US"))
    book.feed([opening(10, "US", 0), ack(11, "CN", 5, ref=10)])
    return book


def test_first_step_is_due_its_deadline_after_the_opening() -> None:
    playbook = bundled_playbook("unsafe_encounter_sea")
    steps = progress(playbook, _book().view(h(10)), "US")
    first = next_step(steps)
    assert first is not None and first.step.id == "request_intentions"
    assert first.due_t == T0 + timedelta(seconds=120)
    assert steps[1].due_t is None  # its clock starts when step 1 is sent


def test_step_is_done_by_kind_and_code_by_its_own_side_only() -> None:
    playbook = bundled_playbook("unsafe_encounter_sea")
    book = _book()
    book.apply(say(12, "CN", 6, 10, code="REQUEST_INTENTIONS"))  # the peer's: not our step
    book.apply(say(13, "US", 7, 10, code="WILCO"))  # ours, but not this step's phrase
    assert next_step(progress(playbook, book.view(h(10)), "US")).step.id == "request_intentions"  # type: ignore[union-attr]
    book.apply(say(14, "US", 8, 10, code="REQUEST_INTENTIONS"))
    book.apply(ack(15, "CN", 9, ref=14))
    steps = progress(playbook, book.view(h(10)), "US")
    assert steps[0].done is not None and steps[0].done.entry_id == h(14)
    assert steps[0].acked_by_peer()
    assert steps[1].due_t == T0 + timedelta(seconds=8 + 300)
    assert next_step(steps).step.id == "propose_separation"  # type: ignore[union-attr]


def test_entries_not_referencing_the_incident_do_not_count() -> None:
    playbook = bundled_playbook("unsafe_encounter_sea")
    book = _book()
    book.apply(item(16, "US", 8, None, kind="phrase", raw={"code": "REQUEST_INTENTIONS"}))
    assert progress(playbook, book.view(h(10)), "US")[0].done is None


def test_all_steps_done_leaves_no_next_step() -> None:
    playbook = bundled_playbook("unsafe_encounter_sea")
    book = _book()
    book.apply(say(20, "US", 10, 10, code="REQUEST_INTENTIONS"))
    book.apply(say(21, "US", 11, 10, code="PROPOSE_SEPARATION", params={"distance": 2}))
    book.apply(item(22, "US", 12, None, kind="call_request", refs=(h(10),)))
    book.apply(item(23, "US", 13, None, kind="meeting_proposal", refs=(h(10),)))
    steps = progress(playbook, book.view(h(10)), "US")
    assert all(s.done for s in steps) and next_step(steps) is None
    json = steps[3].to_json(T0)
    assert json["done"] and json["sent_t"] and not json["overdue"]
