"""Bulutfon webhook parser: every documented example and every variant Bulutfon is known to send."""

from __future__ import annotations

from datetime import UTC, datetime
import json
from urllib.parse import urlencode

import pytest

from custom_components.cloud_telephony.api import (
    Direction,
    EventType,
    PayloadError,
    TelephonyEvent,
    WebhookRequest,
)
from custom_components.cloud_telephony.api.bulutfon import parse_webhook as parse_request
from tests.conftest import fixture_bytes
from tests.contract import EVENT_DATA_KEYS

JSON = "application/json"
FORM = "application/x-www-form-urlencoded"

SEED_TYPES = {
    "seed_call_init": EventType.CALL_STARTED,
    "seed_call_init_extension": EventType.CALL_STARTED,
    "seed_call_init_group": EventType.CALL_STARTED,
    "seed_call_init_menu": EventType.CALL_STARTED,
    "seed_call_hangup": EventType.CALL_ENDED,
    "seed_fax_init": EventType.INCOMING_FAX,
    "seed_missing_call": EventType.MISSED_CALL,
    "v2021_call_init": EventType.CALL_STARTED,
    "v2021_incoming_call_extension": EventType.CALL_STARTED,
    "v2021_incoming_call_group": EventType.CALL_STARTED,
    "v2021_call_init_menu": EventType.CALL_STARTED,
    "v2021_call_hangup": EventType.CALL_ENDED,
    "v2021_fax_init": EventType.INCOMING_FAX,
    "v2021_missing_call": EventType.MISSED_CALL,
}


RECEIVED_AT = datetime(2026, 1, 1, tzinfo=UTC)


def parse_webhook(body: bytes, content_type: str | None, region: str | None) -> list[TelephonyEvent]:
    """Parse a body as the webhook would hand it over."""
    return parse_request(
        WebhookRequest(body=body, content_type=content_type, region=region, received_at=RECEIVED_AT)
    )


def _form(item: dict[str, object], prefix: str = "") -> list[tuple[str, str]]:
    """Encode an object as Rack-style bracket fields, the way a form-mode webhook would."""
    pairs: list[tuple[str, str]] = []
    for key, value in item.items():
        name = f"{prefix}[{key}]" if prefix else key
        if isinstance(value, dict):
            pairs.extend(_form(value, name))
        elif isinstance(value, list):
            for element in value:
                pairs.extend(
                    _form(element, f"{name}[]")
                    if isinstance(element, dict)
                    else [(f"{name}[]", str(element))]
                )
        elif value is None:
            pairs.append((name, ""))
        else:
            pairs.append((name, str(value).lower() if isinstance(value, bool) else str(value)))
    return pairs


@pytest.mark.parametrize(("fixture", "event_type"), SEED_TYPES.items())
def test_documented_examples(fixture: str, event_type: EventType) -> None:
    body = fixture_bytes(f"bulutfon/{fixture}.json")
    [event] = parse_webhook(body, JSON, "TR")
    document = json.loads(body)
    assert event.type is event_type
    assert event.provider == "bulutfon"
    assert event.call_id == "f615986c-2001-11e5-bdee-6599352d46ce" or fixture.endswith("fax_init")
    assert event.direction is Direction.INBOUND
    assert event.raw == document
    # 908508850000 is a valid Turkish number; 90532000000 (documentation filler) is kept as sent.
    assert event.callee == "+908508850000"
    assert event.caller in {"90532000000", "+905326200000"}
    assert event.extra["provider_event"] == document["event_type"]


def test_call_init_fields() -> None:
    [event] = parse_webhook(fixture_bytes("bulutfon/seed_call_init.json"), JSON, "TR")
    assert event.occurred_at == datetime(2015, 7, 1, 15, 0, 51, 86820, tzinfo=UTC)
    assert event.extra["stage"] == "pbx"
    assert event.extra["destination"] is None
    assert event.status is None
    assert event.duration is None
    assert event.dedupe_key == "f615986c-2001-11e5-bdee-6599352d46ce:call_init:"
    data = event.as_event_data()
    # The Home Assistant side adds the entry and device ids; the rest comes from here.
    assert data.keys() >= EVENT_DATA_KEYS - {"config_entry_id", "device_id"}
    assert data["occurred_at"] == "2015-07-01T15:00:51.086820+00:00"
    assert data["direction"] == "inbound"
    json.dumps(data)


