"""Per-entry memory that survives restarts: recent events, last event per type, daily counts, seen ids."""

from __future__ import annotations

from collections import OrderedDict, deque
from datetime import date, datetime, timedelta
from typing import Any, TypedDict

from homeassistant.core import HomeAssistant
from homeassistant.helpers.storage import Store
from homeassistant.util import dt as dt_util

from .const import DEDUPE_WINDOW, DOMAIN, HISTORY_SIZE, STORE_SAVE_DELAY, STORE_VERSION

# Daily counters older than this are dropped; only "today" is shown, a week helps diagnostics.
COUNTER_DAYS = 7
# An incoming SMS from a number we texted within this window is a reply to that message.
REPLY_WINDOW = timedelta(hours=24)


class StoredHistory(TypedDict):
    """The JSON document kept in `.storage/cloud_telephony.<entry_id>`."""

    recent: list[dict[str, Any]]
    last: dict[str, dict[str, Any]]
    daily: dict[str, dict[str, int]]
    seen: dict[str, float]
    sent: dict[str, SentRecord]
    cursor: list[str] | None
    polled: dict[str, PolledJob]


class SentRecord(TypedDict):
    """A message this integration sent, kept to link replies and delivery reports to it."""

    to: str
    message: str
    sent_at: str


class PolledJob(TypedDict):
    """A call job whose outcomes are polled (no public URL): resumed after a restart."""

    numbers: list[str]
    expires: str
    """UTC, ISO 8601: when the job is given up."""
    completed: list[str]
    """Match keys of the numbers whose final outcome has arrived."""


