"""Webhook body decoding shared by the provider parsers: JSON, and forms with bracket notation."""

from __future__ import annotations

import json
import math
import re
from typing import Any, Final
from urllib.parse import parse_qsl

from .models import PayloadError, ProviderError, server_error

# Deeper form keys than any provider sends are refused instead of being walked.
MAX_DEPTH: Final = 8
# JSON nested deeper than this is refused: no provider nests beyond a few levels, and Home
# Assistant's JSON writer (the recorder, the history) stops at 254.
MAX_JSON_DEPTH: Final = 32
# More form fields than any provider sends (a BulkGate report array is JSON, not a form).
MAX_FORM_FIELDS: Final = 10_000
# A list index in a form key (`a[12]`) has at most this many digits; longer ones stay keys.
MAX_INDEX_DIGITS: Final = 6

# A JSON escape of a UTF-16 surrogate: the only way a lone surrogate gets into decoded text.
_SURROGATE_ESCAPE: Final = re.compile(r"\\u[dD][89a-fA-F]")
_SURROGATE: Final = re.compile("[\ud800-\udfff]")
# A run of digits that may not fit in 64 bits (2**63 has 19 digits).
_LONG_DIGITS: Final = re.compile(r"\d{19}")
# Trailing commas forgiven in one body (BulkGate's example has one).
MAX_REPAIRS: Final = 8

type JsonValue = Any


def decode_body(body: bytes, content_type: str | None) -> JsonValue:
    """Decode a JSON or `x-www-form-urlencoded` body, trusting the content over its label.

    Providers label bodies inconsistently, so a body that looks like JSON is read as JSON and
    anything else with `=` in it as a form.
    """
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as err:
        raise PayloadError("body is not UTF-8") from err
    stripped = text.strip()
    if not stripped:
        raise PayloadError("empty body")
    if stripped[0] in '[{"':
        return decode_json(stripped)
    if "=" in stripped:
        return decode_form(stripped)
    if "json" in (content_type or "").lower():
        return decode_json(stripped)
    raise PayloadError("body is neither JSON nor a form")


def decode_json(text: str) -> JsonValue:
    """Decode JSON; a trailing comma before `}` or `]` (as in BulkGate's own example) is forgiven.

    What Home Assistant could not store is refused: nesting beyond MAX_JSON_DEPTH, and escapes of
    lone UTF-16 surrogates, which no writer of JSON in UTF-8 can write back.
    """
    # Most bodies hold no integer long enough to pass 64 bits, no surrogate escape and too few
    # brackets to nest deeply: two scans in C tell, and spare a Python call per integer and the
    # walk over the decoded value.
    wide_integers = _LONG_DIGITS.search(text) is not None
    decode = _decode_wide if wide_integers else json.loads
    for _attempt in range(MAX_REPAIRS + 1):
        try:
            value = decode(text)
        except RecursionError as err:
            raise PayloadError("body is not valid JSON") from err
        except json.JSONDecodeError as err:
            # The decoder stops at the bracket after a trailing comma: drop that comma, try again
            # (a few times at most, so that any body costs a few passes of the C decoder).
            if (repaired := _without_comma_before(text, err.pos)) is None:
                raise PayloadError("body is not valid JSON") from err
            text = repaired
            continue
        surrogates_possible = _SURROGATE_ESCAPE.search(text) is not None
        if surrogates_possible or text.count("[") + text.count("{") > MAX_JSON_DEPTH:
            _check_storable(value, surrogates_possible=surrogates_possible)
        return value
    raise PayloadError("body is not valid JSON")


def _without_comma_before(text: str, position: int) -> str | None:
    """Return the text without the trailing comma the decoder stopped at, if it stopped at one.

    Python 3.14's decoder points at the comma ("Illegal trailing comma"), 3.13's at the bracket.
    Only a comma after a value counts (`[1,]`); `[,]` and `[1,,]` stay broken.
    """
    if position < len(text) and text[position] == ",":
        comma = position
    elif position < len(text) and text[position] in "}]":
        comma = len(text[:position].rstrip()) - 1
        if comma < 0 or text[comma] != ",":
            return None
    else:
        return None
    closing = len(text) - len(text[comma + 1 :].lstrip())
    value_end = text[:comma].rstrip()
    if closing >= len(text) or text[closing] not in "}]" or not value_end or value_end[-1] in ",[{:":
        return None
    return text[:comma] + text[comma + 1 :]


