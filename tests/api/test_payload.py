"""Body decoding shared by the providers."""

from __future__ import annotations

import json
from typing import Any
from unittest.mock import patch

import pytest

from custom_components.cloud_telephony.api import PayloadError, payload
from custom_components.cloud_telephony.api.payload import (
    MAX_DEPTH,
    MAX_FORM_FIELDS,
    MAX_JSON_DEPTH,
    MAX_REPAIRS,
    _split_key,
    decode_form,
    decode_json,
    int_or_none,
    is_ascii_number,
    text_or_none,
)


def test_form_brackets() -> None:
    assert decode_form("a=1&b[c]=2&b[d][e]=3&f[]=4&f[]=5") == {
        "a": "1",
        "b": {"c": "2", "d": {"e": "3"}},
        "f": ["4", "5"],
    }


def test_form_rack_arrays_of_objects() -> None:
    assert decode_form("x[][a]=1&x[][b]=2&x[][a]=3") == {"x": [{"a": "1", "b": "2"}, {"a": "3"}]}


def test_form_unbalanced_brackets_stay_plain() -> None:
    assert decode_form("a[b=1&c]d=2&[e]=3&g[h]i=4") == {"a[b": "1", "c]d": "2", "[e]": "3", "g[h]i": "4"}


def test_form_later_scalar_and_object_do_not_crash() -> None:
    assert decode_form("a=1&a[b]=2") == {"a": {"b": "2"}}
    assert decode_form("a[]=1&a[b]=2") == {"a": {"b": "2"}}
    assert decode_form("a[b]=1&a[]=2") == {"a": ["2"]}
    assert decode_form("a[]=1&a[][b]=2") == {"a": ["1", {"b": "2"}]}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        ("", None),
        ("  ", None),
        (12, "12"),
        (12.0, "12"),
        (1.5, "1.5"),
        (True, "true"),
        (False, "false"),
        ({"a": 1}, None),
        ([1], None),
        (float("inf"), "inf"),
    ],
)
def test_text_or_none(value: object, expected: str | None) -> None:
    assert text_or_none(value) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, None),
        (True, None),
        (7, 7),
        (7.6, 8),
        ("7", 7),
        ("7.4", 7),
        ("x", None),
        ("", None),
        (float("nan"), None),
        ("1e999", None),
        ("nan", None),
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        # Wider than 64 bits: no count or state, and not storable as JSON.
        (2**63, None),
        ("-9223372036854775809", None),
        (1e30, None),
    ],
)
def test_int_or_none(value: object, expected: int | None) -> None:
    assert int_or_none(value) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[{"a": "1",}]', [{"a": "1"}]),
        ('{"a": [1, 2, ],\n}', {"a": [1, 2]}),
        ('{"a": "x, }", "b": "q\\" ,]",}', {"a": "x, }", "b": 'q" ,]'}),
        ('{"a": "\\\\", }', {"a": "\\"}),
    ],
)
def test_json_trailing_commas_are_forgiven(text: str, expected: object) -> None:
    assert decode_json(text) == expected


@pytest.mark.parametrize("text", ['{"a": 1,, }', '{"a": }', "[1, 2", '{"a": "unterminated, }'])
def test_json_still_refuses_broken_documents(text: str) -> None:
    with pytest.raises(PayloadError, match="not valid JSON"):
        decode_json(text)


def test_json_nesting_bomb_is_refused() -> None:
    with pytest.raises(PayloadError, match="not valid JSON"):
        decode_json("[" * 100_000 + "]" * 100_000)


def test_form_keys_that_look_like_digits_but_are_not() -> None:
    """`'²'.isdigit()` is true, yet int('²') fails: such keys stay keys (found by fuzzing)."""
    assert decode_form("²=1&³=2") == {"²": "1", "³": "2"}
    assert decode_form("a[²]=1") == {"a": {"²": "1"}}


@pytest.mark.parametrize(
    ("text", "expected"), [("123", True), ("", False), ("1²", False), ("١٢", False), ("1 2", False)]
)
def test_is_ascii_number(text: str, expected: bool) -> None:
    assert is_ascii_number(text) is expected


# Crafted bodies: each is refused with a reason or decoded, in time linear in its length, and
# nothing that Home Assistant's JSON writer would refuse comes out.