class EventHistory:
    """Records accepted events and answers "seen before?" in constant time.

    Writes are debounced through `Store.async_delay_save`, which Home Assistant also flushes
    when it stops, so an event acknowledged to the provider is never lost.
    """

    def __init__(self, hass: HomeAssistant, entry_id: str) -> None:
        """Prepare an empty history; call `async_load` before use."""
        self._store: Store[StoredHistory] = Store(
            hass, STORE_VERSION, f"{DOMAIN}.{entry_id}", private=True, atomic_writes=True
        )
        self._recent: deque[dict[str, Any]] = deque(maxlen=HISTORY_SIZE)
        self._last: dict[str, dict[str, Any]] = {}
        self._daily: dict[str, dict[str, int]] = {}
        # Insertion order is arrival order, so expired keys are always at the front. Ordered
        # dicts, because a plain dict finds its first key in time proportional to the keys
        # deleted before it, which would make every expiry slower on a busy line.
        self._seen: OrderedDict[str, float] = OrderedDict()
        # Sent messages by provider message id (oldest first), and the newest one per number.
        self._sent: OrderedDict[str, SentRecord] = OrderedDict()
        self._last_sent_to: dict[str, str] = {}
        # Polled inboxes: the newest message time seen, and the identities at that time.
        self._cursor: list[str] | None = None
        self._polled: dict[str, PolledJob] = {}
        self._save_scheduled = False
        self._closed = False

    async def async_load(self) -> None:
        """Read what the previous run left behind."""
        stored = await self._store.async_load()
        if not stored:
            return
        self._recent.extend(stored.get("recent", []))
        self._last = dict(stored.get("last", {}))
        self._daily = {day: dict(counts) for day, counts in stored.get("daily", {}).items()}
        self._seen = OrderedDict(sorted(stored.get("seen", {}).items(), key=lambda item: item[1]))
        self._expire_seen(dt_util.utcnow().timestamp())
        for message_id, record in stored.get("sent", {}).items():
            self._sent[message_id] = record
            self._last_sent_to[record["to"]] = message_id
        self._expire_sent(dt_util.utcnow())
        self._cursor = stored.get("cursor")
        self._polled = dict(stored.get("polled", {}))

    def is_duplicate(self, dedupe_key: str) -> bool:
        """Return whether an event with this provider identity was accepted in the last 48 h."""
        return dedupe_key in self._seen

    def record(self, dedupe_key: str, event_data: dict[str, Any], *, received_at: datetime) -> None:
        """Remember an accepted event and schedule a debounced write; `received_at` is local time."""
        now = received_at.timestamp()
        self._expire_seen(now)
        self._seen[dedupe_key] = now
        self._recent.append(event_data)
        event_type = event_data["type"]
        self._last[event_type] = event_data
        day = received_at.date().isoformat()
        counts = self._daily.setdefault(day, {})
        counts[event_type] = counts.get(event_type, 0) + 1
        if len(self._daily) > COUNTER_DAYS:
            for old_day in sorted(self._daily)[:-COUNTER_DAYS]:
                del self._daily[old_day]
        self._schedule_save()

    def record_sent(self, message_id: str, to: str, message: str, *, sent_at: datetime) -> None:
        """Remember a message we sent, to recognise replies and delivery reports."""
        self._expire_sent(sent_at)
        self._sent.pop(message_id, None)
        # UTC, so that the expiry below can compare the ISO strings.
        self._sent[message_id] = {
            "to": to,
            "message": message,
            "sent_at": dt_util.as_utc(sent_at).isoformat(),
        }
        self._last_sent_to[to] = message_id
        self._schedule_save()

    def sent_message(self, message_id: str | None) -> dict[str, Any] | None:
        """Return a message we sent, by the provider's id."""
        if message_id is None or (record := self._sent.get(message_id)) is None:
            return None
        sent_at = dt_util.as_local(datetime.fromisoformat(record["sent_at"]))
        return {"message_id": message_id, **record, "sent_at": sent_at.isoformat()}

    def replied_message(self, sender: str | None, *, received_at: datetime) -> dict[str, Any] | None:
        """Return our newest message to this number if it was sent within the reply window."""
        if sender is None or (message_id := self._last_sent_to.get(sender)) is None:
            return None
        record = self._sent[message_id]
        if datetime.fromisoformat(record["sent_at"]) < received_at - REPLY_WINDOW:
            return None
        return self.sent_message(message_id)

    @property
    def cursor(self) -> list[str] | None:
        """Return the inbox cursor: the newest message time first, then identities at that time."""
        return self._cursor

    def set_cursor(self, cursor: list[str]) -> None:
        """Move the inbox cursor (persisted, so a restart never fires old messages again)."""
        if cursor != self._cursor:
            self._cursor = cursor
            self._schedule_save()

    @property
    def polled_jobs(self) -> dict[str, PolledJob]:
        """Return the call jobs whose outcomes were being polled."""
        return dict(self._polled)

    def save_polled_job(self, job_id: str, job: PolledJob) -> None:
        """Remember (or update) a polled job, so that polling resumes after a restart."""
        self._polled[job_id] = job
        self._schedule_save()

    def forget_polled_job(self, job_id: str) -> None:
        """Forget a polled job that is complete or given up."""
        if self._polled.pop(job_id, None) is not None:
            self._schedule_save()

    def last(self, event_type: str) -> dict[str, Any] | None:
        """Return the newest event of a type, if any was ever recorded."""
        return self._last.get(event_type)

    def count_on(self, event_type: str, day: date) -> int:
        """Return how many events of a type arrived on a local calendar day."""
        return self._daily.get(day.isoformat(), {}).get(event_type, 0)

    @property
    def recent(self) -> list[dict[str, Any]]:
        """Return the last events, oldest first."""
        return list(self._recent)

    @property
    def seen_count(self) -> int:
        """Return how many provider identities are remembered for de-duplication."""
        return len(self._seen)

    async def async_close(self) -> None:
        """Write now (the entry unloads) and never again: a reloaded entry has its own history."""
        await self._store.async_save(self._as_stored())
        self._closed = True

    async def async_remove(self) -> None:
        """Delete the stored file (the entry was removed)."""
        await self._store.async_remove()

    def _expire_seen(self, now: float) -> None:
        cutoff = now - DEDUPE_WINDOW.total_seconds()
        while self._seen:
            oldest_key = next(iter(self._seen))
            if self._seen[oldest_key] >= cutoff:
                break
            del self._seen[oldest_key]

    def _expire_sent(self, now: datetime) -> None:
        # Kept as long as de-duplication keys, so that late delivery reports still find them.
        cutoff = dt_util.as_utc(now - DEDUPE_WINDOW).isoformat()
        while self._sent:
            oldest_id = next(iter(self._sent))
            record = self._sent[oldest_id]
            if record["sent_at"] >= cutoff:
                break
            del self._sent[oldest_id]
            if self._last_sent_to.get(record["to"]) == oldest_id:
                del self._last_sent_to[record["to"]]

    def _schedule_save(self) -> None:
        # One pending write at a time: a busy line is written at most STORE_SAVE_DELAY seconds
        # after its first unsaved change, instead of the delay restarting with every event.
        if not self._save_scheduled and not self._closed:
            self._save_scheduled = True
            self._store.async_delay_save(self._as_stored, STORE_SAVE_DELAY)

    def _as_stored(self) -> StoredHistory:
        # Called by the store when it writes: later changes need a new write.
        self._save_scheduled = False
        return {
            "recent": list(self._recent),
            "last": self._last,
            "daily": self._daily,
            "seen": self._seen,
            "sent": self._sent,
            "cursor": self._cursor,
            "polled": self._polled,
        }
