"""Phone numbers: E.164 normalisation with a default region, and a contact book for caller names."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache

import phonenumbers

from .payload import only_digits

# Trailing digits compared when looking a caller up in the contact book: long enough to tell
# subscribers apart, short enough to ignore how the prefix was written (0…, 90…, +90…).
MATCH_DIGITS = 9


def load_numbering_plans() -> None:
    """Load every country's numbering plan now (about 50 ms; blocking: run it in a worker thread).

    The library otherwise imports a country's plan the first time a number of that country is
    read, which would be file access inside an event loop.
    """
    phonenumbers.PhoneMetadata.load_all()


@lru_cache(maxsize=4096)
def normalize_number(raw: str | int | None, region: str | None) -> str | None:
    """Return the number in E.164 (`+905320000000`) when it parses, else as sent.

    Providers send national numbers (`05320000000`), international ones without the plus
    (`905320000000`, as JSON integers too) and extensions (`1000`); only numbers that are valid
    for their country are rewritten, so extensions and test numbers pass through untouched.
    """
    if raw is None:
        return None
    text = str(raw).strip()
    if not text:
        return None
    candidates: list[tuple[str, str | None]] = []
    if text.startswith("+"):
        candidates.append((text, None))
    elif text.startswith("00"):
        candidates.append(("+" + text[2:], None))
    else:
        if region:
            candidates.append((text, region.upper()))
        candidates.append(("+" + text, None))
    for number, number_region in candidates:
        try:
            parsed = phonenumbers.parse(number, number_region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return text


@lru_cache(maxsize=4096)
def match_key(number: str) -> str:
    """Return the digits two spellings of the same number share (the last 9, or all of a short one)."""
    digits = only_digits(number)
    return digits[-MATCH_DIGITS:] if len(digits) >= MATCH_DIGITS else digits


def parse_contacts(text: str) -> dict[str, str]:
    """Parse `number = name` lines (`:` works too) into a mapping; raise ValueError on a bad line."""
    contacts: dict[str, str] = {}
    for line_number, raw_line in enumerate(text.splitlines(), start=1):
        line = raw_line.strip()
        if not line or line.startswith("#"):
            continue
        positions = [pos for pos in (line.find("="), line.find(":")) if pos > 0]
        if not positions:
            raise ValueError(line_number)
        split_at = min(positions)
        number, name = line[:split_at].strip(), line[split_at + 1 :].strip()
        if len(only_digits(number)) < 2 or not name:
            raise ValueError(line_number)
        contacts[number] = name
    return contacts


class ContactBook:
    """Caller names by number, matched on the trailing digits in constant time."""

    __slots__ = ("_names",)

    def __init__(self, contacts: Mapping[str, str] | Iterable[tuple[str, str]] = ()) -> None:
        """Index the contacts; on a clash the first entry wins."""
        items = contacts.items() if isinstance(contacts, Mapping) else contacts
        self._names: dict[str, str] = {}
        for number, name in items:
            self._names.setdefault(match_key(number), name)

    def __len__(self) -> int:
        """Return how many numbers the book knows."""
        return len(self._names)

    def name_for(self, number: str | None) -> str | None:
        """Return the name saved for this number, or None."""
        if not number:
            return None
        return self._names.get(match_key(number))
