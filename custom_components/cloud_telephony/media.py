"""The media library: files the providers' events announce, stored under Home Assistant's media folder.

One folder per account (default `<media>/cloud_telephony/<entry id>/`), one subfolder per kind
(faxes, recordings, voicemail). Each file has a JSON sidecar with what its title needs; files are
named by a digest of the provider's id, so the same file is never stored twice. All file access
runs in the executor.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, replace
from datetime import datetime, timedelta
import hashlib
import json
import mimetypes
import os
from pathlib import Path
from typing import Any, Final

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from .api import Download, MediaKind, MediaRef
from .const import DOMAIN, LOGGER
from .rendering import fax_pages_png

# Extensions for the content types providers answer with (mimetypes knows some only loosely).
_EXTENSIONS: Final = {
    "image/tiff": ".tiff",
    "application/pdf": ".pdf",
    "image/png": ".png",
    "audio/wav": ".wav",
    "audio/x-wav": ".wav",
    "audio/wave": ".wav",
    "audio/mpeg": ".mp3",
    "audio/ogg": ".ogg",
}
DEFAULT_RETENTION_DAYS: Final = 90
DEFAULT_RETENTION_COUNT: Final = 200


@dataclass(frozen=True, slots=True, kw_only=True)
class StoredMedia:
    """A stored file and what its title says."""

    kind: MediaKind
    name: str
    content_type: str
    size: int
    saved_at: str
    occurred_at: str | None = None
    caller: str | None = None
    caller_name: str | None = None
    duration: int | None = None
    call_id: str | None = None
    view_name: str | None = None
    """A copy browsers can show (a fax's pages as one PNG), beside the original."""

    @property
    def viewed(self) -> tuple[str, str]:
        """Return the file (name, content type) to play or show: the copy where there is one."""
        return (self.view_name, "image/png") if self.view_name else (self.name, self.content_type)

    @property
    def sort_key(self) -> str:
        """Newest first by when it happened, else by when it was stored (UTC, sortable)."""
        moment = self.occurred_at or self.saved_at
        parsed = dt_util.parse_datetime(moment)
        return dt_util.as_utc(parsed).isoformat() if parsed else moment


def default_folder(hass: HomeAssistant, entry_id: str) -> Path:
    """Return an account's folder under the first media folder (Home Assistant's `local` one)."""
    media_dirs = hass.config.media_dirs
    base = media_dirs.get("local") or next(iter(media_dirs.values()), None) or hass.config.path("media")
    return Path(base) / DOMAIN / entry_id


def media_dir_of(hass: HomeAssistant, folder: Path) -> tuple[str, Path] | None:
    """Return the media folder (its id and path) a folder lies in, or None: then it cannot be played."""
    resolved = _normalized(folder)
    for dir_id, path in hass.config.media_dirs.items():
        base = _normalized(Path(path))
        if resolved == base or base in resolved.parents:
            return dir_id, base
    return None


def _normalized(path: Path) -> Path:
    """Return the path absolute and without `..`, from the text alone (no disk access in the loop)."""
    return Path(os.path.normpath(os.path.abspath(path)))


class MediaLibrary:
    """An account's stored files."""

    def __init__(self, hass: HomeAssistant, folder: Path) -> None:
        """Keep files in `folder` (created at the first save)."""
        self._hass = hass
        self.folder = folder

    def file_path(self, kind: MediaKind, name: str) -> Path:
        """Return a stored file's path; refuse a name that would leave the kind's folder."""
        if not name or name != Path(name).name or name.startswith("."):
            raise ValueError(f"not a stored file: {name!r}")
        return self.folder / kind.value / name

    def media_url(self, kind: MediaKind, name: str) -> str | None:
        """Return the file's address in Home Assistant's media view (`/media/local/…`), if it has one."""
        found = media_dir_of(self._hass, self.folder)
        if found is None:
            return None
        dir_id, base = found
        relative = (_normalized(self.folder) / kind.value / name).relative_to(base)
        return f"/media/{dir_id}/{relative.as_posix()}"

    async def async_save(
        self, ref: MediaRef, download: Download, event: dict[str, Any]
    ) -> StoredMedia | None:
        """Store a file with what the announcing event says of it; None if it was stored before."""
        digest = hashlib.sha256(f"{ref.kind}:{ref.item_id}".encode()).hexdigest()[:16]
        content_type = download.content_type
        extension = _EXTENSIONS.get(content_type) or mimetypes.guess_extension(content_type) or ".bin"
        stored = StoredMedia(
            kind=ref.kind,
            name=digest + extension,
            content_type=content_type,
            size=len(download.content),
            saved_at=dt_util.utcnow().isoformat(),
            occurred_at=event.get("occurred_at"),
            caller=event.get("caller"),
            caller_name=event.get("caller_name"),
            duration=event.get("duration"),
            call_id=event.get("call_id"),
        )
        if ref.kind is MediaKind.FAX:
            stored = replace(stored, view_name=f"{digest}.pages.png")
        return await self._hass.async_add_executor_job(self._write, stored, download.content)

    def _write(self, stored: StoredMedia, content: bytes) -> StoredMedia | None:
        path = self.file_path(stored.kind, stored.name)
        sidecar = path.with_suffix(".json")
        if sidecar.exists():
            return None
        path.parent.mkdir(parents=True, exist_ok=True)
        files = [(path, content)]
        if stored.view_name:
            try:
                files.append((self.file_path(stored.kind, stored.view_name), fax_pages_png(content)))
            except ValueError as err:
                # The original is kept all the same; it is offered as it is.
                LOGGER.warning("Could not make a picture of the fax %s: %s", stored.name, err)
                stored = replace(stored, view_name=None)
        # Files first, sidecar last, each renamed into place: a listed file is always complete.
        for target, data in (*files, (sidecar, json.dumps(asdict(stored)).encode())):
            partial = target.with_name(f".{target.name}.part")
            partial.write_bytes(data)
            os.replace(partial, target)
        return stored

    async def async_list(self, kind: MediaKind) -> list[StoredMedia]:
        """Return the stored files of a kind, newest first."""
        return await self._hass.async_add_executor_job(self._list, kind)

    def _list(self, kind: MediaKind) -> list[StoredMedia]:
        found = []
        for sidecar in (self.folder / kind.value).glob("*.json"):
            try:
                fields = json.loads(sidecar.read_text(encoding="utf-8"))
                item = StoredMedia(**{**fields, "kind": MediaKind(fields["kind"])})
                present = self.file_path(kind, item.name).exists()
                if item.view_name:
                    self.file_path(kind, item.view_name)
            except (OSError, ValueError, TypeError, KeyError):
                # A sidecar that is not ours, or whose names leave the folder, is passed over.
                continue
            if present:
                found.append(item)
        return sorted(found, key=lambda item: item.sort_key, reverse=True)

    async def async_prune(self, max_age: timedelta, max_count: int) -> int:
        """Delete files stored longer than `max_age` ago, and beyond the newest `max_count` of a kind."""
        return await self._hass.async_add_executor_job(self._prune, dt_util.utcnow() - max_age, max_count)

    def _prune(self, cutoff: datetime, max_count: int) -> int:
        removed = 0
        for kind in MediaKind:
            for index, item in enumerate(self._list(kind)):
                saved = dt_util.parse_datetime(item.saved_at)
                if index >= max_count or (saved is not None and saved < cutoff):
                    path = self.file_path(kind, item.name)
                    path.with_suffix(".json").unlink(missing_ok=True)
                    path.unlink(missing_ok=True)
                    if item.view_name:
                        self.file_path(kind, item.view_name).unlink(missing_ok=True)
                    removed += 1
        return removed
