"""A provider declared only in the tests gets the whole integration: no module outside api/ changes.

Its spec (tests/sixth_provider.py) is registered the way the api package registers its own; the
config flow, reauthentication, reconfiguration, the webhook with its signature and reply, events,
entities, actions and redacted diagnostics all follow from it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
import json

from aiohttp.test_utils import TestServer
import pytest

from homeassistant.config_entries import (
    SOURCE_REAUTH,
    SOURCE_RECONFIGURE,
    SOURCE_USER,
    ConfigEntry,
    ConfigEntryState,
)
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import device_registry as dr, entity_registry as er
from homeassistant.setup import async_setup_component
from pytest_homeassistant_custom_component.common import async_capture_events
from pytest_homeassistant_custom_component.components.diagnostics import get_diagnostics_for_config_entry
from pytest_homeassistant_custom_component.typing import ClientSessionGenerator

from custom_components.cloud_telephony.api import PROVIDERS
from custom_components.cloud_telephony.const import (
    CONF_STRICT_SIGNATURE,
    DOMAIN,
)
from tests import sixth_provider as example
from tests.conftest import EXTERNAL_URL, add_person, change_options

FORM = {
    example.ACCOUNT_SID: f" {example.SID} ",
    example.AUTH_TOKEN: example.TOKEN,
    example.FROM_NUMBER: "+15550001111",
}
SMS_POST = b"MessageSid=SM77&From=%2B15550002222&To=%2B15550001111&Body=Hello+from+the+sixth"


@pytest.fixture
async def example_api(
    socket_enabled: None, monkeypatch: pytest.MonkeyPatch, external_url: str
) -> AsyncIterator[example.FakeExample]:
    """Register the provider and run its API on loopback."""
    fake = example.FakeExample()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server()
    monkeypatch.setattr(example, "API_URL", str(server.make_url("")).rstrip("/"))
    monkeypatch.setitem(PROVIDERS, example.PROVIDER, example.SPEC)
    yield fake
    await server.close()


async def _add_account(hass: HomeAssistant) -> ConfigEntry:
    """Add the account through the config flow, as a user does (a wrong token first)."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert example.PROVIDER in result["menu_options"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": example.PROVIDER}
    )
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == example.PROVIDER
    assert [str(key) for key in result["data_schema"].schema] == [
        example.ACCOUNT_SID,
        example.AUTH_TOKEN,
        example.FROM_NUMBER,
        "country",
    ]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**FORM, example.AUTH_TOKEN: "wrong", "country": "US"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert result["description_placeholders"]["reason"] == "Example refused the auth token"
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**FORM, "country": "US"})
    assert result["type"] is FlowResultType.CREATE_ENTRY
    await hass.async_block_till_done()
    entry: ConfigEntry = result["result"]
    return entry


async def test_config_flow_reauth_and_reconfigure(
    hass: HomeAssistant, example_api: example.FakeExample
) -> None:
    entry = await _add_account(hass)
    assert entry.title == f"Example {example.SID}"
    assert entry.unique_id == f"example_{example.SID}"
    assert {
        key: entry.data[key] for key in (example.ACCOUNT_SID, example.AUTH_TOKEN, example.FROM_NUMBER)
    } == {
        example.ACCOUNT_SID: example.SID,
        example.AUTH_TOKEN: example.TOKEN,
        example.FROM_NUMBER: "+15550001111",
    }
    # It sends SMS (so recipients can be notified) and signs its pushes (so strict mode exists).
    assert entry.options == {
        "country": "US",
        CONF_STRICT_SIGNATURE: False,
    }
    assert entry.state is ConfigEntryState.LOADED

    # The same account again is refused.
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"next_step_id": example.PROVIDER}
    )
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {**FORM, "country": "US"})
    assert result["reason"] == "already_configured"

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_REAUTH, "entry_id": entry.entry_id}, data=entry.data
    )
    assert [str(key) for key in result["data_schema"].schema] == [example.AUTH_TOKEN]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {example.AUTH_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {example.AUTH_TOKEN: example.TOKEN}
    )
    assert result["reason"] == "reauth_successful"
    await hass.async_block_till_done()

    result = await hass.config_entries.flow.async_init(
        DOMAIN, context={"source": SOURCE_RECONFIGURE, "entry_id": entry.entry_id}
    )
    # Everything but what names the account.
    assert [str(key) for key in result["data_schema"].schema] == [example.AUTH_TOKEN, example.FROM_NUMBER]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {example.AUTH_TOKEN: example.TOKEN, example.FROM_NUMBER: " +15550003333 "}
    )
    assert result["reason"] == "reconfigure_successful"
    await hass.async_block_till_done()
    assert entry.data[example.FROM_NUMBER] == "+15550003333"
    assert entry.data[example.ACCOUNT_SID] == example.SID
    assert entry.state is ConfigEntryState.LOADED


