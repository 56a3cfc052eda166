"""Contacts and notify recipients as subentries, and entries that kept them in their options."""

from __future__ import annotations

from typing import Any

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant
from homeassistant.helpers import entity_registry as er
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import BULKGATE_ENTRY_ID, SetupEntry, add_person, entry_variant

LEGACY_OPTIONS: dict[str, Any] = {
    "country": "CZ",
    # Two spellings of one number, and a line that names nobody (the old form refused it).
    "contacts": "+420 603 123 456 = Anna\n603123456 = Anna again\n1000 = Reception",
    "recipients": "+420 603 123 456 = Anna\n777 888 999 = Petr",
}


def _people(entry: MockConfigEntry) -> set[tuple[str, str, str, tuple[str, ...]]]:
    return {
        (sub.subentry_type, sub.title, sub.data["number"], tuple(sub.data.get("channels", ())))
        for sub in entry.subentries.values()
    }


async def test_options_of_version_1_become_subentries(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulkgate_api_url: object,
) -> None:
    """An entry of version 1.1 with contact and recipient lines: each person becomes a subentry."""
    old = entry_variant(bulkgate_entry, options=LEGACY_OPTIONS, version=(1, 1))
    # The recipient's entity as the old version registered it: it keeps its entity id.
    registry = er.async_get(hass)
    old.add_to_hass(hass)
    registered = registry.async_get_or_create(
        "notify",
        DOMAIN,
        f"{BULKGATE_ENTRY_ID}_sms_420603123456",
        config_entry=old,
        suggested_object_id="sms_to_anna",
    )
    await setup_entry(old)
    assert old.state is ConfigEntryState.LOADED
    assert (old.version, old.minor_version) == (1, 3)
    assert _people(old) == {
        ("contact", "Anna", "+420603123456", ()),
        ("contact", "Reception", "1000", ()),
        ("recipient", "Anna", "+420603123456", ("sms",)),
        ("recipient", "Petr", "+420777888999", ("sms",)),
    }
    assert "contacts" not in old.options
    assert "recipients" not in old.options
    assert old.options["country"] == "CZ"
    anna = registry.async_get(registered.entity_id)
    assert anna is not None
    assert hass.states.get(registered.entity_id) is not None
    assert anna.config_subentry_id in old.subentries
    assert hass.states.get("notify.petr_sms") is not None


async def test_unreadable_lines_are_dropped_with_a_warning(
    hass: HomeAssistant,
    bulkgate_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulkgate_api_url: object,
    caplog: Any,
) -> None:
    old = entry_variant(
        bulkgate_entry,
        options={"country": "CZ", "contacts": "no separator", "recipients": ""},
        version=(1, 2),
    )
    await setup_entry(old)
    assert old.state is ConfigEntryState.LOADED
    assert old.subentries == {}
    assert "The contacts of BulkGate 12345 could not be read" in caplog.text


async def test_an_account_that_cannot_notify_has_contacts_only(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    await setup_entry(mock_config_entry)
    assert set(mock_config_entry.supported_subentry_types) == {"contact"}
    result = await add_person(hass, mock_config_entry, "contact", "0 532 111 22 33", "Mehmet")
    assert result["type"] == "create_entry"
    assert result["unique_id"] == "contact_+905321112233"
    # The entry reloaded with the new contact; the name reaches the events.
    assert mock_config_entry.state is ConfigEntryState.LOADED
    runtime = mock_config_entry.runtime_data
    assert runtime.settings(hass, mock_config_entry).contacts.name_for("+905321112233") == "Mehmet"
