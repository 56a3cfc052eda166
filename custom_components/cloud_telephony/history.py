"""Per-account memory that survives restarts: recent and last events, daily counts, seen ids, last calls.

The memory is what the entities and the de-duplication read; the database (store.py) is what
survives. An event is added to the memory only once it is on disk, so the memory never claims
more than a restart would find. Bounded by time (ids are kept 48 h) and by count.
"""

from __future__ import annotations

import asyncio
from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final, TypedDict

from homeassistant.helpers.json import json_dumps
from homeassistant.util import dt as dt_util

from .const import DEDUPE_WINDOW, HISTORY_SIZE, SEEN_LIMIT
from .recent_calls import CallRow, RecentCalls
from .store import (
    ADD_DAILY,
    DELETE_SEEN,
    DELETE_SENT,
    DELETE_STATE,
    INSERT_RECENT,
    INSERT_SEEN,
    INSERT_UNFIRED,
    TRIM_DAILY,
    TRIM_RECENT,
    UPSERT_LAST,
    UPSERT_SENT,
    UPSERT_STATE,
    AsJson,
    Rows,
    Statement,
    StoredEntry,
    StoreUnavailableError,
    TelephonyStore,
    at_most,
)

# Daily counters older than this are dropped; only "today" is shown, a week helps diagnostics.
COUNTER_DAYS: Final = 7
# An incoming SMS from a number we texted within this window is a reply to that message.
REPLY_WINDOW: Final = timedelta(hours=24)
# Stored copies of larger events leave the provider's raw item out (the bus event has it whole).
MAX_STORED_EVENT: Final = 32 * 1024

_CURSOR: Final = "cursor"
_CALLS: Final = "recent_calls"
_FOLDER: Final = "folder:"
_POLLED: Final = "polled:"


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


@dataclass(frozen=True, slots=True)
class Accepted:
    """An event to record: its provider identity, its contract data, its sequence number."""

    key: str
    data: dict[str, Any]
    seq: int
    """Lists the event as not yet fired until the journal says it was (journal.py)."""


def _event_rows(entry_id: str, events: list[Accepted], now: float) -> list[Statement]:
    """Return the writes of new events, made (and each event encoded once) in the writer's thread."""
    texts: list[str] = []

    def encoded() -> list[str]:
        if not texts:
            texts.extend(json_dumps(event.data) for event in events)
        return texts

    def unfired() -> list[tuple[str, int, str]]:
        return [(entry_id, event.seq, text) for event, text in zip(events, encoded(), strict=True)]

    def recent() -> list[tuple[str, str]]:
        return [
            (entry_id, at_most(event.data, text, MAX_STORED_EVENT))
            for event, text in zip(events, encoded(), strict=True)
        ]

    return [
        (INSERT_SEEN, Rows(lambda: [(entry_id, event.key, now) for event in events])),
        (INSERT_UNFIRED, Rows(unfired)),
        (INSERT_RECENT, Rows(recent)),
    ]


