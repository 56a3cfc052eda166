"""Config flow: provider menu, Bulutfon step, cloudhook, reauth, reconfigure and options."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any
from unittest.mock import AsyncMock, patch

import pytest

from homeassistant.components import cloud
from homeassistant.config_entries import SOURCE_USER
from homeassistant.const import CONF_WEBHOOK_ID
from homeassistant.core import HomeAssistant
from homeassistant.data_entry_flow import FlowResult, FlowResultType
from homeassistant.helpers.network import NoURLAvailableError
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cloud_telephony.api import bulkgate as bulkgate_api, bulutfon as bulutfon_api
from custom_components.cloud_telephony.const import (
    CONF_ACCOUNT_NAME,
    CONF_BASIC_AUTH_PASSWORD,
    CONF_BASIC_AUTH_USERNAME,
    CONF_CLOUDHOOK_URL,
    CONF_COUNTRY,
    CONF_PROVIDER,
    DOMAIN,
)
from tests.conftest import EXTERNAL_URL, WEBHOOK_ID, entry_variant
from tests.fakes import bulkgate as fake_bulkgate, bulutfon as fake, netgsm as fake_netgsm

CLOUDHOOK_URL = "https://hooks.nabu.casa/abcdef"


@pytest.fixture(autouse=True)
async def finish_reloads(hass: HomeAssistant) -> AsyncIterator[None]:
    """Let the reloads that flows start finish within the test (lingering timers fail it)."""
    yield
    await hass.async_block_till_done()


@pytest.fixture(autouse=True)
def mock_setup_entry() -> Iterator[AsyncMock]:
    """Keep the flow tests to the flow: entries are created, not set up."""
    with patch("custom_components.cloud_telephony.async_setup_entry", return_value=True) as mock:
        yield mock


async def provider_form(hass: HomeAssistant, provider: str) -> FlowResult:
    """Open the flow and choose a provider from the menu."""
    result = await hass.config_entries.flow.async_init(DOMAIN, context={"source": SOURCE_USER})
    assert result["type"] is FlowResultType.MENU
    assert result["step_id"] == "user"
    assert result["menu_options"] == ["bulutfon", "bulkgate", "netgsm", "huawei", "yemot"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"next_step_id": provider})
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == provider
    return result


async def _bulutfon_form(hass: HomeAssistant) -> FlowResult:
    return await provider_form(hass, "bulutfon")


@pytest.mark.usefixtures("external_url")
async def test_bulutfon_without_token(hass: HomeAssistant, mock_setup_entry: AsyncMock) -> None:
    result = await _bulutfon_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCOUNT_NAME: " Office PBX ", CONF_COUNTRY: "TR"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Office PBX"
    data = result["data"]
    assert data[CONF_PROVIDER] == "bulutfon"
    assert data[CONF_ACCOUNT_NAME] == "Office PBX"
    assert bulutfon_api.API_TOKEN not in data
    assert len(data[CONF_WEBHOOK_ID]) == 64
    assert result["options"] == {
        CONF_COUNTRY: "TR",
        CONF_BASIC_AUTH_USERNAME: "",
        CONF_BASIC_AUTH_PASSWORD: "",
    }
    assert result["description"] == "bulutfon"
    assert result["description_placeholders"] == {
        "webhook_url": f"{EXTERNAL_URL}/api/webhook/{data[CONF_WEBHOOK_ID]}"
    }
    assert result["result"].unique_id == "bulutfon_office pbx"
    assert len(mock_setup_entry.mock_calls) == 1


async def test_bulutfon_without_any_url(hass: HomeAssistant) -> None:
    """Without a known address the path is shown, for the user to complete."""
    result = await _bulutfon_form(hass)
    with patch("homeassistant.components.webhook.async_generate_url", side_effect=NoURLAvailableError):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {CONF_ACCOUNT_NAME: "Office PBX", CONF_COUNTRY: "TR"}
        )
        # Before the entry exists: the provider could not reach this address.
        assert result["type"] is FlowResultType.FORM
        assert result["step_id"] == "local_url"
        assert result["description_placeholders"]["provider"] == "Bulutfon"
        path = result["description_placeholders"]["webhook_url"]
        assert path.startswith("/api/webhook/")
        result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    webhook_id = result["data"][CONF_WEBHOOK_ID]
    assert path == f"/api/webhook/{webhook_id}"
    assert result["description_placeholders"] == {"webhook_url": path}


@pytest.mark.usefixtures("external_url")
async def test_bulutfon_with_token_and_basic_auth(
    hass: HomeAssistant, bulutfon_api_url: fake.FakeBulutfon
) -> None:
    result = await _bulutfon_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {
            CONF_ACCOUNT_NAME: "Office PBX",
            bulutfon_api.API_TOKEN: fake.VALID_TOKEN,
            CONF_BASIC_AUTH_USERNAME: "bulutfon",
            CONF_BASIC_AUTH_PASSWORD: "pw",
            CONF_COUNTRY: "TR",
        },
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][bulutfon_api.API_TOKEN] == fake.VALID_TOKEN
    assert result["options"][CONF_BASIC_AUTH_USERNAME] == "bulutfon"
    assert result["options"][CONF_BASIC_AUTH_PASSWORD] == "pw"
    assert [request.path for request in bulutfon_api_url.requests] == ["/me.json"]
    # With a token, the PBX itself names the account (its address in /me.json).
    assert result["result"].unique_id == "bulutfon_santral.bulutfon.net"


@pytest.mark.usefixtures("external_url")
async def test_bulutfon_pbx_added_again_under_another_name(
    hass: HomeAssistant, bulutfon_api_url: fake.FakeBulutfon
) -> None:
    """The same PBX (by its token) under a second name is still one account."""
    for name in ("Office PBX", "Head office"):
        result = await _bulutfon_form(hass)
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_ACCOUNT_NAME: name, bulutfon_api.API_TOKEN: fake.VALID_TOKEN, CONF_COUNTRY: "TR"},
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"
    assert [entry.title for entry in hass.config_entries.async_entries(DOMAIN)] == ["Office PBX"]


@pytest.mark.parametrize(
    ("token", "error", "reason"),
    [
        ("wrong-token", "invalid_auth", "invalid_token"),
        (fake.BROKEN_TOKEN, "cannot_connect", "its server reported an error (HTTP 502)"),
        (fake.RATE_LIMITED_TOKEN, "provider_error", "request limit"),
    ],
)
@pytest.mark.usefixtures("bulutfon_api_url", "external_url")
async def test_bulutfon_errors_and_recovery(hass: HomeAssistant, token: str, error: str, reason: str) -> None:
    result = await _bulutfon_form(hass)
    user_input = {CONF_ACCOUNT_NAME: "Office PBX", bulutfon_api.API_TOKEN: token, CONF_COUNTRY: "TR"}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": error}
    assert reason in result["description_placeholders"]["reason"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**user_input, bulutfon_api.API_TOKEN: fake.VALID_TOKEN}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


@pytest.mark.usefixtures("bulutfon_api_url", "external_url")
async def test_bulutfon_unexpected_error(hass: HomeAssistant) -> None:
    result = await _bulutfon_form(hass)
    with patch(
        "custom_components.cloud_telephony.api.bulutfon.BulutfonClient.async_validate",
        side_effect=RuntimeError("boom"),
    ):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"],
            {CONF_ACCOUNT_NAME: "Office PBX", bulutfon_api.API_TOKEN: "x", CONF_COUNTRY: "TR"},
        )
    assert result["errors"] == {"base": "unknown"}


@pytest.mark.parametrize(
    "auth", [{CONF_BASIC_AUTH_USERNAME: "only-user"}, {CONF_BASIC_AUTH_PASSWORD: "only-password"}]
)
@pytest.mark.usefixtures("external_url")
async def test_bulutfon_incomplete_basic_auth(hass: HomeAssistant, auth: dict[str, str]) -> None:
    result = await _bulutfon_form(hass)
    user_input = {CONF_ACCOUNT_NAME: "Office PBX", CONF_COUNTRY: "TR", **auth}
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {"base": "basic_auth_incomplete"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**user_input, CONF_BASIC_AUTH_USERNAME: "user", CONF_BASIC_AUTH_PASSWORD: "password"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY


async def test_bulutfon_duplicate_account(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await _bulutfon_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCOUNT_NAME: "office pbx", CONF_COUNTRY: "TR"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.fixture
def active_cloud(hass: HomeAssistant) -> Iterator[AsyncMock]:
    """Pretend Home Assistant Cloud is subscribed and connected."""
    hass.config.components.add("cloud")
    with (
        patch.object(cloud, "async_active_subscription", return_value=True),
        patch.object(cloud, "async_get_or_create_cloudhook", return_value=CLOUDHOOK_URL) as create,
    ):
        yield create


async def test_cloudhook_is_created(hass: HomeAssistant, active_cloud: AsyncMock) -> None:
    result = await _bulutfon_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCOUNT_NAME: "Office PBX", CONF_COUNTRY: "TR"}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][CONF_CLOUDHOOK_URL] == CLOUDHOOK_URL
    assert result["description_placeholders"] == {"webhook_url": CLOUDHOOK_URL}
    active_cloud.assert_awaited_once_with(hass, result["data"][CONF_WEBHOOK_ID])


async def test_cloud_not_connected(hass: HomeAssistant, active_cloud: AsyncMock) -> None:
    active_cloud.side_effect = cloud.CloudNotConnected
    result = await _bulutfon_form(hass)
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {CONF_ACCOUNT_NAME: "Office PBX", CONF_COUNTRY: "TR"}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "cloud_not_connected"


@pytest.mark.usefixtures("bulutfon_api_url")
async def test_reauth(hass: HomeAssistant, token_entry: MockConfigEntry) -> None:
    token_entry.add_to_hass(hass)
    result = await token_entry.start_reauth_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reauth_confirm"
    assert result["description_placeholders"]["account"] == "Office PBX"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {bulutfon_api.API_TOKEN: "expired"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {bulutfon_api.API_TOKEN: fake.FORBIDDEN_TOKEN}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert "may not read the account" in result["description_placeholders"]["reason"]
    with patch.object(fake, "VALID_TOKEN", "renewed-token"):
        result = await hass.config_entries.flow.async_configure(
            result["flow_id"], {bulutfon_api.API_TOKEN: "renewed-token"}
        )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reauth_successful"
    assert token_entry.data[bulutfon_api.API_TOKEN] == "renewed-token"
    assert token_entry.data[CONF_WEBHOOK_ID] == WEBHOOK_ID


@pytest.mark.usefixtures("bulutfon_api_url")
async def test_reconfigure_changes_and_removes_the_token(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry
) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await mock_config_entry.start_reconfigure_flow(hass)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "reconfigure"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {bulutfon_api.API_TOKEN: fake.BROKEN_TOKEN}
    )
    assert result["errors"] == {"base": "cannot_connect"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {bulutfon_api.API_TOKEN: fake.VALID_TOKEN}
    )
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "reconfigure_successful"
    assert mock_config_entry.data[bulutfon_api.API_TOKEN] == fake.VALID_TOKEN

    result = await mock_config_entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {})
    assert result["reason"] == "reconfigure_successful"
    assert bulutfon_api.API_TOKEN not in mock_config_entry.data
    assert mock_config_entry.data[CONF_WEBHOOK_ID] == WEBHOOK_ID


@pytest.mark.usefixtures("external_url")
async def test_options(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    mock_config_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["step_id"] == "init"
    assert result["description_placeholders"]["webhook_url"] == f"{EXTERNAL_URL}/api/webhook/{WEBHOOK_ID}"

    new_options: dict[str, Any] = {
        CONF_COUNTRY: "DE",
        CONF_BASIC_AUTH_USERNAME: "user",
    }
    result = await hass.config_entries.options.async_configure(result["flow_id"], new_options)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "basic_auth_incomplete"}

    new_options[CONF_BASIC_AUTH_PASSWORD] = "password"
    result = await hass.config_entries.options.async_configure(result["flow_id"], new_options)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    # The retention options get their defaults (90 days, 200 files of each kind).
    assert mock_config_entry.options == {**new_options, "retention_days": 90, "retention_count": 200}
    # From 2025.8 the options flow reloads the entry: let that finish within the test.
    await hass.async_block_till_done()


async def test_options_show_the_cloudhook(hass: HomeAssistant, mock_config_entry: MockConfigEntry) -> None:
    entry = entry_variant(mock_config_entry, data={CONF_CLOUDHOOK_URL: CLOUDHOOK_URL})
    entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(entry.entry_id)
    assert result["description_placeholders"]["webhook_url"] == CLOUDHOOK_URL


BULKGATE_INPUT = {
    bulkgate_api.APPLICATION_ID: fake_bulkgate.APPLICATION_ID,
    bulkgate_api.APPLICATION_TOKEN: fake_bulkgate.APPLICATION_TOKEN,
    bulkgate_api.SENDER_ID: "system",
    CONF_COUNTRY: "CZ",
}


@pytest.mark.usefixtures("external_url")
async def test_bulkgate(hass: HomeAssistant, bulkgate_api_url: fake_bulkgate.FakeBulkGate) -> None:
    result = await provider_form(hass, "bulkgate")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**BULKGATE_INPUT, bulkgate_api.APPLICATION_ID: " 12345 "}
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "BulkGate 12345"
    data = result["data"]
    assert {
        key: data[key]
        for key in (
            CONF_PROVIDER,
            bulkgate_api.APPLICATION_ID,
            bulkgate_api.APPLICATION_TOKEN,
            bulkgate_api.SENDER_ID,
        )
    } == {
        CONF_PROVIDER: "bulkgate",
        bulkgate_api.APPLICATION_ID: "12345",
        bulkgate_api.APPLICATION_TOKEN: fake_bulkgate.APPLICATION_TOKEN,
        bulkgate_api.SENDER_ID: "system",
    }
    assert bulkgate_api.SENDER_ID_VALUE not in data
    assert result["options"] == {CONF_COUNTRY: "CZ"}
    assert result["description"] == "bulkgate"
    assert result["description_placeholders"]["webhook_url"].startswith(f"{EXTERNAL_URL}/api/webhook/")
    assert result["result"].unique_id == "bulkgate_12345"
    assert bulkgate_api_url.info_requests == 1


@pytest.mark.usefixtures("external_url", "bulkgate_api_url")
async def test_bulkgate_errors_and_recovery(hass: HomeAssistant) -> None:
    result = await provider_form(hass, "bulkgate")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**BULKGATE_INPUT, bulkgate_api.APPLICATION_TOKEN: "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert result["description_placeholders"]["reason"] == "authentication_failed"
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**BULKGATE_INPUT, bulkgate_api.SENDER_ID: "text"}
    )
    assert result["errors"] == {bulkgate_api.SENDER_ID_VALUE: "sender_value_required"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"],
        {**BULKGATE_INPUT, bulkgate_api.SENDER_ID: "text", bulkgate_api.SENDER_ID_VALUE: "Home"},
    )
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["data"][bulkgate_api.SENDER_ID_VALUE] == "Home"


@pytest.mark.usefixtures("external_url", "bulkgate_api_url")
async def test_failed_attempt_does_not_block_a_new_one(hass: HomeAssistant) -> None:
    """A form left with an error (the page reloaded) must not keep the account 'in progress'."""
    abandoned = await provider_form(hass, "bulkgate")
    abandoned = await hass.config_entries.flow.async_configure(
        abandoned["flow_id"], {**BULKGATE_INPUT, bulkgate_api.APPLICATION_TOKEN: "wrong"}
    )
    assert abandoned["errors"] == {"base": "invalid_auth"}
    result = await provider_form(hass, "bulkgate")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], BULKGATE_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["result"].unique_id == "bulkgate_12345"


async def test_bulkgate_duplicate(hass: HomeAssistant, bulkgate_entry: MockConfigEntry) -> None:
    bulkgate_entry.add_to_hass(hass)
    result = await provider_form(hass, "bulkgate")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], BULKGATE_INPUT)
    assert result["type"] is FlowResultType.ABORT
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("bulkgate_api_url")
async def test_bulkgate_reauth(hass: HomeAssistant, bulkgate_entry: MockConfigEntry) -> None:
    entry = entry_variant(bulkgate_entry, data={bulkgate_api.APPLICATION_TOKEN: "revoked"})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert result["step_id"] == "reauth_confirm"
    assert list(result["data_schema"].schema) == [bulkgate_api.APPLICATION_TOKEN]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {bulkgate_api.APPLICATION_TOKEN: "still-wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {bulkgate_api.APPLICATION_TOKEN: fake_bulkgate.APPLICATION_TOKEN}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data[bulkgate_api.APPLICATION_TOKEN] == fake_bulkgate.APPLICATION_TOKEN
    assert entry.data[bulkgate_api.APPLICATION_ID] == fake_bulkgate.APPLICATION_ID


@pytest.mark.usefixtures("bulkgate_api_url")
async def test_bulkgate_reconfigure_sender(hass: HomeAssistant, bulkgate_entry: MockConfigEntry) -> None:
    bulkgate_entry.add_to_hass(hass)
    result = await bulkgate_entry.start_reconfigure_flow(hass)
    assert result["step_id"] == "reconfigure"
    user_input = {
        bulkgate_api.APPLICATION_TOKEN: fake_bulkgate.APPLICATION_TOKEN,
        bulkgate_api.SENDER_ID: "own",
    }
    result = await hass.config_entries.flow.async_configure(result["flow_id"], user_input)
    assert result["errors"] == {bulkgate_api.SENDER_ID_VALUE: "sender_value_required"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**user_input, bulkgate_api.SENDER_ID_VALUE: "420777777777"}
    )
    assert result["reason"] == "reconfigure_successful"
    assert bulkgate_entry.data[bulkgate_api.SENDER_ID] == "own"
    assert bulkgate_entry.data[bulkgate_api.SENDER_ID_VALUE] == "420777777777"
    assert bulkgate_entry.data[bulkgate_api.APPLICATION_ID] == fake_bulkgate.APPLICATION_ID


async def test_bulkgate_options(hass: HomeAssistant, bulkgate_entry: MockConfigEntry) -> None:
    """Contacts and recipients are subentries now: the options keep the country only."""
    bulkgate_entry.add_to_hass(hass)
    result = await hass.config_entries.options.async_init(bulkgate_entry.entry_id)
    assert [str(key) for key in result["data_schema"].schema] == [CONF_COUNTRY]
    result = await hass.config_entries.options.async_configure(result["flow_id"], {CONF_COUNTRY: "SK"})
    assert result["type"] is FlowResultType.CREATE_ENTRY


NETGSM_INPUT = {"usercode": fake_netgsm.USERCODE, "password": fake_netgsm.PASSWORD, CONF_COUNTRY: "TR"}


@pytest.mark.usefixtures("external_url")
async def test_netgsm(hass: HomeAssistant, netgsm_api_url: fake_netgsm.FakeNetgsm) -> None:
    result = await provider_form(hass, "netgsm")
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {**NETGSM_INPUT, "password": "wrong"}
    )
    assert result["errors"] == {"base": "invalid_auth"}
    assert "code 30" in result["description_placeholders"]["reason"]
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NETGSM_INPUT)
    assert result["type"] is FlowResultType.CREATE_ENTRY
    assert result["title"] == "Netgsm 8500000000"
    assert result["data"]["usercode"] == fake_netgsm.USERCODE
    assert result["data"]["password"] == fake_netgsm.PASSWORD
    assert result["options"] == {CONF_COUNTRY: "TR"}
    assert result["description"] == "netgsm"
    assert result["result"].unique_id == "netgsm_8500000000"


async def test_netgsm_duplicate(hass: HomeAssistant, netgsm_entry: MockConfigEntry) -> None:
    netgsm_entry.add_to_hass(hass)
    result = await provider_form(hass, "netgsm")
    result = await hass.config_entries.flow.async_configure(result["flow_id"], NETGSM_INPUT)
    assert result["reason"] == "already_configured"


@pytest.mark.usefixtures("netgsm_api_url")
async def test_netgsm_reauth_and_reconfigure(hass: HomeAssistant, netgsm_entry: MockConfigEntry) -> None:
    entry = entry_variant(netgsm_entry, data={"password": "old"})
    entry.add_to_hass(hass)
    result = await entry.start_reauth_flow(hass)
    assert list(result["data_schema"].schema) == ["password"]
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": fake_netgsm.PASSWORD}
    )
    assert result["reason"] == "reauth_successful"
    assert entry.data["password"] == fake_netgsm.PASSWORD
    result = await entry.start_reconfigure_flow(hass)
    result = await hass.config_entries.flow.async_configure(result["flow_id"], {"password": "bad"})
    assert result["errors"] == {"base": "invalid_auth"}
    result = await hass.config_entries.flow.async_configure(
        result["flow_id"], {"password": fake_netgsm.PASSWORD}
    )
    assert result["reason"] == "reconfigure_successful"
