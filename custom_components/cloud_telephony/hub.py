"""What the integration keeps for every account, whatever state the account's entry is in.

Set up with the integration (`async_setup`), before and independently of the entries: the
webhooks, the durable history and the settings a post needs live here, so that posts are taken
while an entry is not set up yet, retries its setup because the provider's API is down, or
reloads. An entry's own runtime (its API client, polling) is only what needs the provider's API.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
import time
from typing import Any, Final

from homeassistant.config_entries import ConfigEntry
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers import device_registry as dr
from homeassistant.helpers.json import json_dumps
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util
from homeassistant.util.hass_dict import HassKey

from .api import PROVIDERS
from .api.numbers import load_numbering_plans
from .calls import CallTracker
from .const import CONF_PROVIDER, DEDUPE_WINDOW, DOMAIN, HISTORY_SIZE, LOGGER, SEEN_LIMIT
from .data import EntrySettings
from .entity import device_info
from .history import EventHistory
from .journal import FiredJournal
from .store import (
    DATABASE_NAME,
    DELETE_UNFIRED,
    INSERT_RECENT,
    INSERT_SEEN,
    SET_DAILY,
    UPSERT_LAST,
    UPSERT_SENT,
    UPSERT_STATE,
    Statement,
    TelephonyStore,
)

DATA_HUB: HassKey[TelephonyHub] = HassKey(DOMAIN)
JOURNAL_NAME: Final = "cloud_telephony.fired"
# How long a post that arrives while the history is being opened waits before it gets a 503.
READY_TIMEOUT: Final = 10.0
# Nonces of signed pushes are remembered longer than a signature stays recent (both directions).
NONCE_WINDOW: Final = timedelta(minutes=31)


def storage_dir(hass: HomeAssistant) -> Path:
    """Return the folder of the integration's files (Home Assistant's `.storage`)."""
    return Path(hass.config.path(".storage"))


@dataclass(slots=True)
class InDoubt:
    """An event recorded before the last stop but never fired: fired once Home Assistant runs."""

    entry_id: str
    seq: int
    data: dict[str, Any]


class TelephonyHub:
    """The webhooks' side of every account: durable history, settings, device ids."""

    def __init__(self, hass: HomeAssistant) -> None:
        """Prepare; `async_start` opens the history."""
        self.hass = hass
        folder = storage_dir(hass)
        self.store = TelephonyStore(hass, folder / DATABASE_NAME)
        self.journal = FiredJournal(folder / JOURNAL_NAME)
        self._histories: dict[str, EventHistory] = {}
        self._call_trackers: dict[str, CallTracker] = {}
        self._settings: dict[str, EntrySettings] = {}
        self._devices: dict[str, str] = {}
        self._nonces: dict[str, OrderedDict[str, float]] = {}
        self._ready = asyncio.Event()
        self._starting = False
        self._start_done = asyncio.Event()
        self._next_seq = 1
        self.large_body_parsing = asyncio.Lock()
        """Held while a body too large to parse in the loop is parsed in a worker thread."""
        self.long_batch_turn = asyncio.Lock()
        """Held by the post whose long batch of events is being taken or fired."""
        self.in_doubt: list[InDoubt] = []
        self.webhooks: dict[str, Callable[[], None]] = {}
        """Entry id to the function that unregisters its webhook."""

    @property
    def ready(self) -> bool:
        """Return whether the history is open and taking writes."""
        return self._ready.is_set() and self.store.available

    async def async_start(self) -> None:
        """Open the database, take over histories of the older format, read every account."""
        self._starting = True
        try:
            await self._async_start()
        except asyncio.CancelledError:
            # Home Assistant stops during the start: nothing was written yet, closing is quick.
            self.store.close_unused()
            raise
        except Exception:
            # An unreadable database, say: close what was opened.
            await self.store.async_close()
            await self.hass.async_add_executor_job(self.journal.close)
            raise
        finally:
            self._starting = False
            self._start_done.set()

    async def _async_start(self) -> None:
        started = time.monotonic()
        # Parsing a post reads numbering plans: load them all now, off the event loop, while
        # the database opens.
        plans = self.hass.async_add_executor_job(load_numbering_plans)
        await self.store.async_open()
        highest_fired = await self.hass.async_add_executor_job(self.journal.open)
        await plans
        for entry in self.hass.config_entries.async_entries(DOMAIN, include_ignore=False):
            await self._async_import_legacy(entry.entry_id)
        since = dt_util.utcnow().timestamp() - DEDUPE_WINDOW.total_seconds()
        stored, reading = await self.store.async_read(
            seen_limit=SEEN_LIMIT, recent_limit=HISTORY_SIZE, since=since
        )
        highest = highest_fired
        fired_earlier: list[int] = []
        for entry_id, entry_stored in stored.items():
            self._histories[entry_id] = EventHistory(self.store, entry_id, entry_stored)
            for seq, data in entry_stored.unfired:
                highest = max(highest, seq)
                if self.journal.was_fired(seq):
                    fired_earlier.append(seq)
                else:
                    self.in_doubt.append(InDoubt(entry_id, seq, data))
        self._next_seq = highest + 1
        self.forget_unfired(fired_earlier)
        self._ready.set()
        LOGGER.info(
            "History of %s accounts read in %.2f s (%s ids remembered); webhooks take posts after %.2f s",
            len(stored),
            reading,
            sum(history.seen_count for history in self._histories.values()),
            time.monotonic() - started,
        )
        if self.in_doubt:
            LOGGER.info("%s events were recorded but not fired before the last stop", len(self.in_doubt))

    async def async_wait_ready(self) -> bool:
        """Wait (briefly) for the history to open; return whether it can take writes."""
        if not self._ready.is_set():
            try:
                async with asyncio.timeout(READY_TIMEOUT):
                    await self._ready.wait()
            except TimeoutError:
                return False
        return self.store.available

    async def async_stop(self) -> None:
        """Write what is queued and close (Home Assistant stops)."""
        if self._starting:
            # Stopped while starting: close what the start opens, not before it has opened it.
            await self._start_done.wait()
        await self.store.async_close()
        await self.hass.async_add_executor_job(self.journal.close)

    @callback
    def history(self, entry_id: str) -> EventHistory:
        """Return an account's history (empty for a new account)."""
        if (history := self._histories.get(entry_id)) is None:
            history = self._histories[entry_id] = EventHistory(self.store, entry_id)
        return history

    @callback
    def call_tracker(self, entry: ConfigEntry[Any]) -> CallTracker:
        """Return the calls an account waits for; the same across reloads of its entry."""
        if (tracker := self._call_trackers.get(entry.entry_id)) is None:
            history = self.history(entry.entry_id)
            tracker = CallTracker(self.hass, history, lambda: self.settings(entry).region)
            self._call_trackers[entry.entry_id] = tracker
        return tracker

    @callback
    def existing_call_tracker(self, entry_id: str) -> CallTracker | None:
        """Return the account's call tracker without creating one: None once it is disabled or removed."""
        return self._call_trackers.get(entry_id)

    @callback
    def async_end_call_tracking(self, entry_id: str) -> None:
        """Stop waiting for an account's calls (disabled or removed): waiting actions return now."""
        if (tracker := self._call_trackers.pop(entry_id, None)) is not None:
            tracker.async_shutdown()

    @callback
    def next_seq(self) -> int:
        """Return the next event sequence number (never reused, also across restarts)."""
        seq = self._next_seq
        self._next_seq += 1
        return seq

    @callback
    def forget_unfired(self, seqs: list[int]) -> None:
        """Cross events off the not-yet-fired list once the journal says they were fired."""
        # Not urgent: until then the journal tells that they were fired.
        self.store.async_write_with_next([(DELETE_UNFIRED, (seq,)) for seq in seqs])

    @callback
    def nonce_seen(self, entry_id: str, nonce: str) -> bool:
        """Return whether a signed push with this nonce was taken within the replay window."""
        nonces = self._nonces.get(entry_id)
        if nonces is None:
            return False
        cutoff = dt_util.utcnow().timestamp() - NONCE_WINDOW.total_seconds()
        while nonces and next(iter(nonces.values())) < cutoff:
            nonces.popitem(last=False)
        return nonce in nonces

    @callback
    def remember_nonce(self, entry_id: str, nonce: str) -> None:
        """Remember the nonce of a signed push that was taken (kept for the replay window)."""
        nonces = self._nonces.setdefault(entry_id, OrderedDict())
        nonces.pop(nonce, None)
        nonces[nonce] = dt_util.utcnow().timestamp()

    @callback
    def settings(self, entry: ConfigEntry[Any]) -> EntrySettings:
        """Return the entry's options as settings, parsed once per setup of the entry."""
        if (settings := self._settings.get(entry.entry_id)) is None:
            settings = self.refresh_settings(entry)
        return settings

    @callback
    def refresh_settings(self, entry: ConfigEntry[Any]) -> EntrySettings:
        """Parse the entry's options again: saving options reloads the entry, which calls this."""
        settings = self._settings[entry.entry_id] = EntrySettings.from_entry(entry, self.hass.config.country)
        return settings

    @callback
    def device_id(self, entry: ConfigEntry[Any]) -> str:
        """Return the id of the entry's device, created when the first event needs it."""
        if (device_id := self._devices.get(entry.entry_id)) is None:
            provider = PROVIDERS[entry.data[CONF_PROVIDER]]
            device = dr.async_get(self.hass).async_get_or_create(
                config_entry_id=entry.entry_id, **device_info(self.hass, entry, provider)
            )
            device_id = self._devices[entry.entry_id] = device.id
        return device_id

    async def async_remove_entry(self, entry_id: str) -> None:
        """Forget everything of a removed account."""
        self.async_end_call_tracking(entry_id)
        self._histories.pop(entry_id, None)
        self._settings.pop(entry_id, None)
        self._devices.pop(entry_id, None)
        self.in_doubt = [event for event in self.in_doubt if event.entry_id != entry_id]
        if self.store.available:
            await self.store.async_remove_entry(entry_id)

    async def _async_import_legacy(self, entry_id: str) -> None:
        """Take over a history kept by older versions in `.storage/cloud_telephony.<entry_id>`."""
        legacy: Store[dict[str, Any]] = Store(self.hass, 1, f"{DOMAIN}.{entry_id}", private=True)
        if not (stored := await legacy.async_load()):
            return
        imported = await self.store.async_import(entry_id, _legacy_statements(entry_id, stored))
        LOGGER.info(
            "History of %s %s from the older format",
            entry_id,
            "taken over" if imported else "was already taken over",
        )
        await legacy.async_remove()


def _legacy_statements(entry_id: str, stored: dict[str, Any]) -> list[Statement]:
    """Return the writes that put a history of the older JSON format into the database."""
    statements: list[Statement] = [
        (INSERT_SEEN, (entry_id, key, at)) for key, at in stored.get("seen", {}).items()
    ]
    statements += [(INSERT_RECENT, (entry_id, json_dumps(event))) for event in stored.get("recent", [])]
    statements += [
        (UPSERT_LAST, (entry_id, kind, json_dumps(event))) for kind, event in stored.get("last", {}).items()
    ]
    statements += [
        (SET_DAILY, (entry_id, day, kind, count))
        for day, counts in stored.get("daily", {}).items()
        for kind, count in counts.items()
    ]
    statements += [
        (UPSERT_SENT, (entry_id, message_id, record["to"], record["message"], record["sent_at"]))
        for message_id, record in stored.get("sent", {}).items()
    ]
    state = {"cursor": stored.get("cursor")} | {
        f"polled:{job_id}": job for job_id, job in stored.get("polled", {}).items()
    }
    statements += [
        (UPSERT_STATE, (entry_id, name, json_dumps(value)))
        for name, value in state.items()
        if value is not None
    ]
    return statements
