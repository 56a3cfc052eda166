"""Yemot's SIP phones: a device each under the system's, registration, added and removed with the PBX."""

from __future__ import annotations

import logging

import pytest

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import device_registry as dr, entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import YEMOT_ENTRY_ID, SetupEntry
from tests.fakes import yemot as fake

REGISTERED = "binary_sensor.phone_200_registered"


@pytest.fixture
async def yemot(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, setup_entry: SetupEntry, fake_yemot: fake.FakeYemot
) -> fake.FakeYemot:
    """Set up the Yemot entry against the fake API, with one registered SIP phone (extension 200)."""
    await setup_entry(yemot_entry)
    assert yemot_entry.state is ConfigEntryState.LOADED
    return fake_yemot


def _device(registry: dr.DeviceRegistry, identifier: str) -> dr.DeviceEntry | None:
    """Return the entry's device with this identifier (looked up alike in every supported version)."""
    devices = dr.async_entries_for_config_entry(registry, YEMOT_ENTRY_ID)
    return next((device for device in devices if (DOMAIN, identifier) in device.identifiers), None)


async def _poll(hass: HomeAssistant, entry: MockConfigEntry) -> None:
    phones = entry.runtime_data.phones
    assert phones is not None
    await phones.async_refresh()
    await hass.async_block_till_done()


async def test_a_phone_is_a_device_under_the_system(
    hass: HomeAssistant, yemot: fake.FakeYemot, device_registry: dr.DeviceRegistry
) -> None:
    assert hass.states.get(REGISTERED).state == "on"
    assert hass.states.get(REGISTERED).attributes["device_class"] == "connectivity"
    assert hass.states.get("sensor.phone_200_extension").state == "200"
    assert hass.states.get("sensor.phone_200_transport").state == "udp"
    assert hass.states.get("sensor.phone_200_device").state == "Yealink SIP-T29G"
    # The seed's expiry, 15:43:38 in Israel (summer time, +03:00).
    assert hass.states.get("sensor.phone_200_registration_expires").state == "2024-06-04T12:43:38+00:00"
    phone = _device(device_registry, f"{YEMOT_ENTRY_ID}_sip_0773137770")
    system = _device(device_registry, YEMOT_ENTRY_ID)
    assert phone is not None
    assert system is not None
    assert phone.via_device_id == system.id
    # The phone's maker is not Yemot: the model (its user agent) names it.
    assert (phone.name, phone.model, phone.manufacturer) == ("Phone 200", "Yealink SIP-T29G", None)


async def test_a_phone_that_loses_its_registration(
    hass: HomeAssistant, yemot: fake.FakeYemot, yemot_entry: MockConfigEntry
) -> None:
    yemot.sip_registered["0773137770"] = False
    await _poll(hass, yemot_entry)
    assert hass.states.get(REGISTERED).state == "off"
    assert hass.states.get("sensor.phone_200_device").state == "unknown"


async def test_phones_come_and_go_with_the_pbx(
    hass: HomeAssistant,
    yemot: fake.FakeYemot,
    yemot_entry: MockConfigEntry,
    device_registry: dr.DeviceRegistry,
    entity_registry: er.EntityRegistry,
) -> None:
    yemot.sip_accounts.append(
        {
            "id": "0773137770=2",
            "accountNumber": 2,
            "customerExtension": 201,
            "transport": "transport-wss",
            "callerid": "0773137770",
            "specialCallerID": "",
            "password": "x",
            "created_date": "2026-12-01 09:00:00",
        }
    )
    await _poll(hass, yemot_entry)
    assert hass.states.get("binary_sensor.phone_201_registered").state == "off"
    assert hass.states.get("sensor.phone_201_transport").state == "wss"
    # The first phone was deleted on Yemot's side: its device and entities go.
    del yemot.sip_accounts[0]
    await _poll(hass, yemot_entry)
    assert _device(device_registry, f"{YEMOT_ENTRY_ID}_sip_0773137770") is None
    assert entity_registry.async_get(REGISTERED) is None
    assert hass.states.get(REGISTERED) is None
    assert hass.states.get("binary_sensor.phone_201_registered") is not None


async def test_a_server_without_sip_shows_no_phones_and_says_so_once(
    hass: HomeAssistant,
    yemot_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    fake_yemot: fake.FakeYemot,
    entity_registry: er.EntityRegistry,
    caplog: pytest.LogCaptureFixture,
) -> None:
    fake_yemot.sip_supported = False
    with caplog.at_level(logging.INFO):
        await setup_entry(yemot_entry)
    assert yemot_entry.state is ConfigEntryState.LOADED
    assert yemot_entry.runtime_data.phones is None
    entities = er.async_entries_for_config_entry(entity_registry, YEMOT_ENTRY_ID)
    assert not [entity for entity in entities if ".phone_" in entity.entity_id]
    assert caplog.text.count("has no SIP phones on its server") == 1
    assert "Error" not in caplog.text
