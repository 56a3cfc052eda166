"""The webhook pipeline, driven by real HTTP posts to Home Assistant's webhook endpoint."""

from __future__ import annotations

import base64
from datetime import UTC, datetime, timedelta
import json
import logging
from pathlib import Path
from typing import Any
from unittest.mock import Mock, patch
from urllib.parse import urlencode

import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.const import (
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    DOMAIN,
    MAX_BODY_BYTES,
)
from tests.conftest import (
    WEBHOOK_PATH,
    SetupEntry,
    change_options,
    entry_variant,
    fixture_bytes,
    stored_events,
    stored_ids,
)
from tests.contract import EVENT_DATA_KEYS

FIXTURE_EVENTS = {
    "seed_call_init": "call_started",
    "seed_call_init_extension": "call_started",
    "seed_call_init_group": "call_started",
    "seed_call_init_menu": "call_started",
    "seed_call_hangup": "call_ended",
    "seed_fax_init": "incoming_fax",
    "seed_missing_call": "missed_call",
    "v2021_call_hangup": "call_ended",
    "v2021_missing_call": "missed_call",
}


def _form_body(document: dict[str, Any]) -> str:
    """Encode the top level as form fields and the CDR in bracket notation."""
    pairs: list[tuple[str, str]] = []
    for key, value in document.items():
        if isinstance(value, dict):
            pairs.extend(
                (f"{key}[{inner}]", str(item)) for inner, item in value.items() if not isinstance(item, list)
            )
        else:
            pairs.append((key, str(value)))
    return urlencode(pairs)


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(("fixture", "event_type"), FIXTURE_EVENTS.items())
async def test_documented_payload_fires_contract_event(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    device_registry: dr.DeviceRegistry,
    fixture: str,
    event_type: str,
) -> None:
    events = async_capture_events(hass, f"cloud_telephony_{event_type}")
    client = await hass_client_no_auth()
    response = await client.post(
        WEBHOOK_PATH,
        data=fixture_bytes(f"bulutfon/{fixture}.json"),
        headers={"Content-Type": "application/json"},
    )
    assert response.status == 200
    assert await response.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    [event] = events
    assert event.data.keys() >= EVENT_DATA_KEYS
    [device] = dr.async_entries_for_config_entry(device_registry, "01JCLOUDTELEPHONYENTRY0001")
    assert device.identifiers == {(DOMAIN, "01JCLOUDTELEPHONYENTRY0001")}
    assert event.data["device_id"] == device.id
    assert event.data["config_entry_id"] == "01JCLOUDTELEPHONYENTRY0001"
    assert event.data["type"] == event_type
    assert event.data["provider"] == "bulutfon"
    assert event.data["callee"] == "+908508850000"
    assert event.data["raw"] == json.loads(fixture_bytes(f"bulutfon/{fixture}.json"))
    # Times are shown in Home Assistant's zone (US/Pacific in tests), with the offset.
    occurred_at = datetime.fromisoformat(event.data["occurred_at"])
    assert occurred_at.utcoffset() in (timedelta(hours=-7), timedelta(hours=-8))
    assert occurred_at == datetime.fromtimestamp(event.data["raw"]["timestamp"] / 1_000_000, UTC)


