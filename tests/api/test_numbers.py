"""Phone-number normalisation and the contact book."""

from __future__ import annotations

import pytest

from custom_components.cloud_telephony.api.numbers import (
    ContactBook,
    normalize_number,
    parse_contacts,
)


@pytest.mark.parametrize(
    ("raw", "region", "expected"),
    [
        ("+905320000000", "TR", "+905320000000"),
        ("05320000000", "TR", "+905320000000"),
        ("5320000000", "TR", "+905320000000"),
        ("905320000000", "TR", "+905320000000"),
        (905320000000, "TR", "+905320000000"),
        ("00905320000000", "TR", "+905320000000"),
        ("00905320000000", None, "+905320000000"),
        ("05320000000", "tr", "+905320000000"),
        ("+90532000000", None, "+90532000000"),  # possible length, but not a valid number
        ("+90 532 000 00 00", None, "+905320000000"),
        ("0549876543", "IL", "+972549876543"),
        ("972549876543", "IL", "+972549876543"),
        ("420603123456", "CZ", "+420603123456"),
        ("603123456", "CZ", "+420603123456"),
        ("905320000000", None, "+905320000000"),
        ("1000", "TR", "1000"),
        ("90532000000", "TR", "90532000000"),
        ("anonymous", "TR", "anonymous"),
        (" 99 ", "TR", "99"),
        ("", "TR", None),
        (None, "TR", None),
    ],
)
def test_normalize_number(raw: str | int | None, region: str | None, expected: str | None) -> None:
    assert normalize_number(raw, region) == expected


def test_parse_contacts() -> None:
    text = "# family\n+90 532 000 00 00 = Mom\n\n05321112233: Dad: at work\n1000 = Reception\n"
    assert parse_contacts(text) == {
        "+90 532 000 00 00": "Mom",
        "05321112233": "Dad: at work",
        "1000": "Reception",
    }
    assert parse_contacts("") == {}


@pytest.mark.parametrize(
    ("text", "line"), [("Mom", 1), ("+90532 = Mom\n= Dad", 2), ("x = Mom", 1), ("1234 =", 1)]
)
def test_parse_contacts_refuses_bad_lines(text: str, line: int) -> None:
    with pytest.raises(ValueError, match=str(line)) as err:
        parse_contacts(text)
    assert err.value.args == (line,)


def test_contact_book_matches_trailing_digits() -> None:
    book = ContactBook({"+90 532 000 00 00": "Mom", "1000": "Reception", "0532 000 00 00": "Duplicate"})
    assert len(book) == 2
    assert book.name_for("+905320000000") == "Mom"
    assert book.name_for("05320000000") == "Mom"
    assert book.name_for("905320000000") == "Mom"
    assert book.name_for("1000") == "Reception"
    assert book.name_for("21000") is None
    assert book.name_for("+905329999999") is None
    assert book.name_for("+905310000000") is None  # the same last 7 digits, another subscriber
    assert book.name_for(None) is None
    assert ContactBook([("+972549876543", "Avi")]).name_for("0549876543") == "Avi"
