"""Where the webhook URL works only at home: said at setup, in the options, and by a repair."""

from __future__ import annotations

import pytest

from homeassistant.core import HomeAssistant
from homeassistant.core_config import async_process_ha_core_config
from homeassistant.data_entry_flow import FlowResultType
from homeassistant.helpers import issue_registry as ir
from pytest_homeassistant_custom_component.common import MockConfigEntry

from custom_components.cloud_telephony.const import DOMAIN
from tests.conftest import EXTERNAL_URL, SetupEntry


def _issue(hass: HomeAssistant, entry: MockConfigEntry) -> ir.IssueEntry | None:
    return ir.async_get(hass).async_get_issue(DOMAIN, f"no_public_url_{entry.entry_id}")


async def test_a_pasted_webhook_without_a_public_address_gets_a_repair_until_there_is_one(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    await setup_entry(mock_config_entry)
    await hass.async_block_till_done()
    issue = _issue(hass, mock_config_entry)
    assert issue is not None
    assert issue.translation_key == "no_public_url_pasted"
    assert issue.translation_placeholders == {"account": "Office PBX", "provider": "Bulutfon"}

    # As Settings > System > Network saves it.
    await hass.config.async_update(external_url=EXTERNAL_URL)
    await hass.async_block_till_done()
    assert _issue(hass, mock_config_entry) is None


@pytest.mark.usefixtures("external_url")
async def test_no_repair_with_a_public_address(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    await setup_entry(mock_config_entry)
    await hass.async_block_till_done()
    assert _issue(hass, mock_config_entry) is None


async def test_an_account_without_webhook_posts_never_gets_one(
    hass: HomeAssistant, yemot_entry: MockConfigEntry, setup_entry: SetupEntry, fake_yemot: object
) -> None:
    await setup_entry(yemot_entry)
    await hass.async_block_till_done()
    assert _issue(hass, yemot_entry) is None
    result = await hass.config_entries.options.async_init(yemot_entry.entry_id)
    assert result["errors"] == {}


async def test_the_options_say_the_url_is_local_only(
    hass: HomeAssistant, mock_config_entry: MockConfigEntry, setup_entry: SetupEntry
) -> None:
    await setup_entry(mock_config_entry)
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["type"] is FlowResultType.FORM
    assert result["errors"] == {"base": "webhook_local_only"}
    # A warning, not a refusal: the options can be saved.
    result = await hass.config_entries.options.async_configure(result["flow_id"], {"country": "TR"})
    assert result["type"] is FlowResultType.CREATE_ENTRY

    await async_process_ha_core_config(hass, {"external_url": EXTERNAL_URL})
    result = await hass.config_entries.options.async_init(mock_config_entry.entry_id)
    assert result["errors"] == {}
    assert result["description_placeholders"]["webhook_url"].startswith(EXTERNAL_URL)
