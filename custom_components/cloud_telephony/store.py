"""Durable storage of every account's history: one SQLite database, written with group commit.

An accepted event is committed (and, with `synchronous=FULL`, fsynced) before its webhook post is
answered, so it survives a kill of Home Assistant and a power cut. The event loop never touches
the database: writes queue up while one batch is written in an executor thread, and the next
batch takes everything that queued meanwhile, so a busy line costs one commit per batch, not one
per event. Reads happen once, at start-up.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from functools import partial
import logging
from pathlib import Path
import sqlite3
import threading
import time
from typing import Any, Final

from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.json import json_dumps
from homeassistant.util.json import json_loads

from .const import LOGGER

SCHEMA_VERSION: Final = 1
# Posts told per turn of the event loop that their write is on disk.
SETTLE_PER_TURN: Final = 4
DATABASE_NAME: Final = "cloud_telephony.db"

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS seen (
    entry_id TEXT NOT NULL, key TEXT NOT NULL, at REAL NOT NULL, PRIMARY KEY (entry_id, key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS seen_by_time ON seen (entry_id, at);
CREATE TABLE IF NOT EXISTS recent (
    seq INTEGER PRIMARY KEY AUTOINCREMENT, entry_id TEXT NOT NULL, data TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS recent_by_entry ON recent (entry_id, seq);
CREATE TABLE IF NOT EXISTS last (
    entry_id TEXT NOT NULL, type TEXT NOT NULL, data TEXT NOT NULL, PRIMARY KEY (entry_id, type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS daily (
    entry_id TEXT NOT NULL, day TEXT NOT NULL, type TEXT NOT NULL, count INTEGER NOT NULL,
    PRIMARY KEY (entry_id, day, type)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS sent (
    entry_id TEXT NOT NULL, message_id TEXT NOT NULL, recipient TEXT NOT NULL, message TEXT NOT NULL,
    sent_at TEXT NOT NULL, PRIMARY KEY (entry_id, message_id)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS state (
    entry_id TEXT NOT NULL, name TEXT NOT NULL, value TEXT NOT NULL, PRIMARY KEY (entry_id, name)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS unfired (seq INTEGER PRIMARY KEY, entry_id TEXT NOT NULL, data TEXT NOT NULL);
"""

# The writes the histories make; parameters always start with the entry id.
INSERT_SEEN: Final = "INSERT OR REPLACE INTO seen (entry_id, key, at) VALUES (?, ?, ?)"
DELETE_SEEN: Final = "DELETE FROM seen WHERE entry_id = ? AND key = ?"
INSERT_RECENT: Final = "INSERT INTO recent (entry_id, data) VALUES (?, ?)"
TRIM_RECENT: Final = (
    "DELETE FROM recent WHERE entry_id = ?1 AND seq < "
    "(SELECT seq FROM recent WHERE entry_id = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)"
)
TRIM_SEEN: Final = (
    "DELETE FROM seen WHERE entry_id = ?1 AND at < "
    "(SELECT at FROM seen WHERE entry_id = ?1 ORDER BY at DESC LIMIT 1 OFFSET ?2)"
)
UPSERT_LAST: Final = "INSERT OR REPLACE INTO last (entry_id, type, data) VALUES (?, ?, ?)"
ADD_DAILY: Final = (
    "INSERT INTO daily (entry_id, day, type, count) VALUES (?, ?, ?, ?) "
    "ON CONFLICT (entry_id, day, type) DO UPDATE SET count = count + excluded.count"
)
SET_DAILY: Final = "INSERT OR REPLACE INTO daily (entry_id, day, type, count) VALUES (?, ?, ?, ?)"
TRIM_DAILY: Final = "DELETE FROM daily WHERE entry_id = ? AND day < ?"
UPSERT_SENT: Final = (
    "INSERT OR REPLACE INTO sent (entry_id, message_id, recipient, message, sent_at) VALUES (?, ?, ?, ?, ?)"
)
DELETE_SENT: Final = "DELETE FROM sent WHERE entry_id = ? AND message_id = ?"
UPSERT_STATE: Final = "INSERT OR REPLACE INTO state (entry_id, name, value) VALUES (?, ?, ?)"
DELETE_STATE: Final = "DELETE FROM state WHERE entry_id = ? AND name = ?"
INSERT_UNFIRED: Final = "INSERT INTO unfired (entry_id, seq, data) VALUES (?, ?, ?)"
DELETE_UNFIRED: Final = "DELETE FROM unfired WHERE seq = ?"
# Statements whose order among each other does not change the outcome of a commit: rows that
# are new (a new identity, a new sequence number), counters that add up, replacements where
# the later one stays later, the trim of the recent list (it keeps the newest), and crossing
# off events fired (inserted by an earlier commit).
COMMUTING: Final = frozenset(
    {INSERT_SEEN, INSERT_UNFIRED, INSERT_RECENT, TRIM_RECENT, UPSERT_LAST, ADD_DAILY, DELETE_UNFIRED}
)
_DELETE_ENTRY: Final = (
    "DELETE FROM seen WHERE entry_id = ?",
    "DELETE FROM recent WHERE entry_id = ?",
    "DELETE FROM last WHERE entry_id = ?",
    "DELETE FROM daily WHERE entry_id = ?",
    "DELETE FROM sent WHERE entry_id = ?",
    "DELETE FROM state WHERE entry_id = ?",
    "DELETE FROM unfired WHERE entry_id = ?",
)


