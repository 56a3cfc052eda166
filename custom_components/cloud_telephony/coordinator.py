"""Polled data: the account balance."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.update_coordinator import DataUpdateCoordinator, UpdateFailed

from .api import Balance, BalanceClient, InboxClient, TelephonyEvent
from .const import DOMAIN, LOGGER
from .data import TelephonyConfigEntry
from .errors import provider_errors

# Balances change with use, which the integration sees itself after each send; an hourly
# check catches top-ups and spending elsewhere.
BALANCE_INTERVAL = timedelta(hours=1)


class BalanceCoordinator(DataUpdateCoordinator[Balance]):
    """Fetches the remaining credit; also the setup-time credential check of such providers."""

    config_entry: TelephonyConfigEntry

    def __init__(
        self, hass: HomeAssistant, entry: TelephonyConfigEntry, client: BalanceClient, brand: str
    ) -> None:
        """Poll the client hourly."""
        super().__init__(
            hass,
            LOGGER,
            config_entry=entry,
            name=f"{DOMAIN} {entry.title} balance",
            update_interval=BALANCE_INTERVAL,
        )
        self.client = client
        self.brand = brand

    async def _async_update_data(self) -> Balance:
        with provider_errors(self.brand, UpdateFailed, "balance_failed"):
            return await self.client.async_get_balance()

    @callback
    def async_set_remaining(self, amount: float) -> None:
        """Take the remaining credit a send reported, instead of waiting for the next poll."""
        if self.data is not None:
            self.async_set_updated_data(Balance(amount=amount, unit=self.data.unit))


DEFAULT_INBOX_INTERVAL = timedelta(seconds=60)
# How far before the newest message seen a message still counts as news when its identity is new:
# more than the hour that daylight saving time repeats.
INBOX_LOOK_BACK = timedelta(hours=2)


class InboxCoordinator(DataUpdateCoordinator[int]):
    """Polls an SMS inbox; messages newer than the persisted cursor become events."""

    config_entry: TelephonyConfigEntry

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: InboxClient,
        interval: timedelta,
        process: Callable[[list[TelephonyEvent]], Awaitable[None]],
    ) -> None:
        """Poll the inbox at the interval the options set."""
        super().__init__(
            hass, LOGGER, config_entry=entry, name=f"{DOMAIN} {entry.title} inbox", update_interval=interval
        )
        self.client = client
        self._process = process

    async def _async_update_data(self) -> int:
        runtime = self.config_entry.runtime_data
        region = runtime.settings(self.hass, self.config_entry).region
        with provider_errors(runtime.provider.brand, UpdateFailed, "inbox_failed"):
            events = await self.client.async_fetch_incoming_sms(region)
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
            return 0
        seen = set(cursor[1:])
        # Not only what is newer than the newest message seen: a message within the look-back
        # window before it is news too when its identity is new (in an inbox kept in local time,
        # in the hour repeated when daylight saving time ends a later message looks older).
        fresh = [
            event
            for stamp, event in stamped
            if stamp is None or (stamp > _minus(since, INBOX_LOOK_BACK) and event.dedupe_key not in seen)
        ]
        await self._process(fresh)
        return len(fresh)


def _minus(stamp: str, span: timedelta) -> str:
    """Return a cursor time moved back by a span (the empty cursor stays empty)."""
    return (datetime.fromisoformat(stamp) - span).isoformat() if stamp else ""


def _stamp(event: TelephonyEvent) -> str | None:
    """Return a sortable UTC time of the event (Israel's offset changes with daylight saving)."""
    return None if event.occurred_at is None else event.occurred_at.astimezone(UTC).isoformat()
