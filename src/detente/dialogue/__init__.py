"""Talks between parties: call requests, meetings, readouts and joint statements.

``bodies`` holds the entry bodies a party signs; ``items.DialogueItem`` is
the small view of a stored entry that the pure folds read; ``meetings``
folds proposals, answers and readouts into a ``MeetingView``; ``statements``
folds a joint statement and its endorsements into who has signed which exact
words. Nothing here does I/O or decides on its own clock.
"""