class EventHistory:
    """One account's history: answers "seen before?" in constant time, records durably."""

    def __init__(self, store: TelephonyStore, entry_id: str, stored: StoredEntry | None = None) -> None:
        """Take what the database held for the account at start-up."""
        self._store = store
        self._entry_id = entry_id
        stored = stored or StoredEntry()
        self._recent: deque[dict[str, Any]] = deque(stored.recent, maxlen=HISTORY_SIZE)
        self._last: dict[str, dict[str, Any]] = dict(stored.last)
        self._daily: dict[str, dict[str, int]] = {day: dict(counts) for day, counts in stored.daily.items()}
        # Arrival order, so expired ids are always at the front. Ordered dicts, because a plain
        # dict finds its first key in time proportional to the keys deleted before it.
        self._seen: OrderedDict[str, float] = OrderedDict(stored.seen)
        # Ids whose write is under way: a retry that arrives meanwhile waits for it.
        self._pending: dict[str, asyncio.Future[None]] = {}
        # Sent messages by provider message id (oldest first), and the newest one per number.
        self._sent: OrderedDict[str, SentRecord] = OrderedDict()
        self._last_sent_to: dict[str, str] = {}
        self._aliases: dict[str, str] = {}
        for message_id, to, message, sent_at in stored.sent:
            self._sent[message_id] = {"to": to, "message": message, "sent_at": sent_at}
            self._last_sent_to[to] = message_id
        self._cursor: list[str] | None = stored.state.get(_CURSOR)
        self._folders: dict[str, dict[str, Any]] = {
            name.removeprefix(_FOLDER): mark
            for name, mark in stored.state.items()
            if name.startswith(_FOLDER)
        }
        self._polled: dict[str, PolledJob] = {
            name.removeprefix(_POLLED): job for name, job in stored.state.items() if name.startswith(_POLLED)
        }
        # Kept rows, and the recent events once more: a stop between an event's commit and the
        # rows' own write loses nothing.
        self._calls = RecentCalls(stored.state.get(_CALLS), self._recent)
        now = dt_util.utcnow()
        self._store.async_write_later(self._expire_seen(now.timestamp()) + self._expire_sent(now))

    # --- events -------------------------------------------------------------------------------

    def is_duplicate(self, dedupe_key: str) -> bool:
        """Return whether an event with this provider identity is on record (48 h, bounded)."""
        return dedupe_key in self._seen

    def pending_write(self, dedupe_key: str) -> asyncio.Future[None] | None:
        """Return the write under way for this identity, if a post is recording it right now."""
        return self._pending.get(dedupe_key)

    def reserve(self, dedupe_key: str, write: asyncio.Future[None]) -> None:
        """Mark an identity as being recorded by a post (at once, before the post's next await)."""
        self._pending[dedupe_key] = write

    def release(self, dedupe_keys: list[str], write: asyncio.Future[None], reason: BaseException) -> None:
        """Give up reserved identities that will not be written (the post failed before its write)."""
        for key in dedupe_keys:
            if self._pending.get(key) is write:
                del self._pending[key]
        if not write.done():
            write.set_exception(StoreUnavailableError(f"the post recording it failed: {reason!r}"))
            write.exception()

    async def async_record(
        self, events: list[Accepted], *, received_at: datetime, write: asyncio.Future[None] | None = None
    ) -> None:
        """Write events durably, then remember them; raise StoreUnavailableError if that fails.

        `write` is the future the events were reserved with, if they were: it tells posts that
        wait on them how the write went. `received_at` is local time (it decides the day they
        count for).
        """
        if write is None:
            write = asyncio.get_running_loop().create_future()
            for event in events:
                self.reserve(event.key, write)
        try:
            await self._async_record(events, received_at)
        except BaseException as err:
            if not write.done():
                write.set_exception(err)
                write.exception()  # retrieved: a post waiting on it may be gone
            raise
        else:
            if not write.done():
                write.set_result(None)
        finally:
            for event in events:
                if self._pending.get(event.key) is write:
                    del self._pending[event.key]

    async def _async_record(self, events: list[Accepted], received_at: datetime) -> None:
        now = received_at.timestamp()
        day = received_at.date().isoformat()
        statements = self._expire_seen(now, adding=len(events))
        counts: dict[tuple[str, str], int] = {}
        last: dict[str, dict[str, Any]] = {}
        entry_id = self._entry_id
        statements += _event_rows(entry_id, events, now)
        for event in events:
            event_type = event.data["type"]
            last[event_type] = event.data
            # A test event (a provider's sample) is shown, but never counted.
            if not event.data.get("test") and (counted := _counted_day(event.data, received_at)):
                counts[counted, event_type] = counts.get((counted, event_type), 0) + 1
        statements += [
            (UPSERT_LAST, (entry_id, kind, AsJson(data, MAX_STORED_EVENT))) for kind, data in last.items()
        ]
        statements += [
            (ADD_DAILY, (entry_id, counted, kind, count)) for (counted, kind), count in counts.items()
        ]
        statements.append((TRIM_RECENT, (entry_id, HISTORY_SIZE - 1)))
        if day not in self._daily and len(self._daily) >= COUNTER_DAYS:
            statements.append((TRIM_DAILY, (entry_id, sorted(self._daily)[-(COUNTER_DAYS - 1)])))
        await self._store.async_write(statements)
        for event in events:
            self._seen[event.key] = now
            self._recent.append(event.data)
        self._last.update(last)
        for (counted, event_type), count in counts.items():
            day_counts = self._daily.setdefault(counted, {})
            day_counts[event_type] = day_counts.get(event_type, 0) + count
        if len(self._daily) > COUNTER_DAYS:
            for old_day in sorted(self._daily)[:-COUNTER_DAYS]:
                del self._daily[old_day]
        changed = False
        for event in events:
            changed = self._calls.add(event.data) or changed
        if changed:
            # Written after the events, from what is on disk: posts recorded at the same time
            # cannot overwrite each other's calls. Encoded in the writer's thread.
            self._store.async_write_later([(UPSERT_STATE, (entry_id, _CALLS, AsJson(self._calls.stored())))])

    def last(self, event_type: str) -> dict[str, Any] | None:
        """Return the newest event of a type, if any was ever recorded."""
        return self._last.get(event_type)

    def count_on(self, event_type: str, day: date) -> int:
        """Return how many events of a type happened on a local calendar day."""
        return self._daily.get(day.isoformat(), {}).get(event_type, 0)

    @property
    def recent_calls(self) -> tuple[CallRow, ...]:
        """Return the last calls, newest first (one row per call)."""
        return self._calls.rows

    @property
    def recent(self) -> list[dict[str, Any]]:
        """Return the last events, oldest first."""
        return list(self._recent)

    @property
    def seen_count(self) -> int:
        """Return how many provider identities are remembered for de-duplication."""
        return len(self._seen)

    # --- messages sent -----------------------------------------------------------------------

    def record_sent(
        self, message_id: str, to: str, message: str, *, sent_at: datetime, aliases: Iterable[str] = ()
    ) -> None:
        """Remember a message we sent, to recognise replies and delivery reports.

        `aliases` are other ids a delivery report may name it by (kept until a restart; after one,
        such a report is matched by its recipient).
        """
        statements = self._expire_sent(sent_at)
        self._sent.pop(message_id, None)
        for alias in aliases:
            self._aliases[alias] = message_id
        # UTC, so that the expiry can compare the ISO strings.
        record: SentRecord = {"to": to, "message": message, "sent_at": dt_util.as_utc(sent_at).isoformat()}
        self._sent[message_id] = record
        self._last_sent_to[to] = message_id
        statements.append((UPSERT_SENT, (self._entry_id, message_id, to, message, record["sent_at"])))
        self._store.async_write_later(statements)

    def sent_since(self, since: datetime) -> list[str]:
        """Return the ids of the messages sent since a moment, oldest first."""
        cutoff = dt_util.as_utc(since).isoformat()
        return [message_id for message_id, record in self._sent.items() if record["sent_at"] >= cutoff]

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

    def reported_message(
        self, message_id: str | None, recipient: str | None, *, received_at: datetime
    ) -> tuple[dict[str, Any] | None, str | None]:
        """Return the message a delivery report is about, and how it was found (`id`, `recipient`).

        By the report's id (or another id the send answer gave); else our newest message to the
        report's recipient within the reply window; else (None, None): not a message we sent.
        """
        if (sent := self.sent_message(self._aliases.get(message_id or "", message_id))) is not None:
            return sent, "id"
        if (sent := self.replied_message(recipient, received_at=received_at)) is not None:
            return sent, "recipient"
        return None, None

    # --- polled inboxes and call jobs ----------------------------------------------------------

    @property
    def cursor(self) -> list[str] | None:
        """Return the inbox cursor: the newest message time first, then identities at that time."""
        return self._cursor

    def set_cursor(self, cursor: list[str]) -> None:
        """Move the inbox cursor (persisted, so a restart never fires old messages again)."""
        if cursor != self._cursor:
            self._cursor = cursor
            self._write_state(_CURSOR, cursor)

    def folder_mark(self, path: str) -> dict[str, Any] | None:
        """Return what a folder's newest message was at the last poll (None: never read)."""
        return self._folders.get(path)

    def set_folder_mark(self, path: str, mark: dict[str, Any]) -> None:
        """Remember a folder's newest message (persisted: a restart never announces it again)."""
        if self._folders.get(path) != mark:
            self._folders[path] = mark
            self._write_state(_FOLDER + path, mark)

    @property
    def polled_jobs(self) -> dict[str, PolledJob]:
        """Return the call jobs whose outcomes were being polled."""
        return dict(self._polled)

    def save_polled_job(self, job_id: str, job: PolledJob) -> None:
        """Remember (or update) a polled job, so that polling resumes after a restart."""
        self._polled[job_id] = job
        self._write_state(_POLLED + job_id, job)

    def forget_polled_job(self, job_id: str) -> None:
        """Forget a polled job that is complete or given up."""
        if self._polled.pop(job_id, None) is not None:
            self._store.async_write_later([(DELETE_STATE, (self._entry_id, _POLLED + job_id))])

    def _write_state(self, name: str, value: Any) -> None:
        self._store.async_write_later([(UPSERT_STATE, (self._entry_id, name, json_dumps(value)))])

    # --- bounds ---------------------------------------------------------------------------------

    def _expire_seen(self, now: float, *, adding: int = 0) -> list[Statement]:
        """Forget ids older than the window, and the oldest beyond the count bound; return the deletes."""
        cutoff = now - DEDUPE_WINDOW.total_seconds()
        expired: list[str] = []
        seen = self._seen
        while seen:
            oldest_key = next(iter(seen))
            if seen[oldest_key] >= cutoff and len(seen) + adding <= SEEN_LIMIT:
                break
            del seen[oldest_key]
            expired.append(oldest_key)
        return [(DELETE_SEEN, (self._entry_id, key)) for key in expired]

    def _expire_sent(self, now: datetime) -> list[Statement]:
        # Kept as long as de-duplication keys, so that late delivery reports still find them.
        cutoff = dt_util.as_utc(now - DEDUPE_WINDOW).isoformat()
        expired: list[str] = []
        while self._sent:
            oldest_id = next(iter(self._sent))
            record = self._sent[oldest_id]
            if record["sent_at"] >= cutoff:
                break
            del self._sent[oldest_id]
            expired.append(oldest_id)
            if self._last_sent_to.get(record["to"]) == oldest_id:
                del self._last_sent_to[record["to"]]
        if expired and self._aliases:
            self._aliases = {alias: target for alias, target in self._aliases.items() if target in self._sent}
        return [(DELETE_SENT, (self._entry_id, message_id)) for message_id in expired]


def _counted_day(data: dict[str, Any], received_at: datetime) -> str | None:
    """Return the local day an event counts for: the day it happened, else the day it arrived.

    A late retry just after midnight counts for the day before; what happened before the counters'
    days (a replayed document from years ago) counts for none.
    """
    arrived = received_at.date()
    occurred = data.get("occurred_at")
    try:
        happened = (
            datetime.fromisoformat(occurred).astimezone(received_at.tzinfo).date() if occurred else arrived
        )
    except (TypeError, ValueError):
        happened = arrived
    if happened >= arrived:
        return arrived.isoformat()
    return happened.isoformat() if (arrived - happened).days < COUNTER_DAYS else None