@pytest.mark.parametrize(
    ("fixture", "stage", "destination"),
    [
        ("seed_call_init_extension", "extension", "1000"),
        ("v2021_incoming_call_extension", "extension", "1000"),
        ("seed_call_init_group", "group", "111"),
        ("v2021_incoming_call_group", "group", "111"),
        ("seed_call_init_menu", "menu", "10"),
    ],
)
def test_destination_events(fixture: str, stage: str, destination: str) -> None:
    [event] = parse_webhook(fixture_bytes(f"bulutfon/{fixture}.json"), JSON, "TR")
    assert event.extra["stage"] == stage
    assert event.extra["destination"] == destination
    assert event.dedupe_key.endswith(f":{destination}")


def test_menu_misspelling_is_accepted() -> None:
    item = json.loads(fixture_bytes("bulutfon/seed_call_init_menu.json"))
    item["event_type"] = "call_init_manu"
    [event] = parse_webhook(json.dumps(item).encode(), JSON, "TR")
    assert event.type is EventType.CALL_STARTED
    assert event.extra["stage"] == "menu"


def test_account_fields_of_2021() -> None:
    [event] = parse_webhook(fixture_bytes("bulutfon/v2021_call_init.json"), JSON, "TR")
    assert event.extra["domain_id"] == "1234"
    assert event.extra["account_id"] == "5678"


def test_nested_cdr_of_the_seed() -> None:
    [event] = parse_webhook(fixture_bytes("bulutfon/seed_call_hangup.json"), JSON, "TR")
    assert event.type is EventType.CALL_ENDED
    assert event.duration == 4  # answer 18:00:51 to hang-up 18:00:55
    # Only menu 99 picked the call up (the first leg went to the menu unanswered): no person did.
    assert event.status == "not_answered"
    assert event.extra["hangup_cause"] == "NORMAL_CLEARING"
    assert event.extra["hangup_detail"] == "recv_bye"
    assert event.extra["call_type"] == "voice"
    assert event.extra["call_time"] == "2015-07-01T18:00:51+03:00"
    assert event.extra["recording_url"] is None  # call_record: false
    assert event.occurred_at == datetime(2015, 7, 1, 15, 0, 55, 286302, tzinfo=UTC)


def test_nested_cdr_answered_by_an_extension() -> None:
    document = json.loads(fixture_bytes("bulutfon/seed_call_hangup.json"))
    document["cdr"]["callflow"].append(
        {
            "callee": 1000,
            "start_time": "2015-07-01T18:00:53+03:00",
            "answer_time": "2015-07-01T18:00:54+03:00",
            "hangup_time": "2015-07-01T18:00:55+03:00",
            "redirection": "CONNECTING_TO_EXTENSION",
        }
    )
    [event] = parse_webhook(json.dumps(document).encode(), JSON, "TR")
    assert event.status == "answered"


def test_flat_fields_of_2021() -> None:
    [event] = parse_webhook(fixture_bytes("bulutfon/v2021_call_hangup.json"), JSON, "TR")
    assert event.duration == 35
    assert event.status == "answered"
    assert event.extra["hangup_cause"] == "NORMAL_CLEARING"
    assert event.extra["hangup_detail"] == "send_bye"
    assert event.extra["result_disposition"] == "SUCCESS"
    assert event.extra["cdr_api_url"] == (
        "https://api.bulutfon.com/v2/cdr/2021/02/25/f615986c-2001-11e5-bdee-6599352d46ce"
    )
    assert event.extra["cdr_url"].startswith("https://oim.bulutfon.com/")
    assert event.occurred_at == datetime(2021, 2, 25, 13, 59, 42, tzinfo=UTC)


def test_missed_call_is_never_answered() -> None:
    # The seed's missing_call carries a CDR in which a menu picked the call up.
    [event] = parse_webhook(fixture_bytes("bulutfon/seed_missing_call.json"), JSON, "TR")
    assert event.type is EventType.MISSED_CALL
    assert event.status == "not_answered"
    [event] = parse_webhook(fixture_bytes("bulutfon/v2021_missing_call.json"), JSON, "TR")
    assert event.status == "not_answered"
    assert event.duration is None