class Rows:
    """The parameters of many rows of one commuting statement, made in the writer's thread.

    A large batch then keeps a few objects in the event loop instead of a few per row (fewer
    objects for the garbage collector to go through while the batch is being written).
    """

    __slots__ = ("_make",)

    def __init__(self, make: Callable[[], Iterable[Sequence[Any]]]) -> None:
        """Keep the function that makes the rows (called again when a commit is retried)."""
        self._make = make

    def __iter__(self) -> Iterator[Sequence[Any]]:
        """Make the rows."""
        return iter(self._make())


type Statement = tuple[str, Sequence[Any] | Rows]
"""One SQL statement with its parameters (or many rows of it); a batch is committed whole or not at all."""


class AsJson:
    """A statement parameter written as JSON text, encoded in the writer's thread, not the loop.

    With `at_most`, a value whose text is longer is written without its provider's raw item.
    """

    __slots__ = ("at_most", "value")

    def __init__(self, value: dict[str, Any], at_most: int | None = None) -> None:
        """Keep the value; nothing is encoded yet."""
        self.value = value
        self.at_most = at_most

    def encode(self) -> str:
        """Return the JSON text (Home Assistant's own writer: what the recorder writes too)."""
        return at_most(self.value, json_dumps(self.value), self.at_most)


def at_most(value: dict[str, Any], text: str, limit: int | None) -> str:
    """Return the JSON text of an event, or, when it is longer than the limit, without its raw item."""
    if limit is not None and len(text) > limit:
        return json_dumps({**value, "raw": None, "raw_left_out": True})
    return text


class StoreUnavailableError(Exception):
    """The database cannot take writes now (closed, or the disk refuses them)."""


@dataclass(slots=True)
class StoredEntry:
    """What the database holds for one account, as read at start-up (oldest first)."""

    seen: list[tuple[str, float]] = field(default_factory=list)
    recent: list[dict[str, Any]] = field(default_factory=list)
    last: dict[str, dict[str, Any]] = field(default_factory=dict)
    daily: dict[str, dict[str, int]] = field(default_factory=dict)
    sent: list[tuple[str, str, str, str]] = field(default_factory=list)
    state: dict[str, Any] = field(default_factory=dict)
    unfired: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    """Events recorded but not known to be fired (the process stopped in between), by sequence."""


@dataclass(slots=True)
class _Batch:
    """Statements queued by one caller, and the future that tells it they are on disk."""

    statements: list[Statement]
    future: asyncio.Future[None] | None


