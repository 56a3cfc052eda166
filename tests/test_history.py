"""The durable history: what it remembers, for how long, within which bounds, across restarts."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import date, timedelta
import itertools
import json
from pathlib import Path
from typing import Any

from freezegun.api import FrozenDateTimeFactory
import pytest

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util

from custom_components.cloud_telephony import history as history_module
from custom_components.cloud_telephony.const import DEDUPE_WINDOW, HISTORY_SIZE
from custom_components.cloud_telephony.history import Accepted, EventHistory
from custom_components.cloud_telephony.store import StoredEntry, StoreUnavailableError, TelephonyStore
from tests.conftest import stored_events, stored_ids, stored_rows

SEQ = itertools.count(1)


def _event(kind: str = "missed_call", **extra: Any) -> dict[str, Any]:
    return {"type": kind, "caller": "+905326200000", **extra}


async def _record(history: EventHistory, key: str, data: dict[str, Any] | None = None) -> None:
    await history.async_record([Accepted(key, data or _event(), next(SEQ))], received_at=dt_util.now())


@pytest.fixture
async def store(hass: HomeAssistant, storage_folder: Path) -> AsyncIterator[TelephonyStore]:
    """Open the database in the test's folder."""
    opened = TelephonyStore(hass, storage_folder / "cloud_telephony.db")
    await opened.async_open()
    yield opened
    await opened.async_close()


async def _reopen(hass: HomeAssistant, store: TelephonyStore, entry_id: str = "entry") -> EventHistory:
    """Close the database and read it again, as the next start of Home Assistant does."""
    await store.async_close()
    again = TelephonyStore(hass, store.path)
    await again.async_open()
    stored, _seconds = await again.async_read(
        seen_limit=history_module.SEEN_LIMIT,
        recent_limit=HISTORY_SIZE,
        since=dt_util.utcnow().timestamp() - DEDUPE_WINDOW.total_seconds(),
    )
    hass.async_create_task(again.async_close())  # closed with the test's Home Assistant
    return EventHistory(again, entry_id, stored.get(entry_id, StoredEntry()))


async def test_ids_are_forgotten_after_48_hours(
    hass: HomeAssistant, store: TelephonyStore, freezer: FrozenDateTimeFactory, storage_folder: Path
) -> None:
    history = EventHistory(store, "entry")
    await _record(history, "old")
    freezer.tick(timedelta(hours=47))
    await _record(history, "newer")
    assert history.is_duplicate("old")
    freezer.tick(timedelta(hours=2))
    await _record(history, "newest")
    assert not history.is_duplicate("old")
    assert history.is_duplicate("newer")
    assert history.seen_count == 2
    assert {key for (key,) in stored_rows(storage_folder, "SELECT key FROM seen")} == {"newer", "newest"}


async def test_everything_survives_a_restart(
    hass: HomeAssistant, store: TelephonyStore, freezer: FrozenDateTimeFactory
) -> None:
    history = EventHistory(store, "entry")
    await _record(history, "call-1", _event("missed_call", n=1))
    await _record(history, "fax-1", _event("incoming_fax", n=2))
    history.record_sent("m1", "+420603123456", "Open?", sent_at=dt_util.now())
    history.set_cursor(["2026-11-23T10:00:00+00:00", "sms-1"])
    history.save_polled_job("job", {"numbers": ["+905320000000"], "expires": "2099-01-01", "completed": []})
    await hass.async_block_till_done()

    again = await _reopen(hass, store)
    assert again.is_duplicate("call-1")
    assert again.is_duplicate("fax-1")
    assert [event["n"] for event in again.recent] == [1, 2]
    assert again.last("incoming_fax") == _event("incoming_fax", n=2)
    assert again.count_on("missed_call", dt_util.now().date()) == 1
    assert again.sent_message("m1") is not None
    assert again.replied_message("+420603123456", received_at=dt_util.now()) is not None
    assert again.cursor == ["2026-11-23T10:00:00+00:00", "sms-1"]
    assert set(again.polled_jobs) == {"job"}