def test_unanswered_hangup() -> None:
    item = {
        "event_type": "call_hangup",
        "uuid": "u1",
        "caller": 905320000000,
        "callee": 908508850000,
        "talk_duration": 0,
        "result_disposition": "",
        "direction": "OUT",
        "timestamp": 1614261582000000,
    }
    [event] = parse_webhook(json.dumps(item).encode(), JSON, "TR")
    assert event.status == "not_answered"
    assert event.duration == 0
    assert event.direction is Direction.OUTBOUND


@pytest.mark.parametrize(
    ("disposition", "status"),
    [("", "not_answered"), ("SUCCESS", "answered"), ("success", "answered")],
)
def test_a_welcome_menu_is_not_a_person_answering(disposition: str, status: str) -> None:
    """Menu listening counts as talk time; only `SUCCESS` says an extension or the callee took it."""
    item = {
        "event_type": "call_hangup",
        "uuid": "menu-only",
        "caller": 905320000000,
        "callee": 908508850000,
        "talk_duration": 12,
        "result_disposition": disposition,
        "direction": "IN",
        "timestamp": 1614261582000000,
    }
    [event] = parse_webhook(json.dumps(item).encode(), JSON, "TR")
    assert event.status == status
    assert event.duration == 12


def test_talk_time_decides_only_without_a_disposition_field() -> None:
    body = "event_type=call_hangup&uuid=u5&talk_duration=7"
    [event] = parse_webhook(body.encode(), FORM, "TR")
    assert event.status == "answered"
    [event] = parse_webhook(b"event_type=call_hangup&uuid=u6&talk_duration=0", FORM, "TR")
    assert event.status == "not_answered"


@pytest.mark.parametrize("fixture", sorted(SEED_TYPES))
def test_form_encoding_matches_json(fixture: str) -> None:
    """Form mode: the same example, encoded with bracket notation, yields the same event."""
    document = json.loads(fixture_bytes(f"bulutfon/{fixture}.json"))
    [from_json] = parse_webhook(json.dumps(document).encode(), JSON, "TR")
    [from_form] = parse_webhook(urlencode(_form(document)).encode(), FORM, "TR")
    for field in (
        "type",
        "dedupe_key",
        "call_id",
        "caller",
        "callee",
        "direction",
        "status",
        "duration",
        "occurred_at",
    ):
        assert getattr(from_form, field) == getattr(from_json, field), field
    for key in ("hangup_cause", "hangup_detail", "call_time", "destination", "stage"):
        assert from_form.extra.get(key) == from_json.extra.get(key), key


def test_form_nested_cdr_becomes_objects() -> None:
    document = json.loads(fixture_bytes("bulutfon/seed_call_hangup.json"))
    [event] = parse_webhook(urlencode(_form(document)).encode(), FORM, "TR")
    flow = event.raw["cdr"]["callflow"]
    assert [step["redirection"] for step in flow] == ["REDIRECTED_TO_MENU", "CONNECTING_TO_MENU"]
    assert flow[0]["redirection_target"] == "99"


def test_form_indexed_callflow() -> None:
    body = (
        "event_type=call_hangup&uuid=u2&caller=905326200000&callee=908508850000&timestamp=1435762855286302"
        "&cdr[answer_time]=2015-07-01T18:00:51%2B03:00&cdr[hangup_time]=2015-07-01T18:00:56%2B03:00"
        "&cdr[callflow][1][callee]=99&cdr[callflow][0][callee]=908508850000"
    )
    [event] = parse_webhook(body.encode(), FORM, "TR")
    assert [step["callee"] for step in event.raw["cdr"]["callflow"]] == ["908508850000", "99"]
    assert event.duration == 5


def test_form_cdr_as_json_string() -> None:
    document = json.loads(fixture_bytes("bulutfon/seed_call_hangup.json"))
    fields = {key: value for key, value in document.items() if key != "cdr"}
    body = urlencode({**fields, "cdr": json.dumps(document["cdr"])})
    [event] = parse_webhook(body.encode(), FORM, "TR")
    assert event.duration == 4
    assert event.extra["hangup_detail"] == "recv_bye"


