"""Logbook: one translated line per event, naming the event entity, with its icon; none from a reload."""

from __future__ import annotations

from collections.abc import Callable
import json
from pathlib import Path
from typing import Any

import pytest

from homeassistant.components.logbook import const as logbook_const
from homeassistant.components.recorder import Recorder
from homeassistant.core import Event, HomeAssistant
from homeassistant.helpers.translation import async_load_integrations
from homeassistant.setup import async_setup_component
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.recorder.common import async_wait_recording_done
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator, WebSocketGenerator

from custom_components.cloud_telephony import logbook
from custom_components.cloud_telephony.api import EventType
from custom_components.cloud_telephony.const import DOMAIN
from custom_components.cloud_telephony.event import EVENT_DESCRIPTIONS
from custom_components.cloud_telephony.logbook import ICONS, async_describe_events
from tests.conftest import WEBHOOK_PATH, SetupEntry, fixture_bytes

PACKAGE = Path(__file__).parents[1] / "custom_components" / DOMAIN


def _describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, str]]]:
    found: dict[str, Callable[[Event], dict[str, str]]] = {}

    def register(domain: str, event_name: str, describe: Callable[[Event], dict[str, str]]) -> None:
        assert domain == "cloud_telephony"
        found[event_name] = describe

    async_describe_events(hass, register)
    return found


def _describe(hass: HomeAssistant, entry_id: str | None, event_type: str, **data: Any) -> dict[str, str]:
    event = Event(f"cloud_telephony_{event_type}", {"config_entry_id": entry_id, "type": event_type, **data})
    return _describers(hass)[event.event_type](event)


@pytest.mark.parametrize(
    ("event_type", "data", "message"),
    [
        (
            "missed_call",
            {"caller": "+905326200000", "caller_name": "Ayşe"},
            "missed a call from Ayşe (+905326200000)",
        ),
        ("call_started", {"caller": "+905326200000"}, "call from +905326200000 started"),
        (
            "call_started",
            {"caller": "+905326200000", "stage": "pbx"},
            "call from +905326200000 reached the PBX",
        ),
        (
            "call_started",
            {"caller": "+905326200000", "stage": "extension", "destination": "1000"},
            "call from +905326200000 rings extension 1000",
        ),
        (
            "call_started",
            {"caller": "+905326200000", "stage": "group", "destination": "2"},
            "call from +905326200000 rings group 2",
        ),
        (
            "call_started",
            {"caller": "+905326200000", "stage": "menu", "destination": "Welcome"},
            "call from +905326200000 reached menu Welcome",
        ),
        ("call_ended", {"caller": None}, "call from an unknown number ended"),
        ("incoming_fax", {"caller": "+905326200000"}, "received a fax from +905326200000"),
        ("sms_received", {"caller": "+420603123456"}, "received an SMS from +420603123456"),
        ("sms_status", {"callee": "+420603123456", "status": "delivered"}, "SMS to +420603123456: delivered"),
        ("sms_status", {"callee": "+420603123456", "status": "odd"}, "SMS to +420603123456: odd"),
        (
            "call_status",
            {"callee": "+905320000000", "status": "not_answered"},
            "call to +905320000000: Not answered",
        ),
        ("call_record", {"callee": "+8613800000000"}, "billing record for the call to +8613800000000"),
        ("voicemail_received", {"caller": "+972501234567"}, "received a voicemail from +972501234567"),
        ("media_saved", {"caller": "+905326200000"}, "stored a file from +905326200000"),
        ("missed_call", {"caller": "+905326200000", "test": True}, "missed a call from +905326200000 (test)"),
        # A name that reads like a placeholder is shown as it is.
        (
            "missed_call",
            {"caller": "+905326200000", "caller_name": "{status}"},
            "missed a call from {status} (+905326200000)",
        ),
    ],
)
async def test_descriptions(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    event_type: str,
    data: dict[str, Any],
    message: str,
) -> None:
    described = _describe(hass, init_integration.entry_id, event_type, **data)
    assert described["message"] == message
    assert described["name"] == "Office PBX"
    assert described["icon"] == ICONS[EventType(event_type)]


async def test_each_line_names_the_event_entity_it_reached(
    hass: HomeAssistant, init_integration: MockConfigEntry
) -> None:
    assert _describe(hass, init_integration.entry_id, "missed_call")["entity_id"] == "event.office_pbx_calls"
    assert _describe(hass, init_integration.entry_id, "incoming_fax")["entity_id"] == "event.office_pbx_faxes"
    # A type this account has no entity for: the line stands on its own.
    assert "entity_id" not in _describe(hass, init_integration.entry_id, "call_record")


async def test_every_type_is_described(hass: HomeAssistant) -> None:
    assert set(_describers(hass)) == {f"cloud_telephony_{kind}" for kind in EventType}


@pytest.mark.parametrize(("language", "isolated"), [("he", True), ("en", False), ("tr", False)])
async def test_numbers_read_left_to_right_in_right_to_left_words(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    language: str,
    isolated: bool,
) -> None:
    """A number alone, and an extension: isolated in Hebrew only (elsewhere the text is unchanged)."""
    hass.config.language = language
    await setup_entry(mock_config_entry)
    message = _describe(
        hass,
        mock_config_entry.entry_id,
        "call_started",
        caller="+905326200000",
        stage="extension",
        destination="1000",
    )["message"]
    assert ("\u2066+905326200000\u2069" in message) is isolated
    assert ("\u20661000\u2069" in message) is isolated
    assert "+905326200000" in message
    assert "1000" in message
    if not isolated:
        assert not {"\u2066", "\u2068", "\u2069"} & set(message)