class TelephonyStore:
    """The database and its single writer."""

    def __init__(self, hass: HomeAssistant, path: Path) -> None:
        """Prepare; nothing is opened before `async_open`."""
        self._hass = hass
        self._path = path
        self._connection: sqlite3.Connection | None = None
        self._queue: list[_Batch] = []
        self._writing: asyncio.Task[None] | None = None
        self._commit: asyncio.Future[dict[int, str]] | None = None
        self._closed = False

    @property
    def path(self) -> Path:
        """Return where the database lives."""
        return self._path

    @property
    def available(self) -> bool:
        """Return whether writes are taken."""
        return self._connection is not None and not self._closed

    async def async_open(self) -> None:
        """Open (or create) the database."""
        abandoned = threading.Event()
        opening = self._hass.async_add_executor_job(_open, self._path, abandoned)
        try:
            self._connection = await asyncio.shield(opening)
        except asyncio.CancelledError:
            # Home Assistant stops meanwhile: the thread closes what it opens (the loop may be
            # gone before it is done), or the loop does if the thread was quicker.
            abandoned.set()
            opening.add_done_callback(self._close_when_opened)
            raise

    @callback
    def close_unused(self) -> None:
        """Close at once a database that nothing was written to (a start that was cancelled)."""
        self._closed = True
        if self._connection is not None and not self._queue and self._writing is None:
            self._connection.close()
            self._connection = None

    @staticmethod
    def _close_when_opened(opening: asyncio.Future[sqlite3.Connection | None]) -> None:
        # Only when Home Assistant stops during the start: its executor may be gone already, and
        # nothing was written, so closing is quick.
        if not opening.cancelled() and opening.exception() is None and (connection := opening.result()):
            connection.close()

    async def async_read(
        self, *, seen_limit: int, recent_limit: int, since: float
    ) -> tuple[dict[str, StoredEntry], float]:
        """Read every account's history; drop what is older than `since` or beyond the limits.

        Also return how long the reading itself took (start-up waits for the executor too).
        """
        if self._connection is None:
            raise StoreUnavailableError("the database is closed")
        return await self._hass.async_add_executor_job(
            _timed_trim_and_read, self._connection, seen_limit, recent_limit, since
        )

    @callback
    def async_write(self, statements: list[Statement]) -> asyncio.Future[None]:
        """Queue statements for the next commit; the future is done once they are on disk."""
        future: asyncio.Future[None] = self._hass.loop.create_future()
        if not self.available:
            future.set_exception(StoreUnavailableError("the database is closed"))
            return future
        self._queue.append(_Batch(statements, future))
        self._start_writer()
        return future

    @callback
    def async_write_later(self, statements: list[Statement]) -> None:
        """Queue statements whose caller does not wait (housekeeping: expiry, cursors)."""
        if self.available and statements:
            self._queue.append(_Batch(statements, None))
            self._start_writer()

    @callback
    def async_write_with_next(self, statements: list[Statement]) -> None:
        """Queue statements that can wait for the next commit, or for the close (crossing events off)."""
        if self.available and statements:
            self._queue.append(_Batch(statements, None))

    @callback
    def _start_writer(self) -> None:
        if self._writing is None:
            # A tracked task: Home Assistant waits for it when it stops (background tasks are
            # cancelled then, which would leave writes unanswered).
            self._writing = self._hass.async_create_task(
                self._async_write_queued(), "cloud_telephony store writer", eager_start=False
            )

    async def _async_write_queued(self) -> None:
        """Write what queued, batch after batch, until nothing is left."""
        try:
            while self._queue and self._connection is not None:
                batches, self._queue = self._queue, []
                job = self._commit = self._hass.async_add_executor_job(_commit, self._connection, batches)
                try:
                    failed = await asyncio.shield(job)
                except asyncio.CancelledError:
                    # The commit goes on in its thread; its callers hear of it when it ends.
                    job.add_done_callback(partial(_settle_when_done, batches))
                    raise
                # A few posts resume per turn of the loop: all of a batch at once would hold the
                # loop for as long as their events take to fire.
                for first in range(0, len(batches), SETTLE_PER_TURN):
                    if first:
                        await asyncio.sleep(0)
                    _settle(batches[first : first + SETTLE_PER_TURN], failed, first)
        finally:
            self._writing = None

    async def async_close(self) -> None:
        """Write what is queued, then close; later writes fail as unavailable."""
        self._closed = True
        if self._writing is not None:
            await asyncio.wait([self._writing])  # it writes until the queue is empty
        if self._commit is not None:
            # Never close the connection under a commit still running in its thread.
            await asyncio.wait([self._commit])
        connection, self._connection = self._connection, None
        if connection is None:
            return
        if self._queue:
            batches, self._queue = self._queue, []
            _settle(batches, await self._hass.async_add_executor_job(_commit, connection, batches))
        await self._hass.async_add_executor_job(connection.close)

    async def async_remove_entry(self, entry_id: str) -> None:
        """Delete everything stored for an account that was removed."""
        await self.async_write([(statement, (entry_id,)) for statement in _DELETE_ENTRY])

    async def async_import(self, entry_id: str, statements: list[Statement]) -> bool:
        """Write an account's history taken over from an older format, unless it was already."""
        marker = f"imported:{entry_id}"
        if self._connection is None:
            return False
        return await self._hass.async_add_executor_job(_import_once, self._connection, marker, statements)