def test_cdr_string_that_is_not_json_is_ignored() -> None:
    body = "event_type=call_hangup&uuid=u3&cdr=not-json&talk_duration=7"
    [event] = parse_webhook(body.encode(), FORM, "TR")
    assert event.duration == 7
    assert event.extra["call_type"] is None


def test_wide_integers_are_kept_exactly() -> None:
    body = b'{"event_type":"call_init","uuid":"u4","caller":905326200000,"callee":12345678901234567890}'
    [event] = parse_webhook(body, JSON, "TR")
    assert event.caller == "+905326200000"
    assert event.callee == "12345678901234567890"


def test_cdr_times_that_are_not_iso_are_ignored() -> None:
    item = {
        "event_type": "call_hangup",
        "uuid": "u10",
        "cdr": {"answer_time": "yesterday", "hangup_time": "2015-07-01T18:00:55", "call_time": None},
    }
    [event] = parse_webhook(json.dumps(item).encode(), JSON, "TR")
    assert event.duration is None
    assert event.status == "not_answered"
    assert event.occurred_at is None  # a time without an offset is not guessed
    assert event.extra["call_time"] is None


def test_recording_url_from_cdr() -> None:
    item = {"event_type": "call_hangup", "uuid": "u5", "cdr": {"call_record": "https://rec.example/u5.mp3"}}
    [event] = parse_webhook(json.dumps(item).encode(), JSON, "TR")
    assert event.extra["recording_url"] == "https://rec.example/u5.mp3"


@pytest.mark.parametrize(
    ("timestamp", "expected"),
    [
        (1435762851086820, datetime(2015, 7, 1, 15, 0, 51, 86820, tzinfo=UTC)),
        ("1435762851086820", datetime(2015, 7, 1, 15, 0, 51, 86820, tzinfo=UTC)),
        (1435762851086, datetime(2015, 7, 1, 15, 0, 51, 86000, tzinfo=UTC)),
        (1435762851, datetime(2015, 7, 1, 15, 0, 51, tzinfo=UTC)),
        (None, None),
        ("soon", None),
        (-5, None),
        (10**30, None),
    ],
)
def test_timestamps(timestamp: object, expected: datetime | None) -> None:
    item = {"event_type": "fax_init", "uuid": "u6", "timestamp": timestamp}
    [event] = parse_webhook(json.dumps(item).encode(), JSON, "TR")
    assert event.occurred_at == expected


def test_content_is_trusted_over_its_label() -> None:
    body = fixture_bytes("bulutfon/seed_fax_init.json")
    [event] = parse_webhook(body, FORM, "TR")
    assert event.type is EventType.INCOMING_FAX
    [event] = parse_webhook(b"event_type=fax_init&uuid=u7", "text/plain", "TR")
    assert event.type is EventType.INCOMING_FAX


def test_array_of_events() -> None:
    items = [
        json.loads(fixture_bytes("bulutfon/seed_call_init.json")),
        json.loads(fixture_bytes("bulutfon/seed_fax_init.json")),
    ]
    events = parse_webhook(json.dumps(items).encode(), JSON, "TR")
    assert [event.type for event in events] == [EventType.CALL_STARTED, EventType.INCOMING_FAX]


def test_unknown_event_type_is_skipped() -> None:
    assert parse_webhook(b'{"event_type":"call_transfer","uuid":"u8"}', JSON, "TR") == []


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"   ", "empty body"),
        (b"\xff\xfe", "not UTF-8"),
        (b"{not json", "not valid JSON"),
        (b"[]", "expected an object"),
        (b"[1, 2]", "expected an object"),
        (b'"text"', "expected an object"),
        (b"hello", "neither JSON nor a form"),
        (b'{"uuid": "u9"}', "event_type is missing"),
        (b'{"event_type": "call_init"}', "uuid is missing"),
        (b'{"event_type": {"a": 1}, "uuid": "u"}', "event_type is missing"),
        (b"a" + b"[x]" * 20 + b"=1", "nested too deeply"),
        (b"=", "event_type is missing"),
    ],
)
def test_malformed_bodies(body: bytes, reason: str) -> None:
    with pytest.raises(PayloadError, match=reason):
        parse_webhook(body, JSON if body.startswith((b"{", b"[", b'"')) else FORM, "TR")