@pytest.mark.parametrize("escape", ["\\ud800", "\\udfff", "\\ude00x", "\\uDBFF"])
def test_a_lone_surrogate_is_refused(escape: str) -> None:
    with pytest.raises(PayloadError, match="lone surrogate"):
        decode_json(f'{{"id": "a{escape}"}}')
    with pytest.raises(PayloadError, match="lone surrogate"):
        decode_json(f'{{"a{escape}": 1}}')
    with pytest.raises(PayloadError, match="lone surrogate"):
        decode_json(f'[["{escape}"]]')


def test_a_surrogate_pair_is_text() -> None:
    assert decode_json('{"name": "\\ud83d\\ude00"}') == {"name": "\U0001f600"}


@pytest.mark.parametrize(
    ("number", "expected"),
    [
        (2**63 - 1, 2**63 - 1),
        (-(2**63), -(2**63)),
        (2**64 - 1, 2**64 - 1),
        (2**64, str(2**64)),
        (10**25, str(10**25)),
        (905326200000, 905326200000),
    ],
)
def test_integers_beyond_64_bits_are_kept_as_digits(number: int, expected: int | str) -> None:
    assert decode_json(f'{{"id": {number}, "list": [{number}]}}') == {"id": expected, "list": [expected]}


def test_exactly_the_deepest_nesting_allowed_is_decoded() -> None:
    text = "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH
    value = decode_json(text)
    for _level in range(MAX_JSON_DEPTH - 1):
        [value] = value
    assert value == []


def test_many_shallow_brackets_are_not_deep() -> None:
    """More brackets than the depth bound, side by side, are not nesting."""
    assert decode_json("[" + ",".join(["[]"] * (MAX_JSON_DEPTH * 2)) + "]") == [[]] * (MAX_JSON_DEPTH * 2)


@pytest.mark.parametrize("depth", [MAX_JSON_DEPTH + 1, 300, 5_000])
def test_deep_json_is_refused(depth: int) -> None:
    with pytest.raises(PayloadError):
        decode_json("[" * depth + "]" * depth)
    with pytest.raises(PayloadError):
        decode_json('{"a":' * depth + "1" + "}" * depth)


def test_json_as_deep_as_allowed_is_taken() -> None:
    assert decode_json("[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH) is not None


def test_a_million_brackets_in_a_form_key_cost_one_pass() -> None:
    """Splitting the key copied its rest per bracket: a 1 MB key took 15 s."""
    calls = 0
    real_find = str.find

    class Counting(str):
        __slots__ = ()

        def find(self, *args: Any) -> int:
            nonlocal calls
            calls += 1
            return real_find(self, *args)

    key = Counting("x" + "[]" * 500_000)
    with pytest.raises(PayloadError, match="nested too deeply"):
        _split_key(key)
    # A bounded number of searches, whatever the key's length.
    assert calls <= 2 * MAX_DEPTH + 2
    assert _split_key("a" + "[" * 500_000) == ["a" + "[" * 500_000]


def test_a_huge_form_index_is_a_key_not_a_number() -> None:
    """int() of a 5,000-digit index raised (digits limit) and answered 500."""
    index = "1" * 5_000
    assert decode_form(f"a[{index}]=x&a[0]=y") == {"a": {index: "x", "0": "y"}}
    assert decode_form("a[1]=x&a[0]=y") == {"a": ["y", "x"]}


def test_too_many_form_fields_are_refused() -> None:
    with pytest.raises(PayloadError, match="more than"):
        decode_form("&".join(f"f{number}=1" for number in range(MAX_FORM_FIELDS + 1)))
    assert len(decode_form("&".join(f"f{number}=1" for number in range(MAX_FORM_FIELDS)))) == MAX_FORM_FIELDS


def test_trailing_commas_cost_a_bounded_number_of_passes() -> None:
    """Each repair is one more pass of the C decoder, never a walk in Python; a few at most."""
    real_loads = json.loads
    passes = 0

    def counting(*args: Any, **kwargs: Any) -> Any:
        nonlocal passes
        passes += 1
        return real_loads(*args, **kwargs)

    with patch.object(payload.json, "loads", counting):
        with pytest.raises(PayloadError):
            decode_json("[" + "[1,]," * 50_000 + "1]")
        assert passes == MAX_REPAIRS + 1
        passes = 0
        with pytest.raises(PayloadError):
            decode_json("{" + "x" * 1_000_000)
        assert passes == 1
    assert decode_json("[1, 2,]") == [1, 2]
    assert decode_json('{"a": [1,\n ],\n}') == {"a": [1]}
