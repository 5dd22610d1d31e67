"""Read recorded track files into an ``IngestReport``: bounded lines, one pass, time order.

A file is read line by line with a length bound, so a file of any size (or a
file with no line breaks at all) is never loaded whole. Its format is the one
named, or the one most of its first lines are in. Lines without their own
time (AIS without a tag block) take the file's replay clock: every such line
is taken as received at ``start_t``, by default the file's modification time,
because a recording says when it ended, not when each line arrived.

Must never raise on bad content: only an unreadable file, an unknown format
name or a file whose format cannot be recognised are errors.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import replace
from operator import attrgetter
from pathlib import Path

from detente.deconflict.attribution.registry import UnitRegistry
from detente.deconflict.ingest.decoder import FORMATS, MAX_LINE_CHARS, StateDecoder, detect_format
from detente.deconflict.ingest.report import IngestReport
from detente.deconflict.track import TrackState
from detente.errors import IngestError, ValidationError

SNIFF_LINES = 50
PROGRESS_EVERY_LINES = 8192
_MAX_LINE_BYTES = MAX_LINE_CHARS * 4  # a UTF-8 character is at most four bytes

Progress = Callable[[int, int], None]


def _lines(path: Path) -> Iterator[tuple[str | None, str, int]]:
    """(text or None, why not, byte offset after it); holds at most one bounded line."""
    try:
        handle = path.open("rb")
    except OSError as exc:
        raise IngestError(f"cannot open {path}: {exc}", field="path") from None
    offset = 0  # summed, not handle.tell(): tell() per line costs a third of the read
    with handle:
        while True:
            raw = handle.readline(_MAX_LINE_BYTES + 1)
            if not raw:
                return
            offset += len(raw)
            if len(raw) > _MAX_LINE_BYTES and not raw.endswith(b"\n"):
                while raw and not raw.endswith(b"\n"):  # discard the rest of the long line
                    raw = handle.readline(65536)
                    offset += len(raw)
                yield None, "too_long", offset
                continue
            try:
                yield raw.decode("utf-8"), "", offset
            except UnicodeDecodeError:
                yield None, "not_utf8", offset


def _sniff(path: Path) -> str:
    head = [text for text, _, _ in itertools.islice(_lines(path), SNIFF_LINES) if text is not None]
    fmt = detect_format(head)
    if fmt is None:
        raise ValidationError(
            f"cannot recognise the format of {path} from its first lines;"
            f" name it ({', '.join(FORMATS)})",
            field="fmt",
        )
    return fmt


def read_states(
    path: Path,
    *,
    fmt: str | None = None,
    registry: UnitRegistry | None = None,
    start_t: float | None = None,
    on_progress: Progress | None = None,
) -> IngestReport:
    """Every state in one file, attributed and sorted by time, with what was refused.

    ``fmt`` is one of ``FORMATS`` or ``None``/``"auto"`` to recognise it from the
    first lines. ``registry`` attributes states (default: flag states and ICAO
    blocks only). ``start_t`` is the replay clock for lines that carry no time
    of their own (default: the file's modification time). ``on_progress`` is
    called with (bytes read, bytes in total) every few thousand lines.
    """
    return _read(path, fmt, registry, start_t, on_progress, 0, None)


def _read(
    path: Path,
    fmt: str | None,
    registry: UnitRegistry | None,
    start_t: float | None,
    on_progress: Progress | None,
    done_before: int,
    total: int | None,
) -> IngestReport:
    if fmt is not None and fmt != "auto" and fmt not in FORMATS:
        raise ValidationError(f"{fmt!r} is not one of {', '.join(FORMATS)} or auto", field="fmt")
    try:
        stat = path.stat()
    except OSError as exc:
        raise IngestError(f"cannot read {path}: {exc}", field="path") from None
    chosen = _sniff(path) if fmt in (None, "auto") else fmt
    decoder = StateDecoder(chosen, registry=registry, source=str(path))
    received_t = stat.st_mtime if start_t is None else start_t
    size = stat.st_size if total is None else total
    states: list[TrackState] = []
    extend, feed = states.extend, decoder.feed_line
    count = 0
    for text, bad, offset in _lines(path):
        if text is None:
            if bad == "too_long":
                decoder.feed_too_long()
            else:
                decoder.feed_undecodable()
            continue
        extend(feed(text, received_t))
        count += 1
        if on_progress is not None and count % PROGRESS_EVERY_LINES == 0:
            on_progress(done_before + offset, size)
    decoder.finish()
    if on_progress is not None:
        on_progress(done_before + stat.st_size, size)
    states = _backfill_names(states, decoder)
    states.sort(key=attrgetter("t"))
    return decoder.report(states)


def _backfill_names(states: list[TrackState], decoder: StateDecoder) -> list[TrackState]:
    """Give states seen before their track's static data the name that came later."""
    if not any(s.name is None for s in states):
        return states
    names: dict[str, str | None] = {}
    out = []
    for state in states:
        if state.name is None:
            if state.track not in names:
                names[state.track] = decoder.name_for(state.track)
            name = names[state.track]
            if name is not None:
                state = decoder.registry.attribute(replace(state, name=name))
        out.append(state)
    return out


def read_many(
    paths: Iterable[Path],
    *,
    fmt: str | None = None,
    registry: UnitRegistry | None = None,
    start_t: float | None = None,
    on_progress: Progress | None = None,
) -> IngestReport:
    """Several files merged in time order; each refusal names its file."""
    path_list = list(paths)
    registry = registry if registry is not None else UnitRegistry()
    sizes = []
    for path in path_list:
        try:
            sizes.append(path.stat().st_size)
        except OSError as exc:
            raise IngestError(f"cannot read {path}: {exc}", field="path") from None
    total = sum(sizes)
    merged = IngestReport()
    done = 0
    for path, size in zip(path_list, sizes, strict=True):
        merged.merge(_read(path, fmt, registry, start_t, on_progress, done, total))
        done += size
    merged.states.sort(key=attrgetter("t"))
    return merged
