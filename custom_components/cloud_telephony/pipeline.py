"""The event pipeline: accept, de-duplicate, record durably, then fire; for webhooks, polling and actions.

An event is on disk before it is fired and before the post that brought it is answered; a retried
delivery (the same provider identity) is answered as a duplicate and never fired again, also while
the first delivery of it is still being written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from homeassistant.config_entries import ConfigEntryState
from homeassistant.core import HomeAssistant, callback
from homeassistant.helpers.dispatcher import async_dispatcher_send
from homeassistant.util import dt as dt_util

from .api import EventType, TelephonyEvent
from .const import ATTR_CONFIG_ENTRY_ID, ATTR_DEVICE_ID, EVENT_PREFIX
from .data import TelephonyConfigEntry, TelephonyData, signal_event
from .history import Accepted
from .hub import DATA_HUB, TelephonyHub
from .store import StoreUnavailableError

# Events handled before the event loop gets a turn for other work (about 3 ms).
EVENTS_PER_TURN: Final = 100
# Seconds a retry waits for the write of the same event by another post (then: 503).
WAIT_FOR_EARLIER_WRITE: Final = 30


async def async_accept_events(
    hass: HomeAssistant, entry: TelephonyConfigEntry, events: Sequence[TelephonyEvent]
) -> tuple[int, int]:
    """Record the events not seen before, then fire them; return (accepted, duplicates).

    Raises StoreUnavailableError when they cannot be written: nothing is fired then, and the
    caller answers so that the provider retries.
    """
    hub = hass.data[DATA_HUB]
    history = hub.history(entry.entry_id)
    received_at = dt_util.now()
    # This post's write, known before it starts: a retry arriving meanwhile waits for it.
    write: asyncio.Future[None] = hass.loop.create_future()
    taken = _Taken()
    try:
        async with _taking_turns(hub, len(events)):
            await _async_take_new(hub, entry, events, received_at, write, taken)
        if taken.fresh:
            await history.async_record(taken.fresh, received_at=received_at, write=write)
    except BaseException as err:
        # Reserved but not written: retries that wait on them must not wait forever.
        history.release(list(taken.keys), write, err)
        raise
    if len(taken.fresh) > EVENTS_PER_TURN:
        # Recorded, so fired even when the post is cancelled meanwhile (the provider hung up
        # while it waited for its turn): firing has its own task.
        firing = hass.async_create_task(_async_fire_in_turn(hass, hub, entry, taken.fresh), eager_start=True)
        await asyncio.shield(firing)
    elif taken.fresh:
        # A short batch fires at once, without an await in between: nothing can cancel it halfway.
        await _async_fire_all(hass, hub, entry, taken.fresh)
    if taken.earlier_writes:
        # Bounded: a write that never ends must not hold the provider's retry forever.
        try:
            async with asyncio.timeout(WAIT_FOR_EARLIER_WRITE):
                await asyncio.gather(*taken.earlier_writes)
        except TimeoutError as err:
            raise StoreUnavailableError(
                "an earlier delivery of the same event is still being written"
            ) from err
    return len(taken.fresh), taken.duplicates


@dataclass(slots=True)
class _Taken:
    """What one post brought that was not seen before, and how many it repeated."""

    fresh: list[Accepted] = field(default_factory=list)
    keys: set[str] = field(default_factory=set)
    """The identities this post reserved."""
    earlier_writes: list[asyncio.Future[None]] = field(default_factory=list)
    duplicates: int = 0


def _taking_turns(hub: TelephonyHub, count: int) -> AbstractAsyncContextManager[Any]:
    """Let one long batch at a time work through its events.

    Each yields every EVENTS_PER_TURN events, but twenty posts resumed in the same turn of the
    loop would each do that much in it: the loop would be held twenty times as long.
    """
    return hub.long_batch_turn if count > EVENTS_PER_TURN else nullcontext()


async def _async_take_new(
    hub: TelephonyHub,
    entry: TelephonyConfigEntry,
    events: Sequence[TelephonyEvent],
    received_at: datetime,
    write: asyncio.Future[None],
    taken: _Taken,
) -> None:
    """Reserve the events not seen before and build their data; count the others."""
    history = hub.history(entry.entry_id)
    settings = hub.settings(entry)
    device_id = hub.device_id(entry)
    received = received_at.isoformat()
    for index, event in enumerate(events):
        if index and not index % EVENTS_PER_TURN:
            # A long batch gives other work its turn: the loop is never held for the whole post.
            await asyncio.sleep(0)
        key = event.dedupe_key
        if history.is_duplicate(key) or key in taken.keys:
            taken.duplicates += 1
            continue
        if (writing := history.pending_write(key)) is not None:
            # Another post is writing this event right now: answer once that write is done.
            taken.earlier_writes.append(writing)
            taken.duplicates += 1
            continue
        taken.keys.add(key)
        # Before the next await: no other post may take the same event meanwhile.
        history.reserve(key, write)
        data: dict[str, Any] = {
            ATTR_CONFIG_ENTRY_ID: entry.entry_id,
            ATTR_DEVICE_ID: device_id,
            **event.as_event_data(received_at.tzinfo),
            "caller_name": settings.contacts.name_for(event.caller),
            "received_at": received,
        }
        if event.type is EventType.SMS_RECEIVED:
            # Lets an automation tell a reply to its own message from a new conversation.
            data["in_reply_to"] = history.replied_message(event.caller, received_at=received_at)
        elif event.type is EventType.SMS_STATUS:
            sent, matched_by = history.reported_message(event.call_id, event.callee, received_at=received_at)
            data["sent_message"] = None if sent is None else sent["message"]
            data["sent_message_id"] = None if sent is None else sent["message_id"]
            # None: a report about a message this integration did not send (or no longer knows).
            data["matched_by"] = matched_by
            if data["callee"] is None and sent is not None:
                data["callee"] = sent["to"]
        taken.fresh.append(Accepted(key, data, hub.next_seq()))


async def _async_fire_in_turn(
    hass: HomeAssistant, hub: TelephonyHub, entry: TelephonyConfigEntry, events: list[Accepted]
) -> None:
    async with hub.long_batch_turn:
        await _async_fire_all(hass, hub, entry, events)


async def _async_fire_all(
    hass: HomeAssistant, hub: TelephonyHub, entry: TelephonyConfigEntry, events: list[Accepted]
) -> None:
    """Fire recorded events in turns; each is marked in the journal the moment it is fired."""
    for start in range(0, len(events), EVENTS_PER_TURN):
        if start:
            await asyncio.sleep(0)
        for event in events[start : start + EVENTS_PER_TURN]:
            async_fire(hass, hub, entry.entry_id, event.data)
            hub.journal.mark(event.seq)
    hub.forget_unfired([event.seq for event in events])


@callback
def async_fire(hass: HomeAssistant, hub: TelephonyHub, entry_id: str, data: dict[str, Any]) -> None:
    """Tell the account's pending calls, the bus and the entities about a recorded event."""
    event_type = data["type"]
    # Also while the entry reloads: an action may be waiting for this outcome.
    if event_type == EventType.CALL_STATUS and (calls := hub.existing_call_tracker(entry_id)) is not None:
        calls.async_record(data)
    hass.bus.async_fire(f"{EVENT_PREFIX}{event_type}", data)
    async_dispatcher_send(hass, signal_event(entry_id, event_type), data)


@callback
def async_fire_in_doubt(hass: HomeAssistant) -> None:
    """Fire the events that were recorded but not fired before the last stop (once, at start)."""
    hub = hass.data[DATA_HUB]
    events, hub.in_doubt = hub.in_doubt, []
    for event in events:
        if hass.config_entries.async_get_entry(event.entry_id) is not None:
            async_fire(hass, hub, event.entry_id, event.data)
        hub.journal.mark(event.seq)
    hub.forget_unfired([event.seq for event in events])


def loaded_runtime(entry: TelephonyConfigEntry) -> TelephonyData | None:
    """Return the entry's runtime data as it is now, or None while it is not loaded.

    A reload replaces it; what an answer brings (a sent message, a call job) belongs in the new
    one.
    """
    return entry.runtime_data if entry.state is ConfigEntryState.LOADED else None
