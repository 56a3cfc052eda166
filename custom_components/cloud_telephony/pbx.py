"""A PBX's live state: its SIP phones, the queues and voicemail boxes the options name, its listing.

Each is polled on its own, at the interval the options set. None of them is a condition of the
entry's setup: what the PBX refuses (no SIP on the server, no listing service, a path that is not
a queue) is left out or unavailable with its reason, and the rest of the account works.
"""

from __future__ import annotations

from typing import Any

from homeassistant.core import HomeAssistant

from .api import (
    DIRECTORY_LISTING,
    PHONES,
    QUEUES,
    VOICEMAIL,
    FeatureUnavailableError,
    TelephonyClient,
    TelephonyError,
)
from .calls import EventSink
from .const import (
    CONF_PHONES_INTERVAL,
    CONF_QUEUES,
    CONF_QUEUES_INTERVAL,
    CONF_VOICEMAIL_BOXES,
    CONF_VOICEMAIL_INTERVAL,
    DEFAULT_PHONES_INTERVAL,
    DEFAULT_QUEUES_INTERVAL,
    DEFAULT_VOICEMAIL_INTERVAL,
    LOGGER,
)
from .data import TelephonyConfigEntry, client_with, configured_paths, interval
from .items import PathsCoordinator, async_remove_devices_except
from .listing import DirectoryListingCoordinator
from .phones import PhonesCoordinator
from .queues import QueuesCoordinator
from .voicemail import VoicemailCoordinator


async def async_start_pbx(
    hass: HomeAssistant, entry: TelephonyConfigEntry, client: TelephonyClient | None, sink: EventSink
) -> None:
    """Start polling what the provider offers of a PBX's state; remove devices of parts gone."""
    provider = entry.runtime_data.provider
    options = entry.options
    phones_interval = interval(options, CONF_PHONES_INTERVAL, DEFAULT_PHONES_INTERVAL)
    runtime = entry.runtime_data
    if (phones_client := client_with(provider, client, PHONES)) is not None:
        phones = PhonesCoordinator(hass, entry, phones_client, phones_interval)
        runtime.phones = await _async_start_phones(entry, phones)
    queue_paths = configured_paths(provider, options.get(CONF_QUEUES))
    if (queues_client := client_with(provider, client, QUEUES)) is not None and queue_paths:
        queues_interval = interval(options, CONF_QUEUES_INTERVAL, DEFAULT_QUEUES_INTERVAL)
        runtime.queues = QueuesCoordinator(hass, entry, queues_client, queues_interval, queue_paths)
        await _async_start_paths(entry, runtime.queues)
    async_remove_devices_except(hass, entry, QueuesCoordinator.kind, queue_paths)
    folder_paths = configured_paths(provider, options.get(CONF_VOICEMAIL_BOXES))
    if (voicemail_client := client_with(provider, client, VOICEMAIL)) is not None and folder_paths:
        voicemail_interval = interval(options, CONF_VOICEMAIL_INTERVAL, DEFAULT_VOICEMAIL_INTERVAL)
        runtime.voicemail = VoicemailCoordinator(
            hass, entry, voicemail_client, voicemail_interval, folder_paths, sink
        )
        await _async_start_paths(entry, runtime.voicemail)
    async_remove_devices_except(hass, entry, VoicemailCoordinator.kind, folder_paths)
    if (listing_client := client_with(provider, client, DIRECTORY_LISTING)) is not None:
        listing = DirectoryListingCoordinator(hass, entry, listing_client, phones_interval)
        try:
            listing.async_set_updated_data(await listing_client.async_get_directory_listing())
        except FeatureUnavailableError as err:
            LOGGER.info("%s has no directory listing: no switch for it (%s)", entry.title, err)
        except TelephonyError:
            await listing.async_refresh()
            runtime.listing = listing
        else:
            runtime.listing = listing


async def _async_start_phones(
    entry: TelephonyConfigEntry, phones: PhonesCoordinator
) -> PhonesCoordinator | None:
    """Poll the PBX's SIP phones, unless it has none to offer (a server without SIP)."""
    try:
        found = await phones.client.async_get_phones()
    except FeatureUnavailableError:
        LOGGER.info("%s has no SIP phones on its server: none are shown", entry.title)
        return None
    except TelephonyError:
        # The coordinator says why and retries.
        await phones.async_refresh()
    else:
        phones.async_set_updated_data({phone.account_id: phone for phone in found})
    entry.async_on_unload(phones.async_add_listener(phones.async_remove_stale_devices))
    return phones


async def _async_start_paths(entry: TelephonyConfigEntry, coordinator: PathsCoordinator[Any]) -> None:
    await coordinator.async_refresh()
    entry.async_on_unload(coordinator.async_delete_issues)