def _check_storable(value: JsonValue, *, surrogates_possible: bool) -> None:
    """Refuse decoded JSON nested too deeply or holding a lone surrogate; one walk, no recursion."""
    pending: list[tuple[JsonValue, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        if isinstance(item, dict):
            children = list(item.values())
            texts = item.keys() if surrogates_possible else ()
        elif isinstance(item, list):
            children = item
            texts = ()
        else:
            if surrogates_possible and isinstance(item, str) and _SURROGATE.search(item):
                raise PayloadError("body has a lone surrogate (\\ud800-\\udfff), which is not text")
            continue
        if depth > MAX_JSON_DEPTH:
            raise PayloadError(f"body is nested more than {MAX_JSON_DEPTH} levels deep")
        for key in texts:
            if _SURROGATE.search(key):
                raise PayloadError("body has a lone surrogate (\\ud800-\\udfff), which is not text")
        pending.extend((child, depth + 1) for child in children if isinstance(child, dict | list | str))


def _decode_wide(text: str) -> JsonValue:
    return _WIDE_INTEGER_DECODER.decode(text)


def _json_int(text: str) -> int | str:
    """Read a JSON integer; one wider than 64 bits is kept as its digits.

    JSON allows any integer, but Home Assistant's JSON writer (the history store, the recorder)
    takes 64-bit ones only: a wider one would make every later write of the history fail.
    """
    number = int(text) if len(text) <= 20 else None
    return number if number is not None and -(2**63) <= number < 2**64 else text


_WIDE_INTEGER_DECODER: Final = json.JSONDecoder(parse_int=_json_int)


def decode_form(text: str) -> dict[str, JsonValue]:
    """Decode a form, turning `a[b][c]=1` and `a[][b]=1` into nested dicts and lists (Rack style)."""
    try:
        fields = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS)
    except ValueError as err:
        raise PayloadError(f"form has more than {MAX_FORM_FIELDS} fields") from err
    result: dict[str, JsonValue] = {}
    for key, value in fields:
        _assign(result, _split_key(key), value)
    decoded: dict[str, JsonValue] = _listify(result)
    return decoded


def _split_key(key: str) -> list[str]:
    """Split `a[b][]` into `['a', 'b', '']`; a key with unbalanced brackets stays whole.

    One pass over the key, never a copy of its rest per bracket: a key of a million `[]` costs
    what its length does.
    """
    opening = key.find("[")
    if opening <= 0:
        return [key]
    parts = [key[:opening]]
    position = opening
    length = len(key)
    while position < length:
        if key[position] != "[":
            return [key]
        closing = key.find("]", position + 1)
        if closing < 0:
            return [key]
        if len(parts) == MAX_DEPTH:
            raise PayloadError("form field nested too deeply")
        parts.append(key[position + 1 : closing])
        position = closing + 1
    return parts


def _assign(target: dict[str, JsonValue], parts: list[str], value: str) -> None:
    name, rest = parts[0], parts[1:]
    if not rest:
        target[name] = value
        return
    if rest[0] == "":
        items = target.get(name)
        if not isinstance(items, list):
            items = target[name] = []
        if len(rest) == 1:
            items.append(value)
            return
        # `a[][x]=1&a[][x]=2` starts a new element when the field is already set (Rack).
        if not items or not isinstance(items[-1], dict) or rest[1] in items[-1]:
            items.append({})
        _assign(items[-1], rest[1:], value)
        return
    child = target.get(name)
    if not isinstance(child, dict):
        child = target[name] = {}
    _assign(child, rest, value)


def _listify(value: JsonValue) -> JsonValue:
    """Turn dicts keyed `0`, `1`, … (the `a[0][x]` style) into lists, recursively."""
    if isinstance(value, list):
        return [_listify(item) for item in value]
    if not isinstance(value, dict):
        return value
    converted = {key: _listify(item) for key, item in value.items()}
    if converted and all(_is_index(key) for key in converted):
        return [converted[key] for key in sorted(converted, key=int)]
    return converted


def _is_index(key: str) -> bool:
    """Whether a form key part is a list index (`0`, `12`); a 5,000-digit number is just a key."""
    return len(key) <= MAX_INDEX_DIGITS and is_ascii_number(key)


ASCII_DIGITS: Final = frozenset("0123456789")


def is_ascii_number(text: str) -> bool:
    """Whether the text is made of 0-9 only (`str.isdigit` also says yes to `²`, which int() refuses)."""
    return text.isascii() and text.isdigit()


def only_digits(text: str) -> str:
    """Return the 0-9 digits of a text, in order."""
    return "".join(char for char in text if char in ASCII_DIGITS)


def as_items(decoded: JsonValue) -> list[dict[str, JsonValue]]:
    """Return the body as a list of objects: one object, or an array of them."""
    if isinstance(decoded, dict):
        return [decoded]
    if isinstance(decoded, list) and decoded and all(isinstance(item, dict) for item in decoded):
        return decoded
    raise PayloadError("expected an object or a non-empty array of objects")


def json_answer(text: str, status: int) -> dict[str, JsonValue]:
    """Return a provider's JSON object answer, or raise: a server error, or an answer that is not JSON."""
    try:
        answer = json.loads(text)
    except (ValueError, RecursionError):
        answer = None
    if isinstance(answer, dict):
        return answer
    if status >= 500:
        raise server_error(status)
    raise ProviderError(f"the API answered HTTP {status} with something that is not JSON")


def as_object(value: JsonValue) -> dict[str, JsonValue]:
    """Return the value when it is an object, else an empty one."""
    return value if isinstance(value, dict) else {}


def text_or_none(value: JsonValue) -> str | None:
    """Return a scalar as text (integers wider than 32 bits included), or None when empty."""
    # The two common cases first: this runs for every field of every webhook item.
    if value is None:
        return None
    if isinstance(value, str):
        return value.strip() or None
    if isinstance(value, dict | list):
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float) and math.isfinite(value) and value.is_integer():
        value = int(value)
    text = str(value).strip()
    return text or None


def int_or_none(value: JsonValue) -> int | None:
    """Return an integer from a number or a numeric string, else None.

    Only a 64-bit integer counts: a wider one is no count, state or duration a provider sends,
    and event data must stay storable as JSON.
    """
    number = _any_int(value)
    return number if number is not None and -(2**63) <= number < 2**63 else None


def _any_int(value: JsonValue) -> int | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return round(value) if math.isfinite(value) else None
    text = text_or_none(value)
    if text is None:
        return None
    try:
        return int(text)
    except ValueError:
        try:
            return round(float(text))
        except (ValueError, OverflowError):
            return None