def _open(path: Path, abandoned: threading.Event) -> sqlite3.Connection | None:
    path.parent.mkdir(parents=True, exist_ok=True)
    # Used by one executor thread at a time: the writer runs one batch after the other.
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    try:
        connection.execute("PRAGMA journal_mode=WAL")
        # FULL: each commit is fsynced, so an acknowledged event also survives a power cut.
        connection.execute("PRAGMA synchronous=FULL")
        connection.executescript(_SCHEMA)
        connection.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('schema_version', ?)", (str(SCHEMA_VERSION),)
        )
    except BaseException:
        connection.close()
        raise
    if abandoned.is_set():
        connection.close()
        return None
    return connection


def _timed_trim_and_read(
    connection: sqlite3.Connection, seen_limit: int, recent_limit: int, since: float
) -> tuple[dict[str, StoredEntry], float]:
    started = time.perf_counter()
    stored = _trim_and_read(connection, seen_limit, recent_limit, since)
    return stored, time.perf_counter() - started


def _trim_and_read(
    connection: sqlite3.Connection, seen_limit: int, recent_limit: int, since: float
) -> dict[str, StoredEntry]:
    """Keep each account within the limits (a run may have stopped before its own trimming)."""
    _execute(
        connection,
        [
            ("DELETE FROM seen WHERE at < ?", (since,)),
            *(
                (TRIM_SEEN, (entry_id, seen_limit - 1))
                for (entry_id,) in connection.execute("SELECT DISTINCT entry_id FROM seen").fetchall()
            ),
            *(
                (TRIM_RECENT, (entry_id, recent_limit - 1))
                for (entry_id,) in connection.execute("SELECT DISTINCT entry_id FROM recent").fetchall()
            ),
        ],
    )
    return _read(connection)


def _read(connection: sqlite3.Connection) -> dict[str, StoredEntry]:
    stored: dict[str, StoredEntry] = {}

    def entry(entry_id: str) -> StoredEntry:
        if (found := stored.get(entry_id)) is None:
            found = stored[entry_id] = StoredEntry()
        return found

    for entry_id, key, at in connection.execute("SELECT entry_id, key, at FROM seen ORDER BY at"):
        entry(entry_id).seen.append((key, at))
    for entry_id, data in connection.execute("SELECT entry_id, data FROM recent ORDER BY seq"):
        entry(entry_id).recent.append(_object(data))
    for entry_id, event_type, data in connection.execute("SELECT entry_id, type, data FROM last"):
        entry(entry_id).last[event_type] = _object(data)
    for entry_id, day, event_type, count in connection.execute(
        "SELECT entry_id, day, type, count FROM daily"
    ):
        entry(entry_id).daily.setdefault(day, {})[event_type] = count
    for row in connection.execute(
        "SELECT entry_id, message_id, recipient, message, sent_at FROM sent ORDER BY sent_at"
    ):
        entry(row[0]).sent.append((row[1], row[2], row[3], row[4]))
    for entry_id, name, value in connection.execute("SELECT entry_id, name, value FROM state"):
        entry(entry_id).state[name] = json_loads(value)
    for seq, entry_id, data in connection.execute("SELECT seq, entry_id, data FROM unfired ORDER BY seq"):
        entry(entry_id).unfired.append((seq, _object(data)))
    return stored


