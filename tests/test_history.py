"""The history store: de-duplication window and daily counters."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from freezegun.api import FrozenDateTimeFactory

from homeassistant.core import HomeAssistant
from homeassistant.util import dt as dt_util
from pytest_homeassistant_custom_component.common import async_fire_time_changed

from custom_components.cloud_telephony.const import DOMAIN, STORE_SAVE_DELAY
from custom_components.cloud_telephony.history import EventHistory


def _event(kind: str = "missed_call") -> dict[str, Any]:
    return {"type": kind, "caller": "+905326200000"}


async def test_ids_are_forgotten_after_48_hours(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    history = EventHistory(hass, "entry")
    await history.async_load()
    history.record("old", _event(), received_at=dt_util.now())
    freezer.tick(timedelta(hours=47))
    history.record("newer", _event(), received_at=dt_util.now())
    assert history.is_duplicate("old")
    freezer.tick(timedelta(hours=2))
    history.record("newest", _event(), received_at=dt_util.now())
    assert not history.is_duplicate("old")
    assert history.is_duplicate("newer")
    assert history.seen_count == 2


async def test_expired_ids_are_dropped_on_load(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    now = dt_util.utcnow().timestamp()
    hass_storage[f"{DOMAIN}.entry"] = {
        "version": 1,
        "key": f"{DOMAIN}.entry",
        "data": {
            "recent": [],
            "last": {},
            "daily": {},
            "seen": {"fresh": now - 3600, "stale": now - 49 * 3600},
        },
    }
    history = EventHistory(hass, "entry")
    await history.async_load()
    assert history.is_duplicate("fresh")
    assert not history.is_duplicate("stale")


async def test_daily_counters_keep_a_week(hass: HomeAssistant, freezer: FrozenDateTimeFactory) -> None:
    history = EventHistory(hass, "entry")
    await history.async_load()
    first_day = dt_util.now().date()
    for day in range(9):
        history.record(f"id{day}", _event(), received_at=dt_util.now())
        freezer.tick(timedelta(days=1))
    assert history.count_on("missed_call", first_day) == 0
    assert history.count_on("missed_call", first_day + timedelta(days=2)) == 1
    assert history.count_on("missed_call", first_day + timedelta(days=8)) == 1
    assert history.count_on("incoming_fax", first_day + timedelta(days=8)) == 0
    assert history.count_on("missed_call", date(2000, 1, 1)) == 0


async def test_recent_keeps_the_last_hundred(hass: HomeAssistant) -> None:
    history = EventHistory(hass, "entry")
    await history.async_load()
    for number in range(105):
        history.record(f"id{number}", {"type": "call_started", "n": number}, received_at=dt_util.now())
    assert [event["n"] for event in history.recent] == list(range(5, 105))
    assert history.last("call_started") == {"type": "call_started", "n": 104}
    assert history.last("missed_call") is None


async def test_busy_line_is_written_within_the_save_delay(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    """Events every few seconds never postpone the write of the first one."""
    history = EventHistory(hass, "entry")
    await history.async_load()
    key = f"{DOMAIN}.entry"

    async def event_after(seconds: float, dedupe_key: str) -> None:
        freezer.tick(timedelta(seconds=seconds))
        async_fire_time_changed(hass)
        await hass.async_block_till_done()
        history.record(dedupe_key, _event(), received_at=dt_util.now())

    await event_after(0, "first")
    # Restarting the delay with each event would postpone the write to 18 s.
    for number in range(4):
        await event_after(2, f"busy{number}")
        assert key not in hass_storage
    await event_after(3, "late")
    assert set(hass_storage[key]["data"]["seen"]) == {"first", "busy0", "busy1", "busy2", "busy3"}
    # A change after a write schedules the next one.
    await event_after(STORE_SAVE_DELAY + 1, "after")
    assert "late" in hass_storage[key]["data"]["seen"]
    assert "after" not in hass_storage[key]["data"]["seen"]
    await event_after(STORE_SAVE_DELAY + 1, "final")
    assert "after" in hass_storage[key]["data"]["seen"]


async def test_sent_messages_are_forgotten_after_48_hours(
    hass: HomeAssistant, freezer: FrozenDateTimeFactory
) -> None:
    history = EventHistory(hass, "entry")
    await history.async_load()
    history.record_sent("old", "+420603123456", "first", sent_at=dt_util.now())
    freezer.tick(timedelta(hours=49))
    history.record_sent("new", "+420777888999", "second", sent_at=dt_util.now())
    assert history.sent_message("old") is None
    assert history.sent_message("new") is not None
    assert history.replied_message("+420603123456", received_at=dt_util.now()) is None


async def test_a_closed_history_never_writes_again(
    hass: HomeAssistant, hass_storage: dict[str, Any], freezer: FrozenDateTimeFactory
) -> None:
    """The history of an unloaded entry: a late event must not overwrite the running entry's file."""
    history = EventHistory(hass, "entry")
    await history.async_load()
    history.record("before", _event(), received_at=dt_util.now())
    await history.async_close()
    history.record("late", _event(), received_at=dt_util.now())
    freezer.tick(timedelta(seconds=STORE_SAVE_DELAY + 1))
    async_fire_time_changed(hass)
    await hass.async_block_till_done()
    assert list(hass_storage[f"{DOMAIN}.entry"]["data"]["seen"]) == ["before"]
