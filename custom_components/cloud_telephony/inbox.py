"""The SMS inbox poll: messages newer than the persisted cursor become events.

A plain interval timer: no entity shows the poll's result (each message reaches the entities as
an event), so there is no coordinator data to hold.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.exceptions import ConfigEntryAuthFailed, ConfigEntryNotReady, HomeAssistantError
from homeassistant.helpers.event import async_track_time_interval

from .api import InboxClient, TelephonyEvent
from .calls import EventSink
from .const import LOGGER
from .data import TelephonyConfigEntry
from .errors import provider_errors

# How far before the newest message seen a message still counts as news when its identity is new:
# more than the hour that daylight saving time repeats.
INBOX_LOOK_BACK: Final = timedelta(hours=2)


class InboxPoller:
    """Reads an SMS inbox at an interval and passes what is new to the event pipeline."""

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: InboxClient,
        interval: timedelta,
        sink: EventSink,
    ) -> None:
        """Poll the inbox at the interval the options set."""
        self._hass = hass
        self._entry = entry
        self._client = client
        self._interval = interval
        self._sink = sink
        self._polling = False
        self.last_poll_succeeded = True

    async def async_start(self) -> None:
        """Read the inbox once (its past is not news), then at every interval.

        Raises ConfigEntryNotReady or ConfigEntryAuthFailed when the first read fails, so that
        the setup is retried or the credentials asked for again.
        """
        await self._async_read(ConfigEntryNotReady)
        self._entry.async_on_unload(
            async_track_time_interval(
                self._hass,
                self._async_tick,
                self._interval,
                name=f"cloud_telephony inbox {self._entry.title}",
            )
        )

    @callback
    def _async_tick(self, _now: datetime) -> None:
        # A slow provider must not stack polls up: the next tick waits for this one.
        if not self._polling:
            self._entry.async_create_background_task(self._hass, self.async_poll(), "cloud_telephony inbox")

    async def async_poll(self) -> bool:
        """Read the inbox now; a failure is logged once until a read succeeds again."""
        self._polling = True
        try:
            await self._async_read(HomeAssistantError)
        except ConfigEntryAuthFailed as err:
            LOGGER.warning("Reading the inbox of %s was refused: %s", self._entry.title, err)
            self._entry.async_start_reauth(self._hass)
            self.last_poll_succeeded = False
        except HomeAssistantError as err:
            if self.last_poll_succeeded:
                LOGGER.warning("Could not read the inbox of %s: %s", self._entry.title, err)
            self.last_poll_succeeded = False
        else:
            if not self.last_poll_succeeded:
                LOGGER.info("Reading the inbox of %s works again", self._entry.title)
            self.last_poll_succeeded = True
        finally:
            self._polling = False
        return self.last_poll_succeeded

    async def _async_read(self, failure: type[HomeAssistantError]) -> None:
        runtime = self._entry.runtime_data
        region = runtime.settings(self._hass, self._entry).region
        with provider_errors(runtime.provider.brand, failure, "inbox_failed"):
            events = await self._client.async_fetch_incoming_sms(region)
        history = runtime.history
        cursor = history.cursor
        stamped = [(_stamp(event), event) for event in events]
        since = cursor[0] if cursor else ""
        newest = max([since, *(stamp for stamp, _ in stamped if stamp is not None)])
        # The identities of the messages in the look-back window: all of them at the first poll
        # (the inbox's past is not news), afterwards also the ones that are news now.
        window_start = _minus(newest, INBOX_LOOK_BACK)
        history.set_cursor(
            [
                newest,
                *(event.dedupe_key for stamp, event in stamped if stamp is not None and stamp > window_start),
            ]
        )
        if cursor is None:
            return
        seen = set(cursor[1:])
        # Not only what is newer than the newest message seen: a message within the look-back
        # window before it is news too when its identity is new (in an inbox kept in local time,
        # in the hour repeated when daylight saving time ends a later message looks older).
        fresh = [
            event
            for stamp, event in stamped
            if stamp is None or (stamp > _minus(since, INBOX_LOOK_BACK) and event.dedupe_key not in seen)
        ]
        await self._sink(fresh)


def _minus(stamp: str, span: timedelta) -> str:
    """Return a cursor time moved back by a span (the empty cursor stays empty)."""
    return (datetime.fromisoformat(stamp) - span).isoformat() if stamp else ""


def _stamp(event: TelephonyEvent) -> str | None:
    """Return a sortable UTC time of the event (Israel's offset changes with daylight saving)."""
    return None if event.occurred_at is None else event.occurred_at.astimezone(UTC).isoformat()
