"""Fuzzing every provider's webhook parser: bytes, JSON, forms and mutated documented payloads.

A parser may accept a body (events) or refuse it (PayloadError); nothing else may come out.
"""

from __future__ import annotations

from datetime import UTC, datetime
import json
import os
from typing import Any
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings, strategies as st
import pytest

from homeassistant.helpers.json import json_dumps

from custom_components.cloud_telephony.api import PROVIDERS, PayloadError, TelephonyEvent, WebhookRequest
from tests.conftest import FIXTURES

# Enough to find the usual crashes in the normal run, small enough to keep it fast; a deeper run:
# FUZZ_EXAMPLES=5000 ./scripts/test tests/api/test_fuzz_parsers.py
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "150"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
PARSERS = {provider: spec.parse_webhook for provider, spec in PROVIDERS.items()}

JSON_VALUES = st.recursive(
    # Integers wider than 64 bits on purpose: JSON allows them, Home Assistant's JSON writer does not.
    st.none()
    | st.booleans()
    | st.integers()
    | st.integers(min_value=2**64, max_value=2**80)
    | st.floats()
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=5) | st.dictionaries(st.text(max_size=12), children, max_size=6)
    ),
    max_leaves=25,
)
FIELD_NAMES = st.sampled_from(
    [
        "event_type",
        "uuid",
        "caller",
        "callee",
        "timestamp",
        "cdr",
        "cdr[uuid]",
        "cdr[callflow][][callee]",
        "status",
        "smsID",
        "from",
        "text",
        "message",
        "date",
        "bulkid",
        "state",
        "detail",
        "eventType",
        "statusInfo",
        "feeLst",
        "sessionId",
        "x[",
        "a[b][c][d][e][f][g][h][i]",
    ]
) | st.text(max_size=10)


def _documented_items() -> list[tuple[str, Any]]:
    items = []
    for provider in ("bulutfon", "bulkgate", "netgsm", "huawei"):
        for path in sorted((FIXTURES / provider).glob("seed_*.json")):
            text = path.read_text(encoding="utf-8")
            try:
                items.append((provider, json.loads(text)))
            except ValueError:
                continue
    return items


DOCUMENTED = _documented_items()


def _parse(
    provider: str, body: bytes, content_type: str | None = "application/json"
) -> list[TelephonyEvent] | None:
    request = WebhookRequest(body=body, content_type=content_type, region="TR", received_at=datetime.now(UTC))
    try:
        events = PARSERS[provider](request)
    except PayloadError:
        return None
    assert isinstance(events, list)
    for event in events:
        # What the bus and the store get must serialise with Home Assistant's own JSON writer,
        # which refuses lone surrogates, integers beyond 64 bits and nesting beyond 254.
        json_dumps(event.as_event_data())
    return events


@pytest.mark.parametrize("provider", sorted(PARSERS))
@FUZZ
@given(body=st.binary(max_size=2048))
def test_arbitrary_bytes(provider: str, body: bytes) -> None:
    _parse(provider, body, None)


@pytest.mark.parametrize("provider", sorted(PARSERS))
@FUZZ
@given(document=JSON_VALUES)
def test_arbitrary_json(provider: str, document: Any) -> None:
    _parse(provider, json.dumps(document).encode())


@pytest.mark.parametrize("provider", sorted(PARSERS))
@FUZZ
@given(fields=st.lists(st.tuples(FIELD_NAMES, st.text(max_size=30)), max_size=12))
def test_arbitrary_forms(provider: str, fields: list[tuple[str, str]]) -> None:
    _parse(provider, urlencode(fields).encode(), "application/x-www-form-urlencoded")


def _mutate(document: Any, draw: st.DrawFn) -> Any:
    """Replace, drop or retype some values of a documented payload, recursively."""
    if isinstance(document, dict):
        result = {}
        for key, value in document.items():
            action = draw(st.sampled_from(["keep", "keep", "drop", "replace", "recurse"]))
            if action == "drop":
                continue
            if action == "replace":
                result[key] = draw(JSON_VALUES)
            else:
                result[key] = _mutate(value, draw) if action == "recurse" else value
        return result
    if isinstance(document, list):
        return [_mutate(item, draw) for item in document]
    return document


@st.composite
def mutated_documents(draw: st.DrawFn) -> tuple[str, Any]:
    provider, document = draw(st.sampled_from(DOCUMENTED))
    return provider, _mutate(document, draw)


@FUZZ
@given(case=mutated_documents())
def test_mutated_documented_payloads(case: tuple[str, Any]) -> None:
    provider, document = case
    _parse(provider, json.dumps(document).encode())


# Crafted bodies: each class once cost the event loop seconds, answered 500, or made every later
# write of the history fail. Drawn up to the webhook's size cap.
CRAFTED_EXAMPLES = max(EXAMPLES // 6, 10)
CRAFTED_CLASSES = ("large", "deep", "surrogate", "long_key", "many_fields")


@st.composite
def crafted_bodies(draw: st.DrawFn, kinds: tuple[str, ...] = CRAFTED_CLASSES) -> tuple[str, bytes, str]:
    """Return (class, body, content type) of one of the classes."""
    kind = draw(st.sampled_from(kinds))
    if kind == "large":
        _provider, document = draw(st.sampled_from(DOCUMENTED))
        items = document if isinstance(document, list) else [document]
        if draw(st.booleans()):
            body = json.dumps(items * draw(st.integers(100, 3000)))
        else:
            body = json.dumps(
                [{**item, "filler": "x" * draw(st.integers(10_000, 900_000))} for item in items[:1]]
            )
        return kind, body.encode(), "application/json"
    if kind == "deep":
        depth = draw(st.integers(20, 3000))
        opening, closing = draw(st.sampled_from([("[", "]"), ('{"a":', "}")]))
        body = opening * depth + ("1" if opening != "[" else "") + closing * depth
        return kind, body.encode(), "application/json"
    if kind == "surrogate":
        _provider, document = draw(st.sampled_from(DOCUMENTED))
        escape = "\\u" + draw(st.sampled_from(["d800", "dbff", "dc00", "dfff", "DABC"]))
        text = json.dumps(document).replace('"', '"' + escape, draw(st.integers(1, 3)) * 2)
        return kind, text.encode(), "application/json"
    if kind == "long_key":
        step = draw(st.sampled_from(["[]", "[x]", "[", "]", "[0]"]))
        key = "event_type=call_init&a" + step * draw(st.integers(1, 300_000))
        return kind, f"{key}=1".encode(), "application/x-www-form-urlencoded"
    fields = "&".join(f"f{number}=1" for number in range(draw(st.integers(1000, 30_000))))
    return kind, fields.encode(), "application/x-www-form-urlencoded"


@pytest.mark.parametrize("provider", sorted(PARSERS))
@settings(max_examples=CRAFTED_EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=crafted_bodies())
def test_crafted_bodies(provider: str, case: tuple[str, bytes, str]) -> None:
    _kind, body, content_type = case
    _parse(provider, body, content_type)