async def test_description_without_entry(hass: HomeAssistant) -> None:
    await async_load_integrations(hass, {DOMAIN})
    described = _describe(hass, None, "sms_status", callee=None, status=None)
    assert described == {
        "name": "Cloud Telephony",
        "message": "SMS to an unknown number: unknown",
        "icon": "mdi:message-check",
    }


@pytest.mark.parametrize(
    ("language", "message"),
    [
        ("tr", "kaçan çağrı, arayan: Ayşe (+905326200000)"),
        ("cs", "zmeškaný hovor, volající: Ayşe (+905326200000)"),
        # Right to left: the name and the number are isolated, so that the number keeps its "+" in front.
        ("he", "שיחה שלא נענתה מאת \u2068Ayşe\u2069 (\u2066+905326200000\u2069)"),
        ("zh-Hans", "未接来电：Ayşe (+905326200000)"),  # noqa: RUF001
    ],
)
async def test_lines_are_in_the_server_language(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    language: str,
    message: str,
) -> None:
    hass.config.language = language
    await setup_entry(mock_config_entry)
    described = _describe(
        hass, mock_config_entry.entry_id, "missed_call", caller="+905326200000", caller_name="Ayşe"
    )
    assert described["message"] == message
    status = _describe(hass, mock_config_entry.entry_id, "call_status", callee="+90", status="busy")[
        "message"
    ]
    translations = json.loads((PACKAGE / "translations" / f"{language}.json").read_text(encoding="utf-8"))
    assert translations["entity"]["sensor"]["last_call_status"]["state"]["busy"] in status


def test_icons_are_those_of_the_event_entities() -> None:
    icons = json.loads((PACKAGE / "icons.json").read_text(encoding="utf-8"))["entity"]["event"]
    for description in EVENT_DESCRIPTIONS:
        entity = icons[description.key]
        for event_type in description.event_types or []:
            by_type = entity.get("state_attributes", {}).get("event_type", {}).get("state", {})
            assert ICONS[EventType(event_type)] == by_type.get(event_type, entity["default"])


def test_entry_keys_are_the_logbooks() -> None:
    """The platform names the logbook's keys itself (importing them would import the recorder)."""
    assert (
        logbook.LOGBOOK_ENTRY_NAME,
        logbook.LOGBOOK_ENTRY_MESSAGE,
        logbook.LOGBOOK_ENTRY_ENTITY_ID,
        logbook.LOGBOOK_ENTRY_ICON,
    ) == (
        logbook_const.LOGBOOK_ENTRY_NAME,
        logbook_const.LOGBOOK_ENTRY_MESSAGE,
        logbook_const.LOGBOOK_ENTRY_ENTITY_ID,
        logbook_const.LOGBOOK_ENTRY_ICON,
    )


@pytest.fixture
def mock_recorder_before_hass(async_setup_recorder_instance: Any) -> None:
    """Let the logbook test set up its recorder (it must be prepared before Home Assistant)."""


async def test_the_real_logbook_has_one_line_of_ours_per_event_and_none_from_a_reload(
    recorder_mock: Recorder,
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    hass_client_no_auth: ClientSessionGenerator,
    hass_ws_client: WebSocketGenerator,
) -> None:
    """The documented Bulutfon posts of one call: the PBX, an extension, a group, a menu, then missed."""
    # The logbook depends on the frontend, whose package the test environments lack: it counts
    # as set up (the logbook only registers its panel with it).
    assert await async_setup_component(hass, "websocket_api", {})
    hass.config.components.add("frontend")
    assert await async_setup_component(hass, "logbook", {})
    await setup_entry(mock_config_entry)
    began = dt_util.utcnow()
    client = await hass_client_no_auth()
    names = ("seed_call_init", "seed_call_init_extension", "seed_call_init_group", "seed_call_init_menu")
    for name in (*names, "seed_missing_call"):
        response = await client.post(
            WEBHOOK_PATH,
            data=fixture_bytes(f"bulutfon/{name}.json"),
            headers={"Content-Type": "application/json"},
        )
        assert response.status == 200
    await hass.async_block_till_done()
    await hass.config_entries.async_reload(mock_config_entry.entry_id)
    await hass.async_block_till_done()
    await async_wait_recording_done(hass)

    websocket = await hass_ws_client(hass)
    await websocket.send_json(
        {"id": 1, "type": "logbook/get_events", "start_time": (began.replace(microsecond=0)).isoformat()}
    )
    answer = await websocket.receive_json()
    assert answer["success"], answer
    ours = [line for line in answer["result"] if line.get("domain") == DOMAIN]
    assert [line["message"] for line in ours] == [
        "call from 90532000000 reached the PBX",
        "call from 90532000000 rings extension 1000",
        "call from 90532000000 rings group 111",
        "call from 90532000000 reached menu 10",
        "missed a call from 90532000000",
    ]
    assert {line["entity_id"] for line in ours} == {"event.office_pbx_calls"}
    assert [line["icon"] for line in ours] == [*["mdi:phone-incoming"] * 4, "mdi:phone-missed"]


async def test_an_event_fired_by_hand_without_data_is_still_described(hass: HomeAssistant) -> None:
    await async_load_integrations(hass, {DOMAIN})
    event = Event("cloud_telephony_missed_call", {})
    described = _describers(hass)[event.event_type](event)
    assert described["message"] == "missed a call from an unknown number"
