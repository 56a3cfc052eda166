"""Event entities and sensors: after events, after a restart, and at midnight."""

from __future__ import annotations

from datetime import datetime, timedelta
import json

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.const import STATE_UNKNOWN
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_fire_time_changed
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.hub import DATA_HUB
from tests.conftest import ENTRY_ID, WEBHOOK_PATH, SetupEntry, fixture_bytes

CALLS = "event.office_pbx_calls"
FAXES = "event.office_pbx_faxes"
LAST_MISSED = "sensor.office_pbx_last_missed_call"
MISSED_TODAY = "sensor.office_pbx_missed_calls_today"
LAST_FAX = "sensor.office_pbx_last_fax"
RECENT_CALLS = "sensor.office_pbx_recent_calls"


def _missed_call(uuid: str, caller: str = "905326200000", at: datetime | None = None) -> dict[str, object]:
    """Bulutfon's documented missed call, for another call, at another time (default: now)."""
    item = json.loads(fixture_bytes("bulutfon/v2021_missing_call.json"))
    moment = at or dt_util.utcnow()
    return {**item, "uuid": uuid, "caller": caller, "timestamp": int(moment.timestamp() * 1_000_000)}


@pytest.mark.usefixtures("init_integration")
async def test_entities_of_a_bulutfon_account(
    hass: HomeAssistant, entity_registry: er.EntityRegistry
) -> None:
    entries = er.async_entries_for_config_entry(entity_registry, ENTRY_ID)
    assert sorted((entry.entity_id, entry.unique_id) for entry in entries) == [
        ("button.office_pbx_send_a_test_event", f"{ENTRY_ID}_send_test_event"),
        (CALLS, f"{ENTRY_ID}_calls"),
        (FAXES, f"{ENTRY_ID}_faxes"),
        (LAST_FAX, f"{ENTRY_ID}_last_fax"),
        (LAST_MISSED, f"{ENTRY_ID}_last_missed_call"),
        (MISSED_TODAY, f"{ENTRY_ID}_missed_calls_today"),
        (RECENT_CALLS, f"{ENTRY_ID}_recent_calls"),
    ]
    calls = hass.states.get(CALLS)
    assert calls is not None
    assert calls.state == STATE_UNKNOWN
    assert calls.attributes["event_types"] == ["call_started", "missed_call", "call_ended"]
    assert hass.states.get(FAXES).attributes["event_types"] == ["incoming_fax"]
    assert hass.states.get(LAST_MISSED).state == STATE_UNKNOWN
    assert hass.states.get(MISSED_TODAY).state == "0"
    assert hass.states.get(MISSED_TODAY).attributes["unit_of_measurement"] == "calls"


