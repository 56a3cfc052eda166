"""The media browser's Cloud Telephony folder: per account its faxes, recordings and voicemail, newest first.

Identifiers: `<entry id>`, `<entry id>/<kind>`, `<entry id>/<kind>/<file name>`. The files are
played from Home Assistant's media folder they are stored in (`/media/local/…`).
"""

from __future__ import annotations

from homeassistant.components.media_player.const import MediaClass, MediaType
from homeassistant.components.media_player.errors import BrowseError
from homeassistant.components.media_source import (
    BrowseMediaSource,
    MediaSource,
    MediaSourceItem,
    PlayMedia,
    Unresolvable,
)
from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import MediaKind
from .const import DOMAIN
from .data import TelephonyConfigEntry
from .media import MediaLibrary, StoredMedia

_KIND_CLASSES = {
    MediaKind.FAX: MediaClass.IMAGE,
    MediaKind.RECORDING: MediaClass.MUSIC,
    MediaKind.VOICEMAIL: MediaClass.MUSIC,
}
# Folder titles; the media browser shows no translations of a source's folders.
_KIND_TITLES = {MediaKind.FAX: "Faxes", MediaKind.RECORDING: "Recordings", MediaKind.VOICEMAIL: "Voicemail"}


async def async_get_media_source(hass: HomeAssistant) -> MediaSource:
    """Return the integration's media source."""
    return TelephonyMediaSource(hass)


class TelephonyMediaSource(MediaSource):
    """Stored faxes, recordings and voicemail of every loaded account."""

    name = "Cloud Telephony"

    def __init__(self, hass: HomeAssistant) -> None:
        """Serve the accounts' media libraries."""
        super().__init__(DOMAIN)
        self.hass = hass

    def _libraries(self) -> dict[str, tuple[TelephonyConfigEntry, MediaLibrary]]:
        entries: list[TelephonyConfigEntry] = self.hass.config_entries.async_loaded_entries(DOMAIN)
        return {
            entry.entry_id: (entry, entry.runtime_data.media.library)
            for entry in entries
            if entry.runtime_data.media is not None
        }

    def _parse(self, identifier: str | None) -> tuple[str | None, MediaKind | None, str | None]:
        parts = (identifier or "").split("/") if identifier else []
        if len(parts) > 3:
            raise Unresolvable(f"Unknown item {identifier}")
        entry_id = parts[0] if parts else None
        try:
            kind = MediaKind(parts[1]) if len(parts) > 1 else None
        except ValueError as err:
            raise Unresolvable(f"Unknown kind of media {parts[1]}") from err
        return entry_id, kind, parts[2] if len(parts) > 2 else None

    async def async_resolve_media(self, item: MediaSourceItem) -> PlayMedia:
        """Return the stored file's address in Home Assistant's media view."""
        entry_id, kind, name = self._parse(item.identifier)
        library = self._libraries().get(entry_id or "", (None, None))[1]
        if library is None or kind is None or name is None:
            raise Unresolvable(f"Unknown item {item.identifier}")
        try:
            stored = {media.name: media for media in await library.async_list(kind)}.get(name)
        except ValueError as err:
            raise Unresolvable(str(err)) from err
        if stored is None:
            raise Unresolvable(f"No stored file {item.identifier}")
        shown, content_type = stored.viewed
        if (url := library.media_url(kind, shown)) is None:
            raise Unresolvable(f"No stored file {item.identifier}")
        return PlayMedia(url, content_type)

    async def async_browse_media(self, item: MediaSourceItem) -> BrowseMediaSource:
        """Return the accounts, an account's kinds, or a kind's files."""
        entry_id, kind, name = self._parse(item.identifier)
        libraries = self._libraries()
        if entry_id is None:
            children = [_folder(entry_id_, entry.title) for entry_id_, (entry, _lib) in libraries.items()]
            return _folder(None, self.name, children)
        if entry_id not in libraries or name is not None:
            raise BrowseError(f"Unknown item {item.identifier}")
        entry, library = libraries[entry_id]
        if kind is None:
            children = [_folder(f"{entry_id}/{kind_}", _KIND_TITLES[kind_]) for kind_ in MediaKind]
            return _folder(entry_id, entry.title, children)
        files = [_file(entry_id, media) for media in await library.async_list(kind)]
        return _folder(f"{entry_id}/{kind}", _KIND_TITLES[kind], files)


def _folder(
    identifier: str | None, title: str, children: list[BrowseMediaSource] | None = None
) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=identifier,
        media_class=MediaClass.DIRECTORY,
        media_content_type=MediaType.APP if identifier is None else "",
        title=title,
        can_play=False,
        can_expand=True,
        children=children,
        children_media_class=MediaClass.DIRECTORY if children is None else None,
    )


def _file(entry_id: str, media: StoredMedia) -> BrowseMediaSource:
    return BrowseMediaSource(
        domain=DOMAIN,
        identifier=f"{entry_id}/{media.kind}/{media.name}",
        media_class=_KIND_CLASSES[media.kind],
        media_content_type=media.viewed[1],
        title=title_of(media),
        can_play=True,
        can_expand=False,
    )


def title_of(media: StoredMedia) -> str:
    """Title a file by when it happened, who (contact name or number) and, for audio, how long."""
    moment = dt_util.parse_datetime(media.occurred_at or media.saved_at)
    when = dt_util.as_local(moment).strftime("%Y-%m-%d %H:%M") if moment else ""
    who = media.caller_name or media.caller or "unknown number"
    parts = [when, who]
    if media.duration is not None:
        minutes, seconds = divmod(media.duration, 60)
        parts.append(f"{minutes}:{seconds:02d}")
    return " · ".join(part for part in parts if part)
