"""RFC 8785 canonical JSON: the RFC author's vectors, and byte-identity with rfc8785."""

from __future__ import annotations

import enum
import json
import random
import struct
from collections import OrderedDict
from pathlib import Path
from typing import Any

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from detente.errors import CanonicalError
from detente.types import JSONValue
from detente.wire.canonical import MAX_SAFE_INTEGER, canonical_bytes, parse_canonical

VECTORS: dict[str, dict[str, str]] = json.loads(
    (Path(__file__).parent.parent / "data" / "jcs" / "jcs_vectors.json").read_text("utf-8")
)

# Keys from the corners of UTF-16 ordering: astral characters sort before
# U+E000..U+FFFF in JCS but after them in code point order.
_KEY_CHARS = st.sampled_from(
    ["a", "B", "\u00e9", "\u20ac", "\ue000", "\ufb33", "\uffff", "😂", "𝄞"]
)
_keys = st.text(_KEY_CHARS, max_size=4) | st.text(max_size=6)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-MAX_SAFE_INTEGER, MAX_SAFE_INTEGER)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
)
json_values = st.recursive(
    _scalars,
    lambda children: st.lists(children, max_size=5) | st.dictionaries(_keys, children, max_size=5),
    max_leaves=25,
)


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_canonical_bytes_matches_jcs_vector(name: str) -> None:
    vector = VECTORS[name]
    expected = vector["expected"].encode("utf-8")
    assert canonical_bytes(json.loads(vector["input"])) == expected


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_parse_canonical_accepts_jcs_vector_output(name: str) -> None:
    expected = VECTORS[name]["expected"].encode("utf-8")
    assert parse_canonical(expected) == json.loads(VECTORS[name]["input"])


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_parse_canonical_rejects_jcs_vector_input(name: str) -> None:
    """Every vector's input has whitespace, escapes or order that JCS removes."""
    with pytest.raises(CanonicalError, match="not RFC 8785 canonical"):
        parse_canonical(VECTORS[name]["input"].encode("utf-8"))


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_canonical_bytes_is_identical_to_rfc8785(value: JSONValue) -> None:
    assert canonical_bytes(value) == rfc8785.dumps(value)


@settings(max_examples=200, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False))
def test_canonical_bytes_float_is_identical_to_rfc8785(number: float) -> None:
    assert canonical_bytes(number) == rfc8785.dumps(number)
    assert canonical_bytes([number, -number]) == rfc8785.dumps([number, -number])


def test_canonical_bytes_floats_across_all_exponents_match_rfc8785() -> None:
    """Random bit patterns reach every binary exponent, subnormals included."""
    rng = random.Random(8785)
    numbers: list[JSONValue] = []
    while len(numbers) < 20_000:
        (number,) = struct.unpack("<d", rng.getrandbits(64).to_bytes(8, "little"))
        if number == number and abs(number) != float("inf"):
            numbers.append(number)
    # Plain notation (1e-7 < |x| < 1e21) is encoded here, not by rfc8785: cover it densely.
    numbers += [rng.choice((1, -1)) * 10 ** rng.uniform(-8, 22) for _ in range(20_000)]
    numbers += [round(rng.uniform(-180, 180), rng.randrange(12)) for _ in range(5_000)]
    numbers += [5e-324, 1e21, 1e-7, 1e-6, 1e20, 123e18, 1e16, 9007199254740993.0, 0.1, 2.5]
    assert canonical_bytes(numbers) == rfc8785.dumps(numbers)


@pytest.mark.parametrize(
    ("number", "text"),
    [
        (0.0, b"0"),
        (-0.0, b"0"),
        (1.0, b"1"),
        (-1.5, b"-1.5"),
        (1e21, b"1e+21"),
        (1e20, b"100000000000000000000"),
        (1e-7, b"1e-7"),
        (1e-6, b"0.000001"),
        (2.0**60, b"1152921504606847000"),
        (333333333.33333329, b"333333333.3333333"),
        (5e-324, b"5e-324"),
    ],
)
def test_canonical_bytes_formats_numbers_as_ecmascript(number: float, text: bytes) -> None:
    assert canonical_bytes(number) == text


def test_canonical_bytes_escapes_every_bmp_character_as_rfc8785() -> None:
    text = "".join(chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF) + "😂"
    assert canonical_bytes(text) == rfc8785.dumps(text)
    assert canonical_bytes({text: text}) == rfc8785.dumps({text: text})