async def test_expired_ids_are_dropped_at_start(
    hass: HomeAssistant, store: TelephonyStore, freezer: FrozenDateTimeFactory, storage_folder: Path
) -> None:
    history = EventHistory(store, "entry")
    await _record(history, "stale")
    freezer.tick(timedelta(hours=47))
    await _record(history, "fresh")
    freezer.tick(timedelta(hours=2))
    again = await _reopen(hass, store)
    assert again.is_duplicate("fresh")
    assert not again.is_duplicate("stale")
    assert stored_rows(storage_folder, "SELECT key FROM seen") == [("fresh",)]


async def test_ids_are_bounded_by_count_in_memory_and_on_disk(
    hass: HomeAssistant, store: TelephonyStore, monkeypatch: pytest.MonkeyPatch, storage_folder: Path
) -> None:
    """A busy account forgets its oldest ids first; neither memory nor the file grows past the bound."""
    monkeypatch.setattr(history_module, "SEEN_LIMIT", 5)
    history = EventHistory(store, "entry")
    for number in range(8):
        await _record(history, f"id{number}")
    await history.async_record(
        [Accepted(f"batch{number}", _event(), next(SEQ)) for number in range(3)], received_at=dt_util.now()
    )
    assert history.seen_count == 5
    assert [history.is_duplicate(f"id{number}") for number in range(8)] == [False] * 6 + [True] * 2
    assert len(stored_rows(storage_folder, "SELECT key FROM seen")) == 5
    again = await _reopen(hass, store)
    assert again.seen_count == 5


async def test_the_bound_is_kept_when_a_run_stopped_before_trimming(
    hass: HomeAssistant, store: TelephonyStore, monkeypatch: pytest.MonkeyPatch, storage_folder: Path
) -> None:
    history = EventHistory(store, "entry")
    for number in range(6):
        await _record(history, f"id{number}")
    monkeypatch.setattr(history_module, "SEEN_LIMIT", 3)
    again = await _reopen(hass, store)
    assert again.seen_count == 3
    assert not again.is_duplicate("id2")
    assert again.is_duplicate("id3")
    assert len(stored_rows(storage_folder, "SELECT key FROM seen")) == 3


async def test_daily_counters_keep_a_week(
    hass: HomeAssistant, store: TelephonyStore, freezer: FrozenDateTimeFactory, storage_folder: Path
) -> None:
    history = EventHistory(store, "entry")
    first_day = dt_util.now().date()
    for day in range(9):
        await _record(history, f"id{day}")
        freezer.tick(timedelta(days=1))
    assert history.count_on("missed_call", first_day) == 0
    assert history.count_on("missed_call", first_day + timedelta(days=2)) == 1
    assert history.count_on("missed_call", first_day + timedelta(days=8)) == 1
    assert history.count_on("incoming_fax", first_day + timedelta(days=8)) == 0
    assert history.count_on("missed_call", date(2000, 1, 1)) == 0
    assert len(stored_rows(storage_folder, "SELECT day FROM daily")) == 7


async def test_recent_keeps_the_last_hundred(
    hass: HomeAssistant, store: TelephonyStore, storage_folder: Path
) -> None:
    history = EventHistory(store, "entry")
    for number in range(105):
        await _record(history, f"id{number}", {"type": "call_started", "n": number})
    assert [event["n"] for event in history.recent] == list(range(5, 105))
    assert history.last("call_started") == {"type": "call_started", "n": 104}
    assert history.last("missed_call") is None
    assert len(stored_rows(storage_folder, "SELECT seq FROM recent")) == HISTORY_SIZE


async def test_a_large_event_is_kept_without_its_raw_item(hass: HomeAssistant, store: TelephonyStore) -> None:
    history = EventHistory(store, "entry")
    await _record(history, "big", _event(raw={"blob": "x" * 100_000}))
    again = await _reopen(hass, store)
    assert again.recent[-1]["raw"] is None
    assert again.recent[-1]["raw_left_out"] is True


