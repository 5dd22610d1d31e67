"""Named type aliases shared across layers; at the bottom of the import graph."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeAlias

import numpy as np
import numpy.typing as npt

FloatArray: TypeAlias = npt.NDArray[np.float64]
IntArray: TypeAlias = npt.NDArray[np.int64]
BoolArray: TypeAlias = npt.NDArray[np.bool_]

JSONScalar: TypeAlias = str | int | float | bool | None
JSONValue: TypeAlias = JSONScalar | list["JSONValue"] | dict[str, "JSONValue"]
JSONObject: TypeAlias = dict[str, JSONValue]

Party: TypeAlias = str
"""A party code such as ``US`` or ``CN`` (upper-case letters, 2-8)."""

EntryId: TypeAlias = str
"""Hex SHA-256 of an entry's RFC 6962 leaf (0x00 || canonical bytes)."""

EpochS: TypeAlias = float
"""Seconds since the UNIX epoch, UTC; used inside numeric kernels."""

ProgressFn: TypeAlias = Callable[[str, int, int], None]
"""``(what, done, total)``: long work reports how far it got, for a progress bar."""
