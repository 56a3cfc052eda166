"""Cloud Telephony: calls, faxes, SMS and voice messages of cloud telephony accounts."""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from datetime import timedelta
from pathlib import Path
from typing import Any

from homeassistant.config_entries import SIGNAL_CONFIG_ENTRY_CHANGED, ConfigEntry, ConfigEntryChange
from homeassistant.const import CONF_WEBHOOK_ID, EVENT_HOMEASSISTANT_FINAL_WRITE, Platform
from homeassistant.core import Event, HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers import config_validation as cv
from homeassistant.helpers.aiohttp_client import async_get_clientsession
from homeassistant.helpers.dispatcher import async_dispatcher_connect
from homeassistant.helpers.start import async_at_started
from homeassistant.helpers.typing import ConfigType

from .api import (
    BALANCE,
    DELIVERY_POLLING,
    INBOX,
    MEDIA,
    PROVIDERS,
    RESULT_POLLING,
    TelephonyClient,
    TelephonyEvent,
)
from .const import (
    CONF_CLOUDHOOK_URL,
    CONF_MEDIA_FOLDER,
    CONF_POLL_INTERVAL,
    CONF_PROVIDER,
    DEFAULT_INBOX_INTERVAL,
    DOMAIN,
    LOGGER,
)
from .coordinator import BalanceCoordinator
from .data import TelephonyConfigEntry, TelephonyData, client_with
from .deliveries import DeliveryPoller
from .downloads import MediaDownloader
from .errors import provider_errors
from .hub import DATA_HUB, TelephonyHub
from .inbox import InboxPoller
from .media import MediaLibrary, default_folder
from .pbx import async_start_pbx
from .pipeline import async_accept_events, async_fire_in_doubt
from .public_url import async_delete_cloudhook, async_delete_public_url_issue, async_watch_public_url
from .services import async_setup_services
from .store import StoreUnavailableError
from .subentries import async_move_people_to_subentries
from .webhook import async_register_webhook, async_unregister_webhook

PLATFORMS: list[Platform] = [
    Platform.BINARY_SENSOR,
    Platform.BUTTON,
    Platform.EVENT,
    Platform.IMAGE,
    Platform.NOTIFY,
    Platform.SENSOR,
    Platform.SWITCH,
]
CONFIG_SCHEMA = cv.config_entry_only_config_schema(DOMAIN)


async def async_setup(hass: HomeAssistant, config: ConfigType) -> bool:
    """Answer every account's webhook at once, then open the history; register the actions.

    Home Assistant's HTTP server runs before integrations are set up, and answers posts for a
    webhook nobody registered with an empty 200: the sooner ours are registered, the fewer posts
    are lost that way. Until the history is open, posts wait for it (or get a 503).
    """
    hub = hass.data[DATA_HUB] = TelephonyHub(hass)
    entries = hass.config_entries.async_entries(DOMAIN, include_ignore=False, include_disabled=False)
    for entry in entries:
        async_register_webhook(hass, entry)
    LOGGER.debug("Webhooks of %s accounts registered", len(entries))

    async def stop(_event: Event) -> None:
        await hub.async_stop()

    # After the HTTP server stopped taking posts (at EVENT_HOMEASSISTANT_STOP).
    hass.bus.async_listen_once(EVENT_HOMEASSISTANT_FINAL_WRITE, stop)

    @callback
    def end_disabled(_change: ConfigEntryChange, entry: ConfigEntry) -> None:
        """Stop taking posts and waiting for calls for a disabled entry.

        Here, not in `async_unload_entry`: Home Assistant unloads nothing of an entry that was
        retrying its setup when it is disabled.
        """
        if entry.domain == DOMAIN and entry.disabled_by is not None:
            async_unregister_webhook(hass, entry.entry_id)
            hub.async_end_call_tracking(entry.entry_id)

    async_dispatcher_connect(hass, SIGNAL_CONFIG_ENTRY_CHANGED, end_disabled)
    await hub.async_start()
    # Automations are set up by then: events recorded but not fired before a crash fire now
    # (a callback: a plain function would be run in an executor thread).
    async_at_started(hass, async_fire_in_doubt)
    async_setup_services(hass)
    return True


