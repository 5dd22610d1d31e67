"""The event stream's marks: what changed, and resuming from the browser's last event id."""

from __future__ import annotations

from collections.abc import Callable

from hypothesis import given
from hypothesis import strategies as st

from detente.web.events import _changes
from detente.web.marks import TOPICS
from detente.web.marks import decode as parse_event_id
from detente.web.marks import encode as event_id
from tests.web.conftest import Browser

marks = st.fixed_dictionaries(
    {topic: st.text(alphabet="0123456789abcdef", min_size=12, max_size=12) for topic in TOPICS}
)


@given(marks)
def test_events_id_round_trips(value: dict[str, str]) -> None:
    assert parse_event_id(event_id(value)) == value


def test_events_changes_name_only_changed_topics() -> None:
    seen = {"entries": "a" * 12, "alarms": "b" * 12, "delivery": "c" * 12}
    assert _changes(seen, dict(seen)) == b""
    now = {**seen, "alarms": "d" * 12}
    text = _changes(seen, now).decode()
    assert text == f"event: alarms\nid: {event_id(now)}\ndata: changed\n\n"


def test_events_garbage_last_event_id_is_ignored() -> None:
    assert parse_event_id("nonsense.<script>:x.entries:.alarms:zzzzzzzzzzzz") == {}
    assert parse_event_id(None) == {}
    assert parse_event_id("x" * 10_000) == {}


def test_events_stream_resumes_from_the_last_event_id(
    browser_for: Callable[[str, str], Browser],
) -> None:
    tab = browser_for("US", "audrey")
    stale = event_id(dict.fromkeys(TOPICS, "0" * 12))
    with tab.client.stream("GET", "/ui/events", headers={"last-event-id": stale}) as stream:
        lines = stream.iter_lines()
        head = [next(lines) for _ in range(6)]
        assert head[:2] == ["retry: 1000", "event: marks"]
        assert head[2].startswith("id: alarms:")
        assert head[3:5] == ["data: ready", ""]
        assert head[5] in {"event: alarms", "event: entries", "event: delivery"}


def test_events_stream_starts_from_the_marks_the_page_was_rendered_with(
    browser_for: Callable[[str, str], Browser],
) -> None:
    tab = browser_for("US", "audrey")
    page = tab.client.get("/ui/inbox").text
    since = page.split('data-events="/ui/events?since=', 1)[1].split('"', 1)[0]
    assert set(parse_event_id(since)) == set(TOPICS)
    stale = event_id(dict.fromkeys(TOPICS, "0" * 12))
    with tab.client.stream("GET", "/ui/events", params={"since": stale}) as stream:
        lines = stream.iter_lines()
        head = [next(lines) for _ in range(6)]
        assert head[5].startswith("event: ")