def test_canonical_bytes_sorts_keys_by_utf16_code_units() -> None:
    value: JSONValue = {"\ufb33": 1, "😂": 2, "\u20ac": 3, "1": 4}
    assert canonical_bytes(value) == '{"1":4,"€":3,"😂":2,"\ufb33":1}'.encode()


def test_canonical_bytes_of_builtin_subclasses_and_tuples_matches_rfc8785() -> None:
    class Tier(enum.StrEnum):
        THEATER = "theater"

    class Level(enum.IntEnum):
        HIGH = 3

    value: Any = OrderedDict(
        [("z", (1, 2.5, Tier.THEATER)), ("a", Level.HIGH), ("m", {"t": (Tier.THEATER,)})]
    )
    assert canonical_bytes(value) == rfc8785.dumps(value)
    assert canonical_bytes(value) == b'{"a":3,"m":{"t":["theater"]},"z":[1,2.5,"theater"]}'


def test_canonical_bytes_of_a_typical_entry() -> None:
    entry: JSONValue = {
        "v": 1,
        "seq": 42,
        "kind": "message",
        "refs": [],
        "body": {"text": "请求通话 0900Z", "lat_deg": 21.5, "ok": True, "note": None},
    }
    assert (
        canonical_bytes(entry)
        == (
            '{"body":{"lat_deg":21.5,"note":null,"ok":true,"text":"请求通话 0900Z"},'
            '"kind":"message","refs":[],"seq":42,"v":1}'
        ).encode()
    )


@pytest.mark.parametrize(
    ("value", "field", "reason_part"),
    [
        (float("nan"), None, "NaN and infinities"),
        ({"a": [1, float("inf")]}, "a[1]", "inf is not a JSON number"),
        ({"a": {"b": -float("inf")}}, "a.b", "-inf is not a JSON number"),
        ({"seq": 2**53}, "seq", "integer 9007199254740992 is beyond"),
        ([-(2**53)], "[0]", "integer -9007199254740992 is beyond"),
        ({"t": "ok \ud800"}, "t", "lone surrogate U+D800 at character 3"),
        ({"x": {"\udc00": 1}}, "x", "key '\\udc00' has a lone surrogate U+DC00"),
        ({1: "one"}, None, "object keys must be strings, found int"),
        ({"a": {None: 1, "b": 2}}, "a", "object keys must be strings, found NoneType"),
        ({"s": {1, 2}}, "s", "type set has no JSON form"),
        ({"b": b"bytes"}, "b", "type bytes has no JSON form"),
    ],
)
def test_canonical_bytes_rejects_what_jcs_cannot_encode(
    value: Any, field: str | None, reason_part: str
) -> None:
    with pytest.raises(CanonicalError) as caught:
        canonical_bytes(value)
    assert caught.value.field == field
    assert reason_part in caught.value.reason


def test_canonical_bytes_accepts_the_safe_integer_limits() -> None:
    assert canonical_bytes([MAX_SAFE_INTEGER, -MAX_SAFE_INTEGER]) == (
        b"[9007199254740991,-9007199254740991]"
    )


def test_canonical_bytes_rejects_too_deep_nesting_with_canonical_error() -> None:
    value: Any = []
    for _ in range(100_000):
        value = [value]
    with pytest.raises(CanonicalError, match="nested too deeply"):
        canonical_bytes(value)


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_parse_canonical_round_trips_canonical_bytes(value: JSONValue) -> None:
    data = canonical_bytes(value)
    assert canonical_bytes(parse_canonical(data, max_depth=100)) == data


@settings(max_examples=100, deadline=None)
@given(json_values, st.sampled_from([b" ", b"\n", b"\t", b"\r"]))
def test_parse_canonical_rejects_whitespace_around_and_inside_structure(
    value: JSONValue, space: bytes
) -> None:
    data = canonical_bytes(value)
    spaced = [space + data, data + space]
    if data[:1] in (b"[", b"{"):
        spaced.append(data[:1] + space + data[1:])  # after the bracket: outside any string
    for attempt in spaced:
        with pytest.raises(CanonicalError, match="not RFC 8785 canonical"):
            parse_canonical(attempt, max_depth=100)


