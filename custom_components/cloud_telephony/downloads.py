"""Files the account's events announce: fetched in the background, stored, announced by `media_saved`.

Only the provider's client fetches, from its own API (the event names the file, never where to get
it). A failure is retried with growing pauses; a refusal (no such file for that account, no rights)
is not. Nothing here holds up the event that announced the file.
"""

from __future__ import annotations

import asyncio
from datetime import datetime, timedelta
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.dispatcher import async_dispatcher_connect

from .api import (
    AuthError,
    Direction,
    EventType,
    FeatureUnavailableError,
    MediaClient,
    MediaRef,
    NothingToFetchError,
    TelephonyError,
    TelephonyEvent,
)
from .calls import EventSink
from .const import CONF_RETENTION_COUNT, CONF_RETENTION_DAYS, DOMAIN, LOGGER
from .data import TelephonyConfigEntry, signal_event
from .media import DEFAULT_RETENTION_COUNT, DEFAULT_RETENTION_DAYS, MediaLibrary, StoredMedia

# Pauses before the 2nd, 3rd and 4th attempt: a provider may offer a file a little after its event.
RETRY_DELAYS: Final = (30.0, 120.0, 600.0)


class MediaDownloader:
    """Fetches what the entry's accepted events announce into its media library."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: MediaClient,
        library: MediaLibrary,
        sink: EventSink,
    ) -> None:
        """Fetch with the entry's client, store in its library, announce through the pipeline."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self.library = library
        self._sink = sink

    @callback
    def async_start(self) -> None:
        """Follow the entry's events (all its types but `media_saved`) while it is loaded."""
        for event_type in self._entry.runtime_data.provider.event_types - {EventType.MEDIA_SAVED}:
            self._entry.async_on_unload(
                async_dispatcher_connect(
                    self._hass, signal_event(self._entry.entry_id, event_type), self._async_on_event
                )
            )

    @callback
    def _async_on_event(self, data: dict[str, Any]) -> None:
        if (ref := self._client.media_of(data)) is not None and not data.get("test"):
            self._entry.async_create_background_task(
                self._hass, self.async_fetch(ref, data), f"{DOMAIN} fetch {ref.kind}"
            )

    async def async_fetch(self, ref: MediaRef, data: dict[str, Any]) -> StoredMedia | None:
        """Fetch, store and announce one file; None when it was stored before or could not be had."""
        brand = self._entry.runtime_data.provider.brand
        for attempt, delay in enumerate((0.0, *RETRY_DELAYS), start=1):
            await asyncio.sleep(delay)
            try:
                download = await self._client.async_download_media(ref)
            except NothingToFetchError as err:
                LOGGER.debug("No %s file to fetch for %s: %s", ref.kind, self._entry.title, err)
                return None
            except (AuthError, FeatureUnavailableError) as err:
                LOGGER.warning("%s refused the %s file of %s: %s", brand, ref.kind, self._entry.title, err)
                return None
            except TelephonyError as err:
                LOGGER.debug(
                    "Fetching a %s file of %s, attempt %s: %s", ref.kind, self._entry.title, attempt, err
                )
                last_error = err
                continue
            try:
                stored = await self.library.async_save(ref, download, data)
            except OSError as err:
                LOGGER.warning("Could not store a %s file of %s: %s", ref.kind, self._entry.title, err)
                return None
            if stored is not None:
                await self._async_announce(stored, data)
                await self._async_prune()
            return stored
        LOGGER.warning(
            "Could not fetch a %s file of %s from %s after %s attempts: %s",
            ref.kind,
            self._entry.title,
            brand,
            len(RETRY_DELAYS) + 1,
            last_error,
        )
        return None

    async def _async_announce(self, stored: StoredMedia, data: dict[str, Any]) -> None:
        occurred = data.get("occurred_at")
        direction = data.get("direction")
        event = TelephonyEvent(
            type=EventType.MEDIA_SAVED,
            provider=self._entry.runtime_data.provider.id,
            dedupe_key=f"media:{stored.kind}:{stored.name}",
            call_id=data.get("call_id"),
            caller=data.get("caller"),
            callee=data.get("callee"),
            direction=Direction(direction) if direction in set(Direction) else None,
            duration=data.get("duration"),
            occurred_at=datetime.fromisoformat(occurred) if isinstance(occurred, str) else None,
            extra={
                "kind": str(stored.kind),
                "media_content_id": f"media-source://{DOMAIN}/{self._entry.entry_id}/{stored.kind}/{stored.name}",
                "local_url": self.library.media_url(stored.kind, stored.name),
                # A fax as PDF where it came as TIFF, which browsers and phones do not show.
                "view_url": self.library.media_url(stored.kind, stored.viewed[0]),
                "content_type": stored.content_type,
                "size": stored.size,
                "original_type": data.get("type"),
            },
        )
        try:
            await self._sink([event])
        except HomeAssistantError as err:
            # The file is stored and listed; only its announcement is lost.
            LOGGER.warning(
                "Could not announce a stored %s file of %s: %s", stored.kind, self._entry.title, err
            )

    async def _async_prune(self) -> None:
        options = self._entry.options
        days = options.get(CONF_RETENTION_DAYS, DEFAULT_RETENTION_DAYS)
        count = options.get(CONF_RETENTION_COUNT, DEFAULT_RETENTION_COUNT)
        removed = await self.library.async_prune(timedelta(days=days), int(count))
        if removed:
            LOGGER.debug("Removed %s stored files of %s past their retention", removed, self._entry.title)
