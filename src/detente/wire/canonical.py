"""RFC 8785 JSON Canonicalization (JCS): the one byte form that is signed and hashed.

Two nodes must turn the same value into the same bytes, or signatures and
Merkle leaves stop matching. ``canonical_bytes`` is exactly the ``rfc8785``
package's output. It encodes the common cases (dict, list, str, int, bool,
None, plain-notation floats) itself, because every entry is canonicalised
on the hot path and the package alone manages ~20,000 small entries a
second. Exponent-form floats and anything unusual go to ``rfc8785``; the
vectors and property tests hold both to identical output.

``parse_canonical`` is the strict reader for bytes from a peer: it accepts
only what ``canonical_bytes`` would have produced, so one value has one
encoding and nothing can hide in whitespace, escapes or duplicate keys.

This module never does I/O and never accepts NaN, infinities, integers
beyond ±(2**53 - 1), lone surrogates or non-string keys: each is a
``CanonicalError`` naming the path of the offending value.
"""

from __future__ import annotations

import json
import math
import re
from json.encoder import encode_basestring
from typing import Any, Final

import rfc8785

from detente.errors import CanonicalError
from detente.types import JSONValue

MAX_SAFE_INTEGER: Final = 2**53 - 1
"""JCS numbers are IEEE doubles; larger integers would not survive a round trip."""

DEFAULT_MAX_DEPTH: Final = 32
"""Nested arrays and objects allowed by ``parse_canonical``; entries need a handful."""

# A JSON string token; in bytes that json.loads accepts this finds exactly the
# strings, so what remains between them is structure.
_STRING_TOKEN: Final = re.compile(rb'"[^"\\]*(?:\\.[^"\\]*)*"', re.DOTALL)
_BRACKET: Final = re.compile(rb"[\[\]{}]")


def canonical_bytes(value: JSONValue) -> bytes:
    """The RFC 8785 canonical UTF-8 bytes of ``value``."""
    out: list[str] = []
    try:
        _encode(value, out)
        return "".join(out).encode("utf-8")
    except (rfc8785.CanonicalizationError, UnicodeError, TypeError, ValueError) as exc:
        raise _diagnose(value, exc) from exc
    except RecursionError as exc:
        raise CanonicalError("value is nested too deeply to encode") from exc


def _encode(value: Any, out: list[str]) -> None:
    """Append JCS text for ``value``; exact builtin types only, the rest via rfc8785."""
    kind = type(value)
    if kind is str:
        out.append(encode_basestring(value))
    elif kind is dict:
        if not value:
            out.append("{}")
            return
        keys = sorted(value)
        joined = "".join(keys)  # TypeError here if a key is not a string
        if not joined.isascii() and max(joined) > "\uffff":
            # Code point order and JCS's UTF-16 order differ only for
            # characters outside the Basic Multilingual Plane.
            keys.sort(key=_utf16_key)
        sep = "{"
        for key in keys:
            out.append(sep)
            sep = ","
            out.append(encode_basestring(key))
            out.append(":")
            _encode(value[key], out)
        out.append("}")
    elif kind is list:
        if not value:
            out.append("[]")
            return
        sep = "["
        for item in value:
            out.append(sep)
            sep = ","
            _encode(item, out)
        out.append("]")
    elif kind is int:
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            raise ValueError("integer out of range")
        out.append(str(value))
    elif kind is float:
        text = repr(value)
        if "e" in text or "n" in text:
            # Exponent forms (and nan, inf) need ECMAScript's rules: rfc8785.
            out.append(rfc8785.dumps(value).decode("ascii"))
        elif value == 0:
            out.append("0")  # also -0.0, as ECMAScript prints it
        else:
            # Without an exponent, Python's shortest round-trip repr and
            # ECMAScript's Number::toString agree but for a trailing ".0".
            out.append(text[:-2] if text.endswith(".0") else text)
    elif value is None:
        out.append("null")
    elif value is True:
        out.append("true")
    elif value is False:
        out.append("false")
    else:
        # Tuples and subclasses of the builtins: the reference
        # implementation decides, byte for byte.
        out.append(rfc8785.dumps(value).decode("utf-8"))


def _utf16_key(key: str) -> bytes:
    return key.encode("utf-16-be", "surrogatepass")


def _diagnose(value: object, exc: Exception) -> CanonicalError:
    """Find the first value that JCS cannot encode and say where and why."""
    found = _find_fault(value, "")
    if found is None:
        return CanonicalError(f"cannot canonicalise: {exc}")
    path, reason = found
    return CanonicalError(reason, field=path or None)