@pytest.mark.parametrize(
    ("number", "data"),
    [
        (2.0**53, b"9007199254740992"),
        (2.0**60, b"1152921504606847000"),
        (-1e20, b"-100000000000000000000"),
    ],
)
def test_parse_canonical_reads_big_integral_numbers_as_doubles(number: float, data: bytes) -> None:
    assert canonical_bytes(number) == data
    assert parse_canonical(data) == number


@pytest.mark.parametrize(
    ("data", "reason_part"),
    [
        (b'{"a":1,"a":2}', "duplicate key 'a'"),
        (b'{"a":{"b":1,"b":1}}', "duplicate key 'b'"),
        (b"[NaN]", "NaN is not a JSON number"),
        (b"Infinity", "Infinity is not a JSON number"),
        (b'{"a":-Infinity}', "-Infinity is not a JSON number"),
        (b'"\xff"', "invalid UTF-8 at byte 1"),
        (b'"\xed\xa0\x80"', "invalid UTF-8 at byte 1"),  # an encoded surrogate
        (b"\xef\xbb\xbf{}", "not JSON"),  # a byte order mark
        (b'"\\ud800"', "lone surrogate U+D800"),
        (b"1e400", "inf is not a JSON number"),
        (b"9007199254740993", "not RFC 8785 canonical"),  # the double is ...992
        (b"1152921504606846976", "not RFC 8785 canonical"),  # 2**60 prints as ...847000
        (b"{}{}", "not JSON"),
        (b'{"a":1', "not JSON"),
        (b"", "not JSON"),
        (b'{"b":1,"a":2}', "not RFC 8785 canonical"),
        (b"1.0", "not RFC 8785 canonical"),
        (b"-0", "not RFC 8785 canonical"),
        (b"1E+30", "not RFC 8785 canonical"),
        (b'"\\u0041"', "not RFC 8785 canonical"),
        (b'"\\/"', "not RFC 8785 canonical"),
        (b"[1] ", "not RFC 8785 canonical"),
    ],
)
def test_parse_canonical_rejects_with_reason(data: bytes, reason_part: str) -> None:
    with pytest.raises(CanonicalError) as caught:
        parse_canonical(data, field="payload")
    assert reason_part in caught.value.reason
    assert caught.value.field is not None
    assert caught.value.field.startswith("payload")


def test_parse_canonical_names_the_first_differing_byte() -> None:
    with pytest.raises(CanonicalError, match="at byte 5"):
        parse_canonical(b'{"a": 1}')


def test_parse_canonical_names_the_path_inside_the_payload() -> None:
    with pytest.raises(CanonicalError) as caught:
        parse_canonical(b'{"body":{"n":[1e400]}}', field="entries[0].payload")
    assert caught.value.field == "entries[0].payload.body.n[0]"


def test_parse_canonical_depth_limit_is_inclusive() -> None:
    assert parse_canonical(b"[" * 32 + b"]" * 32) is not None
    with pytest.raises(CanonicalError, match="nesting depth 33 exceeds the limit 32"):
        parse_canonical(b"[" * 33 + b"]" * 33)
    with pytest.raises(CanonicalError, match="nesting depth 3 exceeds the limit 2"):
        parse_canonical(b'{"a":[{"b":"[[[["}]}', max_depth=2)
    assert parse_canonical(b'{"a":["[[[[\\"{{"]}', max_depth=2) == {"a": ['[[[["{{']}


def _depth(value: JSONValue) -> int:
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


@settings(max_examples=100, deadline=None)
@given(json_values)
def test_parse_canonical_depth_limit_counts_real_nesting(value: JSONValue) -> None:
    data = canonical_bytes(value)
    depth = _depth(value)
    assert canonical_bytes(parse_canonical(data, max_depth=depth)) == data
    if depth:
        with pytest.raises(CanonicalError, match=f"nesting depth {depth} exceeds"):
            parse_canonical(data, max_depth=depth - 1)


def test_parse_canonical_refuses_a_bracket_bomb_before_parsing() -> None:
    with pytest.raises(CanonicalError, match="nesting depth 1000000 exceeds"):
        parse_canonical(b"[" * 1_000_000 + b"]" * 1_000_000)


def test_parse_canonical_returns_the_value() -> None:
    assert parse_canonical('{"a":[1,2.5,"€",null,true]}'.encode()) == {
        "a": [1, 2.5, "€", None, True]
    }
