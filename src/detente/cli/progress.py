"""One progress display for long CLI work (export, verification), on stderr.

On stderr and transient, so ``--format json`` output on stdout stays clean
for a pipe and the bar disappears once the result is printed.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

from detente.types import ProgressFn


@contextmanager
def progress_bars() -> Iterator[ProgressFn]:
    """A ``(what, done, total)`` callback: one bar per ``what``, made on first report."""
    with Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        console=Console(stderr=True),
        transient=True,
    ) as progress:
        tasks: dict[str, int] = {}

        def step(what: str, done: int, total: int) -> None:
            if what not in tasks:
                tasks[what] = int(progress.add_task(what, total=total))
            progress.update(tasks[what], completed=done, total=total)  # type: ignore[arg-type]

        yield step
