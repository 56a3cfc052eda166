"""Setting up, unloading and removing an entry."""

from __future__ import annotations

from pathlib import Path
from unittest.mock import AsyncMock, patch

import pytest

from homeassistant.components import cloud
from homeassistant.config_entries import SOURCE_REAUTH, ConfigEntryDisabler, ConfigEntryState
from homeassistant.core import HomeAssistant
from pytest_homeassistant_custom_component.common import MockConfigEntry, async_capture_events
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api import bulutfon as bulutfon_api
from custom_components.cloud_telephony.const import CONF_CLOUDHOOK_URL, DOMAIN
from tests.conftest import (
    WEBHOOK_ID,
    WEBHOOK_PATH,
    SetupEntry,
    entry_variant,
    fixture_bytes,
    stored_events,
    stored_ids,
)
from tests.fakes import bulutfon as fake


async def test_setup_with_valid_token(
    hass: HomeAssistant,
    token_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulutfon_api_url: fake.FakeBulutfon,
) -> None:
    await setup_entry(token_entry)
    assert token_entry.state is ConfigEntryState.LOADED
    assert token_entry.runtime_data.client is not None
    assert len(bulutfon_api_url.requests) == 1


@pytest.mark.usefixtures("bulutfon_api_url")
async def test_refused_token_starts_reauth(
    hass: HomeAssistant, token_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    entry = entry_variant(token_entry, data={bulutfon_api.API_TOKEN: "revoked"})
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.SETUP_ERROR
    [flow] = hass.config_entries.flow.async_progress()
    assert flow["context"]["source"] == SOURCE_REAUTH
    assert flow["context"]["entry_id"] == entry.entry_id


@pytest.mark.usefixtures("bulutfon_api_url")
async def test_unreachable_provider_retries(
    hass: HomeAssistant, token_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    entry = entry_variant(token_entry, data={bulutfon_api.API_TOKEN: fake.BROKEN_TOKEN})
    await setup_entry(entry)
    assert entry.state is ConfigEntryState.SETUP_RETRY
    assert entry.reason == "Could not reach Bulutfon: its server reported an error (HTTP 502)"


async def test_an_unloaded_entry_still_records_its_posts(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    """The webhook belongs to the integration, not to the entry's setup: nothing is lost meanwhile."""
    events = async_capture_events(hass, "cloud_telephony_incoming_fax")
    assert await hass.config_entries.async_unload(init_integration.entry_id)
    assert init_integration.state is ConfigEntryState.NOT_LOADED
    client = await hass_client_no_auth()
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert await response.json() == {"accepted": 1, "duplicates": 0}
    await hass.async_block_till_done()
    assert len(events) == 1
    assert len(stored_ids(storage_folder, init_integration.entry_id)) == 1
    # Set up again, the entry shows what arrived meanwhile.
    assert await hass.config_entries.async_setup(init_integration.entry_id)
    await hass.async_block_till_done()
    assert hass.states.get("sensor.office_pbx_last_fax").state == "+905326200000"


async def test_a_disabled_entry_stops_its_webhook(
    hass: HomeAssistant, init_integration: MockConfigEntry, hass_client_no_auth: ClientSessionGenerator
) -> None:
    events = async_capture_events(hass, "cloud_telephony_incoming_fax")
    await hass.config_entries.async_set_disabled_by(init_integration.entry_id, ConfigEntryDisabler.USER)
    await hass.async_block_till_done()
    client = await hass_client_no_auth()
    # Home Assistant answers 200 for unknown webhooks, so as not to reveal which exist.
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert response.status == 200
    assert await response.text() == ""
    await hass.async_block_till_done()
    assert events == []
    # Enabled again, it answers again.
    await hass.config_entries.async_set_disabled_by(init_integration.entry_id, None)
    await hass.async_block_till_done()
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert await response.json() == {"accepted": 1, "duplicates": 0}


async def test_remove_deletes_history(
    hass: HomeAssistant,
    init_integration: MockConfigEntry,
    hass_client_no_auth: ClientSessionGenerator,
    storage_folder: Path,
) -> None:
    client = await hass_client_no_auth()
    await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    await hass.config_entries.async_unload(init_integration.entry_id)
    assert stored_ids(storage_folder, init_integration.entry_id)
    await hass.config_entries.async_remove(init_integration.entry_id)
    await hass.async_block_till_done()
    assert stored_ids(storage_folder, init_integration.entry_id) == set()
    assert stored_events(storage_folder, init_integration.entry_id) == []
    # The webhook is gone with the account.
    response = await client.post(WEBHOOK_PATH, data=fixture_bytes("bulutfon/seed_fax_init.json"))
    assert await response.text() == ""


@pytest.mark.parametrize("delete_error", [None, cloud.CloudNotConnected])
async def test_remove_deletes_the_cloudhook(
    hass: HomeAssistant,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    delete_error: type[Exception] | None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    entry = entry_variant(mock_config_entry, data={CONF_CLOUDHOOK_URL: "https://hooks.nabu.casa/abc"})
    await setup_entry(entry)
    hass.config.components.add("cloud")
    with patch.object(cloud, "async_delete_cloudhook", AsyncMock(side_effect=delete_error)) as delete:
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    delete.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert ("Could not delete the Home Assistant Cloud webhook" in caplog.text) is (delete_error is not None)


async def test_an_account_disabled_since_start_up_is_removed_cleanly(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, caplog: pytest.LogCaptureFixture
) -> None:
    """Every account disabled: the integration was never set up; removing one still deletes its cloudhook."""
    entry = MockConfigEntry(
        domain=DOMAIN,
        title=mock_config_entry.title,
        entry_id=mock_config_entry.entry_id,
        data={**mock_config_entry.data, CONF_CLOUDHOOK_URL: "https://hooks.nabu.casa/abc"},
        disabled_by=ConfigEntryDisabler.USER,
    )
    entry.add_to_hass(hass)
    hass.config.components.add("cloud")
    with patch.object(cloud, "async_delete_cloudhook", AsyncMock()) as delete:
        await hass.config_entries.async_remove(entry.entry_id)
        await hass.async_block_till_done()
    delete.assert_awaited_once_with(hass, WEBHOOK_ID)
    assert "Error" not in caplog.text


@pytest.mark.usefixtures("init_integration")
async def test_every_action_is_described(hass: HomeAssistant) -> None:
    """Home Assistant reads services.yaml itself: every action has its fields described."""
    from homeassistant.helpers.service import async_get_all_descriptions

    from custom_components.cloud_telephony.services import ACTIONS

    descriptions = (await async_get_all_descriptions(hass))[DOMAIN]
    assert set(descriptions) == {
        "send_sms",
        "send_voice_message",
        "send_voice_code",
        "cancel_voice_message",
        "get_voice_message_report",
        "upload_audio",
        "list_audio",
        "ring",
        "start_campaign",
        "kick_queue_callers",
        "call_back",
        "send_test_event",
        "escalate",
    }
    for name, description in descriptions.items():
        assert "config_entry_id" in description["fields"], name
        assert description["fields"]["config_entry_id"]["required"] is True, name
    # The action editor shows exactly the fields the schema takes (a missing one is hidden).
    for name, _handler, schema, _response in ACTIONS:
        taken = {str(key) for key in schema.schema}
        assert set(descriptions[name]["fields"]) == taken, name


async def test_numbering_plans_are_loaded_off_the_event_loop(
    hass: HomeAssistant,
    monkeypatch: pytest.MonkeyPatch,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
) -> None:
    """Reading a plan on first use would be file access inside the event loop: all load at setup."""
    import threading

    from custom_components.cloud_telephony import hub
    from custom_components.cloud_telephony.api import numbers

    threads: list[int] = []

    def load() -> None:
        threads.append(threading.get_ident())
        numbers.load_numbering_plans()

    monkeypatch.setattr(hub, "load_numbering_plans", load)
    await setup_entry(mock_config_entry)
    assert len(threads) == 1
    assert threads[0] != hass.loop_thread_id
