"""Cloud Telephony: calls, faxes, SMS and voice messages of cloud telephony accounts."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from typing import Any

from homeassistant.components import cloud
from homeassistant.const import CONF_WEBHOOK_ID, Platform
from homeassistant.core import HomeAssistant
from homeassistant.exceptions import ConfigEntryNotReady
from homeassistant.helpers import config_validation as cv, device_registry as dr
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.typing import ConfigType

from .api import (
    PROVIDERS,
    BalanceClient,
    InboxClient,
    ResultPollingClient,
    TelephonyClient,
    TelephonyEvent,
)
from .api.numbers import load_numbering_plans
from .calls import CallTracker
from .compat import OPTIONS_FLOW_RELOADS
from .const import CONF_CLOUDHOOK_URL, CONF_POLL_INTERVAL, CONF_PROVIDER, DOMAIN, LOGGER
from .coordinator import DEFAULT_INBOX_INTERVAL, BalanceCoordinator, InboxCoordinator
from .data import TelephonyConfigEntry, TelephonyData
from .entity import device_info
from .errors import provider_errors
from .history import EventHistory
from .services import async_setup_services
from .webhook import (
    async_delete_public_url_issue,
    async_process_events,
    async_register_webhook,
    async_unregister_webhook,
)

PLATFORMS: list[Platform] = [Platform.EVENT, Platform.NOTIFY, Platform.SENSOR]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Register the actions, once for all accounts; load the numbering plans off the event loop."""
    async_setup_services(hass)
    await hass.async_add_executor_job(load_numbering_plans)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Check the account, load its history, and start listening on its webhook."""
    provider = PROVIDERS[entry.data[CONF_PROVIDER]]
    client = provider.create_client(async_get_clientsession(hass), entry.data)
    balance: BalanceCoordinator | None = None
    if isinstance(client, BalanceClient):
        # The first balance fetch doubles as the credential check.
        balance = BalanceCoordinator(hass, entry, client, provider.brand)
        await balance.async_config_entry_first_refresh()
    elif client is not None:
        await _async_check_credentials(client, provider.brand)
    history = EventHistory(hass, entry.entry_id)
    await history.async_load()
    # The device exists before the platforms load, so the first event already carries its id.
    device = dr.async_get(hass).async_get_or_create(
        config_entry_id=entry.entry_id, **device_info(entry, provider)
    )
    calls = CallTracker(hass, history, lambda: entry.runtime_data.settings(hass, entry).region)
    entry.runtime_data = TelephonyData(
        provider=provider, client=client, history=history, device_id=device.id, calls=calls, balance=balance
    )
    if isinstance(client, ResultPollingClient):

        async def process_polled(events: list[TelephonyEvent]) -> None:
            async_process_events(hass, entry, events)

        calls.set_poller(client, process_polled)
    calls.async_resume()
    entry.async_on_unload(calls.async_shutdown)
    entry.async_on_unload(async_register_webhook(hass, entry))
    if isinstance(client, InboxClient):
        seconds = entry.options.get(CONF_POLL_INTERVAL, DEFAULT_INBOX_INTERVAL.total_seconds())
        inbox = InboxCoordinator(
            hass,
            entry,
            client,
            timedelta(seconds=seconds),
            lambda events: async_process_events(hass, entry, events),
        )
        entry.runtime_data.inbox = inbox
        await inbox.async_config_entry_first_refresh()
        # New messages reach the entities as events, not as coordinator updates; a coordinator
        # only keeps its schedule while something listens, so this listener keeps it running.
        entry.async_on_unload(inbox.async_add_listener(lambda: None))
    if not OPTIONS_FLOW_RELOADS:
        entry.async_on_unload(entry.add_update_listener(_async_reload_on_new_options(entry)))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    return True


async def _async_check_credentials(client: TelephonyClient, brand: str) -> None:
    with provider_errors(brand, ConfigEntryNotReady, "cannot_connect"):
        await client.async_validate()


def _async_reload_on_new_options(
    entry: TelephonyConfigEntry,
) -> Callable[[HomeAssistant, TelephonyConfigEntry], Coroutine[Any, Any, None]]:
    """Return an update listener that reloads only when the options changed (Home Assistant < 2025.8).

    Reauthentication and reconfiguration reload the entry themselves; comparing the options keeps
    those to a single reload.
    """
    options_at_setup = dict(entry.options)

    async def reload_on_new_options(hass: HomeAssistant, updated: TelephonyConfigEntry) -> None:
        if dict(updated.options) != options_at_setup:
            hass.config_entries.async_schedule_reload(updated.entry_id)

    return reload_on_new_options


async def async_migrate_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Bring an entry stored by an older version to today's shape; refuse one from a newer version."""
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        upgrade = PROVIDERS[entry.data[CONF_PROVIDER]].upgrade_data
        data = upgrade(entry.data) if upgrade is not None else dict(entry.data)
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Stop taking events, then write the history now rather than after the debounce."""
    unloaded = await hass.config_entries.async_unload_platforms(entry, PLATFORMS)
    if unloaded:
        # Before the last write: nothing may be acknowledged after it.
        async_unregister_webhook(hass, entry)
        entry.runtime_data.calls.async_shutdown()
        await entry.runtime_data.history.async_close()
    return unloaded


async def async_remove_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Delete the cloudhook and the stored history of a removed account."""
    if entry.data.get(CONF_CLOUDHOOK_URL) and "cloud" in hass.config.components:
        try:
            await cloud.async_delete_cloudhook(hass, entry.data[CONF_WEBHOOK_ID])
        except cloud.CloudNotAvailable:
            LOGGER.warning("Could not delete the Home Assistant Cloud webhook of %s", entry.title)
    await EventHistory(hass, entry.entry_id).async_remove()
    async_delete_public_url_issue(hass, entry.entry_id)
