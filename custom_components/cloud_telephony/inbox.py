"""The SMS inbox poll: messages newer than the persisted cursor become events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from homeassistant.core import HomeAssistant
from homeassistant.exceptions import HomeAssistantError

from .api import InboxClient, TelephonyEvent
from .calls import EventSink
from .data import TelephonyConfigEntry
from .errors import provider_errors
from .polling import IntervalPoller

# How far before the newest message seen a message still counts as news when its identity is new:
# more than the hour that daylight saving time repeats.
INBOX_LOOK_BACK: Final = timedelta(hours=2)


class InboxPoller(IntervalPoller):
    """Reads an SMS inbox at an interval; its past (what is there at the first read) is not news."""

    subject = "the inbox"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: InboxClient,
        interval: timedelta,
        sink: EventSink,
    ) -> None:
        """Poll the inbox at the interval the options set."""
        super().__init__(hass, entry, interval, sink)
        self._client = client

    async def _async_read(self, failure: type[HomeAssistantError]) -> None:
        runtime = self._entry.runtime_data
        region = runtime.settings(self._hass, self._entry).region
        with provider_errors(self._hass, runtime.provider.brand, failure, "inbox_failed"):
            events = await self._client.async_fetch_incoming_sms(region)
        history = runtime.history
        cursor = history.cursor
        stamped = [(_stamp(event), event) for event in events]
        since = cursor[0] if cursor else ""
        newest = max([since, *(stamp for stamp, _ in stamped if stamp is not None)])
        if cursor is not None:
            await self._sink(_news(stamped, since, set(cursor[1:])))
        # Only once what is news is recorded (a failed write raises): the next poll asks again.
        # The identities of the messages in the look-back window: all of them at the first poll
        # (the inbox's past is not news), afterwards also the ones that are news now.
        window_start = _minus(newest, INBOX_LOOK_BACK)
        history.set_cursor(
            [
                newest,
                *(event.dedupe_key for stamp, event in stamped if stamp is not None and stamp > window_start),
            ]
        )


def _news(
    stamped: list[tuple[str | None, TelephonyEvent]], since: str, seen: set[str]
) -> list[TelephonyEvent]:
    """Return the messages that are news against a cursor (its newest time, the identities it saw)."""
    window_before = _minus(since, INBOX_LOOK_BACK)
    remembered = [stamp for stamp, event in stamped if stamp is not None and event.dedupe_key in seen]
    if seen and not remembered and any(stamp and window_before < stamp <= since for stamp, _ in stamped):
        # Messages the cursor has seen, none by a remembered identity: the provider's identities
        # changed (a new version of the integration). Only what is newer is news.
        return [event for stamp, event in stamped if stamp is None or stamp > since]
    # Not only what is newer than the newest message seen: a message within the look-back window
    # before it is news too when its identity is new (in an inbox kept in local time, in the hour
    # repeated when daylight saving time ends a later message looks older).
    return [
        event
        for stamp, event in stamped
        if stamp is None or (stamp > window_before and event.dedupe_key not in seen)
    ]


def _minus(stamp: str, span: timedelta) -> str:
    """Return a cursor time moved back by a span (the empty cursor stays empty)."""
    return (datetime.fromisoformat(stamp) - span).isoformat() if stamp else ""


def _stamp(event: TelephonyEvent) -> str | None:
    """Return a sortable UTC time of the event (Israel's offset changes with daylight saving)."""
    return None if event.occurred_at is None else event.occurred_at.astimezone(UTC).isoformat()