@pytest.mark.usefixtures("init_integration")
async def test_missed_call_moves_entities(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    assert (await client.post(WEBHOOK_PATH, json=_missed_call("m1"))).status == 200
    await hass.async_block_till_done()

    calls = hass.states.get(CALLS)
    assert calls.attributes["event_type"] == "missed_call"
    assert calls.attributes["caller"] == "+905326200000"
    assert calls.attributes["caller_name"] == "Ayşe"
    assert calls.attributes["call_id"] == "m1"
    assert "raw" not in calls.attributes
    assert dt_util.parse_datetime(calls.state) is not None

    last = hass.states.get(LAST_MISSED)
    assert last.state == "+905326200000"
    assert last.attributes["caller_name"] == "Ayşe"
    assert last.attributes["callee"] == "+908508850000"
    assert last.attributes["call_id"] == "m1"
    assert dt_util.parse_datetime(last.attributes["time"]) is not None
    assert hass.states.get(MISSED_TODAY).state == "1"

    assert (await client.post(WEBHOOK_PATH, json=_missed_call("m2", "905551112233"))).status == 200
    assert (await client.post(WEBHOOK_PATH, json=_missed_call("m2", "905551112233"))).status == 200
    await hass.async_block_till_done()
    assert hass.states.get(LAST_MISSED).state == "+905551112233"
    assert hass.states.get(LAST_MISSED).attributes["caller_name"] is None
    assert hass.states.get(MISSED_TODAY).state == "2"
    # A fax does not touch the call entities.
    assert hass.states.get(LAST_FAX).state == STATE_UNKNOWN


@pytest.mark.usefixtures("init_integration")
async def test_fax_and_call_events(hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator) -> None:
    client = await hass_client_no_auth()
    await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/v2021_call_hangup.json"))
    await hass.async_block_till_done()
    assert hass.states.get(LAST_FAX).state == "+905326200000"
    assert hass.states.get(LAST_FAX).attributes["caller_name"] == "Ayşe"
    assert hass.states.get(FAXES).attributes["event_type"] == "incoming_fax"
    calls = hass.states.get(CALLS)
    assert calls.attributes["event_type"] == "call_ended"
    assert calls.attributes["duration"] == 35
    assert calls.attributes["status"] == "answered"
    assert hass.states.get(MISSED_TODAY).state == "0"


async def test_values_survive_a_restart(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    client = await hass_client_no_auth()
    await client.post(WEBHOOK_PATH, json=_missed_call("r1"))
    await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    await hass.async_block_till_done()
    calls_state = hass.states.get(CALLS).state

    assert await hass.config_entries.async_reload(init_integration.entry_id)
    await hass.async_block_till_done()

    assert hass.states.get(LAST_MISSED).state == "+905326200000"
    assert hass.states.get(LAST_MISSED).attributes["caller_name"] == "Ayşe"
    assert hass.states.get(MISSED_TODAY).state == "1"
    assert hass.states.get(LAST_FAX).state == "+905326200000"
    assert hass.states.get(CALLS).state == calls_state


@pytest.mark.usefixtures("init_integration")
async def test_missed_calls_reset_at_midnight(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, freezer: FrozenDateTimeFactory
) -> None:
    now = dt_util.now()
    freezer.move_to(now.replace(hour=23, minute=59, second=30))
    client = await hass_client_no_auth()
    await client.post(WEBHOOK_PATH, json=_missed_call("n1"))
    await hass.async_block_till_done()
    assert hass.states.get(MISSED_TODAY).state == "1"

    freezer.tick(timedelta(seconds=31))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert hass.states.get(MISSED_TODAY).state == "0"
    # The last missed call stays what it was.
    assert hass.states.get(LAST_MISSED).state == "+905326200000"

    await client.post(WEBHOOK_PATH, json=_missed_call("n2"))
    await hass.async_block_till_done()
    assert hass.states.get(MISSED_TODAY).state == "1"


async def test_the_device_model_is_in_the_server_language(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    """Home Assistant translates device names only: the model is taken from the translations."""
    hass.config.language = "tr"
    await setup_entry(mock_config_entry)
    [device] = dr.async_entries_for_config_entry(dr.async_get(hass), mock_config_entry.entry_id)
    assert (device.manufacturer, device.model) == ("Bulutfon", "Bulut santral")


@pytest.mark.usefixtures("init_integration")
async def test_missed_calls_count_for_the_day_they_happened(
    hass: HomeAssistant, hass_client_no_auth: ClientSessionGenerator, freezer: FrozenDateTimeFactory
) -> None:
    """A retry after midnight counts for the day before; a documented call from 2015 for no day."""
    freezer.move_to(dt_util.now().replace(hour=0, minute=5))
    client = await hass_client_no_auth()
    assert (
        await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/v2021_missing_call.json"))
    ).status == 200
    late = dt_util.now() - timedelta(minutes=10)
    assert (await client.post(WEBHOOK_PATH, json=_missed_call("late", at=late))).status == 200
    assert (await client.post(WEBHOOK_PATH, json=_missed_call("now"))).status == 200
    await hass.async_block_till_done()
    assert hass.states.get(MISSED_TODAY).state == "1"
    history = hass.data[DATA_HUB].history(ENTRY_ID)
    assert history.count_on("missed_call", late.date()) == 1
    # The documented call is still an event, and the last missed call.
    assert hass.states.get(LAST_MISSED).attributes["call_id"] == "now"
