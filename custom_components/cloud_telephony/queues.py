"""Call queues the options name: who waits (a sensor per queue), who answers (a switch per agent)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from homeassistant.core import HomeAssistant

from .api import CallQueue, QueuesClient
from .data import EntrySettings, TelephonyConfigEntry
from .items import PathsCoordinator


class QueuesCoordinator(PathsCoordinator[CallQueue]):
    """Reads each named queue: its waiting callers and its agents."""

    kind = "queue"

    def __init__(
        self,
        hass: HomeAssistant,
        entry: TelephonyConfigEntry,
        client: QueuesClient,
        interval: timedelta,
        paths: Sequence[str],
    ) -> None:
        """Poll the queues at the interval the options set."""
        super().__init__(hass, entry, interval, paths, client.async_get_queue)
        self.client = client

    def agents(self) -> set[tuple[str, str]]:
        """Return every queue's agents as (queue path, agent name)."""
        return {(path, agent.name) for path, queue in (self.data or {}).items() for agent in queue.agents}


def waiting_callers(queue: CallQueue, settings: EntrySettings) -> list[dict[str, Any]]:
    """Describe the callers in queue order: number (E.164 where it parses), contact name, seconds waited."""
    callers = []
    for caller in queue.callers:
        number = settings.normalize(caller.number)
        callers.append(
            {
                "number": number,
                "name": settings.contacts.name_for(number),
                "wait": caller.wait,
                "position": caller.position,
                "call_id": caller.call_id,
            }
        )
    return callers


def call_ids_of(queue: CallQueue, settings: EntrySettings, numbers: Sequence[str]) -> list[str]:
    """Return the call ids of the waiting callers with these numbers (as the user writes them)."""
    wanted = {settings.normalize(number) for number in numbers}
    return [
        caller.call_id
        for caller in queue.callers
        if caller.call_id is not None and settings.normalize(caller.number) in wanted
    ]