async def test_webhook_events_entities_actions_and_diagnostics(
    hass: HomeAssistant,
    example_api: example.FakeExample,
    external_url: str,
    hass_client: ClientSessionGenerator,
    hass_client_no_auth: ClientSessionGenerator,
) -> None:
    assert await async_setup_component(hass, "diagnostics", {})
    entry = await _add_account(hass)
    await change_options(hass, entry, **{CONF_STRICT_SIGNATURE: True})
    # Its declaration gives it contacts and, as it sends SMS, notify recipients.
    assert set(entry.supported_subentry_types) == {"contact", "recipient"}
    await add_person(hass, entry, "contact", "+1 555 000 2222", "Sam")
    await add_person(hass, entry, "recipient", "+1 555 000 2222", "Sam", channels=["sms"])
    [device] = [
        device
        for device in dr.async_entries_for_config_entry(dr.async_get(hass), entry.entry_id)
        if (DOMAIN, entry.entry_id) in device.identifiers
    ]
    assert (device.manufacturer, device.model) == ("Example", "Messaging")
    entities = {
        registered.unique_id.removeprefix(f"{entry.entry_id}_"): registered.entity_id
        for registered in er.async_entries_for_config_entry(er.async_get(hass), entry.entry_id)
    }
    assert hass.states.get(entities["balance"]).state == "12.5"
    # Only the event entity of what it can report: SMS, no calls.
    assert "messages" in entities
    assert "calls" not in entities
    assert "sms_15550002222" in entities
    assert entities["sms_15550002222"] == "notify.sam_sms"

    received = async_capture_events(hass, "cloud_telephony_sms_received")
    path = f"/api/webhook/{entry.data[CONF_WEBHOOK_ID]}"
    url = f"{EXTERNAL_URL}{path}"
    client = await hass_client_no_auth()
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    unsigned = await client.post(path, data=SMS_POST, headers=form)
    assert unsigned.status == 401
    signed = {**form, example.SIGNATURE_HEADER: example.signature(url, SMS_POST, example.TOKEN)}
    response = await client.post(path, data=SMS_POST, headers=signed)
    assert response.status == 200
    assert response.content_type == "text/xml"
    assert await response.read() == example.REPLY
    # Sent again (as a provider retries): the same answer, nothing fired twice.
    again = await client.post(path, data=SMS_POST, headers=signed)
    assert await again.read() == example.REPLY
    await hass.async_block_till_done()
    assert len(received) == 1
    data = received[0].data
    assert (data["provider"], data["call_id"], data["caller"], data["message"]) == (
        "example",
        "SM77",
        "+15550002222",
        "Hello from the sixth",
    )
    assert data["caller_name"] == "Sam"
    assert hass.states.get(entities["messages"]).attributes["event_type"] == "sms_received"

    response_data = await hass.services.async_call(
        DOMAIN,
        "send_sms",
        {"config_entry_id": entry.entry_id, "to": "+15550002222", "message": "Hi"},
        blocking=True,
        return_response=True,
    )
    assert response_data is not None
    assert response_data["messages"][0]["message_id"] == "SM1"
    assert example_api.sent == [{"To": "+15550002222", "From": "+15550001111", "Body": "Hi"}]

    diagnostics = await get_diagnostics_for_config_entry(hass, hass_client, entry)
    text = json.dumps(diagnostics)
    for secret in (example.SID, example.TOKEN, "+15550001111", "+15550002222", "Hello from the sixth"):
        assert secret not in text
    assert diagnostics["provider"]["id"] == "example"
