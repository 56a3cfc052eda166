"""The last fax received, as a picture (its first page) for a dashboard's picture card."""

from __future__ import annotations

from typing import Any

from homeassistant.components.image import ImageEntity, ImageEntityDescription
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.entity_platform import AddConfigEntryEntitiesCallback
from homeassistant.util import dt as dt_util

from .api import EventType, MediaKind
from .const import LOGGER
from .data import TelephonyConfigEntry
from .downloads import MediaDownloader
from .entity import TelephonyEventListener
from .media import StoredMedia
from .rendering import first_page_png

# Fed by the entry's media_saved events.
PARALLEL_UPDATES = 0

LAST_FAX_IMAGE = ImageEntityDescription(key="last_fax_image", translation_key="last_fax_image")


async def async_setup_entry(
    hass: HomeAssistant,
    entry: TelephonyConfigEntry,
    async_add_entities: AddConfigEntryEntitiesCallback,
) -> None:
    """Add the picture where the account's faxes are fetched."""
    media = entry.runtime_data.media
    if media is not None and EventType.INCOMING_FAX in entry.runtime_data.provider.event_types:
        async_add_entities([LastFaxImage(hass, entry, media)])


class LastFaxImage(TelephonyEventListener, ImageEntity):
    """The first page of the newest stored fax, as PNG."""

    _attr_content_type = "image/png"

    def __init__(self, hass: HomeAssistant, entry: TelephonyConfigEntry, media: MediaDownloader) -> None:
        """Follow the stored files of the account."""
        super().__init__(entry, LAST_FAX_IMAGE, (EventType.MEDIA_SAVED,), hass=hass)
        self._library = media.library
        self._fax: StoredMedia | None = None
        self._png: tuple[str, bytes] | None = None

    async def async_added_to_hass(self) -> None:
        """Show the newest fax already stored."""
        await super().async_added_to_hass()
        faxes = await self._library.async_list(MediaKind.FAX)
        if faxes:
            self._show(faxes[0])

    @callback
    def _async_handle_event(self, data: dict[str, Any]) -> None:
        if data.get("kind") != MediaKind.FAX:
            return
        name = str(data.get("media_content_id", "")).rsplit("/", 1)[-1]
        self._entry.async_create_background_task(
            self.hass, self._async_show_stored(name), f"{self.entity_id} show a new fax"
        )

    async def _async_show_stored(self, name: str) -> None:
        faxes = await self._library.async_list(MediaKind.FAX)
        if (fax := next((item for item in faxes if item.name == name), None)) is not None:
            self._show(fax)
            self.async_write_ha_state()

    def _show(self, fax: StoredMedia) -> None:
        self._fax = fax
        self._attr_image_last_updated = dt_util.parse_datetime(fax.saved_at)
        self._attr_extra_state_attributes = {
            "caller": fax.caller,
            "caller_name": fax.caller_name,
            "occurred_at": fax.occurred_at,
        }

    async def async_image(self) -> bytes | None:
        """Return the first page as PNG (rendered once per fax)."""
        fax = self._fax
        if fax is None:
            return None
        if self._png is not None and self._png[0] == fax.name:
            return self._png[1]
        path = self._library.file_path(MediaKind.FAX, fax.name)
        try:
            png = await self.hass.async_add_executor_job(first_page_png, path)
        except (OSError, ValueError) as err:
            LOGGER.warning("Cannot show the fax %s of %s: %s", fax.name, self._entry.title, err)
            return None
        self._png = (fax.name, png)
        return png
