"""Body decoding shared by the providers."""

from __future__ import annotations

import pytest

from custom_components.cloud_telephony.api import PayloadError
from custom_components.cloud_telephony.api.payload import (
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