@pytest.mark.usefixtures("init_integration")
async def test_form_encoded_post(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_ended")
    document = json.loads(fixture_bytes("bulutfon/seed_call_hangup.json"))
    client = await hass_client_no_auth()
    response = await client.post(
        WEBHOOK_PATH,
        data=_form_body(document),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status == 200
    await hass.async_block_till_done()
    [event] = events
    assert event.data["call_id"] == "f615986c-2001-11e5-bdee-6599352d46ce"
    assert event.data["caller"] == "90532000000"  # documentation filler: kept as sent
    assert event.data["caller_name"] is None
    assert event.data["duration"] == 4
    assert event.data["hangup_detail"] == "recv_bye"


@pytest.mark.usefixtures("init_integration")
async def test_caller_name_from_contacts(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_started")
    client = await hass_client_no_auth()
    body = {
        "event_type": "call_init",
        "uuid": "c1",
        "caller": "05326200000",
        "callee": 1000,
        "direction": "IN",
    }
    assert (await client.post(WEBHOOK_PATH, json=body)).status == 200
    body = {
        "event_type": "call_init",
        "uuid": "c2",
        "caller": 905551112233,
        "callee": 1000,
        "direction": "IN",
    }
    assert (await client.post(WEBHOOK_PATH, json=body)).status == 200
    await hass.async_block_till_done()
    assert [(e.data["caller"], e.data["caller_name"]) for e in events] == [
        ("+905326200000", "Ayşe"),
        ("+905551112233", None),
    ]
    assert events[0].data["occurred_at"] is None
    assert events[0].data["received_at"]


@pytest.mark.usefixtures("init_integration")
async def test_duplicate_is_acknowledged_once(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    events = async_capture_events(hass, "cloud_telephony_missed_call")
    client = await hass_client_no_auth()
    body = fixture_bytes("bulutfon/seed_missing_call.json")
    first = await client.post(WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"})
    second = await client.post(WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"})
    assert (first.status, second.status) == (200, 200)
    assert await second.json() == {"accepted": 0, "duplicates": 1}
    await hass.async_block_till_done()
    assert len(events) == 1


@pytest.mark.usefixtures("init_integration")
async def test_duplicates_within_one_post(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    item = json.loads(fixture_bytes("bulutfon/seed_fax_init.json"))
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, json=[item, item])
    assert await response.json() == {"accepted": 1, "duplicates": 1}


async def test_duplicate_after_restart(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    init_integration: MockConfigEntry,
) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_ended")
    client = await hass_client_no_auth()
    body = fixture_bytes("bulutfon/v2021_call_hangup.json")
    assert (await client.post(WEBHOOK_PATH, data=body)).status == 200
    # A reload unloads (flushing the store) and loads again from storage, like a restart.
    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()
    assert init_integration.state is ConfigEntryState.LOADED
    response = await client.post(WEBHOOK_PATH, data=body)
    assert response.status == 200
    assert await response.json() == {"accepted": 0, "duplicates": 1}
    await hass.async_block_till_done()
    assert len(events) == 1


@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"", "empty body"),
        (b"{broken", "not valid JSON"),
        (b'{"uuid": "x"}', "event_type is missing"),
        (b'{"event_type": "call_init"}', "uuid is missing"),
        (b"[]", "expected an object"),
        (b"\xff\xfe\xfd", "not UTF-8"),
        (b"just words", "neither JSON nor a form"),
    ],
)
async def test_malformed_body_gets_400(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, body: bytes, reason: str
) -> None:
    events = async_capture_events(hass, "cloud_telephony_call_started")
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, data=body)
    assert response.status == 400
    assert reason in (await response.json())["error"]
    await hass.async_block_till_done()
    assert events == []


@pytest.mark.usefixtures("init_integration")
async def test_deeply_nested_call_details_are_ignored(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    """Call details sent as a JSON string too deep to read are left out; the call still counts."""
    events = async_capture_events(hass, "cloud_telephony_call_ended")
    client = await hass_client_no_auth()
    form = {"event_type": "call_hangup", "uuid": "deep-1", "cdr": "[" * 100_000}
    response = await client.post(WEBHOOK_PATH, data=form)
    assert response.status == 200
    await hass.async_block_till_done()
    assert [event.data["call_id"] for event in events] == ["deep-1"]


async def test_integers_wider_than_64_bits_do_not_break_the_history(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    """JSON allows any integer; Home Assistant's JSON writer does not: such a value is kept as text."""
    wide = "123456789012345678901234567890"
    client = await hass_client_no_auth()
    body = f'{{"event_type": "call_hangup", "uuid": "wide-1", "account_id": {wide}, "caller": {wide}}}'
    response = await client.post(WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"})
    assert response.status == 200
    assert stored_events(storage_folder, init_integration.entry_id)[-1]["raw"]["account_id"] == wide
    assert "wide-1:call_hangup:" in stored_ids(storage_folder, init_integration.entry_id)


@pytest.mark.usefixtures("init_integration")
async def test_unknown_event_type_is_accepted_and_ignored(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, json={"event_type": "call_parked", "uuid": "p1"})
    assert response.status == 200
    assert await response.json() == {"accepted": 0, "duplicates": 0}


@pytest.mark.usefixtures("init_integration")
async def test_oversize_body_gets_413(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, data=b"x" * (MAX_BODY_BYTES + 1))
    assert response.status == 413

    async def chunks() -> Any:
        for _ in range(MAX_BODY_BYTES // 65536 + 2):
            yield b"y" * 65536

    # Without a Content-Length (chunked), the cap is enforced while reading.
    response = await client.post(WEBHOOK_PATH, data=chunks())
    assert response.status == 413


@pytest.mark.usefixtures("init_integration")
async def test_only_post_is_allowed(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> None:
    client = await hass_client_no_auth()
    assert (await client.get(WEBHOOK_PATH)).status == 405
    assert (await client.put(WEBHOOK_PATH, data=b"{}")).status == 405


@pytest.fixture
def entry_options(entry_options: dict[str, Any], request: pytest.FixtureRequest) -> dict[str, Any]:
    """Turn basic auth on for tests marked `basic_auth`."""
    if request.node.get_closest_marker("basic_auth"):
        return {
            **entry_options,
            CONF_BASIC_AUTH_USERNAME: "bulutfon",
            CONF_BASIC_AUTH_PASSWORD: "s3cret:pass",
        }
    return entry_options


def _basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.mark.basic_auth
@pytest.mark.usefixtures("init_integration")
@pytest.mark.parametrize(
    ("authorization", "status"),
    [
        (None, 401),
        (_basic("bulutfon", "wrong"), 401),
        (_basic("other", "s3cret:pass"), 401),
        # The scheme's name is case-insensitive (RFC 9110).
        (_basic("bulutfon", "s3cret:pass").replace("Basic", "basic"), 200),
        ("Bearer s3cret:pass", 401),
        ("Basic !!!not-base64", 401),
        (_basic("bulutfon", "s3cret:pass"), 200),
    ],
)
async def test_basic_auth(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    authorization: str | None,
    status: int,
    caplog: pytest.LogCaptureFixture,
) -> None:
    events = async_capture_events(hass, "cloud_telephony_incoming_fax")
    client = await hass_client_no_auth()
    headers = {"Authorization": authorization} if authorization else {}
    response = await client.post(
        WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"), headers=headers
    )
    assert response.status == status
    await hass.async_block_till_done()
    assert len(events) == (1 if status == 200 else 0)
    if status == 401:
        assert response.headers["WWW-Authenticate"].startswith("Basic")
        assert "s3cret" not in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_internal_error_asks_for_a_retry(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, caplog: pytest.LogCaptureFixture
) -> None:
    client = await hass_client_no_auth()
    with patch(
        "custom_components.cloud_telephony.history.EventHistory.async_record",
        side_effect=RuntimeError("disk on fire"),
    ):
        response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert response.status == 500
    assert "Unexpected error while handling a webhook post" in caplog.text
    # The retry is accepted, since nothing was recorded the first time.
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert await response.json() == {"accepted": 1, "duplicates": 0}


async def test_event_is_on_disk_before_the_reply(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    storage_folder: Path,
) -> None:
    """What a 200 acknowledges can be read from the database the moment the answer arrives."""
    await setup_entry(mock_config_entry)
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_missing_call.json"))
    assert response.status == 200
    key = "f615986c-2001-11e5-bdee-6599352d46ce:missing_call:"
    assert mock_config_entry.runtime_data.history.is_duplicate(key)
    # Nothing flushed, nothing unloaded: read from the file by another connection.
    assert key in stored_ids(storage_folder, mock_config_entry.entry_id)
    assert [event["type"] for event in stored_events(storage_folder, mock_config_entry.entry_id)] == [
        "missed_call"
    ]


@pytest.fixture
def broken_contacts_options(entry_options: dict[str, Any]) -> dict[str, Any]:
    """Options whose contacts were edited outside the flow and no longer parse."""
    return {**entry_options, "contacts": "this line has no separator"}


async def test_unparseable_contacts_do_not_block_events(
    hass: HomeAssistant,
    hass_client_no_auth: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    broken_contacts_options: dict[str, Any],
) -> None:
    entry = entry_variant(mock_config_entry, options=broken_contacts_options)
    await setup_entry(entry)
    events = async_capture_events(hass, "cloud_telephony_incoming_fax")
    client = await hass_client_no_auth()
    assert (await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))).status == 200
    await hass.async_block_till_done()
    assert events[0].data["caller_name"] is None


async def test_saved_options_apply_to_the_next_post(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, init_integration: MockConfigEntry
) -> None:
    client = await hass_client_no_auth()
    await change_options(
        hass, init_integration, **{CONF_BASIC_AUTH_USERNAME: "u", CONF_BASIC_AUTH_PASSWORD: "p"}
    )
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert response.status == 401
    response = await client.post(
        WEBHOOK_PATH,
        data=fixture_bytes("bulutfon/seed_fax_init.json"),
        headers={"Authorization": _basic("u", "p")},
    )
    assert response.status == 200


async def test_a_declared_length_over_the_cap_is_refused_unread() -> None:
    """A body announced as too large is refused before a byte of it is read."""
    from custom_components.cloud_telephony.webhook import _read_capped

    class Unreadable:
        async def read(self, size: int = -1) -> bytes:
            raise AssertionError("the body was read")

    request = Mock(headers={"Content-Length": str(MAX_BODY_BYTES + 1)}, content=Unreadable())
    assert await _read_capped(request) is None


@pytest.mark.usefixtures("init_integration")
async def test_the_debug_log_tells_each_deliverys_story(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, caplog: pytest.LogCaptureFixture
) -> None:
    """Received, parsed, answered: one line per stage, without the caller's number."""
    caplog.set_level(logging.DEBUG, logger="custom_components.cloud_telephony")
    client = await hass_client_no_auth()
    body = fixture_bytes("bulutfon/seed_missing_call.json")
    for _ in range(2):
        response = await client.post(WEBHOOK_PATH, data=body, headers={"Content-Type": "application/json"})
        assert response.status == 200
    story = [record.getMessage() for record in caplog.records if "Webhook post for" in record.getMessage()]
    assert story == [
        f"Webhook post for Office PBX received: {len(body)} bytes, application/json",
        "Webhook post for Office PBX parsed: 1 items (missed_call)",
        "Webhook post for Office PBX answered: 1 accepted and fired, 0 duplicates",
        f"Webhook post for Office PBX received: {len(body)} bytes, application/json",
        "Webhook post for Office PBX parsed: 1 items (missed_call)",
        "Webhook post for Office PBX answered: 0 accepted and fired, 1 duplicates",
    ]
    assert "90532000000" not in caplog.text
