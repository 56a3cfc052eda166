"""Voicemail boxes the options name: messages counted, a new one a `voicemail_received` event.

Each poll sees a folder's count and its newest message. What the newest was is persisted per
folder, so that a message is announced once, also across restarts, and what a folder held when it
was first read is not news. A deleted message makes an older one the newest: not news either.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, timedelta
from typing import Any

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError
from homeassistant.helpers.update_coordinator import UpdateFailed

from .api import Direction, EventType, MessageFolder, StoredMessage, TelephonyEvent, VoicemailClient
from .calls import EventSink
from .data import TelephonyConfigEntry
from .items import PathsCoordinator


class VoicemailCoordinator(PathsCoordinator[MessageFolder]):
    """Reads each named folder; passes a new newest message to the event pipeline."""

    kind = "voicemail"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: VoicemailClient,
        interval: timedelta,
        paths: Sequence[str],
        sink: EventSink,
    ) -> None:
        """Poll the folders at the interval the options set."""
        super().__init__(hass, entry, interval, paths, client.async_get_message_folder)
        self.client = client
        self._sink = sink

    async def _async_update_data(self) -> dict[str, MessageFolder]:
        folders = await super()._async_update_data()
        runtime = self.config_entry.runtime_data
        history = runtime.history
        marks = {path: _mark(folder) for path, folder in folders.items()}
        news = [
            self._event(path, folder, newest, history.folder_mark(path))
            for path, folder in folders.items()
            if (newest := folder.newest) is not None and _is_news(newest, history.folder_mark(path))
        ]
        if news:
            try:
                await self._sink(news)
            except HomeAssistantError as err:
                # Not marked as seen: the next poll announces it.
                raise UpdateFailed(str(err)) from err
        for path, mark in marks.items():
            history.set_folder_mark(path, mark)
        return folders

    def _event(
        self, path: str, folder: MessageFolder, message: StoredMessage, mark: dict[str, Any] | None
    ) -> TelephonyEvent:
        runtime = self.config_entry.runtime_data
        before = (mark or {}).get("messages")
        added = folder.messages - before if folder.messages is not None and isinstance(before, int) else None
        return TelephonyEvent(
            type=EventType.VOICEMAIL_RECEIVED,
            provider=runtime.provider.id,
            dedupe_key=f"voicemail:{path}:{message.identity}",
            caller=runtime.settings(self.hass, self.config_entry).normalize(message.caller),
            direction=Direction.INBOUND,
            duration=message.duration,
            occurred_at=message.received_at,
            raw=message.raw,
            extra={
                "folder": path,
                "file_name": message.name,
                "file_path": message.path,
                "messages": folder.messages,
                # More than one when several arrived between two polls (only the newest is seen).
                "new_messages": max(added, 1) if added is not None else 1,
            },
        )


def _mark(folder: MessageFolder) -> dict[str, Any]:
    """Return what is remembered of a folder: its newest message, and the count."""
    newest = folder.newest
    return {
        "identity": newest.identity if newest else None,
        "name": newest.name if newest else None,
        "received_at": _utc(newest),
        "messages": folder.messages,
    }


def _is_news(newest: StoredMessage, mark: dict[str, Any] | None) -> bool:
    """Return whether the folder's newest message arrived since the last poll.

    Never at the first read; else a newest message other than the remembered one that is later
    (by time, and by name within the same minute, as the PBX numbers messages in order).
    """
    if mark is None or newest.identity == mark.get("identity"):
        return False
    if mark.get("identity") is None:
        return True
    received = _utc(newest)
    before = mark.get("received_at")
    if received is not None and isinstance(before, str) and received != before:
        return received > before
    return newest.name > str(mark.get("name") or "")


def _utc(message: StoredMessage | None) -> str | None:
    """Return when a message arrived as sortable text (UTC: the provider's offset changes with DST)."""
    if message is None or message.received_at is None:
        return None
    return message.received_at.astimezone(UTC).isoformat()