def _find_fault(value: object, path: str) -> tuple[str, str] | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        if not -MAX_SAFE_INTEGER <= value <= MAX_SAFE_INTEGER:
            shown = (
                str(int(value)) if value.bit_length() <= 256 else f"of {value.bit_length()} bits"
            )
            return path, f"integer {shown} is beyond ±(2**53 - 1), JSON's exact range"
        return None
    if isinstance(value, float):
        if math.isnan(value) or math.isinf(value):
            return path, f"{value} is not a JSON number (NaN and infinities are not allowed)"
        return None
    if isinstance(value, str):
        return _string_fault(value, path)
    if isinstance(value, list | tuple):
        for i, item in enumerate(value):
            found = _find_fault(item, f"{path}[{i}]")
            if found is not None:
                return found
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                return path, f"object keys must be strings, found {type(key).__name__} {key!r:.40}"
            bad_key = _string_fault(key, path, what=f"key {key!a:.60}")
            if bad_key is not None:
                return bad_key
            found = _find_fault(item, _join_path(path, key) or "")
            if found is not None:
                return found
        return None
    return path, f"type {type(value).__name__} has no JSON form"


def _string_fault(text: str, path: str, what: str = "string") -> tuple[str, str] | None:
    for i, char in enumerate(text):
        if "\ud800" <= char <= "\udfff":
            return path, f"{what} has a lone surrogate U+{ord(char):04X} at character {i}"
    return None


def parse_canonical(
    data: bytes, *, max_depth: int = DEFAULT_MAX_DEPTH, field: str | None = None
) -> JSONValue:
    """Parse bytes that must already be RFC 8785 canonical JSON.

    Rejects, with the reason: invalid UTF-8, syntax errors, duplicate keys,
    NaN or Infinity literals, nesting deeper than ``max_depth``, values JCS
    cannot encode, and any byte that differs from the canonical form.
    ``field`` names where the bytes came from, for the error.
    """
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise CanonicalError(f"invalid UTF-8 at byte {exc.start}", field=field) from exc
    # Few brackets in all (the usual entry) cannot nest deeper than their count.
    openers = data.count(b"[") + data.count(b"{")
    depth = _nesting_depth(data) if openers > max_depth else openers
    if depth > max_depth:
        raise CanonicalError(f"nesting depth {depth} exceeds the limit {max_depth}", field=field)
    # Fast path: the C parser as it is. Canonical bytes cannot hide a
    # duplicate key or an out-of-range integer (either would change the
    # re-encoded bytes or fail to encode), so only a failure needs the
    # slower, hooked parse that can say precisely what was wrong.
    value = _load(text, field, precise=False)
    try:
        if canonical_bytes(value) == data:
            return value
    except CanonicalError:
        pass
    value = _load(text, field, precise=True)
    try:
        canonical = canonical_bytes(value)
    except CanonicalError as exc:
        raise CanonicalError(exc.reason, field=_join_path(field, exc.field)) from exc
    if canonical != data:
        at = _first_difference(canonical, data)
        raise CanonicalError(
            f"not RFC 8785 canonical: differs from the canonical form at byte {at}", field=field
        )
    return value


def _load(text: str, field: str | None, *, precise: bool) -> JSONValue:
    """json.loads with NaN refused; ``precise`` adds duplicate-key and big-integer hooks."""
    try:
        if precise:
            value: JSONValue = json.loads(
                text,
                object_pairs_hook=_object_without_duplicates,
                parse_constant=_reject_constant,
                parse_int=_parse_integer,
            )
        else:
            value = json.loads(text, parse_constant=_reject_constant)
    except _ParseError as exc:
        raise CanonicalError(str(exc), field=field) from exc
    except RecursionError as exc:
        raise CanonicalError("value is nested too deeply to parse", field=field) from exc
    except ValueError as exc:  # json.JSONDecodeError, or an over-long integer literal
        raise CanonicalError(f"not JSON: {exc}", field=field) from exc
    return value


class _ParseError(ValueError):
    """Raised inside json.loads hooks; turned into CanonicalError by the caller."""


def _object_without_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    obj = dict(pairs)
    if len(obj) != len(pairs):
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _ParseError(f"duplicate key {key!r:.80}")
            seen.add(key)
    return obj


def _reject_constant(name: str) -> Any:
    raise _ParseError(f"{name} is not a JSON number")


def _parse_integer(text: str) -> int | float:
    """Integer literals beyond the exact range are read as the doubles they denote.

    JCS prints every number as a double, so ``canonical_bytes(2.0**60)`` is
    ``1152921504606847000``; read back as a float it stays canonical, while a
    non-canonical spelling of that double (``1152921504606846976``) still
    fails the final byte comparison.
    """
    if len(text.lstrip("-")) <= len(str(MAX_SAFE_INTEGER)):
        number = int(text)
        if -MAX_SAFE_INTEGER <= number <= MAX_SAFE_INTEGER:
            return number
    return float(text)


def _nesting_depth(data: bytes) -> int:
    """Deepest nesting of arrays and objects, counted before parsing.

    Counting first keeps a hostile payload of a million brackets from
    reaching the parser's recursion at all. Exact for any input the parser
    would accept; for others the parser reports the real error.
    """
    structure = _STRING_TOKEN.sub(b"", data)
    depth = deepest = 0
    for bracket in _BRACKET.findall(structure):
        if bracket in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def _join_path(outer: str | None, inner: str | None) -> str | None:
    if not outer or not inner:
        return outer or inner
    return f"{outer}{inner}" if inner.startswith("[") else f"{outer}.{inner}"


def _first_difference(a: bytes, b: bytes) -> int:
    for i, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return i
    return min(len(a), len(b))