async def test_sent_messages_are_forgotten_after_48_hours(
    hass: HomeAssistant, store: TelephonyStore, freezer: FrozenDateTimeFactory, storage_folder: Path
) -> None:
    history = EventHistory(store, "entry")
    history.record_sent("old", "+420603123456", "first", sent_at=dt_util.now())
    freezer.tick(timedelta(hours=49))
    history.record_sent("new", "+420777888999", "second", sent_at=dt_util.now())
    assert history.sent_message("old") is None
    assert history.sent_message("new") is not None
    assert history.replied_message("+420603123456", received_at=dt_util.now()) is None
    await hass.async_block_till_done()
    assert stored_rows(storage_folder, "SELECT message_id FROM sent") == [("new",)]


async def test_nothing_is_remembered_when_the_write_fails(hass: HomeAssistant, store: TelephonyStore) -> None:
    history = EventHistory(store, "entry")
    await store.async_close()
    with pytest.raises(StoreUnavailableError):
        await _record(history, "lost")
    assert not history.is_duplicate("lost")
    assert history.recent == []


async def test_one_refused_write_fails_only_its_own_caller(
    hass: HomeAssistant, store: TelephonyStore
) -> None:
    """Writes of several posts share a commit; one the database refuses does not take the others down."""
    good = store.async_write([("INSERT INTO state (entry_id, name, value) VALUES ('e', 'a', '1')", ())])
    bad = store.async_write([("INSERT INTO state (entry_id, name, value) VALUES ('e', 'b', NULL)", ())])
    also_good = store.async_write([("INSERT INTO state (entry_id, name, value) VALUES ('e', 'c', '3')", ())])
    await good
    await also_good
    with pytest.raises(StoreUnavailableError, match="NOT NULL"):
        await bad


async def test_a_shared_commit_writes_what_separate_commits_write(
    hass: HomeAssistant, store: TelephonyStore, storage_folder: Path
) -> None:
    """Posts committed together (statements gathered by kind) leave the database as one by one."""
    histories = [EventHistory(store, f"entry{index}", StoredEntry()) for index in range(2)]
    now = dt_util.now()
    posts = [
        history.async_record(
            [Accepted(f"{history_index}-{index}", _event(seq=index), next(SEQ))], received_at=now
        )
        for index in range(HISTORY_SIZE + 5)
        for history_index, history in enumerate(histories)
    ]
    await asyncio.gather(*posts)
    for history_index in range(2):
        entry_id = f"entry{history_index}"
        recent = stored_events(storage_folder, entry_id)
        # Trimmed to the newest, in the order the posts came.
        assert [event["seq"] for event in recent] == list(range(5, HISTORY_SIZE + 5))
        assert stored_rows(storage_folder, "SELECT count FROM daily WHERE entry_id = ?", entry_id) == [
            (HISTORY_SIZE + 5,)
        ]
        [(last,)] = stored_rows(storage_folder, "SELECT data FROM last WHERE entry_id = ?", entry_id)
        assert json.loads(last)["seq"] == HISTORY_SIZE + 4
        assert len(stored_ids(storage_folder, entry_id)) == HISTORY_SIZE + 5


async def test_a_statement_that_does_not_commute_keeps_its_place(
    hass: HomeAssistant, store: TelephonyStore, storage_folder: Path
) -> None:
    """A value set, deleted and set again in one commit ends set, as written."""
    upsert = "INSERT OR REPLACE INTO state (entry_id, name, value) VALUES (?, ?, ?)"
    delete = "DELETE FROM state WHERE entry_id = ? AND name = ?"
    writes = [
        store.async_write([(upsert, ("e", "cursor", "1"))]),
        store.async_write([(delete, ("e", "cursor"))]),
        store.async_write([(upsert, ("e", "cursor", "3"))]),
    ]
    await asyncio.gather(*writes)
    assert stored_rows(storage_folder, "SELECT value FROM state WHERE name = 'cursor'") == [("3",)]
