"""Diagnostics: useful, and without secrets or phone numbers."""

from __future__ import annotations

import json

from homeassistant.core import HomeAssistant
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import MockConfigEntry
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.const import (
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
)
from tests.conftest import WEBHOOK_ID, WEBHOOK_PATH, SetupEntry, entry_variant, fixture_bytes
from tests.fakes import bulutfon as fake


async def test_diagnostics_are_redacted(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
    token_entry: MockConfigEntry,
    setup_entry: SetupEntry,
    bulutfon_api_url: fake.FakeBulutfon,
) -> None:
    entry = entry_variant(
        token_entry, options={CONF_BASIC_AUTH_USERNAME: "hook-user", CONF_BASIC_AUTH_PASSWORD: "hook-pass"}
    )
    await setup_entry(entry)
    # Before the first client: the HTTP router is frozen once a client exists.
    assert await async_setup_component(hass, "diagnostics", {})
    client = await hass_client_no_auth()
    headers = {"Authorization": "Basic aG9vay11c2VyOmhvb2stcGFzcw=="}  # hook-user:hook-pass
    for name in ("seed_call_hangup", "seed_missing_call", "seed_fax_init"):
        response = await client.post(
            WEBHOOK_PATH, data=fixture_bytes(f"bulutfon/{name}.json"), headers=headers
        )
        assert response.status == 200

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    dumped = json.dumps(diagnostics)
    for secret in (fake.VALID_TOKEN, WEBHOOK_ID, "hook-user", "hook-pass", "Ayşe", "Reception"):
        assert secret not in dumped
    for number in ("908508850000", "905326200000", "90532000000", "8508850000", "5326200000"):
        assert number not in dumped
    assert diagnostics["entry"]["data"]["api_token"] == "**REDACTED**"
    assert diagnostics["entry"]["data"]["provider"] == "bulutfon"
    assert diagnostics["webhook"]["url"].endswith("/api/webhook/**REDACTED**")
    assert diagnostics["webhook"] == diagnostics["webhook"] | {"cloudhook": False, "basic_auth": True}
    assert diagnostics["provider"] == {
        "id": "bulutfon",
        "api_access": True,
        "event_types": ["call_ended", "call_started", "incoming_fax", "media_saved", "missed_call"],
        "contacts": 2,
        "recipients": 0,
    }
    history = diagnostics["history"]
    assert history["events"] == 3
    assert history["events_by_type"] == {"call_ended": 1, "missed_call": 1, "incoming_fax": 1}
    assert history["remembered_ids"] == 3
    assert [event["type"] for event in history["recent"]] == ["call_ended", "missed_call", "incoming_fax"]
    assert history["recent"][0]["duration"] == 4


async def test_cloudhook_url_is_hidden(
    hass: HomeAssistant,
    hass_client: ClientSessionGenerator,
    mock_config_entry: MockConfigEntry,
    setup_entry: SetupEntry,
) -> None:
    """A cloudhook URL does not contain the webhook id, and it lets anyone post: hidden whole."""
    cloudhook_url = "https://hooks.nabu.casa/secret-cloudhook-path"
    entry = entry_variant(mock_config_entry, data={CONF_CLOUDHOOK_URL: cloudhook_url})
    await setup_entry(entry)
    assert await async_setup_component(hass, "diagnostics", {})

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)

    assert "secret-cloudhook-path" not in json.dumps(diagnostics)
    assert diagnostics["webhook"]["url"] == "**REDACTED**"
    assert diagnostics["webhook"]["cloudhook"] is True