async def async_setup_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Check the account and start its polling; its webhook already takes posts."""
    hub = hass.data[DATA_HUB]
    async_register_webhook(hass, entry)
    hub.refresh_settings(entry)
    provider = PROVIDERS[entry.data[CONF_PROVIDER]]
    # The device exists before the platforms load, so the first event already carries its id.
    device_id = hub.device_id(entry)
    client = provider.create_client(async_get_clientsession(hass), entry.data)
    balance: BalanceCoordinator | None = None
    if (balance_client := client_with(provider, client, BALANCE)) is not None:
        # The first balance fetch doubles as the credential check.
        balance = BalanceCoordinator(hass, entry, balance_client, provider.brand)
        await balance.async_config_entry_first_refresh()
    elif client is not None:
        await _async_check_credentials(hass, client, provider.brand)
    history = hub.history(entry.entry_id)
    calls = hub.call_tracker(entry)
    entry.runtime_data = TelephonyData(
        hub=hub,
        provider=provider,
        client=client,
        history=history,
        device_id=device_id,
        calls=calls,
        balance=balance,
    )

    async def accept(events: list[TelephonyEvent]) -> None:
        try:
            await async_accept_events(hass, entry, events)
        except StoreUnavailableError as err:
            # Fetched again at the next poll: the report keeps the outcomes of pending calls.
            LOGGER.warning("Could not record what %s reported: %s", provider.brand, err)

    async def record(events: list[TelephonyEvent]) -> None:
        """Accept what a poll found; raise if it cannot be recorded, so that the poll asks again."""
        try:
            await async_accept_events(hass, entry, events)
        except StoreUnavailableError as err:
            raise HomeAssistantError(
                translation_domain=DOMAIN,
                translation_key="history_unavailable",
                translation_placeholders={"provider": provider.brand, "reason": str(err)},
            ) from err

    if (inbox_client := client_with(provider, client, INBOX)) is not None:
        seconds = entry.options.get(CONF_POLL_INTERVAL, DEFAULT_INBOX_INTERVAL.total_seconds())
        inbox = InboxPoller(hass, entry, inbox_client, timedelta(seconds=seconds), record)
        entry.runtime_data.inbox = inbox
        await inbox.async_start()
    if (delivery_client := client_with(provider, client, DELIVERY_POLLING)) is not None:
        seconds = entry.options.get(CONF_POLL_INTERVAL, DEFAULT_INBOX_INTERVAL.total_seconds())
        deliveries = DeliveryPoller(hass, entry, delivery_client, timedelta(seconds=seconds), record)
        entry.runtime_data.deliveries = deliveries
        await deliveries.async_start()
    # Before the first polls: a message they find fetches its recording too.
    if (media_client := client_with(provider, client, MEDIA)) is not None:
        folder = entry.options.get(CONF_MEDIA_FOLDER) or default_folder(hass, entry.entry_id)
        library = MediaLibrary(hass, Path(folder))
        entry.runtime_data.media = MediaDownloader(hass, entry, media_client, library, record)
        entry.runtime_data.media.async_start()
    await async_start_pbx(hass, entry, client, record)
    entry.async_on_unload(entry.add_update_listener(_async_reload_on_change(entry)))
    await hass.config_entries.async_forward_entry_setups(entry, PLATFORMS)
    async_watch_public_url(hass, entry)
    # Last: a setup that fails leaves polling paused (nothing unloads it then, and its client
    # would be the failed setup's).
    if (poller := client_with(provider, client, RESULT_POLLING)) is not None:
        calls.set_poller(poller, accept, provider.result_poll_interval)
    calls.async_resume()
    # A reload only pauses it: an action waiting for a call's outcome goes on waiting.
    entry.async_on_unload(calls.async_pause)
    return True


async def _async_check_credentials(hass: HomeAssistant, client: TelephonyClient, brand: str) -> None:
    with provider_errors(hass, brand, ConfigEntryNotReady, "cannot_connect"):
        await client.async_validate()


def _async_reload_on_change(
    entry: TelephonyConfigEntry,
) -> Callable[[HomeAssistant, TelephonyConfigEntry], Coroutine[Any, Any, None]]:
    """Return an update listener that reloads when the data, options or subentries changed.

    The one way an entry is set up again after a change (the options flow, reauthentication,
    reconfiguration and the subentry flows only store it); what else updates an entry (its
    title, a cloudhook created later) does not reload it.
    """
    at_setup = _settings_of(entry)

    async def reload_on_change(hass: HomeAssistant, updated: TelephonyConfigEntry) -> None:
        if _settings_of(updated) != at_setup:
            hass.config_entries.async_schedule_reload(updated.entry_id)

    return reload_on_change


def _settings_of(entry: TelephonyConfigEntry) -> tuple[dict[str, Any], ...]:
    # A cloudhook stored while an action runs (Cloud turned on later) changes nothing to reload for.
    data = {key: value for key, value in entry.data.items() if key != CONF_CLOUDHOOK_URL}
    subentries = {key: (sub.title, dict(sub.data)) for key, sub in entry.subentries.items()}
    return data, dict(entry.options), subentries


async def async_migrate_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Bring an entry stored by an older version to today's shape; refuse one from a newer version."""
    if entry.version > 1:
        return False
    if entry.minor_version < 2:
        upgrade = PROVIDERS[entry.data[CONF_PROVIDER]].upgrade_data
        data = upgrade(entry.data) if upgrade is not None else dict(entry.data)
        hass.config_entries.async_update_entry(entry, data=data, minor_version=2)
    if entry.minor_version < 3:
        async_move_people_to_subentries(hass, entry)
    return True


async def async_unload_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> bool:
    """Stop polling; the webhook goes on taking posts (into the history).

    A disabled entry's webhook and calls end in `async_setup`'s `end_disabled`.
    """
    return await hass.config_entries.async_unload_platforms(entry, PLATFORMS)


async def async_remove_entry(hass: HomeAssistant, entry: TelephonyConfigEntry) -> None:
    """Stop the webhook; delete the cloudhook and the stored history of a removed account."""
    # No hub when every entry was disabled at start-up (the integration was not set up then).
    hub = hass.data.get(DATA_HUB)
    if hub is not None:
        async_unregister_webhook(hass, entry.entry_id)
        # Before the cloud is asked: waiting actions and escalations end now.
        hub.async_end_call_tracking(entry.entry_id)
    if entry.data.get(CONF_CLOUDHOOK_URL) and not await async_delete_cloudhook(
        hass, entry.data[CONF_WEBHOOK_ID]
    ):
        LOGGER.warning("Could not delete the Home Assistant Cloud webhook of %s", entry.title)
    if hub is not None:
        await hub.async_remove_entry(entry.entry_id)
    async_delete_public_url_issue(hass, entry.entry_id)
