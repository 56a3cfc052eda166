"""Logbook descriptions of the bus events."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from homeassistant.components.logbook import const as logbook_const
from homeassistant.core import Event, HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cloud_telephony import logbook
from custom_components.cloud_telephony.api import EventType
from custom_components.cloud_telephony.logbook import async_describe_events


def _describers(hass: HomeAssistant) -> dict[str, Callable[[Event], dict[str, str]]]:
    found: dict[str, Callable[[Event], dict[str, str]]] = {}

    def register(domain: str, event_name: str, describe: Callable[[Event], dict[str, str]]) -> None:
        assert domain == "cloud_telephony"
        found[event_name] = describe

    async_describe_events(hass, register)
    return found


@pytest.mark.parametrize(
    ("event_type", "data", "message"),
    [
        (
            "missed_call",
            {"caller": "+905326200000", "caller_name": "Ayşe"},
            "missed a call from Ayşe (+905326200000)",
        ),
        ("call_started", {"caller": "+905326200000"}, "call from +905326200000 started"),
        ("call_ended", {"caller": None}, "call from an unknown number ended"),
        ("incoming_fax", {"caller": "+905326200000"}, "received a fax from +905326200000"),
        ("sms_received", {"caller": "+420603123456"}, "received an SMS from +420603123456"),
        ("sms_status", {"callee": "+420603123456", "status": "delivered"}, "SMS to +420603123456: delivered"),
        ("call_status", {"callee": "+905320000000", "status": "answered"}, "call to +905320000000: answered"),
        ("call_record", {"callee": "+8613800000000"}, "billing record for the call to +8613800000000"),
    ],
)
async def test_descriptions(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    event_type: str,
    data: dict[str, Any],
    message: str,
) -> None:
    mock_config_entry.add_to_hass(hass)
    describers = _describers(hass)
    assert set(describers) == {f"cloud_telephony_{kind}" for kind in EventType}
    event = Event(
        f"cloud_telephony_{event_type}",
        {"config_entry_id": mock_config_entry.entry_id, "type": event_type, **data},
    )
    assert describers[event.event_type](event) == {"name": "Office PBX", "message": message}


async def test_description_without_entry(hass: HomeAssistant) -> None:
    describe = _describers(hass)["cloud_telephony_sms_status"]
    event = Event("cloud_telephony_sms_status", {"type": "sms_status", "callee": None, "status": None})
    assert describe(event) == {"name": "Cloud Telephony", "message": "SMS to an unknown number: unknown"}


def test_entry_keys_are_the_logbooks() -> None:
    """The platform names the logbook's keys itself (importing them would import the recorder)."""
    assert (logbook.LOGBOOK_ENTRY_NAME, logbook.LOGBOOK_ENTRY_MESSAGE) == (
        logbook_const.LOGBOOK_ENTRY_NAME,
        logbook_const.LOGBOOK_ENTRY_MESSAGE,
    )