def _object(text: str) -> dict[str, Any]:
    value = json_loads(text)
    return value if isinstance(value, dict) else {}


def _settle_when_done(batches: list[_Batch], job: asyncio.Future[dict[int, str]]) -> None:
    _settle(batches, job.result())


def _settle(batches: list[_Batch], failed: dict[int, str], first: int = 0) -> None:
    """Tell the waiting callers how their batch went (`first`: the index of batches[0] in `failed`)."""
    for index, batch in enumerate(batches, first):
        if batch.future is None or batch.future.done():
            continue
        if index in failed:
            batch.future.set_exception(StoreUnavailableError(failed[index]))
        else:
            batch.future.set_result(None)


def _commit(connection: sqlite3.Connection, batches: list[_Batch]) -> dict[int, str]:
    """Commit the batches in one transaction; return the ones that failed, with the reason.

    When the transaction fails, each batch is tried alone, so that one bad batch (a value the
    database refuses) fails only its own post.
    """
    try:
        _execute(connection, (statement for batch in batches for statement in batch.statements))
    except Exception:  # noqa: BLE001 - the database's refusal, or a value that is not JSON
        LOGGER.debug("A shared commit of %s writes failed; each is tried alone", len(batches))
    else:
        return {}
    failed: dict[int, str] = {}
    for index, batch in enumerate(batches):
        try:
            _execute(connection, batch.statements)
        except Exception as err:  # noqa: BLE001 - fails this batch only, with the reason
            failed[index] = str(err) or type(err).__name__
    if failed:
        LOGGER.log(
            logging.ERROR if len(failed) == len(batches) else logging.WARNING,
            "Could not write %s of %s history changes: %s",
            len(failed),
            len(batches),
            next(iter(failed.values())),
        )
    return failed


def _execute(connection: sqlite3.Connection, statements: Iterable[Statement]) -> None:
    connection.execute("BEGIN IMMEDIATE")
    try:
        for sql, rows in _grouped(statements):
            connection.executemany(sql, rows)
        connection.execute("COMMIT")
    except BaseException:
        connection.execute("ROLLBACK")
        raise


def _grouped(statements: Iterable[Statement]) -> Iterator[tuple[str, list[list[Any]]]]:
    """Return the statements as few `executemany` runs, in an order with the same outcome.

    Each call into SQLite lets the event loop's thread take the interpreter lock and gives it
    back, which costs the loop more than the call itself: a commit of many posts is written
    with one call per kind of statement. Only statements that commute with each other (appends
    of new rows, counters, trims of the recent list) are gathered; any other is a barrier that
    runs in its place, after what was gathered before it.
    """
    gathered: dict[str, list[list[Any]]] = {}
    for sql, parameters in statements:
        if isinstance(parameters, Rows):
            # Only commuting statements come with many rows (new events).
            gathered.setdefault(sql, []).extend(list(row) for row in parameters)
            continue
        row = [value.encode() if isinstance(value, AsJson) else value for value in parameters]
        if sql in COMMUTING:
            gathered.setdefault(sql, []).append(row)
            continue
        yield from gathered.items()
        gathered = {}
        yield sql, [row]
    yield from gathered.items()


def _import_once(connection: sqlite3.Connection, marker: str, statements: list[Statement]) -> bool:
    if connection.execute("SELECT 1 FROM meta WHERE name = ?", (marker,)).fetchone():
        return False
    _execute(connection, [*statements, ("INSERT INTO meta (name, value) VALUES (?, 'done')", (marker,))])
    return True
