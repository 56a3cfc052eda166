"""Documented examples of what providers send, rebuilt with fresh ids and moved times.

A provider module declares each example as its documentation shows it; what changes per try is
named by key: the ids, made anew (the same id wherever its key appears, as a call's id in its
record), and the times, moved by the span between the example's own moment (the time its event
happened, as the provider's parser reads it) and the moment of the try.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime, timedelta, tzinfo
import json
import uuid

from .models import WebhookRequest
from .payload import JsonValue
from .spec import Sample, WebhookParser

type TimeMover = Callable[[JsonValue, timedelta], JsonValue]
"""Moves one time value of a document by a span, in the document's own spelling."""
type IdMaker = Callable[[datetime], JsonValue]
"""Makes a fresh id for a try at a moment (some providers' ids hold a time)."""


def documented_sample(
    name: str,
    document: JsonValue,
    parse: WebhookParser,
    *,
    ids: Mapping[str, IdMaker] | None = None,
    times: Mapping[str, TimeMover] | None = None,
) -> Sample:
    """Declare a documented example: `ids` make its fresh ids, `times` move its times (by key, any depth)."""
    fresh_ids = dict(ids or {})
    movers = dict(times or {})

    def request(moment: datetime) -> WebhookRequest:
        documented_events = parse(json_request(document, moment))
        reference = documented_events[0].occurred_at if documented_events else None
        # In UTC: two times of the same zone subtract as wall clocks (an hour off across DST).
        span = timedelta(0) if reference is None else moment.astimezone(UTC) - reference.astimezone(UTC)
        values = {key: make(moment) for key, make in fresh_ids.items()}
        return json_request(_rewritten(document, values, movers, span), moment)

    return Sample(name=name, request=request, parse=parse)


def json_request(document: JsonValue, moment: datetime) -> WebhookRequest:
    """Return a document as a JSON post received at a moment."""
    body = json.dumps(document, ensure_ascii=False).encode()
    return WebhookRequest(body=body, received_at=moment, content_type="application/json")


def _rewritten(
    value: JsonValue, ids: Mapping[str, JsonValue], movers: Mapping[str, TimeMover], span: timedelta
) -> JsonValue:
    """Return a copy with the ids replaced and the times moved; empty times stay empty."""
    if isinstance(value, list):
        return [_rewritten(item, ids, movers, span) for item in value]
    if not isinstance(value, dict):
        return value
    copy: dict[str, JsonValue] = {}
    for key, item in value.items():
        if key in ids:
            copy[key] = ids[key]
        elif key in movers and item not in (None, ""):
            copy[key] = movers[key](item, span)
        else:
            copy[key] = _rewritten(item, ids, movers, span)
    return copy


def moved_iso(value: JsonValue, span: timedelta) -> JsonValue:
    """Move an ISO 8601 time with its offset (`2015-07-01T18:00:51+03:00`), to the second."""
    return (datetime.fromisoformat(str(value)) + span).isoformat(timespec="seconds")


def moved_micros(value: JsonValue, span: timedelta) -> JsonValue:
    """Move a time written as epoch microseconds."""
    return int(str(value)) + span // timedelta(microseconds=1)


def clock_mover(pattern: str, zone: tzinfo) -> TimeMover:
    """Return a mover of times written in a pattern, in a zone (moved in real time, across DST)."""

    def move(value: JsonValue, span: timedelta) -> JsonValue:
        moment = datetime.strptime(str(value), pattern).replace(tzinfo=zone)
        return (moment.astimezone(UTC) + span).astimezone(zone).strftime(pattern)

    return move


def new_uuid(_moment: datetime) -> str:
    """Return a fresh UUID, as text."""
    return str(uuid.uuid4())


def new_digits(count: int) -> str:
    """Return a fresh number of `count` digits (not starting with 0), as text."""
    first = 10 ** (count - 1)
    return str(first + uuid.uuid4().int % (9 * first))


def new_hex(count: int) -> str:
    """Return `count` fresh hexadecimal digits."""
    return uuid.uuid4().hex[:count]
