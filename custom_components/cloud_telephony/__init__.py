"""Cloud Telephony: calls, faxes, SMS and voice messages of cloud telephony accounts."""

from __future__ import annotations

from homeassistant.components import cloud
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession

from .api import PROVIDERS, AuthError, TelephonyError
from .const import CONF_CLOUDHOOK_URL, CONF_PROVIDER, DOMAIN, LOGGER
from .data import TelephonyConfigEntry, TelephonyData
from .entity import device_info
from .history import EventHistory
from .webhook import async_register_webhook

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.SENSOR]


async def async_setup_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Check the account, load its history, and start listening on its webhook."""
    provider = PROVIDERS[entry.data[CONF_PROVIDER]]
    client = provider.create_client(async_get_clientsession(hass), entry.data)
    if client is not None:
        try:
            await client.async_validate()
        except AuthError as err:
            raise ConfigEntryAuthFailed(
                translation_domain=DOMAIN,
                translation_key="auth_failed",
                translation_placeholders={"provider": provider.brand, "reason": str(err)},
            ) from err
        except TelephonyError as err:
            raise ConfigEntryNotReady(
                translation_domain=DOMAIN,
                translation_key="cannot_connect",
                translation_placeholders={"provider": provider.brand, "reason": str(err)},
            ) from err
    history = EventHistory(hass, entry.entry_id)
    await history.async_load()
    # The device exists before the platforms load, so the first event already carries its id.
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(entry, provider)
    )
    entry.runtime_data = TelephonyData(provider=provider, client=client, history=history, device_id=device.id)
    entry.async_on_unload(async_register_webhook(hass, entry))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Stop listening and write the history now rather than after the debounce."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        await entry.runtime_data.history.async_flush()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Delete the cloudhook and the stored history of a removed account."""
    if entry.data.get(CONF_CLOUDHOOK_URL) and "cloud" in hass.config.components:
        try:
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
        except (cloud.CloudNotAvailable, cloud.CloudNotConnected):
            LOGGER.warning("Could not delete the Home Assistant Cloud webhook of %s", entry.title)
    await EventHistory(hass, entry.entry_id).async_remove()
